// GET /api/v1/fleet: the replicas sharing this replica's state
// store, what each has applied and how far it lags. With the file backend the
// fleet is this replica alone. Control thread.
#include <boost/json.hpp>

#include "admin/handlers.hpp"
#include "util/iso_time.hpp"

namespace quikedge::admin {

std::string fleet_json(const control_plane& control, const rollout::rollout_control& rollouts) {
  const auto& store = control.store();
  const std::uint64_t version = control.version();
  auto replicas = store.replicas();
  if (store.backend() != "etcd") {
    const auto now = std::chrono::system_clock::now();
    replicas = {{control.settings().state.etcd.replica_id,
                 control.settings().admin.bind.to_string(), version, now, now}};
  }
  boost::json::array list;
  for (const auto& r : replicas) {
    list.push_back({{"id", r.id},
                    {"address", r.address},
                    {"applied_version", r.applied_version},
                    {"lag", r.applied_version >= version ? 0 : version - r.applied_version},
                    {"last_seen", util::iso_time(r.last_seen)}});
  }
  boost::json::object fleet{{"backend", store.backend()}, {"store_up", store.available()},
                            {"version", version},         {"replicas", std::move(list)},
                            {"rollout_leader", nullptr},  {"elected_leader", nullptr}};
  if (auto leader = rollouts.driving_replica()) {
    fleet["rollout_leader"] = *leader;
  }
  // Who would drive a rollout started now (an extension of SPEC 10's document).
  if (auto elected = rollouts.elected_leader()) {
    fleet["elected_leader"] = *elected;
  }
  return boost::json::serialize(fleet);
}

void handle_fleet(admin_context& ctx, const call& c, const respond_fn& respond) {
  respond(json_response(c.message, http::status::ok, fleet_json(ctx.control, ctx.rollouts)));
}

}  // namespace quikedge::admin
