// JSON-lines access log, kept off the hot path: a worker formats each record
// into its own buffer (no lock, no syscall), hands the buffer to the writer
// thread a few times a second, and the writer does the file I/O.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <thread>

namespace quikedge::metrics {

struct access_record {
  std::chrono::system_clock::time_point time;
  std::string_view request_id;
  std::string_view client;
  std::string_view method;
  std::string_view path;
  int status = 0;
  std::string_view stack;
  std::string_view endpoint;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::chrono::microseconds duration{0};
  std::chrono::microseconds upstream_time{0};  ///< request sent → response head
};

/// Owns the file and a thread that writes to it. Any thread may submit.
class access_log_writer {
 public:
  /// Opens `path` for appending. Throws std::runtime_error when it cannot.
  explicit access_log_writer(const std::string& path);
  ~access_log_writer();
  access_log_writer(const access_log_writer&) = delete;
  access_log_writer& operator=(const access_log_writer&) = delete;

  /// Takes a chunk of complete lines; they are written in submission order.
  void submit(std::string chunk);

 private:
  std::FILE* file_;
  boost::asio::io_context io_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
};

/// One worker's pending lines. Worker only.
class access_log_buffer {
 public:
  access_log_buffer(access_log_writer& writer, double sample_rate, std::uint64_t seed);

  /// Whether to log the next request (sampling).
  bool sample();
  void append(const access_record& record);
  /// Hands what is buffered to the writer.
  void flush();

 private:
  access_log_writer& writer_;
  double sample_rate_;
  std::uint64_t rng_;
  std::string pending_;
};

/// Appends `text` as a JSON string literal (quotes included, escaped).
void append_json_string(std::string& out, std::string_view text);

}  // namespace quikedge::metrics
