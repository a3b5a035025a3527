// Session ticket key ring (AES-256-CBC + HMAC-SHA256, as OpenSSL's own tickets).
#include "tls/ticket_keys.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <cstring>
#include <stdexcept>

namespace quikedge::tls {

ticket_keys::ticket_keys() {
  rotate();
}

void ticket_keys::rotate() {
  for (std::size_t i = kept - 1; i > 0; --i) {
    shadow_[i] = shadow_[i - 1];
  }
  key_material& fresh = shadow_[0];
  if (RAND_bytes(fresh.name.data(), fresh.name.size()) != 1 ||
      RAND_priv_bytes(fresh.aes.data(), fresh.aes.size()) != 1 ||
      RAND_priv_bytes(fresh.hmac.data(), fresh.hmac.size()) != 1) {
    throw std::runtime_error("cannot generate a TLS session ticket key");
  }
  shadow_count_ = std::min(shadow_count_ + 1, kept);
  publish();
}

void ticket_keys::publish() {
  const auto sequence = sequence_.load(std::memory_order_relaxed);
  sequence_.store(sequence + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  for (std::size_t k = 0; k < kept; ++k) {
    std::uint64_t word = 0;
    for (std::size_t w = 0; w < words_per_key; ++w) {
      std::memcpy(&word, reinterpret_cast<const unsigned char*>(&shadow_[k]) + w * sizeof word,
                  sizeof word);
      words_[k * words_per_key + w].store(word, std::memory_order_relaxed);
    }
  }
  count_.store(shadow_count_, std::memory_order_relaxed);
  sequence_.store(sequence + 2, std::memory_order_release);
}

void ticket_keys::read(std::array<key_material, kept>& out, std::size_t& count) const {
  while (true) {
    const auto before = sequence_.load(std::memory_order_acquire);
    if ((before & 1) != 0) {
      continue;  // a rotation is writing: a few stores, done at once
    }
    for (std::size_t k = 0; k < kept; ++k) {
      for (std::size_t w = 0; w < words_per_key; ++w) {
        const std::uint64_t word = words_[k * words_per_key + w].load(std::memory_order_relaxed);
        std::memcpy(reinterpret_cast<unsigned char*>(&out[k]) + w * sizeof word, &word,
                    sizeof word);
      }
    }
    count = count_.load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (sequence_.load(std::memory_order_relaxed) == before) {
      return;
    }
  }
}

namespace {

/// AES-256-CBC fetched once: passing EVP_aes_256_cbc() makes OpenSSL 3 look
/// the implementation up again (name map, locks) for every ticket sealed or
/// opened, twice per full TLS 1.3 handshake. Never freed: process lifetime.
const EVP_CIPHER* ticket_cipher() {
  static const EVP_CIPHER* const fetched = [] {
    const EVP_CIPHER* c = EVP_CIPHER_fetch(nullptr, "AES-256-CBC", nullptr);
    return c != nullptr ? c : EVP_aes_256_cbc();
  }();
  return fetched;
}

}  // namespace

int ticket_keys::crypt(unsigned char name[16], unsigned char* iv, EVP_CIPHER_CTX* cipher,
                       EVP_MAC_CTX* mac, int encrypt) const {
  std::array<key_material, kept> keys;
  std::size_t count = 0;
  read(keys, count);
  int result = -1;
  const key_material* chosen = nullptr;
  if (encrypt != 0) {
    if (count > 0 && RAND_bytes(iv, 16) == 1) {  // AES-CBC: a 16-byte IV
      chosen = &keys[0];
      std::memcpy(name, chosen->name.data(), chosen->name.size());
      result = EVP_EncryptInit_ex(cipher, ticket_cipher(), nullptr, chosen->aes.data(), iv) == 1
                   ? 1
                   : -1;
    }
  } else {
    result = 0;  // not ours (or expired): the client gets a full handshake
    for (std::size_t k = 0; k < count; ++k) {
      if (std::memcmp(name, keys[k].name.data(), keys[k].name.size()) == 0) {
        chosen = &keys[k];
        bool ok = EVP_DecryptInit_ex(cipher, ticket_cipher(), nullptr, chosen->aes.data(), iv) == 1;
        result = !ok ? -1 : (k == 0 ? 1 : 2);
        break;
      }
    }
  }
  if (chosen != nullptr && result > 0) {
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY,
                                          const_cast<unsigned char*>(chosen->hmac.data()),
                                          chosen->hmac.size()),
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
        OSSL_PARAM_construct_end()};
    if (EVP_MAC_CTX_set_params(mac, params) != 1) {
      result = -1;
    }
  }
  OPENSSL_cleanse(keys.data(), sizeof keys);  // no copies of the keys left on the stack
  return result;
}

}  // namespace quikedge::tls
