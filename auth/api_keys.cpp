#include "auth/api_keys.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <stdexcept>

namespace agentstudio::auth {
namespace {

constexpr std::string_view kLivePrefix = "as_live_";
constexpr std::string_view kTestPrefix = "as_test_";

std::string Hex(const unsigned char* bytes, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 0xf]);
  }
  return out;
}

std::string RandomHex(size_t bytes) {
  std::array<unsigned char, 64> buffer{};
  if (bytes > buffer.size() || RAND_bytes(buffer.data(), static_cast<int>(bytes)) != 1) {
    throw std::runtime_error("no random bytes for an API key (OpenSSL RAND_bytes failed)");
  }
  return Hex(buffer.data(), bytes);
}

}  // namespace

NewApiKey GenerateApiKey(ApiKeyEnvironment environment) {
  NewApiKey out;
  out.id = "key_" + RandomHex(8);
  out.key = std::string(environment == ApiKeyEnvironment::kLive ? kLivePrefix : kTestPrefix) +
            RandomHex(32);
  out.hash = HashApiKey(out.key);
  return out;
}

std::string Sha256Hex(std::string_view text) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (EVP_Digest(text.data(), text.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed (OpenSSL EVP_Digest)");
  }
  return Hex(digest.data(), size);
}

std::string HashApiKey(std::string_view key) { return Sha256Hex(key); }

bool HasApiKeyPrefix(std::string_view text) {
  return text.starts_with(kLivePrefix) || text.starts_with(kTestPrefix);
}

void ApiKeyTable::Replace(Grants grants) {
  auto replacement = std::make_shared<const Grants>(std::move(grants));
  std::lock_guard lock(mutex_);
  grants_ = std::move(replacement);
}

std::optional<ApiKeyGrant> ApiKeyTable::Find(const std::string& hash) const {
  std::shared_ptr<const Grants> grants;
  {
    std::lock_guard lock(mutex_);
    grants = grants_;
  }
  const auto it = grants->find(hash);
  if (it == grants->end()) return std::nullopt;
  return it->second;
}

size_t ApiKeyTable::size() const {
  std::lock_guard lock(mutex_);
  return grants_->size();
}

}  // namespace agentstudio::auth
