// Shape layer for a listener's `tls:` block: the single certificate/private_key
// (/ocsp_staple) form, the `certificates:` list, min_version, alpn and
// session_tickets.
#include "config/read_sections.hpp"

namespace quikedge::config_detail {
namespace {

/// Reads certificate and private_key (both required) from `entries` of `parent`.
tls_certificate_config read_pair(const fields& entries, const std::string& parent,
                                 read_context& ctx) {
  node_reader& r = ctx.reader;
  tls_certificate_config pair;
  if (const field* cert = r.require(entries, parent, "certificate")) {
    if (r.read_string(*cert, pair.certificate)) {
      pair.certificate = ctx.resolve(pair.certificate);
    }
  }
  if (const field* key = r.require(entries, parent, "private_key")) {
    if (r.read_string(*key, pair.private_key)) {
      pair.private_key = ctx.resolve(pair.private_key);
    }
  }
  if (const field* staple = find_field(entries, "ocsp_staple")) {
    if (r.read_string(*staple, pair.ocsp_staple)) {
      pair.ocsp_staple = ctx.resolve(pair.ocsp_staple);
    }
  }
  return pair;
}

void read_string_list(const field& f, node_reader& r, std::vector<std::string>& out) {
  auto items = r.list_items(f.value, f.path);
  if (!items) {
    return;
  }
  out.clear();
  for (const field& item : *items) {
    std::string value;
    r.read_string(item, value);
    out.push_back(std::move(value));  // kept even when unreadable: indexes match the file
  }
}

void read_certificate_list(const field& f, read_context& ctx, tls_config& out) {
  node_reader& r = ctx.reader;
  auto items = r.list_items(f.value, f.path);
  if (!items) {
    return;
  }
  if (items->empty()) {
    r.fail(f.path, f.path + ": at least one certificate is required");
    return;
  }
  for (const field& item : *items) {
    auto entries = r.map_entries(item.value, item.path,
                                 {"certificate", "private_key", "server_names", "ocsp_staple"});
    if (!entries) {
      out.certificates.emplace_back();  // keeps indexes equal to the file's
      continue;
    }
    tls_certificate_config pair = read_pair(*entries, item.path, ctx);
    if (const field* names = find_field(*entries, "server_names")) {
      read_string_list(*names, r, pair.server_names);
    }
    out.certificates.push_back(std::move(pair));
  }
}

void read_min_version(const field& f, node_reader& r, tls_config& out) {
  std::string text;
  if (!r.read_string(f, text)) {
    return;
  }
  if (text == "1.2") {
    out.min_version = tls_version::v1_2;
  } else if (text == "1.3") {
    out.min_version = tls_version::v1_3;
  } else if (text == "1.0" || text == "1.1") {
    // Said outright: these are not forgotten choices but refused ones.
    r.fail(f.path, f.path + ": TLS " + text +
                       " is not allowed (deprecated by RFC 8996); use \"1.2\" or \"1.3\"");
  } else {
    r.fail(f.path, f.path + ": must be one of \"1.2\", \"1.3\", got \"" + text + "\"");
  }
}

}  // namespace

void read_tls(const field& f, read_context& ctx, listener_config& out) {
  node_reader& r = ctx.reader;
  auto entries = r.map_entries(f.value, f.path,
                               {"certificates", "certificate", "private_key", "ocsp_staple",
                                "min_version", "alpn", "session_tickets"});
  if (!entries) {
    return;
  }
  tls_config tls;
  const field* list = find_field(*entries, "certificates");
  const bool single = find_field(*entries, "certificate") != nullptr ||
                      find_field(*entries, "private_key") != nullptr ||
                      find_field(*entries, "ocsp_staple") != nullptr;
  if (list != nullptr && single) {
    r.fail_at_key(list->path, list->path +
                                  ": write either certificate/private_key or a certificates "
                                  "list, not both");
  } else if (list != nullptr) {
    read_certificate_list(*list, ctx, tls);
  } else if (single) {
    tls.single_pair = true;
    tls.certificates.push_back(read_pair(*entries, f.path, ctx));
  } else {
    r.fail_at_key(f.path, f.path + ": needs certificate and private_key, or a certificates list");
  }
  for (const field& e : *entries) {
    if (e.key == "min_version") {
      read_min_version(e, r, tls);
    } else if (e.key == "alpn") {
      read_string_list(e, r, tls.alpn);
    } else if (e.key == "session_tickets") {
      r.read_bool(e, tls.session_tickets);
    }
  }
  out.tls = std::move(tls);
}

}  // namespace quikedge::config_detail
