// /api/v1/rollout: GET the rollout's status; POST starts one (body {"to":..,
// "steps":[..],"gates":{..}}); POST .../pause, /resume, /promote, /abort.
// Every answer to a POST is the rollout's status once the change is live.
#include "admin/handlers.hpp"
#include "admin/leader_forward.hpp"
#include "admin/request_bodies.hpp"

namespace quikedge::admin {
namespace {

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find('?'));
}

/// Answers with the rollout status, or the change's error.
server::done_fn answer(admin_context& ctx, const request& req, const respond_fn& respond) {
  return [&ctx, &req, respond](const server::change_result& result) {
    if (!result.error.empty()) {
      respond(error_response(req, static_cast<http::status>(result.status), result.error));
      return;
    }
    respond(json_response(req, http::status::ok, ctx.rollouts.status_json()));
  };
}

}  // namespace

void handle_get_rollout(admin_context& ctx, const call& c, const respond_fn& respond) {
  respond(json_response(c.message, http::status::ok, ctx.rollouts.status_json()));
}

void handle_rollout_action(admin_context& ctx, const call& c, const respond_fn& respond) {
  const auto& req = c.message;
  // In a fleet another replica may drive rollouts: the call is its to answer.
  // One forwarded to us is answered here, whoever leads (no ping-pong).
  if (auto leader = ctx.rollouts.leader_address();
      leader && req.find(forwarded_header) == req.end()) {
    forward_to_leader(ctx.io, *leader, ctx.control.settings().state.etcd.replica_id, c, respond);
    return;
  }
  const std::string_view path = path_of(req.target());
  constexpr std::string_view prefix = "/api/v1/rollout";
  if (path == prefix) {
    rollout::start_request start;
    const auto defaults = rollout::plan_from_config(ctx.control.settings().rollout);
    if (auto error = rollout::parse_start_request(req.body(), defaults, start)) {
      respond(error_response(req, http::status::bad_request, *error));
      return;
    }
    ctx.rollouts.begin(start, {c.token_name, c.client, start.reason}, answer(ctx, req, respond));
    return;
  }
  // The router only sends the four action paths here.
  const std::string verb(path.substr(prefix.size() + 1));
  const auto action = rollout::action_from_string(verb);
  if (!action) {
    respond(error_response(req, http::status::not_found, "no rollout action \"" + verb + "\""));
    return;
  }
  std::string reason;
  if (auto error = parse_reason_body(req.body(), reason)) {
    respond(error_response(req, http::status::bad_request, *error));
    return;
  }
  ctx.rollouts.act(*action, {c.token_name, c.client, reason}, answer(ctx, req, respond));
}

}  // namespace quikedge::admin
