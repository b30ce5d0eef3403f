# Shared by scripts/kafka, scripts/run, scripts/test and scripts/bench: the
# Apache Kafka broker of development (one KRaft node, broker + controller, on
# 127.0.0.1), installed from Maven Central. Sourced after setup.sh.
#   AGENTSTUDIO_KAFKA_DIR   its data, config, logs and pid (default .run/kafka)
#   AGENTSTUDIO_KAFKA_PORT  its client port (default 29092; the controller's is the next)
#   AGENTSTUDIO_KAFKA_HEAP  its -Xmx (default 512m)

KAFKA_TEMPLATES="$ROOT/scripts/lib/kafka"
KAFKA_HEAP="${AGENTSTUDIO_KAFKA_HEAP:-512m}"

# kafka_use DIR PORT: the broker the functions below act on.
kafka_use() {
  KAFKA_DIR="$1"
  KAFKA_PORT="$2"
  KAFKA_BOOTSTRAP="127.0.0.1:$KAFKA_PORT"
}
kafka_use "${AGENTSTUDIO_KAFKA_DIR:-$RUN_DIR/kafka}" "${AGENTSTUDIO_KAFKA_PORT:-29092}"

# Java 17 and Maven from Debian when missing, then the broker's jars from
# Maven Central into .run/kafka-libs/<hash of the pom> (Maven's own cache,
# ~/.m2, makes the copy a local one after the first run). Exports
# AGENTSTUDIO_KAFKA_LIBS, the folder of jars the tests' private brokers use too.
install_kafka() {
  local missing=()
  command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
  command -v mvn >/dev/null 2>&1 || missing+=(maven)
  command -v kcat >/dev/null 2>&1 || missing+=(kcat)
  [ "${#missing[@]}" -eq 0 ] || install_debian_packages "${missing[@]}"
  local java_major
  java_major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  [ "${java_major:-0}" -ge 17 ] 2>/dev/null || die "Kafka 4 needs Java 17 or newer; java here is ${java_major:-unknown}"
  local key libs
  key=$(md5sum "$KAFKA_TEMPLATES/pom.xml" | cut -c1-12)
  libs="$RUN_DIR/kafka-libs/$key"
  if [ ! -f "$libs/.complete" ]; then
    log "installing Apache Kafka from Maven Central into $libs"
    rm -rf "$libs.tmp"
    mkdir -p "$RUN_DIR/kafka-libs"
    mvn -B -ntp -Dstyle.color=never -f "$KAFKA_TEMPLATES/pom.xml" dependency:copy-dependencies \
      -DoutputDirectory="$libs.tmp" >"$RUN_DIR/kafka-libs/mvn.log" 2>&1 ||
      { tail -n 40 "$RUN_DIR/kafka-libs/mvn.log" >&2; die "mvn could not fetch the Kafka broker"; }
    rm -rf "$libs" && mv "$libs.tmp" "$libs" && touch "$libs/.complete"
  fi
  export AGENTSTUDIO_KAFKA_LIBS="$libs"
}

kafka_pid() { cat "$KAFKA_DIR/kafka.pid" 2>/dev/null || true; }

# True while the process of the pid file is a Kafka broker.
kafka_running() {
  local pid; pid=$(kafka_pid)
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] &&
    tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -q 'kafka\.Kafka'
}

# kafka_answers [ADDRESS]: true when a broker there answers a metadata request.
kafka_answers() { kcat -b "${1:-$KAFKA_BOOTSTRAP}" -L -m 3 >/dev/null 2>&1; }

# A Kafka cluster id: 16 random bytes, base64url without padding. Like Kafka's own
# Uuid.randomUuid it draws again when the id starts with '-': kafka-storage's argument
# parser would take such an id for an option (1 run in 64 failed that way in CI).
kafka_cluster_id() {
  local id
  while id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'); [[ $id == -* ]]; do :; done
  printf '%s' "$id"
}

# Starts the broker unless it runs; formats its storage the first time.
# Returns once it answers metadata.
kafka_start() {
  KAFKA_STARTED_HERE=0
  install_kafka
  if kafka_running; then
    kafka_wait_ready && { log "Kafka already running at $KAFKA_BOOTSTRAP"; return 0; }
    die "Kafka (pid $(kafka_pid)) runs but does not answer at $KAFKA_BOOTSTRAP"
  fi
  # Not ours, but something answers there: another checkout's broker, say.
  if kafka_answers; then
    die "another Kafka broker answers at $KAFKA_BOOTSTRAP (not the one of $KAFKA_DIR):" \
      "stop it, or set AGENTSTUDIO_KAFKA_PORT"
  fi
  mkdir -p "$KAFKA_DIR/data" "$KAFKA_DIR/logs"
  sed -e "s|@NODE_ID@|1|" -e "s|@VOTERS@|1@127.0.0.1:$((KAFKA_PORT + 1))|" \
    -e "s|@PORT@|$KAFKA_PORT|" -e "s|@CONTROLLER_PORT@|$((KAFKA_PORT + 1))|" \
    -e "s|@DATA_DIR@|$KAFKA_DIR/data|" -e "s|@PARTITIONS@|${AGENTSTUDIO_PARTITIONS:-6}|" \
    -e "s|@REPLICATION@|1|" -e "s|@MIN_INSYNC@|1|" \
    "$KAFKA_TEMPLATES/server.properties.in" >"$KAFKA_DIR/server.properties"
  local java=(java "-Xms128m" "-Xmx$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20
    -Djava.awt.headless=true "-Dkafka.logs.dir=$KAFKA_DIR/logs"
    "-Dlog4j2.configurationFile=$KAFKA_TEMPLATES/log4j2.yaml" -cp "$AGENTSTUDIO_KAFKA_LIBS/*")
  if [ ! -f "$KAFKA_DIR/data/meta.properties" ]; then
    log "formatting Kafka storage in $KAFKA_DIR/data"
    "${java[@]}" kafka.tools.StorageTool format -t "$(kafka_cluster_id)" \
      -c "$KAFKA_DIR/server.properties" >"$KAFKA_DIR/logs/format.log" 2>&1 ||
      { cat "$KAFKA_DIR/logs/format.log" >&2; die "Kafka storage format failed"; }
  fi
  log "starting Kafka at $KAFKA_BOOTSTRAP (data in $KAFKA_DIR)"
  # setsid: a Ctrl-C meant for scripts/run reaches the broker only through kafka_stop.
  setsid "${java[@]}" kafka.Kafka "$KAFKA_DIR/server.properties" \
    >"$KAFKA_DIR/logs/stdout.log" 2>&1 </dev/null &
  echo $! >"$KAFKA_DIR/kafka.pid"
  # From here on it is ours to stop, whatever happens next.
  KAFKA_STARTED_HERE=1
  kafka_wait_ready || {
    tail -n 30 "$KAFKA_DIR/logs/server.log" "$KAFKA_DIR/logs/stdout.log" >&2 2>/dev/null
    kafka_stop
    die "Kafka did not answer at $KAFKA_BOOTSTRAP"
  }
  log "Kafka answers at $KAFKA_BOOTSTRAP"
}

# The test run's shared broker: a broker of its own (.run/kafka-test, port
# 29192, fresh data each run, so topics of earlier runs do not pile up),
# reused when AGENTSTUDIO_TEST_KAFKA_BROKERS already answers (scripts/test
# calling scripts/sanitize). Exports AGENTSTUDIO_TEST_KAFKA_BROKERS and sets
# TEST_KAFKA_STARTED_HERE=1 when this call started it.
start_test_kafka() {
  TEST_KAFKA_STARTED_HERE=0
  install_kafka
  if [ -n "${AGENTSTUDIO_TEST_KAFKA_BROKERS:-}" ] && kafka_answers "$AGENTSTUDIO_TEST_KAFKA_BROKERS"; then
    log "tests use the Kafka broker at $AGENTSTUDIO_TEST_KAFKA_BROKERS"
    return 0
  fi
  kafka_use "$RUN_DIR/kafka-test" "${AGENTSTUDIO_TEST_KAFKA_PORT:-29192}"
  kafka_stop >/dev/null 2>&1 || true
  rm -rf "$KAFKA_DIR"
  TEST_KAFKA_STARTED_HERE=1
  kafka_start
  export AGENTSTUDIO_TEST_KAFKA_BROKERS="$KAFKA_BOOTSTRAP"
}

stop_test_kafka() {
  kafka_use "$RUN_DIR/kafka-test" "${AGENTSTUDIO_TEST_KAFKA_PORT:-29192}"
  kafka_stop
}

# Waits (at most 120 s) until our broker answers; fails once its process is gone.
kafka_wait_ready() {
  local deadline=$((SECONDS + 120))
  while [ $SECONDS -lt $deadline ]; do
    kafka_running || return 1
    kafka_answers && return 0
    sleep 0.2
  done
  return 1
}

# SIGTERM (a controlled shutdown), SIGKILL after 60 s.
kafka_stop() {
  local pid; pid=$(kafka_pid)
  if ! kafka_running; then
    log "Kafka is not running"
    rm -f "$KAFKA_DIR/kafka.pid"
    return 0
  fi
  log "stopping Kafka (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 60))
  while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    log "Kafka did not stop in 60 s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$KAFKA_DIR/kafka.pid"
}

# First line: the bootstrap address. Then whether it runs. Exit 0 when it
# answers, 1 when its process runs but does not answer, 3 when it is not running.
kafka_status() {
  echo "$KAFKA_BOOTSTRAP"
  if ! kafka_running; then
    echo "not running (data in $KAFKA_DIR)"
    return 3
  fi
  if kafka_answers; then
    echo "running, pid $(kafka_pid), data in $KAFKA_DIR, log $KAFKA_DIR/logs/server.log"
    return 0
  fi
  echo "pid $(kafka_pid) runs but does not answer metadata (starting, or hung)"
  return 1
}
