// agentstudio: the command-line client.
//   agentstudio submit FILE.json   validate, then produce a StartWorkflow command
//                                  straight to Kafka (the path other services use)
//   agentstudio get ID             print an execution as the REST API shows it
//   agentstudio keys create --tenant T --scopes "S..." [--name N]
//                    [--agent-types A,B] [--tier T] [--test]
//                                  make an API key; the key is printed once
//   agentstudio keys list [--tenant T]    the keys, without secrets
//   agentstudio keys revoke KEY_ID        front doors refuse it within a second
// Environment: AGENTSTUDIO_KAFKA_BROKERS (required by submit),
// AGENTSTUDIO_TOPIC_PREFIX, AGENTSTUDIO_URL (default http://<AGENTSTUDIO_HTTP_ADDR>),
// AGENTSTUDIO_API_KEY (sent by get), AGENTSTUDIO_DATABASE_URL (required by keys).
#include <curl/curl.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>

#include "auth/api_keys.hpp"
#include "auth/scope.hpp"
#include "engine/planner.hpp"
#include "engine/timestamp.hpp"
#include "producers/command_producer.hpp"
#include "schemas/command_codec.hpp"
#include "schemas/execution_json.hpp"
#include "schemas/ids.hpp"
#include "sql/api_key_store.hpp"
#include "sql/database.hpp"

namespace {

using agentstudio::schemas::Json;

std::string Env(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

int Usage() {
  std::cerr << "usage: agentstudio submit FILE.json | agentstudio get WORKFLOW_ID\n"
               "       agentstudio keys create --tenant T --scopes \"S...\" [--name N] "
               "[--agent-types A,B] [--tier T] [--test]\n"
               "       agentstudio keys list [--tenant T] | agentstudio keys revoke KEY_ID\n";
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
  curl_slist* headers = nullptr;
  if (const std::string key = Env("AGENTSTUDIO_API_KEY", ""); !key.empty()) {
    headers = curl_slist_append(headers, ("X-API-Key: " + key).c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  }
  const CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
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

// `--name value` options after the sub-command; nullopt (and a message) for
// an unknown name or a missing value. Flags without a value map to "".
std::optional<std::map<std::string, std::string>> Options(int argc, char** argv, int first,
                                                          const std::set<std::string>& valued,
                                                          const std::set<std::string>& flags) {
  std::map<std::string, std::string> out;
  for (int i = first; i < argc; ++i) {
    const std::string name = argv[i];
    if (flags.count(name) > 0) {
      out[name] = "";
    } else if (valued.count(name) > 0 && i + 1 < argc) {
      out[name] = argv[++i];
    } else {
      std::cerr << "agentstudio keys: unexpected '" << name << "'\n";
      return std::nullopt;
    }
  }
  return out;
}

std::unique_ptr<soci::session> KeyDatabase() {
  const std::string url = Env("AGENTSTUDIO_DATABASE_URL", "");
  if (url.empty()) throw std::runtime_error("AGENTSTUDIO_DATABASE_URL is not set");
  return agentstudio::store::Connect(url);
}

std::vector<std::string> Split(const std::string& text, const char* separators) {
  std::vector<std::string> out;
  size_t at = 0;
  while ((at = text.find_first_not_of(separators, at)) != std::string::npos) {
    const size_t end = text.find_first_of(separators, at);
    out.push_back(text.substr(at, end - at));
    at = end;
  }
  return out;
}

Json KeyJson(const agentstudio::store::StoredApiKey& key) {
  Json out = {{"id", key.id},
              {"tenant", key.tenant},
              {"name", key.name},
              {"environment", key.environment},
              {"scopes", Split(key.scopes, " ")},
              {"agentTypes", Split(key.agent_types, " ")},
              {"tier", key.tier},
              {"createdAt", agentstudio::engine::FormatTimestamp(key.created_at)}};
  if (key.revoked_at != 0) out["revokedAt"] = agentstudio::engine::FormatTimestamp(key.revoked_at);
  return out;
}

int Keys(int argc, char** argv) {
  if (argc < 3) return Usage();
  const std::string verb = argv[2];
  if (verb == "create") {
    const auto options = Options(
        argc, argv, 3, {"--tenant", "--scopes", "--name", "--agent-types", "--tier"}, {"--test"});
    if (!options) return Usage();
    const auto get = [&](const char* name) {
      const auto it = options->find(name);
      return it == options->end() ? std::string() : it->second;
    };
    if (get("--tenant").empty() || get("--scopes").empty()) {
      std::cerr << "agentstudio keys create: --tenant and --scopes are required\n";
      return 2;
    }
    std::string scopes;
    for (const std::string& scope : Split(get("--scopes"), " ,")) {
      if (!agentstudio::auth::ParseScope(scope)) {
        std::cerr << "agentstudio keys create: unknown scope '" << scope << "'\n";
        return 2;
      }
      scopes += (scopes.empty() ? "" : " ") + scope;
    }
    std::string agent_types;
    for (const std::string& type : Split(get("--agent-types"), " ,")) {
      agent_types += (agent_types.empty() ? "" : " ") + type;
    }
    const bool test = options->count("--test") > 0;
    const auto made =
        agentstudio::auth::GenerateApiKey(test ? agentstudio::auth::ApiKeyEnvironment::kTest
                                               : agentstudio::auth::ApiKeyEnvironment::kLive);
    agentstudio::store::StoredApiKey key{made.id,
                                         made.hash,
                                         get("--tenant"),
                                         get("--name"),
                                         test ? "test" : "live",
                                         scopes,
                                         agent_types,
                                         get("--tier"),
                                         0,
                                         0};
    agentstudio::store::InsertApiKey(*KeyDatabase(), key);
    key.created_at = agentstudio::engine::WallClockNow();
    Json out = KeyJson(key);
    out["key"] = made.key;
    std::cout << out.dump(2) << "\n";
    std::cerr << "The key is shown this once and stored only as a hash: keep it now.\n";
    return 0;
  }
  if (verb == "list") {
    const auto options = Options(argc, argv, 3, {"--tenant"}, {});
    if (!options) return Usage();
    const auto tenant = options->count("--tenant") ? options->at("--tenant") : std::string();
    Json out = Json::array();
    for (const auto& key : agentstudio::store::ListApiKeys(*KeyDatabase(), tenant)) {
      out.push_back(KeyJson(key));
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  if (verb == "revoke" && argc == 4) {
    if (!agentstudio::store::RevokeApiKey(*KeyDatabase(), argv[3])) {
      std::cerr << "agentstudio keys revoke: no live key " << argv[3] << "\n";
      return 1;
    }
    std::cout << Json{{"id", argv[3]}, {"revoked", true}}.dump(2) << "\n";
    return 0;
  }
  return Usage();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::string(argv[1]) == "keys") {
    try {
      return Keys(argc, argv);
    } catch (const std::exception& error) {
      std::cerr << "agentstudio: " << error.what() << "\n";
      return 1;
    }
  }
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
