// The plain-TCP instantiation of downstream_connection.
#include <boost/asio/ip/tcp.hpp>

#include "http/downstream_connection_impl.ipp"

namespace quikedge::http {

using tcp_connection = downstream_connection<boost::asio::ip::tcp::socket>;
template class downstream_connection<boost::asio::ip::tcp::socket>;
template class upstream_exchange<tcp_connection>;
template class ws_tunnel<boost::asio::ip::tcp::socket>;
static_assert(exchange_downstream<tcp_connection>);

}  // namespace quikedge::http
