// A rollout's plan (steps and gates) and the strict JSON reading of it, shared
// by POST /api/v1/rollout and the state file. Pure functions, no I/O.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <vector>

#include "quikedge/config.hpp"

namespace quikedge::rollout {

struct rollout_plan {
  std::vector<rollout_step> steps;
  rollout_gates gates;
};

/// The config's rollout section as a plan.
rollout_plan plan_from_config(const rollout_config& config);

/// Meaning checks: at least one step, weights 1..100 strictly increasing and
/// ending at 100, a positive window and p99 limit, an error rate in [0, 1].
/// Returns the first problem, naming the field.
std::optional<std::string> validate_plan(const rollout_plan& plan);

/// Reads "steps" (replaces all steps) and "gates" (each field optional, the
/// others kept) from `body` into `plan`. Other keys are left to the caller.
/// Durations are strings such as "500ms", "1s", "5m". Returns the first error.
std::optional<std::string> read_plan_overrides(const boost::json::object& body, rollout_plan& plan);

/// A POST /api/v1/rollout body: {"to":S, "steps":[..], "gates":{..}, "reason":S}.
struct start_request {
  std::string to;
  std::string reason;
  rollout_plan plan;
};

/// Parses and validates a start body on top of `defaults`; unknown keys are
/// errors so that a typo ("gate") cannot silently start with the defaults.
std::optional<std::string> parse_start_request(const std::string& body,
                                               const rollout_plan& defaults, start_request& out);

/// {"steps":[{"weight":10,"pause":"1s"}..],"gates":{..}}, readable by read_plan_overrides.
boost::json::object plan_to_json(const rollout_plan& plan);

/// Shortest exact text of a duration: "0", "250ms", "2s", "5m", "1h".
std::string format_duration(duration d);

}  // namespace quikedge::rollout
