// quikedge as a test fixture: config rendering, start-up, admin calls.
#include "support/proxy_process.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "support/upstream_process.hpp"

namespace quikedge::test {

std::filesystem::path make_temp_directory() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern =
      std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/quikedge-it-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed for " + pattern);
  }
  return pattern;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

std::string render_config(const proxy_config& config) {
  std::ostringstream yaml;
  yaml << "environment: test\n"
       << "workers: " << config.workers << "\n"
       << "log_level: " << config.log_level << "\n"
       << "listeners:\n"
       << "  - name: http\n"
       << "    address: \"127.0.0.1:0\"\n"
       << config.listener_extra << "admin:\n"
       << "  address: \"127.0.0.1:0\"\n"
       << "stacks:\n";
  for (const auto& stack : config.stacks) {
    yaml << "  " << stack.name << ":\n    endpoints: [";
    for (std::size_t i = 0; i < stack.endpoints.size(); ++i) {
      yaml << (i == 0 ? "" : ", ") << '"' << stack.endpoints[i] << '"';
    }
    yaml << "]\n";
    if (auto extra = config.stack_extra.find(stack.name); extra != config.stack_extra.end()) {
      yaml << extra->second;
    }
  }
  yaml << "routing:\n  weights: {";
  for (std::size_t i = 0; i < config.stacks.size(); ++i) {
    yaml << (i == 0 ? " " : ", ") << config.stacks[i].name << ": " << config.stacks[i].weight;
  }
  yaml << " }\n"
       << "  override_header: X-QuikApp-Stack\n"
       << "  stack_response_header: X-QuikEdge-Stack\n"
       << config.routing_extra << config.top_level_extra;
  return yaml.str();
}

std::string substitute(std::string text, const std::map<std::string, std::string>& values) {
  for (const auto& [key, value] : values) {
    const std::string marker = "${" + key + "}";
    for (std::size_t at = text.find(marker); at != std::string::npos;
         at = text.find(marker, at + value.size())) {
      text.replace(at, marker.size(), value);
    }
  }
  return text;
}

proxy_process::proxy_process() : directory_(make_temp_directory()) {}

proxy_process::~proxy_process() {
  if (child_) {
    // The proxy drains connections for up to 5 s on SIGTERM; a test is done with them.
    child_->stop(std::chrono::seconds(2));
    if (testing::Test::HasFailure()) {
      std::cerr << "--- quikedge config " << config_path_.string() << " ---\n";
      std::ifstream file(config_path_);
      std::cerr << file.rdbuf() << "--- quikedge stdout ---\n"
                << child_->stdout_text() << "--- quikedge stderr ---\n"
                << child_->stderr_text() << "---\n";
    }
    child_.reset();
  }
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
}

testing::AssertionResult proxy_process::start(
    const std::string& yaml, std::vector<std::pair<std::string, std::string>> env) {
  {
    std::ofstream file(directory_ / "quikedge.yaml");
    file << yaml;
  }
  return start_on(directory_ / "quikedge.yaml", std::move(env));
}

testing::AssertionResult proxy_process::start_on(
    const std::filesystem::path& config_file,
    std::vector<std::pair<std::string, std::string>> env) {
  config_path_ = config_file;
  child_ = std::make_unique<child_process>(child_process::options{
      {bin_path("quikedge"), "--config", config_path_.string()}, std::move(env)});
  // Generous: under ASan start-up is slow; a healthy start takes milliseconds.
  const auto deadline = deadline_in(std::chrono::seconds(20));
  auto listener = child_->wait_for_line("quikedge: listener http on ", deadline);
  auto admin_line = child_->wait_for_line("quikedge: admin on ", deadline);
  auto ready = child_->wait_for_line("quikedge: ready", deadline);
  if (listener) {
    http_port_ = port_from_line(*listener);
  }
  if (admin_line) {
    admin_port_ = port_from_line(*admin_line);
  }
  if (!ready || http_port_ == 0 || admin_port_ == 0) {
    child_->stop();
    return testing::AssertionFailure()
           << "quikedge did not get ready; stdout:\n"
           << child_->stdout_text() << "stderr:\n"
           << child_->stderr_text() << "config " << config_path_.string() << ":\n"
           << std::ifstream(config_path_).rdbuf();
  }
  return testing::AssertionSuccess();
}

std::string proxy_process::admin_url() const {
  return "http://127.0.0.1:" + std::to_string(admin_port_);
}

http_response proxy_process::admin(std::string_view method, std::string_view target,
                                   std::string_view body, std::string_view content_type) {
  header_list headers;
  if (!content_type.empty() && (!body.empty() || method == "POST" || method == "PUT")) {
    headers.emplace_back("Content-Type", content_type);
  }
  http_client client;
  if (!client.connect(admin_port_)) {
    http_response failed;
    failed.error = client.error();
    return failed;
  }
  return client.request(method, target, headers, body);
}

http_response proxy_process::set_weights(const std::map<std::string, int>& weights) {
  boost::json::object inner;
  for (const auto& [name, weight] : weights) {
    inner[name] = weight;
  }
  return admin("PUT", "/api/v1/weights",
               boost::json::serialize(boost::json::object{{"weights", inner}}));
}

boost::json::value proxy_process::state() {
  auto response = admin("GET", "/api/v1/state");
  boost::system::error_code ec;
  auto value = boost::json::parse(response.body, ec);
  EXPECT_EQ(response.status, 200) << response.error << response.body;
  EXPECT_FALSE(ec) << response.body;
  return ec ? boost::json::value() : value;
}

namespace {

/// Parses `name{a="x",b="y"} value`; false for comments and other shapes.
bool parse_sample(const std::string& line, std::string& name,
                  std::map<std::string, std::string>& labels, double& value) {
  if (line.empty() || line[0] == '#') {
    return false;
  }
  const auto brace = line.find('{');
  const auto close = line.rfind('}');
  if (brace == std::string::npos) {  // a sample without labels: "name value"
    const auto space = line.find(' ');
    if (space == std::string::npos) {
      return false;
    }
    name = line.substr(0, space);
    labels.clear();
    value = std::strtod(line.c_str() + space + 1, nullptr);
    return true;
  }
  if (close == std::string::npos || close < brace) {
    return false;
  }
  name = line.substr(0, brace);
  labels.clear();
  std::string_view rest(line.data() + brace + 1, close - brace - 1);
  while (!rest.empty()) {
    const auto eq = rest.find("=\"");
    const auto end = rest.find('"', eq + 2);
    if (eq == std::string_view::npos || end == std::string_view::npos) {
      return false;
    }
    labels[std::string(rest.substr(0, eq))] = std::string(rest.substr(eq + 2, end - eq - 2));
    rest.remove_prefix(std::min(rest.size(), end + 2));  // past the quote and a comma
  }
  value = std::strtod(line.c_str() + close + 1, nullptr);
  return true;
}

}  // namespace

double proxy_process::metric(std::string_view name,
                             const std::map<std::string, std::string>& labels) {
  auto response = admin("GET", "/metrics");
  std::istringstream lines(response.body);
  std::string line;
  std::string sample_name;
  std::map<std::string, std::string> sample_labels;
  double value = 0;
  double total = -1;
  while (std::getline(lines, line)) {
    if (!parse_sample(line, sample_name, sample_labels, value) || sample_name != name) {
      continue;
    }
    const bool match = std::all_of(labels.begin(), labels.end(), [&](const auto& kv) {
      auto it = sample_labels.find(kv.first);
      return it != sample_labels.end() && it->second == kv.second;
    });
    if (match) {
      total = (total < 0 ? 0 : total) + value;
    }
  }
  return total;
}

int proxy_process::stop(std::chrono::milliseconds grace) {
  return child_ ? child_->stop(grace) : -1;
}

}  // namespace quikedge::test
