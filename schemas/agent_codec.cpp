#include "schemas/agent_codec.hpp"

#include "engine/timestamp.hpp"

namespace agentstudio::schemas {
namespace {

Json ObjectOr(const Json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_object() ? *it : Json::object();
}

std::string StringOr(const Json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

agentstudio::v1::AgentRequest AgentRequestFromJson(const Json& request) {
  agentstudio::v1::AgentRequest out;
  if (!request.is_object()) return out;
  out.set_task(StringOr(request, "task"));
  *out.mutable_input() = ToStruct(ObjectOr(request, "input"));
  *out.mutable_context() = ToStruct(ObjectOr(request, "context"));
  *out.mutable_configuration() = ToStruct(ObjectOr(request, "configuration"));
  out.set_timeout(StringOr(request, "timeout"));
  return out;
}

Json AgentRequestToJson(const agentstudio::v1::AgentRequest& request) {
  Json out = {{"task", request.task()},
              {"input", FromStruct(request.input())},
              {"context", FromStruct(request.context())},
              {"configuration", FromStruct(request.configuration())}};
  if (!request.timeout().empty()) out["timeout"] = request.timeout();
  return out;
}

agentstudio::v1::AgentThought AgentThoughtFromJson(const Json& thought) {
  agentstudio::v1::AgentThought out;
  if (!thought.is_object()) return out;
  if (auto at = engine::ParseTimestamp(StringOr(thought, "timestamp"))) {
    *out.mutable_timestamp() = ToTimestamp(*at);
  }
  out.set_type(StringOr(thought, "type"));
  out.set_content(StringOr(thought, "content"));
  if (thought.contains("metadata"))
    *out.mutable_metadata() = ToStruct(ObjectOr(thought, "metadata"));
  return out;
}

Json AgentThoughtToJson(const agentstudio::v1::AgentThought& thought) {
  Json out = {{"timestamp", engine::FormatTimestamp(FromTimestamp(thought.timestamp()))},
              {"type", thought.type()},
              {"content", thought.content()}};
  if (thought.has_metadata()) out["metadata"] = FromStruct(thought.metadata());
  return out;
}

agentstudio::v1::AgentResponse AgentResponseFromJson(const Json& response) {
  agentstudio::v1::AgentResponse out;
  if (!response.is_object()) return out;
  out.set_success(response.value("success", true));
  *out.mutable_result() = ToStruct(ObjectOr(response, "result"));
  if (const auto it = response.find("thoughts"); it != response.end() && it->is_array()) {
    for (const Json& thought : *it) {
      if (thought.is_object()) *out.add_thoughts() = AgentThoughtFromJson(thought);
    }
  }
  if (const auto it = response.find("handoff"); it != response.end() && it->is_object()) {
    auto* h = out.mutable_handoff();
    h->set_agent_type(StringOr(*it, "agentType"));
    h->set_task(StringOr(*it, "task"));
    *h->mutable_input() = ToStruct(ObjectOr(*it, "input"));
    h->set_reason(StringOr(*it, "reason"));
  }
  out.set_error_message(StringOr(response, "errorMessage"));
  if (response.contains("metadata"))
    *out.mutable_metadata() = ToStruct(ObjectOr(response, "metadata"));
  return out;
}

Json AgentResponseToJson(const agentstudio::v1::AgentResponse& response) {
  Json out = {{"success", response.success()}, {"result", FromStruct(response.result())}};
  if (response.thoughts_size() > 0) {
    Json thoughts = Json::array();
    for (const auto& t : response.thoughts()) thoughts.push_back(AgentThoughtToJson(t));
    out["thoughts"] = std::move(thoughts);
  }
  if (response.has_handoff()) {
    out["handoff"] = {{"agentType", response.handoff().agent_type()},
                      {"task", response.handoff().task()},
                      {"input", FromStruct(response.handoff().input())},
                      {"reason", response.handoff().reason()}};
  }
  if (!response.error_message().empty()) out["errorMessage"] = response.error_message();
  if (response.has_metadata()) out["metadata"] = FromStruct(response.metadata());
  return out;
}

}  // namespace agentstudio::schemas
