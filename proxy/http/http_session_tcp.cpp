// The plain-TCP instantiation of http_session.
#include <boost/asio/ip/tcp.hpp>

#include "http/http_session.hpp"
#include "http/http_session_proxy.ipp"
#include "http/http_session_request.ipp"
#include "http/http_session_response.ipp"
#include "http/ws_tunnel.ipp"

namespace quikedge::http {

template class http_session<boost::asio::ip::tcp::socket>;
template class ws_tunnel<boost::asio::ip::tcp::socket>;

}  // namespace quikedge::http
