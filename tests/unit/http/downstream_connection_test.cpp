// The HTTP/1 codec side over an in-memory stream: keep-alive, pipelining, the
// proxy's own error replies and Connection: close. The upstream exchange is
// replaced by a canned one that answers with the request target, through the
// same port the real exchange uses. No sockets.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <memory>
#include <string>

#include "http/downstream_connection.hpp"
#include "http/downstream_connection.ipp"
#include "http/error_reply.ipp"
#include "http/lingering_close.ipp"
#include "http/proxy_header_phase.ipp"
#include "unit/http/memory_client_stream.hpp"

namespace quikedge::http {
namespace {

namespace test = boost::beast::test;

/// Answers every request "200" with its target as the body, like an upstream
/// that echoes the path, without any upstream.
template <class Downstream>
class canned_exchange {
 public:
  explicit canned_exchange(Downstream& downstream) : down_(downstream) {}

  void start(message_head& head) {
    auto& request = down_.request();
    const std::string body(head.target);
    down_.request_bytes().consume(head.head_bytes);
    down_.enter_exchange();
    response_ = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    if (!request.keep_alive) {
      response_ += "Connection: close\r\n";
    }
    response_ += "\r\n" + body;
    request.status = 200;
    buffers_.assign(1, boost::asio::buffer(response_));
    down_.write_response(
        buffers_, [self = down_.keep(), this](const boost::system::error_code& ec, std::size_t n) {
          if (ec) {
            down_.close();
            return;
          }
          down_.request().bytes_out += n;
          down_.record(200);
          down_.exchange_done();
        });
  }
  void cancel() {}
  void release_upstream(bool) {}
  bool end_upload() { return false; }

 private:
  Downstream& down_;
  std::string response_;
  std::vector<boost::asio::const_buffer> buffers_;
};

using connection = downstream_connection<testing::memory_client_stream, canned_exchange>;

class DownstreamConnection : public ::testing::Test {
 protected:
  DownstreamConnection() {
    auto settings = std::make_shared<config>();
    settings->limits.max_request_body_bytes = 1024;
    context_.table = std::make_shared<routing::routing_table>(
        1, std::vector<routing::stack_entry>{}, std::move(settings));
  }

  ~DownstreamConnection() override {
    // The client goes away, so the connection ends before the context it uses.
    if (peer_) {
      peer_->close();
      io_.restart();
      io_.poll();
    }
  }

  /// Opens a connection whose client end is peer_.
  void open() {
    test::stream server(io_);
    peer_ = std::make_unique<test::stream>(io_);
    server.connect(*peer_);
    open_connections_ = 1;
    auto session = std::make_shared<connection>(
        context_, testing::memory_client_stream(std::move(server)),
        boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("192.0.2.7"), 40000), false,
        false);
    alive_ = session;
    session->start();
    io_.poll();
  }

  /// The client sends `bytes`; returns everything the proxy wrote since the last call.
  std::string exchange(std::string_view bytes) {
    peer_->write_some(boost::asio::buffer(bytes));
    io_.restart();
    io_.poll();
    std::string out(peer_->str());
    peer_->clear();
    return out;
  }

  /// True once the proxy ended its side: a read on the client end sees EOF.
  /// Call it last, or before released(): the read stays pending otherwise.
  bool proxy_closed() {
    peer_->async_read_some(boost::asio::buffer(&byte_, 1),
                           [this](const boost::system::error_code& ec, std::size_t) {
                             saw_eof_ = ec == boost::asio::error::eof;
                           });
    io_.restart();
    io_.poll();
    return saw_eof_;
  }

  /// The client closes too; true if the connection object is then gone.
  bool released() {
    peer_->close();
    io_.restart();
    io_.poll();
    return alive_.expired();
  }

  boost::asio::io_context io_{1};
  metrics::worker_metrics metrics_;
  std::atomic<std::int64_t> open_connections_{0};
  session_context context_{io_, metrics_, open_connections_, 7};
  std::unique_ptr<test::stream> peer_;
  std::weak_ptr<connection> alive_;
  char byte_ = 0;
  bool saw_eof_ = false;
};

std::string ok(std::string_view body, bool close = false) {
  return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
         (close ? "Connection: close\r\n" : "") + "\r\n" + std::string(body);
}

TEST_F(DownstreamConnection, KeepAliveServesASecondRequestOnTheSameConnection) {
  open();
  EXPECT_EQ(exchange("GET /one HTTP/1.1\r\nHost: a\r\n\r\n"), ok("/one"));
  EXPECT_FALSE(alive_.expired());
  EXPECT_EQ(exchange("GET /two HTTP/1.1\r\nHost: a\r\n\r\n"), ok("/two"));
  EXPECT_FALSE(proxy_closed());
  EXPECT_TRUE(released());
  EXPECT_EQ(open_connections_.load(), 0);
}

TEST_F(DownstreamConnection, PipelinedRequestsAreAnsweredInOrder) {
  open();
  EXPECT_EQ(exchange("GET /a HTTP/1.1\r\nHost: a\r\n\r\n"
                     "GET /b HTTP/1.1\r\nHost: a\r\n\r\n"
                     "GET /c HTTP/1.1\r\nHost: a\r\n\r\n"),
            ok("/a") + ok("/b") + ok("/c"));
  EXPECT_FALSE(proxy_closed());
}

TEST_F(DownstreamConnection, AHeadSplitAcrossReadsIsAnsweredOnceComplete) {
  open();
  EXPECT_EQ(exchange("GET /split HTTP/1.1\r\nHo"), "");
  EXPECT_EQ(exchange("st: a\r\n\r\n"), ok("/split"));
}

TEST_F(DownstreamConnection, MalformedHeadIsAnswered400AndClosed) {
  open();
  const auto out = exchange("GET / HTTP/1.1\r\nHost: a\r\nbad header\r\n\r\n");
  EXPECT_EQ(out.rfind("HTTP/1.1 400 ", 0), 0U) << out;
  EXPECT_NE(out.find("Connection: close\r\n"), std::string::npos);
  EXPECT_TRUE(proxy_closed());
  EXPECT_TRUE(released());
}

TEST_F(DownstreamConnection, RequestsAfterAMalformedOneAreNotServed) {
  open();
  const auto out =
      exchange("GET /a HTTP/1.1\r\nHost: a\r\n\r\nGARBAGE\r\n\r\nGET /b HTTP/1.1\r\n\r\n");
  EXPECT_EQ(out.rfind(ok("/a") + "HTTP/1.1 400 ", 0), 0U) << out;
  EXPECT_EQ(out.find("/b"), std::string::npos);
  EXPECT_TRUE(proxy_closed());
}

TEST_F(DownstreamConnection, BodyOverTheLimitIsAnswered413AndClosed) {
  open();
  const auto out = exchange("POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 2048\r\n\r\n");
  EXPECT_EQ(out.rfind("HTTP/1.1 413 ", 0), 0U) << out;
  EXPECT_NE(out.find("Connection: close\r\n"), std::string::npos);
  EXPECT_TRUE(proxy_closed());
  EXPECT_TRUE(released());
}

TEST_F(DownstreamConnection, ConnectionCloseIsHonoured) {
  open();
  EXPECT_EQ(exchange("GET /last HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
                     "GET /never HTTP/1.1\r\nHost: a\r\n\r\n"),
            ok("/last", true));
  EXPECT_TRUE(proxy_closed());
  EXPECT_TRUE(released());
}

TEST_F(DownstreamConnection, Http10WithoutKeepAliveCloses) {
  open();
  EXPECT_EQ(exchange("GET /old HTTP/1.0\r\n\r\n"), ok("/old", true));
  EXPECT_TRUE(proxy_closed());
}

TEST_F(DownstreamConnection, UnsupportedVersionIsAnswered505) {
  open();
  const auto out = exchange("GET / HTTP/2.0\r\nHost: a\r\n\r\n");
  EXPECT_EQ(out.rfind("HTTP/1.1 505 ", 0), 0U) << out;
  EXPECT_TRUE(proxy_closed());
}

TEST_F(DownstreamConnection, ShutdownClosesAnIdleConnectionAtOnce) {
  open();
  EXPECT_EQ(exchange("GET /one HTTP/1.1\r\nHost: a\r\n\r\n"), ok("/one"));
  alive_.lock()->on_shutdown();
  EXPECT_TRUE(proxy_closed());
}

TEST_F(DownstreamConnection, ShutdownGivesAConnectionWithoutARequestYetAShortDeadline) {
  open();
  auto connection = alive_.lock();
  connection->on_shutdown();
  EXPECT_FALSE(proxy_closed()) << "its first request may be on the wire: no reset";
  EXPECT_LE(connection->deadline, clock::now() + connection->fresh_connection_grace);
}

TEST_F(DownstreamConnection, EveryRequestIsCountedIncludingTheRefusedOne) {
  open();
  exchange("GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\nBAD\r\n\r\n");
  const auto& counters = metrics_.stack(metrics::no_stack).responses_by_status;
  EXPECT_EQ(counters[200 - metrics::min_status].load(), 2U);
  EXPECT_EQ(counters[400 - metrics::min_status].load(), 1U);
  EXPECT_TRUE(proxy_closed());
}

}  // namespace
}  // namespace quikedge::http
