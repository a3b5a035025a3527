// UTC timestamps as the admin API writes them: "2026-12-03T15:04:05Z".
#pragma once

#include <chrono>
#include <string>

namespace quikedge::util {

[[nodiscard]] std::string iso_time(std::chrono::system_clock::time_point when);

}  // namespace quikedge::util
