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
  // Messages carry text from outside (actors, reasons, addresses, values read
  // from etcd): a CR or LF in them would forge a log line of its own, so
  // control characters are written as \xNN.
  for (const char c : message) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      constexpr char hex[] = "0123456789abcdef";
      line.append("\\x");
      line.push_back(hex[byte >> 4]);
      line.push_back(hex[byte & 0xf]);
    } else {
      line.push_back(c);
    }
  }
  line.push_back('\n');
  // One write(2) per line: lines from several threads never interleave.
  [[maybe_unused]] auto written = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace quikedge::log
