#!/usr/bin/env bash
# The local stack: a private PostgreSQL (one database per service) and a private Redis under
# .data/, unless DATABASE_URL / REDIS_URL point at servers of your own.
#
#   scripts/stack.sh deps   install what is missing (Debian packages, as root)
#   scripts/stack.sh up     start Postgres and Redis, create the databases
#   scripts/stack.sh down   stop them
#   scripts/stack.sh env    print the URLs as shell exports
#   scripts/stack.sh pyclient  a private Python virtual environment with the stock gRPC client
#                              libraries the end-to-end tests call the suite with (and PyYAML,
#                              for the manifest checks in deploy/check)
#   scripts/stack.sh browser   what the portal's browser tests need: Debian's Chromium, Node.js,
#                              and services/portal/browser/node_modules (playwright-core, axe-core)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
data="$root/.data"

say() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] error: %s\n' "$*" >&2; exit 1; }

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Each checkout keeps the ports it first found free in .data/, so two checkouts on one machine
# (or a system server on the default port) do not collide.
choose_port() {
  local name=$1 port=$2 file="$data/$1.port"
  # A port kept from an earlier start is reused unless something else took it meanwhile.
  if [ -f "$file" ] && ! port_busy "$(cat "$file")"; then cat "$file"; return; fi
  while port_busy "$port"; do port=$((port + 1)); done
  mkdir -p "$data"; echo "$port" >"$file"; echo "$port"
}
pg_port=${ONALTU_PG_PORT:-$( [ -f "$data/postgres.port" ] && cat "$data/postgres.port" || echo 54329)}
redis_port=${ONALTU_REDIS_PORT:-$( [ -f "$data/redis.port" ] && cat "$data/redis.port" || echo 63799)}
databases=(onaltu_registry onaltu_feedback onaltu_rating onaltu_transport onaltu_test)

pg_bin() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$dir/initdb" ] && { echo "$dir"; return; }
  done
  command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return; }
  return 1
}

deps() {
  local missing=()
  [ -n "${DATABASE_URL:-}" ] || pg_bin >/dev/null || missing+=(postgresql)
  command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)
  [ -n "${REDIS_URL:-}" ] || command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)  # tests start their own
  command -v python3 >/dev/null 2>&1 || missing+=(python3)
  python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
  command -v curl >/dev/null 2>&1 || missing+=(curl)  # scripts/run.sh asks the portal's /readyz
  [ ${#missing[@]} -eq 0 ] && return 0
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  if [ "$(id -u)" -ne 0 ]; then
    die "missing: ${missing[*]}. Install them (sudo apt-get install ${missing[*]}) or set DATABASE_URL / REDIS_URL."
  fi
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian starts its own cluster and server on install; ours are private and need neither.
}

# Runs a command as the owner of the data directory: PostgreSQL refuses to run as root.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_url() { echo "postgres://postgres@127.0.0.1:$pg_port/$1"; }

pg_up() {
  local bin; bin=$(pg_bin) || die "PostgreSQL is not installed (scripts/stack.sh deps)"
  mkdir -p "$data"
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    mkdir -p "$data/pg" "$data/pg-run"
    chown postgres: "$data/pg" "$data/pg-run"
    chmod 700 "$data/pg"
    as_pg test -x "$data" || die "the postgres user cannot reach $data; make its parent directories searchable (chmod o+x)"
  else
    mkdir -p "$data/pg" "$data/pg-run"; chmod 700 "$data/pg"
  fi
  if [ ! -f "$data/pg/PG_VERSION" ]; then
    say "initialising PostgreSQL in .data/pg"
    as_pg "$bin/initdb" -D "$data/pg" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
  fi
  if as_pg "$bin/pg_ctl" -D "$data/pg" status >/dev/null 2>&1; then
    pg_port=$(sed -n 4p "$data/pg/postmaster.pid")
    echo "$pg_port" >"$data/postgres.port"
    say "PostgreSQL already running on port $pg_port"
  else
    [ -n "${ONALTU_PG_PORT:-}" ] || pg_port=$(choose_port postgres 54329)
    say "starting PostgreSQL on 127.0.0.1:$pg_port"
    as_pg "$bin/pg_ctl" -D "$data/pg" -l "$data/pg-run/postgres.log" -w -t 60 \
      -o "-p $pg_port -k $data/pg-run -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=256MB" \
      start >/dev/null || { tail -20 "$data/pg-run/postgres.log" >&2; die "PostgreSQL did not start"; }
  fi
  local db
  for db in "${databases[@]}"; do
    psql -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 \
      || psql -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -qc "CREATE DATABASE $db" >/dev/null
  done
}

external_pg_up() {
  # DATABASE_URL names a server; each service gets its own database on it.
  local base="${DATABASE_URL%/*}" db
  for db in "${databases[@]}"; do
    psql "$DATABASE_URL" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 \
      || psql "$DATABASE_URL" -qc "CREATE DATABASE $db" >/dev/null \
      || die "cannot create database $db on $base"
  done
}

redis_up() {
  mkdir -p "$data/redis"
  if [ -f "$data/redis/redis.pid" ] && kill -0 "$(cat "$data/redis/redis.pid")" 2>/dev/null \
    && redis-cli -p "$redis_port" ping >/dev/null 2>&1; then
    say "Redis already running on port $redis_port"
    return
  fi
  [ -n "${ONALTU_REDIS_PORT:-}" ] || redis_port=$(choose_port redis 63799)
  say "starting Redis on 127.0.0.1:$redis_port"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$redis_port" --dir "$data/redis" \
    --pidfile "$data/redis/redis.pid" --logfile "$data/redis/redis.log" \
    --save "" --appendonly yes >/dev/null
  for _ in $(seq 1 100); do
    redis-cli -p "$redis_port" ping >/dev/null 2>&1 && return
    sleep 0.1
  done
  die "Redis did not start (see .data/redis/redis.log)"
}

# The suite's fixed ports (gRPC 50051-50054, health 50061-50064, the portal 8080 and its bench
# 8090, metrics 9464) kept out of the kernel's ephemeral range, where Linux would otherwise hand
# them to outgoing connections (a service's pool to Redis, say) and a server started later could
# not bind. Only as root; elsewhere a clash is rare and shows as "Address already in use".
reserve_ports() {
  local file=/proc/sys/net/ipv4/ip_local_reserved_ports want="50051-50064,8080,8090,9464" current
  [ -w "$file" ] || return 0
  current=$(cat "$file")
  [ -n "$current" ] && [[ "$current" == *50051-50064* ]] && return 0
  echo "${current:+$current,}$want" >"$file" 2>/dev/null || true
}

up() {
  deps
  reserve_ports
  if [ -n "${DATABASE_URL:-}" ]; then external_pg_up; else pg_up; fi
  [ -n "${REDIS_URL:-}" ] || redis_up
}

down() {
  local bin
  if [ -f "$data/pg/postmaster.pid" ] && bin=$(pg_bin); then
    say "stopping PostgreSQL"
    as_pg "$bin/pg_ctl" -D "$data/pg" -m fast -w stop >/dev/null || true
  fi
  if [ -f "$data/redis/redis.pid" ]; then
    say "stopping Redis"
    redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || kill "$(cat "$data/redis/redis.pid")" 2>/dev/null || true
    rm -f "$data/redis/redis.pid"
  fi
}

# The stock Python client (grpcio, grpcio-reflection, grpcio-health-checking) in .data/venv, with
# PyYAML for deploy/check/manifests.py; reinstalled only when its requirements change.
pyclient() {
  local req="$root/tests/stock_client/requirements.txt" venv="$data/venv"
  if [ -x "$venv/bin/python" ] && cmp -s "$req" "$venv/requirements.txt"; then return; fi
  say "installing the stock gRPC client into .data/venv"
  rm -rf "$venv"
  python3 -m venv "$venv" || die "python3 -m venv failed (install python3-venv)"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req" || die "pip install failed"
  cp "$req" "$venv/requirements.txt"
}

# Installs Debian packages (as root), or says which to install.
apt_install() {
  if [ "$(id -u)" -ne 0 ]; then
    die "missing: $*. Install them (sudo apt-get install $*) and run this again."
  fi
  say "installing $*"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# The portal's browser tests (services/portal/browser) drive Debian's Chromium through
# playwright-core, which never downloads a browser of its own; axe-core checks each page. The
# node modules are installed exactly as package-lock.json records them, again only when the lock
# changes.
browser() {
  local missing=() dir="$root/services/portal/browser"
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v node >/dev/null 2>&1 || missing+=(nodejs)
  command -v npm >/dev/null 2>&1 || missing+=(npm)
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
  local major; major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$major" -ge 18 ] || die "Node.js $major is too old for the browser tests (18 or later)"
  if [ -f "$dir/node_modules/.package-lock.json" ] && cmp -s "$dir/package-lock.json" "$dir/node_modules/.installed-lock.json"; then
    return
  fi
  say "installing the browser tests' node modules into services/portal/browser/node_modules"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || die "npm ci failed in services/portal/browser"
  cp "$dir/package-lock.json" "$dir/node_modules/.installed-lock.json"
}

env_exports() {
  local svc
  for svc in registry feedback rating transport; do
    local url
    if [ -n "${DATABASE_URL:-}" ]; then url="${DATABASE_URL%/*}/onaltu_$svc"; else url=$(pg_url "onaltu_$svc"); fi
    echo "export ONALTU_${svc^^}__DATABASE__URL='$url'"
    # The transport service keeps nothing in Redis.
    [ "$svc" = transport ] || echo "export ONALTU_${svc^^}__CACHE__URL='${REDIS_URL:-redis://127.0.0.1:$redis_port/0}'"
  done
  # The portal keeps only its sessions, in Redis; it has no database.
  echo "export ONALTU_PORTAL__CACHE__URL='${REDIS_URL:-redis://127.0.0.1:$redis_port/0}'"
  if [ -n "${DATABASE_URL:-}" ]; then
    echo "export ONALTU_TEST_DATABASE_URL='${DATABASE_URL%/*}/onaltu_test'"
  else
    echo "export ONALTU_TEST_DATABASE_URL='$(pg_url onaltu_test)'"
  fi
  echo "export ONALTU_TEST_PYTHON='$data/venv/bin/python'"
}

case "${1:-}" in
  deps) deps ;;
  up) up ;;
  down) down ;;
  env) env_exports ;;
  pyclient) pyclient ;;
  browser) browser ;;
  *) die "usage: $0 deps|up|down|env|pyclient|browser" ;;
esac
