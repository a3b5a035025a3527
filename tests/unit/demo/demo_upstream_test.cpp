// The demo upstream: answers with its name, keeps the connection alive across
// requests with bodies (which it skips), and closes on a malformed head.
#include <gtest/gtest.h>

#include <boost/asio/buffers_iterator.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <istream>
#include <string>

#include "demo/demo_upstream.hpp"

namespace quikedge::demo {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class DemoUpstreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    upstream_.start();
    socket_.connect({asio::ip::make_address("127.0.0.1"), upstream_.port()});
  }

  /// Reads one response with a Content-Length body; returns head + body.
  std::string read_response() {
    std::size_t head = asio::read_until(socket_, in_, "\r\n\r\n");
    std::string text(asio::buffers_begin(in_.data()), asio::buffers_begin(in_.data()) + head);
    in_.consume(head);
    auto at = text.find("Content-Length: ");
    EXPECT_NE(at, std::string::npos);
    std::size_t length = std::stoul(text.substr(at + 16));
    if (in_.size() < length) {
      asio::read(socket_, in_, asio::transfer_exactly(length - in_.size()));
    }
    std::string body(asio::buffers_begin(in_.data()), asio::buffers_begin(in_.data()) + length);
    in_.consume(length);
    return text + body;
  }

  demo_upstream upstream_{"blue"};
  asio::io_context io_;
  tcp::socket socket_{io_};
  asio::streambuf in_;
};

TEST_F(DemoUpstreamTest, AnswersWithItsName) {
  asio::write(socket_, asio::buffer(std::string("GET / HTTP/1.1\r\nHost: demo\r\n\r\n")));
  std::string response = read_response();
  EXPECT_EQ(response.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << response;
  EXPECT_NE(response.find("X-Upstream: blue\r\n"), std::string::npos);
  EXPECT_EQ(response.substr(response.size() - 5), "blue\n");
}

TEST_F(DemoUpstreamTest, SkipsBodiesAndKeepsTheConnection) {
  std::string two =
      "POST /a HTTP/1.1\r\nHost: demo\r\nContent-Length: 5\r\n\r\nhello"
      "POST /b HTTP/1.1\r\nHost: demo\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n0\r\n\r\n"
      "GET /c HTTP/1.1\r\nHost: demo\r\n\r\n";
  asio::write(socket_, asio::buffer(two));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(read_response().substr(0, 15), "HTTP/1.1 200 OK") << "response " << i;
  }
}

TEST_F(DemoUpstreamTest, ClosesOnAMalformedHead) {
  asio::write(socket_, asio::buffer(std::string("GET / HTTP/1.1\nHost: demo\n\n")));
  char byte = 0;
  boost::system::error_code ec;
  std::size_t n = socket_.read_some(asio::buffer(&byte, 1), ec);
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(ec, asio::error::eof);
}

}  // namespace
}  // namespace quikedge::demo
