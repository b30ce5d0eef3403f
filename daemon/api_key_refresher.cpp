#include "daemon/api_key_refresher.hpp"

#include <spdlog/spdlog.h>

#include <sstream>

#include "sql/api_key_store.hpp"

namespace agentstudio::daemon {
namespace {

std::vector<std::string> Words(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream stream(text);
  for (std::string word; stream >> word;) out.push_back(word);
  return out;
}

}  // namespace

ApiKeyRefresher::ApiKeyRefresher(store::SessionPool& pool, std::shared_ptr<auth::ApiKeyTable> table,
                                 std::chrono::milliseconds interval)
    : pool_(pool), table_(std::move(table)), interval_(interval) {}

ApiKeyRefresher::~ApiKeyRefresher() { Stop(); }

void ApiKeyRefresher::RefreshOnce() {
  const auto keys =
      pool_.Run([](soci::session& session) { return store::LoadLiveApiKeys(session); });
  auth::ApiKeyTable::Grants grants;
  for (const store::StoredApiKey& key : keys) {
    auth::ApiKeyGrant grant{key.id, key.tenant, {}, Words(key.agent_types), key.tier};
    // `agentstudio keys create` writes only known scopes; others grant nothing.
    for (const std::string& word : Words(key.scopes)) {
      if (const auto scope = auth::ParseScope(word)) grant.scopes.insert(*scope);
    }
    grants.emplace(key.key_hash, std::move(grant));
  }
  table_->Replace(std::move(grants));
}

void ApiKeyRefresher::Start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
      lock.unlock();
      try {
        RefreshOnce();
      } catch (const std::exception& error) {
        spdlog::warn("API keys: reading them failed, the ones read before still count: {}",
                     error.what());
      }
      lock.lock();
    }
  });
}

void ApiKeyRefresher::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace agentstudio::daemon
