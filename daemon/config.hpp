#pragma once

#include <map>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "auth/authenticator.hpp"

namespace agentstudio::daemon {

enum class Role { kFrontdoor, kScheduler, kRelay, kAgent, kBroker };

std::string_view ToString(Role role);

// Every setting of agentstudiod. Each comes from an AGENTSTUDIO_* environment
// variable, which overrides the same key in the --config file (KEY=VALUE lines,
// the format of systemd's EnvironmentFile). See docs/configuration.md.
struct Config {
  bool migrate_only = false;  // `agentstudiod migrate`
  std::set<Role> roles;       // empty on the command line: all roles

  // AGENTSTUDIO_KAFKA_BROKERS: bootstrap list; empty starts the embedded
  // broker (librdkafka's mock cluster: a development toy).
  std::string kafka_brokers;
  // AGENTSTUDIO_DATABASE_URL: libpq conninfo or postgresql:// URI.
  std::string database_url;
  // AGENTSTUDIO_HTTP_ADDR: where the front door listens.
  std::string http_addr = "127.0.0.1:8080";
  // AGENTSTUDIO_TOPIC_PREFIX
  std::string topic_prefix = "agentstudio.";
  // AGENTSTUDIO_PARTITIONS: partitions of each topic agentstudiod creates.
  int partitions = 6;
  // AGENTSTUDIO_REPLICATION_FACTOR: replicas of each topic agentstudiod
  // creates; 0 = 1 on a single broker, 3 on a larger cluster.
  int replication_factor = 0;
  // AGENTSTUDIO_MIN_INSYNC_REPLICAS: min.insync.replicas of each topic
  // agentstudiod creates; 0 = 2 with 3 or more replicas, else 1.
  int min_insync_replicas = 0;
  // AGENTSTUDIO_AGENT_TYPES: comma-separated reference agent types the agent role serves; empty =
  // all.
  std::vector<std::string> agent_types;
  // AGENTSTUDIO_HTTP_AGENT_TYPES: agent types whose agents speak HTTP; the
  // agent role posts their tasks to the endpoints those agents' heartbeats
  // name (agents/http_task_forwarder.hpp).
  std::vector<std::string> http_agent_types;
  // AGENTSTUDIO_HTTP_AGENT_SILENCE_MS: how long an HTTP agent may go without
  // a heartbeat before the forwarder posts the tasks it holds elsewhere.
  int http_agent_silence_ms = 30000;
  // AGENTSTUDIO_BROKER_FILE: where the broker role writes its bootstrap list.
  std::string broker_file;
  // AGENTSTUDIO_METRICS_ADDR: where a process without the front door serves
  // GET /metrics; empty: not served (the front door serves it on its port).
  std::string metrics_addr;
  // AGENTSTUDIO_HTTP_THREADS: Pistache reactor threads.
  int http_threads = 2;
  // AGENTSTUDIO_HTTP_MAX_BODY: largest request body accepted, bytes.
  int http_max_body = 1 << 20;
  // AGENTSTUDIO_DB_POOL: PostgreSQL sessions of the front door's worker pool.
  int db_pool = 4;
  // AGENTSTUDIO_DELIVERY_TIMEOUT_MS: how long the front door waits for Kafka.
  int delivery_timeout_ms = 10000;
  // AGENTSTUDIO_EXECUTE_TIMEOUT_MS: how long the waiting endpoints (/execute,
  // resume, meta-agent execute) wait when the request sets no timeout.
  int execute_timeout_ms = 600000;
  // AGENTSTUDIO_DEDUP_WINDOW_S: how long schedulers remember applied message
  // ids; older messages are dead-lettered. Keep it above the topics'
  // retention.ms. AGENTSTUDIO_DEDUP_PRUNE_INTERVAL_MS: how often ids older
  // than that are deleted.
  int dedup_window_s = 8 * 24 * 3600;
  int dedup_prune_interval_ms = 600000;
  // AGENTSTUDIO_SCHEDULER_CACHED_TASKS: how many tasks of executions under
  // way a scheduler keeps in memory between batches (0: none).
  int scheduler_cached_tasks = 5000;
  // AGENTSTUDIO_SCHEDULER_LINGER_MS: how long a scheduler's poll goes on
  // collecting messages after the first, for fewer, larger transactions.
  int scheduler_linger_ms = 2;
  // AGENTSTUDIO_DISPATCH_PREFETCH: tasks of its types the dispatch gate lets
  // wait in Kafka for each live agent beyond its capacity. 0: a task waits in
  // PostgreSQL, by priority, until an agent has a free slot.
  int dispatch_prefetch = 0;
  // AGENTSTUDIO_DELETE_WAIT_MS: how long a DELETE waits for a scheduler to
  // apply it (then 200, a GET finds nothing) before answering 202.
  int delete_wait_ms = 10000;
  // AGENTSTUDIO_TLS_CERT_FILE and AGENTSTUDIO_TLS_KEY_FILE: the front door
  // serves HTTPS with this PEM certificate (chain) and private key; both
  // empty: plain HTTP.
  std::string tls_cert_file;
  std::string tls_key_file;
  // AGENTSTUDIO_API_DOCS_DIR: the node_modules holding swagger-ui-dist and
  // redoc, for /docs and /redoc; empty: those answer 404.
  std::string api_docs_dir;
  // AGENTSTUDIO_OAUTH_TOKEN_TTL_S: how long the tokens of POST /oauth/token
  // last.
  int oauth_token_ttl_s = 3600;
  // AGENTSTUDIO_API_KEY_REFRESH_MS: how often a front door rereads the API
  // keys; a key made or revoked counts within this long.
  int api_key_refresh_ms = 1000;
  // AGENTSTUDIO_KAFKA_SESSION_TIMEOUT_MS: consumer groups' session.timeout.ms,
  // how long the partitions of a member that died stay unread before the
  // group gives them to another (schedulers, heartbeat ingestion, agents).
  int kafka_session_timeout_ms = 10000;
  // AGENTSTUDIO_AGENT_CONCURRENCY: tasks the agent role runs at once.
  int agent_concurrency = 16;
  // AGENTSTUDIO_HEARTBEAT_MS: agent heartbeat interval.
  int heartbeat_ms = 5000;
  // AGENTSTUDIO_AGENT_ID: this process's agent id; default agent-<host>-<pid>.
  std::string agent_id;
  // AGENTSTUDIO_LOG_LEVEL: trace, debug, info, warn, error.
  std::string log_level = "info";
  // Who may call the front door (docs/security.md). AGENTSTUDIO_AUTH:
  // required, or none, which a loopback address alone allows; unset, it is
  // required when a key is configured and none on a loopback address, and
  // elsewhere the daemon refuses to start. The keys:
  // AGENTSTUDIO_JWT_HS256_SECRET (or _FILE), AGENTSTUDIO_JWT_RS256_PUBLIC_KEY_FILE;
  // AGENTSTUDIO_JWT_ISSUER and AGENTSTUDIO_JWT_AUDIENCE, checked when set.
  auth::AuthSettings auth;
  std::string auth_setting;           // AGENTSTUDIO_AUTH as given
  std::string jwt_hs256_secret_file;  // AGENTSTUDIO_JWT_HS256_SECRET_FILE

  bool Has(Role role) const { return roles.count(role) > 0; }
  bool NeedsDatabase() const;
};

// Parses the command line and the environment (`env` as NAME -> value).
// Returns the config or a message saying what is wrong.
std::variant<Config, std::string> LoadConfig(const std::vector<std::string>& args,
                                             const std::map<std::string, std::string>& env);

}  // namespace agentstudio::daemon
