// Strict reading and writing of rollout plans.
#include "rollout/rollout_plan.hpp"

#include <boost/json.hpp>

#include <cmath>

#include "quikedge/config_loader.hpp"
#include "util/json_numbers.hpp"

namespace quikedge::rollout {
namespace {

namespace json = boost::json;

using util::json_unsigned;

std::optional<std::string> read_duration(const json::value& value, const std::string& path,
                                         duration& out) {
  if (!value.is_string()) {
    return path + ": must be a duration string such as \"500ms\", \"10s\" or \"5m\"";
  }
  auto parsed = parse_duration(std::string(value.as_string()));
  if (!parsed) {
    return path + ": \"" + std::string(value.as_string()) +
           "\" is not a duration (a whole number followed by ms, s, m or h)";
  }
  out = *parsed;
  return std::nullopt;
}

std::optional<std::string> read_steps(const json::value& value, std::vector<rollout_step>& out) {
  if (!value.is_array()) {
    return "steps: must be an array of {\"weight\":N,\"pause\":\"1s\"}";
  }
  out.clear();
  for (std::size_t i = 0; i < value.as_array().size(); ++i) {
    const std::string path = "steps[" + std::to_string(i) + "]";
    const auto& item = value.as_array()[i];
    if (!item.is_object()) {
      return path + ": must be an object {\"weight\":N,\"pause\":\"1s\"}";
    }
    rollout_step step;
    const auto* weight = item.as_object().if_contains("weight");
    if (weight == nullptr) {
      return path + ".weight: is required";
    }
    auto percent = json_unsigned(*weight);
    if (!percent || *percent < 1 || *percent > 100) {
      return path + ".weight: must be an integer between 1 and 100 (a percentage)";
    }
    step.weight = static_cast<std::uint32_t>(*percent);
    for (const auto& [key, field] : item.as_object()) {
      if (key == "pause") {
        if (auto error = read_duration(field, path + ".pause", step.pause)) {
          return error;
        }
      } else if (key != "weight") {
        return path + ": unknown field \"" + std::string(key) + "\"";
      }
    }
    out.push_back(step);
  }
  return std::nullopt;
}

std::optional<std::string> read_gates(const json::value& value, rollout_gates& out) {
  if (!value.is_object()) {
    return "gates: must be an object";
  }
  for (const auto& [key, field] : value.as_object()) {
    const std::string path = "gates." + std::string(key);
    if (key == "window") {
      if (auto error = read_duration(field, path, out.window)) {
        return error;
      }
    } else if (key == "max_p99_latency") {
      if (auto error = read_duration(field, path, out.max_p99_latency)) {
        return error;
      }
    } else if (key == "min_requests") {
      auto count = json_unsigned(field);
      if (!count) {
        return path + ": must be a non-negative integer";
      }
      out.min_requests = *count;
    } else if (key == "max_error_rate") {
      if (!field.is_number()) {
        return path + ": must be a number between 0 and 1 (0.01 = 1%)";
      }
      out.max_error_rate = field.to_number<double>();
    } else {
      return "gates: unknown field \"" + std::string(key) + "\"";
    }
  }
  return std::nullopt;
}

}  // namespace

rollout_plan plan_from_config(const rollout_config& config) {
  return rollout_plan{config.steps, config.gates};
}

std::optional<std::string> validate_plan(const rollout_plan& plan) {
  if (plan.steps.empty()) {
    return "steps: at least one step is required";
  }
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    const std::string path = "steps[" + std::to_string(i) + "].weight";
    const auto weight = plan.steps[i].weight;
    if (weight < 1 || weight > 100) {
      return path + ": must be between 1 and 100, got " + std::to_string(weight);
    }
    if (i > 0 && weight <= plan.steps[i - 1].weight) {
      return path + ": step weights must increase, got " + std::to_string(weight) + " after " +
             std::to_string(plan.steps[i - 1].weight);
    }
    if (plan.steps[i].pause.count() < 0) {
      return "steps[" + std::to_string(i) + "].pause: must not be negative";
    }
  }
  if (plan.steps.back().weight != 100) {
    return "steps[" + std::to_string(plan.steps.size() - 1) +
           "].weight: the last step must reach 100, got " +
           std::to_string(plan.steps.back().weight);
  }
  if (plan.gates.window.count() <= 0) {
    return "gates.window: must be positive";
  }
  if (plan.gates.max_p99_latency.count() <= 0) {
    return "gates.max_p99_latency: must be positive";
  }
  const double rate = plan.gates.max_error_rate;
  if (!std::isfinite(rate) || rate < 0.0 || rate > 1.0) {
    return "gates.max_error_rate: must be between 0 and 1 (0.01 = 1%)";
  }
  return std::nullopt;
}

std::optional<std::string> read_plan_overrides(const json::object& body, rollout_plan& plan) {
  if (const auto* steps = body.if_contains("steps")) {
    if (auto error = read_steps(*steps, plan.steps)) {
      return error;
    }
  }
  if (const auto* gates = body.if_contains("gates")) {
    if (auto error = read_gates(*gates, plan.gates)) {
      return error;
    }
  }
  return std::nullopt;
}

std::optional<std::string> parse_start_request(const std::string& body,
                                               const rollout_plan& defaults, start_request& out) {
  boost::system::error_code ec;
  auto document = json::parse(body, ec);
  if (ec) {
    return "body is not valid JSON: " + ec.message();
  }
  if (!document.is_object()) {
    return "body must be a JSON object such as {\"to\":\"green\"}";
  }
  const auto& root = document.as_object();
  for (const auto& [key, value] : root) {
    if (key != "to" && key != "reason" && key != "steps" && key != "gates") {
      return "unknown field \"" + std::string(key) + "\"";
    }
    if ((key == "to" || key == "reason") && !value.is_string()) {
      return key == "to" ? "\"to\" must be a string" : "\"reason\" must be a string";
    }
  }
  const auto* to = root.if_contains("to");
  if (to == nullptr || to->as_string().empty()) {
    return "\"to\" is required: the stack to roll out";
  }
  out.to = std::string(to->as_string());
  if (const auto* reason = root.if_contains("reason")) {
    out.reason = std::string(reason->as_string());
  }
  out.plan = defaults;
  if (auto error = read_plan_overrides(root, out.plan)) {
    return error;
  }
  return validate_plan(out.plan);
}

json::object plan_to_json(const rollout_plan& plan) {
  json::array steps;
  for (const auto& step : plan.steps) {
    steps.push_back(json::object{{"weight", step.weight}, {"pause", format_duration(step.pause)}});
  }
  json::object gates{{"window", format_duration(plan.gates.window)},
                     {"min_requests", plan.gates.min_requests},
                     {"max_error_rate", plan.gates.max_error_rate},
                     {"max_p99_latency", format_duration(plan.gates.max_p99_latency)}};
  return json::object{{"steps", std::move(steps)}, {"gates", std::move(gates)}};
}

std::string format_duration(duration d) {
  const auto ms = d.count();
  if (ms == 0) {
    return "0";
  }
  if (ms % 3'600'000 == 0) {
    return std::to_string(ms / 3'600'000) + "h";
  }
  if (ms % 60'000 == 0) {
    return std::to_string(ms / 60'000) + "m";
  }
  if (ms % 1000 == 0) {
    return std::to_string(ms / 1000) + "s";
  }
  return std::to_string(ms) + "ms";
}

}  // namespace quikedge::rollout
