// Differential proof of the forwarder: whatever bytes a client sends, what the
// proxy would write upstream (its head plus its re-framed body) must parse, by an
// independent parser (Beast's), as exactly the one request the proxy accepted:
// same method, target, Host and body, and not one byte more. A disagreement is
// a smuggled request.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "http/body_relay.hpp"
#include "http/head_writer.hpp"
#include "http/message_head.hpp"

namespace {

using namespace quikedge;
namespace beast_http = boost::beast::http;

struct forwarded {
  std::string bytes;    ///< what goes upstream
  std::string payload;  ///< the body as the proxy understood it
};

/// Runs the proxy's pipeline over `input`: parse the head, write the upstream
/// head, relay the body in reads of `read_size` bytes. False when the proxy
/// refuses or the input ends before the message does.
bool forward(std::string_view input, std::size_t read_size, forwarded& out,
             http::message_head& head) {
  if (http::parse_request_head(input, http::head_limits{}, head) != http::parse_status::ok) {
    return false;
  }
  const bool websocket =
      head.connection.upgrade && http::iequals(head.upgrade, "websocket") && head.method == "GET";
  http::write_upstream_request_head(head, {"192.0.2.1", false, "id", "fallback.example", websocket},
                                    out.bytes);
  http::body_relay relay;
  relay.start(head.framing, head.content_length);
  http::relay_output piece;
  std::string_view rest = input.substr(head.head_bytes);
  std::size_t offered = 0;
  while (!relay.complete() && !relay.failed() && offered < rest.size()) {
    offered = std::min(rest.size(), offered + read_size);
    std::size_t used = relay.take(rest.substr(0, offered), piece);
    piece.for_each_piece([&](std::string_view bytes) { out.bytes.append(bytes); });
    rest.remove_prefix(used);
    offered -= used;
  }
  if (!relay.complete() || relay.failed()) {
    return false;
  }
  return true;
}

/// The decoded body of the request the proxy accepted, by its own scanner.
std::string own_payload(std::string_view input, const http::message_head& head) {
  std::string_view body = input.substr(head.head_bytes);
  if (head.framing == http::body_framing::content_length) {
    return std::string(body.substr(0, head.content_length));
  }
  std::string payload;
  if (head.framing == http::body_framing::chunked) {
    http::chunked_scanner scanner;
    while (!body.empty() && !scanner.done()) {
      auto step = scanner.step(body);
      payload.append(step.payload);
      body.remove_prefix(step.consumed);
    }
  }
  return payload;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) {
    return 0;
  }
  const std::size_t read_size = 1 + data[0] % 64;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  forwarded out;
  http::message_head head;
  if (!forward(input, read_size, out, head)) {
    return 0;
  }
  const std::string payload = own_payload(input, head);

  // The upstream's view, by a parser that shares no code with the proxy's.
  beast_http::request_parser<beast_http::string_body> upstream;
  upstream.eager(true);
  upstream.header_limit(1 << 20);
  upstream.body_limit(1 << 24);
  boost::system::error_code ec;
  std::size_t used = upstream.put(boost::asio::buffer(out.bytes), ec);
  if (ec == beast_http::error::need_more) {
    FUZZ_CHECK(!"the upstream would wait for bytes the proxy never sends");
  }
  FUZZ_CHECK(!ec);
  while (!upstream.is_done() && used < out.bytes.size()) {
    std::size_t more =
        upstream.put(boost::asio::buffer(out.bytes.data() + used, out.bytes.size() - used), ec);
    FUZZ_CHECK(!ec);
    if (more == 0) {
      break;
    }
    used += more;
  }
  FUZZ_CHECK(upstream.is_done());
  FUZZ_CHECK(used == out.bytes.size());  // nothing left over: no second request
  const auto& request = upstream.get();
  FUZZ_CHECK(request.method_string() == head.method);
  std::string_view target = request.target();
  if (head.target.empty() || head.target.front() == '?') {
    FUZZ_CHECK(target.size() == head.target.size() + 1 && target.front() == '/');
  } else {
    FUZZ_CHECK(target == head.target);
  }
  FUZZ_CHECK(request.count(beast_http::field::host) == 1);
  std::string_view host = request[beast_http::field::host];
  FUZZ_CHECK(host == (head.has_host || head.absolute_form ? head.host : "fallback.example"));
  FUZZ_CHECK(request.body() == payload);
  return 0;
}
