// A blue/green config for control-plane unit tests: numeric endpoints that
// resolve without DNS and are never connected to.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "quikedge/config.hpp"

namespace quikedge::server::test {

inline config two_stacks(std::uint32_t blue = 90, std::uint32_t green = 10) {
  config cfg;
  cfg.environment = "test";
  cfg.workers = 1;
  cfg.listeners.push_back({"http", {"127.0.0.1", 0}, std::nullopt});
  for (const auto& [name, port] : {std::pair{"blue", 1}, std::pair{"green", 2}}) {
    stack_config stack;
    stack.name = name;
    stack.endpoints = {{"127.0.0.1", static_cast<std::uint16_t>(port)}};
    cfg.stacks.push_back(std::move(stack));
  }
  cfg.routing.weights = {{"blue", blue}, {"green", green}};
  return cfg;
}

/// A fresh, empty folder under the system's temp folder, removed on scope exit.
class temp_folder {
 public:
  explicit temp_folder(const std::string& name)
      : path_(std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~temp_folder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  [[nodiscard]] std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace quikedge::server::test
