// The worker's h2c connections, one per endpoint.
#include "h2/upstream_session.hpp"

namespace quikedge::h2 {

void upstream_pool_deleter::operator()(upstream_pool* pool) const {
  delete pool;
}

std::shared_ptr<upstream_session> upstream_pool::get(http::session_context& context,
                                                     const routing::endpoint_entry& endpoint) {
  auto& slot = sessions_[endpoint.id];
  if (!slot || !slot->usable()) {
    // A failed or closing connection is left to its streams; new ones go to a fresh one.
    slot = std::make_shared<upstream_session>(context, endpoint.id, endpoint.address);
    if (!slot->start()) {
      slot.reset();
    }
  }
  return slot;
}

}  // namespace quikedge::h2
