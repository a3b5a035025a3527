// Rollout status document and gate gauges.
#include "rollout/rollout_status.hpp"

#include <boost/json.hpp>

#include <charconv>
#include <ctime>

namespace quikedge::rollout {
namespace {

namespace json = boost::json;

json::value or_null(const std::string& text) {
  return text.empty() ? json::value(nullptr) : json::value(text);
}

json::object gate_json(const rollout_machine& machine, const clock_pair& now) {
  const gate_report& g = machine.last_gate();
  const auto& gates = machine.plan().gates;
  json::object out{
      {"requests", g.requests},
      {"errors", g.errors},
      {"error_rate", g.error_rate},
      {"window_seconds", g.window_seconds},
      {"min_requests", gates.min_requests},
      {"max_error_rate", gates.max_error_rate},
      {"max_p99_seconds", std::chrono::duration<double>(gates.max_p99_latency).count()},
      {"enough_requests", g.enough_requests},
      {"error_rate_passed", g.error_rate_passed},
      {"p99_passed", g.p99_passed},
      {"passed", g.passed},
      {"failure", or_null(g.failure)}};
  out["p99_seconds"] = g.p99_seconds ? json::value(*g.p99_seconds) : json::value(nullptr);
  if (auto at = machine.last_gate_at()) {
    out["checked_at"] = iso_time_ms(now.to_wall(*at));
  }
  return out;
}

void gauge(std::string& out, std::string_view name, std::string_view help,
           const std::string& labels, double value) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" gauge\n");
  char digits[32];
  auto result = std::to_chars(digits, digits + sizeof digits, value);
  out.append(name).append(labels).append(" ").append(digits, result.ptr).append("\n");
}

std::string escape(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out.append("\\n");
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

std::string iso_time_ms(std::chrono::system_clock::time_point when) {
  const auto seconds = std::chrono::system_clock::to_time_t(when);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + n, sizeof text - n, ".%03dZ", static_cast<int>(millis < 0 ? 0 : millis));
  return text;
}

std::string render_status(const rollout_machine& machine, const clock_pair& now) {
  const rollout_state state = machine.state();
  json::object out{{"state", to_string(state)}};
  if (state == rollout_state::idle) {
    out["from"] = nullptr;
    out["to"] = nullptr;
    out["step"] = nullptr;
    out["weight"] = nullptr;
    out["next_step_at"] = nullptr;
    out["last_gate"] = nullptr;
    out["reason"] = "";
    return json::serialize(out);
  }
  out["from"] = machine.from();
  out["to"] = machine.to();
  out["step"] = machine.step();
  out["steps_total"] = machine.plan().steps.size();
  out["weight"] = machine.weight();
  auto next = machine.next_step_at();
  out["next_step_at"] = next ? json::value(iso_time_ms(now.to_wall(*next))) : json::value(nullptr);
  out["pause_left_seconds"] =
      is_active(state)
          ? json::value(std::chrono::duration<double>(machine.pause_left(now.steady)).count())
          : json::value(nullptr);
  out["last_gate"] =
      machine.last_gate().checked ? json::value(gate_json(machine, now)) : json::value(nullptr);
  out["reason"] = machine.reason();
  out["started_by"] = machine.started_by();
  auto plan = plan_to_json(machine.plan());
  out["steps"] = std::move(plan["steps"]);
  out["gates"] = std::move(plan["gates"]);
  return json::serialize(out);
}

std::string render_gate_metrics(const rollout_machine& machine, const std::string& environment) {
  const std::string env = "{environment=\"" + escape(environment) + "\"";
  const std::string labels = env + ",to=\"" + escape(machine.to()) + "\"}";
  const gate_report& g = machine.last_gate();
  std::string out;
  gauge(out, "quikedge_rollout_weight", "Target stack's weight percentage in the rollout.", labels,
        machine.weight());
  gauge(out, "quikedge_rollout_step", "Index of the rollout's current step (0-based).", labels,
        static_cast<double>(machine.step()));
  gauge(out, "quikedge_rollout_gate_requests", "Target requests in the gate window.", labels,
        static_cast<double>(g.requests));
  gauge(out, "quikedge_rollout_gate_error_rate",
        "5xx share of the target's requests in the window.", labels, g.error_rate);
  gauge(out, "quikedge_rollout_gate_p99_seconds", "p99 latency of the target in the window.",
        labels, g.p99_seconds.value_or(0.0));
  gauge(out, "quikedge_rollout_gate_passed", "1 when the last gate evaluation passed.", labels,
        g.passed ? 1.0 : 0.0);
  return out;
}

}  // namespace quikedge::rollout
