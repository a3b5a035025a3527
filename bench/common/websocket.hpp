// WebSocket wire helpers (RFC 6455) shared by quikedge-upstream's /ws echo and
// quikedge-bench's WebSocket mode: the handshake accept value, frame headers and
// (un)masking. Header-only; the SHA-1 and base64 come from OpenSSL.
#pragma once

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace quikedge::bench::ws {

enum opcode : std::uint8_t {
  op_continuation = 0x0,
  op_text = 0x1,
  op_binary = 0x2,
  op_close = 0x8,
  op_ping = 0x9,
  op_pong = 0xa,
};

// Close codes used by the tools (RFC 6455 section 7.4.1).
inline constexpr std::uint16_t close_normal = 1000;
inline constexpr std::uint16_t close_going_away = 1001;
inline constexpr std::uint16_t close_protocol_error = 1002;

inline constexpr std::string_view accept_guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

// Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(SHA-1(key + GUID)).
inline std::string accept_value(std::string_view key) {
  std::string input(key);
  input.append(accept_guid);
  std::array<unsigned char, SHA_DIGEST_LENGTH> digest{};
  ::SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest.data());
  std::array<unsigned char, 4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1> text{};
  const int n = ::EVP_EncodeBlock(text.data(), digest.data(), static_cast<int>(digest.size()));
  return std::string(reinterpret_cast<const char*>(text.data()), static_cast<std::size_t>(n));
}

// A Sec-WebSocket-Key: base64 of 16 bytes (24 characters).
inline std::string key_from_bytes(const std::array<unsigned char, 16>& nonce) {
  std::array<unsigned char, 25> text{};
  const int n = ::EVP_EncodeBlock(text.data(), nonce.data(), static_cast<int>(nonce.size()));
  return std::string(reinterpret_cast<const char*>(text.data()), static_cast<std::size_t>(n));
}

// True for a syntactically valid key: base64 that decodes to exactly 16 bytes.
inline bool valid_key(std::string_view key) {
  if (key.size() != 24 || !key.ends_with("==")) {
    return false;
  }
  for (char c : key.substr(0, 22)) {
    const bool b64 = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                     c == '+' || c == '/';
    if (!b64) {
      return false;
    }
  }
  return true;
}

// Appends a frame header: FIN flag, opcode, the payload length in the shortest form,
// and the mask key when `mask` is given (client to server).
inline void append_frame_header(std::string& out, bool fin, std::uint8_t op, std::uint64_t length,
                                const std::uint8_t* mask = nullptr) {
  out.push_back(static_cast<char>((fin ? 0x80 : 0x00) | (op & 0x0f)));
  const std::uint8_t mask_bit = mask != nullptr ? 0x80 : 0x00;
  if (length < 126) {
    out.push_back(static_cast<char>(mask_bit | length));
  } else if (length <= 0xffff) {
    out.push_back(static_cast<char>(mask_bit | 126));
    out.push_back(static_cast<char>(length >> 8));
    out.push_back(static_cast<char>(length & 0xff));
  } else {
    out.push_back(static_cast<char>(mask_bit | 127));
    for (int shift = 56; shift >= 0; shift -= 8) {
      out.push_back(static_cast<char>((length >> shift) & 0xff));
    }
  }
  if (mask != nullptr) {
    out.append(reinterpret_cast<const char*>(mask), 4);
  }
}

// XORs `n` bytes of `in` with the mask, starting at payload offset `offset`, into
// `out` (which may be `in`). Eight bytes at a time: multi-MiB messages go through here.
inline void apply_mask(const char* in, char* out, std::size_t n, const std::uint8_t (&mask)[4],
                       std::uint64_t offset) {
  std::size_t i = 0;
  // Align the mask phase to the offset, then do whole words.
  std::uint8_t rotated[8];
  for (int k = 0; k < 8; ++k) {
    rotated[k] = mask[(offset + static_cast<std::uint64_t>(k)) & 3];
  }
  std::uint64_t word_mask = 0;
  std::memcpy(&word_mask, rotated, sizeof word_mask);
  for (; i + 8 <= n; i += 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, in + i, sizeof word);
    word ^= word_mask;
    std::memcpy(out + i, &word, sizeof word);
  }
  for (; i < n; ++i) {
    out[i] = static_cast<char>(in[i] ^ rotated[i & 7]);
  }
}

// What a frame header says. parse_frame_header() fills it from the start of a buffer.
struct frame_header {
  bool fin = false;
  std::uint8_t rsv = 0;  // RSV1-3 bits, must be 0 without extensions
  std::uint8_t op = 0;
  bool masked = false;
  std::uint8_t mask[4] = {};
  std::uint64_t length = 0;
  std::size_t size = 0;  // header bytes, mask included

  [[nodiscard]] bool is_control() const { return (op & 0x08) != 0; }
};

enum class header_status { complete, incomplete, invalid };

// Parses the header at the start of `buf`. `invalid`: a 64-bit length with its top bit
// set, which RFC 6455 section 5.2 forbids. Opcode and flag checks are the caller's.
inline header_status parse_frame_header(std::string_view buf, frame_header& out) {
  if (buf.size() < 2) {
    return header_status::incomplete;
  }
  const auto b0 = static_cast<std::uint8_t>(buf[0]);
  const auto b1 = static_cast<std::uint8_t>(buf[1]);
  out.fin = (b0 & 0x80) != 0;
  out.rsv = static_cast<std::uint8_t>((b0 >> 4) & 0x07);
  out.op = b0 & 0x0f;
  out.masked = (b1 & 0x80) != 0;
  const std::uint8_t len7 = b1 & 0x7f;
  std::size_t need = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + (out.masked ? 4 : 0);
  if (buf.size() < need) {
    return header_status::incomplete;
  }
  std::size_t at = 2;
  if (len7 < 126) {
    out.length = len7;
  } else if (len7 == 126) {
    out.length = (static_cast<std::uint64_t>(static_cast<std::uint8_t>(buf[2])) << 8) |
                 static_cast<std::uint8_t>(buf[3]);
    at = 4;
  } else {
    out.length = 0;
    for (int i = 0; i < 8; ++i) {
      out.length =
          (out.length << 8) | static_cast<std::uint8_t>(buf[2 + static_cast<std::size_t>(i)]);
    }
    if ((out.length >> 63) != 0) {
      return header_status::invalid;
    }
    at = 10;
  }
  if (out.masked) {
    std::memcpy(out.mask, buf.data() + at, 4);
  }
  out.size = need;
  return header_status::complete;
}

}  // namespace quikedge::bench::ws
