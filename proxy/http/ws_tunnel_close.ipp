// ws_tunnel, the end of a tunnel: the polite close a drain or shutdown starts
// (a 1001 close frame to both sides at frame boundaries, then a grace period),
// half-closes passed on, and the final close of both sockets. Included by
// downstream_connection_*.cpp next to ws_tunnel.ipp.
#pragma once

#include <boost/asio/write.hpp>

#include "http/ws_tunnel.hpp"
#include "http/ws_tunnel.ipp"

namespace quikedge::http {

template <class ClientStream>
void ws_tunnel<ClientStream>::begin_close() {
  if (close_started_) {
    shutdown_all();  // the grace period ran out
    return;
  }
  close_started_ = true;
  closing = true;
  close_at = clock::time_point::max();
  idle_until = clock::now() + tunnel_detail::close_grace;
  for (side from : {side::client, side::upstream}) {
    direction& d = dir(from);
    if (!d.writing && d.frames.at_boundary()) {
      send_close_frame(from);
    }
    // Otherwise the frame in progress finishes first; forward() sends the close.
  }
}

template <class ClientStream>
void ws_tunnel<ClientStream>::send_close_frame(side from) {
  direction& d = dir(from);
  if (d.close_sent || finished_) {
    return;
  }
  d.close_sent = true;
  auto after = [self = this->shared_from_this(), from](const error_code& ec, std::size_t) {
    if (ec) {
      self->shutdown_all();
      return;
    }
    // Our side of that connection is done; keep reading the peer's close.
    error_code ignored;
    if (from == side::client) {
      self->upstream_->socket.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
    } else {
      tunnel_detail::socket_of(self->client_)
          .shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
    }
    self->pump(from == side::client ? side::upstream : side::client);
    self->maybe_finish();
  };
  if (from == side::client) {
    upstream::async_write_all(upstream_->stream, boost::asio::buffer(masked_close_), after);
  } else {
    boost::asio::async_write(client_, boost::asio::buffer(ws_close_frame_from_server()), after);
  }
}

template <class ClientStream>
void ws_tunnel<ClientStream>::source_finished(side from) {
  direction& d = dir(from);
  d.source_done = true;
  if (!closing) {
    // Half-close: pass the EOF on and keep relaying the other way.
    error_code ignored;
    if (from == side::client) {
      upstream_->socket.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
    } else {
      tunnel_detail::socket_of(client_).shutdown(boost::asio::ip::tcp::socket::shutdown_send,
                                                 ignored);
    }
  }
  maybe_finish();
}

template <class ClientStream>
void ws_tunnel<ClientStream>::maybe_finish() {
  if (to_upstream_.source_done && to_client_.source_done && !to_upstream_.writing &&
      !to_client_.writing) {
    shutdown_all();
  }
}

template <class ClientStream>
void ws_tunnel<ClientStream>::shutdown_all() {
  if (finished_) {
    return;
  }
  finished_ = true;
  closing = true;
  close_at = idle_until = clock::time_point::max();
  error_code ignored;
  tunnel_detail::socket_of(client_).close(ignored);
  upstream_->socket.close(ignored);
}

}  // namespace quikedge::http
