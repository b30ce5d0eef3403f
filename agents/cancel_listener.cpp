#include "agents/cancel_listener.hpp"

#include <spdlog/spdlog.h>

#include "agentstudio/v1/task_control.pb.h"
#include "schemas/command_codec.hpp"
#include "schemas/message_decoding.hpp"

namespace agentstudio::agents {

std::string DispatchKey(const std::string& task_id, int attempt) {
  return task_id + "#" + std::to_string(attempt);
}

CancelListener::CancelListener(kafka::ConfigMap properties, const kafka::Topics& topics,
                               std::set<std::string> agent_types)
    : agent_types_(std::move(agent_types)),
      reader_(std::move(properties), {topics.agent_control()},
              [this](const kafka::InboundMessage& message) { Handle(message); }) {}

CancelListener::~CancelListener() { Stop(); }

void CancelListener::Start() { reader_.Start(); }

void CancelListener::Stop() { reader_.Stop(); }

std::optional<std::string> CancelListener::CancelReason(const std::string& task_id,
                                                        int attempt) const {
  std::lock_guard lock(mutex_);
  const std::string* reason = cancelled_.Find(DispatchKey(task_id, attempt));
  return reason == nullptr ? std::nullopt : std::optional<std::string>(*reason);
}

void CancelListener::Handle(const kafka::InboundMessage& message) {
  if (agent_types_.count(message.key) == 0) return;  // another agent type's task
  auto decoded = schemas::DecodeTaskControl(message.payload);
  if (const auto* reason = std::get_if<std::string>(&decoded)) {
    ++undecodable_;
    spdlog::warn("agent-control: skipping the message at {} [{}] @{}: {}", message.topic,
                 message.partition, message.offset, *reason);
    return;
  }
  const auto& control = std::get<agentstudio::v1::TaskControl>(decoded);
  ++received_;
  std::lock_guard lock(mutex_);
  cancelled_.Add(DispatchKey(control.task_id(), control.attempt()), control.reason());
}

}  // namespace agentstudio::agents
