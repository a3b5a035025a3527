// The TLS instantiation of http_session (listeners with `tls:`).
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>

#include "http/http_session.hpp"
#include "http/http_session_proxy.ipp"
#include "http/http_session_request.ipp"
#include "http/http_session_response.ipp"
#include "http/ws_tunnel.ipp"

namespace quikedge::http {

using tls_stream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;
template class http_session<tls_stream>;
template class ws_tunnel<tls_stream>;

}  // namespace quikedge::http
