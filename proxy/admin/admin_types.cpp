// Response helpers for admin handlers.
#include "admin/admin_types.hpp"

#include <boost/json.hpp>

namespace quikedge::admin {

response json_response(const request& req, http::status status, std::string body) {
  response res{status, req.version()};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.body().push_back('\n');
  res.prepare_payload();
  return res;
}

response error_response(const request& req, http::status status, const std::string& message) {
  return json_response(req, status,
                       boost::json::serialize(boost::json::object{{"error", message}}));
}

}  // namespace quikedge::admin
