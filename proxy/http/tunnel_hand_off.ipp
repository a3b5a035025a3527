// downstream_connection: after a 101, the 101 goes to the client and then the
// client stream and the upstream connection belong to a ws_tunnel. Included by
// downstream_connection_*.cpp.
#pragma once

#include <boost/asio/write.hpp>

#include "http/downstream_connection.hpp"
#include "http/ws_tunnel.hpp"

namespace quikedge::http {

template <class ClientStream, template <class> class Exchange>
void downstream_connection<ClientStream, Exchange>::hand_off(
    upstream::upstream_connection_ptr upstream, util::byte_buffer upstream_in,
    routing::stack_id stack, std::chrono::milliseconds idle_timeout,
    std::string_view response_head) {
  phase_ = phase::closed;
  clear_deadline();
  // The head's storage is the exchange's, which lives as long as this object.
  boost::asio::async_write(client_, boost::asio::buffer(response_head),
                           [self = this->shared_from_this(), upstream = std::move(upstream),
                            upstream_in = std::move(upstream_in), stack,
                            idle_timeout](const error_code& ec, std::size_t) mutable {
                             if (ec) {
                               error_code ignored;
                               upstream->socket.close(ignored);
                               return;
                             }
                             self->handed_off_ = true;
                             std::make_shared<ws_tunnel<ClientStream>>(
                                 self->context_, std::move(self->client_), std::move(upstream),
                                 stack, idle_timeout, std::move(self->client_in_),
                                 std::move(upstream_in))
                                 ->start();
                           });
}

}  // namespace quikedge::http
