#include "auth/jwt_verifier.hpp"

#include <gtest/gtest.h>
#include <jwt.h>

#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/test_rsa_keys.hpp"

namespace agentstudio::auth {
namespace {

using Json = nlohmann::json;

constexpr int64_t kNow = 1800000000;
const std::string kSecret = "a shared secret of the tests, 32+ bytes long";

// A token as an issuer would sign it, naming `kid` in its header when set.
std::string Sign(jwt_alg_t alg, const std::string& key, const Json& claims,
                 const std::string& kid = "") {
  jwt_t* raw = nullptr;
  EXPECT_EQ(jwt_new(&raw), 0);
  std::unique_ptr<jwt_t, decltype(&jwt_free)> jwt(raw, &jwt_free);
  EXPECT_EQ(jwt_set_alg(
                jwt.get(), alg,
                alg == JWT_ALG_NONE ? nullptr : reinterpret_cast<const unsigned char*>(key.data()),
                alg == JWT_ALG_NONE ? 0 : static_cast<int>(key.size())),
            0);
  EXPECT_EQ(jwt_add_grants_json(jwt.get(), claims.dump().c_str()), 0);
  if (!kid.empty()) {
    EXPECT_EQ(jwt_add_header(jwt.get(), "kid", kid.c_str()), 0);
  }
  char* text = jwt_encode_str(jwt.get());
  EXPECT_NE(text, nullptr);
  std::string out = text == nullptr ? "" : text;
  std::free(text);
  return out;
}

Json Claims() {
  return {{"sub", "user_abc123"},
          {"tenant", "acme"},
          {"scopes", {"workflows:read", "workflows:write", "not-a-scope"}},
          {"iss", "https://auth.example"},
          {"aud", "https://api.example"},
          {"iat", kNow - 60},
          {"exp", kNow + 3600}};
}

JwtSettings Hs256() {
  JwtSettings settings;
  settings.hs256_secret = kSecret;
  settings.issuer = "https://auth.example";
  settings.audience = "https://api.example";
  return settings;
}

AuthError ErrorOf(const AuthResult& result) {
  const auto* failure = std::get_if<AuthFailure>(&result);
  EXPECT_NE(failure, nullptr) << "the token was accepted";
  return failure == nullptr ? AuthError::kMissing : failure->error;
}

TEST(JwtVerifierTest, ShouldAcceptAValidHs256TokenAndNameItsPrincipal) {
  const JwtVerifier verifier(Hs256());
  const AuthResult result = verifier.Verify(Sign(JWT_ALG_HS256, kSecret, Claims()), kNow);
  const auto* principal = std::get_if<Principal>(&result);
  ASSERT_NE(principal, nullptr) << std::get<AuthFailure>(result).detail;
  EXPECT_EQ(principal->subject, "user_abc123");
  EXPECT_EQ(principal->tenant, "acme");
  EXPECT_EQ(principal->scopes, (std::set<Scope>{Scope::kWorkflowsRead, Scope::kWorkflowsWrite}));
  EXPECT_TRUE(principal->Has(Scope::kWorkflowsRead));
  EXPECT_FALSE(principal->Has(Scope::kWorkflowsExecute));
}

TEST(JwtVerifierTest, ShouldTakeTheTenantFromSubAndScopesFromTheScopeString) {
  Json claims = Claims();
  claims.erase("tenant");
  claims.erase("scopes");
  claims["scope"] = "agents:report  admin";
  claims["agent_types"] = {"code_analyzer", "summarizer"};
  claims["aud"] = {"https://other.example", "https://api.example"};
  const AuthResult result = JwtVerifier(Hs256()).Verify(Sign(JWT_ALG_HS256, kSecret, claims), kNow);
  const auto* principal = std::get_if<Principal>(&result);
  ASSERT_NE(principal, nullptr) << std::get<AuthFailure>(result).detail;
  EXPECT_EQ(principal->tenant, "user_abc123");
  EXPECT_EQ(principal->scopes, (std::set<Scope>{Scope::kAgentsReport, Scope::kAdmin}));
  EXPECT_TRUE(principal->Has(Scope::kWorkflowsExecute)) << "admin grants every scope";
  EXPECT_EQ(principal->agent_types, (std::vector<std::string>{"code_analyzer", "summarizer"}));
}

TEST(JwtVerifierTest, ShouldRefuseAWrongSecretOrAChangedPayload) {
  const JwtVerifier verifier(Hs256());
  EXPECT_EQ(ErrorOf(verifier.Verify(Sign(JWT_ALG_HS256, "another secret", Claims()), kNow)),
            AuthError::kSignature);
  std::string token = Sign(JWT_ALG_HS256, kSecret, Claims());
  Json more = Claims();
  more["scopes"] = {"admin"};
  const std::string forged = Sign(JWT_ALG_HS256, "x", more);
  // The forged payload with the genuine signature.
  const std::string payload = forged.substr(forged.find('.'), forged.rfind('.') - forged.find('.'));
  token = token.substr(0, token.find('.')) + payload + token.substr(token.rfind('.'));
  EXPECT_EQ(ErrorOf(verifier.Verify(token, kNow)), AuthError::kSignature);
}

TEST(JwtVerifierTest, ShouldRefuseExpiredFutureAndNeverExpiringTokensWithinTheLeeway) {
  const JwtVerifier verifier(Hs256());  // leeway 30 s
  Json claims = Claims();
  claims["exp"] = kNow - 31;
  EXPECT_EQ(ErrorOf(verifier.Verify(Sign(JWT_ALG_HS256, kSecret, claims), kNow)),
            AuthError::kExpired);
  claims["exp"] = kNow - 10;
  EXPECT_TRUE(std::holds_alternative<Principal>(
      verifier.Verify(Sign(JWT_ALG_HS256, kSecret, claims), kNow)));
  claims.erase("exp");
  EXPECT_EQ(ErrorOf(verifier.Verify(Sign(JWT_ALG_HS256, kSecret, claims), kNow)),
            AuthError::kExpired);
  claims = Claims();
  claims["nbf"] = kNow + 31;
  EXPECT_EQ(ErrorOf(verifier.Verify(Sign(JWT_ALG_HS256, kSecret, claims), kNow)),
            AuthError::kNotYetValid);
  claims["nbf"] = kNow + 10;
  EXPECT_TRUE(std::holds_alternative<Principal>(
      verifier.Verify(Sign(JWT_ALG_HS256, kSecret, claims), kNow)));
}

TEST(JwtVerifierTest, ShouldRefuseAnotherIssuerOrAudienceAndATokenWithoutSub) {
  const JwtVerifier verifier(Hs256());
  Json claims = Claims();
  claims["iss"] = "https://evil.example";
  EXPECT_EQ(ErrorOf(verifier.Verify(Sign(JWT_ALG_HS256, kSecret, claims), kNow)),
            AuthError::kIssuer);
  claims = Claims();
  claims["aud"] = {"https://other.example"};
  EXPECT_EQ(ErrorOf(verifier.Verify(Sign(JWT_ALG_HS256, kSecret, claims), kNow)),
            AuthError::kAudience);
  claims = Claims();
  claims.erase("sub");
  EXPECT_EQ(ErrorOf(verifier.Verify(Sign(JWT_ALG_HS256, kSecret, claims), kNow)),
            AuthError::kMalformed);
}

TEST(JwtVerifierTest, ShouldVerifyRs256WithThePublicKeyAndRefuseAlgorithmConfusion) {
  JwtSettings settings = Hs256();
  settings.hs256_secret.clear();
  settings.rs256_public_key_pem = testing::kTestRsaPublicKeyPem;
  const JwtVerifier verifier(settings);
  EXPECT_TRUE(std::holds_alternative<Principal>(
      verifier.Verify(Sign(JWT_ALG_RS256, testing::kTestRsaPrivateKeyPem, Claims()), kNow)));
  // HS256 over the public key's text: would verify if the key were used
  // for whatever alg the token names.
  EXPECT_EQ(
      ErrorOf(verifier.Verify(Sign(JWT_ALG_HS256, testing::kTestRsaPublicKeyPem, Claims()), kNow)),
      AuthError::kAlgorithm);
  settings.hs256_secret = kSecret;  // both kinds configured
  EXPECT_EQ(ErrorOf(JwtVerifier(settings).Verify(
                Sign(JWT_ALG_HS256, testing::kTestRsaPublicKeyPem, Claims()), kNow)),
            AuthError::kSignature);
  EXPECT_EQ(ErrorOf(JwtVerifier(Hs256()).Verify(
                Sign(JWT_ALG_RS256, testing::kTestRsaPrivateKeyPem, Claims()), kNow)),
            AuthError::kAlgorithm)
      << "RS256 is refused where no public key is configured";
}

TEST(JwtVerifierTest, ShouldRefuseUnsignedAndMalformedTokens) {
  const JwtVerifier verifier(Hs256());
  EXPECT_EQ(ErrorOf(verifier.Verify(Sign(JWT_ALG_NONE, "", Claims()), kNow)),
            AuthError::kAlgorithm);
  EXPECT_EQ(ErrorOf(verifier.Verify("not-a-token", kNow)), AuthError::kMalformed);
  EXPECT_EQ(ErrorOf(verifier.Verify("a.b", kNow)), AuthError::kMalformed);
  EXPECT_EQ(ErrorOf(verifier.Verify("!!!.e30.sig", kNow)), AuthError::kMalformed);
  EXPECT_EQ(ErrorOf(verifier.Verify("e30.e30.sig", kNow)), AuthError::kMalformed)
      << "a header without alg";
  EXPECT_FALSE(JwtVerifier(JwtSettings{}).enabled());
  EXPECT_EQ(
      ErrorOf(JwtVerifier(JwtSettings{}).Verify(Sign(JWT_ALG_HS256, kSecret, Claims()), kNow)),
      AuthError::kAlgorithm);
}

Json Jwk(const std::string& kid, const std::string& n) {
  return {{"kty", "RSA"}, {"use", "sig"}, {"kid", kid}, {"n", n}, {"e", "AQAB"}};
}

RsaKeysByKid KeysOf(const Json& document) {
  auto keys = ParseJwks(document.dump());
  EXPECT_TRUE(std::holds_alternative<RsaKeysByKid>(keys)) << std::get<std::string>(keys);
  return std::holds_alternative<RsaKeysByKid>(keys) ? std::get<RsaKeysByKid>(keys) : RsaKeysByKid{};
}

TEST(JwksTest, ShouldReadAnAzureStyleKeySetSkippingKeysNotForRs256Signatures) {
  // As Azure AD publishes them: RSA signing keys with kid, n, e (and x5c,
  // not needed), beside keys this verifier has no use for.
  const Json document = {
      {"keys",
       {Jwk("current", testing::kTestRsaJwkN),
        Jwk("next", testing::kOtherRsaJwkN),
        {{"kty", "EC"}, {"kid", "ec"}, {"crv", "P-256"}, {"x", "AA"}, {"y", "AA"}},
        {{"kty", "RSA"},
         {"use", "enc"},
         {"kid", "enc"},
         {"n", testing::kTestRsaJwkN},
         {"e", "AQAB"}},
        {{"kty", "RSA"},
         {"alg", "RS512"},
         {"kid", "512"},
         {"n", testing::kTestRsaJwkN},
         {"e", "AQAB"}}}}};
  const RsaKeysByKid keys = KeysOf(document);
  ASSERT_EQ(keys.size(), 2U);
  EXPECT_EQ(keys.at("current"), testing::kTestRsaPublicKeyPem)
      << "the JWK's n and e make the same PEM key";
}

TEST(JwksTest, ShouldRefuseDocumentsWithoutAUsableKey) {
  const auto error = [](const std::string& document) {
    auto keys = ParseJwks(document);
    return std::holds_alternative<std::string>(keys) ? std::get<std::string>(keys) : "";
  };
  EXPECT_NE(error("not json"), "");
  EXPECT_NE(error(R"({"keys": {}})"), "");
  EXPECT_NE(error(R"({"keys": []})").find("no RSA signing key"), std::string::npos);
  EXPECT_NE(error(Json{{"keys", {Jwk("a", "!!")}}}.dump()).find("base64url"), std::string::npos);
  EXPECT_NE(error(Json{{"keys", {Jwk("a", "AQAB")}}}.dump()).find("2048"), std::string::npos);
  EXPECT_NE(
      error(Json{{"keys", {Jwk("a", testing::kTestRsaJwkN), Jwk("a", testing::kOtherRsaJwkN)}}}
                .dump())
          .find("two keys"),
      std::string::npos);
}

TEST(JwtVerifierTest, ShouldPickTheJwksKeyByTheTokensKid) {
  JwtSettings settings = Hs256();
  settings.hs256_secret.clear();
  settings.rs256_jwks = KeysOf(
      {{"keys", {Jwk("current", testing::kTestRsaJwkN), Jwk("next", testing::kOtherRsaJwkN)}}});
  const JwtVerifier verifier(settings);
  EXPECT_TRUE(verifier.enabled());
  const auto signed_as = [&](const std::string& kid) {
    return verifier.Verify(Sign(JWT_ALG_RS256, testing::kTestRsaPrivateKeyPem, Claims(), kid),
                           kNow);
  };
  const AuthResult good = signed_as("current");
  ASSERT_TRUE(std::holds_alternative<Principal>(good)) << std::get<AuthFailure>(good).detail;
  EXPECT_EQ(ErrorOf(signed_as("next")), AuthError::kSignature) << "the other key is used for it";
  EXPECT_EQ(ErrorOf(signed_as("retired")), AuthError::kSignature);
  EXPECT_EQ(ErrorOf(signed_as("")), AuthError::kSignature)
      << "without a kid no key of several is guessed";

  settings.rs256_jwks.erase("next");
  EXPECT_TRUE(std::holds_alternative<Principal>(JwtVerifier(settings).Verify(
      Sign(JWT_ALG_RS256, testing::kTestRsaPrivateKeyPem, Claims()), kNow)))
      << "a one-key set verifies tokens without a kid";
}

}  // namespace
}  // namespace agentstudio::auth
