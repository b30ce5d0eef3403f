// libFuzzer target: a REST body of POST /api/workflows, parsed and validated
// as the front door does. What the front door accepts must also be accepted
// by the scheduler after the trip through Kafka (StartWorkflow command), and
// must plan and start without failing; anything else is a crash here.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "engine/decide.hpp"
#include "engine/definition_parser.hpp"
#include "engine/planner.hpp"
#include "schemas/command_codec.hpp"
#include "schemas/message_decoding.hpp"

using agentstudio::engine::Json;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Json body = Json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return 0;
  const auto parsed = agentstudio::engine::ParseWorkflowRequest(body);
  if (!parsed.ok()) return 0;

  std::vector<std::string> task_ids;
  for (size_t i = 0; i < parsed.request.definition.steps.size(); ++i) {
    task_ids.push_back("task_" + std::to_string(i));
  }
  const auto command =
      agentstudio::schemas::MakeStartCommand(parsed.request, "wf_fuzz", task_ids, 1000);
  const auto decoded = agentstudio::schemas::DecodeWorkflowCommand(command.SerializeAsString());
  const auto* received = std::get_if<agentstudio::v1::WorkflowCommand>(&decoded);
  if (received == nullptr) std::abort();  // accepted by REST, dead-lettered by the scheduler
  const auto reread = agentstudio::schemas::ReadStartCommand(received->start());
  if (!reread.ok()) std::abort();
  if (agentstudio::schemas::TaskIdsOf(received->start(), "wf_fuzz") != task_ids) std::abort();

  const auto state = agentstudio::engine::PlanExecution("wf_fuzz", reread.request, task_ids, 1000);
  const auto decision = agentstudio::engine::Decide(state, agentstudio::engine::StartInput{2000});
  if (decision.outcome != agentstudio::engine::Outcome::kApplied) std::abort();
  return 0;
}
