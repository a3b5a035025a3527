// Watch: connect, POST, read the head, then read the endless body into a
// fixed chunk and split it on newlines.
#include "etcd/watch_stream.hpp"

#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace quikedge::etcd {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

/// A line longer than this is not a watch message the proxy wrote for itself.
constexpr std::size_t line_limit = 16 * 1024 * 1024;

}  // namespace

watch_stream::watch_stream(boost::asio::io_context& io, address member, std::string key,
                           bool whole_prefix, handlers h)
    : resolver_(io),
      stream_(io),
      member_(std::move(member)),
      key_(std::move(key)),
      whole_prefix_(whole_prefix),
      handlers_(std::move(h)) {}

void watch_stream::start(std::int64_t start_revision, std::chrono::milliseconds connect_timeout) {
  request_.method(http::verb::post);
  request_.target("/v3/watch");
  request_.version(11);
  request_.set(http::field::host, member_.to_string());
  request_.set(http::field::content_type, "application/json");
  request_.body() = watch_request(key_, whole_prefix_, start_revision);
  request_.prepare_payload();
  stream_.expires_after(connect_timeout);
  resolver_.async_resolve(
      member_.host, std::to_string(member_.port),
      [self = shared_from_this()](const boost::system::error_code& ec,
                                  boost::asio::ip::tcp::resolver::results_type results) {
        if (ec) {
          self->broken("resolve " + self->member_.host + ": " + ec.message());
          return;
        }
        self->stream_.async_connect(results, [self](const boost::system::error_code& c_ec,
                                                    const boost::asio::ip::tcp::endpoint&) {
          if (c_ec) {
            self->broken("connect " + self->member_.to_string() + ": " + c_ec.message());
            return;
          }
          http::async_write(
              self->stream_, self->request_,
              [self](const boost::system::error_code& w_ec, std::size_t) {
                if (w_ec) {
                  self->broken("write: " + w_ec.message());
                  return;
                }
                self->parser_.emplace();
                self->parser_->body_limit(boost::none);
                http::async_read_header(
                    self->stream_, self->buffer_, *self->parser_,
                    [self](const boost::system::error_code& h_ec, std::size_t) {
                      if (h_ec) {
                        self->broken("read: " + h_ec.message());
                        return;
                      }
                      if (self->parser_->get().result_int() != 200) {
                        self->broken("watch answered " +
                                     std::to_string(self->parser_->get().result_int()));
                        return;
                      }
                      self->stream_.expires_never();
                      self->read_more();
                    });
              });
        });
      });
}

void watch_stream::stop() {
  stopped_ = true;
  boost::system::error_code ignored;
  resolver_.cancel();
  stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.close();
}

void watch_stream::read_more() {
  auto& body = parser_->get().body();
  body.data = chunk_.data();
  body.size = chunk_.size();
  http::async_read_some(stream_, buffer_, *parser_,
                        [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                          if (ec == http::error::need_buffer) {
                            ec = {};  // the chunk is full: a normal step of an endless body
                          }
                          auto& b = self->parser_->get().body();
                          std::size_t received = self->chunk_.size() - b.size;
                          self->lines_.append(self->chunk_.data(), received);
                          self->deliver_lines();
                          if (self->stopped_) {
                            return;
                          }
                          if (ec) {
                            self->broken("stream: " + ec.message());
                            return;
                          }
                          if (self->parser_->is_done()) {
                            self->broken("stream ended");
                            return;
                          }
                          self->read_more();
                        });
}

void watch_stream::deliver_lines() {
  std::size_t start = 0;
  for (std::size_t end; !stopped_ && (end = lines_.find('\n', start)) != std::string::npos;
       start = end + 1) {
    std::string_view line(lines_.data() + start, end - start);
    if (line.empty() || line == "\r") {
      continue;
    }
    gateway_error error;
    auto message = parse_watch_line(line, &error);
    if (!message) {
      broken(error.message.empty() ? "unreadable watch message" : "watch: " + error.message);
      return;
    }
    handlers_.on_message(*message);
    if (message->canceled) {
      broken(message->compact_revision > 0
                 ? "compacted at revision " + std::to_string(message->compact_revision)
                 : "watch canceled");
      return;
    }
  }
  lines_.erase(0, start);
  if (lines_.size() > line_limit) {
    broken("watch message over " + std::to_string(line_limit) + " bytes");
  }
}

void watch_stream::broken(const std::string& why) {
  if (stopped_) {
    return;
  }
  stop();
  if (handlers_.on_broken) {
    handlers_.on_broken(why);
  }
}

}  // namespace quikedge::etcd
