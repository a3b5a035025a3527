// One load connection in HTTP mode: sends the request, reads the whole response,
// records it, repeats; reconnects when the connection is lost or closed.
#pragma once

#include "http/chunked_scanner.hpp"
#include "load/load_client.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <cstdint>

namespace quikedge::bench::load {

class http_client final : public load_client {
 public:
  // `index` is the client's global number, used to stagger paced connections.
  http_client(worker& owner, unsigned index);

  boost::asio::awaitable<void> run() override;

 private:
  struct response_info {
    int status = 0;
    bool keep_alive = true;
    std::size_t tally_slot = SIZE_MAX;
  };

  boost::asio::awaitable<outcome> exchange(bool measured, response_info& response);
  boost::asio::awaitable<bool> send_request();
  boost::asio::awaitable<outcome> read_response(bool measured, response_info& response);
  void record_response(outcome result, bool measured, clock::time_point scheduled,
                       const response_info& response);
  void close() override;

  http::chunked_scanner chunks_;
  bool paced_ = false;
  clock::duration interval_{};
  clock::time_point next_send_;
  bool connected_ = false;
};

}  // namespace quikedge::bench::load
