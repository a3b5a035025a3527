// Binary upgrade, old side: hello → sockets + fds → took_over → stopped → exiting.
#include "server/upgrade_server.hpp"

#include <unistd.h>

#include <boost/json.hpp>

#include <iostream>

#include "util/log.hpp"

namespace quikedge::server {
namespace {

using namespace std::chrono_literals;

// The successor greets at once after connecting.
constexpr auto hello_timeout = 2s;
// It starts its workers on our sockets before it says "took_over"; generous
// for slow (sanitizer) builds. Until then this process serves as before.
constexpr auto took_over_timeout = 60s;

}  // namespace

upgrade_server::upgrade_server(boost::asio::io_context& io, std::string path, hooks h)
    : io_(io), path_(std::move(path)), hooks_(std::move(h)), listener_(io), peer_timer_(io) {}

bool upgrade_server::start() {
  std::string error;
  if (!listener_.open(path_, error)) {
    log::warn("upgrade socket " + path_ + ": cannot listen (" + error +
              "); a binary upgrade of this process will have to bind anew");
    return false;
  }
  listener_.accept([this](handover_socket peer) { on_peer(std::move(peer)); });
  return true;
}

void upgrade_server::stop() {
  listener_.close(!taken_over_);
  if (peer_wait_) {
    boost::system::error_code ignored;
    peer_wait_->close(ignored);
  }
  peer_timer_.cancel();
}

void upgrade_server::on_peer(handover_socket peer) {
  if (peer_.is_open() || taken_over_) {
    log::warn("upgrade: a second process connected during a hand-over; refused");
    return;  // closed as `peer` goes out of scope
  }
  std::string error;
  auto hello = peer.receive(hello_timeout, error);
  if (!hello || hello->type != "hello") {
    log::warn("upgrade: a process connected but did not say hello (" +
              (hello ? hello->type : error) + "); ignored");
    return;
  }
  boost::system::error_code ec;
  auto body = boost::json::parse(hello->body, ec);
  pid_t pid = 0;
  if (!ec && body.is_object() && body.as_object().contains("pid") &&
      body.as_object().at("pid").is_int64()) {
    pid = static_cast<pid_t>(body.as_object().at("pid").as_int64());
  }
  peer_ = std::move(peer);
  peer_pid_ = pid;
  if (!send_sockets(pid)) {
    return;
  }
  wait_for_took_over();
}

bool upgrade_server::send_sockets(pid_t peer_pid) {
  const auto sockets = hooks_.sockets();
  const int admin_fd = hooks_.admin_fd ? hooks_.admin_fd() : -1;
  boost::json::array described;
  std::vector<int> fds;
  for (const auto& socket : sockets) {
    described.push_back(
        boost::json::object{{"name", socket.name}, {"configured", socket.configured}});
    fds.push_back(socket.fd);
  }
  boost::json::object header{{"pid", static_cast<std::int64_t>(::getpid())},
                             {"sockets", std::move(described)},
                             {"state", boost::json::parse(hooks_.state_json())}};
  if (admin_fd >= 0) {
    header["admin"] = hooks_.admin_configured;
    fds.push_back(admin_fd);
  } else {
    log::warn("upgrade: the admin listening socket was not found; the successor binds its own");
  }
  std::string error;
  bool sent = peer_.send({"sockets", boost::json::serialize(header), {}}, error);
  for (std::size_t at = 0; sent && at < fds.size(); at += handover_socket::max_fds_per_frame) {
    const auto end = std::min(fds.size(), at + handover_socket::max_fds_per_frame);
    sent = peer_.send({"fds", "{}", std::vector<int>(fds.begin() + at, fds.begin() + end)}, error);
  }
  if (!sent) {
    drop_peer("cannot hand over the sockets to pid " + std::to_string(peer_pid) + ": " + error);
    return false;
  }
  log::info("upgrade: handed " + std::to_string(fds.size()) + " listening sockets to pid " +
            std::to_string(peer_pid));
  return true;
}

void upgrade_server::wait_for_took_over() {
  peer_wait_ =
      std::make_unique<boost::asio::posix::stream_descriptor>(io_, ::dup(peer_.native_handle()));
  peer_timer_.expires_after(took_over_timeout);
  peer_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) {
      drop_peer("pid " + std::to_string(peer_pid_) + " did not take over within " +
                std::to_string(took_over_timeout.count()) + " s");
    }
  });
  peer_wait_->async_wait(
      boost::asio::posix::descriptor_base::wait_read, [this](const boost::system::error_code& ec) {
        if (ec || !peer_.is_open()) {
          return;
        }
        peer_timer_.cancel();
        std::string error;
        auto frame = peer_.receive(std::chrono::milliseconds(1000), error);
        if (!frame || frame->type != "took_over") {
          drop_peer("pid " + std::to_string(peer_pid_) + " went away before taking over (" +
                    (frame ? "unexpected " + frame->type : error) + ")");
          return;
        }
        on_took_over();
      });
}

void upgrade_server::on_took_over() {
  taken_over_ = true;
  // The successor accepts on every socket now; this process stops accepting
  // and changing state, and its last state goes to the successor.
  listener_.close(false);  // the path is the successor's from now on
  hooks_.stop_serving();
  std::string error;
  if (!peer_.send({"stopped", hooks_.state_json(), {}}, error)) {
    log::warn("upgrade: pid " + std::to_string(peer_pid_) + " went away after taking over (" +
              error + "); draining anyway");
  }
  std::cout << "quikedge: handed over to pid " << peer_pid_ << "; draining" << std::endl;
  hooks_.drain_and_exit();
}

void upgrade_server::say_exiting() {
  if (peer_.is_open()) {
    std::string ignored;
    peer_.send({"exiting", "{}", {}}, ignored);
  }
}

void upgrade_server::drop_peer(const std::string& why) {
  log::warn("upgrade: " + why + "; this process keeps serving");
  if (peer_wait_) {
    boost::system::error_code ignored;
    peer_wait_->close(ignored);
    peer_wait_.reset();
  }
  peer_timer_.cancel();
  peer_.close();
  peer_pid_ = 0;
}

}  // namespace quikedge::server
