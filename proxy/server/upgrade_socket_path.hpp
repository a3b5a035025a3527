// Where the binary-upgrade Unix socket of a config lives. Any thread.
#pragma once

#include <string>

#include "quikedge/config.hpp"

namespace quikedge::server {

/// `upgrade_socket` when set; else the config file's path + ".sock" when its
/// folder is writable and the path fits a sockaddr_un; else a path under /tmp
/// derived from the config file's absolute path (logged). Empty for a config
/// that has no file (the demo): no upgrade then.
std::string upgrade_socket_path(const config& settings);

}  // namespace quikedge::server
