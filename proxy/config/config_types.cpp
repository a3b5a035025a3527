// Small member functions of the plain config types (config.hpp, config_loader.hpp).
#include <algorithm>

#include "quikedge/config.hpp"
#include "quikedge/config_loader.hpp"

namespace quikedge {

std::string address::to_string() const {
  // An IPv6 literal needs brackets, or its colons would run into the port's.
  if (host.find(':') != std::string::npos) {
    return "[" + host + "]:" + std::to_string(port);
  }
  return host + ":" + std::to_string(port);
}

const stack_config* config::find_stack(const std::string& name) const {
  auto it = std::find_if(stacks.begin(), stacks.end(),
                         [&](const stack_config& s) { return s.name == name; });
  return it == stacks.end() ? nullptr : &*it;
}

std::string config_error::to_string() const {
  // Editors and CI annotators parse FILE:LINE:COL; without a position keep FILE: only.
  if (line <= 0) {
    return file + ": " + message;
  }
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

}  // namespace quikedge
