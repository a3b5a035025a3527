// One call at a time: connect if needed, write, read, and on a member's failure
// close, move to the next member and try again while attempts remain.
#include "etcd/gateway_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace quikedge::etcd {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

constexpr std::size_t answer_limit = 16 * 1024 * 1024;

bool member_unavailable(unsigned status) {
  return status == 502 || status == 503 || status == 504;
}

}  // namespace

gateway_client::gateway_client(boost::asio::io_context& io, std::vector<address> members,
                               std::chrono::milliseconds call_timeout)
    : resolver_(io), stream_(io), members_(std::move(members)), call_timeout_(call_timeout) {
  if (members_.empty()) {
    throw std::invalid_argument("etcd: no endpoints");
  }
}

void gateway_client::call(std::string path, std::string body, reply_fn done) {
  // Each member once, plus one fresh try on the first: a kept-alive connection
  // the member closed while idle fails once without meaning the member is down.
  queue_.push_back({std::move(path), std::move(body), std::move(done), members_.size() + 1});
  start_next();
}

void gateway_client::cancel_all() {
  auto calls = std::move(queue_);
  queue_.clear();
  ++generation_;  // handlers of the operation in flight now find themselves stale
  drop_connection();
  busy_ = false;
  for (auto& c : calls) {
    c.done(boost::asio::error::operation_aborted, 0, {});
  }
}

void gateway_client::start_next() {
  if (busy_ || queue_.empty()) {
    return;
  }
  busy_ = true;
  attempt();
}

void gateway_client::attempt() {
  if (connected_) {
    send();
    return;
  }
  const address& target = members_[member_index_];
  stream_.expires_after(call_timeout_);
  resolver_.async_resolve(
      target.host, std::to_string(target.port),
      [self = shared_from_this(), gen = generation_](
          const boost::system::error_code& ec,
          boost::asio::ip::tcp::resolver::results_type results) {
        if (gen != self->generation_) {
          return;
        }
        if (ec) {
          self->fail_attempt(ec);
          return;
        }
        self->stream_.async_connect(
            results, [self, gen](const boost::system::error_code& connect_ec,
                                 const boost::asio::ip::tcp::endpoint&) {
              if (gen != self->generation_) {
                return;
              }
              if (connect_ec) {
                self->fail_attempt(connect_ec);
                return;
              }
              self->stream_.socket().set_option(boost::asio::ip::tcp::no_delay(true));
              self->connected_ = true;
              self->send();
            });
      });
}

void gateway_client::send() {
  const pending& c = queue_.front();
  request_ = {};
  request_.method(http::verb::post);
  request_.target(c.path);
  request_.version(11);
  request_.set(http::field::host, members_[member_index_].to_string());
  request_.set(http::field::content_type, "application/json");
  request_.keep_alive(true);
  request_.body() = c.body;
  request_.prepare_payload();
  stream_.expires_after(call_timeout_);
  http::async_write(stream_, request_,
                    [self = shared_from_this(), gen = generation_](
                        const boost::system::error_code& ec, std::size_t) {
                      if (gen != self->generation_) {
                        return;
                      }
                      if (ec) {
                        self->fail_attempt(ec);
                        return;
                      }
                      self->parser_.emplace();
                      self->parser_->body_limit(answer_limit);
                      http::async_read(
                          self->stream_, self->buffer_, *self->parser_,
                          [self, gen](const boost::system::error_code& read_ec, std::size_t) {
                            if (gen == self->generation_) {
                              self->on_read(read_ec);
                            }
                          });
                    });
}

void gateway_client::on_read(const boost::system::error_code& ec) {
  if (ec) {
    fail_attempt(ec);
    return;
  }
  auto answer = parser_->release();
  unsigned status = answer.result_int();
  if (!answer.keep_alive()) {
    drop_connection();
  }
  if (member_unavailable(status)) {
    fail_attempt(boost::asio::error::try_again);
    return;
  }
  finish({}, status, std::move(answer.body()));
}

void gateway_client::fail_attempt(const boost::system::error_code& ec) {
  drop_connection();
  member_index_ = (member_index_ + 1) % members_.size();
  if (queue_.empty()) {
    busy_ = false;  // cancelled meanwhile
    return;
  }
  if (--queue_.front().attempts_left > 0) {
    attempt();
    return;
  }
  finish(ec, 0, {});
}

void gateway_client::finish(const boost::system::error_code& ec, unsigned status,
                            std::string body) {
  if (queue_.empty()) {
    busy_ = false;
    return;
  }
  reply_fn done = std::move(queue_.front().done);
  queue_.pop_front();
  busy_ = false;
  start_next();
  done(ec, status, std::move(body));
}

void gateway_client::drop_connection() {
  boost::system::error_code ignored;
  stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.close();
  buffer_.clear();
  connected_ = false;
}

}  // namespace quikedge::etcd
