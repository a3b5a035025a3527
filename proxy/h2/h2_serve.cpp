#include "h2/h2_serve.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>

#include "h2/h2_transport.hpp"

namespace quikedge::h2 {

template <class Stream>
void serve_h2(http::session_context& context, Stream stream, const boost::asio::ip::address& client,
              bool tls, std::uint16_t listener, util::byte_buffer already_read) {
  std::make_shared<h2_transport<Stream>>(context, std::move(stream), client, tls, listener)
      ->start(std::move(already_read));
}

bool listener_speaks_h2(const http::session_context& context, std::uint16_t listener) {
  const auto& listeners = context.table->settings().listeners;
  return listener < listeners.size() && listeners[listener].http2;
}

template void serve_h2(http::session_context&, boost::asio::ip::tcp::socket,
                       const boost::asio::ip::address&, bool, std::uint16_t, util::byte_buffer);
template void serve_h2(http::session_context&,
                       boost::asio::ssl::stream<boost::asio::ip::tcp::socket>,
                       const boost::asio::ip::address&, bool, std::uint16_t, util::byte_buffer);

}  // namespace quikedge::h2
