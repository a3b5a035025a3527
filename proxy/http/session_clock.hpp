// The clock every worker-side deadline, drain and latency is measured on.
#pragma once

#include <chrono>

namespace quikedge::http {

using clock = std::chrono::steady_clock;

}  // namespace quikedge::http
