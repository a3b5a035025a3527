// Serialization of the WebSocket upgrade request and message frame.
#include "load/ws_template.hpp"

#include "common/http_text.hpp"
#include "common/pattern.hpp"
#include "common/websocket.hpp"

#include <array>
#include <random>

namespace quikedge::bench::load {

ws_template::ws_template(const bench_options& options) : message_size_(options.message_size) {
  // One key and one mask per run: the peer only checks that they are well formed, and
  // building the frame once keeps the client from masking every message again.
  std::random_device random;
  std::array<unsigned char, 16> nonce{};
  for (auto& byte : nonce) {
    byte = static_cast<unsigned char>(random());
  }
  const std::string key = ws::key_from_bytes(nonce);
  accept_ = ws::accept_value(key);

  upgrade_ = "GET " + options.target.target + " HTTP/1.1\r\n";
  bool has_host = false;
  for (const std::string& header : options.headers) {
    std::string_view name;
    std::string_view value;
    has_host |= split_header(header, name, value) && iequals(name, "host");
  }
  if (!has_host) {
    upgrade_ += "Host: " + options.target.authority + "\r\n";
  }
  upgrade_ += "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key +
              "\r\nSec-WebSocket-Version: 13\r\n";
  for (const std::string& header : options.headers) {
    upgrade_ += header + "\r\n";
  }
  upgrade_ += "\r\n";

  std::uint8_t mask[4];
  for (auto& byte : mask) {
    byte = static_cast<std::uint8_t>(random());
  }
  frame_.reserve(static_cast<std::size_t>(message_size_) + 14);
  ws::append_frame_header(frame_, true, ws::op_binary, message_size_, mask);
  const std::size_t payload_at = frame_.size();
  frame_.resize(payload_at + static_cast<std::size_t>(message_size_));
  for (std::uint64_t position = 0; position < message_size_;) {
    const std::string_view run = pattern_slice(position, message_size_ - position);
    ws::apply_mask(run.data(), frame_.data() + payload_at + position, run.size(), mask, position);
    position += run.size();
  }

  ws::append_frame_header(close_, true, ws::op_close, 2, mask);
  const char code[2] = {static_cast<char>(ws::close_normal >> 8),
                        static_cast<char>(ws::close_normal & 0xff)};
  const std::size_t code_at = close_.size();
  close_.resize(code_at + 2);
  ws::apply_mask(code, close_.data() + code_at, 2, mask, 0);
}

}  // namespace quikedge::bench::load
