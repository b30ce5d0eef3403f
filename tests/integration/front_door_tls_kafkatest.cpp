// HTTPS on the front door (AGENTSTUDIO_TLS_CERT_FILE, _KEY_FILE) with a
// certificate made for the test by the openssl command, and a client that
// stalls its handshake (docs/security.md, TLS).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "engine/timestamp.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/stack.hpp"
#include "tests/support/test_tokens.hpp"

namespace agentstudio {
namespace {

using daemon::Role;
using testing::Http;

const std::string kSecret = "the front door TLS test's secret, 32+ bytes";

struct Certificate {
  std::string cert_file;
  std::string key_file;
};

// A self-signed certificate for 127.0.0.1, valid for two days. The files are
// named by process: ctest runs this suite's tests side by side, and a test
// whose certificate file another one overwrote no longer trusts its server.
Certificate MakeCertificate() {
  const std::string base = ::testing::TempDir() + "front_door_tls." + std::to_string(getpid());
  Certificate made{base + ".cert.pem", base + ".key.pem"};
  const auto [status, output] = testing::ChildProcess::Run(
      "/usr/bin/openssl",
      {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
       "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", made.key_file, "-out", made.cert_file},
      {});
  EXPECT_EQ(status, 0) << output;
  return made;
}

class FrontDoorTlsTest : public ::testing::Test {
 protected:
  std::string Url(const std::string& path) const {
    return "https://127.0.0.1:" + std::to_string(stack_.http_port()) + path;
  }
  std::map<std::string, std::string> Bearer() const {
    const int64_t now = engine::WallClockNow() / 1000;
    return {{"Authorization", "Bearer " + testing::SignHs256({{"sub", "user_1"},
                                                              {"tenant", "acme"},
                                                              {"scopes", {"workflows:read"}},
                                                              {"exp", now + 600}},
                                                             kSecret)}};
  }

  Certificate certificate_ = MakeCertificate();
  testing::InProcessStack stack_{{Role::kFrontdoor}, [this](daemon::Config& c) {
                                   c.auth.mode = auth::AuthMode::kRequired;
                                   c.auth.jwt.hs256_secret = kSecret;
                                   c.tls_cert_file = certificate_.cert_file;
                                   c.tls_key_file = certificate_.key_file;
                                 }};
};

TEST_F(FrontDoorTlsTest, ShouldServeHttpsWithTheConfiguredCertificateOnly) {
  const auto health = Http("GET", Url("/health"), "", {}, certificate_.cert_file);
  EXPECT_EQ(health.status, 200) << health.body << health.error;
  const auto list = Http("GET", Url("/api/workflows"), "", Bearer(), certificate_.cert_file);
  EXPECT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(Http("GET", Url("/health")).status, 0)
      << "a client that does not trust the certificate gets no answer";
  EXPECT_EQ(
      Http("GET", "http://127.0.0.1:" + std::to_string(stack_.http_port()) + "/health").status, 0)
      << "plain HTTP is not served on the TLS port";
  const auto after = Http("GET", Url("/health"), "", {}, certificate_.cert_file);
  EXPECT_EQ(after.status, 200) << "the failed handshakes left the port serving: " << after.error;
}

// Pistache handshakes in its one accept thread, on a blocking socket. Debian's
// build gives each handshake read 10 s (SO_RCVTIMEO, not configurable), so
// a client that connects and says nothing holds up the next one that long,
// not for as long as it stays connected (then this request would outlast
// curl's 30 s). docs/security.md says when to put a proxy in front.
TEST_F(FrontDoorTlsTest, ShouldServeTheNextClientOnceAStalledHandshakeTimesOut) {
  const int silent = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(silent, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(stack_.http_port());
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(silent, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  const auto health = Http("GET", Url("/health"), "", {}, certificate_.cert_file);
  EXPECT_EQ(health.status, 200) << "a silent client held up the next one";
  close(silent);
}

}  // namespace
}  // namespace agentstudio
