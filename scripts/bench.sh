#!/usr/bin/env bash
# `make bench`: a release registry on its own database, measured beside its baselines in one
# run: a bare gRPC health check, pgbench (select-only) and redis-benchmark (GET) on the same
# Postgres and Redis. Sizes: BENCH_SECONDS (30), BENCH_IMPORT_ROWS (100000),
# BENCH_STAT_PERSONS (1000000).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
seconds=${BENCH_SECONDS:-30}
import_rows=${BENCH_IMPORT_ROWS:-100000}
stat_persons=${BENCH_STAT_PERSONS:-1000000}
port=50061
data="$root/.data"
log="$data/logs/bench-registry.log"

scripts/stack.sh up
eval "$(scripts/stack.sh env)"
pg_url=${ONALTU_REGISTRY__DATABASE__URL%/*}
redis_url=$ONALTU_REGISTRY__CACHE__URL
cargo build --release -p onaltu-registry -p onaltu-bench

echo "== preparing a fresh database onaltu_bench"
psql "$pg_url/postgres" -qc "DROP DATABASE IF EXISTS onaltu_bench WITH (FORCE)" -c "CREATE DATABASE onaltu_bench"
export ONALTU_CONFIG_DIR="$root/services/registry/config"
export ONALTU_REGISTRY__DATABASE__URL="$pg_url/onaltu_bench"
export ONALTU_REGISTRY__DATABASE__MAX_CONNECTIONS=32
export ONALTU_REGISTRY__CACHE__PREFIX=bench
export ONALTU_REGISTRY__SERVER__LISTEN="127.0.0.1:$port"
export ONALTU_REGISTRY__SERVER__CONCURRENCY_LIMIT_PER_CONNECTION=1024
export RUST_LOG=warn
target/release/onaltu-registry migrate >/dev/null
mkdir -p "$data/logs"
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "port $port is in use: stop whatever listens there (an earlier bench?) and run again" >&2
  exit 1
fi
target/release/onaltu-registry serve >"$log" 2>&1 &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  kill -0 $server 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done

bench=target/release/onaltu-bench
addr="http://127.0.0.1:$port"
echo
echo "== registry RPCs with a warm cache, beside a bare gRPC health check"
$bench --addr "$addr" rpc --concurrency 64 --seconds "$seconds"

echo
echo "== baselines of the stores the registry reads"
redis_port=${redis_url##*:}; redis_port=${redis_port%%/*}
redis-benchmark -h 127.0.0.1 -p "$redis_port" -t get -c 64 -n 200000 --csv \
  | tr -d '"' | awk -F, '$1 == "GET" { printf "redis-benchmark GET (64 clients): %s requests/s, p50 %s ms, p99 %s ms\n", $2, $5, $7 }'
pgbench_db="$pg_url/onaltu_bench"
pgbench -i -q -s 1 "$pgbench_db" >/dev/null 2>&1
pgbench -S -c 16 -j 2 -T 10 "$pgbench_db" 2>/dev/null | grep -E "^(tps|latency average)" | sed 's/^/pgbench -S (16 clients) /'

echo
echo "== ImportPersons"
$bench --addr "$addr" import --rows "$import_rows" --offset 0

echo
echo "== GetStatistics over $stat_persons persons"
have=$import_rows
while [ "$have" -lt "$stat_persons" ]; do
  batch=$(( stat_persons - have < 200000 ? stat_persons - have : 200000 ))
  $bench --addr "$addr" import --rows "$batch" --offset "$have" | sed 's/^/  (loading) /'
  have=$(( have + batch ))
done
psql "$pg_url/onaltu_bench" -qc "VACUUM ANALYZE persons" >/dev/null
$bench --addr "$addr" statistics --calls 10
