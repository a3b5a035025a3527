// chunked_scanner gives the same answer however its input is split: whole (where
// step() takes plain size lines and CRLFs in one go) or one byte at a time (where
// every byte goes through the state machine).
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

#include "http/chunked_scanner.hpp"

namespace quikedge::http {
namespace {

struct outcome {
  std::string payload;
  std::size_t consumed = 0;
  bool done = false;
  bool failed = false;
  std::uint64_t payload_bytes = 0;
  std::uint64_t announced_bytes = 0;

  bool operator==(const outcome&) const = default;
};

// Feeds `input` in pieces of at most `piece` bytes, as a session would after each read.
outcome scan_in_pieces(std::string_view input, std::size_t piece) {
  chunked_scanner scanner;
  outcome out;
  std::size_t offered = 0;
  std::string pending;
  while (!scanner.done() && !scanner.failed()) {
    if (pending.empty()) {
      if (offered == input.size()) {
        break;
      }
      const std::size_t n = std::min(piece, input.size() - offered);
      pending.assign(input.substr(offered, n));
      offered += n;
    }
    const chunk_step step = scanner.step(pending);
    out.payload.append(step.payload);
    out.consumed += step.consumed;
    pending.erase(0, step.consumed);
    if (step.consumed == 0 && !scanner.done() && !scanner.failed()) {
      // Needs more than is pending: join the next piece to it.
      if (offered == input.size()) {
        break;
      }
      const std::size_t n = std::min(piece, input.size() - offered);
      pending.append(input.substr(offered, n));
      offered += n;
    }
  }
  out.done = scanner.done();
  out.failed = scanner.failed();
  out.payload_bytes = scanner.payload_bytes();
  out.announced_bytes = scanner.announced_bytes();
  return out;
}

void expect_split_invariant(std::string_view input) {
  const outcome whole = scan_in_pieces(input, input.size() + 1);
  for (std::size_t piece : {1, 2, 3, 5, 7}) {
    EXPECT_EQ(scan_in_pieces(input, piece), whole) << "piece " << piece << " of:\n" << input;
  }
}

TEST(ChunkedScannerSplit, HandPickedBodiesAnswerTheSameInAnyPieces) {
  for (std::string_view body : {
           "5\r\nhello\r\n0\r\n\r\n",
           "A\r\n0123456789\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n",
           "5;ext=1\r\nhello\r\n0\r\n\r\n",
           "5 ;ext\r\nhello\r\n0\r\n\r\n",
           "5\r\nhello\r\n0\r\nTrailer: x\r\n\r\n",
           "00000000000005\r\nhello\r\n0\r\n\r\n",       // 14 digits: byte-wise path
           "0000000000005\r\nhello\r\n0\r\n\r\n",        // 13 digits: the quick path
           "fffffffffffff\r\nabc",                       // large but valid size
           "100000000000000\r\n",                        // over the size limit
           "5\nhello\r\n0\r\n\r\n",                      // bare LF after the size
           "5\r\nhello\n0\r\n\r\n",                      // bare LF after the payload
           "5\r\nhelloX\r\n0\r\n\r\n",                   // payload longer than announced
           "\r\n5\r\nhello\r\n0\r\n\r\n",                // no size
           "g\r\n",                                      // not hex
           "5\r\nhello\r\n0\r\n\r\nGET / HTTP/1.1\r\n",  // the next message stays
           "0\r\n\r\n",
           "0\r\n",
           "",
       }) {
    expect_split_invariant(body);
  }
}

TEST(ChunkedScannerSplit, RandomBodiesAnswerTheSameInAnyPieces) {
  std::mt19937 random(11);
  const std::string_view alphabet = "0123456789abcdefABCDEF\r\n; =xX\t:";
  for (int round = 0; round < 2000; ++round) {
    std::string body;
    const int chunks = static_cast<int>(random() % 5);
    for (int c = 0; c < chunks; ++c) {
      const std::size_t size = random() % 40;
      char line[32];
      std::snprintf(line, sizeof line, random() % 2 ? "%zx\r\n" : "%zX\r\n", size);
      body += line;
      body.append(size, 'p');
      body += "\r\n";
    }
    body += random() % 4 == 0 ? "0\r\nName: value\r\n\r\n" : "0\r\n\r\n";
    // Corrupt a few bytes in most rounds, so the error paths are split too.
    const int flips = static_cast<int>(random() % 3);
    for (int f = 0; f < flips && !body.empty(); ++f) {
      body[random() % body.size()] = alphabet[random() % alphabet.size()];
    }
    expect_split_invariant(body);
  }
}

}  // namespace
}  // namespace quikedge::http
