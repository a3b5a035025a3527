// In a fleet, operators may call any replica, but only the rollout leader
// drives a rollout: a rollout call made on another replica is sent on to the
// leader's admin address with the caller's own token, and the leader's answer
// is the answer. A call forwarded once is never forwarded again (the header
// below), so two replicas that briefly disagree on the leader cannot pass a
// call back and forth. Control thread.
#pragma once

#include <boost/asio/io_context.hpp>

#include <string>
#include <string_view>

#include "admin/admin_types.hpp"

namespace quikedge::admin {

/// Set on a forwarded call to the id of the replica that forwarded it.
inline constexpr std::string_view forwarded_header = "X-Quikedge-Forwarded-By";

/// Sends `c` to the admin API at `leader` (host:port) and answers with the
/// leader's status and body; 503 naming the leader when it does not answer
/// within 4.5 s (a change answers within 5 s in every case).
void forward_to_leader(boost::asio::io_context& io, const std::string& leader,
                       const std::string& self_id, const call& c, const respond_fn& respond);

}  // namespace quikedge::admin
