// Choice of the client class for the run's load mode.
#include "load/load_client.hpp"

#include "load/http_client.hpp"
#include "load/worker.hpp"
#include "load/ws_client.hpp"

namespace quikedge::bench::load {

std::unique_ptr<load_client> make_client(worker& owner, unsigned index) {
  switch (owner.plan().options->mode) {
    case load_mode::http:
      break;
    case load_mode::websocket:
      return std::make_unique<ws_client>(owner, index);
  }
  return std::make_unique<http_client>(owner, index);
}

}  // namespace quikedge::bench::load
