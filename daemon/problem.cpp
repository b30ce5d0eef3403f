#include "daemon/problem.hpp"

#include "daemon/http_headers.hpp"

namespace agentstudio::daemon {

Problem Unavailable(const std::string& detail) {
  Problem problem{503, "service-unavailable", "Service Unavailable", detail, {}, 5};
  return problem;
}

Problem NotStored(const std::string& what, const kafka::DeliveryResult& result) {
  if (result.possibly_stored) {
    return Unavailable(what + " was sent but Kafka did not confirm it (" + result.error +
                       "); it may still have been stored: check before retrying");
  }
  return Unavailable(what + " could not be stored durably (Kafka: " + result.error +
                     "); retry later");
}

Problem NotFoundProblem(const std::string& detail) {
  Problem problem{404, "not-found", "Not Found", detail, {}, 0};
  return problem;
}

Problem InvalidQueryProblem(engine::FieldErrors errors) {
  return {400, "validation-error", "Bad Request", "Invalid query parameters", std::move(errors), 0};
}

Problem MalformedBodyProblem() {
  return {400, "malformed-request", "Bad Request", "The request body must be a JSON object", {}, 0};
}

engine::FieldErrors StepFieldsAsRequestFields(engine::FieldErrors errors,
                                              const std::map<std::string, std::string>& renames) {
  const std::string step = "definition.steps[0].";
  for (engine::FieldError& error : errors) {
    if (error.field.rfind(step, 0) != 0) continue;
    error.field = error.field.substr(step.size());
    if (const auto it = renames.find(error.field); it != renames.end()) error.field = it->second;
  }
  return errors;
}

nlohmann::json ProblemBody(const Problem& problem, const std::string& instance,
                           const std::string& trace_id) {
  nlohmann::json body = {{"type", "https://api.agentstudio.dev/errors/" + problem.type},
                         {"title", problem.title},
                         {"status", problem.status},
                         {"detail", problem.detail},
                         {"instance", instance},
                         {"traceId", trace_id}};
  if (!problem.errors.empty()) {
    nlohmann::json errors = nlohmann::json::array();
    for (const auto& e : problem.errors) {
      errors.push_back({{"field", e.field}, {"message", e.message}, {"code", e.code}});
    }
    body["errors"] = std::move(errors);
  }
  for (const auto& [key, value] : problem.extensions.items()) body.emplace(key, value);
  return body;
}

void SendProblem(Pistache::Http::ResponseWriter& writer, const Problem& problem,
                 const std::string& instance, const std::string& trace_id) {
  if (problem.retry_after_seconds > 0) {
    writer.headers().add(
        std::make_shared<RetryAfterHeader>(std::to_string(problem.retry_after_seconds)));
  }
  writer.setMime(Pistache::Http::Mime::MediaType::fromString("application/problem+json"));
  writer.send(static_cast<Pistache::Http::Code>(problem.status),
              ProblemBody(problem, instance, trace_id).dump());
}

void SendMetrics(Pistache::Http::ResponseWriter& writer, const MetricsRegistry& metrics) {
  writer.setMime(Pistache::Http::Mime::MediaType::fromString("text/plain; version=0.0.4"));
  writer.send(Pistache::Http::Code::Ok, metrics.Render());
}

void SendJson(Pistache::Http::ResponseWriter& writer, Pistache::Http::Code status,
              const nlohmann::json& body) {
  SendJsonText(writer, status, body.dump());
}

void SendJsonText(Pistache::Http::ResponseWriter& writer, Pistache::Http::Code status,
                  std::string body) {
  writer.setMime(Pistache::Http::Mime::MediaType::fromString("application/json"));
  writer.send(status, body);
}

}  // namespace agentstudio::daemon
