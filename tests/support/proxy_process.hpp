// A quikedge child running a config written to a temporary directory, with its
// listener and admin ports read from its start-up lines.
#pragma once

#include <gtest/gtest.h>

#include <boost/json/value.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "support/child_process.hpp"
#include "support/http_client.hpp"

namespace quikedge::test {

struct stack_spec {
  std::string name;
  std::vector<std::string> endpoints;  ///< "127.0.0.1:PORT"
  int weight = 0;
};

/// The parts of a test config that vary; everything else is fixed for tests.
struct proxy_config {
  std::vector<stack_spec> stacks;
  int workers = 2;
  std::string log_level = "warn";
  std::string listener_extra;   ///< more keys of the http listener, each line indented by 4
  std::string routing_extra;    ///< more keys under routing:, each line indented by 2
  std::string top_level_extra;  ///< more top-level YAML, e.g. "timeouts: {...}\n"
  /// Stack name → more keys of that stack, each line indented by 4 (e.g. "    tls: {...}\n").
  std::map<std::string, std::string> stack_extra;
};

/// Renders a config: one http listener and the admin on 127.0.0.1:0, override header
/// X-QuikApp-Stack, response header X-QuikEdge-Stack.
std::string render_config(const proxy_config& config);

/// Replaces every ${key} in `text` by its value.
std::string substitute(std::string text, const std::map<std::string, std::string>& values);

class proxy_process {
 public:
  proxy_process();
  ~proxy_process();

  /// Writes `yaml` to a temporary quikedge.yaml, starts `quikedge --config` on it and
  /// waits for the listener, admin and ready lines.
  testing::AssertionResult start(const std::string& yaml,
                                 std::vector<std::pair<std::string, std::string>> env = {});
  testing::AssertionResult start(const proxy_config& config) {
    return start(render_config(config));
  }
  /// Starts `quikedge --config` on an existing file (e.g. another proxy_process's, for
  /// a binary upgrade) and waits for the same lines as start().
  testing::AssertionResult start_on(const std::filesystem::path& config_file,
                                    std::vector<std::pair<std::string, std::string>> env = {});

  [[nodiscard]] std::uint16_t http_port() const { return http_port_; }
  [[nodiscard]] std::uint16_t admin_port() const { return admin_port_; }
  [[nodiscard]] std::string admin_url() const;
  [[nodiscard]] const std::filesystem::path& config_path() const { return config_path_; }
  [[nodiscard]] const std::filesystem::path& directory() const { return directory_; }
  child_process& process() { return *child_; }

  /// One admin call on a fresh connection; a body is sent as application/json unless
  /// `content_type` says otherwise.
  http_response admin(std::string_view method, std::string_view target, std::string_view body = {},
                      std::string_view content_type = "application/json");
  /// PUT /api/v1/weights with {"weights":{...}}.
  http_response set_weights(const std::map<std::string, int>& weights);
  /// GET /api/v1/state, parsed; a null value (and a test failure) when that fails.
  boost::json::value state();
  /// The value of the /metrics sample `name` whose labels include all of `labels`
  /// (summed when several match), or -1 when none does.
  double metric(std::string_view name, const std::map<std::string, std::string>& labels);

  /// Stops the proxy (SIGTERM, then SIGKILL after `grace`) and returns its exit status.
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(5));

 private:
  std::filesystem::path directory_;
  std::filesystem::path config_path_;
  std::unique_ptr<child_process> child_;
  std::uint16_t http_port_ = 0;
  std::uint16_t admin_port_ = 0;
};

/// A fresh directory under $TMPDIR (or /tmp) named quikedge-it-XXXXXX.
std::filesystem::path make_temp_directory();

/// The whole content of the file at `path` ("" when it cannot be read).
std::string read_file(const std::filesystem::path& path);

}  // namespace quikedge::test
