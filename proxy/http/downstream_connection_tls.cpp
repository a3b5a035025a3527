// The TLS instantiation of downstream_connection (listeners with `tls:`).
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>

#include "http/downstream_connection_impl.ipp"

namespace quikedge::http {

using tls_stream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;
using tls_connection = downstream_connection<tls_stream>;
template class downstream_connection<tls_stream>;
template class upstream_exchange<tls_connection>;
template class ws_tunnel<tls_stream>;
static_assert(exchange_downstream<tls_connection>);

}  // namespace quikedge::http
