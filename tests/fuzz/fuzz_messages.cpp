// libFuzzer target: every message type the daemon consumes, decoded as its
// consumers decode it, then converted the way they use it (engine requests,
// JSON of free-form Structs, timestamps). The first byte picks the topic.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/workflow_state.hpp"
#include "schemas/agent_codec.hpp"
#include "schemas/command_codec.hpp"
#include "schemas/message_decoding.hpp"
#include "schemas/struct_json.hpp"

namespace {

namespace v1 = agentstudio::v1;
namespace schemas = agentstudio::schemas;

void UseCommand(const v1::WorkflowCommand& command) {
  if (command.kind_case() != v1::WorkflowCommand::kStart) return;
  (void)schemas::ReadStartCommand(command.start());
  (void)schemas::TaskIdsOf(command.start(), command.workflow_id());
  (void)schemas::FromTimestamp(command.issued_at());
}

void UseTaskEvent(const v1::TaskEvent& event) {
  switch (event.kind_case()) {
    case v1::TaskEvent::kProgress:
      if (event.progress().has_thought()) {
        (void)schemas::AgentThoughtToJson(event.progress().thought());
      }
      break;
    case v1::TaskEvent::kCompletion:
      (void)schemas::AgentResponseToJson(event.completion().response()).dump();
      break;
    case v1::TaskEvent::kHandoff: {
      v1::AgentResponse response;
      *response.mutable_handoff() = event.handoff().handoff();
      (void)schemas::AgentResponseToJson(response).dump();
      break;
    }
    case v1::TaskEvent::kError:
    case v1::TaskEvent::kLog:
    case v1::TaskEvent::KIND_NOT_SET:
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view payload(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 6) {
    case 0:
      if (auto d = schemas::DecodeWorkflowCommand(payload); d.index() == 0) {
        UseCommand(std::get<0>(d));
      }
      break;
    case 1:
      if (auto d = schemas::DecodeTaskEvent(payload); d.index() == 0) UseTaskEvent(std::get<0>(d));
      break;
    case 2:
      if (auto d = schemas::DecodeTaskMessage(payload); d.index() == 0) {
        (void)schemas::AgentRequestToJson(std::get<0>(d).request()).dump();
      }
      break;
    case 3:
      if (auto d = schemas::DecodeAgentHeartbeat(payload); d.index() == 0) {
        (void)schemas::FromTimestamp(std::get<0>(d).timestamp());
      }
      break;
    case 4:
      if (auto d = schemas::DecodeWorkflowEvent(payload); d.index() == 0) {
        (void)schemas::FromStruct(std::get<0>(d).data()).dump();
        (void)schemas::FromTimestamp(std::get<0>(d).timestamp());
      }
      break;
    case 5:
      (void)schemas::DecodeTaskControl(payload);
      break;
  }
  return 0;
}
