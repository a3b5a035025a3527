// quikctl's `rollout start` arguments: the step and gate flags, the --steps
// shorthand and the request body built from them. Header-only: quikctl is built
// from one translation unit. Only shapes are checked here; the proxy validates values.
#pragma once

#include <boost/json.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace quikctl {

struct rollout_flags {
  std::optional<std::string> steps;
  std::optional<std::string> gate_window;
  std::optional<std::string> min_requests;
  std::optional<std::string> max_error_rate;
  std::optional<std::string> max_p99;
  bool watch = false;
  std::chrono::milliseconds timeout{30 * 60 * 1000};
};

/// "10:1s,50:30s,100" → [{"weight":10,"pause":"1s"},{"weight":50,"pause":"30s"},{"weight":100}].
/// Only the shape is checked here; the proxy validates the values.
inline std::optional<boost::json::array> parse_steps(const std::string& text, std::string& error) {
  boost::json::array steps;
  std::stringstream list(text);
  std::string item;
  while (std::getline(list, item, ',')) {
    const auto colon = item.find(':');
    const std::string weight = item.substr(0, colon);
    char* end = nullptr;
    const long value = std::strtol(weight.c_str(), &end, 10);
    if (weight.empty() || *end != '\0' || value < 1 || value > 100) {
      error =
          "--steps wants WEIGHT[:PAUSE],... with weights 1..100, e.g. 10:5m,50:10m,100; got \"" +
          item + "\"";
      return std::nullopt;
    }
    boost::json::object step{{"weight", value}};
    if (colon != std::string::npos) {
      step["pause"] = item.substr(colon + 1);
    }
    steps.push_back(std::move(step));
  }
  if (steps.empty()) {
    error = "--steps is empty";
    return std::nullopt;
  }
  return steps;
}

/// Seconds from "90", "90s", "1500ms", "10m", "1h"; nullopt when malformed.
inline std::optional<double> parse_seconds(const std::string& text) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  const std::string unit = end != nullptr ? end : "";
  if (end == text.c_str() || value < 0) {
    return std::nullopt;
  }
  if (unit.empty() || unit == "s") {
    return value;
  }
  if (unit == "ms") {
    return value / 1000.0;
  }
  if (unit == "m") {
    return value * 60.0;
  }
  if (unit == "h") {
    return value * 3600.0;
  }
  return std::nullopt;
}

/// Takes `flag` (with its value at args[i + 1]) if it is a rollout flag.
/// Returns 0 not one, 1 taken, 2 usage error (already printed).
inline int take_rollout_flag(const std::vector<std::string>& args, std::size_t& i,
                             rollout_flags& flags) {
  const std::string& flag = args[i];
  if (flag == "--watch") {
    flags.watch = true;
    return 1;
  }
  std::optional<std::string>* slot = flag == "--steps"            ? &flags.steps
                                     : flag == "--gate-window"    ? &flags.gate_window
                                     : flag == "--min-requests"   ? &flags.min_requests
                                     : flag == "--max-error-rate" ? &flags.max_error_rate
                                     : flag == "--max-p99"        ? &flags.max_p99
                                                                  : nullptr;
  if (slot == nullptr && flag != "--timeout") {
    return 0;
  }
  if (i + 1 >= args.size()) {
    std::cerr << "quikctl: " << flag << " needs a value\n";
    return 2;
  }
  const std::string& value = args[++i];
  if (slot != nullptr) {
    *slot = value;
    return 1;
  }
  auto seconds = parse_seconds(value);
  if (!seconds) {
    std::cerr << "quikctl: --timeout wants a duration such as 90s or 10m\n";
    return 2;
  }
  flags.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(*seconds * 1000));
  return 1;
}

/// The POST /api/v1/rollout body; nullopt with `error` on a malformed flag.
inline std::optional<std::string> rollout_start_body(const std::string& to,
                                                     const std::optional<std::string>& reason,
                                                     const rollout_flags& flags,
                                                     std::string& error) {
  boost::json::object body{{"to", to}};
  if (reason) {
    body["reason"] = *reason;
  }
  if (flags.steps) {
    auto steps = parse_steps(*flags.steps, error);
    if (!steps) {
      return std::nullopt;
    }
    body["steps"] = std::move(*steps);
  }
  boost::json::object gates;
  if (flags.gate_window) {
    gates["window"] = *flags.gate_window;
  }
  if (flags.max_p99) {
    gates["max_p99_latency"] = *flags.max_p99;
  }
  char* end = nullptr;
  if (flags.min_requests) {
    const long long n = std::strtoll(flags.min_requests->c_str(), &end, 10);
    if (flags.min_requests->empty() || *end != '\0' || n < 0) {
      error = "--min-requests wants a non-negative integer";
      return std::nullopt;
    }
    gates["min_requests"] = n;
  }
  if (flags.max_error_rate) {
    const double rate = std::strtod(flags.max_error_rate->c_str(), &end);
    if (flags.max_error_rate->empty() || *end != '\0') {
      error = "--max-error-rate wants a number such as 0.001";
      return std::nullopt;
    }
    gates["max_error_rate"] = rate;
  }
  if (!gates.empty()) {
    body["gates"] = std::move(gates);
  }
  return boost::json::serialize(body);
}

}  // namespace quikctl
