// agentstudio: the command-line client.
//   agentstudio submit FILE.json   validate, then produce a StartWorkflow command
//                                  straight to Kafka (the path other services use)
//   agentstudio get ID             print an execution as the REST API shows it
// Environment: AGENTSTUDIO_KAFKA_BROKERS (required by submit),
// AGENTSTUDIO_TOPIC_PREFIX, AGENTSTUDIO_URL (default http://<AGENTSTUDIO_HTTP_ADDR>).
#include <curl/curl.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "engine/planner.hpp"
#include "engine/timestamp.hpp"
#include "producers/command_producer.hpp"
#include "schemas/command_codec.hpp"
#include "schemas/execution_json.hpp"
#include "schemas/ids.hpp"

namespace {

using agentstudio::schemas::Json;

std::string Env(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

int Usage() {
  std::cerr << "usage: agentstudio submit FILE.json | agentstudio get WORKFLOW_ID\n";
  return 2;
}

int Submit(const std::string& path) {
  std::ifstream file(path);
  if (!file) {
    std::cerr << "cannot read " << path << "\n";
    return 2;
  }
  const Json body = Json::parse(file, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    std::cerr << path << ": not valid JSON\n";
    return 2;
  }
  const auto parsed = agentstudio::engine::ParseWorkflowRequest(body);
  if (!parsed.ok()) {
    Json errors = Json::array();
    for (const auto& e : parsed.errors) {
      errors.push_back({{"field", e.field}, {"message", e.message}, {"code", e.code}});
    }
    std::cerr << Json{{"title", "Validation Error"}, {"errors", errors}}.dump(2) << "\n";
    return 2;
  }
  const std::string brokers = Env("AGENTSTUDIO_KAFKA_BROKERS", "");
  if (brokers.empty()) {
    std::cerr << "AGENTSTUDIO_KAFKA_BROKERS is not set (the broker's bootstrap list)\n";
    return 2;
  }
  const std::string workflow_id = agentstudio::schemas::NewWorkflowId();
  std::vector<std::string> task_ids;
  for (size_t i = 0; i < parsed.request.definition.steps.size(); ++i) {
    task_ids.push_back(agentstudio::schemas::NewTaskId());
  }
  const int64_t now = agentstudio::engine::WallClockNow();
  const auto command =
      agentstudio::schemas::MakeStartCommand(parsed.request, workflow_id, task_ids, now);
  agentstudio::kafka::MessageProducer producer(
      agentstudio::kafka::BaseProperties(brokers, "agentstudio-cli"), std::chrono::seconds(15));
  agentstudio::kafka::WorkflowCommandProducer commands(
      producer, agentstudio::kafka::Topics(Env("AGENTSTUDIO_TOPIC_PREFIX", "agentstudio.")));
  const auto result = commands.SubmitAndWait(command);
  if (!result.ok) {
    std::cerr << "not submitted: " << result.error << "\n";
    return 1;
  }
  const auto planned =
      agentstudio::engine::PlanExecution(workflow_id, parsed.request, task_ids, now);
  std::cout << agentstudio::schemas::ExecutionToJson(planned, {}).dump(2) << "\n";
  return 0;
}

size_t Collect(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

int Get(const std::string& id) {
  const std::string base =
      Env("AGENTSTUDIO_URL", "http://" + Env("AGENTSTUDIO_HTTP_ADDR", "127.0.0.1:8080"));
  CURL* curl = curl_easy_init();
  if (!curl) return 1;
  char* escaped = curl_easy_escape(curl, id.c_str(), static_cast<int>(id.size()));
  const std::string url = base + "/api/workflows/" + escaped;
  curl_free(escaped);
  std::string body;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
  const CURLcode code = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  if (code != CURLE_OK) {
    std::cerr << url << ": " << curl_easy_strerror(code) << "\n";
    return 1;
  }
  const Json parsed = Json::parse(body, nullptr, false);
  (status == 200 ? std::cout : std::cerr)
      << (parsed.is_discarded() ? body : parsed.dump(2)) << "\n";
  return status == 200 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) return Usage();
  const std::string verb = argv[1];
  try {
    if (verb == "submit") return Submit(argv[2]);
    if (verb == "get") return Get(argv[2]);
  } catch (const std::exception& error) {
    std::cerr << "agentstudio: " << error.what() << "\n";
    return 1;
  }
  return Usage();
}
