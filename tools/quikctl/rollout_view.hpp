// quikctl's rollout display: a readable rendering of GET /api/v1/rollout and
// `rollout status --watch` (a progress display redrawn every second until the
// rollout ends). Header-only: quikctl is built from one translation unit.
#pragma once

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <string>
#include <thread>

namespace quikctl {

inline double number_or(const boost::json::object& o, std::string_view key, double fallback) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_number() ? v->to_number<double>() : fallback;
}

inline std::string text_or(const boost::json::object& o, std::string_view key,
                           const std::string& fallback = "") {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : fallback;
}

inline std::string format(const char* pattern, double value) {
  char text[64];
  std::snprintf(text, sizeof text, pattern, value);
  return text;
}

/// "[##########----------]" for a weight in percent.
inline std::string progress_bar(double percent, int width = 30) {
  const int filled = static_cast<int>(percent / 100.0 * width + 0.5);
  return "[" + std::string(filled, '#') + std::string(width - filled, '-') + "]";
}

/// Lines describing a rollout status document (GET /api/v1/rollout).
inline std::string describe_rollout(const boost::json::object& r) {
  const std::string state = text_or(r, "state", "?");
  if (state == "idle") {
    return "rollout: idle (no rollout has run)\n";
  }
  const double weight = number_or(r, "weight", 0);
  const int step = static_cast<int>(number_or(r, "step", 0)) + 1;
  const int steps = static_cast<int>(number_or(r, "steps_total", 0));
  std::string out = "rollout " + text_or(r, "from", "?") + " -> " + text_or(r, "to", "?") + ": " +
                    state + ", step " + std::to_string(step) + "/" + std::to_string(steps) +
                    format(" at %.0f%%", weight);
  if (state == "progressing") {
    out += format(", next step in %.1fs", number_or(r, "pause_left_seconds", 0));
  } else if (state == "paused") {
    out += format(" (%.1fs of pause left)", number_or(r, "pause_left_seconds", 0));
  }
  out += "\n  " + progress_bar(weight) + format(" %3.0f%% to ", weight) + text_or(r, "to") + "\n";
  const auto* gate = r.if_contains("last_gate");
  if (gate != nullptr && gate->is_object()) {
    const auto& g = gate->as_object();
    const bool enough = g.contains("enough_requests") && g.at("enough_requests").as_bool();
    auto verdict = [&](std::string_view key) {
      return !enough ? "n/a" : (g.at(key).as_bool() ? "ok" : "FAIL");
    };
    out += format("  gates over the last %.1fs: ", number_or(g, "window_seconds", 0)) +
           format("%.0f requests", number_or(g, "requests", 0)) +
           format(" (min %.0f)", number_or(g, "min_requests", 0)) +
           format(" | error rate %.3f%%", number_or(g, "error_rate", 0) * 100) +
           format(" (max %.3f%%) ", number_or(g, "max_error_rate", 0) * 100) +
           verdict("error_rate_passed");
    const auto* p99 = g.if_contains("p99_seconds");
    out += p99 != nullptr && p99->is_number()
               ? format(" | p99 %.1fms", p99->to_number<double>() * 1000)
               : std::string(" | p99 -");
    out += format(" (max %.0fms) ", number_or(g, "max_p99_seconds", 0) * 1000) +
           verdict("p99_passed") + "\n";
  }
  const std::string reason = text_or(r, "reason");
  if (!reason.empty()) {
    out += "  " + reason + "\n";
  }
  return out;
}

struct fetched {
  int status = 0;  ///< 0: unreachable
  std::string body;
  std::string error;
};

/// Follows GET /api/v1/rollout every second until the rollout is no longer
/// progressing or paused, or `timeout` passes. On a terminal the display is
/// redrawn in place; otherwise one line per second is printed.
/// Exit codes: 0 succeeded (or idle), 1 rolled back, aborted or refused,
/// 3 unreachable, 4 still running at the timeout.
inline int watch_rollout(const std::function<fetched()>& fetch, std::chrono::milliseconds timeout,
                         bool tty) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int drawn_lines = 0;
  int unreachable = 0;
  for (;;) {
    fetched result = fetch();
    if (result.status == 0) {
      std::cerr << "quikctl: cannot reach the proxy: " << result.error << '\n';
      if (++unreachable >= 3) {
        return 3;
      }
    } else {
      unreachable = 0;
      boost::system::error_code ec;
      auto doc = boost::json::parse(result.body, ec);
      if (result.status >= 400 || ec || !doc.is_object()) {
        std::cerr << "quikctl: answered " << result.status << ": " << result.body << '\n';
        return 1;
      }
      const auto& r = doc.as_object();
      const std::string text = describe_rollout(r);
      if (tty) {
        if (drawn_lines > 0) {
          std::cout << "\033[" << drawn_lines << "F\033[J";  // back up and clear the old block
        }
        std::cout << text << std::flush;
        drawn_lines = static_cast<int>(std::count(text.begin(), text.end(), '\n'));
      } else {
        std::cout << text.substr(0, text.find('\n') + 1) << std::flush;
      }
      const std::string state = text_or(r, "state");
      if (state != "progressing" && state != "paused") {
        if (!tty) {
          std::cout << text.substr(text.find('\n') + 1);
        }
        return state == "succeeded" || state == "idle" ? 0 : 1;
      }
    }
    if (std::chrono::steady_clock::now() + std::chrono::seconds(1) > deadline) {
      std::cerr << "quikctl: the rollout is still running after the --timeout\n";
      return 4;
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

}  // namespace quikctl
