// Audit log writer.
#include "admin/audit_log.hpp"

#include <boost/json.hpp>

#include <unistd.h>
#include <chrono>
#include <stdexcept>

namespace quikedge::admin {
namespace {

std::string now_iso() {
  auto now = std::chrono::system_clock::now();
  auto seconds = std::chrono::system_clock::to_time_t(now);
  auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + n, sizeof text - n, ".%03dZ", static_cast<int>(millis.count()));
  return text;
}

boost::json::value parse_or_string(const std::string& text) {
  boost::system::error_code ec;
  auto value = boost::json::parse(text, ec);
  return ec ? boost::json::value(text) : value;
}

}  // namespace

audit_log::~audit_log() {
  if (file_ != nullptr) {
    std::fclose(file_);
  }
}

void audit_log::open(const std::string& path) {
  if (path.empty()) {
    return;
  }
  file_ = std::fopen(path.c_str(), "a");
  if (file_ == nullptr) {
    throw std::runtime_error("cannot open audit log " + path);
  }
}

void audit_log::append(const std::string& token_name, const std::string& client,
                       const std::string& action, const std::string& before,
                       const std::string& after, const std::string& reason) {
  if (file_ == nullptr) {
    return;
  }
  boost::json::object line{{"time", now_iso()},
                           {"token", token_name},
                           {"client", client},
                           {"action", action},
                           {"before", parse_or_string(before)},
                           {"after", parse_or_string(after)},
                           {"reason", reason}};
  std::string text = boost::json::serialize(line);
  text.push_back('\n');
  std::fwrite(text.data(), 1, text.size(), file_);
  std::fflush(file_);
  ::fdatasync(fileno(file_));
}

void audit_log::on_state_committed(const server::live_state&, const server::change_record& change) {
  append(change.origin.actor, change.origin.client, change.action, change.before, change.after,
         change.origin.reason);
}

}  // namespace quikedge::admin
