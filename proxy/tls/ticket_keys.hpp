// Session ticket keys shared by every worker: the newest key seals new
// tickets, the two before it still open old ones, and rotate() drops the
// oldest so a stolen key opens at most a few hours of tickets.
//
// A seqlock over atomic words: the control thread (the only writer) rotates;
// handshakes on any worker read a consistent copy without a lock and retry
// only if a rotation overlapped the copy (once an hour).
#pragma once

#include <openssl/evp.h>
#include <openssl/ssl.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace quikedge::tls {

class ticket_keys {
 public:
  static constexpr std::size_t kept = 3;  ///< the sealing key and two older ones

  /// Starts with one fresh random key. Throws std::runtime_error when the
  /// random generator fails.
  ticket_keys();
  ticket_keys(const ticket_keys&) = delete;
  ticket_keys& operator=(const ticket_keys&) = delete;

  /// A new sealing key; the oldest is forgotten. Control thread only.
  void rotate();

  /// OpenSSL's ticket key callback (SSL_CTX_set_tlsext_ticket_key_evp_cb),
  /// for `this` ring. Returns 1 (use), 2 (use and issue a fresh ticket: sealed
  /// by an older key), 0 (unknown key: full handshake), -1 on error. Any thread.
  int crypt(unsigned char name[16], unsigned char* iv, EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac,
            int encrypt) const;

 private:
  struct key_material {
    std::array<unsigned char, 16> name;
    std::array<unsigned char, 32> aes;
    std::array<unsigned char, 32> hmac;
  };
  static constexpr std::size_t words_per_key = sizeof(key_material) / sizeof(std::uint64_t);
  static_assert(sizeof(key_material) % sizeof(std::uint64_t) == 0);

  /// Copies the ring; `count` keys are valid. Lock-free.
  void read(std::array<key_material, kept>& out, std::size_t& count) const;
  void publish();

  std::atomic<std::uint64_t> sequence_{0};  ///< odd while a rotation writes
  std::array<std::atomic<std::uint64_t>, kept * words_per_key> words_{};
  std::atomic<std::size_t> count_{0};
  std::array<key_material, kept> shadow_{};  ///< the writer's own copy
  std::size_t shadow_count_ = 0;
};

}  // namespace quikedge::tls
