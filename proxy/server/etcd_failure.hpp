// The one-line reason an etcd call failed, for logs and 503 answers: no member
// answered, the gateway's error, or an unexpected status. Any thread.
#pragma once

#include <boost/asio/error.hpp>
#include <boost/system/error_code.hpp>

#include <string>

#include "etcd/etcd_messages.hpp"

namespace quikedge::server {

inline std::string etcd_failure(const boost::system::error_code& ec, unsigned status,
                                const etcd::gateway_error& error) {
  if (ec == boost::asio::error::try_again) {
    // The last member tried answered 502/503/504: during an election, "no leader".
    return "no etcd member could serve the call (the last one answered unavailable)";
  }
  if (ec) {
    return "no etcd member answered (" + ec.message() + ")";
  }
  if (!error.message.empty()) {
    return "etcd: " + error.message;
  }
  return "etcd answered " + std::to_string(status);
}

}  // namespace quikedge::server
