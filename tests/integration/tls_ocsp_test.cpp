// OCSP stapling: a certificate configured with `ocsp_staple` has that response
// stapled when a client asks (openssl s_client -status); one without gets none.
#include <gtest/gtest.h>

#include "integration/tls_fixture.hpp"

namespace quikedge::test {
namespace {

class tls_ocsp : public tls_fixture {
 protected:
  void SetUp() override {
    tls_fixture::SetUp();
    auto app = ca_->issue("app", "/CN=app.quikapp.test", {"app.quikapp.test"});
    app.ocsp_staple = ca_->ocsp_response(app, "app", "/CN=app.quikapp.test");
    auto api = ca_->issue("api", "/CN=api.quikapp.test", {"api.quikapp.test"});
    ASSERT_TRUE(start_tls({app, api}));
  }

  command_result s_client_status(const std::string& name) {
    return run_command({"/usr/bin/openssl", "s_client", "-connect",
                        "127.0.0.1:" + std::to_string(port()), "-servername", name, "-status",
                        "-CAfile", ca_->certificate().string()});
  }
};

TEST_F(tls_ocsp, the_configured_staple_is_sent_to_clients_that_ask) {
  auto stapled = s_client_status("app.quikapp.test");
  EXPECT_EQ(stapled.exit_status, 0) << stapled.err;
  EXPECT_NE(stapled.out.find("OCSP Response Status: successful"), std::string::npos) << stapled.out;
  EXPECT_NE(stapled.out.find("Cert Status: good"), std::string::npos) << stapled.out;
}

TEST_F(tls_ocsp, a_certificate_without_a_staple_sends_none) {
  auto plain = s_client_status("api.quikapp.test");
  EXPECT_EQ(plain.exit_status, 0) << plain.err;
  EXPECT_NE(plain.out.find("OCSP response: no response sent"), std::string::npos) << plain.out;
}

}  // namespace
}  // namespace quikedge::test
