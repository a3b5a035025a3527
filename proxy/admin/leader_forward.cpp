// One forwarded admin call: resolve, connect, write, read, answer.
#include "admin/leader_forward.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <memory>

namespace quikedge::admin {
namespace {

namespace beast = boost::beast;
using tcp = boost::asio::ip::tcp;

constexpr std::chrono::milliseconds forward_timeout{4500};
constexpr std::size_t answer_limit = 1024 * 1024;

class forwarded_call : public std::enable_shared_from_this<forwarded_call> {
 public:
  forwarded_call(boost::asio::io_context& io, std::string leader, request out, bool keep_alive,
                 respond_fn respond)
      : resolver_(io),
        stream_(io),
        leader_(std::move(leader)),
        out_(std::move(out)),
        keep_alive_(keep_alive),
        respond_(std::move(respond)) {}

  void run() {
    const auto colon = leader_.rfind(':');
    if (colon == std::string::npos) {
      fail("bad address");
      return;
    }
    auto host = leader_.substr(0, colon);
    if (host.size() > 1 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    }
    stream_.expires_after(forward_timeout);
    resolver_.async_resolve(
        host, leader_.substr(colon + 1),
        [self = shared_from_this()](const boost::system::error_code& ec,
                                    const tcp::resolver::results_type& results) {
          if (ec) {
            self->fail(ec.message());
            return;
          }
          self->stream_.async_connect(
              results, [self](const boost::system::error_code& connect_ec, const tcp::endpoint&) {
                if (connect_ec) {
                  self->fail(connect_ec.message());
                  return;
                }
                self->write();
              });
        });
  }

 private:
  void write() {
    http::async_write(
        stream_, out_,
        [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
          if (ec) {
            self->fail(ec.message());
            return;
          }
          self->parser_.body_limit(answer_limit);
          http::async_read(self->stream_, self->buffer_, self->parser_,
                           [self](const boost::system::error_code& read_ec, std::size_t) {
                             self->answer(read_ec);
                           });
        });
  }

  void answer(const boost::system::error_code& ec) {
    if (ec) {
      fail(ec.message());
      return;
    }
    auto in = parser_.release();
    response res{in.result(), 11};
    res.set(http::field::content_type, "application/json");
    res.set("X-Quikedge-Rollout-Leader", leader_);
    res.keep_alive(keep_alive_);
    res.body() = std::move(in.body());
    res.prepare_payload();
    close();
    respond_(std::move(res));
  }

  void fail(const std::string& why) {
    close();
    response res{http::status::service_unavailable, 11};
    res.set(http::field::content_type, "application/json");
    res.keep_alive(keep_alive_);
    res.body() = boost::json::serialize(
        boost::json::object{{"error", "the rollout leader at " + leader_ + " did not answer (" +
                                          why + "); retry in a few seconds"}});
    res.prepare_payload();
    respond_(std::move(res));
  }

  void close() {
    boost::system::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  tcp::resolver resolver_;
  beast::tcp_stream stream_;
  std::string leader_;
  request out_;
  bool keep_alive_;
  respond_fn respond_;
  beast::flat_buffer buffer_;
  http::response_parser<http::string_body> parser_;
};

}  // namespace

void forward_to_leader(boost::asio::io_context& io, const std::string& leader,
                       const std::string& self_id, const call& c, const respond_fn& respond) {
  const request& in = c.message;
  // Without the query: a `?wait=fleet` is waited for here, where the call came
  // in (the leader waiting too would spend the same 5 s twice).
  const std::string_view target = in.target();
  request out{in.method(), target.substr(0, target.find('?')), 11};
  out.set(http::field::host, leader);
  out.set(http::field::content_type, "application/json");
  if (auto auth = in.find(http::field::authorization); auth != in.end()) {
    out.set(http::field::authorization, auth->value());
  }
  out.set(forwarded_header, self_id);
  out.keep_alive(false);
  out.body() = in.body();
  out.prepare_payload();
  std::make_shared<forwarded_call>(io, leader, std::move(out), in.keep_alive(), respond)->run();
}

}  // namespace quikedge::admin
