// Proves the YAML config loader answers any text with a config or a list of
// FILE:LINE:COL errors: no crash, no exception, no catch-all "internal error".
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>

#include "fuzz_check.hpp"
#include "quikedge/config_loader.hpp"

namespace {

using namespace quikedge;

const std::string file_name = "fuzz.yaml";
// The start of proxy/config/yaml_loader.cpp's catch-all message.
const std::string internal_error = "internal error while reading the config";

void check_errors(const std::string& text, const config_load_result& result) {
  // A config is returned exactly when there is nothing to report.
  FUZZ_CHECK(result.value.has_value() == result.errors.empty());
  std::size_t lines = 1;
  for (char c : text) {
    lines += c == '\n' ? 1 : 0;
  }
  for (const config_error& error : result.errors) {
    FUZZ_CHECK(error.file == file_name);
    FUZZ_CHECK(!error.message.empty());
    // Every error points somewhere in the file, so editors can jump to it.
    FUZZ_CHECK(error.line >= 1 && static_cast<std::size_t>(error.line) <= lines + 1);
    FUZZ_CHECK(error.column >= 1);
    // The loader turns any exception of the reader into this error: it hides a
    // reader bug (a node shape it did not expect), so it counts as one. Other
    // messages start with a key path, which may be this very phrase.
    if (text.find(internal_error) == std::string::npos) {
      FUZZ_CHECK(error.message.rfind(internal_error, 0) != 0);
    }
  }
}

/// What validate() promises about every config it lets through.
void check_config(const config& cfg) {
  FUZZ_CHECK(!cfg.listeners.empty());
  FUZZ_CHECK(!cfg.stacks.empty());
  FUZZ_CHECK(cfg.routing.weights.size() == cfg.stacks.size());
  std::uint64_t total = 0;
  for (const auto& [name, weight] : cfg.routing.weights) {
    FUZZ_CHECK(cfg.find_stack(name) != nullptr);
    total += weight;
  }
  FUZZ_CHECK(total > 0);
  for (const stack_config& stack : cfg.stacks) {
    FUZZ_CHECK(!stack.endpoints.empty());
    for (const address& endpoint : stack.endpoints) {
      FUZZ_CHECK(endpoint.port != 0 && !endpoint.host.empty());
    }
  }
  FUZZ_CHECK(!cfg.rollout.steps.empty() && cfg.rollout.steps.back().weight == 100);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  config_load_result result;
  try {
    result = load_config_text(text, file_name);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "load_config_text threw: %s\n", e.what());
    FUZZ_CHECK(!"load_config_text must not throw");
  } catch (...) {
    FUZZ_CHECK(!"load_config_text must not throw");
  }
  check_errors(text, result);
  if (result.value) {
    check_config(*result.value);
  }
  return 0;
}
