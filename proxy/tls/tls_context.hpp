// TLS server contexts for listeners with `tls:` (certificate and key files).
#pragma once

#include <boost/asio/ssl/context.hpp>

#include <memory>

#include "quikedge/config.hpp"

namespace quikedge::tls {

/// A server context with TLS 1.2+ and the listener's certificate chain and key.
/// Throws std::runtime_error with the file and OpenSSL's reason when they do not load.
std::shared_ptr<boost::asio::ssl::context> make_server_context(const tls_config& settings);

}  // namespace quikedge::tls
