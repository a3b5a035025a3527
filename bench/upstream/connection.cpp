// Request loop, output batching, idle timeout and closing of an upstream connection.
#include "upstream/connection.hpp"

#include "upstream/handlers.hpp"
#include "upstream/request_parser.hpp"
#include "upstream/response_head.hpp"
#include "upstream/route.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <chrono>

namespace quikedge::bench::upstream {
namespace {

namespace asio = boost::asio;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// A read buffer starts small enough for thousands of idle connections and grows only
// for an unusually large request head.
constexpr std::size_t initial_buffer = 16 * 1024;
constexpr std::size_t max_head_size = 64 * 1024;

}  // namespace

connection::connection(asio::ip::tcp::socket socket, upstream_context& context,
                       worker_counters& counters)
    : socket_(std::move(socket)),
      context_(context),
      counters_(counters),
      in_(initial_buffer),
      body_(*this),
      serial_(context.next_connection_serial()) {}

asio::awaitable<void> connection::serve(std::shared_ptr<connection> self) {
  // `self` lives in this coroutine's frame: the connection lives as long as it is served.
  co_await self->run();
}

asio::awaitable<void> connection::run() {
  const std::uint64_t max_requests = context_.options().max_requests_per_conn;
  try {
    for (;;) {
      request_head head;
      parse_result result;
      while ((result = parse_request_head(in_.view(), head)) == parse_result::incomplete) {
        if (full(in_)) {
          if (in_.capacity() >= max_head_size) {
            co_await reply_error(431);
            co_return;
          }
          grow(in_, max_head_size);
        }
        if (!co_await read_more(in_.empty())) {
          co_return;
        }
      }
      if (result == parse_result::bad_request) {
        co_await reply_error(400);
        co_return;
      }
      counters_.count_request();
      ++responses_;
      const bool last = max_requests != 0 && responses_ >= max_requests;
      // The head's views stay valid after consume() until the next read, which is all
      // the handlers need: they copy what they keep before reading the body.
      in_.consume(head.head_size);
      body_.start(head.body, head.content_length);

      const route target = resolve_route(head.target);
      bool keep = true;
      if (!try_fast_response(*this, head, target, last)) {
        keep = co_await handle_request(*this, head, target, last);
      }
      if (!keep) {
        if (co_await flush()) {
          co_await linger_close();
        }
        co_return;
      }
      if (out_.size() >= batch_limit) {
        const bool written = co_await flush();
        if (!written) {
          co_return;
        }
      }
    }
  } catch (const std::exception&) {
    // Only allocation failure can get here; it ends this connection, not the server.
  }
}

asio::awaitable<bool> connection::flush() {
  if (out_.empty()) {
    co_return true;
  }
  auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(out_), use_tuple);
  out_.clear();
  co_return !ec;
}

asio::awaitable<bool> connection::write(asio::const_buffer data) {
  const std::array<asio::const_buffer, 2> buffers{asio::buffer(out_), data};
  auto [ec, n] = co_await asio::async_write(socket_, buffers, use_tuple);
  out_.clear();
  co_return !ec;
}

asio::awaitable<bool> connection::read_more(bool idle) {
  if (!out_.empty()) {
    const bool written = co_await flush();
    if (!written) {
      co_return false;
    }
  }
  const asio::mutable_buffer space = read_space(in_);
  if (space.size() == 0) {
    co_return false;
  }
  const bool timed = idle && context_.options().idle_timeout.count() > 0;
  if (timed) {
    arm_idle_timer();
  }
  auto [ec, n] = co_await socket_.async_read_some(space, use_tuple);
  if (timed) {
    idle_armed_ = false;
    idle_timer_->cancel();
  }
  if (ec) {
    co_return false;
  }
  in_.commit(n);
  co_return true;
}

void connection::arm_idle_timer() {
  if (!idle_timer_) {
    idle_timer_.emplace(socket_.get_executor());
  }
  idle_armed_ = true;
  const std::uint64_t generation = ++idle_generation_;
  idle_timer_->expires_after(context_.options().idle_timeout);
  idle_timer_->async_wait([self = shared_from_this(), generation](boost::system::error_code ec) {
    if (!ec && self->idle_armed_ && self->idle_generation_ == generation) {
      // A plain close, as an idle server does: the client sees EOF on a pooled
      // connection, which is exactly the case a proxy's pool must survive.
      boost::system::error_code ignored;
      self->socket_.close(ignored);
    }
  });
}

asio::awaitable<void> connection::reply_error(int status) {
  response_spec spec;
  spec.status = status;
  spec.keep_alive = false;
  const std::string_view body = reason_phrase(status);
  spec.content_length = body.size() + 1;
  append_response_head(out_, spec, context_.extra_headers());
  out_.append(body);
  out_.push_back('\n');
  if (co_await flush()) {
    co_await linger_close();
  }
}

asio::awaitable<void> connection::linger_close() {
  boost::system::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  if (!ec) {
    // Closing with unread input makes the kernel send RST, which can destroy the
    // response still in flight; so read until the client closes, for at most a second.
    asio::steady_timer deadline(socket_.get_executor(), std::chrono::seconds(1));
    deadline.async_wait([self = shared_from_this()](boost::system::error_code wait_ec) {
      if (!wait_ec) {
        boost::system::error_code ignored;
        self->socket_.close(ignored);
      }
    });
    std::size_t drained = 0;
    while (drained < 4 * max_head_size) {
      in_.clear();
      auto [read_ec, n] = co_await socket_.async_read_some(read_space(in_), use_tuple);
      if (read_ec) {
        break;
      }
      drained += n;
    }
    deadline.cancel();
  }
  socket_.close(ec);
}

}  // namespace quikedge::bench::upstream
