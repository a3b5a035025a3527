// Base fixture of the TLS tests: a test CA with certificates made by the openssl
// CLI in the test's own directory, blue and green upstreams, and a proxy whose
// listener terminates TLS with those certificates.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "support/test_certificates.hpp"
#include "support/tls_client.hpp"
#include "support/two_stacks.hpp"

namespace quikedge::test {

class tls_fixture : public two_stacks {
 protected:
  void SetUp() override {
    certs_dir_ = make_temp_directory();
    ca_ = std::make_unique<test_ca>(certs_dir_);
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(certs_dir_, ignored);
  }

  /// The `tls:` block of the listener, listing `pairs` (the first is the
  /// default), then `more` (each line indented by 6).
  static std::string tls_block(const std::vector<certificate_files>& pairs,
                               const std::string& more = "") {
    std::string block = "    tls:\n      certificates:\n";
    for (const auto& pair : pairs) {
      block += "        - { certificate: \"" + pair.certificate.string() + "\", private_key: \"" +
               pair.private_key.string() + "\"";
      if (!pair.ocsp_staple.empty()) {
        block += ", ocsp_staple: \"" + pair.ocsp_staple.string() + "\"";
      }
      block += " }\n";
    }
    return block + more;
  }

  /// Starts upstreams and a proxy (weights 100/0, sticky cookie quikedge_stack)
  /// terminating TLS with `pairs`.
  testing::AssertionResult start_tls(const std::vector<certificate_files>& pairs,
                                     const std::string& more_tls = "",
                                     const std::string& top_level = "") {
    proxy_config config;
    config.listener_extra = tls_block(pairs, more_tls);
    config.top_level_extra = top_level;
    config.routing_extra = "  sticky: { cookie: quikedge_stack }\n";
    return start(100, 0, config);
  }

  /// A TLS connection to the proxy with SNI `name`, verified against the test CA.
  std::unique_ptr<tls_client> connect(const std::string& name, SSL_SESSION* session = nullptr) {
    return std::make_unique<tls_client>(ca_->certificate(), name, port(), session);
  }

  /// POST /api/v1/reload; its status.
  int reload() { return proxy.admin("POST", "/api/v1/reload").status; }

  std::filesystem::path certs_dir_;
  std::unique_ptr<test_ca> ca_;
};

}  // namespace quikedge::test
