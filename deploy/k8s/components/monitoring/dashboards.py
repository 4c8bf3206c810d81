#!/usr/bin/env python3
"""Writes the Grafana dashboards of the monitoring component: dashboards/<svc>.json, one per
service, from the panels below (the JSON is generated: change this file, then run it).

    python3 deploy/k8s/components/monitoring/dashboards.py          # write the four files
    python3 deploy/k8s/components/monitoring/dashboards.py --check  # exit 1 if any differs

Every series is selected by the service's scrape job (the pod label app.kubernetes.io/name, the
PodMonitor's jobLabel) and the pods picked in the dashboard's `pod` variable. The metrics are
those of shared/telemetry/src/metrics/catalogue.rs (deploy/README.md, "Metrics");
deploy/check/manifests.py checks that the dashboards use no other and that these files are what
this script writes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "dashboards"

# gRPC status codes that mean the server is at fault (the error alert counts the same).
SERVER_FAULTS = "2|4|13|14|15"

SERVICES = {
    "registry": {
        "grpc": "onaltu.registry.v1.RegistryService",
        "about": "Persons, centres, queues and episodes: calls, database, cache and the outbox "
                 "of registry.* events.",
        "sections": ["cache", "outbox"],
    },
    "feedback": {
        "grpc": "onaltu.feedback.v1.FeedbackService",
        "about": "Evaluations and moderation: calls, database, cache and the outbox of "
                 "feedback.evaluations events.",
        "sections": ["cache", "outbox"],
    },
    "rating": {
        "grpc": "onaltu.rating.v1.RatingService",
        "about": "The centres' rating: calls, database, cache, the feedback events it consumes "
                 "and the WatchRatings subscribers.",
        "sections": ["cache", "consumer", "watch"],
    },
    "transport": {
        "grpc": "onaltu.transport.v1.TransportService",
        "about": "Invataxi and buses: calls, database, PlanDay's solver and the WatchDispatch "
                 "subscribers.",
        "sections": ["planning", "watch"],
    },
}


def eq(label: str, value: str, op: str = "=") -> str:
    """One label matcher, e.g. rpc_grpc_status_code!="0"."""
    return f'{label}{op}"{value}"'


def selector(svc: str, extra: str = "") -> str:
    """The label matchers of one service's series on the chosen pods."""
    return "{" + f'job="{svc}", pod=~"$pod"' + (f", {extra}" if extra else "") + "}"


def rate(metric: str, svc: str, extra: str = "") -> str:
    return f"rate({metric}{selector(svc, extra)}[$__rate_interval])"


def target(expr: str, legend: str) -> dict:
    return {"expr": expr, "legendFormat": legend}


def panel(title: str, description: str, unit: str, targets: list[dict], *,
          stack: bool = False, minimum: float | None = 0) -> dict:
    defaults: dict = {"unit": unit, "custom": {"fillOpacity": 10, "lineWidth": 1}}
    if stack:
        defaults["custom"]["stacking"] = {"mode": "normal", "group": "A"}
    if minimum is not None:
        defaults["min"] = minimum
    return {
        "type": "timeseries",
        "title": title,
        "description": description,
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": {
            "legend": {"displayMode": "table", "placement": "bottom", "calcs": ["lastNotNull", "max"]},
            "tooltip": {"mode": "multi", "sort": "desc"},
        },
        "targets": targets,
    }


def row(title: str) -> dict:
    return {"type": "row", "title": title, "collapsed": False, "panels": []}


def calls(svc: str, grpc: str) -> list[dict]:
    service = eq("rpc_service", grpc)
    errors = f"{service}, {eq('rpc_grpc_status_code', '0', '!=')}"
    faults = f"{service}, {eq('rpc_grpc_status_code', SERVER_FAULTS, '=~')}"
    count = "rpc_server_duration_seconds_count"
    bucket = "rpc_server_duration_seconds_bucket"
    return [
        row("Calls"),
        panel("Calls per second by method",
              "Incoming gRPC calls, every status code.", "reqps",
              [target(f"sum by (rpc_method) ({rate(count, svc, service)})", "{{rpc_method}}")],
              stack=True),
        panel("Errors per second by method and code",
              "Calls answered with another code than OK (3 INVALID_ARGUMENT, 5 NOT_FOUND, "
              "7 PERMISSION_DENIED, 9 FAILED_PRECONDITION, 13 INTERNAL, 14 UNAVAILABLE, ...).",
              "reqps",
              [target(f"sum by (rpc_method, rpc_grpc_status_code) "
                      f"({rate(count, svc, errors)})",
                      "{{rpc_method}} {{rpc_grpc_status_code}}")]),
        panel("Server faults (share of calls)",
              "UNKNOWN, DEADLINE_EXCEEDED, INTERNAL, UNAVAILABLE and DATA_LOSS among all calls: "
              "what the OnaltuRpcServerErrors alert watches (above 5% for 10 minutes).",
              "percentunit",
              [target(f"sum({rate(count, svc, faults)})"
                      f" / sum({rate(count, svc, service)})", "server faults")]),
        panel("Latency by method (p50, p99)",
              "Until the response starts (a stream: until its first message). The "
              "OnaltuRpcLatencyHigh alert watches p99 above 1 s, long-running methods aside.",
              "s",
              [target(f"histogram_quantile(0.99, sum by (le, rpc_method) ({rate(bucket, svc, service)}))",
                      "p99 {{rpc_method}}"),
               target(f"histogram_quantile(0.5, sum by (le, rpc_method) ({rate(bucket, svc, service)}))",
                      "p50 {{rpc_method}}")]),
    ]


def database(svc: str) -> list[dict]:
    return [
        row("Database pool"),
        panel("Connections",
              "Open connections by state, the pool's limit ([database] max_connections) and "
              "handlers waiting for one.", "short",
              [target(f"sum by (db_client_connection_state) (db_client_connection_count{selector(svc)})",
                      "{{db_client_connection_state}}"),
               target(f"sum(db_client_connection_max{selector(svc)})", "limit"),
               target(f"sum(db_client_connection_pending_requests{selector(svc)})", "waiting")]),
        panel("Wait for a connection (p99) and timeouts",
              "How long handlers wait for a connection, and how many get none within "
              "[database] acquire_timeout_ms (they answer UNAVAILABLE).", "s",
              [target(f"histogram_quantile(0.99, sum by (le) "
                      f"({rate('db_client_connection_wait_time_seconds_bucket', svc)}))", "p99 wait"),
               target(f"sum({rate('db_client_connection_timeouts_total', svc)})", "timeouts per second")]),
    ]


def cache(svc: str) -> list[dict]:
    lookups = "onaltu_cache_lookups_total"
    return [
        row("Cache"),
        panel("Hit ratio by kind",
              "Share of cache lookups answered from Redis, per kind of entry.", "percentunit",
              [target(f"sum by (cache_name) ({rate(lookups, svc, eq('cache_result', 'hit'))})"
                      f" / sum by (cache_name) ({rate(lookups, svc)})", "{{cache_name}}")],
              minimum=0),
        panel("Lookups per second by result",
              "hit, miss (loaded from the database and cached), bypassed (Redis down or its "
              "entries distrusted: answered from the database).", "reqps",
              [target(f"sum by (cache_result) ({rate(lookups, svc)})", "{{cache_result}}")],
              stack=True),
    ]


def outbox(svc: str) -> list[dict]:
    return [
        row("Outbox"),
        panel("Events waiting and the age of the oldest",
              "Events committed but not yet published to Redis Streams. The OnaltuOutboxStalled "
              "alert fires when the oldest waits more than 5 minutes.", "s",
              [target(f"max(onaltu_outbox_oldest_age_seconds{selector(svc)})", "oldest (s)"),
               target(f"max(onaltu_outbox_backlog{selector(svc)})", "waiting (events)")]),
        panel("Events published per second by stream", "XADDs of the outbox relay.", "ops",
              [target(f"sum by (messaging_destination_name) ({rate('onaltu_outbox_published_total', svc)})",
                      "{{messaging_destination_name}}")], stack=True),
    ]


def consumer(svc: str) -> list[dict]:
    stream_group = "messaging_destination_name, messaging_consumer_group_name"
    return [
        row("Events consumed"),
        panel("Consumer lag and pending",
              "Entries of the stream not yet delivered to the group (lag), and delivered but not "
              "acknowledged (pending). OnaltuConsumerLagging fires above 1000 for 10 minutes.",
              "short",
              [target(f"max by ({stream_group}) (onaltu_events_consumer_lag{selector(svc)})",
                      "lag {{messaging_destination_name}} / {{messaging_consumer_group_name}}"),
               target(f"max by ({stream_group}) (onaltu_events_consumer_pending{selector(svc)})",
                      "pending {{messaging_destination_name}} / {{messaging_consumer_group_name}}")]),
        panel("Events handled per second by outcome",
              "applied, duplicate (already applied: a redelivery) or dead_lettered (moved to "
              "<stream>.dead).", "ops",
              [target(f"sum by (onaltu_events_outcome) ({rate('onaltu_events_consumed_total', svc)})",
                      "{{onaltu_events_outcome}}")], stack=True),
        panel("Events lost",
              "Events trimmed from the stream before the group read them, and groups Redis lost "
              "(made again while they had processed events). Any increase alerts.", "short",
              [target(f"sum by ({stream_group}) (increase(onaltu_events_lost_total{selector(svc)}[1h]))",
                      "trimmed unread (1h) {{messaging_destination_name}}"),
               target(f"sum by ({stream_group}) "
                      f"(increase(onaltu_events_consumer_groups_recreated_total{selector(svc)}[1h]))",
                      "groups lost (1h) {{messaging_destination_name}}")]),
    ]


def watch(svc: str) -> list[dict]:
    return [
        row("Subscribers"),
        panel("Open Watch streams",
              "Subscribers of the Watch method on the chosen pods (capped per caller and per "
              "instance).", "short",
              [target(f"sum by (rpc_method) (onaltu_watch_subscribers{selector(svc)})",
                      "{{rpc_method}}")]),
    ]


def planning(svc: str) -> list[dict]:
    bucket = "onaltu_transport_plan_day_duration_seconds_bucket"
    return [
        row("PlanDay"),
        panel("Solve time (p50, p99)",
              "How long PlanDay's solver searched a day's routes ([planning] "
              "time_limit_seconds bounds it).", "s",
              [target(f"histogram_quantile(0.99, sum by (le) ({rate(bucket, svc)}))", "p99"),
               target(f"histogram_quantile(0.5, sum by (le) ({rate(bucket, svc)}))", "p50")]),
        panel("Days planned per minute", "PlanDay solves.", "short",
              [target(f"sum({rate('onaltu_transport_plan_day_duration_seconds_count', svc)}) * 60",
                      "solves per minute")]),
    ]


SECTIONS = {"cache": cache, "outbox": outbox, "consumer": consumer, "watch": watch,
            "planning": planning}


def layout(panels: list[dict]) -> list[dict]:
    """Rows across the full width, two panels side by side under each."""
    y, x, placed = 0, 0, []
    for i, p in enumerate(panels, start=1):
        p = {"id": i, **p}
        if p["type"] == "row":
            y += 8 if x else 0
            p["gridPos"] = {"h": 1, "w": 24, "x": 0, "y": y}
            y, x = y + 1, 0
        else:
            p["gridPos"] = {"h": 8, "w": 12, "x": x, "y": y}
            x, y = (12, y) if x == 0 else (0, y + 8)
        placed.append(p)
    return placed


def dashboard(svc: str) -> dict:
    spec = SERVICES[svc]
    panels = calls(svc, spec["grpc"]) + database(svc)
    for section in spec["sections"]:
        panels += SECTIONS[section](svc)
    return {
        "uid": f"onaltu-{svc}",
        "title": f"Onaltu / {svc}",
        "description": spec["about"],
        "tags": ["onaltu"],
        "editable": True,
        "graphTooltip": 1,
        "refresh": "30s",
        "schemaVersion": 39,
        "time": {"from": "now-6h", "to": "now"},
        "timezone": "browser",
        "version": 1,
        "links": [{"type": "dashboards", "tags": ["onaltu"], "title": "Onaltu", "asDropdown": True}],
        "templating": {"list": [
            {"name": "datasource", "label": "Data source", "type": "datasource",
             "query": "prometheus", "current": {}, "hide": 0, "refresh": 1},
            {"name": "pod", "label": "Pod", "type": "query",
             "datasource": {"type": "prometheus", "uid": "${datasource}"},
             "definition": f'label_values(up{{job="{svc}"}}, pod)',
             "query": {"query": f'label_values(up{{job="{svc}"}}, pod)', "refId": "pods"},
             "includeAll": True, "multi": True, "allValue": ".*",
             "current": {"text": "All", "value": "$__all"}, "refresh": 2, "sort": 1},
        ]},
        "annotations": {"list": []},
        "panels": layout(panels),
    }


def render(svc: str) -> str:
    return json.dumps(dashboard(svc), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for svc in SERVICES:
        path = OUT / f"{svc}.json"
        text = render(svc)
        if check:
            if not path.is_file() or path.read_text() != text:
                stale.append(str(path))
        else:
            OUT.mkdir(exist_ok=True)
            path.write_text(text)
    for path in stale:
        print(f"{path}: not what {Path(__file__).name} writes; run it", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
