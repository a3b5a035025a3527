// Admin routing table and access checks.
#include "admin/admin_router.hpp"

#include <array>
#include <optional>

#include "admin/auth.hpp"
#include "admin/fleet_wait.hpp"
#include "admin/handlers.hpp"
#include "config/parse_values.hpp"

namespace quikedge::admin {
namespace {

using handler_fn = void (*)(admin_context&, const call&, const respond_fn&);

/// Whether a Host header names a loopback host ("127.0.0.1:9901", "localhost",
/// "[::1]:9901"). Without tokens the admin API trusts whoever can reach a
/// loopback port, and a web page can reach one too once its own name resolves
/// to 127.0.0.1 (DNS rebinding); the browser then still sends the page's name
/// as Host, which is how such calls are told apart.
bool addressed_to_loopback(std::string_view host) {
  std::string name;
  if (host.starts_with('[')) {
    const auto close = host.find(']');
    if (close == std::string_view::npos) {
      return false;
    }
    name = host.substr(1, close - 1);
  } else {
    const auto colon = host.find(':');
    name = host.substr(0, colon);
  }
  return !name.empty() && config_detail::is_loopback_host(name);
}

/// The dashboard needs nothing but the control plane.
void dashboard(admin_context& ctx, const call& c, const respond_fn& respond) {
  handle_dashboard(ctx.control, c, respond);
}

struct route {
  http::verb method;
  std::string_view path;
  std::optional<role> needed;  ///< nullopt: open to everyone
  handler_fn handler;
};

const std::array<route, 17> routes = {{
    {http::verb::get, "/", std::nullopt, dashboard},
    {http::verb::get, "/healthz", std::nullopt, handle_healthz},
    {http::verb::get, "/readyz", std::nullopt, handle_readyz},
    {http::verb::get, "/metrics", std::nullopt, handle_metrics},
    {http::verb::get, "/api/v1/state", role::readonly, handle_state},
    {http::verb::get, "/api/v1/fleet", role::readonly, handle_fleet},
    {http::verb::put, "/api/v1/weights", role::operator_, handle_put_weights},
    {http::verb::post, "/api/v1/rollback", role::operator_, handle_rollback},
    {http::verb::post, "/api/v1/reload", role::admin, handle_reload},
    {http::verb::get, "/api/v1/rollout", role::readonly, handle_get_rollout},
    {http::verb::post, "/api/v1/rollout", role::operator_, handle_rollout_action},
    {http::verb::post, "/api/v1/rollout/pause", role::operator_, handle_rollout_action},
    {http::verb::post, "/api/v1/rollout/resume", role::operator_, handle_rollout_action},
    {http::verb::post, "/api/v1/rollout/promote", role::operator_, handle_rollout_action},
    {http::verb::post, "/api/v1/rollout/abort", role::operator_, handle_rollout_action},
    {http::verb::head, "/healthz", std::nullopt, handle_healthz},
    {http::verb::head, "/readyz", std::nullopt, handle_readyz},
}};

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find('?'));
}

bool is_json(std::string_view content_type) {
  auto semicolon = content_type.find(';');
  auto media = content_type.substr(0, semicolon);
  while (!media.empty() && media.back() == ' ') {
    media.remove_suffix(1);
  }
  return media.size() == 16 && boost::beast::iequals(media, "application/json");
}

}  // namespace

void admin_router::dispatch(const request& req, const std::string& client, respond_fn respond) {
  const auto arrived = std::chrono::steady_clock::now();  // ?wait=fleet's budget counts from here
  const auto path = path_of(req.target());
  const route* match = nullptr;
  std::string allowed;
  for (const auto& candidate : routes) {
    if (candidate.path != path) {
      continue;
    }
    if (candidate.method == req.method()) {
      match = &candidate;
    }
    if (!allowed.empty()) {
      allowed += ", ";
    }
    allowed += std::string(http::to_string(candidate.method));
  }
  if (match == nullptr) {
    if (allowed.empty()) {
      respond(error_response(req, http::status::not_found, "no such endpoint"));
      return;
    }
    auto res =
        error_response(req, http::status::method_not_allowed, "method not allowed; use " + allowed);
    res.set(http::field::allow, allowed);
    respond(std::move(res));
    return;
  }

  std::string token_name = "anonymous";
  const auto& tokens = ctx_.control.settings().admin.tokens;
  if (match->needed && tokens.empty() && !addressed_to_loopback(req[http::field::host])) {
    respond(error_response(req, http::status::forbidden,
                           "without admin.tokens the admin API answers only requests addressed "
                           "to a loopback name (Host: 127.0.0.1, localhost or [::1])"));
    return;
  }
  if (match->needed && !tokens.empty()) {
    auto token = authenticate(req[http::field::authorization], tokens);
    if (!token) {
      auto res =
          error_response(req, http::status::unauthorized, "a valid bearer token is required");
      res.set(http::field::www_authenticate, "Bearer");
      respond(std::move(res));
      return;
    }
    if (static_cast<int>(token->token_role) < static_cast<int>(*match->needed)) {
      respond(error_response(req, http::status::forbidden,
                             "token \"" + token->name + "\" may not call this endpoint"));
      return;
    }
    token_name = token->name;
  }
  const bool changes_state = req.method() == http::verb::post || req.method() == http::verb::put;
  if (changes_state && !is_json(req[http::field::content_type])) {
    respond(error_response(req, http::status::unsupported_media_type,
                           "changes must be sent with Content-Type: application/json"));
    return;
  }
  if (changes_state) {
    // Checked before the handler runs: a wait nobody knows changes nothing.
    std::string wait_error;
    const auto wait = parse_wait(req.target(), wait_error);
    if (!wait) {
      respond(error_response(req, http::status::bad_request, wait_error));
      return;
    }
    if (*wait == wait_for::fleet) {
      respond = fleet_wait::hold(ctx_.io, ctx_.control, req, arrived, std::move(respond));
    }
  }
  match->handler(ctx_, call{req, client, token_name}, respond);
}

}  // namespace quikedge::admin
