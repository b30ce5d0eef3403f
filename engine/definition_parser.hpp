#pragma once

#include "engine/field_error.hpp"
#include "engine/workflow_definition.hpp"

namespace agentstudio::engine {

// Identifiers become Kafka keys, topic names (agent types) and URL segments,
// so they are restricted to [A-Za-z0-9._-], 1 to 128 characters.
bool IsValidIdentifier(std::string_view text);

struct ParsedWorkflowRequest {
  WorkflowRequest request;
  FieldErrors errors;  // every problem found, not only the first

  bool ok() const { return errors.empty(); }
};

// Reads the REST body of `POST /api/workflows` (`{definition, input, initiatedBy,
// metadata}`) and validates it completely: field presence and types, formats,
// durations, ranges, then the step graph (ValidateDefinition). Never throws on
// bad input; every problem is a FieldError with its JSON path.
ParsedWorkflowRequest ParseWorkflowRequest(const Json& body);

// Reads a bare definition object; `path` prefixes the field paths of errors.
WorkflowDefinition ParseDefinition(const Json& definition, const std::string& path,
                                   FieldErrors& errors);

}  // namespace agentstudio::engine
