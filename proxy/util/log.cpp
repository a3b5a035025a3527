// stderr logging with a level.
#include "util/log.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <string>

namespace quikedge::log {
namespace {

std::atomic<int> current_level{static_cast<int>(log_level::warn)};

constexpr std::string_view names[] = {"debug", "info", "warn", "error"};

}  // namespace

void init(log_level configured) {
  int level = static_cast<int>(configured);
  if (const char* env = std::getenv("QUIKEDGE_LOG_LEVEL")) {
    for (int i = 0; i < 4; ++i) {
      if (names[i] == env) {
        level = i;
      }
    }
  }
  current_level.store(level);
}

bool enabled(log_level level) {
  return static_cast<int>(level) >= current_level.load();
}

void write(log_level level, std::string_view message) {
  if (!enabled(level)) {
    return;
  }
  std::string line = "quikedge: ";
  line.append(names[static_cast<int>(level)]);
  line.append(": ");
  line.append(message);
  line.push_back('\n');
  // One write(2) per line: lines from several threads never interleave.
  [[maybe_unused]] auto written = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace quikedge::log
