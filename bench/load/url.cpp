// URL parsing for quikedge-bench.
#include "load/url.hpp"

#include "common/host_port.hpp"

namespace quikedge::bench::load {

bool parse_url(std::string_view text, url& out, std::string& error) {
  constexpr std::string_view scheme = "http://";
  if (!text.starts_with(scheme)) {
    error = "--url must start with http:// (TLS is not supported)";
    return false;
  }
  text.remove_prefix(scheme.size());
  const std::size_t slash = text.find_first_of("/?");
  const std::string_view authority = text.substr(0, slash);
  std::string_view target = slash == std::string_view::npos ? "/" : text.substr(slash);
  if (authority.empty() || authority.find('@') != std::string_view::npos) {
    error = "--url needs a host (and no user info)";
    return false;
  }
  out.authority = std::string(authority);
  const bool has_port = authority.starts_with('[') ? authority.find("]:") != std::string_view::npos
                                                   : authority.find(':') != std::string_view::npos;
  if (has_port) {
    if (!split_host_port(authority, out.host, out.port)) {
      error = "bad host:port in --url";
      return false;
    }
  } else {
    out.host = std::string(authority.starts_with('[') && authority.ends_with(']')
                               ? authority.substr(1, authority.size() - 2)
                               : authority);
    out.port = 80;
  }
  const std::size_t fragment = target.find('#');
  target = target.substr(0, fragment);
  // "http://host?q" asks for "/?q": the path of an origin-form target is never empty.
  out.target = std::string(target);
  if (out.target.starts_with('?')) {
    out.target.insert(out.target.begin(), '/');
  }
  return true;
}

}  // namespace quikedge::bench::load
