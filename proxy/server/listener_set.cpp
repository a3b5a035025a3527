// Listener set-up: adopt handed-over sockets first, bind only what is missing.
#include "server/listener_set.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <iostream>

#include "server/listener.hpp"
#include "util/log.hpp"

namespace quikedge::server {
namespace {

using boost::asio::ip::tcp;

tcp::endpoint local_endpoint_of(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  tcp::endpoint endpoint;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    const std::size_t used = std::min<std::size_t>(length, endpoint.capacity());
    std::memcpy(endpoint.data(), &address, used);
    endpoint.resize(used);
  }
  return endpoint;
}

std::string text_of(const tcp::endpoint& endpoint) {
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

inherited_listener* find_inherited(std::vector<inherited_listener>& inherited,
                                   const listener_config& listener) {
  for (auto& candidate : inherited) {
    if (candidate.name == listener.name && candidate.configured == listener.bind.to_string() &&
        !candidate.fds.empty()) {
      return &candidate;
    }
  }
  return nullptr;
}

}  // namespace

void open_listeners(const config& settings, const std::vector<tls::server_context_ptr>& tls,
                    std::vector<std::unique_ptr<worker>>& workers,
                    std::vector<inherited_listener>& inherited,
                    std::vector<listening_socket>& owned) {
  for (std::size_t index = 0; index < settings.listeners.size(); ++index) {
    const auto& listener = settings.listeners[index];
    const tls::server_context_ptr tls_context = index < tls.size() ? tls[index] : nullptr;
    auto endpoint = resolve_bind_address(listener.bind);
    std::vector<bool> served(workers.size(), false);
    if (auto* old = find_inherited(inherited, listener)) {
      // Every old socket has its own accept queue: all of them are accepted on,
      // or connections already queued there would be reset.
      for (std::size_t i = 0; i < old->fds.size(); ++i) {
        auto& w = workers[i % workers.size()];
        const tcp::endpoint local = local_endpoint_of(old->fds[i]);
        tcp::acceptor acceptor(w->io());
        acceptor.assign(local.protocol(), old->fds[i]);
        owned.push_back({listener.name, listener.bind.to_string(), old->fds[i]});
        endpoint = local;
        w->add_acceptor(std::move(acceptor), index, tls_context, listener.proxy_protocol);
        served[i % workers.size()] = true;
      }
      log::info("listener " + listener.name + ": adopted " + std::to_string(old->fds.size()) +
                " sockets from the previous process");
      old->fds.clear();
    }
    // The first acceptor resolves port 0; the others join that port.
    for (std::size_t i = 0; i < workers.size(); ++i) {
      if (served[i]) {
        continue;
      }
      auto acceptor = open_acceptor(workers[i]->io(), endpoint, true);
      endpoint = acceptor.local_endpoint();
      owned.push_back({listener.name, listener.bind.to_string(), acceptor.native_handle()});
      workers[i]->add_acceptor(std::move(acceptor), index, tls_context, listener.proxy_protocol);
    }
    std::cout << "quikedge: listener " << listener.name << " on " << text_of(endpoint) << std::endl;
  }
  for (auto& old : inherited) {
    if (!old.fds.empty()) {
      log::warn("listener " + old.name + " (" + old.configured +
                ") of the previous process is not in this config; closing its " +
                std::to_string(old.fds.size()) + " handed-over sockets");
      for (int fd : old.fds) {
        ::close(fd);
      }
      old.fds.clear();
    }
  }
}

}  // namespace quikedge::server
