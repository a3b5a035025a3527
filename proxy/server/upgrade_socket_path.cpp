// Upgrade socket path: the configured one, beside the config file, or in /tmp.
#include "server/upgrade_socket_path.hpp"

#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "util/log.hpp"

namespace quikedge::server {
namespace {

constexpr std::size_t max_path = sizeof(sockaddr_un{}.sun_path) - 1;

/// FNV-1a: stable across runs and builds, unlike std::hash.
std::uint64_t fnv1a(const std::string& text) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (unsigned char c : text) {
    hash = (hash ^ c) * 1099511628211ULL;
  }
  return hash;
}

}  // namespace

std::string upgrade_socket_path(const config& settings) {
  if (!settings.upgrade_socket.empty()) {
    return settings.upgrade_socket;
  }
  if (settings.source_file.empty()) {
    return {};
  }
  std::error_code ec;
  auto file = std::filesystem::absolute(settings.source_file, ec).lexically_normal();
  if (ec) {
    file = settings.source_file;
  }
  std::string beside = file.string() + ".sock";
  const auto folder = file.parent_path();
  if (beside.size() <= max_path && ::access(folder.c_str(), W_OK) == 0) {
    return beside;
  }
  // Both processes of an upgrade derive the same name from the same config path.
  char name[64];
  std::snprintf(name, sizeof name, "/tmp/quikedge-%016llx.sock",
                static_cast<unsigned long long>(fnv1a(file.string())));
  log::info("upgrade socket: " + folder.string() +
            " is not writable (or the path is too long); using " + name);
  return name;
}

}  // namespace quikedge::server
