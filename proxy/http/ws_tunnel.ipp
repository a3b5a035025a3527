// ws_tunnel, relaying: start, then each direction reads, forwards and waits for
// its write before reading again. The close is in ws_tunnel_close.ipp. Included
// by downstream_connection_*.cpp next to the connection.
#pragma once

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/write.hpp>

#include <cstring>
#include <utility>

#include "http/ws_tunnel.hpp"
#include "net/immediate_write.hpp"
#include "net/wait_allocator.hpp"

namespace quikedge::http {

namespace tunnel_detail {

// After our close frames went out, how long the peers get to close their side
// before the proxy drops the connection.
constexpr std::chrono::milliseconds close_grace{2000};

// The TCP socket under the client stream.
template <class Stream>
auto& socket_of(Stream& stream) {
  if constexpr (is_tls_stream<Stream>) {
    return stream.next_layer();
  } else {
    return stream;
  }
}

}  // namespace tunnel_detail

template <class ClientStream>
ws_tunnel<ClientStream>::ws_tunnel(session_context& context, ClientStream client,
                                   upstream::upstream_connection_ptr upstream,
                                   routing::stack_id stack_id,
                                   std::chrono::milliseconds idle_timeout,
                                   util::byte_buffer client_pending,
                                   util::byte_buffer upstream_pending)
    : context_(context),
      client_(std::move(client)),
      upstream_(std::move(upstream)),
      idle_timeout_(idle_timeout) {
  stack = stack_id;
  to_upstream_.pending = std::move(client_pending);
  to_client_.pending = std::move(upstream_pending);
  std::uint64_t mask = 0;
  std::string id;
  context_.request_ids.next(id);
  std::memcpy(&mask, id.data(), sizeof mask);
  ws_close_frame_from_client(static_cast<std::uint32_t>(mask), masked_close_);
  context_.tunnels.link(*this);
  metrics::bump_release(context_.metrics.stack(stack).websockets_opened);
}

template <class ClientStream>
ws_tunnel<ClientStream>::~ws_tunnel() {
  context_.tunnels.unlink(*this);
  context_.buffers.release(std::move(to_upstream_.buffer));
  context_.buffers.release(std::move(to_client_.buffer));
  metrics::bump_release(context_.metrics.stack(stack).websockets_closed);
  context_.open_connections.fetch_sub(1, std::memory_order_relaxed);
}

template <class ClientStream>
void ws_tunnel<ClientStream>::start() {
  error_code ignored;
  if constexpr (!is_tls_stream<ClientStream>) {
    tunnel_detail::socket_of(client_).non_blocking(true, ignored);
  }
  if (!upstream_->stream.is_tls()) {
    upstream_->socket.non_blocking(true, ignored);
  }
  touch();
  // A drain may already be running for this stack (an override or sticky client
  // reached it): the tunnel closes by the end of that window like the others.
  // A drain that already ended does not apply to a tunnel opened after it.
  for (const auto& entry : context_.table->stacks()) {
    if (entry.id == stack && entry.draining) {
      close_at = std::max(entry.drain_until, clock::now());
    }
  }
  pump(side::client);
  pump(side::upstream);
}

template <class ClientStream>
void ws_tunnel<ClientStream>::touch() {
  if (!closing && idle_timeout_.count() > 0) {
    idle_until = clock::now() + idle_timeout_;
  }
}

template <class ClientStream>
void ws_tunnel<ClientStream>::pump(side from) {
  direction& d = dir(from);
  if (finished_ || d.source_done || d.reading || d.writing) {
    return;
  }
  // The HTTP session's read buffers came along with its leftover bytes; once
  // those are relayed, an idle tunnel keeps no buffer at all.
  d.pending.release();
  if (!d.pending.empty()) {
    if (!d.buffer) {
      d.buffer = context_.buffers.acquire();
    }
    const std::size_t n = std::min(d.pending.size(), buffer_pool::buffer_size);
    std::memcpy(d.buffer.get(), d.pending.data(), n);
    d.pending.consume(n);
    forward(from, n);
    return;
  }
  d.reading = true;
  // TLS buffers records, so socket readiness says nothing: read through the
  // TLS layer into a buffer held while the read is pending.
  auto on_read = [self = this->shared_from_this(), from](const error_code& ec, std::size_t n) {
    self->on_tls_read(from, ec, n);
  };
  if constexpr (is_tls_stream<ClientStream>) {
    if (from == side::client) {
      if (!d.buffer) {
        d.buffer = context_.buffers.acquire();
      }
      client_.async_read_some(boost::asio::buffer(d.buffer.get(), buffer_pool::buffer_size),
                              on_read);
      return;
    }
  }
  if (from == side::upstream && upstream_->stream.is_tls()) [[unlikely]] {
    if (!d.buffer) {
      d.buffer = context_.buffers.acquire();
    }
    upstream_->stream.async_read_some(boost::asio::buffer(d.buffer.get(), buffer_pool::buffer_size),
                                      on_read);
    return;
  }
  if (d.hot) {
    read_posted(from);
    return;
  }
  // An idle tunnel waits here for as long as it is quiet: memory sized for the wait.
  auto on_ready = net::with_wait_memory([self = this->shared_from_this(), from](
                                            const error_code& ec) { self->on_readable(from, ec); });
  if (from == side::client) {
    tunnel_detail::socket_of(client_).async_wait(boost::asio::socket_base::wait_read, on_ready);
  } else {
    upstream_->socket.async_wait(boost::asio::socket_base::wait_read, on_ready);
  }
}

template <class ClientStream>
void ws_tunnel<ClientStream>::on_readable(side from, const error_code& ec) {
  direction& d = dir(from);
  d.reading = false;
  if (finished_) {
    return;
  }
  if (ec) {
    source_finished(from);
    return;
  }
#ifdef QUIKEDGE_IO_URING_BUILD
  // The bytes are there: the recv SQE completes inside the loop's next
  // io_uring_enter, where a read_some here would be a syscall of its own.
  read_posted(from);
#else
  if (!d.buffer) {
    d.buffer = context_.buffers.acquire();
  }
  auto& socket = from == side::client ? tunnel_detail::socket_of(client_) : upstream_->socket;
  error_code read_ec;
  const std::size_t n =
      socket.read_some(boost::asio::buffer(d.buffer.get(), buffer_pool::buffer_size), read_ec);
  on_read(from, read_ec, n);
#endif
}

template <class ClientStream>
void ws_tunnel<ClientStream>::read_posted(side from) {
  direction& d = dir(from);
  if (!d.buffer) {
    d.buffer = context_.buffers.acquire();
  }
  auto& socket = from == side::client ? tunnel_detail::socket_of(client_) : upstream_->socket;
  d.reading = true;
  socket.async_read_some(
      boost::asio::buffer(d.buffer.get(), buffer_pool::buffer_size),
      boost::asio::bind_cancellation_slot(
          d.cancel_read.slot(),
          [self = this->shared_from_this(), from](const error_code& ec, std::size_t n) {
            direction& read = self->dir(from);
            read.reading = false;
            if (ec == boost::asio::error::operation_aborted && !self->finished_) {
              // cool_down() took the read back: wait for bytes without a buffer.
              read.hot = false;
              self->context_.buffers.release(std::move(read.buffer));
              self->pump(from);
              return;
            }
            self->on_read(from, ec, n);
          }));
}

template <class ClientStream>
void ws_tunnel<ClientStream>::release_idle_buffers() {
  if (closing || finished_) {
    return;
  }
  cool_down(side::client);
  cool_down(side::upstream);
}

template <class ClientStream>
void ws_tunnel<ClientStream>::cool_down(side from) {
  direction& d = dir(from);
  const bool moved = std::exchange(d.moved, false);
  if (!d.hot || moved || !d.reading) {
    return;
  }
  d.hot = false;
  // Only the posted read: the other direction may be writing to this socket.
  d.cancel_read.emit(boost::asio::cancellation_type::total);
}

template <class ClientStream>
void ws_tunnel<ClientStream>::on_read(side from, const error_code& read_ec, std::size_t n) {
  direction& d = dir(from);
  if (finished_) {
    context_.buffers.release(std::move(d.buffer));
    return;
  }
  if (read_ec == boost::asio::error::would_block || read_ec == boost::asio::error::try_again) {
    context_.buffers.release(std::move(d.buffer));
    pump(from);
    return;
  }
  if (read_ec) {
    context_.buffers.release(std::move(d.buffer));
    source_finished(from);
    return;
  }
  if (d.close_sent) {
    // The peer's last frames after our close: dropped until it closes too.
    context_.buffers.release(std::move(d.buffer));
    pump(from);
    return;
  }
  d.moved = true;
#ifdef QUIKEDGE_IO_URING_BUILD
  d.hot = true;
#endif
  forward(from, n);
}

template <class ClientStream>
void ws_tunnel<ClientStream>::on_tls_read(side from, const error_code& ec, std::size_t n) {
  direction& d = dir(from);
  d.reading = false;
  if (finished_) {
    return;
  }
  if (ec) {
    context_.buffers.release(std::move(d.buffer));
    source_finished(from);
    return;
  }
  if (d.close_sent) {
    pump(from);
    return;
  }
  forward(from, n);
}

template <class ClientStream>
void ws_tunnel<ClientStream>::forward(side from, std::size_t n) {
  direction& d = dir(from);
  touch();
  std::string_view bytes(d.buffer.get(), n);
  std::size_t send = n;
  if (closing) {
    // Closing: forward only up to the end of the frame in progress.
    send = d.frames.at_boundary() ? 0 : d.frames.advance(bytes, true);
  } else {
    d.frames.advance(bytes, false);
  }
  if (send == 0) {
    context_.buffers.release(std::move(d.buffer));
    send_close_frame(from);
    return;
  }
  d.writing = true;
  auto on_written = [self = this->shared_from_this(), from](const error_code& ec, std::size_t) {
    self->on_forwarded(from, ec);
  };
  auto payload = boost::asio::buffer(d.buffer.get(), send);
  if (from == side::client) {
    upstream::async_write_all(upstream_->stream, payload, std::move(on_written));
  } else if constexpr (std::is_same_v<ClientStream, boost::asio::ip::tcp::socket>) {
    net::write_immediately(client_, payload, std::move(on_written));
  } else {
    boost::asio::async_write(client_, payload, std::move(on_written));
  }
}

template <class ClientStream>
void ws_tunnel<ClientStream>::on_forwarded(side from, const error_code& ec) {
  direction& d = dir(from);
  d.writing = false;
  if (!d.hot) {
    context_.buffers.release(std::move(d.buffer));  // a hot direction reads into it again
  }
  if (ec) {
    shutdown_all();
    return;
  }
  if (closing && d.frames.at_boundary()) {
    send_close_frame(from);
    return;
  }
  pump(from);
}

}  // namespace quikedge::http
