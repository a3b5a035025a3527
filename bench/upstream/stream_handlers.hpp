// Responses whose bodies are streamed in constant memory: pattern bytes of any size,
// chunked responses, and the echo of the request body.
#pragma once

#include "upstream/request_parser.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstdint>

namespace quikedge::bench::upstream {

class connection;

// `size` pattern bytes with Content-Length. The request body has been read. Worker only.
boost::asio::awaitable<bool> answer_pattern(connection& conn, const request_head& head, int status,
                                            std::uint64_t size, bool keep_alive);

// `count` chunks of `size` pattern bytes, chunked (or with Content-Length for an
// HTTP/1.0 client, which cannot read chunked). The request body has been read.
boost::asio::awaitable<bool> answer_chunked(connection& conn, const request_head& head,
                                            std::uint64_t count, std::uint64_t size,
                                            bool keep_alive);

// Streams the request body back as it arrives: Content-Length if the request had one,
// otherwise chunked (close-delimited for HTTP/1.0). Reads the body itself.
boost::asio::awaitable<bool> answer_echo(connection& conn, const request_head& head,
                                         bool keep_alive);

}  // namespace quikedge::bench::upstream
