// Bounded TLS client operations: async calls driven by run_for().
#include "support/tls_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/ssl.hpp>

namespace quikedge::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

template <class Start>
boost::system::error_code tls_client::wait(Start&& start) {
  boost::system::error_code result = asio::error::timed_out;
  bool done = false;
  io_.restart();
  start([&](const boost::system::error_code& ec, auto&&...) {
    result = ec;
    done = true;
  });
  io_.run_for(timeout_);
  if (!done) {
    boost::system::error_code ignored;
    beast::get_lowest_layer(*ws_).cancel(ignored);
    io_.restart();
    io_.run_for(std::chrono::seconds(1));
    result = asio::error::timed_out;
  }
  return result;
}

tls_client::tls_client(const std::filesystem::path& ca, const std::string& server_name,
                       std::uint16_t port, SSL_SESSION* session)
    : server_name_(server_name) {
  context_.load_verify_file(ca.string());
  context_.set_verify_mode(asio::ssl::verify_peer);
  ws_ = std::make_unique<beast::websocket::stream<tls_stream>>(io_, context_);
  auto& tls = ws_->next_layer();
  SSL_set_tlsext_host_name(tls.native_handle(), server_name.c_str());
  tls.set_verify_callback(asio::ssl::host_name_verification(server_name));
  if (session != nullptr) {
    SSL_set_session(tls.native_handle(), session);
  }
  static const unsigned char protocols[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_set_alpn_protos(tls.native_handle(), protocols, sizeof protocols);
  const asio::ip::tcp::endpoint target(asio::ip::make_address("127.0.0.1"), port);
  auto ec =
      wait([&](auto handler) { beast::get_lowest_layer(*ws_).async_connect(target, handler); });
  if (!ec) {
    ec = wait([&](auto handler) { tls.async_handshake(asio::ssl::stream_base::client, handler); });
  }
  connected_ = !ec;
  error_ = ec ? ec.message() : "";
}

tls_client::~tls_client() {
  boost::system::error_code ignored;
  beast::get_lowest_layer(*ws_).close(ignored);
}

std::string tls_client::served_subject() const {
  X509* peer = SSL_get0_peer_certificate(ws_->next_layer().native_handle());
  if (peer == nullptr) {
    return "";
  }
  BIO* out = BIO_new(BIO_s_mem());
  X509_NAME_print_ex(out, X509_get_subject_name(peer), 0, XN_FLAG_RFC2253 & ~XN_FLAG_DN_REV);
  char* data = nullptr;
  long length = BIO_get_mem_data(out, &data);
  std::string text(data, static_cast<std::size_t>(length));
  BIO_free(out);
  return text;
}

std::string tls_client::protocol() const {
  return SSL_get_version(ws_->next_layer().native_handle());
}

std::string tls_client::alpn() const {
  const unsigned char* chosen = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(ws_->next_layer().native_handle(), &chosen, &length);
  return std::string(reinterpret_cast<const char*>(chosen), length);
}

bool tls_client::resumed() const {
  return SSL_session_reused(ws_->next_layer().native_handle()) == 1;
}

SSL_SESSION* tls_client::session() const {
  return SSL_get1_session(ws_->next_layer().native_handle());
}

http_response tls_client::get(const std::string& target) {
  http_response out;
  bhttp::request<bhttp::empty_body> request{bhttp::verb::get, target, 11};
  request.set(bhttp::field::host, server_name_);
  auto& tls = ws_->next_layer();
  auto ec = wait([&](auto handler) { bhttp::async_write(tls, request, handler); });
  bhttp::response<bhttp::string_body> response;
  if (!ec) {
    ec = wait([&](auto handler) { bhttp::async_read(tls, buffer_, response, handler); });
  }
  if (ec) {
    out.error = ec.message();
    return out;
  }
  out.status = static_cast<int>(response.result_int());
  out.keep_alive = response.keep_alive();
  out.body = response.body();
  for (const auto& field : response) {
    out.headers.insert(field.name_string(), field.value());
  }
  return out;
}

bool tls_client::open_websocket(const std::string& target) {
  auto ec = wait([&](auto handler) { ws_->async_handshake(server_name_, target, handler); });
  upgraded_ = !ec;
  error_ = ec ? ec.message() : "";
  return upgraded_;
}

std::optional<std::string> tls_client::echo(const std::string& text) {
  auto ec = wait([&](auto handler) { ws_->async_write(asio::buffer(text), handler); });
  beast::flat_buffer message;
  if (!ec) {
    ec = wait([&](auto handler) { ws_->async_read(message, handler); });
  }
  if (ec) {
    error_ = ec.message();
    return std::nullopt;
  }
  return beast::buffers_to_string(message.data());
}

}  // namespace quikedge::test
