#!/usr/bin/env bash
# `make bench`: a release registry and feedback service on their own databases, measured beside
# baselines in one run: a bare gRPC health check, pgbench (select-only and a one-row insert) and
# redis-benchmark (GET) on the same Postgres and Redis; then the rating service. Sizes: BENCH_SECONDS (30),
# BENCH_IMPORT_ROWS (100000), BENCH_STAT_PERSONS (1000000), BENCH_EVALUATIONS (1000000). The import is
# printed beside a COPY of the same rows, GetStatistics beside a bare count(*) of the same table.
# The portal's pages beside a static file of the same process: the public ones, then the
# dispatcher's day board over a release transport service on its own database, and a dispatch
# change's delay to boards open on its event stream.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
seconds=${BENCH_SECONDS:-30}
import_rows=${BENCH_IMPORT_ROWS:-100000}
stat_persons=${BENCH_STAT_PERSONS:-1000000}
evaluations=${BENCH_EVALUATIONS:-1000000}
port=50061
feedback_port=50062
rating_port=50063
data="$root/.data"
# Where cargo puts the release binaries (CARGO_TARGET_DIR when set).
release="${CARGO_TARGET_DIR:-$root/target}/release"
log="$data/logs/bench-registry.log"

scripts/stack.sh up
eval "$(scripts/stack.sh env)"
pg_url=${ONALTU_REGISTRY__DATABASE__URL%/*}
redis_url=$ONALTU_REGISTRY__CACHE__URL
cargo build --release -p onaltu-registry -p onaltu-feedback -p onaltu-rating -p onaltu-transport \
  -p onaltu-portal -p onaltu-bench

# Named explicitly: a service started without ONALTU_ENV refuses to start.
export ONALTU_ENV=development

echo "== preparing a fresh database onaltu_bench"
psql "$pg_url/postgres" -qc "DROP DATABASE IF EXISTS onaltu_bench WITH (FORCE)" -c "CREATE DATABASE onaltu_bench"
export ONALTU_CONFIG_DIR="$root/services/registry/config"
export ONALTU_REGISTRY__DATABASE__URL="$pg_url/onaltu_bench"
export ONALTU_REGISTRY__DATABASE__MAX_CONNECTIONS=32
export ONALTU_REGISTRY__CACHE__PREFIX=bench
export ONALTU_REGISTRY__SERVER__LISTEN="127.0.0.1:$port"
export ONALTU_REGISTRY__SERVER__CONCURRENCY_LIMIT_PER_CONNECTION=1024
export RUST_LOG=warn
"$release"/onaltu-registry migrate >/dev/null
mkdir -p "$data/logs"
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "port $port is in use: stop whatever listens there (an earlier bench?) and run again" >&2
  exit 1
fi
"$release"/onaltu-registry serve >"$log" 2>&1 &
server=$!
feedback_server=
rating_server=
portal_server=
transport_server=
trap 'kill -TERM $server $feedback_server $rating_server $transport_server $portal_server 2>/dev/null; wait $server $feedback_server $rating_server $transport_server $portal_server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  kill -0 $server 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done

# The import beside the fastest way Postgres takes the same rows: the persons and assessments it
# created (those written since $1), exported, then COPYed into copies of both tables that hold the
# same rows as before the import and the same indexes; $2 is the import's own line of figures.
copy_baseline() {
  local since=$1 line=$2 db="$pg_url/onaltu_bench" dir rows secs copy_rate import_rate
  dir=$(mktemp -d)
  psql "$db" -q -v ON_ERROR_STOP=1 \
    -c "\\copy (SELECT * FROM persons WHERE create_time >= '$since') TO '$dir/persons'" \
    -c "\\copy (SELECT * FROM assessments WHERE create_time >= '$since') TO '$dir/assessments'" \
    -c "SET client_min_messages TO warning" -c "DROP TABLE IF EXISTS copy_persons, copy_assessments" \
    -c "CREATE TABLE copy_persons (LIKE persons INCLUDING ALL)" \
    -c "CREATE TABLE copy_assessments (LIKE assessments INCLUDING ALL)" \
    -c "INSERT INTO copy_persons SELECT * FROM persons WHERE create_time < '$since'" \
    -c "INSERT INTO copy_assessments SELECT * FROM assessments WHERE create_time < '$since'" \
    -c "VACUUM ANALYZE copy_persons" -c "VACUUM ANALYZE copy_assessments"
  rows=$(wc -l <"$dir/persons")
  secs=$( { TIMEFORMAT=%R; time psql "$db" -q -v ON_ERROR_STOP=1 -c "BEGIN" \
    -c "\\copy copy_persons FROM '$dir/persons'" \
    -c "\\copy copy_assessments FROM '$dir/assessments'" -c "COMMIT" >/dev/null; } 2>&1 )
  psql "$db" -qc "DROP TABLE copy_persons, copy_assessments"
  rm -rf "$dir"
  copy_rate=$(awk -v r="$rows" -v s="$secs" 'BEGIN { printf "%.0f", r / s }')
  import_rate=$(sed -E 's/.*: ([0-9]+) rows\/s.*/\1/' <<<"$line")
  echo "COPY of the same $rows persons and their assessments into copies of both tables (same rows before, same indexes), one transaction: $secs s, $copy_rate rows/s"
  awk -v i="$import_rate" -v c="$copy_rate" 'BEGIN { printf "ImportPersons / COPY: %.2fx (goal >= 0.5x)\n", i / c }'
}

# GetStatistics beside a bare count(*) over the same persons table; $1 is the statistics line.
count_baseline() {
  local line=$1 script count_ms stat_ms
  script=$(mktemp)
  echo "SELECT count(*) FROM persons;" >"$script"
  count_ms=$(pgbench -n -f "$script" -c 1 -t 10 "$pg_url/onaltu_bench" 2>/dev/null \
    | awk '/^latency average/ { print $4 }')
  rm -f "$script"
  stat_ms=$(sed -E 's/.*median ([0-9.]+) ms.*/\1/' <<<"$line")
  echo "SELECT count(*) FROM persons (pgbench, 10 calls): $count_ms ms average"
  awk -v s="$stat_ms" -v c="$count_ms" 'BEGIN { printf "GetStatistics / count(*): %.2fx the time of one count (goal: under 50 ms)\n", s / c }'
}

bench="$release"/onaltu-bench
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
echo "== ImportPersons of $import_rows new persons into a table of $stat_persons"
have=0
while [ "$have" -lt "$stat_persons" ]; do
  batch=$(( stat_persons - have < 200000 ? stat_persons - have : 200000 ))
  $bench --addr "$addr" import --rows "$batch" --offset "$have" | sed 's/^/  (loading) /'
  have=$(( have + batch ))
done
psql "$pg_url/onaltu_bench" -qc "VACUUM ANALYZE persons" >/dev/null
import_start=$(psql "$pg_url/onaltu_bench" -Atc "SELECT clock_timestamp()")
import_line=$($bench --addr "$addr" import --rows "$import_rows" --offset "$have")
echo "$import_line"
copy_baseline "$import_start" "$import_line"
echo "The same $import_rows rows again (each one found and compared, nothing written):"
$bench --addr "$addr" import --rows "$import_rows" --offset "$have"
have=$(( have + import_rows ))

echo
echo "== GetStatistics over $have persons"
psql "$pg_url/onaltu_bench" -qc "VACUUM ANALYZE persons" >/dev/null
statistics_line=$($bench --addr "$addr" statistics --calls 10)
echo "$statistics_line"
count_baseline "$statistics_line"

echo
echo "== feedback: SubmitEvaluation, durable, beside pgbench's one-row insert"
psql "$pg_url/postgres" -qc "DROP DATABASE IF EXISTS onaltu_bench_feedback WITH (FORCE)" \
  -c "CREATE DATABASE onaltu_bench_feedback"
feedback_db="$pg_url/onaltu_bench_feedback"
feedback_log="$data/logs/bench-feedback.log"
(
  export ONALTU_CONFIG_DIR="$root/services/feedback/config"
  export ONALTU_FEEDBACK__DATABASE__URL="$feedback_db"
  "$release"/onaltu-feedback migrate >/dev/null
)
# Its metrics, scraped before and after the load, tell where SubmitEvaluation's time goes.
feedback_metrics_port=9465
for p in $feedback_port $feedback_metrics_port; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    echo "port $p is in use: stop whatever listens there and run again" >&2
    exit 1
  fi
done
ONALTU_CONFIG_DIR="$root/services/feedback/config" \
ONALTU_FEEDBACK__DATABASE__URL="$feedback_db" \
ONALTU_FEEDBACK__DATABASE__MAX_CONNECTIONS=32 \
ONALTU_FEEDBACK__CACHE__URL="$redis_url" \
ONALTU_FEEDBACK__CACHE__PREFIX=bench-feedback \
ONALTU_FEEDBACK__SERVER__LISTEN="127.0.0.1:$feedback_port" \
ONALTU_FEEDBACK__SERVER__CONCURRENCY_LIMIT_PER_CONNECTION=1024 \
ONALTU_FEEDBACK__REGISTRY__URL="$addr" \
ONALTU_FEEDBACK__TELEMETRY__METRICS_LISTEN="127.0.0.1:$feedback_metrics_port" \
  "$release"/onaltu-feedback serve >"$feedback_log" 2>&1 &
feedback_server=$!
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$feedback_port") 2>/dev/null && break
  kill -0 $feedback_server 2>/dev/null || { cat "$feedback_log" >&2; exit 1; }
  sleep 0.1
done
# Episodes to evaluate: admitted stays of the imported persons at one centre, written straight
# into the bench registry (the queue's own speed is not what is measured here).
pairs="$data/bench-feedback-pairs.csv"
psql "$pg_url/onaltu_bench" -qtA -F, -c "
  INSERT INTO episodes (id, person_id, center_id, service_form, referral_date, queue_receipt,
                        state, admitted_on)
  SELECT gen_random_uuid(), p.id, c.id, 1, date '2026-01-10', 1000000 + row_number() OVER (),
         4, date '2026-02-01'
  FROM (SELECT id FROM persons ORDER BY id LIMIT 100000) p,
       (SELECT id FROM centers ORDER BY id LIMIT 1) c
  RETURNING id, person_id" >"$pairs"
psql "$pg_url/onaltu_bench" -qc "ANALYZE episodes" >/dev/null
# Written behind the registry's back, the episodes sent no events: the feedback service's copy of
# who may evaluate is rebuilt from the registry, as after an outage, so each submission is decided
# and written locally (the path every evaluation of an announced episode takes).
echo "rebuilding the feedback service's eligibility copy from the registry"
rebuild_start=$(date +%s.%N)
ONALTU_CONFIG_DIR="$root/services/feedback/config" \
ONALTU_FEEDBACK__DATABASE__URL="$feedback_db" \
ONALTU_FEEDBACK__CACHE__URL="$redis_url" \
ONALTU_FEEDBACK__CACHE__PREFIX=bench-feedback \
ONALTU_FEEDBACK__REGISTRY__URL="$addr" \
  "$release"/onaltu-feedback rebuild-eligibility >"$data/logs/bench-rebuild.log" 2>&1 \
  || { tail -20 "$data/logs/bench-rebuild.log" >&2; exit 1; }
awk -v s="$rebuild_start" -v e="$(date +%s.%N)" 'BEGIN { printf "  rebuilt in %.1f s\n", e - s }'
insert_script="$data/bench-insert.sql"
echo 'INSERT INTO bench_one_row (v) VALUES (random());' >"$insert_script"
psql "$feedback_db" -qc "CREATE TABLE IF NOT EXISTS bench_one_row (id bigserial PRIMARY KEY, v double precision)"
insert_tps=$(pgbench -n -f "$insert_script" -c 32 -j 2 -T 10 "$feedback_db" 2>/dev/null \
  | awk '/^tps/ { print $3 }')
echo "pgbench one-row insert (32 clients): $insert_tps tps"
$bench --addr "http://127.0.0.1:$feedback_port" feedback-submit --pairs "$pairs" \
  --concurrency 32 --seconds "$(( seconds < 20 ? seconds : 20 ))" --baseline-tps "${insert_tps:-0}" \
  --metrics "http://127.0.0.1:$feedback_metrics_port/metrics"

echo
echo "== feedback: GetCenterFeedbackSummary over 1,000 centres x $evaluations evaluations, uncached"
# Published evaluations written straight into the table and its monthly aggregates, as
# publications would have left them, in the current quarter's first month.
psql "$feedback_db" -q <<SQL
INSERT INTO evaluations (id, episode_id, center_id, recipient_person_id, submitted_by_person_id,
                         legal_representative, submitted_on, scores, days_waited,
                         would_recommend, comment, language, status, submit_time, update_time,
                         publish_time)
SELECT gen_random_uuid(), gen_random_uuid(),
       ('00000000-0000-4000-8000-' || lpad(to_hex(g % 1000), 12, '0'))::uuid,
       gen_random_uuid(), gen_random_uuid(), false,
       date_trunc('quarter', current_date)::date + (g % 28),
       ARRAY[1 + g % 5, 1 + (g / 5) % 5, 1 + (g / 25) % 5, 1 + (g / 7) % 5, 1 + (g / 11) % 5,
             1 + (g / 13) % 5, 1 + (g / 17) % 5]::smallint[],
       g % 200, g % 11, '', 1, 2, now(), now(), now()
FROM generate_series(1, $evaluations) g;
INSERT INTO feedback_totals (center_id, month, item, n, total, score_1, score_2, score_3,
                             score_4, score_5)
SELECT center_id, date_trunc('month', submitted_on)::date, k::smallint, count(s), sum(s),
       count(*) FILTER (WHERE s = 1), count(*) FILTER (WHERE s = 2),
       count(*) FILTER (WHERE s = 3), count(*) FILTER (WHERE s = 4),
       count(*) FILTER (WHERE s = 5)
FROM evaluations, unnest(scores) WITH ORDINALITY AS u(s, k)
WHERE status = 2 AND s IS NOT NULL GROUP BY 1, 2, 3
UNION ALL
SELECT center_id, date_trunc('month', submitted_on)::date, 8, count(*),
       sum((SELECT avg(x) FROM unnest(scores) x)), 0, 0, 0, 0, 0
FROM evaluations WHERE status = 2 GROUP BY 1, 2
UNION ALL
SELECT center_id, date_trunc('month', submitted_on)::date, 9, count(would_recommend),
       count(*) FILTER (WHERE would_recommend >= 9), 0, 0, 0, 0, 0
FROM evaluations WHERE status = 2 AND would_recommend IS NOT NULL GROUP BY 1, 2
ON CONFLICT (center_id, month, item) DO UPDATE SET
  n = feedback_totals.n + excluded.n, total = feedback_totals.total + excluded.total,
  score_1 = feedback_totals.score_1 + excluded.score_1,
  score_2 = feedback_totals.score_2 + excluded.score_2,
  score_3 = feedback_totals.score_3 + excluded.score_3,
  score_4 = feedback_totals.score_4 + excluded.score_4,
  score_5 = feedback_totals.score_5 + excluded.score_5;
VACUUM ANALYZE evaluations;
VACUUM ANALYZE feedback_totals;
SQL
centres="$data/bench-feedback-centres.txt"
psql "$feedback_db" -qtA -c "SELECT DISTINCT center_id FROM feedback_totals ORDER BY 1 LIMIT 200" >"$centres"
$bench --addr "http://127.0.0.1:$feedback_port" feedback-summary --centres "$centres" --calls 200

echo
echo "== rating: ComputeRatings over 1,000 centres x $evaluations evaluations' worth of inputs"
psql "$pg_url/postgres" -qc "DROP DATABASE IF EXISTS onaltu_bench_rating WITH (FORCE)" \
  -c "CREATE DATABASE onaltu_bench_rating"
rating_db="$pg_url/onaltu_bench_rating"
rating_log="$data/logs/bench-rating.log"
# Its own Redis database, so its consumer group never takes events meant for `make run`.
rating_redis="${redis_url%/*}/1"
rating_env=(
  ONALTU_CONFIG_DIR="$root/services/rating/config"
  ONALTU_RATING__DATABASE__URL="$rating_db"
  ONALTU_RATING__DATABASE__MAX_CONNECTIONS=32
  ONALTU_RATING__CACHE__URL="$rating_redis"
  ONALTU_RATING__CACHE__PREFIX=bench-rating
  ONALTU_RATING__SERVER__LISTEN="127.0.0.1:$rating_port"
  ONALTU_RATING__SERVER__CONCURRENCY_LIMIT_PER_CONNECTION=1024
  ONALTU_RATING__REGISTRY__URL="$addr"
  ONALTU_RATING__COMPUTE__SCHEDULED=false
)
env "${rating_env[@]}" "$release"/onaltu-rating migrate >/dev/null
if (exec 3<>"/dev/tcp/127.0.0.1/$rating_port") 2>/dev/null; then
  echo "port $rating_port is in use: stop whatever listens there and run again" >&2
  exit 1
fi
env "${rating_env[@]}" "$release"/onaltu-rating serve >"$rating_log" 2>&1 &
rating_server=$!
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$rating_port") 2>/dev/null && break
  kill -0 $rating_server 2>/dev/null || { cat "$rating_log" >&2; exit 1; }
  sleep 0.1
done
rating_centres="$data/bench-rating-centres.txt"
$bench --addr "$addr" rating-centres --count 1000 --out "$rating_centres"
# The inputs as the feedback events and the city's inspections would have left them: per centre
# and month of the quarter, every score item's count and sum, would-recommend answers, and the
# evaluations counted ($evaluations in all); checklist shares and activities per centre; a few
# open critical findings.
psql "$rating_db" -q <<SQL
CREATE TEMP TABLE bench_centres (id uuid);
\copy bench_centres FROM '$rating_centres'
WITH c AS (SELECT id, row_number() OVER (ORDER BY id) AS i FROM bench_centres),
     m AS (SELECT (date_trunc('quarter', current_date) + make_interval(months => k))::date AS month
           FROM generate_series(0, 2) k),
     per AS (SELECT c.id, c.i, m.month, ($evaluations / 1000 / 3)::bigint AS n,
                    2.5 + (c.i % 25) / 10.0 AS mean FROM c, m)
INSERT INTO feedback_totals (center_id, month, slot, n, total)
SELECT id, month, slot, n,
       CASE WHEN slot < 8 THEN n * mean WHEN slot = 8 THEN round(n * (0.3 + (i % 6) / 10.0)) ELSE 0 END
FROM per, generate_series(0, 9) slot;
INSERT INTO indicator_values (center_id, period, indicator_code, source, value, evidence_reference,
                              recorded_by, record_time)
SELECT id, to_char(current_date, 'YYYY') || '-Q' || to_char(current_date, 'Q'), code, src,
       CASE code WHEN 'events_per_100_recipients' THEN 2 + (i % 19)
                 ELSE 0.35 + (i % 13) / 20.0 END,
       'bench', 'bench', now()
FROM (SELECT id, row_number() OVER (ORDER BY id) AS i FROM bench_centres) c,
     (VALUES ('accessibility_checklist_share', 3), ('information_openness_share', 3),
             ('events_per_100_recipients', 4)) v(code, src);
INSERT INTO violations (id, center_id, critical, description, inspection_reference, found_on,
                        recorded_by, create_time)
SELECT gen_random_uuid(), id, true, 'bench', 'bench', current_date, 'bench', now()
FROM bench_centres ORDER BY id LIMIT 10;
ANALYZE;
SQL
$bench --addr "http://127.0.0.1:$rating_port" rating-compute --centres "$rating_centres"

echo
echo "== rating: WatchRatings, event to subscriber"
$bench --addr "http://127.0.0.1:$rating_port" rating-watch --centres "$rating_centres" \
  --subscribers 100 --rounds 20

echo
echo "== portal: the centres list and a rated centre's page under 32 clients, beside a static file"
portal_port=8090
portal_log="$data/logs/bench-portal.log"
# The transport service the dispatcher's board reads, on a database of its own.
transport_port=50064
transport_log="$data/logs/bench-transport.log"
for p in $portal_port $transport_port; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    echo "port $p is in use: stop whatever listens there and run again" >&2
    exit 1
  fi
done
psql "$pg_url/postgres" -qc "DROP DATABASE IF EXISTS onaltu_bench_transport WITH (FORCE)" \
  -c "CREATE DATABASE onaltu_bench_transport"
transport_env=(
  ONALTU_CONFIG_DIR="$root/services/transport/config"
  ONALTU_TRANSPORT__DATABASE__URL="$pg_url/onaltu_bench_transport"
  ONALTU_TRANSPORT__DATABASE__MAX_CONNECTIONS=32
  ONALTU_TRANSPORT__SERVER__LISTEN="127.0.0.1:$transport_port"
  ONALTU_TRANSPORT__SERVER__CONCURRENCY_LIMIT_PER_CONNECTION=1024
  ONALTU_TRANSPORT__REGISTRY__URL="$addr"
)
env "${transport_env[@]}" "$release"/onaltu-transport migrate >/dev/null
env "${transport_env[@]}" "$release"/onaltu-transport serve >"$transport_log" 2>&1 &
transport_server=$!
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$transport_port") 2>/dev/null && break
  kill -0 $transport_server 2>/dev/null || { cat "$transport_log" >&2; exit 1; }
  sleep 0.1
done
ONALTU_CONFIG_DIR="$root/services/portal/config" \
ONALTU_PORTAL__SERVER__LISTEN="127.0.0.1:$portal_port" \
ONALTU_PORTAL__SERVER__PUBLIC_URL="http://127.0.0.1:$portal_port" \
ONALTU_PORTAL__CACHE__URL="$redis_url" \
ONALTU_PORTAL__CACHE__PREFIX=bench-portal \
ONALTU_PORTAL__REGISTRY__URL="$addr" \
ONALTU_PORTAL__FEEDBACK__URL="http://127.0.0.1:$feedback_port" \
ONALTU_PORTAL__RATING__URL="http://127.0.0.1:$rating_port" \
ONALTU_PORTAL__TRANSPORT__URL="http://127.0.0.1:$transport_port" \
  "$release"/onaltu-portal serve >"$portal_log" 2>&1 &
portal_server=$!
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$portal_port") 2>/dev/null && break
  kill -0 $portal_server 2>/dev/null || { cat "$portal_log" >&2; exit 1; }
  sleep 0.1
done
$bench portal --url "http://127.0.0.1:$portal_port" --centre "$(head -1 "$rating_centres")" \
  --concurrency 32 --seconds "$(( seconds < 20 ? seconds : 20 ))"

echo
echo "== portal: the dispatcher's day board (6 invataxis, 150 trips) under 32 clients, beside the static"
echo "   file; then 50 dispatch changes, one every 100 ms, to 20 boards open on its event stream"
$bench --addr "$addr" portal-board --url "http://127.0.0.1:$portal_port" \
  --transport "http://127.0.0.1:$transport_port" --vehicles 6 --trips 150 --concurrency 32 \
  --seconds "$(( seconds < 20 ? seconds : 20 ))" --boards 20 --changes 50 --spacing-ms 100

echo
echo "== transport: the dial-a-ride solver on Cordeau's instances (1 s each)"
darp_dir="$root/../shared/data/darp"
if [ -d "$darp_dir" ]; then
  $bench darp --dir "$darp_dir" --millis 900
else
  echo "($darp_dir not found: Cordeau's instances are not beside the repository)"
fi

echo
echo "== transport: the solver on generated group-trip instances (loads 1-3, windows at both ends),"
echo "   900 ms beside a 60 s run of the same solver as the reference"
$bench darp-generated --seed "${BENCH_DARP_SEED:-1}" --count 2 --requests 48 --vehicles 5 \
  --millis 900 --reference-seconds 60

echo
echo "== transport: an Astana-like invataxi day beside a naive first-come dispatcher"
$bench astana-day --requests 150 --seconds 10
