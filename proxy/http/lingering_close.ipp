// downstream_connection: closing. A lingering close reads and drops what the
// client still sends, because closing with unread bytes makes the kernel send
// RST, which can destroy the response before the client reads it. Included by
// downstream_connection_*.cpp.
#pragma once

#include "http/downstream_connection.hpp"
#include "http/stream_traits.hpp"

namespace quikedge::http {

namespace linger_detail {
// How long a closing connection keeps draining the client.
constexpr std::chrono::milliseconds linger_time{2000};
}  // namespace linger_detail

template <class ClientStream, template <class> class Exchange>
void downstream_connection<ClientStream, Exchange>::close(bool linger) {
  if (phase_ == phase::closed) {
    return;
  }
  phase_ = phase::closed;
  exchange_.release_upstream(false);
  if (exchange_.end_upload()) {
    // A read of the body is still pending on the client: no second reader.
    linger = false;
  }
  error_code ignored;
  auto& socket = lowest_socket(client_);
  if (!linger) {
    // close() alone sends the FIN (or the RST unread bytes would cause either
    // way): a shutdown first would only cost a syscall, on every failed or
    // abandoned TLS handshake among others.
    clear_deadline();
    socket.close(ignored);
    return;
  }
  socket.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
  set_deadline(linger_detail::linger_time);
  do_linger();
}

template <class ClientStream, template <class> class Exchange>
void downstream_connection<ClientStream, Exchange>::do_linger() {
  client_in_.clear();
  client_in_.prepare(read_chunk, client_in_.capacity() + read_chunk);
  client_.async_read_some(boost::asio::buffer(client_in_.write_ptr(), client_in_.write_space()),
                          [self = this->shared_from_this()](const error_code& ec, std::size_t) {
                            if (ec) {
                              error_code ignored;
                              self->clear_deadline();
                              lowest_socket(self->client_).close(ignored);
                              return;
                            }
                            self->do_linger();
                          });
}

}  // namespace quikedge::http
