// Test CA and leaf certificates through the openssl command line.
#include "support/test_certificates.hpp"

#include <fstream>
#include <stdexcept>

#include "support/child_process.hpp"

namespace quikedge::test {
namespace {

void run_openssl(std::vector<std::string> args) {
  args.insert(args.begin(), "/usr/bin/openssl");
  auto result = run_command(args, std::chrono::seconds(30));
  if (result.exit_status != 0) {
    throw std::runtime_error("openssl " + args[1] + " failed: " + result.err);
  }
}

const std::vector<std::string> p256 = {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                                       "-nodes"};

}  // namespace

test_ca::test_ca(std::filesystem::path directory) : directory_(std::move(directory)) {
  std::vector<std::string> args = {"req",     "-x509",
                                   "-days",   "2",
                                   "-subj",   "/CN=quikedge test CA",
                                   "-keyout", (directory_ / "ca.key").string(),
                                   "-out",    certificate().string()};
  args.insert(args.begin() + 2, p256.begin(), p256.end());
  run_openssl(args);
}

certificate_files test_ca::issue(const std::string& stem, const std::string& subject,
                                 const std::vector<std::string>& names,
                                 const std::string& extended_key_usage) const {
  certificate_files files{directory_ / (stem + ".crt"), directory_ / (stem + ".key"), {}};
  const auto csr = directory_ / (stem + ".csr");
  const auto extensions = directory_ / (stem + ".ext");
  {
    std::ofstream out(extensions);
    out << "basicConstraints=critical,CA:FALSE\nkeyUsage=digitalSignature\n"
        << "extendedKeyUsage=" << extended_key_usage << "\n";
    for (std::size_t i = 0; i < names.size(); ++i) {
      out << (i == 0 ? "subjectAltName=" : ",") << (names[i].starts_with("IP:") ? "" : "DNS:")
          << names[i];
    }
    out << "\n";
  }
  std::vector<std::string> request = {
      "req", "-subj", subject, "-keyout", files.private_key.string(), "-out", csr.string()};
  request.insert(request.begin() + 1, p256.begin(), p256.end());
  run_openssl(request);
  run_openssl({"x509", "-req", "-in", csr.string(), "-CA", certificate().string(), "-CAkey",
               (directory_ / "ca.key").string(), "-CAcreateserial", "-days", "30", "-extfile",
               extensions.string(), "-out", files.certificate.string()});
  return files;
}

std::filesystem::path test_ca::ocsp_response(const certificate_files& files,
                                             const std::string& stem,
                                             const std::string& subject) const {
  auto serial = run_command(
      {"/usr/bin/openssl", "x509", "-in", files.certificate.string(), "-noout", "-serial"});
  const auto equals = serial.out.find('=');
  if (serial.exit_status != 0 || equals == std::string::npos) {
    throw std::runtime_error("openssl x509 -serial failed: " + serial.err);
  }
  const std::string number = serial.out.substr(equals + 1, serial.out.find('\n') - equals - 1);
  const auto index = directory_ / (stem + ".index");
  std::ofstream(index) << "V\t301231235959Z\t\t" << number << "\tunknown\t" << subject << "\n";
  const auto request = directory_ / (stem + ".ocsp-request");
  const auto response = directory_ / (stem + ".ocsp");
  run_openssl({"ocsp", "-issuer", certificate().string(), "-cert", files.certificate.string(),
               "-no_nonce", "-reqout", request.string()});
  run_openssl({"ocsp", "-index", index.string(), "-rsigner", certificate().string(), "-rkey",
               (directory_ / "ca.key").string(), "-CA", certificate().string(), "-reqin",
               request.string(), "-respout", response.string(), "-ndays", "1"});
  return response;
}

std::filesystem::path test_ca::unrelated_key(const std::string& stem) const {
  auto key = directory_ / (stem + ".key");
  run_openssl(
      {"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key.string()});
  return key;
}

}  // namespace quikedge::test
