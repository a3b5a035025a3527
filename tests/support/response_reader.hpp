// Incremental parsing of one HTTP response out of a byte buffer with Beast's
// response_parser, delivering body bytes as they are parsed.
#pragma once

#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>

#include <memory>
#include <string>

#include "support/http_client.hpp"

namespace quikedge::test {

/// Parses one response; feed() it bytes until it is done. Body bytes go to the sink,
/// or into the response's body when the sink is empty. HEAD responses need
/// `head_request`, since nothing in them says that no body follows.
class response_reader {
 public:
  enum class state { need_more, done, failed };

  /// `sink` must outlive the reader.
  response_reader(bool head_request, const body_sink& sink);

  /// Parses what it can of `in`, erasing what was used.
  state feed(std::string& in);
  /// The peer closed: the end of a close-delimited body, or a truncated response.
  state on_eof();
  /// The response, once feed() or on_eof() said done.
  http_response take();

  std::string error;  ///< why the state is failed

 private:
  static constexpr std::size_t scratch_size = 64 * 1024;

  void deliver(std::size_t n);

  boost::beast::http::response_parser<boost::beast::http::buffer_body> parser_;
  std::unique_ptr<char[]> scratch_;
  const body_sink& sink_;
  std::string body_;
};

}  // namespace quikedge::test
