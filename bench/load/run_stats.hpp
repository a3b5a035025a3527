// What one worker measured; merged over workers for the report.
#pragma once

#include "common/histogram.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace quikedge::bench::load {

struct error_counts {
  std::uint64_t connect = 0;    // connection refused, unreachable...
  std::uint64_t write = 0;      // sending the request failed
  std::uint64_t read = 0;       // connection lost before the response was complete
  std::uint64_t timeout = 0;    // no complete response within --timeout
  std::uint64_t parse = 0;      // the response was not valid HTTP/1.x (or a bad echo)
  std::uint64_t handshake = 0;  // WebSocket upgrade refused or answered wrongly

  [[nodiscard]] std::uint64_t total() const {
    return connect + write + read + timeout + parse + handshake;
  }
};

// WebSocket mode: what happened to the WebSockets themselves.
struct websocket_counts {
  std::uint64_t opened = 0;          // handshakes that got a valid 101
  std::uint64_t closed_by_peer = 0;  // open WebSockets the other side closed (close or EOF)
  std::uint64_t close_1001 = 0;      // ... of which with a close frame of code 1001
  std::uint64_t open_at_end = 0;     // still open when the run ended
};

struct run_stats {
  std::uint64_t responses = 0;                    // complete responses, any status
  std::array<std::uint64_t, 6> status_classes{};  // [1] = 1xx ... [5] = 5xx, [0] = other
  error_counts errors;
  std::uint64_t connects = 0;    // TCP connections opened
  std::uint64_t reconnects = 0;  // ... of which replaced a lost or closed one
  histogram latency;             // microseconds, complete responses (echoes) only
  websocket_counts websockets;
  // Responses by value of --count-header; "(none)" when the header is missing.
  std::vector<std::pair<std::string, std::uint64_t>> tally;

  // Responses with a status outside 2xx/3xx: counted apart from transport errors.
  [[nodiscard]] std::uint64_t non_success() const { return responses - succeeded(); }
  [[nodiscard]] std::uint64_t succeeded() const { return status_classes[2] + status_classes[3]; }

  void count_status(int status) {
    ++status_classes[status >= 100 && status < 600 ? status / 100 : 0];
  }

  // Index of `value` in tally, added on first sight. Few distinct values are expected
  // (stack names), so a linear search beats hashing and does not allocate on a hit.
  std::size_t tally_slot(std::string_view value) {
    for (std::size_t i = 0; i < tally.size(); ++i) {
      if (tally[i].first == value) {
        return i;
      }
    }
    tally.emplace_back(std::string(value), 0);
    return tally.size() - 1;
  }

  void merge(const run_stats& other) {
    responses += other.responses;
    for (std::size_t i = 0; i < status_classes.size(); ++i) {
      status_classes[i] += other.status_classes[i];
    }
    errors.connect += other.errors.connect;
    errors.write += other.errors.write;
    errors.read += other.errors.read;
    errors.timeout += other.errors.timeout;
    errors.parse += other.errors.parse;
    errors.handshake += other.errors.handshake;
    websockets.opened += other.websockets.opened;
    websockets.closed_by_peer += other.websockets.closed_by_peer;
    websockets.close_1001 += other.websockets.close_1001;
    websockets.open_at_end += other.websockets.open_at_end;
    connects += other.connects;
    reconnects += other.reconnects;
    latency.merge(other.latency);
    for (const auto& [value, count] : other.tally) {
      tally[tally_slot(value)].second += count;
    }
  }
};

}  // namespace quikedge::bench::load
