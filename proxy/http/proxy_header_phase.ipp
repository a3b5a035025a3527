// downstream_connection, PROXY protocol phase: on listeners with
// `proxy_protocol: true` the connection must open with a v1 or v2 header naming
// the real client; without a valid one it is closed. The header is peeked, then
// exactly its bytes are read, so a TLS ClientHello behind it stays in the socket
// for the handshake. Included by downstream_connection_*.cpp.
#pragma once

#include <sys/socket.h>

#include <cerrno>

#include "http/downstream_connection.hpp"
#include "http/proxy_protocol.hpp"
#include "util/log.hpp"

namespace quikedge::http {

template <class ClientStream, template <class> class Exchange>
void downstream_connection<ClientStream, Exchange>::do_read_proxy_header() {
  set_deadline(context_.table->settings().timeouts.request_header);
  lowest_socket(client_).async_wait(boost::asio::ip::tcp::socket::wait_read,
                                    [self = this->shared_from_this()](const error_code& ec) {
                                      self->on_proxy_header_readable(ec);
                                    });
}

template <class ClientStream, template <class> class Exchange>
void downstream_connection<ClientStream, Exchange>::on_proxy_header_readable(const error_code& ec) {
  if (ec || phase_ == phase::closed) {
    close(false);
    return;
  }
  // client_in_ holds the bytes taken so far; they are all header bytes, since
  // the header was incomplete without them.
  const int fd = lowest_socket(client_).native_handle();
  client_in_.prepare(max_proxy_header_bytes, max_proxy_header_bytes + read_chunk);
  const std::size_t room = max_proxy_header_bytes - client_in_.size();
  ssize_t peeked = ::recv(fd, client_in_.write_ptr(), room, MSG_PEEK | MSG_DONTWAIT);
  if (peeked < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
    do_read_proxy_header();
    return;
  }
  if (peeked <= 0) {
    close(false);
    return;
  }
  proxy_header header;
  const std::string_view seen(client_in_.data(),
                              client_in_.size() + static_cast<std::size_t>(peeked));
  const auto status = parse_proxy_header(seen, header);
  if (status == proxy_parse_status::invalid ||
      (status == proxy_parse_status::incomplete && seen.size() >= max_proxy_header_bytes)) {
    log::debug(std::string("closing a connection without a valid PROXY header: ") +
               std::string(header.reason));
    close(false);
    return;
  }
  // Take exactly the header's bytes off the socket (all of them were peeked).
  const std::size_t take = status == proxy_parse_status::ok
                               ? header.header_bytes - client_in_.size()
                               : static_cast<std::size_t>(peeked);
  ssize_t got = ::recv(fd, client_in_.write_ptr(), take, MSG_DONTWAIT);
  if (got != static_cast<ssize_t>(take)) {
    close(false);
    return;
  }
  if (status == proxy_parse_status::incomplete) {
    client_in_.commit(take);
    do_read_proxy_header();
    return;
  }
  client_in_.clear();
  if (!header.local) {
    set_client_address(header.source.address());
  }
  start_protocol();
}

}  // namespace quikedge::http
