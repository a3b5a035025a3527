// Types shared by the admin server and its handlers.
#pragma once

#include <boost/beast/http.hpp>

#include <functional>
#include <string>

#include "quikedge/config.hpp"

namespace quikedge::admin {

namespace http = boost::beast::http;

using request = http::request<http::string_body>;
using response = http::response<http::string_body>;
using respond_fn = std::function<void(response)>;

/// An authenticated admin call.
struct call {
  const request& message;
  std::string client;      ///< peer address
  std::string token_name;  ///< "anonymous" when no tokens are configured
};

/// A JSON response with the given status and body.
response json_response(const request& req, http::status status, std::string body);
/// `{"error": message}` with the given status.
response error_response(const request& req, http::status status, const std::string& message);

}  // namespace quikedge::admin
