// Rollout state file: encoding and atomic replacement.
#include "rollout/rollout_store.hpp"

#include <boost/json.hpp>

#include <fcntl.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace quikedge::rollout {
namespace {

namespace json = boost::json;

constexpr std::int64_t format_version = 1;

std::string errno_text(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

const json::value* field(const json::object& root, std::string_view key,
                         bool (json::value::*is)() const) {
  const auto* value = root.if_contains(key);
  return value != nullptr && (value->*is)() ? value : nullptr;
}

std::string text_of(const json::object& root, std::string_view key) {
  const auto* value = field(root, key, &json::value::is_string);
  return value != nullptr ? std::string(value->as_string()) : std::string();
}

std::int64_t int_of(const json::object& root, std::string_view key, std::int64_t fallback) {
  const auto* value = field(root, key, &json::value::is_int64);
  return value != nullptr ? value->as_int64() : fallback;
}

}  // namespace

std::string encode_rollout(const stored_rollout& stored) {
  const auto& s = stored.snapshot;
  json::object root{{"format", format_version},
                    {"state", to_string(s.state)},
                    {"from", s.from},
                    {"to", s.to},
                    {"step", s.step},
                    {"weight", s.weight},
                    {"plan", plan_to_json(s.plan)},
                    {"reason", s.reason},
                    {"started_by", s.started_by},
                    {"saved_at_ms", stored.saved_at_ms},
                    {"pause_left_ms", stored.pause_left_ms}};
  root["next_step_at_ms"] = stored.next_step_at_ms ? json::value(*stored.next_step_at_ms) : nullptr;
  return json::serialize(root) + "\n";
}

std::optional<stored_rollout> decode_rollout(const std::string& text, std::string& error) {
  boost::system::error_code ec;
  auto document = json::parse(text, ec);
  if (ec || !document.is_object()) {
    error = "not a JSON object";
    return std::nullopt;
  }
  const auto& root = document.as_object();
  if (int_of(root, "format", 0) != format_version) {
    error = "unknown format (want \"format\":" + std::to_string(format_version) + ")";
    return std::nullopt;
  }
  stored_rollout stored;
  auto& s = stored.snapshot;
  auto state = state_from_string(text_of(root, "state"));
  const auto* plan = field(root, "plan", &json::value::is_object);
  if (!state || plan == nullptr) {
    error = "missing or unknown \"state\" or \"plan\"";
    return std::nullopt;
  }
  s.state = *state;
  s.from = text_of(root, "from");
  s.to = text_of(root, "to");
  s.reason = text_of(root, "reason");
  s.started_by = text_of(root, "started_by");
  const std::int64_t step = int_of(root, "step", -1);
  const std::int64_t weight = int_of(root, "weight", -1);
  if (auto problem = read_plan_overrides(plan->as_object(), s.plan)) {
    error = "plan: " + *problem;
    return std::nullopt;
  }
  if (auto problem = validate_plan(s.plan)) {
    error = "plan: " + *problem;
    return std::nullopt;
  }
  if (step < 0 || static_cast<std::size_t>(step) >= s.plan.steps.size() || weight < 0 ||
      weight > 100) {
    error = "\"step\" or \"weight\" out of range";
    return std::nullopt;
  }
  if (s.state != rollout_state::idle && (s.from.empty() || s.to.empty())) {
    error = "\"from\" and \"to\" are required";
    return std::nullopt;
  }
  s.step = static_cast<std::size_t>(step);
  s.weight = static_cast<std::uint32_t>(weight);
  stored.saved_at_ms = int_of(root, "saved_at_ms", 0);
  stored.pause_left_ms = std::max<std::int64_t>(0, int_of(root, "pause_left_ms", 0));
  if (const auto* next = field(root, "next_step_at_ms", &json::value::is_int64)) {
    stored.next_step_at_ms = next->as_int64();
  }
  return stored;
}

std::chrono::milliseconds pause_left_on_resume(const stored_rollout& stored, std::int64_t now_ms) {
  const auto& s = stored.snapshot;
  const std::int64_t whole = s.plan.steps.at(s.step).pause.count();
  std::int64_t left = stored.pause_left_ms;
  if (s.state == rollout_state::progressing && stored.next_step_at_ms) {
    left = *stored.next_step_at_ms - now_ms;
  }
  return std::chrono::milliseconds(std::clamp<std::int64_t>(left, 0, whole));
}

std::optional<std::string> write_file_atomically(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return errno_text("cannot create", temporary);
  }
  std::size_t written = 0;
  while (written < text.size()) {
    ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      auto error = errno_text("cannot write", temporary);
      ::close(fd);
      return error;
    }
    written += static_cast<std::size_t>(n);
  }
  // The data must be on disk before the rename makes it the state file.
  if (::fsync(fd) != 0) {
    auto error = errno_text("cannot fsync", temporary);
    ::close(fd);
    return error;
  }
  ::close(fd);
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    return errno_text("cannot rename onto", path);
  }
  // And the rename itself must survive a power cut.
  auto directory = std::filesystem::path(path).parent_path();
  int dir_fd =
      ::open(directory.empty() ? "." : directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return std::nullopt;
}

bool read_whole_file(const std::string& path, std::string& out, std::string& error) {
  error.clear();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec) && !ec) {
    return false;
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    error = "cannot read " + path;
    return false;
  }
  std::ostringstream text;
  text << file.rdbuf();
  out = text.str();
  return true;
}

}  // namespace quikedge::rollout
