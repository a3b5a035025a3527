// Answers one request according to its route. Every handler reads the request body
// (discarding it unless it echoes it) so that the connection stays usable.
#pragma once

#include "upstream/request_parser.hpp"
#include "upstream/route.hpp"

#include <boost/asio/awaitable.hpp>

namespace quikedge::bench::upstream {

class connection;

// The hot path: a plain keep-alive request without body for the default response is
// answered by appending a precomputed response, without entering a coroutine.
// Returns false when the request needs handle_request().
bool try_fast_response(connection& conn, const request_head& head, const route& target,
                       bool last_on_connection);

// Answers the request: the response is written or left in conn.out() to be written with
// the next batch. Returns false when the connection must close once out() is written.
// `last_on_connection` comes from --max-requests-per-conn. Worker only.
boost::asio::awaitable<bool> handle_request(connection& conn, const request_head& head,
                                            const route& target, bool last_on_connection);

}  // namespace quikedge::bench::upstream
