// TLS context and credentials for the etcd members.
#include "etcd/access.hpp"

#include <openssl/err.h>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "etcd/etcd_messages.hpp"
#include "tls/client_context.hpp"
#include "tls/openssl_reason.hpp"

namespace quikedge::etcd {
namespace {

using tls::openssl_reason;

[[noreturn]] void refuse(SSL_CTX* ctx, const std::string& what) {
  std::string why = openssl_reason();
  SSL_CTX_free(ctx);
  throw std::runtime_error("state.etcd.tls: " + what + ": " + why);
}

}  // namespace

access::access(const etcd_config& settings)
    : username_(settings.username), password_file_(settings.password_file) {
  if (!settings.use_tls) {
    return;
  }
  etcd_tls_config tls = settings.tls.value_or(etcd_tls_config{});
  server_name_ = tls.sni;
  verify_ = tls.verify;
  tls_ = SSL_CTX_new(TLS_client_method());
  if (tls_ == nullptr) {
    refuse(nullptr, "cannot create a TLS context");
  }
  SSL_CTX_set_min_proto_version(tls_, TLS1_2_VERSION);
  if (verify_) {
    const int loaded = tls.ca.empty()
                           ? SSL_CTX_set_default_verify_paths(tls_)
                           : SSL_CTX_load_verify_locations(tls_, tls.ca.c_str(), nullptr);
    if (loaded != 1) {
      refuse(tls_, "cannot load the CA " +
                       (tls.ca.empty() ? std::string("system store") : "\"" + tls.ca + "\""));
    }
    SSL_CTX_set_verify(tls_, SSL_VERIFY_PEER, nullptr);
  } else {
    SSL_CTX_set_verify(tls_, SSL_VERIFY_NONE, nullptr);
  }
  if (!tls.certificate.empty()) {
    if (SSL_CTX_use_certificate_chain_file(tls_, tls.certificate.c_str()) != 1) {
      refuse(tls_, "cannot load the client certificate \"" + tls.certificate + "\"");
    }
    if (SSL_CTX_use_PrivateKey_file(tls_, tls.private_key.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(tls_) != 1) {
      refuse(tls_, "cannot use the private key \"" + tls.private_key + "\"");
    }
  }
}

access::~access() {
  SSL_CTX_free(tls_);
}

SSL* access::new_tls_session(const address& member) const {
  SSL* ssl = SSL_new(tls_);
  if (ssl == nullptr) {
    ERR_clear_error();
    return nullptr;
  }
  // An endpoint written as an address is verified against the certificate's
  // IP subjectAltName; a name is sent as SNI and verified as a host name.
  if (!tls::set_peer_name(ssl, tls::peer_name(server_name_, member.host), member.host, verify_)) {
    ERR_clear_error();
    SSL_free(ssl);
    return nullptr;
  }
  return ssl;
}

std::optional<std::string> access::authenticate_request(std::string& why) const {
  std::ifstream in(password_file_, std::ios::binary);
  if (!in) {
    why = "cannot read state.etcd.password_file \"" + password_file_ + "\"";
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::string password = text.str();
  // Secrets written by `echo` or kubectl end with a newline that is not part of
  // the password.
  while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) {
    password.pop_back();
  }
  if (password.empty()) {
    why = "state.etcd.password_file \"" + password_file_ + "\" is empty";
    return std::nullopt;
  }
  boost::json::object body;
  body["name"] = username_;
  body["password"] = password;
  return boost::json::serialize(body);
}

const std::string* access::token_for(const address& member) const {
  auto found = tokens_.find(member.to_string());
  return found == tokens_.end() ? nullptr : &found->second;
}

void access::remember(const address& member, std::string token) {
  tokens_[member.to_string()] = std::move(token);
}

void access::forget(const address& member, const std::string& token) {
  auto found = tokens_.find(member.to_string());
  if (found != tokens_.end() && found->second == token) {
    tokens_.erase(found);
  }
}

std::optional<std::string> access::take_sign_in(const address& member, unsigned status,
                                                const std::string& body, std::string& why) {
  std::optional<std::string> token;
  if (authentication_off(status, body)) {
    token.emplace();
  } else {
    gateway_error error;
    token = status == 200 ? parse_token(body, &error) : std::nullopt;
    if (!token) {
      why = "etcd refused to authenticate " + username_ + ": " +
            (error.message.empty() ? body.substr(0, 200) : error.message);
      return std::nullopt;
    }
  }
  remember(member, *token);
  return token;
}

bool token_refused(unsigned status, std::string_view body, bool sent_token) {
  if (status == 401) {
    return true;
  }
  return !sent_token && (status == 403 || (status == 400 && body.find("user name is empty") !=
                                                                std::string_view::npos));
}

bool authentication_off(unsigned status, std::string_view body) {
  return status != 200 && body.find("authentication is not enabled") != std::string::npos;
}

access_ptr make_access(const etcd_config& settings) {
  return std::make_shared<access>(settings);
}

}  // namespace quikedge::etcd
