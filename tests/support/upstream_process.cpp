// quikedge-upstream as a test fixture.
#include "support/upstream_process.hpp"

#include <boost/json.hpp>

namespace quikedge::test {

std::uint16_t port_from_line(const std::string& line) {
  const auto colon = line.rfind(':');
  if (colon == std::string::npos) {
    return 0;
  }
  const unsigned long port = std::strtoul(line.c_str() + colon + 1, nullptr, 10);
  return port > 0 && port <= 65535 ? static_cast<std::uint16_t>(port) : 0;
}

upstream_process::upstream_process(std::string name, std::vector<std::string> extra_args)
    : name_(std::move(name)), extra_args_(std::move(extra_args)) {}

upstream_process::~upstream_process() {
  stats_client_.close();
  if (child_ && testing::Test::HasFailure()) {
    const std::string err = child_->stderr_text();
    if (!err.empty()) {
      std::cerr << "--- stderr of upstream " << name_ << " ---\n" << err << "---\n";
    }
  }
  child_.reset();  // stops and reaps
}

testing::AssertionResult upstream_process::start() {
  std::vector<std::string> argv = {bin_path("quikedge-upstream"), "--listen", "127.0.0.1:0",
                                   "--name", name_};
  argv.insert(argv.end(), extra_args_.begin(), extra_args_.end());
  child_ = std::make_unique<child_process>(std::move(argv));
  auto line = child_->wait_for_line("listening on ", deadline_in(std::chrono::seconds(15)));
  if (!line || (port_ = port_from_line(*line)) == 0) {
    return testing::AssertionFailure()
           << "quikedge-upstream " << name_ << " did not start; stdout:\n"
           << child_->stdout_text() << "stderr:\n"
           << child_->stderr_text();
  }
  return testing::AssertionSuccess();
}

std::string upstream_process::address() const {
  return "127.0.0.1:" + std::to_string(port_);
}

testing::AssertionResult upstream_process::stats(upstream_stats& out) {
  http_response response;
  // One retry: the upstream may have closed the idle stats connection (idle timeout).
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!stats_client_.is_open()) {
      if (!stats_client_.connect(port_)) {
        return testing::AssertionFailure() << "stats: " << stats_client_.error();
      }
      ++own_connections_;
    }
    response = stats_client_.get("/stats");
    if (response.status != 0) {
      ++own_requests_;
      break;
    }
    stats_client_.close();
  }
  if (response.status != 200) {
    return testing::AssertionFailure()
           << "GET /stats: " << response.status << " " << response.error;
  }
  if (!response.keep_alive) {
    stats_client_.close();
  }
  boost::system::error_code ec;
  auto json = boost::json::parse(response.body, ec);
  if (ec || !json.is_object() || !json.as_object().contains("connections_accepted") ||
      !json.as_object().contains("requests")) {
    return testing::AssertionFailure() << "bad /stats body: " << response.body;
  }
  out.connections_accepted =
      json.at("connections_accepted").to_number<std::uint64_t>() - own_connections_;
  out.requests = json.at("requests").to_number<std::uint64_t>() - own_requests_;
  return testing::AssertionSuccess();
}

}  // namespace quikedge::test
