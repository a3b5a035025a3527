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
constexpr std::size_t line_limit = std::size_t{16} * 1024 * 1024;

}  // namespace

watch_stream::watch_stream(boost::asio::io_context& io, access_ptr how, address member,
                           std::string key, bool whole_prefix, handlers h)
    : io_(io),
      access_(how ? std::move(how) : std::make_shared<access>()),
      member_(std::move(member)),
      key_(std::move(key)),
      whole_prefix_(whole_prefix),
      handlers_(std::move(h)) {}

void watch_stream::start(std::int64_t start_revision, std::chrono::milliseconds connect_timeout) {
  start_revision_ = start_revision;
  stream_ = std::make_shared<member_stream>(io_, access_, member_);
  stream_->async_open(
      connect_timeout,
      [self = shared_from_this()](const boost::system::error_code& ec, const std::string& why) {
        if (ec) {
          self->broken(why);
          return;
        }
        const std::string* token = self->access_->token_for(self->member_);
        if (self->access_->authenticates() && token == nullptr) {
          self->authenticate();
          return;
        }
        self->token_ = token != nullptr ? *token : std::string();
        self->send_watch();
      });
}

void watch_stream::authenticate() {
  std::string why;
  auto body = access_->authenticate_request(why);
  if (!body) {
    broken(why);
    return;
  }
  request_ =
      gateway_post(member_, "/v3/auth/authenticate", std::move(*body), {}, leader_check::none);
  http::async_write(*stream_, request_,
                    [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                      if (ec) {
                        self->broken("write: " + ec.message());
                        return;
                      }
                      self->login_parser_.emplace();
                      self->login_parser_->body_limit(std::uint64_t{64} * 1024);
                      http::async_read(
                          *self->stream_, self->buffer_, *self->login_parser_,
                          [self](const boost::system::error_code& r_ec, std::size_t) {
                            if (r_ec) {
                              self->broken("read: " + r_ec.message());
                              return;
                            }
                            const auto& answer = self->login_parser_->get();
                            const unsigned status = answer.result_int();
                            std::string why;
                            auto token = self->access_->take_sign_in(self->member_, status,
                                                                     answer.body(), why);
                            if (!token) {
                              self->broken(why);
                              return;
                            }
                            self->token_ = std::move(*token);
                            if (!answer.keep_alive()) {
                              self->broken("the member closed the connection after authenticating");
                              return;
                            }
                            self->send_watch();
                          });
                    });
}

void watch_stream::send_watch() {
  // No leader check: a watch is not a proposal, and a member cut off from its
  // leader is found by the once-a-second read, which does check.
  request_ = gateway_post(member_, "/v3/watch", watch_request(key_, whole_prefix_, start_revision_),
                          token_, leader_check::none);
  http::async_write(
      *stream_, request_,
      [self = shared_from_this()](const boost::system::error_code& w_ec, std::size_t) {
        if (w_ec) {
          self->broken("write: " + w_ec.message());
          return;
        }
        self->parser_.emplace();
        self->parser_->body_limit(boost::none);
        http::async_read_header(*self->stream_, self->buffer_, *self->parser_,
                                [self](const boost::system::error_code& h_ec, std::size_t) {
                                  if (h_ec) {
                                    self->broken("read: " + h_ec.message());
                                    return;
                                  }
                                  const unsigned status = self->parser_->get().result_int();
                                  if (status != 200) {
                                    if (token_refused(status, {}, !self->token_.empty())) {
                                      self->access_->forget(self->member_, self->token_);
                                    }
                                    self->broken("watch answered " + std::to_string(status));
                                    return;
                                  }
                                  self->stream_->tcp().expires_never();
                                  self->read_more();
                                });
      });
}

void watch_stream::stop() {
  stopped_ = true;
  if (stream_) {
    stream_->close();
  }
}

void watch_stream::read_more() {
  auto& body = parser_->get().body();
  body.data = chunk_.data();
  body.size = chunk_.size();
  http::async_read_some(*stream_, buffer_, *parser_,
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
      const std::string& reason = message->cancel_reason;
      if (reason.find("auth token") != std::string::npos ||
          reason.find("user name is empty") != std::string::npos ||
          (token_.empty() && reason.find("permission denied") != std::string::npos)) {
        access_->forget(member_, token_);  // the next start authenticates again
      }
      broken(message->compact_revision > 0
                 ? "compacted at revision " + std::to_string(message->compact_revision)
             : reason.empty() ? "watch canceled"
                              : "watch canceled: " + reason);
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
