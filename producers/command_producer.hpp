#pragma once

#include <string>

#include "agentstudio/v1/workflow_command.pb.h"
#include "producers/message_producer.hpp"
#include "producers/topics.hpp"

namespace agentstudio::kafka {

// Produces WorkflowCommands to the `commands` topic, keyed by workflow id.
// This is the client library other C++ services link to submit work; the
// front door and the `agentstudio` CLI use it too. Thread-safe.
class WorkflowCommandProducer {
 public:
  WorkflowCommandProducer(MessageProducer& producer, Topics topics)
      : producer_(producer), topics_(std::move(topics)) {}

  // Queues the command; `done` gets the delivery report (see MessageProducer::Send).
  // `traceparent` travels as a header; empty means a fresh one.
  void Submit(const agentstudio::v1::WorkflowCommand& command, const std::string& traceparent,
              DeliveryCallback done);

  // Submits and waits for the delivery report.
  DeliveryResult SubmitAndWait(const agentstudio::v1::WorkflowCommand& command);

  const Topics& topics() const { return topics_; }
  // The producer the commands go through (for messages sent beside them).
  MessageProducer& producer() const { return producer_; }

 private:
  MessageProducer& producer_;
  const Topics topics_;
};

}  // namespace agentstudio::kafka
