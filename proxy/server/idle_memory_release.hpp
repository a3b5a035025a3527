// Gives the memory a burst left in malloc's free lists back to the kernel once
// every worker has gone quiet.
//
// glibc keeps freed chunks in its arenas for reuse, so after a spike of a few
// hundred connections the proxy's RSS stays at its peak long after they closed,
// and an HPA that scales on memory (docker/k8s/hpa.yaml) sees a replica that
// never gets smaller. malloc_trim(0) returns those free pages, but it locks each
// arena while it walks it, which would stall a worker in the middle of serving;
// so it runs only after no worker has accepted a connection or finished a
// request for `quiet`, once per quiet spell. A proxy that is never quiet keeps
// its arenas, which the next request reuses without a page fault.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>

namespace quikedge::server {

/// Anonymous resident memory of this process (RSS minus file-backed pages), in bytes.
[[nodiscard]] std::uint64_t anonymous_resident_bytes();

class idle_memory_release {
 public:
  /// A count that grows with every accepted connection and finished request.
  using activity_fn = std::function<std::uint64_t()>;

  static constexpr std::chrono::milliseconds default_quiet{2000};

  idle_memory_release(boost::asio::io_context& control_io, activity_fn activity,
                      std::chrono::milliseconds quiet = default_quiet);

  void start();
  void stop();

  /// Bytes of anonymous RSS the releases gave back, and how many there were
  /// (control thread).
  [[nodiscard]] std::uint64_t released_bytes() const { return released_bytes_; }
  [[nodiscard]] std::uint64_t releases() const { return releases_; }

 private:
  void arm();
  void on_tick();
  void release();

  boost::asio::steady_timer timer_;
  activity_fn activity_;
  std::chrono::milliseconds quiet_;
  std::uint64_t last_activity_ = 0;
  std::chrono::steady_clock::time_point last_change_{};
  bool released_since_change_ = false;  ///< start-up's own garbage counts as a burst
  bool stopped_ = false;
  std::uint64_t released_bytes_ = 0;
  std::uint64_t releases_ = 0;
};

}  // namespace quikedge::server
