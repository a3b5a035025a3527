// Reads the body of the current request from a connection, whatever its framing, one
// run of bytes at a time: echo streams the runs back, every other route discards them.
#pragma once

#include "http/chunked_scanner.hpp"
#include "upstream/request_parser.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <string_view>

namespace quikedge::bench::upstream {

class connection;

class body_reader {
 public:
  explicit body_reader(connection& conn) : conn_(conn) {}

  // Prepares to read the body announced by a request head.
  void start(body_kind kind, std::uint64_t content_length);

  // The next run of body bytes, valid until the next call. Empty at the end of the body
  // (done()) or when the connection failed (failed()). Worker only.
  boost::asio::awaitable<std::string_view> next();

  // Reads the rest of the body and drops it; false when the connection failed. Keeps the
  // connection usable for the next request.
  boost::asio::awaitable<bool> discard();

  [[nodiscard]] bool done() const { return done_; }
  [[nodiscard]] bool failed() const { return failed_; }

 private:
  connection& conn_;
  body_kind kind_ = body_kind::none;
  std::uint64_t remaining_ = 0;
  http::chunked_scanner decoder_;
  bool done_ = true;
  bool failed_ = false;
};

}  // namespace quikedge::bench::upstream
