// Binary upgrade, new side: hello → sockets + fds → took_over → stopped.
#include "server/upgrade_client.hpp"

#include <unistd.h>

#include <boost/json.hpp>

#include <algorithm>

#include "util/log.hpp"

namespace quikedge::server {
namespace {

using namespace std::chrono_literals;

// The old process answers from its control thread, which never blocks long.
constexpr auto answer_timeout = 5s;

std::string text(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->as_string()) : std::string();
}

}  // namespace

std::optional<handover> upgrade_client::take_over() {
  std::string error;
  const auto status = socket_.connect(path_, error);
  if (status == handover_socket::connect_status::nobody_listening) {
    if (::unlink(path_.c_str()) == 0) {
      log::info("upgrade socket " + path_ + ": stale file (" + error +
                "), removed; starting fresh");
    }
    return std::nullopt;
  }
  if (status == handover_socket::connect_status::failed) {
    log::warn("upgrade socket " + path_ + ": cannot connect (" + error + "); starting fresh");
    return std::nullopt;
  }
  if (!socket_.peer_is_trusted(error)) {
    log::warn("upgrade socket " + path_ + ": refusing to take sockets from " + error +
              "; starting fresh");
    socket_.close();
    return std::nullopt;
  }
  boost::json::object hello{{"pid", static_cast<std::int64_t>(::getpid())}};
  if (!socket_.send({"hello", boost::json::serialize(hello), {}}, error)) {
    log::warn("upgrade: cannot greet the running process (" + error + "); binding anew");
    socket_.close();
    return std::nullopt;
  }
  std::optional<handover> got;
  try {
    got = receive_sockets();
  } catch (const std::exception& e) {
    log::warn(std::string("upgrade: malformed hand-over (") + e.what() + "); binding anew");
  }
  if (!got) {
    socket_.close();
  }
  return got;
}

std::optional<handover> upgrade_client::receive_sockets() {
  std::string error;
  auto header = socket_.receive(answer_timeout, error);
  boost::system::error_code ec;
  boost::json::value body;
  if (header && header->type == "sockets") {
    body = boost::json::parse(header->body, ec);
  }
  if (!header || header->type != "sockets" || ec || !body.is_object()) {
    log::warn("upgrade: the running process did not hand over its sockets (" +
              (header ? "unexpected " + header->type : error) +
              "); binding the listeners anew: connections queued on its sockets are lost");
    return std::nullopt;
  }
  const auto& object = body.as_object();
  handover got;
  got.pid = static_cast<pid_t>(object.at("pid").to_number<std::int64_t>());
  old_pid_ = got.pid;
  const auto& sockets = object.at("sockets").as_array();
  const bool with_admin = object.contains("admin") && object.at("admin").is_string();
  const std::size_t expected = sockets.size() + (with_admin ? 1 : 0);
  std::vector<int> fds;
  while (fds.size() < expected) {
    auto frame = socket_.receive(answer_timeout, error);
    if (!frame || frame->type != "fds" || fds.size() + frame->fds.size() > expected) {
      for (int fd : fds) {
        ::close(fd);
      }
      if (frame) {
        for (int fd : frame->fds) {
          ::close(fd);
        }
      }
      log::warn("upgrade: pid " + std::to_string(got.pid) + " went away during the hand-over (" +
                (frame ? "unexpected " + frame->type : error) +
                "); binding the listeners anew: connections queued on its sockets are lost");
      return std::nullopt;
    }
    fds.insert(fds.end(), frame->fds.begin(), frame->fds.end());
  }
  // A malformed entry throws: the descriptors received so far must not leak.
  try {
    for (std::size_t i = 0; i < sockets.size(); ++i) {
      const auto& entry = sockets[i].as_object();
      const std::string name = text(entry, "name");
      const std::string configured = text(entry, "configured");
      auto it = std::find_if(got.listeners.begin(), got.listeners.end(), [&](const auto& l) {
        return l.name == name && l.configured == configured;
      });
      if (it == got.listeners.end()) {
        got.listeners.push_back({name, configured, {}});
        it = std::prev(got.listeners.end());
      }
      it->fds.push_back(fds[i]);
    }
    if (with_admin) {
      got.admin_fd = fds.back();
      got.admin_configured = std::string(object.at("admin").as_string());
    }
  } catch (...) {
    for (int fd : fds) {
      ::close(fd);
    }
    throw;
  }
  got.socket_count = expected;
  if (const auto* state = object.if_contains("state"); state != nullptr) {
    got.state = live_state::from_json(boost::json::serialize(*state));
  }
  if (!got.state) {
    log::warn("upgrade: pid " + std::to_string(got.pid) +
              " sent no usable routing state; starting from the config file's weights");
  }
  return got;
}

std::optional<live_state> upgrade_client::finish() {
  std::string error;
  if (!socket_.send({"took_over", "{}", {}}, error)) {
    log::warn("upgrade: pid " + std::to_string(old_pid_) +
              " went away before being told to stop (" + error + ")");
    return std::nullopt;
  }
  auto answer = socket_.receive(answer_timeout, error);
  if (!answer || answer->type != "stopped") {
    log::warn("upgrade: pid " + std::to_string(old_pid_) + " did not confirm that it stopped (" +
              (answer ? "unexpected " + answer->type : error) + ")");
    socket_.close();
    return std::nullopt;
  }
  socket_.close();
  return live_state::from_json(answer->body);
}

}  // namespace quikedge::server
