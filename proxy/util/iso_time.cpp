// Seconds precision, gmtime_r: callable from any thread.
#include "util/iso_time.hpp"

#include <ctime>

namespace quikedge::util {

std::string iso_time(std::chrono::system_clock::time_point when) {
  auto seconds = std::chrono::system_clock::to_time_t(when);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

}  // namespace quikedge::util
