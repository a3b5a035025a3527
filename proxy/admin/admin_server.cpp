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
/// Admin connections open at once. Each holds a descriptor for up to
/// admin_timeout before any token is checked: without a cap, idle connections
/// to the admin port could take every descriptor the proxy has.
constexpr std::size_t max_admin_sessions = 128;
/// After a failed accept (out of descriptors): a pause, not a spin.
constexpr std::chrono::milliseconds accept_retry{100};

}  // namespace

class admin_session : public std::enable_shared_from_this<admin_session> {
 public:
  admin_session(boost::asio::ip::tcp::socket socket, admin_router& router, std::size_t body_limit,
                std::shared_ptr<std::atomic<std::size_t>> open_sessions)
      : stream_(std::move(socket)),
        router_(router),
        body_limit_(body_limit),
        open_sessions_(std::move(open_sessions)) {
    ++*open_sessions_;
    boost::system::error_code ec;
    auto peer = stream_.socket().remote_endpoint(ec);
    client_ = ec ? "unknown" : peer.address().to_string() + ":" + std::to_string(peer.port());
  }

  ~admin_session() { --*open_sessions_; }
  admin_session(const admin_session&) = delete;
  admin_session& operator=(const admin_session&) = delete;

  /// Waiting for (or reading) a request, not answering one: may be closed to
  /// make room for a new connection.
  [[nodiscard]] bool waiting() const { return waiting_; }
  void close() {
    boost::system::error_code ignored;
    stream_.socket().close(ignored);
  }

  void do_read() {
    waiting_ = true;
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
    waiting_ = false;
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
  std::shared_ptr<std::atomic<std::size_t>>
      open_sessions_;  ///< shared: sessions may outlive the server; atomic: the last reference to a
  ///< session may go on a worker thread (a change's ack holds the reply callback)
  bool waiting_ = false;
  std::string client_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  request request_;
  response response_;
};

admin_server::admin_server(boost::asio::io_context& io, admin_context ctx)
    : io_(io),
      control_(ctx.control),
      router_(ctx),
      acceptor_(io),
      retry_timer_(io),
      open_sessions_(std::make_shared<std::atomic<std::size_t>>(0)) {}

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
  retry_timer_.cancel();
}

void admin_server::do_accept() {
  acceptor_.async_accept(
      [this](const boost::system::error_code& ec, boost::asio::ip::tcp::socket socket) {
        if (ec == boost::asio::error::operation_aborted || !acceptor_.is_open()) {
          return;
        }
        if (ec) {
          retry_timer_.expires_after(accept_retry);
          retry_timer_.async_wait([this](const boost::system::error_code& wait_ec) {
            if (!wait_ec && acceptor_.is_open()) {
              do_accept();
            }
          });
          return;
        }
        admit(std::move(socket));
        do_accept();
      });
}

void admin_server::admit(boost::asio::ip::tcp::socket socket) {
  // At the cap the oldest connection still waiting for a request makes room:
  // a flood of idle connections cannot lock an operator out, and a call being
  // answered is never cut. Nothing waiting: the newcomer is refused.
  bool room = *open_sessions_ < max_admin_sessions;
  for (auto it = sessions_.begin(); !room && it != sessions_.end();) {
    auto session = it->lock();
    if (!session) {
      it = sessions_.erase(it);
    } else if (session->waiting()) {
      session->close();
      sessions_.erase(it);
      room = true;
    } else {
      ++it;
    }
  }
  if (!room) {
    boost::system::error_code ignored;
    socket.close(ignored);
    return;
  }
  auto session = std::make_shared<admin_session>(
      std::move(socket), router_, control_.settings().admin.max_body_bytes, open_sessions_);
  sessions_.push_back(session);
  if (sessions_.size() > 2 * max_admin_sessions) {  // entries of sessions closed since
    std::erase_if(sessions_, [](const auto& weak) { return weak.expired(); });
  }
  session->do_read();
}

}  // namespace quikedge::admin
