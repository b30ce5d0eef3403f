#include "daemon/config.hpp"

#include <unistd.h>

#include <fstream>
#include <functional>
#include <optional>
#include <sstream>

#include "engine/definition_parser.hpp"

namespace agentstudio::daemon {
namespace {

using Setter = std::function<std::string(Config&, const std::string&)>;

std::string SetInt(int& field, const std::string& value, int min, int max) {
  try {
    size_t used = 0;
    const int parsed = std::stoi(value, &used);
    if (used != value.size() || parsed < min || parsed > max) throw std::out_of_range(value);
    field = parsed;
    return {};
  } catch (const std::exception&) {
    return "must be an integer between " + std::to_string(min) + " and " + std::to_string(max);
  }
}

std::vector<std::string> SplitList(const std::string& value) {
  std::vector<std::string> out;
  std::stringstream stream(value);
  std::string item;
  while (std::getline(stream, item, ',')) {
    const auto begin = item.find_first_not_of(" \t");
    const auto end = item.find_last_not_of(" \t");
    if (begin != std::string::npos) out.push_back(item.substr(begin, end - begin + 1));
  }
  return out;
}

// The whole content of a secret's file, without the line end an editor adds.
std::string SetFromFile(std::string& field, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot read " + path;
  std::stringstream content;
  content << in.rdbuf();
  field = content.str();
  while (!field.empty() && (field.back() == '\n' || field.back() == '\r')) field.pop_back();
  if (field.empty()) return path + " is empty";
  return {};
}

// Whether the front door's address is reachable from this host only.
bool IsLoopback(const std::string& http_addr) {
  const size_t colon = http_addr.rfind(':');
  std::string host = colon == std::string::npos ? http_addr : http_addr.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

// AGENTSTUDIO_RATE_LIMIT_TIERS: name=requests-a-minute/concurrent-workflows,
// comma-separated, 0 for no limit; added to (or replacing) the reference's.
std::string SetTiers(auth::RateLimitSettings& limits, const std::string& value) {
  for (const std::string& item : SplitList(value)) {
    const size_t equals = item.find('=');
    const size_t slash = item.find('/', equals == std::string::npos ? 0 : equals);
    if (equals == std::string::npos || equals == 0 || slash == std::string::npos) {
      return "'" + item + "' is not name=requests-a-minute/concurrent-workflows";
    }
    auth::RateTier tier;
    for (auto [field, text] :
         {std::pair{&tier.requests_per_minute, item.substr(equals + 1, slash - equals - 1)},
          std::pair{&tier.concurrent_workflows, item.substr(slash + 1)}}) {
      if (std::string error = SetInt(*field, text, 0, 100000000); !error.empty()) {
        return "'" + item + "': " + error;
      }
    }
    limits.tiers[item.substr(0, equals)] = tier;
  }
  return {};
}

// AGENTSTUDIO_AUTH and the JWT keys, once every setting is read.
std::string ResolveAuth(Config& config) {
  if (config.auth.rate_limits.tiers.count(config.auth.rate_limits.default_tier) == 0) {
    return "AGENTSTUDIO_RATE_LIMIT_DEFAULT_TIER names no tier: '" +
           config.auth.rate_limits.default_tier + "'";
  }
  auth::JwtSettings& jwt = config.auth.jwt;
  if (!config.jwt_hs256_secret_file.empty()) {
    if (!jwt.hs256_secret.empty()) {
      return "set AGENTSTUDIO_JWT_HS256_SECRET or AGENTSTUDIO_JWT_HS256_SECRET_FILE, not both";
    }
    if (std::string error = SetFromFile(jwt.hs256_secret, config.jwt_hs256_secret_file);
        !error.empty()) {
      return "AGENTSTUDIO_JWT_HS256_SECRET_FILE: " + error;
    }
  }
  const bool keys =
      !jwt.hs256_secret.empty() || !jwt.rs256_public_key_pem.empty() || !jwt.rs256_jwks.empty();
  const bool loopback = IsLoopback(config.http_addr);
  if (config.auth_setting == "none") {
    if (!loopback) {
      return "AGENTSTUDIO_AUTH=none is allowed only on a loopback address, and the front door "
             "listens on " +
             config.http_addr;
    }
    config.auth.mode = auth::AuthMode::kNone;
  } else if (config.auth_setting == "required" || keys) {
    if (!keys) {
      return "AGENTSTUDIO_AUTH=required needs a key: AGENTSTUDIO_JWT_HS256_SECRET (or _FILE), "
             "AGENTSTUDIO_JWT_RS256_PUBLIC_KEY_FILE or AGENTSTUDIO_JWT_JWKS_FILE";
    }
    config.auth.mode = auth::AuthMode::kRequired;
  } else if (loopback || !config.Has(Role::kFrontdoor)) {
    config.auth.mode = auth::AuthMode::kNone;
  } else {
    return "the front door listens on " + config.http_addr +
           ", which is not a loopback address, and no authentication is configured: set "
           "AGENTSTUDIO_JWT_HS256_SECRET (or _FILE), AGENTSTUDIO_JWT_RS256_PUBLIC_KEY_FILE or "
           "AGENTSTUDIO_JWT_JWKS_FILE";
  }
  return {};
}

const std::map<std::string, Setter>& Settings() {
  static const std::map<std::string, Setter> settings = {
      {"AGENTSTUDIO_AUTH",
       [](Config& c, const std::string& v) -> std::string {
         if (v != "required" && v != "none") return "must be required or none";
         c.auth_setting = v;
         return {};
       }},
      {"AGENTSTUDIO_JWT_HS256_SECRET",
       [](Config& c, const std::string& v) -> std::string {
         // RFC 7518 section 3.2: an HS256 key of at least the hash's size.
         if (v.size() < 32) return "must be at least 32 bytes long";
         c.auth.jwt.hs256_secret = v;
         return {};
       }},
      {"AGENTSTUDIO_JWT_HS256_SECRET_FILE",
       [](Config& c, const std::string& v) -> std::string {
         c.jwt_hs256_secret_file = v;
         return {};
       }},
      {"AGENTSTUDIO_JWT_RS256_PUBLIC_KEY_FILE",
       [](Config& c, const std::string& v) -> std::string {
         std::string error = SetFromFile(c.auth.jwt.rs256_public_key_pem, v);
         if (error.empty() && c.auth.jwt.rs256_public_key_pem.find("-----BEGIN PUBLIC KEY-----") ==
                                  std::string::npos) {
           error = v + " holds no PEM public key (-----BEGIN PUBLIC KEY-----)";
         }
         return error;
       }},
      {"AGENTSTUDIO_JWT_JWKS_FILE",
       [](Config& c, const std::string& v) -> std::string {
         std::string document;
         if (std::string error = SetFromFile(document, v); !error.empty()) return error;
         auto keys = auth::ParseJwks(document);
         if (auto* error = std::get_if<std::string>(&keys)) return v + ": " + *error;
         c.auth.jwt.rs256_jwks = std::move(std::get<auth::RsaKeysByKid>(keys));
         return {};
       }},
      {"AGENTSTUDIO_JWT_ISSUER",
       [](Config& c, const std::string& v) -> std::string {
         c.auth.jwt.issuer = v;
         return {};
       }},
      {"AGENTSTUDIO_JWT_AUDIENCE",
       [](Config& c, const std::string& v) -> std::string {
         c.auth.jwt.audience = v;
         return {};
       }},
      {"AGENTSTUDIO_RATE_LIMIT_TIERS",
       [](Config& c, const std::string& v) { return SetTiers(c.auth.rate_limits, v); }},
      {"AGENTSTUDIO_RATE_LIMIT_DEFAULT_TIER",
       [](Config& c, const std::string& v) {
         c.auth.rate_limits.default_tier = v;
         return std::string();
       }},
      {"AGENTSTUDIO_KAFKA_BROKERS",
       [](Config& c, const std::string& v) {
         c.kafka_brokers = v;
         return std::string();
       }},
      {"AGENTSTUDIO_DATABASE_URL",
       [](Config& c, const std::string& v) {
         c.database_url = v;
         return std::string();
       }},
      {"AGENTSTUDIO_HTTP_ADDR",
       [](Config& c, const std::string& v) {
         c.http_addr = v;
         return std::string();
       }},
      {"AGENTSTUDIO_METRICS_ADDR",
       [](Config& c, const std::string& v) {
         c.metrics_addr = v;
         return std::string();
       }},
      {"AGENTSTUDIO_TOPIC_PREFIX",
       [](Config& c, const std::string& v) {
         c.topic_prefix = v;
         return std::string();
       }},
      {"AGENTSTUDIO_PARTITIONS",
       [](Config& c, const std::string& v) { return SetInt(c.partitions, v, 1, 1000); }},
      {"AGENTSTUDIO_REPLICATION_FACTOR",
       [](Config& c, const std::string& v) { return SetInt(c.replication_factor, v, 0, 32); }},
      {"AGENTSTUDIO_MIN_INSYNC_REPLICAS",
       [](Config& c, const std::string& v) { return SetInt(c.min_insync_replicas, v, 0, 32); }},
      {"AGENTSTUDIO_AGENT_TYPES",
       [](Config& c, const std::string& v) {
         c.agent_types = SplitList(v);
         return std::string();
       }},
      {"AGENTSTUDIO_HTTP_AGENT_TYPES",
       [](Config& c, const std::string& v) {
         c.http_agent_types = SplitList(v);
         for (const std::string& type : c.http_agent_types) {
           if (!engine::IsValidIdentifier(type)) return "not an agent type: " + type;
         }
         return std::string();
       }},
      {"AGENTSTUDIO_HTTP_AGENT_SILENCE_MS",
       [](Config& c, const std::string& v) {
         return SetInt(c.http_agent_silence_ms, v, 1000, 3600000);
       }},
      {"AGENTSTUDIO_BROKER_FILE",
       [](Config& c, const std::string& v) {
         c.broker_file = v;
         return std::string();
       }},
      {"AGENTSTUDIO_HTTP_THREADS",
       [](Config& c, const std::string& v) { return SetInt(c.http_threads, v, 1, 256); }},
      {"AGENTSTUDIO_HTTP_MAX_BODY",
       [](Config& c, const std::string& v) { return SetInt(c.http_max_body, v, 4096, 64 << 20); }},
      {"AGENTSTUDIO_DB_POOL",
       [](Config& c, const std::string& v) { return SetInt(c.db_pool, v, 1, 256); }},
      {"AGENTSTUDIO_DELIVERY_TIMEOUT_MS",
       [](Config& c, const std::string& v) {
         return SetInt(c.delivery_timeout_ms, v, 100, 600000);
       }},
      {"AGENTSTUDIO_EXECUTE_TIMEOUT_MS",
       [](Config& c, const std::string& v) {
         return SetInt(c.execute_timeout_ms, v, 1000, 3 * 3600 * 1000);
       }},
      {"AGENTSTUDIO_DEDUP_WINDOW_S",
       [](Config& c, const std::string& v) {
         return SetInt(c.dedup_window_s, v, 1, 10 * 365 * 24 * 3600);
       }},
      {"AGENTSTUDIO_DEDUP_PRUNE_INTERVAL_MS",
       [](Config& c, const std::string& v) {
         return SetInt(c.dedup_prune_interval_ms, v, 100, 24 * 3600 * 1000);
       }},
      {"AGENTSTUDIO_SCHEDULER_CACHED_TASKS",
       [](Config& c, const std::string& v) {
         return SetInt(c.scheduler_cached_tasks, v, 0, 10000000);
       }},
      {"AGENTSTUDIO_SCHEDULER_LINGER_MS",
       [](Config& c, const std::string& v) { return SetInt(c.scheduler_linger_ms, v, 0, 1000); }},
      {"AGENTSTUDIO_DISPATCH_PREFETCH",
       [](Config& c, const std::string& v) { return SetInt(c.dispatch_prefetch, v, 0, 100000); }},
      {"AGENTSTUDIO_TLS_CERT_FILE",
       [](Config& c, const std::string& v) {
         std::string content;
         c.tls_cert_file = v;
         return SetFromFile(content, v);
       }},
      {"AGENTSTUDIO_TLS_KEY_FILE",
       [](Config& c, const std::string& v) {
         std::string content;
         c.tls_key_file = v;
         return SetFromFile(content, v);
       }},
      {"AGENTSTUDIO_API_DOCS_DIR",
       [](Config& c, const std::string& v) -> std::string {
         c.api_docs_dir = v;
         return {};
       }},
      {"AGENTSTUDIO_OAUTH_TOKEN_TTL_S",
       [](Config& c, const std::string& v) { return SetInt(c.oauth_token_ttl_s, v, 60, 86400); }},
      {"AGENTSTUDIO_API_KEY_REFRESH_MS",
       [](Config& c, const std::string& v) {
         return SetInt(c.api_key_refresh_ms, v, 10, 3600 * 1000);
       }},
      {"AGENTSTUDIO_DELETE_WAIT_MS",
       [](Config& c, const std::string& v) { return SetInt(c.delete_wait_ms, v, 0, 600000); }},
      {"AGENTSTUDIO_KAFKA_SESSION_TIMEOUT_MS",
       [](Config& c, const std::string& v) {
         return SetInt(c.kafka_session_timeout_ms, v, 1000, 300000);
       }},
      {"AGENTSTUDIO_AGENT_CONCURRENCY",
       [](Config& c, const std::string& v) { return SetInt(c.agent_concurrency, v, 1, 1024); }},
      {"AGENTSTUDIO_HEARTBEAT_MS",
       [](Config& c, const std::string& v) { return SetInt(c.heartbeat_ms, v, 10, 600000); }},
      {"AGENTSTUDIO_AGENT_ID",
       [](Config& c, const std::string& v) {
         c.agent_id = v;
         return std::string();
       }},
      {"AGENTSTUDIO_LOG_LEVEL",
       [](Config& c, const std::string& v) {
         static const std::set<std::string> levels = {"trace", "debug", "info", "warn", "error"};
         if (!levels.count(v)) return std::string("must be one of trace, debug, info, warn, error");
         c.log_level = v;
         return std::string();
       }},
  };
  return settings;
}

std::optional<Role> ParseRole(const std::string& text) {
  for (Role role :
       {Role::kFrontdoor, Role::kScheduler, Role::kRelay, Role::kAgent, Role::kBroker}) {
    if (ToString(role) == text) return role;
  }
  return std::nullopt;
}

// Reads KEY=VALUE lines; '#' starts a comment; values may be quoted.
std::variant<std::map<std::string, std::string>, std::string> ReadFile(const std::string& path) {
  std::ifstream file(path);
  if (!file) return "cannot read config file " + path;
  std::map<std::string, std::string> out;
  std::string line;
  for (int number = 1; std::getline(file, line); ++number) {
    const auto begin = line.find_first_not_of(" \t");
    if (begin == std::string::npos || line[begin] == '#') continue;
    const auto equals = line.find('=');
    if (equals == std::string::npos) {
      return path + ":" + std::to_string(number) + ": expected KEY=VALUE";
    }
    std::string key = line.substr(begin, equals - begin);
    while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.pop_back();
    std::string value = line.substr(equals + 1);
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    if (!Settings().count(key))
      return path + ":" + std::to_string(number) + ": unknown setting " + key;
    out[key] = value;
  }
  return out;
}

}  // namespace

std::string_view ToString(Role role) {
  switch (role) {
    case Role::kFrontdoor:
      return "frontdoor";
    case Role::kScheduler:
      return "scheduler";
    case Role::kRelay:
      return "relay";
    case Role::kAgent:
      return "agent";
    case Role::kBroker:
      return "broker";
  }
  return "frontdoor";
}

bool Config::NeedsDatabase() const {
  return migrate_only || Has(Role::kFrontdoor) || Has(Role::kScheduler) || Has(Role::kRelay);
}

std::variant<Config, std::string> LoadConfig(const std::vector<std::string>& args,
                                             const std::map<std::string, std::string>& env) {
  Config config;
  std::string config_file;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "migrate" && i == 0) {
      config.migrate_only = true;
    } else if (arg == "--role" || arg == "--config") {
      if (i + 1 >= args.size()) return arg + " needs a value";
      const std::string& value = args[++i];
      if (arg == "--config") {
        config_file = value;
      } else if (auto role = ParseRole(value)) {
        config.roles.insert(*role);
      } else {
        return "unknown role '" + value + "' (frontdoor, scheduler, relay, agent, broker)";
      }
    } else if (arg.rfind("--role=", 0) == 0) {
      auto role = ParseRole(arg.substr(7));
      if (!role) return "unknown role '" + arg.substr(7) + "'";
      config.roles.insert(*role);
    } else if (arg.rfind("--config=", 0) == 0) {
      config_file = arg.substr(9);
    } else {
      return "unknown argument '" + arg + "'";
    }
  }
  std::map<std::string, std::string> values;
  if (!config_file.empty()) {
    auto file = ReadFile(config_file);
    if (auto* error = std::get_if<std::string>(&file)) return *error;
    values = std::get<0>(file);
  }
  for (const auto& [key, value] : env) {
    if (Settings().count(key)) values[key] = value;
  }
  for (const auto& [key, value] : values) {
    const std::string error = Settings().at(key)(config, value);
    if (!error.empty()) {
      // A secret's value never reaches the message (it goes to the journal).
      const bool secret = key == "AGENTSTUDIO_JWT_HS256_SECRET";
      return key + (secret ? "" : "=" + value) + ": " + error;
    }
  }
  if (config.roles.empty() && !config.migrate_only) {
    config.roles = {Role::kFrontdoor, Role::kScheduler, Role::kRelay, Role::kAgent};
    if (config.kafka_brokers.empty()) config.roles.insert(Role::kBroker);
  }
  if (config.kafka_brokers.empty() && !config.migrate_only && !config.Has(Role::kBroker)) {
    return "AGENTSTUDIO_KAFKA_BROKERS is empty and the broker role is not among the roles: "
           "set it to the broker's bootstrap list";
  }
  if (config.replication_factor > 0 && config.min_insync_replicas > config.replication_factor) {
    return "AGENTSTUDIO_MIN_INSYNC_REPLICAS (" + std::to_string(config.min_insync_replicas) +
           ") exceeds AGENTSTUDIO_REPLICATION_FACTOR (" +
           std::to_string(config.replication_factor) + "): no write could ever be acknowledged";
  }
  if (std::string error = ResolveAuth(config); !error.empty()) return error;
  if (config.tls_cert_file.empty() != config.tls_key_file.empty()) {
    return "set both AGENTSTUDIO_TLS_CERT_FILE and AGENTSTUDIO_TLS_KEY_FILE, or neither";
  }
  if (config.NeedsDatabase() && config.database_url.empty()) {
    return "AGENTSTUDIO_DATABASE_URL is required by the roles asked for";
  }
  if (config.agent_id.empty()) {
    char host[256] = "host";
    gethostname(host, sizeof host - 1);
    config.agent_id = std::string("agent-") + host + "-" + std::to_string(getpid());
  }
  return config;
}

}  // namespace agentstudio::daemon
