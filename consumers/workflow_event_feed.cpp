#include "consumers/workflow_event_feed.hpp"

#include <spdlog/spdlog.h>

#include <vector>

#include "agentstudio/v1/workflow_event.pb.h"
#include "schemas/command_codec.hpp"
#include "schemas/message_decoding.hpp"
#include "schemas/struct_json.hpp"

namespace agentstudio::kafka {

WorkflowEventFeed::WorkflowEventFeed(ConfigMap properties, const Topics& topics)
    : reader_(std::move(properties), {topics.workflow_events()},
              [this](const InboundMessage& message) { Handle(message); }) {}

WorkflowEventFeed::~WorkflowEventFeed() { Stop(); }

void WorkflowEventFeed::Start() { reader_.Start(); }

void WorkflowEventFeed::Stop() { reader_.Stop(); }

uint64_t WorkflowEventFeed::Subscribe(const std::string& workflow_id, Listener listener) {
  std::lock_guard lock(mutex_);
  const uint64_t id = next_id_++;
  by_workflow_.emplace(workflow_id, std::make_pair(id, std::move(listener)));
  workflow_of_[id] = workflow_id;
  return id;
}

void WorkflowEventFeed::Unsubscribe(uint64_t subscription) {
  std::lock_guard lock(mutex_);
  const auto it = workflow_of_.find(subscription);
  if (it == workflow_of_.end()) return;
  auto [first, last] = by_workflow_.equal_range(it->second);
  for (auto entry = first; entry != last; ++entry) {
    if (entry->second.first == subscription) {
      by_workflow_.erase(entry);
      break;
    }
  }
  workflow_of_.erase(it);
}

size_t WorkflowEventFeed::subscriptions() const {
  std::lock_guard lock(mutex_);
  return workflow_of_.size();
}

void WorkflowEventFeed::SubscribeToAll(Listener listener) {
  std::lock_guard lock(mutex_);
  every_workflow_.push_back(std::move(listener));
}

void WorkflowEventFeed::Deliver(const WorkflowEventNotice& notice) {
  std::vector<Listener> listeners;
  {
    std::lock_guard lock(mutex_);
    listeners = every_workflow_;
    auto [first, last] = by_workflow_.equal_range(notice.workflow_id);
    for (auto it = first; it != last; ++it) listeners.push_back(it->second.second);
  }
  for (const Listener& listener : listeners) listener(notice);
}

void WorkflowEventFeed::Handle(const InboundMessage& message) {
  auto decoded = schemas::DecodeWorkflowEvent(message.payload);
  if (const auto* reason = std::get_if<std::string>(&decoded)) {
    ++undecodable_;
    spdlog::warn("workflow-events: skipping the message at {} [{}] @{}: {}", message.topic,
                 message.partition, message.offset, *reason);
    return;
  }
  const auto& event = std::get<agentstudio::v1::WorkflowEvent>(decoded);
  const auto status = engine::ParseWorkflowStatus(event.workflow_status());
  ++received_;
  WorkflowEventNotice notice;
  notice.workflow_id = event.workflow_id();
  notice.event.sequence = event.sequence();
  notice.event.type = event.type();
  notice.event.timestamp = schemas::FromTimestamp(event.timestamp());
  notice.event.severity = event.severity();
  notice.event.data = schemas::FromStruct(event.data());
  notice.workflow_status = *status;
  Deliver(notice);
}

}  // namespace agentstudio::kafka
