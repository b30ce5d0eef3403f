#include "auth/jwks.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "auth/base64url.hpp"

namespace agentstudio::auth {
namespace {

using Json = nlohmann::json;

struct Free {
  void operator()(BIGNUM* n) const { BN_free(n); }
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
  void operator()(BIO* b) const { BIO_free(b); }
};
template <typename T>
using Owned = std::unique_ptr<T, Free>;

// A big-endian unsigned integer from a base64url member (RFC 7518 section
// 6.3.1), or null.
Owned<BIGNUM> Number(const Json& key, const char* member) {
  const auto it = key.find(member);
  if (it == key.end() || !it->is_string()) return nullptr;
  const std::optional<std::string> bytes = DecodeBase64Url(it->get<std::string>());
  if (!bytes || bytes->empty()) return nullptr;
  return Owned<BIGNUM>(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes->data()),
                                 static_cast<int>(bytes->size()), nullptr));
}

// The PEM form of the RSA public key (n, e), or nullopt.
std::optional<std::string> PemOf(const BIGNUM* n, const BIGNUM* e) {
  const Owned<OSSL_PARAM_BLD> builder(OSSL_PARAM_BLD_new());
  if (!builder || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, e) != 1) {
    return std::nullopt;
  }
  const Owned<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(builder.get()));
  const Owned<EVP_PKEY_CTX> context(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !context || EVP_PKEY_fromdata_init(context.get()) != 1 ||
      EVP_PKEY_fromdata(context.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return std::nullopt;
  }
  const Owned<EVP_PKEY> key(raw);
  const Owned<BIO> out(BIO_new(BIO_s_mem()));
  if (!out || PEM_write_bio_PUBKEY(out.get(), key.get()) != 1) return std::nullopt;
  char* data = nullptr;
  const long size = BIO_get_mem_data(out.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

std::string Member(const Json& key, const char* name) {
  const auto it = key.find(name);
  return it != key.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::variant<RsaKeysByKid, std::string> ParseJwks(std::string_view document) {
  const Json parsed = Json::parse(document, nullptr, false);
  if (!parsed.is_object() || !parsed.contains("keys") || !parsed["keys"].is_array()) {
    return std::string("not a JWKS document: a JSON object with a keys array");
  }
  RsaKeysByKid keys;
  for (const Json& key : parsed["keys"]) {
    if (!key.is_object() || Member(key, "kty") != "RSA") continue;
    const std::string use = Member(key, "use");
    const std::string alg = Member(key, "alg");
    if ((!use.empty() && use != "sig") || (!alg.empty() && alg != "RS256")) continue;
    const std::string kid = Member(key, "kid");
    const Owned<BIGNUM> n = Number(key, "n");
    const Owned<BIGNUM> e = Number(key, "e");
    if (!n || !e) return "the key '" + kid + "' has no base64url n and e";
    // RFC 7518 section 3.3: 2048 bits at least.
    if (BN_num_bits(n.get()) < 2048) return "the key '" + kid + "' is shorter than 2048 bits";
    std::optional<std::string> pem = PemOf(n.get(), e.get());
    if (!pem) return "the key '" + kid + "' is not an RSA public key OpenSSL accepts";
    if (!keys.emplace(kid, std::move(*pem)).second) {
      return "two keys have the kid '" + kid + "'";
    }
  }
  if (keys.empty()) return std::string("the document holds no RSA signing key (kty RSA, RS256)");
  return keys;
}

}  // namespace agentstudio::auth
