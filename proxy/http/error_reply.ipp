// downstream_connection: the responses the proxy makes itself (bad heads,
// limits, timeouts, no route, upstream failures before a response started).
// Included by downstream_connection_*.cpp.
#pragma once

#include <boost/asio/write.hpp>

#include "http/downstream_connection.hpp"
#include "http/head_writer.hpp"

namespace quikedge::http {

template <class ClientStream, template <class> class Exchange>
void downstream_connection<ClientStream, Exchange>::reply_error(int status, bool close_after) {
  if (exchange_.end_upload()) {
    close_after = true;  // the client is still sending a body nobody reads
  }
  auto& request = request_;
  if (phase_ == phase::idle || phase_ == phase::request_head) {
    // Refused before it went upstream: still one request for metrics and the log.
    request.started = clock::now();
    request.stack_index = -1;
    request.bytes_in = client_in_.size();
    request.bytes_out = 0;
    request.upstream_time = {};
    request.log_this = context_.access_log != nullptr && context_.access_log->sample();
    if (request.log_this) {
      log_.method.assign("-");
      log_.path.assign("-");
      log_.request_id.clear();
    }
  }
  phase_ = phase::writing_error;
  request.status = status;
  request.keep_alive = request.keep_alive && !close_after;
  write_error_response(status, !request.keep_alive, reply_);
  set_deadline(std::chrono::milliseconds(5000));
  boost::asio::async_write(client_, boost::asio::buffer(reply_),
                           [self = this->shared_from_this()](const error_code& ec, std::size_t) {
                             self->on_error_written(ec);
                           });
}

template <class ClientStream, template <class> class Exchange>
void downstream_connection<ClientStream, Exchange>::on_error_written(const error_code& ec) {
  request_.bytes_out += reply_.size();
  record(request_.status);
  request_.table.reset();
  if (ec || !request_.keep_alive) {
    close();
    return;
  }
  do_read_request_head();
}

}  // namespace quikedge::http
