// The seam between a downstream connection (the HTTP/1 codec today; an HTTP/2
// stream or an io_uring socket later) and the upstream exchange that serves one
// of its requests. The exchange is given a parsed request head and reads the
// body and writes the response only through these operations; the downstream
// never touches the upstream connection. Static dispatch: no virtual call on the
// data path. Worker only.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <concepts>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/request_record.hpp"
#include "http/request_state.hpp"
#include "http/session_context.hpp"
#include "upstream/connection_pool.hpp"
#include "util/byte_buffer.hpp"

namespace quikedge::http {

/// What a downstream gives the exchange serving its current request.
///
/// Body source: request_bytes() holds what arrived so far (the exchange consumes
/// what it relayed); read_request_body() reads more into its free space and
/// calls back with the count, which the exchange commits if it still wants it.
/// Response sink: write_response() sends gathered buffers (head and body pieces
/// in one write); write_interim() a 1xx line.
/// Outcomes, each ending the exchange: exchange_done() (response complete; the
/// downstream reads the next request or closes, per request().keep_alive),
/// reply_error() (the proxy answers instead of the upstream), close() (cut the
/// connection: the response is incomplete), hand_off() (a WebSocket tunnel takes
/// both connections after the 101).
/// Time: the downstream owns the connection's one deadline (set_deadline); when
/// it passes, timed_out() turns true and the downstream calls the exchange's
/// cancel(). closed()/exchange_over() tell a late completion that the other
/// direction already ended the exchange. enter_exchange() marks the request as
/// gone upstream (an error is then recorded as routed); record() counts and logs.
///
/// The other direction, what the downstream calls on its exchange: start(head),
/// cancel(), release_upstream(reusable), end_upload() (see upstream_exchange.hpp).
template <class D>
concept exchange_downstream = requires(
    D& d, const D& cd, std::function<void(const boost::system::error_code&, std::size_t)> on_io,
    const std::vector<boost::asio::const_buffer>& buffers,
    upstream::upstream_connection_ptr upstream, util::byte_buffer upstream_in) {
  { d.keep() } -> std::convertible_to<std::shared_ptr<D>>;
  { d.context() } -> std::same_as<session_context&>;
  { d.request() } -> std::same_as<request_state&>;
  { d.log_fields() } -> std::same_as<request_log_fields&>;
  { d.request_bytes() } -> std::same_as<util::byte_buffer&>;
  d.read_request_body(on_io);
  d.write_response(buffers, on_io);
  d.write_interim(std::string_view{}, on_io);
  d.set_deadline(std::chrono::milliseconds{});
  { cd.timed_out() } -> std::same_as<bool>;
  { cd.closed() } -> std::same_as<bool>;
  { cd.exchange_over() } -> std::same_as<bool>;
  { cd.tls() } -> std::same_as<bool>;
  { cd.client_ip() } -> std::convertible_to<std::string_view>;
  { cd.client_address() } -> std::convertible_to<boost::asio::ip::address>;
  d.enter_exchange();
  d.record(200);
  d.exchange_done();
  d.reply_error(502, true);
  d.close();
  d.hand_off(std::move(upstream), std::move(upstream_in), routing::stack_id{},
             std::chrono::milliseconds{}, std::string_view{});
};

}  // namespace quikedge::http
