# Shared by scripts/run and scripts/test: packages, build, PostgreSQL.
# Sourced; expects ROOT (the checkout) to be set.

RUN_DIR="$ROOT/.run"
PG_PORT="${AGENTSTUDIO_PG_PORT:-54329}"
PG_USER=agentstudio

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# install_debian_packages PACKAGE...: installs those that are missing (needs
# root or sudo).
install_debian_packages() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$package")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    log "installing ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# The build's and the tests' Debian packages (Java and Maven for the Kafka
# broker come with install_kafka, scripts/lib/kafka.sh).
install_packages() {
  install_debian_packages build-essential cmake pkg-config ccache \
    librdkafka-dev libpistache-dev libsoci-dev libboost-dev libspdlog-dev \
    libprotobuf-dev protobuf-compiler nlohmann-json3-dev libcurl4-openssl-dev \
    libsystemd-dev libgtest-dev libjwt-dev libssl-dev openssl postgresql kcat curl clang libclang-rt-14-dev \
    python3-venv python3-confluent-kafka python3-protobuf
  install_npm_tools
  install_python_tools
}

# The PyPI packages of scripts/lib/python/*-requirements.txt (every version
# pinned) in a virtual environment of Debian's python3 at .run/venv: the
# schemathesis run against the live front door. Reinstalled when a
# requirements file changes.
VENV_DIR="$RUN_DIR/venv"
install_python_tools() {
  local wanted
  wanted=$(cat "$ROOT"/scripts/lib/python/*-requirements.txt)
  if [ -x "$VENV_DIR/bin/python" ] && [ "$wanted" = "$(cat "$VENV_DIR/requirements.txt" 2>/dev/null)" ]; then
    return
  fi
  log "installing the PyPI packages of scripts/lib/python into $VENV_DIR"
  rm -rf "$VENV_DIR"
  /usr/bin/python3 -m venv "$VENV_DIR"
  local files=()
  for file in "$ROOT"/scripts/lib/python/*-requirements.txt; do files+=(-r "$file"); done
  "$VENV_DIR/bin/pip" install --quiet --disable-pip-version-check "${files[@]}"
  printf '%s\n' "$wanted" >"$VENV_DIR/requirements.txt"
}

# The npm packages of scripts/lib/npm, pinned by its package-lock.json, in
# .run/npm: the OpenAPI linter the tests run (spectral) and the pages of
# /docs and /redoc (swagger-ui-dist, redoc). Reinstalled when the lock changes.
NPM_DIR="$RUN_DIR/npm"
install_npm_tools() {
  if [ -d "$NPM_DIR/node_modules" ] &&
    cmp -s "$ROOT/scripts/lib/npm/package-lock.json" "$NPM_DIR/package-lock.json"; then
    return
  fi
  command -v npm >/dev/null || install_debian_packages nodejs npm
  log "installing the npm packages of scripts/lib/npm into $NPM_DIR"
  rm -rf "$NPM_DIR"
  mkdir -p "$NPM_DIR"
  cp "$ROOT/scripts/lib/npm/package.json" "$ROOT/scripts/lib/npm/package-lock.json" "$NPM_DIR/"
  (cd "$NPM_DIR" && npm ci --no-audit --no-fund --ignore-scripts >/dev/null)
}

# Release build in build/ (shared by scripts/run and scripts/test).
# build [targets...]: all targets when none are named.
BUILD_DIR="${AGENTSTUDIO_BUILD_DIR:-$ROOT/build}"
build() {
  log "building in $BUILD_DIR"
  # Paths relative to the checkout let ccache reuse objects across clones.
  export CCACHE_BASEDIR="$ROOT" CCACHE_NOHASHDIR=1
  cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DAGENTSTUDIO_WERROR=ON >/dev/null
  local targets=()
  for target in "$@"; do targets+=(--target "$target"); done
  cmake --build "$BUILD_DIR" -j "$(nproc)" "${targets[@]}"
}

pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] || die "PostgreSQL server binaries not found under /usr/lib/postgresql"
  echo "$dir"
}

# PostgreSQL refuses to run as root: as root, the cluster belongs to the
# 'postgres' user; otherwise to the current user.
pg_run() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Starts the project's own cluster (data under .run/, loopback only), creating
# it on first use; reuses a running one. Sets PG_STARTED_HERE=1 when this call
# started it. Exports AGENTSTUDIO_PG_ADMIN_URL and, unless already set,
# AGENTSTUDIO_DATABASE_URL.
start_postgres() {
  local bin; bin=$(pg_bin)
  PG_DIR="$RUN_DIR/pg"
  mkdir -p "$RUN_DIR"
  if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$RUN_DIR" 2>/dev/null; then
    # The checkout is not reachable by the postgres user (e.g. under /root):
    # keep the cluster in a directory of its own under /var/tmp instead.
    PG_DIR="/var/tmp/agentstudio-pg-$(printf '%s' "$ROOT" | md5sum | cut -c1-12)"
  fi
  mkdir -p "$PG_DIR"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$PG_DIR"
  if [ ! -f "$PG_DIR/data/PG_VERSION" ]; then
    log "creating a PostgreSQL cluster in $PG_DIR"
    pg_run "$bin/initdb" -D "$PG_DIR/data" -U "$PG_USER" --auth=trust -E UTF8 --no-locale >/dev/null
  fi
  if pg_run "$bin/pg_ctl" -D "$PG_DIR/data" status >/dev/null 2>&1; then
    log "PostgreSQL already running on 127.0.0.1:$PG_PORT"
    PG_STARTED_HERE=0
  else
    log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    mkdir -p "$PG_DIR/sock"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$PG_DIR/sock"
    pg_run "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 start \
      -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$PG_DIR/sock -c max_connections=300" \
      >/dev/null || { tail -n 20 "$PG_DIR/server.log" >&2; die "PostgreSQL did not start"; }
    PG_STARTED_HERE=1
  fi
  export AGENTSTUDIO_PG_ADMIN_URL="postgresql://$PG_USER@127.0.0.1:$PG_PORT/postgres"
  if ! psql "$AGENTSTUDIO_PG_ADMIN_URL" -tAc "SELECT 1 FROM pg_database WHERE datname='agentstudio'" | grep -q 1; then
    psql "$AGENTSTUDIO_PG_ADMIN_URL" -qc "CREATE DATABASE agentstudio" >/dev/null
  fi
  export AGENTSTUDIO_DATABASE_URL="${AGENTSTUDIO_DATABASE_URL:-postgresql://$PG_USER@127.0.0.1:$PG_PORT/agentstudio}"
  export PG_DIR PG_STARTED_HERE
}

stop_postgres() {
  local bin; bin=$(pg_bin)
  log "stopping PostgreSQL"
  pg_run "$bin/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
}
