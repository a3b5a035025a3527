// What every WebSocket connection of a run sends, built once: the upgrade request, the
// accept value its 101 must carry, and the masked binary message frame.
#pragma once

#include "load/options.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace quikedge::bench::load {

class ws_template {
 public:
  explicit ws_template(const bench_options& options);

  // GET target with Upgrade: websocket, Sec-WebSocket-Key and the --header lines.
  [[nodiscard]] std::string_view upgrade_request() const { return upgrade_; }
  // The Sec-WebSocket-Accept a correct 101 carries.
  [[nodiscard]] std::string_view expected_accept() const { return accept_; }
  // One binary frame with FIN, masked, whose payload is message_size pattern bytes.
  [[nodiscard]] std::string_view message_frame() const { return frame_; }
  [[nodiscard]] std::uint64_t message_size() const { return message_size_; }
  // A masked close frame with code 1000, sent when a connection ends at the end of a run.
  [[nodiscard]] std::string_view close_frame() const { return close_; }

 private:
  std::string upgrade_;
  std::string accept_;
  std::string frame_;
  std::string close_;
  std::uint64_t message_size_ = 0;
};

}  // namespace quikedge::bench::load
