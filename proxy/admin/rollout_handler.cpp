// /api/v1/rollout: GET the rollout's status; POST starts one (body {"to":..,
// "steps":[..],"gates":{..}}); POST .../pause, /resume, /promote, /abort.
// Every answer to a POST is the rollout's status once the change is live.
#include "admin/handlers.hpp"
#include "admin/request_bodies.hpp"
#include "rollout/rollout_engine.hpp"

namespace quikedge::admin {
namespace {

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find('?'));
}

/// Answers with the rollout status, or the change's error.
server::control_plane::done_fn answer(control_plane& control, const request& req,
                                      const respond_fn& respond) {
  return [&control, &req, respond](const server::change_result& result) {
    if (!result.error.empty()) {
      respond(error_response(req, static_cast<http::status>(result.status), result.error));
      return;
    }
    respond(json_response(req, http::status::ok, control.rollout_status_json()));
  };
}

}  // namespace

void handle_get_rollout(control_plane& control, const call& c, const respond_fn& respond) {
  if (!control.rollout_status_json) {
    respond(json_response(c.message, http::status::ok, R"({"state":"idle"})"));
    return;
  }
  respond(json_response(c.message, http::status::ok, control.rollout_status_json()));
}

void handle_rollout_action(control_plane& control, const call& c, const respond_fn& respond) {
  const auto& req = c.message;
  auto* engine = rollout::find_engine(control);
  if (engine == nullptr) {
    respond(error_response(req, http::status::service_unavailable,
                           "the rollout engine is not running"));
    return;
  }
  const std::string_view path = path_of(req.target());
  constexpr std::string_view prefix = "/api/v1/rollout";
  if (path == prefix) {
    rollout::start_request start;
    const auto defaults = rollout::plan_from_config(control.settings().rollout);
    if (auto error = rollout::parse_start_request(req.body(), defaults, start)) {
      respond(error_response(req, http::status::bad_request, *error));
      return;
    }
    engine->begin(start, {c.token_name, c.client, start.reason}, answer(control, req, respond));
    return;
  }
  // The router only sends the four action paths here.
  const std::string verb(path.substr(prefix.size() + 1));
  std::string reason;
  if (auto error = parse_reason_body(req.body(), reason)) {
    respond(error_response(req, http::status::bad_request, *error));
    return;
  }
  engine->act(verb, {c.token_name, c.client, reason}, answer(control, req, respond));
}

}  // namespace quikedge::admin
