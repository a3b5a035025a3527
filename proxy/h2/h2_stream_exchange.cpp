// The upstream exchange instantiated for HTTP/2 streams: the same routing,
// pools, retries and records as the HTTP/1 codec's.
#include "h2/h2_stream.hpp"
#include "http/exchange_port.hpp"
#include "http/exchange_retry.ipp"
#include "http/request_relay.ipp"
#include "http/response_relay.ipp"
#include "http/upstream_connect.ipp"
#include "http/upstream_tls_handshake.ipp"

namespace quikedge::http {

template class upstream_exchange<h2::h2_stream>;
static_assert(exchange_downstream<h2::h2_stream>);

}  // namespace quikedge::http
