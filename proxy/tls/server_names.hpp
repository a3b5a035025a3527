// SNI name lookup: which of a listener's certificates serves a requested host
// name. Pure; built on the control thread, read by any worker.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace quikedge::tls {

class server_names {
 public:
  /// Adds `name` ("app.example.com" or "*.example.com", any case) for
  /// certificate `index`. A name already added keeps its first certificate,
  /// so the order of the config decides, as for the default.
  void add(std::string_view name, std::size_t index);

  /// The certificate for the SNI `host`: an exact name first, then a
  /// wildcard covering exactly one leading label ("*.example.com" serves
  /// "a.example.com", not "example.com" nor "a.b.example.com", RFC 6125 6.4.3).
  /// nullopt: no certificate names it (the caller uses the default).
  [[nodiscard]] std::optional<std::size_t> find(std::string_view host) const;

  [[nodiscard]] bool empty() const { return exact_.empty() && wildcard_.empty(); }

 private:
  std::unordered_map<std::string, std::size_t> exact_;
  std::unordered_map<std::string, std::size_t> wildcard_;  ///< key: the part after "*."
};

/// Lower-cases ASCII and drops one trailing dot ("App.Example.COM." → "app.example.com").
std::string normalize_host(std::string_view host);

}  // namespace quikedge::tls
