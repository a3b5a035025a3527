// `?wait=fleet`: poll the registrations until none lags, or 504 at the deadline.
// Control thread.
#include "admin/fleet_wait.hpp"

#include <boost/json.hpp>

#include <algorithm>

#include "util/log.hpp"

namespace quikedge::admin {

std::optional<wait_for> parse_wait(std::string_view target, std::string& error) {
  const auto question = target.find('?');
  if (question == std::string_view::npos) {
    return wait_for::self;
  }
  std::string_view query = target.substr(question + 1);
  wait_for mode = wait_for::self;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) != "wait") {
      continue;  // other parameters mean nothing to a change, as before
    }
    const std::string_view value =
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (value != "fleet") {
      error = "wait=" + std::string(value) +
              " is not known: ?wait=fleet answers once every live replica applied the change; "
              "without it, once this one did";
      return std::nullopt;
    }
    mode = wait_for::fleet;
  }
  return mode;
}

respond_fn fleet_wait::hold(boost::asio::io_context& io, server::control_plane& control,
                            const request& req, std::chrono::steady_clock::time_point arrived,
                            respond_fn respond) {
  return [&io, &control, &req, arrived, respond = std::move(respond)](response res) {
    if (res.result_int() < 200 || res.result_int() >= 300) {
      respond(std::move(res));  // refused or failed: nothing for the fleet to apply
      return;
    }
    // The version applied here by now: the change's own, or one committed
    // after it (which holds it), so waiting for it never answers too early.
    auto wait = std::make_shared<fleet_wait>(io, control.store(), req, control.version(),
                                             std::move(res), respond);
    wait->start(arrived + budget);
  };
}

fleet_wait::fleet_wait(boost::asio::io_context& io, server::state_store& store, const request& req,
                       std::uint64_t version, response success, respond_fn respond)
    : store_(store),
      req_(req),
      version_(version),
      success_(std::move(success)),
      respond_(std::move(respond)),
      poll_timer_(io),
      deadline_timer_(io) {}

void fleet_wait::start(std::chrono::steady_clock::time_point deadline) {
  deadline_timer_.expires_at(deadline);
  deadline_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec && !self->answered_) {
      self->time_out();
    }
  });
  poll();
}

void fleet_wait::poll() {
  // Never the beat's listing: only a read made after the change was answered
  // here can tell that the others applied it.
  store_.refresh_replicas([self = shared_from_this()](bool listed) { self->on_listing(listed); });
}

void fleet_wait::on_listing(bool listed) {
  if (answered_) {
    return;
  }
  listed_ = listed_ || listed;
  if (listed && settled()) {
    return;
  }
  poll_timer_.expires_after(poll_delay_);
  poll_delay_ = std::min(poll_delay_ * 2, poll_period);
  poll_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec && !self->answered_) {
      self->poll();
    }
  });
}

bool fleet_wait::settled() {
  for (const auto& r : store_.replicas()) {
    if (r.applied_version < version_) {
      return false;
    }
  }
  answered_ = true;
  deadline_timer_.cancel();
  poll_timer_.cancel();
  respond_(std::move(success_));
  return true;
}

void fleet_wait::time_out() {
  answered_ = true;
  poll_timer_.cancel();
  // Laggards as the newest listing has them; a listing still in flight is
  // dropped when it lands (answered_).
  boost::json::array lagging;
  std::string names;
  for (const auto& r : store_.replicas()) {
    if (r.applied_version >= version_) {
      continue;
    }
    lagging.push_back({{"id", r.id}, {"applied_version", r.applied_version}});
    names += (names.empty() ? "" : ", ") + r.id + " (at " + std::to_string(r.applied_version) + ")";
  }
  std::string error = "version " + std::to_string(version_) +
                      " is committed, but not every live replica applied it within " +
                      std::to_string(budget.count() / 1000) + " s";
  if (!names.empty()) {
    error += ": " + names;
  }
  if (!listed_) {
    error += " (the registrations could not be read since the change; state store unavailable?)";
  }
  log::warn("admin: ?wait=fleet: " + error);
  boost::json::object body{
      {"error", error}, {"version", version_}, {"lagging", std::move(lagging)}};
  respond_(json_response(req_, http::status::gateway_timeout, boost::json::serialize(body)));
}

}  // namespace quikedge::admin
