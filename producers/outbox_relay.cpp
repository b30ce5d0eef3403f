#include "producers/outbox_relay.hpp"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "faults/fault_point.hpp"
#include "sql/outbox_store.hpp"

namespace agentstudio::kafka {

OutboxRelay::OutboxRelay(store::SessionPool& pool, MessageProducer& producer,
                         OutboxRelayOptions options)
    : pool_(pool), producer_(producer), options_(options) {}

size_t OutboxRelay::RunOnce() {
  auto session = pool_.Acquire();
  try {
    soci::transaction tx(*session);
    const std::vector<store::OutboxRow> rows = store::ClaimOutbox(*session, options_.batch_size);
    if (rows.empty()) {
      tx.commit();
      return 0;
    }
    // Send the whole batch, then wait for every report before deleting.
    std::mutex mutex;
    std::condition_variable all_reported;
    size_t outstanding = rows.size();
    std::vector<int64_t> delivered;
    std::string first_error;
    for (const store::OutboxRow& row : rows) {
      producer_.Send(row.message.topic, row.message.key, row.message.payload, row.message.headers,
                     [&, id = row.id](const DeliveryResult& result) {
                       std::lock_guard lock(mutex);
                       if (result.ok) {
                         delivered.push_back(id);
                       } else if (first_error.empty()) {
                         first_error = result.error;
                       }
                       if (--outstanding == 0) all_reported.notify_one();
                     });
    }
    {
      std::unique_lock lock(mutex);
      all_reported.wait(lock, [&] { return outstanding == 0; });
    }
    faults::Reach(faults::kRelayAfterSend);
    store::DeleteOutbox(*session, delivered);
    tx.commit();
    published_ += delivered.size();
    if (delivered.size() < rows.size()) {
      send_failures_ += rows.size() - delivered.size();
      spdlog::warn("outbox relay: {} of {} messages not delivered, kept for retry: {}",
                   rows.size() - delivered.size(), rows.size(), first_error);
    }
    return delivered.size();
  } catch (const std::exception& error) {
    store::DatabaseError classified = store::ClassifyDatabaseError(error);
    session.ReconnectIfLost();
    throw classified;
  }
}

void OutboxRelay::Run(const std::atomic<bool>& stop) {
  while (!stop) {
    try {
      const size_t published = RunOnce();
      if (published == 0) std::this_thread::sleep_for(options_.idle_wait);
    } catch (const std::exception& error) {
      spdlog::error("outbox relay: {}", error.what());
      std::this_thread::sleep_for(options_.error_backoff);
    }
  }
  try {
    RunOnce();  // drain what the last scheduler commits left
  } catch (const std::exception& error) {
    spdlog::warn("outbox relay: final drain failed: {}", error.what());
  }
}

}  // namespace agentstudio::kafka
