// The recording upstream's own strict HTTP/1.1 request parser, written apart from the
// proxy's so that what the proxy forwards is judged by a second reading: CRLF only, no
// obs-fold, one Content-Length or exactly `Transfer-Encoding: chunked`, strict chunk lines.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "support/recording_upstream.hpp"

namespace quikedge::test::strict {

inline constexpr std::size_t max_head_bytes = 64 * 1024;
inline constexpr std::size_t max_body_bytes = 16 * 1024 * 1024;

enum class parsed { incomplete, done, error };

struct parse_outcome {
  parsed result = parsed::incomplete;
  std::size_t consumed = 0;  ///< the request's bytes, when done
  std::string error;         ///< why it did not parse, when error
};

/// Parses one request at the start of `in` into `out`, strictly.
parse_outcome parse_request(std::string_view in, recorded_request& out);

}  // namespace quikedge::test::strict
