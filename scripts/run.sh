#!/usr/bin/env bash
# Starts, stops or reports the services of the suite (built by `make build`), logging to
# .data/logs/<service>.log. Expects the ONALTU_* URLs from `scripts/stack.sh env`. The four gRPC
# services answer grpc.health.v1; the portal (HTTP, no database of its own) answers GET /readyz.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
run="$root/.data/run"
logs="$root/.data/logs"
bin="$root/target/debug"
services=(${SERVICES:-registry feedback rating transport portal})
declare -A port=([registry]=50051 [feedback]=50052 [rating]=50053 [transport]=50054 [portal]=8080)
portal_url="http://127.0.0.1:${port[portal]}"

say() { printf '[run] %s\n' "$*" >&2; }

has() { [[ " ${services[*]} " == *" $1 "* ]]; }

# Whether the portal answers GET /readyz with 200 (its session store reachable).
portal_ready() {
  [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$portal_url/readyz" 2>/dev/null)" = 200 ]
}

wait_portal() {
  local _
  for _ in $(seq 1 120); do
    portal_ready && return 0
    if ! kill -0 "$(cat "$run/portal.pid" 2>/dev/null)" 2>/dev/null; then
      say "the portal stopped (log: .data/logs/portal.log)"
      tail -20 "$logs/portal.log" >&2
      return 1
    fi
    sleep 0.5
  done
  say "the portal did not answer GET $portal_url/readyz within 60 s"
  tail -20 "$logs/portal.log" >&2
  return 1
}

start() {
  mkdir -p "$run" "$logs"
  local svc
  for svc in "${services[@]}"; do
    if [ -f "$run/$svc.pid" ] && kill -0 "$(cat "$run/$svc.pid")" 2>/dev/null; then
      say "$svc already running (pid $(cat "$run/$svc.pid"))"
      continue
    fi
    # Named explicitly: a service started without ONALTU_ENV refuses to start.
    export ONALTU_ENV=development
    export ONALTU_CONFIG_DIR="$root/services/$svc/config"
    # The portal keeps nothing but sessions (in Redis): it has no database to migrate.
    if [ "$svc" != portal ]; then
      say "$svc: migrating"
      "$bin/onaltu-$svc" migrate
    fi
    say "$svc: starting on 127.0.0.1:${port[$svc]} (log: .data/logs/$svc.log)"
    nohup "$bin/onaltu-$svc" serve >>"$logs/$svc.log" 2>&1 &
    echo $! >"$run/$svc.pid"
  done
  for svc in "${services[@]}"; do
    [ "$svc" = portal ] && continue
    "$bin/onaltu" health --addr "http://127.0.0.1:${port[$svc]}" --wait 60 \
      || { tail -20 "$logs/$svc.log" >&2; exit 1; }
  done
  if has portal; then wait_portal || exit 1; fi
  seed_registry
  seed_feedback
  seed_rating
  seed_transport
  if has portal; then
    say "the portal is at $portal_url (log: .data/logs/portal.log)"
    say "sign in as a demo account at $portal_url/sign-in"
  fi
}

# Demo data the first time: the published centres and an Astana-sized population (about 24,000
# persons, as registered on 30.06.2022) with households, education and episodes.
seed_registry() {
  has registry || return 0
  local persons
  persons=$(psql "$ONALTU_REGISTRY__DATABASE__URL" -tAc "SELECT count(*) FROM persons" 2>/dev/null || echo 0)
  if [ "${persons:-0}" -gt 0 ]; then
    say "registry already holds $persons persons; not seeding"
    return 0
  fi
  say "seeding the registry with ${ONALTU_SEED_PERSONS:-24000} Astana persons (takes a few minutes)"
  "$bin/onaltu" seed --addr "http://127.0.0.1:${port[registry]}" \
    --persons "${ONALTU_SEED_PERSONS:-24000}" --region KZ-71 --concurrency 16 \
    --centres "$root/services/registry/seed/rehab_centers_2025.tsv"
}

# Demo evaluations the first time: about 70% of the seeded served episodes evaluated by their
# recipients (or children's parents), most published, some rejected, some awaiting moderation.
seed_feedback() {
  has feedback || return 0
  local evaluations
  evaluations=$(psql "$ONALTU_FEEDBACK__DATABASE__URL" -tAc "SELECT count(*) FROM evaluations" 2>/dev/null || echo 0)
  if [ "${evaluations:-0}" -gt 0 ]; then
    say "feedback already holds $evaluations evaluations; not seeding"
    return 0
  fi
  say "seeding demo evaluations of the served episodes"
  "$bin/onaltu" seed-feedback --addr "http://127.0.0.1:${port[registry]}" \
    --feedback "http://127.0.0.1:${port[feedback]}"
}

# Demo ratings the first time: inspection values for every centre, then the previous and the
# current quarter computed, once the rating service has counted every published evaluation.
seed_rating() {
  has rating || return 0
  local values published counted
  values=$(psql "$ONALTU_RATING__DATABASE__URL" -tAc "SELECT count(*) FROM indicator_values" 2>/dev/null || echo 0)
  if [ "${values:-0}" -gt 0 ]; then
    say "rating already holds $values recorded values; not seeding"
    return 0
  fi
  if has feedback; then
    published=$(psql "$ONALTU_FEEDBACK__DATABASE__URL" -tAc \
      "SELECT count(*) FROM outbox_events WHERE stream = 'feedback.evaluations'" 2>/dev/null || echo 0)
    say "waiting for the rating service to count $published feedback events"
    for _ in $(seq 1 120); do
      counted=$(psql "$ONALTU_RATING__DATABASE__URL" -tAc \
        "SELECT count(*) FROM processed_events WHERE consumer = 'rating'" 2>/dev/null || echo 0)
      [ "${counted:-0}" -ge "${published:-0}" ] && break
      sleep 1
    done
  fi
  say "seeding inspection values and computing the ratings"
  "$bin/onaltu" seed-rating --addr "http://127.0.0.1:${port[registry]}" \
    --rating "http://127.0.0.1:${port[rating]}"
}

# A demo invataxi day the first time: six vehicles with shifts tomorrow, trips booked for
# Astana's wheelchair users, and the day planned (`onaltu dispatch` shows the routes).
seed_transport() {
  has transport || return 0
  local vehicles
  vehicles=$(psql "$ONALTU_TRANSPORT__DATABASE__URL" -tAc "SELECT count(*) FROM vehicles" 2>/dev/null || echo 0)
  if [ "${vehicles:-0}" -gt 0 ]; then
    say "transport already holds $vehicles vehicles; not seeding"
    return 0
  fi
  say "seeding a demo invataxi day and planning it"
  "$bin/onaltu" seed-transport --addr "http://127.0.0.1:${port[registry]}" \
    --transport "http://127.0.0.1:${port[transport]}"
}

stop() {
  local svc pid
  for svc in "${services[@]}"; do
    [ -f "$run/$svc.pid" ] || continue
    pid=$(cat "$run/$svc.pid")
    if kill -0 "$pid" 2>/dev/null; then
      say "stopping $svc (pid $pid)"
      kill -TERM "$pid"
      for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    fi
    rm -f "$run/$svc.pid"
  done
}

status() {
  local svc
  for svc in "${services[@]}"; do
    if [ "$svc" = portal ]; then
      if portal_ready; then echo "portal at $portal_url: READY"; else echo "portal at $portal_url: NOT READY"; fi
      continue
    fi
    "$bin/onaltu" health --addr "http://127.0.0.1:${port[$svc]}" || true
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
