#include "daemon/config.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/support/test_rsa_keys.hpp"

namespace agentstudio::daemon {
namespace {

const std::map<std::string, std::string> kDatabase = {
    {"AGENTSTUDIO_DATABASE_URL", "postgresql://u@127.0.0.1:1/db"}};

Config Load(const std::vector<std::string>& args,
            std::map<std::string, std::string> env = kDatabase) {
  auto result = LoadConfig(args, env);
  if (auto* error = std::get_if<std::string>(&result)) ADD_FAILURE() << *error;
  return std::get<Config>(result);
}

std::string Error(const std::vector<std::string>& args,
                  std::map<std::string, std::string> env = kDatabase) {
  auto result = LoadConfig(args, env);
  return std::holds_alternative<std::string>(result) ? std::get<std::string>(result) : "";
}

TEST(LoadConfig, ShouldRunEveryRoleAndTheEmbeddedBrokerByDefault) {
  const Config c = Load({});
  EXPECT_TRUE(c.Has(Role::kFrontdoor) && c.Has(Role::kScheduler) && c.Has(Role::kRelay) &&
              c.Has(Role::kAgent) && c.Has(Role::kBroker));
  EXPECT_EQ(c.http_addr, "127.0.0.1:8080");
  EXPECT_EQ(c.topic_prefix, "agentstudio.");
}

TEST(LoadConfig, ShouldNotStartTheBrokerWhenBrokersAreConfigured) {
  auto env = kDatabase;
  env["AGENTSTUDIO_KAFKA_BROKERS"] = "kafka1:9092";
  EXPECT_FALSE(Load({}, env).Has(Role::kBroker));
}

TEST(LoadConfig, ShouldTakeRepeatedRoles) {
  auto env = kDatabase;
  env["AGENTSTUDIO_KAFKA_BROKERS"] = "127.0.0.1:9092";
  const Config c = Load({"--role", "scheduler", "--role=relay"}, env);
  EXPECT_EQ(c.roles, (std::set<Role>{Role::kScheduler, Role::kRelay}));
}

TEST(LoadConfig, ShouldRefuseRolesThatHaveNoBroker) {
  EXPECT_NE(Error({"--role", "scheduler"}).find("AGENTSTUDIO_KAFKA_BROKERS"), std::string::npos);
}

TEST(LoadConfig, ShouldRefuseUnknownRolesArgumentsAndBadNumbers) {
  EXPECT_NE(Error({"--role", "chef"}).find("unknown role"), std::string::npos);
  EXPECT_NE(Error({"--verbose"}).find("unknown argument"), std::string::npos);
  auto env = kDatabase;
  env["AGENTSTUDIO_PARTITIONS"] = "0";
  EXPECT_NE(Error({}, env).find("AGENTSTUDIO_PARTITIONS"), std::string::npos);
}

TEST(LoadConfig, ShouldTakeTheConsumerGroupSessionTimeoutWithinItsBounds) {
  EXPECT_EQ(Load({}).kafka_session_timeout_ms, 10000);
  auto env = kDatabase;
  env["AGENTSTUDIO_KAFKA_SESSION_TIMEOUT_MS"] = "3000";
  EXPECT_EQ(Load({}, env).kafka_session_timeout_ms, 3000);
  env["AGENTSTUDIO_KAFKA_SESSION_TIMEOUT_MS"] = "999";
  EXPECT_NE(Error({}, env).find("AGENTSTUDIO_KAFKA_SESSION_TIMEOUT_MS"), std::string::npos);
}

TEST(LoadConfig, ShouldLeaveTheTopicLayoutToTheClusterSizeUnlessSet) {
  const Config defaults = Load({});
  EXPECT_EQ(defaults.replication_factor, 0);
  EXPECT_EQ(defaults.min_insync_replicas, 0);
  auto env = kDatabase;
  env["AGENTSTUDIO_REPLICATION_FACTOR"] = "3";
  env["AGENTSTUDIO_MIN_INSYNC_REPLICAS"] = "2";
  const Config set = Load({}, env);
  EXPECT_EQ(set.replication_factor, 3);
  EXPECT_EQ(set.min_insync_replicas, 2);
  // No write could ever be acknowledged by more replicas than there are.
  env["AGENTSTUDIO_MIN_INSYNC_REPLICAS"] = "4";
  EXPECT_NE(Error({}, env).find("exceeds AGENTSTUDIO_REPLICATION_FACTOR"), std::string::npos);
  env["AGENTSTUDIO_REPLICATION_FACTOR"] = "-1";
  EXPECT_NE(Error({}, env).find("AGENTSTUDIO_REPLICATION_FACTOR"), std::string::npos);
}

TEST(LoadConfig, ShouldRequireADatabaseForRolesThatUseIt) {
  EXPECT_NE(Error({}, {}).find("AGENTSTUDIO_DATABASE_URL"), std::string::npos);
  const Config broker_only = Load({"--role", "broker"}, {});
  EXPECT_EQ(broker_only.roles, std::set<Role>{Role::kBroker});
}

TEST(LoadConfig, ShouldLetTheEnvironmentOverrideTheFileAndRejectUnknownFileKeys) {
  const std::string path = ::testing::TempDir() + "agentstudiod_config_test.env";
  {
    std::ofstream file(path);
    file << "# comment\nAGENTSTUDIO_HTTP_ADDR=127.0.0.1:9000\nAGENTSTUDIO_TOPIC_PREFIX=\"test.\"\n"
         << "AGENTSTUDIO_AGENT_TYPES=data-analyzer, test-runner\n";
  }
  auto env = kDatabase;
  env["AGENTSTUDIO_HTTP_ADDR"] = "127.0.0.1:9001";
  const Config c = Load({"--config", path}, env);
  EXPECT_EQ(c.http_addr, "127.0.0.1:9001");
  EXPECT_EQ(c.topic_prefix, "test.");
  EXPECT_EQ(c.agent_types, (std::vector<std::string>{"data-analyzer", "test-runner"}));
  {
    std::ofstream file(path);
    file << "AGENTSTUDIO_HTTP_ADRESS=127.0.0.1:9000\n";
  }
  EXPECT_NE(Error({"--config", path}).find("unknown setting"), std::string::npos);
  std::remove(path.c_str());
}

TEST(LoadConfig, ShouldTurnAuthenticationOffOnlyOnALoopbackAddress) {
  EXPECT_EQ(Load({}).auth.mode, auth::AuthMode::kNone) << "127.0.0.1 and no key";
  auto env = kDatabase;
  env["AGENTSTUDIO_HTTP_ADDR"] = "0.0.0.0:8080";
  EXPECT_NE(Error({}, env).find("not a loopback address"), std::string::npos);
  env["AGENTSTUDIO_AUTH"] = "none";
  EXPECT_NE(Error({}, env).find("only on a loopback address"), std::string::npos);
  env["AGENTSTUDIO_HTTP_ADDR"] = "[::1]:8080";
  EXPECT_EQ(Load({}, env).auth.mode, auth::AuthMode::kNone);
  env["AGENTSTUDIO_HTTP_ADDR"] = "0.0.0.0:8080";
  env.erase("AGENTSTUDIO_AUTH");
  env["AGENTSTUDIO_KAFKA_BROKERS"] = "kafka1:9092";
  EXPECT_EQ(Load({"--role", "scheduler"}, env).auth.mode, auth::AuthMode::kNone)
      << "a process without the front door listens on nothing";
}

TEST(LoadConfig, ShouldRequireAuthenticationOnceAKeyIsConfigured) {
  auto env = kDatabase;
  env["AGENTSTUDIO_HTTP_ADDR"] = "0.0.0.0:8080";
  env["AGENTSTUDIO_JWT_HS256_SECRET"] = std::string(32, 's');
  env["AGENTSTUDIO_JWT_ISSUER"] = "https://auth.example";
  env["AGENTSTUDIO_JWT_AUDIENCE"] = "https://api.example";
  const Config c = Load({}, env);
  EXPECT_EQ(c.auth.mode, auth::AuthMode::kRequired);
  EXPECT_EQ(c.auth.jwt.hs256_secret, std::string(32, 's'));
  EXPECT_EQ(c.auth.jwt.issuer, "https://auth.example");
  EXPECT_EQ(c.auth.jwt.audience, "https://api.example");

  env["AGENTSTUDIO_JWT_HS256_SECRET"] = "short-secret-value";
  EXPECT_NE(Error({}, env).find("at least 32 bytes"), std::string::npos);
  EXPECT_EQ(Error({}, env).find("short-secret-value"), std::string::npos)
      << "the secret is not repeated in the error, which goes to the log";
  env.erase("AGENTSTUDIO_JWT_HS256_SECRET");
  env["AGENTSTUDIO_AUTH"] = "required";
  EXPECT_NE(Error({}, env).find("needs a key"), std::string::npos);
  env["AGENTSTUDIO_JWT_JWKS_FILE"] = "/nonexistent/jwks.json";
  EXPECT_NE(Error({}, env).find("cannot read /nonexistent/jwks.json"), std::string::npos);
}

TEST(LoadConfig, ShouldReadRateLimitTiers) {
  auto env = kDatabase;
  env["AGENTSTUDIO_RATE_LIMIT_TIERS"] = "free=120/3, partner=5000/0";
  env["AGENTSTUDIO_RATE_LIMIT_DEFAULT_TIER"] = "partner";
  const Config c = Load({}, env);
  EXPECT_EQ(c.auth.rate_limits.TierOf("free").requests_per_minute, 120);
  EXPECT_EQ(c.auth.rate_limits.TierOf("free").concurrent_workflows, 3);
  EXPECT_EQ(c.auth.rate_limits.TierOf("developer").requests_per_minute, 300) << "kept";
  EXPECT_EQ(c.auth.rate_limits.TierOf("").requests_per_minute, 5000);
  env["AGENTSTUDIO_RATE_LIMIT_TIERS"] = "free=120";
  EXPECT_NE(Error({}, env).find("'free=120' is not name=requests-a-minute/concurrent-workflows"),
            std::string::npos)
      << Error({}, env);
  env["AGENTSTUDIO_RATE_LIMIT_TIERS"] = "free=fast/1";
  EXPECT_NE(Error({}, env).find("must be an integer"), std::string::npos);
  env.erase("AGENTSTUDIO_RATE_LIMIT_TIERS");
  EXPECT_NE(Error({}, env).find("AGENTSTUDIO_RATE_LIMIT_DEFAULT_TIER names no tier"),
            std::string::npos);
}

TEST(LoadConfig, ShouldReadTheJwtKeysFromTheirFiles) {
  const std::string secret_path = ::testing::TempDir() + "/hs256_secret";
  const std::string key_path = ::testing::TempDir() + "/rs256.pem";
  std::ofstream(secret_path) << std::string(40, 'k') << "\n";
  std::ofstream(key_path) << "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n";
  auto env = kDatabase;
  env["AGENTSTUDIO_JWT_HS256_SECRET_FILE"] = secret_path;
  env["AGENTSTUDIO_JWT_RS256_PUBLIC_KEY_FILE"] = key_path;
  const Config c = Load({}, env);
  EXPECT_EQ(c.auth.mode, auth::AuthMode::kRequired);
  EXPECT_EQ(c.auth.jwt.hs256_secret, std::string(40, 'k')) << "without the line end";
  EXPECT_NE(c.auth.jwt.rs256_public_key_pem.find("BEGIN PUBLIC KEY"), std::string::npos);
  env["AGENTSTUDIO_JWT_HS256_SECRET"] = std::string(32, 's');
  EXPECT_NE(Error({}, env).find("not both"), std::string::npos);
  env.erase("AGENTSTUDIO_JWT_HS256_SECRET");
  env["AGENTSTUDIO_JWT_HS256_SECRET_FILE"] = ::testing::TempDir() + "/missing";
  EXPECT_NE(Error({}, env).find("cannot read"), std::string::npos);
  std::ofstream(key_path) << "not a key";
  env.erase("AGENTSTUDIO_JWT_HS256_SECRET_FILE");
  EXPECT_NE(Error({}, env).find("no PEM public key"), std::string::npos);
  std::remove(secret_path.c_str());
  std::remove(key_path.c_str());
}

TEST(LoadConfig, ShouldRequireTokensSignedWithAKeyOfTheJwksFile) {
  const std::string path = ::testing::TempDir() + "/jwks.json";
  std::ofstream(path) << nlohmann::json{
      {"keys", {{{"kty", "RSA"}, {"kid", "k1"}, {"n", testing::kTestRsaJwkN}, {"e", "AQAB"}}}}};
  auto env = kDatabase;
  env["AGENTSTUDIO_HTTP_ADDR"] = "0.0.0.0:8080";
  env["AGENTSTUDIO_JWT_JWKS_FILE"] = path;
  const Config c = Load({}, env);
  EXPECT_EQ(c.auth.mode, auth::AuthMode::kRequired) << "a key set is a key: no loopback needed";
  ASSERT_EQ(c.auth.jwt.rs256_jwks.size(), 1U);
  EXPECT_EQ(c.auth.jwt.rs256_jwks.at("k1"), testing::kTestRsaPublicKeyPem);
  std::ofstream(path) << R"({"keys": []})";
  EXPECT_NE(Error({}, env).find(path + ": the document holds no RSA signing key"),
            std::string::npos)
      << Error({}, env);
  std::remove(path.c_str());
}

TEST(LoadConfig, ShouldTakeBothTlsFilesOrNeither) {
  const std::string cert = ::testing::TempDir() + "/tls_cert.pem";
  std::ofstream(cert) << "-----BEGIN CERTIFICATE-----\n";
  auto env = kDatabase;
  env["AGENTSTUDIO_TLS_CERT_FILE"] = cert;
  EXPECT_NE(Error({}, env).find("both AGENTSTUDIO_TLS_CERT_FILE and AGENTSTUDIO_TLS_KEY_FILE"),
            std::string::npos);
  env["AGENTSTUDIO_TLS_KEY_FILE"] = ::testing::TempDir() + "/missing_key.pem";
  EXPECT_NE(Error({}, env).find("cannot read"), std::string::npos);
  env["AGENTSTUDIO_TLS_KEY_FILE"] = cert;  // checked for a match when the front door starts
  EXPECT_EQ(Load({}, env).tls_key_file, cert);
  std::remove(cert.c_str());
}

TEST(LoadConfig, ShouldRecogniseMigrate) {
  const Config c = Load({"migrate"});
  EXPECT_TRUE(c.migrate_only);
  EXPECT_TRUE(c.roles.empty());
}

}  // namespace
}  // namespace agentstudio::daemon
