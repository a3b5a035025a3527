// The worker's retry budget: retries add at most a configured share of load,
// even when a whole stack is down. Worker only.
#pragma once

#include <algorithm>

namespace quikedge::http {

/// Every request earns `budget_ratio` of a token, a retry that may reach an
/// upstream spends one.
class retry_budget {
 public:
  /// Spends a token; false when none is left.
  bool take() {
    if (tokens_ < 1.0) {
      return false;
    }
    tokens_ -= 1.0;
    return true;
  }
  void earn(double ratio) {
    // A small reserve lets an idle worker still retry its first failures.
    tokens_ = std::min(tokens_ + ratio, 10.0);
  }

 private:
  double tokens_ = 3.0;
};

}  // namespace quikedge::http
