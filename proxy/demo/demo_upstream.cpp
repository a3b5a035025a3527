// Demo upstream: keep-alive HTTP/1.1 that discards request bodies and answers
// with its stack name.
#include "demo/demo_upstream.hpp"

#include <boost/asio/write.hpp>

#include <memory>

#include "http/body_relay.hpp"
#include "http/message_head.hpp"
#include "util/byte_buffer.hpp"

namespace quikedge::demo {
namespace {

class demo_session : public std::enable_shared_from_this<demo_session> {
 public:
  demo_session(boost::asio::ip::tcp::socket socket, const std::string& name)
      : socket_(std::move(socket)) {
    std::string body = name + "\n";
    response_ = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Upstream: " + name +
                "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  }

  void do_read() {
    in_.prepare(4096, 1 << 20);
    socket_.async_read_some(
        boost::asio::buffer(in_.write_ptr(), in_.write_space()),
        [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
          if (ec) {
            return;
          }
          self->in_.commit(n);
          self->process();
        });
  }

 private:
  void process() {
    if (body_.has_body() && !body_.complete()) {
      in_.consume(body_.take(in_.view(), discarded_));
      if (!body_.complete()) {
        do_read();
        return;
      }
    }
    http::head_limits limits;
    auto status = http::parse_request_head(in_.view(), limits, head_);
    if (status == http::parse_status::incomplete) {
      do_read();
      return;
    }
    if (status != http::parse_status::ok) {
      return;  // closes
    }
    keep_alive_ = head_.wants_keep_alive();
    body_.start(head_.framing, head_.content_length);
    in_.consume(head_.head_bytes);
    in_.consume(body_.take(in_.view(), discarded_));
    boost::asio::async_write(
        socket_, boost::asio::buffer(response_),
        [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
          if (ec || !self->keep_alive_) {
            return;
          }
          self->process();
        });
  }

  boost::asio::ip::tcp::socket socket_;
  util::byte_buffer in_;
  http::message_head head_;
  http::body_relay body_;
  http::relay_output discarded_;  ///< the demo reads request bodies only to skip them
  std::string response_;
  bool keep_alive_ = true;
};

}  // namespace

demo_upstream::demo_upstream(std::string name) : name_(std::move(name)), acceptor_(io_) {
  boost::asio::ip::tcp::endpoint endpoint(boost::asio::ip::make_address("127.0.0.1"), 0);
  acceptor_.open(endpoint.protocol());
  acceptor_.bind(endpoint);
  acceptor_.listen();
  port_ = acceptor_.local_endpoint().port();
}

demo_upstream::~demo_upstream() {
  io_.stop();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void demo_upstream::start() {
  do_accept();
  thread_ = std::thread([this] { io_.run(); });
}

void demo_upstream::do_accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, boost::asio::ip::tcp::socket socket) {
    if (!ec) {
      std::make_shared<demo_session>(std::move(socket), name_)->do_read();
    }
    do_accept();
  });
}

}  // namespace quikedge::demo
