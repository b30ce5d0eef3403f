#include "consumers/dead_letter_publisher.hpp"

#include <spdlog/spdlog.h>

#include <future>
#include <stdexcept>

namespace agentstudio::kafka {

void DeadLetterPublisher::PublishAll(const std::vector<PoisonMessage>& poison) {
  std::vector<std::future<DeliveryResult>> reports;
  for (const PoisonMessage& p : poison) {
    Headers headers = p.message->headers;
    headers["x-source-topic"] = p.message->topic;
    headers["x-source-partition"] = std::to_string(p.message->partition);
    headers["x-source-offset"] = std::to_string(p.message->offset);
    headers["x-dlq-reason"] = p.reason;
    // The dlq producer has the same size limit as the one that refused it:
    // keep the head, enough to identify it, and say how big it was.
    std::string payload = p.message->payload;
    if (payload.size() > kMaxPayloadBytes) {
      headers["x-dlq-truncated-from"] = std::to_string(payload.size());
      payload.resize(kTruncatedPayloadBytes);
    }
    spdlog::warn("dead-lettering {} [{}] @{}: {}", p.message->topic, p.message->partition,
                 p.message->offset, p.reason);
    auto promise = std::make_shared<std::promise<DeliveryResult>>();
    reports.push_back(promise->get_future());
    producer_.Send(topics_.dlq(), p.message->key, payload, headers,
                   [promise](const DeliveryResult& result) { promise->set_value(result); });
  }
  for (auto& report : reports) {
    const DeliveryResult result = report.get();
    if (!result.ok) throw DeadLetterNotDelivered("dead letter not delivered: " + result.error);
    ++published_;
  }
}

}  // namespace agentstudio::kafka
