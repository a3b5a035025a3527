// How a server handshake ended, for the handshake counters: TLS version and
// resumption when it completed, a failure reason when it did not. Worker only.
#pragma once

#include <openssl/ssl.h>

#include <boost/system/error_code.hpp>

#include <cstddef>

#include "metrics/worker_metrics.hpp"

namespace quikedge::tls {

/// The reason for a failed handshake. `timed_out`: the handshake deadline fired
/// (the error is then operation_aborted, which says nothing by itself).
metrics::handshake_failure classify_handshake_error(const boost::system::error_code& ec,
                                                    bool timed_out);

/// Counts the handshake of `ssl` on listener `listener`: completed when `ec`
/// is empty, else a failure (classify_handshake_error). Worker only.
void record_handshake(metrics::worker_metrics& counters, std::size_t listener, SSL* ssl,
                      const boost::system::error_code& ec, bool timed_out);

}  // namespace quikedge::tls
