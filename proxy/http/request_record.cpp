// Metrics and access log of one finished request. Worker only.
#include "http/request_record.hpp"

#include <chrono>

namespace quikedge::http {

void record_request(session_context& context, request_state& request, const request_log_fields& log,
                    std::string_view client_ip, int status) {
  std::size_t index = metrics::no_stack;
  if (request.routed()) {
    index = request.stack().id;
  }
  const auto elapsed = clock::now() - request.started;
  context.metrics.record_request(index, status, elapsed);
  if (!request.log_this) {
    return;
  }
  request.log_this = false;
  const bool routed = request.routed() && request.endpoint_index >= 0;
  using std::chrono::duration_cast;
  using std::chrono::microseconds;
  context.access_log->append(
      {std::chrono::system_clock::now(), log.request_id, client_ip, log.method, log.path, status,
       routed ? std::string_view(request.stack().name) : "",
       routed ? std::string_view(request.endpoint().name) : "", request.bytes_in, request.bytes_out,
       duration_cast<microseconds>(elapsed), duration_cast<microseconds>(request.upstream_time)});
}

}  // namespace quikedge::http
