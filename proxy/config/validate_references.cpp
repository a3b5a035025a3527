// Cross-reference layer: checks between entries and sections (weights name
// stacks, listeners do not collide, admin is protected), and the entry points.
#include <map>

#include "config/parse_values.hpp"
#include "config/validate.hpp"

namespace quikedge::config_detail {

namespace {

std::string in_quotes(const std::string& text) {
  return "\"" + text + "\"";
}

// Two binds collide on the same port when the hosts are equal or either one is a
// wildcard, which already covers every address of the machine.
bool binds_collide(const address& a, const address& b) {
  if (a.port != b.port || a.port == 0) {
    return false;  // port 0 asks the kernel for a fresh port each time
  }
  return a.host == b.host || is_wildcard_host(a.host) || is_wildcard_host(b.host);
}

void check_weights_name_stacks(const config& cfg, reporter& report) {
  if (!report.readable("stacks")) {
    return;  // the stacks section is already reported; every name would look unknown
  }
  std::string names;
  for (const stack_config& s : cfg.stacks) {
    names += (names.empty() ? "" : ", ") + s.name;
  }
  for (const auto& [name, weight] : cfg.routing.weights) {
    if (cfg.find_stack(name) == nullptr) {
      report.at_key("routing.weights." + name,
                    "weight for unknown stack " + in_quotes(name) + " (stacks: " + names + ")");
    }
  }
}

void check_listeners(const config& cfg, reporter& report) {
  std::map<std::string, std::size_t> names;
  for (std::size_t i = 0; i < cfg.listeners.size(); ++i) {
    const listener_config& l = cfg.listeners[i];
    std::string path = "listeners[" + std::to_string(i) + "]";
    if (report.usable(path + ".name") && !l.name.empty()) {
      auto [first, inserted] = names.emplace(l.name, i);
      if (!inserted) {
        report.at_value(path + ".name", "listener name " + in_quotes(l.name) +
                                            " is already used by listeners[" +
                                            std::to_string(first->second) + "]");
      }
    }
    if (!report.usable(path + ".address")) {
      continue;
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (report.usable("listeners[" + std::to_string(j) + "].address") &&
          binds_collide(cfg.listeners[j].bind, l.bind)) {
        report.at_value(path + ".address", "address " + in_quotes(l.bind.to_string()) +
                                               " is already used by listeners[" +
                                               std::to_string(j) + "] (" +
                                               cfg.listeners[j].bind.to_string() + ")");
        break;
      }
    }
    if (report.usable("admin.address") && binds_collide(cfg.admin.bind, l.bind)) {
      report.at_value(path + ".address", "address " + in_quotes(l.bind.to_string()) +
                                             " collides with admin.address " +
                                             in_quotes(cfg.admin.bind.to_string()));
    }
  }
}

void check_admin(const config& cfg, reporter& report) {
  const admin_config& admin = cfg.admin;
  // Without tokens the admin API has no authentication, so only this machine may reach it.
  if (report.usable("admin.address") && report.usable("admin.tokens") && admin.tokens.empty() &&
      !is_loopback_host(admin.bind.host)) {
    report.at_value("admin.address", "admin address " + in_quotes(admin.bind.to_string()) +
                                         " is not loopback, so admin.tokens must be configured "
                                         "(without tokens the admin API has no authentication)");
  }
  std::map<std::string, std::size_t> names;
  std::map<std::string, std::size_t> hashes;
  for (std::size_t i = 0; i < admin.tokens.size(); ++i) {
    const admin_token& t = admin.tokens[i];
    std::string path = "admin.tokens[" + std::to_string(i) + "]";
    // The audit log names the token, so two tokens with one name hide who acted.
    if (report.usable(path + ".name") && !t.name.empty()) {
      auto [first, inserted] = names.emplace(t.name, i);
      if (!inserted) {
        report.at_value(path + ".name", "token name " + in_quotes(t.name) +
                                            " is already used by admin.tokens[" +
                                            std::to_string(first->second) + "]");
      }
    }
    // One secret with two roles would make the granted role depend on list order.
    if (report.usable(path + ".token_sha256") && t.token_sha256.size() == 64) {
      auto [first, inserted] = hashes.emplace(t.token_sha256, i);
      if (!inserted) {
        report.at_value(path + ".token_sha256",
                        "the same token is already configured as admin.tokens[" +
                            std::to_string(first->second) + "]");
      }
    }
  }
}

}  // namespace

void validate_references(const config& cfg, const source_map& where, error_list& errors) {
  reporter report(where, errors);
  check_weights_name_stacks(cfg, report);
  check_listeners(cfg, report);
  check_admin(cfg, report);
}

void validate_config(const config& cfg, const source_map& where, error_list& errors) {
  validate_values(cfg, where, errors);
  validate_references(cfg, where, errors);
}

std::vector<config_error> validate_config(const config& cfg) {
  source_map no_positions;
  error_list errors(cfg.source_file);
  validate_config(cfg, no_positions, errors);
  return errors.take_sorted();
}

}  // namespace quikedge::config_detail
