// health_checker against an in-process endpoint on the same io_context: the
// thresholds in both directions (hysteresis), refused connections, probes that
// time out, status lines that are not HTTP, and re-configuration that keeps what
// is known.
#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "health/health_checker.hpp"

namespace quikedge::health {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

/// Answers every probe with `reply` (a whole response, or nothing at all when
/// empty: the connection then stays open and silent) and counts them.
class probe_target {
 public:
  explicit probe_target(asio::io_context& io)
      : acceptor_(io, {asio::ip::make_address("127.0.0.1"), 0}) {
    accept();
  }

  [[nodiscard]] address where() const { return {"127.0.0.1", acceptor_.local_endpoint().port()}; }
  void answer(std::string reply) { reply_ = std::move(reply); }
  [[nodiscard]] int probes() const { return probes_; }

 private:
  struct exchange {
    explicit exchange(tcp::socket s) : socket(std::move(s)) {}
    tcp::socket socket;
    asio::streambuf request;
  };

  void accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (ec) {
        return;
      }
      auto ex = std::make_shared<exchange>(std::move(socket));
      asio::async_read_until(ex->socket, ex->request, "\r\n\r\n",
                             [this, ex](boost::system::error_code read_ec, std::size_t) {
                               if (read_ec) {
                                 return;
                               }
                               ++probes_;
                               if (reply_.empty()) {
                                 silent_.push_back(ex);  // keep it open, say nothing
                                 return;
                               }
                               asio::async_write(ex->socket, asio::buffer(reply_),
                                                 [ex](boost::system::error_code, std::size_t) {});
                             });
      accept();
    });
  }

  tcp::acceptor acceptor_;
  std::string reply_ = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
  int probes_ = 0;
  std::vector<std::shared_ptr<exchange>> silent_;
};

struct change {
  std::string stack;
  std::string endpoint;
  bool healthy;
};

class HealthCheckerTest : public ::testing::Test {
 protected:
  config one_stack(const address& endpoint, int healthy_after = 2, int unhealthy_after = 3) {
    config cfg;
    stack_config stack;
    stack.name = "green";
    stack.endpoints = {endpoint};
    health_check_config check;
    check.interval = duration{5};
    check.timeout = duration{200};
    check.healthy_threshold = healthy_after;
    check.unhealthy_threshold = unhealthy_after;
    stack.health_check = check;
    cfg.stacks.push_back(stack);
    return cfg;
  }

  /// Runs the loop until `done` or five seconds pass; false on the deadline.
  bool run_until(const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) {
        return false;
      }
      io_.run_for(std::chrono::milliseconds(5));
      io_.restart();
    }
    return true;
  }

  asio::io_context io_{1};
  std::vector<change> changes_;
  health_checker checker_{
      io_, [this](const std::string& stack, const std::string& endpoint, bool healthy) {
        changes_.push_back({stack, endpoint, healthy});
      }};
};

TEST_F(HealthCheckerTest, TurnsUnhealthyOnlyAfterThresholdFailuresInARow) {
  probe_target target(io_);
  target.answer("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n");
  checker_.configure(one_stack(target.where()));
  ASSERT_TRUE(run_until([&] { return !changes_.empty(); }));
  EXPECT_GE(target.probes(), 3);  // never on the first or second failure
  EXPECT_EQ(changes_[0].stack, "green");
  EXPECT_EQ(changes_[0].endpoint, target.where().to_string());
  EXPECT_FALSE(changes_[0].healthy);
  EXPECT_FALSE(checker_.verdicts().at("green\n" + target.where().to_string()));
}

TEST_F(HealthCheckerTest, RecoversAfterHealthyThresholdSuccesses) {
  probe_target target(io_);
  target.answer("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n");
  checker_.configure(one_stack(target.where(), 4, 1));
  ASSERT_TRUE(run_until([&] { return !changes_.empty(); }));
  int probes_when_down = target.probes();
  target.answer("HTTP/1.1 204 No Content\r\n\r\n");
  ASSERT_TRUE(run_until([&] { return changes_.size() == 2; }));
  EXPECT_TRUE(changes_[1].healthy);
  EXPECT_GE(target.probes() - probes_when_down, 4);
}

TEST_F(HealthCheckerTest, RedirectIsHealthy) {
  probe_target target(io_);
  target.answer("HTTP/1.1 302 Found\r\nLocation: /\r\nContent-Length: 0\r\n\r\n");
  checker_.configure(one_stack(target.where(), 2, 1));
  ASSERT_TRUE(run_until([&] { return target.probes() >= 5; }));
  EXPECT_TRUE(changes_.empty());
  EXPECT_TRUE(checker_.verdicts().at("green\n" + target.where().to_string()));
}

TEST_F(HealthCheckerTest, NonHttpAnswerIsAFailure) {
  probe_target target(io_);
  target.answer("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n");
  checker_.configure(one_stack(target.where(), 2, 2));
  ASSERT_TRUE(run_until([&] { return !changes_.empty(); }));
  EXPECT_FALSE(changes_[0].healthy);
}

TEST_F(HealthCheckerTest, RefusedConnectionIsAFailure) {
  address closed;
  {
    // A port that was just free: bound, then closed again, so connects are refused.
    tcp::acceptor probe_port(io_, {asio::ip::make_address("127.0.0.1"), 0});
    closed = {"127.0.0.1", probe_port.local_endpoint().port()};
  }
  checker_.configure(one_stack(closed, 2, 2));
  ASSERT_TRUE(run_until([&] { return !changes_.empty(); }));
  EXPECT_FALSE(changes_[0].healthy);
  EXPECT_EQ(changes_[0].endpoint, closed.to_string());
}

TEST_F(HealthCheckerTest, SilentEndpointFailsByTimeout) {
  probe_target target(io_);
  target.answer("");
  auto cfg = one_stack(target.where(), 2, 2);
  cfg.stacks[0].health_check->timeout = duration{30};
  auto started = std::chrono::steady_clock::now();
  checker_.configure(cfg);
  ASSERT_TRUE(run_until([&] { return !changes_.empty(); }));
  EXPECT_FALSE(changes_[0].healthy);
  EXPECT_GE(target.probes(), 2);
  // Two probes, each given its full timeout before it counts as a failure.
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(60));
}

TEST_F(HealthCheckerTest, ReconfigureKeepsTheVerdictOfEndpointsThatStay) {
  probe_target target(io_);
  target.answer("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n");
  auto cfg = one_stack(target.where(), 100, 1);
  checker_.configure(cfg);
  ASSERT_TRUE(run_until([&] { return !changes_.empty(); }));
  target.answer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  checker_.configure(cfg);  // a reload with the same endpoint
  EXPECT_FALSE(checker_.verdicts().at("green\n" + target.where().to_string()));
  int probes_after_reload = target.probes();
  ASSERT_TRUE(run_until([&] { return target.probes() >= probes_after_reload + 3; }));
  EXPECT_EQ(changes_.size(), 1u);  // 100 successes needed: still down
}

TEST_F(HealthCheckerTest, StacksWithoutHealthCheckAreNotProbed) {
  probe_target target(io_);
  auto cfg = one_stack(target.where());
  cfg.stacks[0].health_check.reset();
  checker_.configure(cfg);
  EXPECT_TRUE(checker_.verdicts().empty());
  io_.run_for(std::chrono::milliseconds(30));
  EXPECT_EQ(target.probes(), 0);
}

TEST_F(HealthCheckerTest, StopEndsProbing) {
  probe_target target(io_);
  checker_.configure(one_stack(target.where()));
  ASSERT_TRUE(run_until([&] { return target.probes() >= 1; }));
  checker_.stop();
  EXPECT_TRUE(checker_.verdicts().empty());
  int probes_at_stop = target.probes();
  io_.run_for(std::chrono::milliseconds(30));
  EXPECT_LE(target.probes(), probes_at_stop + 1);  // at most the one already in flight
}

}  // namespace
}  // namespace quikedge::health
