// Idle memory release: a timer on the control thread watching the workers'
// activity count.
#include "server/idle_memory_release.hpp"

#include <malloc.h>
#include <unistd.h>

#include <fstream>

namespace quikedge::server {

std::uint64_t anonymous_resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t size = 0;
  std::uint64_t resident = 0;
  std::uint64_t shared = 0;  // file-backed resident pages
  if (!(statm >> size >> resident >> shared) || shared > resident) {
    return 0;
  }
  return (resident - shared) * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

idle_memory_release::idle_memory_release(boost::asio::io_context& control_io, activity_fn activity,
                                         std::chrono::milliseconds quiet)
    : timer_(control_io), activity_(std::move(activity)), quiet_(quiet) {}

void idle_memory_release::start() {
  stopped_ = false;
  last_activity_ = activity_();
  last_change_ = std::chrono::steady_clock::now();
  arm();
}

void idle_memory_release::stop() {
  stopped_ = true;
  timer_.cancel();
}

void idle_memory_release::arm() {
  // Four looks per quiet period: a release comes between 1 and 1.25 quiet
  // periods after the last activity.
  timer_.expires_after(quiet_ / 4);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec && !stopped_) {
      on_tick();
      arm();
    }
  });
}

void idle_memory_release::on_tick() {
  const auto now = std::chrono::steady_clock::now();
  const std::uint64_t activity = activity_();
  if (activity != last_activity_) {
    last_activity_ = activity;
    last_change_ = now;
    released_since_change_ = false;
    return;
  }
  if (!released_since_change_ && now - last_change_ >= quiet_) {
    released_since_change_ = true;
    release();
  }
}

void idle_memory_release::release() {
  const std::uint64_t before = anonymous_resident_bytes();
  ::malloc_trim(0);
  const std::uint64_t after = anonymous_resident_bytes();
  released_bytes_ += before > after ? before - after : 0;
  ++releases_;
}

}  // namespace quikedge::server
