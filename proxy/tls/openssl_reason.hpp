// OpenSSL's reason for the error at the head of this thread's queue, as one
// line for a log or an exception ("error:0480006C:PEM routines::no start
// line"), and the queue left clean for the next user.
#pragma once

#include <openssl/err.h>

#include <string>

namespace quikedge::tls {

inline std::string openssl_reason() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) {
    return "unknown error";
  }
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

}  // namespace quikedge::tls
