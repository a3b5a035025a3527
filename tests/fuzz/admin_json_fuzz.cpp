// Proves the admin API's JSON body readers (weights, rollback, rollout start and
// actions) answer any bytes with a value or a 400 message, never a crash or throw.
#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>

#include "admin/request_bodies.hpp"
#include "fuzz_check.hpp"
#include "rollout/rollout_plan.hpp"

namespace {

using namespace quikedge;

bool is_json_object(const std::string& body) {
  boost::system::error_code ec;
  auto document = boost::json::parse(body, ec);
  return !ec && document.is_object();
}

void check_weights(const std::string& body) {
  admin::body_weight_map weights;
  std::string reason;
  auto error = admin::parse_weights_body(body, weights, reason);
  if (error) {
    FUZZ_CHECK(!error->empty());
    return;
  }
  FUZZ_CHECK(is_json_object(body));
  // The control plane sums these in 64 bits; each must stay in the API's range.
  for (const auto& [name, weight] : weights) {
    FUZZ_CHECK(weight <= 1000000);
  }
}

void check_rollback(const std::string& body) {
  admin::rollback_body out;
  auto error = admin::parse_rollback_body(body, out);
  if (error) {
    FUZZ_CHECK(!error->empty());
    return;
  }
  FUZZ_CHECK(body.empty() || is_json_object(body));
}

void check_reason(const std::string& body) {
  std::string reason;
  auto error = admin::parse_reason_body(body, reason);
  if (error) {
    FUZZ_CHECK(!error->empty());
    return;
  }
  FUZZ_CHECK(body.empty() || is_json_object(body));
}

void check_start(const std::string& body) {
  static const rollout::rollout_plan defaults = rollout::plan_from_config(rollout_config{});
  rollout::start_request out;
  auto error = rollout::parse_start_request(body, defaults, out);
  if (error) {
    FUZZ_CHECK(!error->empty());
    return;
  }
  // An accepted start is a plan the rollout engine can run as is.
  FUZZ_CHECK(!out.to.empty());
  FUZZ_CHECK(!rollout::validate_plan(out.plan));
  for (std::size_t i = 0; i < out.plan.steps.size(); ++i) {
    FUZZ_CHECK(out.plan.steps[i].weight >= 1 && out.plan.steps[i].weight <= 100);
    FUZZ_CHECK(i == 0 || out.plan.steps[i].weight > out.plan.steps[i - 1].weight);
  }
  // The plan survives the state file: written and read back, it is the same.
  rollout::rollout_plan reread = defaults;
  FUZZ_CHECK(!rollout::read_plan_overrides(rollout::plan_to_json(out.plan), reread));
  FUZZ_CHECK(reread.steps.size() == out.plan.steps.size());
  for (std::size_t i = 0; i < reread.steps.size(); ++i) {
    FUZZ_CHECK(reread.steps[i].weight == out.plan.steps[i].weight);
    FUZZ_CHECK(reread.steps[i].pause == out.plan.steps[i].pause);
  }
  FUZZ_CHECK(reread.gates.window == out.plan.gates.window);
  FUZZ_CHECK(reread.gates.min_requests == out.plan.gates.min_requests);
  FUZZ_CHECK(reread.gates.max_p99_latency == out.plan.gates.max_p99_latency);
  FUZZ_CHECK(reread.gates.max_error_rate == out.plan.gates.max_error_rate);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  try {
    check_weights(body);
    check_rollback(body);
    check_reason(body);
    check_start(body);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "an admin body reader threw: %s\n", e.what());
    FUZZ_CHECK(!"admin body readers must not throw");
  }
  return 0;
}
