// One etcd watch over the JSON gateway: POST /v3/watch with a create_request,
// then a response that never ends, one JSON message per line. Each line is parsed
// and handed to the owner in order; when the stream breaks (member gone, the
// watch canceled, a compacted start revision) the owner is told once and decides
// where to resume (the next member, from its last revision + 1).
//
// With etcd authentication the watch carries the member's token; a member
// without a known one is asked for it first, on the same connection. A watch
// the member cancels for its token forgets that token, so the next start
// authenticates again.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "etcd/access.hpp"
#include "etcd/etcd_messages.hpp"
#include "etcd/member_stream.hpp"
#include "quikedge/config.hpp"

namespace quikedge::etcd {

class watch_stream : public std::enable_shared_from_this<watch_stream> {
 public:
  struct handlers {
    std::function<void(const watch_message&)> on_message;
    /// The stream ended; `why` says how. Not called after stop().
    std::function<void(const std::string& why)> on_broken;
  };

  watch_stream(boost::asio::io_context& io, access_ptr how, address member, std::string key,
               bool whole_prefix, handlers h);

  /// Opens the watch from `start_revision` (0: from now). `connect_timeout` bounds
  /// the connect and the first answer; after it the stream may stay quiet forever.
  void start(std::int64_t start_revision, std::chrono::milliseconds connect_timeout);
  void stop();

 private:
  void authenticate();
  void send_watch();
  void read_more();
  void deliver_lines();
  void broken(const std::string& why);

  boost::asio::io_context& io_;
  access_ptr access_;
  member_stream_ptr stream_;
  address member_;
  std::string token_;  ///< sent with the watch; "" without authentication
  std::string key_;
  bool whole_prefix_;
  handlers handlers_;
  bool stopped_ = false;
  boost::beast::flat_buffer buffer_;
  boost::beast::http::request<boost::beast::http::string_body> request_;
  std::int64_t start_revision_ = 0;
  std::optional<boost::beast::http::response_parser<boost::beast::http::string_body>> login_parser_;
  std::optional<boost::beast::http::response_parser<boost::beast::http::buffer_body>> parser_;
  std::array<char, std::size_t{16} * 1024> chunk_{};
  std::string lines_;  ///< bytes received, up to the last complete line
};

}  // namespace quikedge::etcd
