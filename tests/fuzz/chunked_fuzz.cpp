// Proves chunked_scanner's verdict and decoded payload do not depend on how the
// bytes arrive (whole, byte by byte, random pieces), and match an independent decode.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "http/chunked_scanner.hpp"

namespace {

using quikedge::http::chunk_step;
using quikedge::http::chunked_scanner;

struct verdict {
  std::size_t consumed = 0;
  bool done = false;
  bool failed = false;
  std::uint64_t payload_bytes = 0;
  std::string payload;  ///< decoded by step(); empty for the scan() run

  friend bool operator==(const verdict&, const verdict&) = default;
};

void record(const chunked_scanner& scanner, verdict& v) {
  v.done = scanner.done();
  v.failed = scanner.failed();
  v.payload_bytes = scanner.payload_bytes();
  FUZZ_CHECK(!(v.done && v.failed));
  FUZZ_CHECK(v.payload_bytes <= v.consumed);
  FUZZ_CHECK(scanner.announced_bytes() >= scanner.payload_bytes());
}

/// A stopped scanner takes nothing more, so the next message stays intact.
void check_stopped(chunked_scanner& scanner, std::string_view rest) {
  const bool done = scanner.done();
  const std::uint64_t payload = scanner.payload_bytes();
  FUZZ_CHECK(scanner.scan(rest) == 0);
  chunk_step s = scanner.step(rest);
  FUZZ_CHECK(s.consumed == 0 && s.payload.empty());
  FUZZ_CHECK(scanner.payload_bytes() == payload && scanner.done() == done);
}

/// Feeds one piece as the relay does after a read: step() until the piece is
/// used up or the scanner stops. Returns false once it has stopped.
bool feed(chunked_scanner& scanner, std::string_view piece, verdict& v) {
  while (!scanner.done() && !scanner.failed()) {
    chunk_step s = scanner.step(piece);
    FUZZ_CHECK(s.consumed <= piece.size());
    // The payload is the tail of what this call consumed, never framing bytes before it.
    FUZZ_CHECK(s.payload.size() <= s.consumed);
    if (!s.payload.empty()) {
      FUZZ_CHECK(s.payload.data() == piece.data() + (s.consumed - s.payload.size()));
    }
    v.payload.append(s.payload);
    v.consumed += s.consumed;
    piece.remove_prefix(s.consumed);
    if (piece.empty()) {
      break;
    }
    // Bytes left over are only ever the start of the next run: it must advance.
    FUZZ_CHECK(s.consumed > 0 || scanner.done() || scanner.failed());
  }
  record(scanner, v);
  FUZZ_CHECK(v.payload.size() == v.payload_bytes);
  if (scanner.done() || scanner.failed()) {
    check_stopped(scanner, piece);
    return false;
  }
  return true;
}

verdict scan_whole(chunked_scanner& scanner, std::string_view input) {
  verdict v;
  v.consumed = scanner.scan(input);
  FUZZ_CHECK(v.consumed <= input.size());
  // It stops early only at the end of the message or at an error.
  FUZZ_CHECK(v.consumed == input.size() || scanner.done() || scanner.failed());
  record(scanner, v);
  if (scanner.done() || scanner.failed()) {
    check_stopped(scanner, input.substr(v.consumed));
  }
  return v;
}

verdict step_whole(std::string_view input) {
  chunked_scanner scanner;
  verdict v;
  feed(scanner, input, v);
  return v;
}

verdict step_bytes(std::string_view input) {
  chunked_scanner scanner;
  verdict v;
  for (std::size_t i = 0; i < input.size(); ++i) {
    if (!feed(scanner, input.substr(i, 1), v)) {
      break;
    }
  }
  return v;
}

/// Pieces of 0..64 bytes drawn from a generator seeded by the input, so the
/// fuzzer steers the split points too (empty reads included).
verdict step_pieces(std::string_view input) {
  std::uint64_t state = 1469598103934665603ULL;
  for (char c : input) {
    state = (state ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  }
  state |= 1;  // xorshift stays at 0 forever
  chunked_scanner scanner;
  verdict v;
  std::size_t pos = 0;
  while (pos <= input.size()) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    std::size_t len = static_cast<std::size_t>(state % 65);
    if (!feed(scanner, input.substr(pos, len), v) || pos == input.size()) {
      break;
    }
    pos += len;
  }
  return v;
}

/// Independent decode of a body the scanner called finished: the chunk data
/// (what gets re-encoded) and where the trailers end.
void check_finished_body(std::string_view body, const std::string& payload) {
  std::string decoded;
  std::size_t pos = 0;
  for (;;) {
    std::uint64_t size = 0;
    std::size_t digits = 0;
    for (; pos < body.size(); ++pos, ++digits) {
      char c = body[pos];
      int d = c >= '0' && c <= '9'   ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                     : -1;
      if (d < 0) {
        break;
      }
      size = size * 16 + static_cast<std::uint64_t>(d);
    }
    FUZZ_CHECK(digits > 0);
    std::size_t lf = body.find('\n', pos);
    FUZZ_CHECK(lf != std::string_view::npos);
    pos = lf + 1;
    if (size == 0) {
      break;
    }
    FUZZ_CHECK(size <= body.size() - pos);
    decoded.append(body.substr(pos, static_cast<std::size_t>(size)));
    pos += static_cast<std::size_t>(size);
    if (body.substr(pos, 2) == "\r\n") {
      pos += 2;
    } else {
      FUZZ_CHECK(body.substr(pos, 1) == "\n");
      pos += 1;
    }
  }
  for (;;) {
    std::size_t lf = body.find('\n', pos);
    FUZZ_CHECK(lf != std::string_view::npos);
    std::string_view line = body.substr(pos, lf - pos);
    pos = lf + 1;
    if (line.empty() || line == "\r") {
      break;
    }
  }
  FUZZ_CHECK(pos == body.size());
  FUZZ_CHECK(decoded == payload);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  // Reused across inputs: reset() must give a scanner as good as new.
  static chunked_scanner reused;
  reused.reset();

  const verdict scanned = scan_whole(reused, input);
  const verdict whole = step_whole(input);
  verdict framing_only = whole;
  framing_only.payload.clear();
  FUZZ_CHECK(framing_only == scanned);
  FUZZ_CHECK(step_bytes(input) == whole);
  FUZZ_CHECK(step_pieces(input) == whole);
  if (whole.failed) {
    FUZZ_CHECK(whole.consumed < input.size());  // the offending byte is not taken
  }
  if (whole.done) {
    check_finished_body(input.substr(0, whole.consumed), whole.payload);
  }
  return 0;
}
