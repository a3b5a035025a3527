// Admin connections: read a request (bounded header and body), dispatch, write
// the answer, keep the connection while the client wants it.
#include "admin/admin_server.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <iostream>

#include "server/listener.hpp"

namespace quikedge::admin {
namespace {

namespace beast = boost::beast;

constexpr std::chrono::seconds admin_timeout{30};

class admin_session : public std::enable_shared_from_this<admin_session> {
 public:
  admin_session(boost::asio::ip::tcp::socket socket, admin_router& router, std::size_t body_limit)
      : stream_(std::move(socket)), router_(router), body_limit_(body_limit) {
    boost::system::error_code ec;
    auto peer = stream_.socket().remote_endpoint(ec);
    client_ = ec ? "unknown" : peer.address().to_string() + ":" + std::to_string(peer.port());
  }

  void do_read() {
    parser_.emplace();
    parser_->header_limit(16 * 1024);
    parser_->body_limit(body_limit_);
    stream_.expires_after(admin_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

 private:
  void on_read(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      request req;
      write(error_response(req, http::status::payload_too_large,
                           "request body is over " + std::to_string(body_limit_) + " bytes"),
            true);
      return;
    }
    if (ec) {
      stream_.socket().close(ec);
      return;
    }
    request_ = parser_->release();
    router_.dispatch(request_, client_, [self = shared_from_this()](response res) {
      bool close = !res.keep_alive();
      self->write(std::move(res), close);
    });
  }

  void write(response res, bool close) {
    response_ = std::move(res);
    if (close) {
      response_.keep_alive(false);
    }
    stream_.expires_after(admin_timeout);
    http::async_write(
        stream_, response_, [self = shared_from_this(), close](beast::error_code ec, std::size_t) {
          if (ec || close) {
            self->stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
            self->stream_.socket().close(ec);
            return;
          }
          self->do_read();
        });
  }

  beast::tcp_stream stream_;
  admin_router& router_;
  std::size_t body_limit_;
  std::string client_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  request request_;
  response response_;
};

}  // namespace

admin_server::admin_server(boost::asio::io_context& io, admin_context ctx)
    : io_(io), control_(ctx.control), router_(io, ctx), acceptor_(io) {}

void admin_server::start(int inherited_fd) {
  auto endpoint = server::resolve_bind_address(control_.settings().admin.bind);
  if (inherited_fd >= 0) {
    acceptor_.assign(endpoint.protocol(), inherited_fd);
  } else {
    acceptor_ = server::open_acceptor(io_, endpoint, false);
  }
  auto bound = acceptor_.local_endpoint();
  bound_ = bound.address().to_string() + ":" + std::to_string(bound.port());
  std::cout << "quikedge: admin on " << bound_ << std::endl;
  do_accept();
}

void admin_server::stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

void admin_server::do_accept() {
  acceptor_.async_accept(
      [this](const boost::system::error_code& ec, boost::asio::ip::tcp::socket socket) {
        if (ec == boost::asio::error::operation_aborted) {
          return;
        }
        if (!ec) {
          std::make_shared<admin_session>(std::move(socket), router_,
                                          control_.settings().admin.max_body_bytes)
              ->do_read();
        }
        do_accept();
      });
}

}  // namespace quikedge::admin
