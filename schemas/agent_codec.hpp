#pragma once

#include "agentstudio/v1/agent.pb.h"
#include "schemas/struct_json.hpp"

namespace agentstudio::schemas {

// REST `AgentRequest` JSON <-> Protobuf.
agentstudio::v1::AgentRequest AgentRequestFromJson(const Json& request);
Json AgentRequestToJson(const agentstudio::v1::AgentRequest& request);

// REST `AgentThought` JSON <-> Protobuf (timestamp as RFC 3339).
agentstudio::v1::AgentThought AgentThoughtFromJson(const Json& thought);
Json AgentThoughtToJson(const agentstudio::v1::AgentThought& thought);

// REST `AgentResponse` JSON <-> Protobuf (thought timestamps as RFC 3339).
agentstudio::v1::AgentResponse AgentResponseFromJson(const Json& response);
Json AgentResponseToJson(const agentstudio::v1::AgentResponse& response);

}  // namespace agentstudio::schemas
