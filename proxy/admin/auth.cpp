// SHA-256 token matching.
#include "admin/auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace quikedge::admin {

std::string sha256_hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(hex[digest[i] >> 4]);
    out.push_back(hex[digest[i] & 0xf]);
  }
  return out;
}

std::optional<admin_token> authenticate(std::string_view authorization,
                                        const std::vector<admin_token>& tokens) {
  constexpr std::string_view scheme = "Bearer ";
  if (authorization.size() <= scheme.size() || authorization.substr(0, scheme.size()) != scheme) {
    return std::nullopt;
  }
  const std::string digest = sha256_hex(authorization.substr(scheme.size()));
  std::optional<admin_token> match;
  // Compare against every token, always, so the time taken says nothing.
  for (const auto& token : tokens) {
    if (token.token_sha256.size() == digest.size() &&
        CRYPTO_memcmp(token.token_sha256.data(), digest.data(), digest.size()) == 0) {
      match = token;
    }
  }
  return match;
}

}  // namespace quikedge::admin
