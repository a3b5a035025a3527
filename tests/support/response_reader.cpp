// One response at a time out of the test client's input buffer.
#include "support/response_reader.hpp"

#include <limits>

namespace quikedge::test {

namespace http = boost::beast::http;

response_reader::response_reader(bool head_request, const body_sink& sink)
    : scratch_(std::make_unique<char[]>(scratch_size)), sink_(sink) {
  parser_.header_limit(1024 * 1024);
  parser_.body_limit(std::numeric_limits<std::uint64_t>::max());
  if (head_request) {
    parser_.skip(true);
  }
}

response_reader::state response_reader::feed(std::string& in) {
  while (!parser_.is_done() && !in.empty()) {
    // buffer_body: the parser copies body bytes into the scratch block it is given.
    auto& body = parser_.get().body();
    body.data = scratch_.get();
    body.size = scratch_size;
    boost::beast::error_code ec;
    const std::size_t used = parser_.put(boost::asio::buffer(in), ec);
    in.erase(0, used);
    deliver(scratch_size - parser_.get().body().size);
    if (ec == http::error::need_buffer) {
      continue;
    }
    if (ec == http::error::need_more) {
      return state::need_more;
    }
    if (ec) {
      error = "bad response: " + ec.message();
      return state::failed;
    }
  }
  return parser_.is_done() ? state::done : state::need_more;
}

response_reader::state response_reader::on_eof() {
  if (!parser_.got_some()) {
    // Beast would accept this as an empty close-delimited message.
    error = "connection closed before a response";
    return state::failed;
  }
  boost::beast::error_code ec;
  parser_.put_eof(ec);
  if (ec || !parser_.is_done()) {
    error = "connection closed in the middle of a response";
    return state::failed;
  }
  return state::done;
}

http_response response_reader::take() {
  http_response r;
  const auto& message = parser_.get();
  r.status = static_cast<int>(message.result_int());
  r.version = message.version();
  for (const auto& field : message.base()) {
    r.headers.insert(field.name_string(), field.value());
  }
  r.keep_alive = message.keep_alive();
  r.body = std::move(body_);
  return r;
}

void response_reader::deliver(std::size_t n) {
  if (n == 0) {
    return;
  }
  if (sink_) {
    sink_(std::string_view(scratch_.get(), n));
  } else {
    body_.append(scratch_.get(), n);
  }
}

}  // namespace quikedge::test
