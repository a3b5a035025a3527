// How quikedge reaches and identifies itself to the etcd members: TLS for
// https:// endpoints (the members' CA, an optional client certificate) and
// etcd's own authentication (a user whose password is read from a file).
//
// Tokens are kept per member: etcd's default simple tokens expire on a member
// where they went unused for --auth-token-ttl (5 minutes), so a member this
// client fails over to may no longer know the token another one issued. A
// call that reaches a member without a known token signs in there first, and
// one whose token the member refuses signs in again. JWT tokens work the same.
// Control thread only (and the start-up read, before that thread runs).
#pragma once

#include <openssl/ssl.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "quikedge/config.hpp"

namespace quikedge::etcd {

class access {
 public:
  /// Plain http:// without authentication.
  access() = default;
  /// Builds the TLS context of https:// endpoints. Throws std::runtime_error
  /// naming the file and OpenSSL's reason when a CA or the client pair cannot
  /// be loaded.
  explicit access(const etcd_config& settings);
  ~access();
  access(const access&) = delete;
  access& operator=(const access&) = delete;

  /// Null for http:// endpoints.
  [[nodiscard]] SSL_CTX* tls_context() const { return tls_; }
  /// A new client SSL for a connection to `member`: SNI and the name (or
  /// address) its certificate must carry. Null when OpenSSL refuses.
  [[nodiscard]] SSL* new_tls_session(const address& member) const;

  [[nodiscard]] bool authenticates() const { return !username_.empty(); }
  /// The body of POST /v3/auth/authenticate with the password as the file
  /// holds it now (a trailing newline dropped); nullopt with `why` set when
  /// the file cannot be read.
  [[nodiscard]] std::optional<std::string> authenticate_request(std::string& why) const;
  [[nodiscard]] const std::string& username() const { return username_; }

  /// The token `member` issued; "" when it needs none (its authentication is
  /// off); null when none is known yet.
  [[nodiscard]] const std::string* token_for(const address& member) const;
  void remember(const address& member, std::string token);
  /// Forgets `token` when it is still the one kept for `member` (a newer one
  /// obtained meanwhile by another client stays).
  void forget(const address& member, const std::string& token);

  /// Takes `member`'s answer to /v3/auth/authenticate: remembers and returns
  /// its token ("" when its authentication is off), or nullopt with `why` in
  /// etcd's words (a wrong password, an unknown user).
  std::optional<std::string> take_sign_in(const address& member, unsigned status,
                                          const std::string& body, std::string& why);

 private:
  SSL_CTX* tls_ = nullptr;
  std::string server_name_;
  bool verify_ = true;
  std::string username_;
  std::string password_file_;
  std::map<std::string, std::string> tokens_;  ///< by member HOST:PORT
};

using access_ptr = std::shared_ptr<access>;

/// An answer that means "authenticate (again)": 401 for a token the member
/// does not know (expired, or forged); for a call sent without a token (its
/// member had authentication off), 400 "user name is empty" or 403, which is
/// what etcd answers such calls once authentication was switched on.
[[nodiscard]] bool token_refused(unsigned status, std::string_view body, bool sent_token);
/// An answer to /v3/auth/authenticate from a member whose authentication is
/// off: calls then go without a token (credentials can be rolled out before
/// `etcdctl auth enable`).
[[nodiscard]] bool authentication_off(unsigned status, std::string_view body);

/// The access of `settings`, or plain access for a config without etcd.
[[nodiscard]] access_ptr make_access(const etcd_config& settings);

}  // namespace quikedge::etcd
