#include "producers/command_producer.hpp"

#include <future>

namespace agentstudio::kafka {

void WorkflowCommandProducer::Submit(const agentstudio::v1::WorkflowCommand& command,
                                     const std::string& traceparent, DeliveryCallback done) {
  const Headers headers = {{"traceparent", traceparent.empty() ? NewTraceparent() : traceparent},
                           {"correlation-id", command.command_id()}};
  producer_.Send(topics_.commands(), command.workflow_id(), command.SerializeAsString(), headers,
                 std::move(done));
}

DeliveryResult WorkflowCommandProducer::SubmitAndWait(
    const agentstudio::v1::WorkflowCommand& command) {
  auto promise = std::make_shared<std::promise<DeliveryResult>>();
  auto future = promise->get_future();
  Submit(command, "", [promise](const DeliveryResult& result) { promise->set_value(result); });
  return future.get();
}

}  // namespace agentstudio::kafka
