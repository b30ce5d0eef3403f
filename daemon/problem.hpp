#pragma once

#include <pistache/http.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "daemon/metrics_registry.hpp"
#include "engine/field_error.hpp"
#include "producers/message_producer.hpp"

namespace agentstudio::daemon {

// An RFC 7807 problem: `type` is a slug under https://api.agentstudio.dev/errors/.
struct Problem {
  int status = 500;
  std::string type = "internal-error";
  std::string title = "Internal Server Error";
  std::string detail;
  engine::FieldErrors errors;
  int retry_after_seconds = 0;  // > 0 adds Retry-After
  // Members added to the body (RFC 7807 extensions: workflowId, agentType...).
  nlohmann::json extensions = nlohmann::json::object();
};

// 503 with Retry-After: a dependency (Kafka, PostgreSQL) cannot serve now.
Problem Unavailable(const std::string& detail);
// The 503 for `what` ("The workflow", "The command"...) Kafka did not
// confirm; it says when the message may be stored anyway (check before
// retrying: a blind retry may do it twice).
Problem NotStored(const std::string& what, const kafka::DeliveryResult& result);

// 404 "not-found".
Problem NotFoundProblem(const std::string& detail);
// 400: the query parameters are wrong (each one in `errors`).
Problem InvalidQueryProblem(engine::FieldErrors errors);
// 400: the body is not a JSON object.
Problem MalformedBodyProblem();

// The field errors of the single-step workflow a request became, named as
// the request names them: "definition.steps[0].x" loses its prefix, and
// `renames` maps the step's names to the request's (name -> task).
engine::FieldErrors StepFieldsAsRequestFields(engine::FieldErrors errors,
                                              const std::map<std::string, std::string>& renames);

// The problem+json body, with `instance` (the request path) and `traceId`.
nlohmann::json ProblemBody(const Problem& problem, const std::string& instance,
                           const std::string& trace_id);

// Sends the problem as application/problem+json.
void SendProblem(Pistache::Http::ResponseWriter& writer, const Problem& problem,
                 const std::string& instance, const std::string& trace_id);

// 200 with the Prometheus text format of `metrics`.
void SendMetrics(Pistache::Http::ResponseWriter& writer, const MetricsRegistry& metrics);

// Sends `body` as application/json with `status`; SendJsonText takes the
// document already serialized.
void SendJson(Pistache::Http::ResponseWriter& writer, Pistache::Http::Code status,
              const nlohmann::json& body);
void SendJsonText(Pistache::Http::ResponseWriter& writer, Pistache::Http::Code status,
                  std::string body);

}  // namespace agentstudio::daemon
