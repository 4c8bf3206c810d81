"""Lints the rendered overlays against the Kubernetes API and against security policies.

Called as `deploy/check/manifests.py --lint` (`make lint`). Each overlay is rendered as
manifests.py renders it (`kubectl kustomize deploy/k8s/overlays/<name>`), and then:

1. kubernetes-validate (PyPI) checks every object against the OpenAPI schemas of the Kubernetes
   release the manifests target, KUBERNETES_VERSION below, strictly: a field that release does
   not know (a misspelt key, a field added later) fails as much as a wrong type or a missing
   required field. The schemas ship in the wheel, so nothing is fetched.
2. checkov (PyPI) runs its Kubernetes policies (security contexts, resources, probes, service
   account tokens, host namespaces, capabilities, images, secrets, ...) over the same objects.
   A finding fails the lint unless deploy/check/policy-exceptions.yaml excuses it, for that
   check and that object, with the reason beside it; an exception that no longer excuses any
   finding fails it too, so the file cannot rot. checkov runs with --skip-download and its
   update check off: it reaches no server.

Custom resources (CUSTOM_RESOURCES below: the Prometheus Operator's, cert-manager's) have no
schema in kubernetes-validate, which knows the Kubernetes API only, and no checkov policy: they are
left out of both runs, each API group with the reason it is safe to. The monitoring component's are
checked here instead (3.): the PodMonitor and PrometheusRule fields it uses against the operator's
schema, strictly, and every PromQL expression, the alert rules' and the Grafana dashboards', parsed
by promql-parser (PyPI; the Rust parser GreptimeDB uses); their wiring and metric names are
manifests.py's.

Each problem is printed as `<overlay>: <Kind>/<name>: <what>`; the exit status is 1 when there is
any. Both tools, pinned with all their dependencies in deploy/check/lint-requirements.txt, are
installed on first use into their own virtual environment, .data/tools/lint (about 400 MB, a
minute or so), apart from .data/venv so that checkov's hundred dependencies never move the stock
client's; it is made again when the requirements file changes. Their self-tests (a misspelt field,
a privileged container, ... must be reported) are `manifests.py --lint --self-test`.

kube-linter was the other candidate: it is neither on PyPI nor in Debian, and nothing else is
reachable from the project's machines.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

import yaml

import manifests
from manifests import REPO

# The Kubernetes release the manifests are validated against: the oldest they must apply to.
# Stated here only; kubernetes-validate 1.37.0 has the schemas of 1.x up to 1.37.
KUBERNETES_VERSION = "1.33"
REQUIREMENTS = REPO / "deploy" / "check" / "lint-requirements.txt"
EXCEPTIONS = REPO / "deploy" / "check" / "policy-exceptions.yaml"
VENV = REPO / ".data" / "tools" / "lint"
# No update check against PyPI, no platform mapping download (see checkov's env_vars_config).
CHECKOV_ENV = {"CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "BC_SKIP_MAPPING": "TRUE"}


def say(message: str) -> None:
    print(f"[lint] {message}", file=sys.stderr)


# ---------------------------------------------------------------------------------------------
# The tools.


def tool(name: str) -> Path:
    return VENV / "bin" / name


def tools_installed() -> bool:
    """Whether .data/tools/lint holds the tools of the current requirements file."""
    stamp = VENV / "requirements.txt"
    return (tool("checkov").is_file() and tool("kubernetes-validate").is_file() and stamp.is_file()
            and stamp.read_bytes() == REQUIREMENTS.read_bytes())


# Custom resources kubernetes-validate has no schema for, by API group, and why leaving them out
# of its run (and checkov's, which has no policy for them) is safe.
CUSTOM_RESOURCES = {
    "monitoring.coreos.com": "the Prometheus Operator's PodMonitor and PrometheusRule: their fields "
                             "and PromQL are checked by custom_resource_problems() here, their "
                             "wiring and metric names by manifests.py",
    "cert-manager.io": "cert-manager's Certificate and Issuer: manifests.py checks that each "
                       "Certificate writes the Secret the pods mount",
}


def ensure_tools() -> None:
    """Installs the pinned tools into .data/tools/lint unless they are there already."""
    if tools_installed():
        return
    say(f"installing checkov and kubernetes-validate into {VENV.relative_to(REPO)} "
        f"(pinned in {REQUIREMENTS.relative_to(REPO)}; once, about a minute)")
    started = time.monotonic()
    shutil.rmtree(VENV, ignore_errors=True)
    VENV.parent.mkdir(parents=True, exist_ok=True)
    # This interpreter may itself be a venv's; `venv` then bases the new one on the same Python.
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(tool("pip")), "install", "--quiet", "--disable-pip-version-check",
                    "--root-user-action=ignore", "-r", str(REQUIREMENTS)], check=True)
    shutil.copyfile(REQUIREMENTS, VENV / "requirements.txt")
    say(f"installed in {time.monotonic() - started:.0f} s")


# ---------------------------------------------------------------------------------------------
# Where a line of the rendered YAML is: which object.


class Document(NamedTuple):
    first: int  # 1-based line numbers, inclusive
    last: int
    obj: dict


def documents(text: str) -> list[Document]:
    """The objects of a multi-document YAML text, with the lines each spans."""
    found, start, lines = [], 1, text.splitlines()
    for i, line in enumerate([*lines, "---"], start=1):
        if line.rstrip() == "---":
            obj = yaml.safe_load("\n".join(lines[start - 1:i - 1]))
            if obj:
                found.append(Document(start, i - 1, obj))
            start = i + 1
    return found


def object_ref(obj: dict) -> str:
    return f"{obj.get('kind')}/{(obj.get('metadata') or {}).get('name')}"


# ---------------------------------------------------------------------------------------------
# 1. The API schemas.


def validate(files: dict[str, Path]) -> list[str]:
    """kubernetes-validate --strict over each overlay's rendered file: one line per error."""
    result = subprocess.run(
        [str(tool("kubernetes-validate")), "--kubernetes-version", KUBERNETES_VERSION, "--strict",
         "--quiet", *map(str, files.values())],
        capture_output=True, text=True)
    labels = {str(path): label for label, path in files.items()}
    problems = []
    for line in (result.stdout + result.stderr).splitlines():
        m = re.match(r"^(ERROR|WARN\w*) (\S+) did not validate for resource (\S+?)/(\S+) against "
                     r"version [\d.]+: (.*)$", line)
        if m:
            level, path, kind, name, what = m.groups()
            problems.append(f"{labels.get(path, path)}: {kind}/{name}: not valid in Kubernetes "
                            f"{KUBERNETES_VERSION}: {what}")
        elif line.startswith(("ERROR", "WARN")) or (result.returncode and line.strip()):
            problems.append(line.replace(str(next(iter(files.values())).parent) + "/", ""))
    if result.returncode and not problems:
        problems.append(f"kubernetes-validate exited {result.returncode} without saying why")
    return problems


# ---------------------------------------------------------------------------------------------
# 2. The security policies.


class Finding(NamedTuple):
    overlay: str
    ref: str  # Kind/name of the rendered object
    check: str  # CKV_K8S_43
    title: str  # Image should use digest

    def __str__(self) -> str:
        return f"{self.overlay}: {self.ref}: {self.check} {self.title}"


def policy_findings(files: dict[str, Path]) -> list[Finding]:
    """checkov's failed Kubernetes checks over the rendered files (in one directory)."""
    directory = next(iter(files.values())).parent
    result = subprocess.run(
        [str(tool("checkov")), "--framework", "kubernetes", "--skip-download", "--quiet",
         "--output", "json", "--directory", str(directory)],
        capture_output=True, text=True, env={**os.environ, **CHECKOV_ENV})
    try:
        reports = json.loads(result.stdout) if result.stdout.strip() else []
    except json.JSONDecodeError:
        raise RuntimeError(f"checkov exited {result.returncode}:\n{result.stdout[-2000:]}"
                           f"{result.stderr[-2000:]}")
    if result.returncode not in (0, 1):  # 1: there are findings
        raise RuntimeError(f"checkov exited {result.returncode}:\n{result.stderr[-2000:]}")
    reports = reports if isinstance(reports, list) else [reports]
    by_name = {path.name: (label, documents(path.read_text())) for label, path in files.items()}
    findings = []
    for report in reports:
        for failed in (report.get("results") or {}).get("failed_checks") or []:
            label, docs = by_name.get(Path(failed.get("file_path", "")).name, ("?", []))
            line = (failed.get("file_line_range") or [0])[0]
            where = next((object_ref(d.obj) for d in docs if d.first <= line <= d.last), None)
            if where is None:  # not found by line: checkov's own id, Kind.namespace.name
                kind, _, rest = failed.get("resource", "?").partition(".")
                where = f"{kind}/{rest.partition('.')[2] or rest}"
            findings.append(Finding(label, where, failed["check_id"], failed.get("check_name", "")))
    return sorted(set(findings))


class PolicyException(NamedTuple):
    check: str
    why: str
    objects: tuple[str, ...]  # Kind/name
    overlays: tuple[str, ...] | None  # None: every overlay

    def covers(self, finding: Finding) -> bool:
        return (finding.check == self.check and finding.ref in self.objects
                and (self.overlays is None or finding.overlay in self.overlays))


def load_exceptions(path: Path = EXCEPTIONS) -> list[PolicyException]:
    """deploy/check/policy-exceptions.yaml: a list of {check, why, objects, [overlays]}."""
    entries = yaml.safe_load(path.read_text()) or []
    if not isinstance(entries, list):
        raise ValueError(f"{path.name}: expected a list of exceptions")
    exceptions = []
    for i, entry in enumerate(entries):
        where = f"{path.name}: entry {i + 1}"
        if not isinstance(entry, dict) or set(entry) - {"check", "why", "objects", "overlays"}:
            raise ValueError(f"{where}: keys are check, why, objects and overlays")
        check = str(entry.get("check") or "")
        if not re.fullmatch(r"CKV2?_K8S_\d+", check):
            raise ValueError(f"{where}: check {check!r} is not a checkov Kubernetes check id")
        why = " ".join(str(entry.get("why") or "").split())
        if len(why) < 40:
            raise ValueError(f"{where} ({check}): say why the check does not apply (`why`)")
        objects = entry.get("objects") or []
        if not objects or not all(isinstance(o, str) and re.fullmatch(r"\w+/[\w.-]+", o) for o in objects):
            raise ValueError(f"{where} ({check}): objects must be a list of Kind/name")
        overlays = entry.get("overlays")
        exceptions.append(PolicyException(check, why, tuple(objects),
                                          tuple(overlays) if overlays is not None else None))
    return exceptions


def apply_exceptions(findings: list[Finding], exceptions: list[PolicyException],
                     overlays: list[str]) -> tuple[list[Finding], list[str]]:
    """The findings no exception excuses, and the exceptions (check, object) that excuse none
    in the overlays linted."""
    unexcused = [f for f in findings if not any(e.covers(f) for e in exceptions)]
    stale = []
    for e in exceptions:
        linted = [o for o in overlays if e.overlays is None or o in e.overlays]
        if not linted:
            continue
        for obj in e.objects:
            if not any(f.check == e.check and f.ref == obj and f.overlay in linted for f in findings):
                stale.append(f"{EXCEPTIONS.name}: {e.check} for {obj}: no such finding in "
                             f"{', '.join(linted)} any more; remove it")
    return unexcused, stale


# ---------------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------
# 3. The custom resources and the dashboards' queries.


def api_group(obj: dict) -> str:
    version = str(obj.get("apiVersion") or "")
    return version.split("/", 1)[0] if "/" in version else ""


def split_custom(text: str) -> tuple[str, list[dict]]:
    """A rendered overlay without its custom resources (as written, line for line), and them."""
    lines, kept, custom = text.splitlines(), [], []
    for doc in documents(text):
        if api_group(doc.obj) in CUSTOM_RESOURCES:
            custom.append(doc.obj)
        else:
            kept.append("\n".join(lines[doc.first - 1:doc.last]))
    return "\n---\n".join(kept) + "\n", custom


# Prometheus durations, as the operator's CRDs accept them.
DURATION = re.compile(r"^(0|([0-9]+y)?([0-9]+w)?([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?([0-9]+ms)?)$")
# The fields of the operator's monitoring.coreos.com/v1 schemas the checks know (a subset of
# each: a field outside it is most likely misspelt).
RULE_GROUP_FIELDS = {"name", "interval", "rules", "limit", "query_offset", "labels",
                     "partial_response_strategy"}
RULE_FIELDS = {"alert", "record", "expr", "for", "keep_firing_for", "labels", "annotations"}
POD_MONITOR_FIELDS = {"jobLabel", "podTargetLabels", "selector", "namespaceSelector",
                      "podMetricsEndpoints", "sampleLimit", "targetLimit", "labelLimit",
                      "labelNameLengthLimit", "labelValueLengthLimit", "keepDroppedTargets",
                      "attachMetadata", "scrapeClass", "scrapeProtocols", "bodySizeLimit"}
ENDPOINT_FIELDS = {"port", "portNumber", "path", "scheme", "params", "interval", "scrapeTimeout",
                   "honorLabels", "honorTimestamps", "metricRelabelings", "relabelings",
                   "filterRunning", "enableHttp2", "followRedirects", "tlsConfig", "authorization"}
# Grafana's variables, replaced by values of their kind before a dashboard query is parsed.
GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "1h"}


def promql_errors(exprs: list[str]) -> list[str | None]:
    """promql-parser's verdict on each expression: None, or why it does not parse."""
    if not exprs:
        return []
    script = ("import json, sys, promql_parser\n"
              "out = []\n"
              "for e in json.load(sys.stdin):\n"
              "    try:\n"
              "        promql_parser.parse(e)\n"
              "        out.append(None)\n"
              "    except Exception as x:\n"
              "        out.append(str(x) or type(x).__name__)\n"
              "print(json.dumps(out))\n")
    result = subprocess.run([str(tool("python")), "-c", script], input=json.dumps(exprs),
                            capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(f"promql-parser failed:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout)


def custom_resource_problems(label: str, objects: list[dict]) -> list[str]:
    """The monitoring component's custom resources field by field, and every PromQL expression
    (alert rules and Grafana dashboards) parsed."""
    problems: list[str] = []
    queries: list[tuple[str, str]] = []  # (where, PromQL)

    def fields(where: str, value, known: set[str]) -> dict:
        if not isinstance(value, dict):
            problems.append(f"{where}: must be a mapping")
            return {}
        for key in sorted(set(value) - known):
            problems.append(f"{where}: {key!r} is not a field of it")
        return value

    def duration(where: str, value) -> None:
        if value is not None and not DURATION.match(str(value)):
            problems.append(f"{where}: {value!r} is not a duration (30s, 5m, 1h30m)")

    for obj in objects:
        where = f"{label}: {object_ref(obj)}"
        if api_group(obj) != "monitoring.coreos.com":
            if obj.get("kind") == "ConfigMap" and "grafana_dashboard" in (
                    (obj.get("metadata") or {}).get("labels") or {}):
                for key, text in (obj.get("data") or {}).items():
                    try:
                        board = json.loads(text)
                    except json.JSONDecodeError as e:
                        problems.append(f"{where}: data[{key}]: not JSON: {e}")
                        continue
                    for at, expr in manifests.dashboard_queries(board):
                        for var, value in GRAFANA_VARIABLES.items():
                            expr = expr.replace(var, value)
                        queries.append((f"{where}: data[{key}]: {at}", expr))
            continue
        spec = obj.get("spec")
        if obj.get("apiVersion") != "monitoring.coreos.com/v1":
            problems.append(f"{where}: apiVersion {obj.get('apiVersion')!r}: the checks know v1")
        if obj.get("kind") == "PrometheusRule":
            spec = fields(f"{where}: spec", spec, {"groups"})
            for g, group in enumerate(spec.get("groups") or []):
                group = fields(f"{where}: spec.groups[{g}]", group, RULE_GROUP_FIELDS)
                duration(f"{where}: spec.groups[{g}].interval", group.get("interval"))
                if not isinstance(group.get("name"), str):
                    problems.append(f"{where}: spec.groups[{g}].name: required, a string")
                for r, rule in enumerate(group.get("rules") or []):
                    at = f"{where}: spec.groups[{g}].rules[{r}]"
                    rule = fields(at, rule, RULE_FIELDS)
                    for key in ("for", "keep_firing_for"):
                        duration(f"{at}.{key}", rule.get(key))
                    for key in ("labels", "annotations"):
                        values = rule.get(key) or {}
                        if not isinstance(values, dict) or not all(
                                isinstance(k, str) and isinstance(v, str) for k, v in values.items()):
                            problems.append(f"{at}.{key}: must map strings to strings")
                    if isinstance(rule.get("expr"), (str, int)):
                        queries.append((f"{at}.expr ({rule.get('alert') or rule.get('record')})",
                                        str(rule["expr"])))
                    else:
                        problems.append(f"{at}.expr: required, a string")
        elif obj.get("kind") == "PodMonitor":
            spec = fields(f"{where}: spec", spec, POD_MONITOR_FIELDS)
            if not isinstance(spec.get("selector"), dict):
                problems.append(f"{where}: spec.selector: required, a label selector")
            for i, endpoint in enumerate(spec.get("podMetricsEndpoints") or []):
                at = f"{where}: spec.podMetricsEndpoints[{i}]"
                endpoint = fields(at, endpoint, ENDPOINT_FIELDS)
                for key in ("interval", "scrapeTimeout"):
                    duration(f"{at}.{key}", endpoint.get(key))
        else:
            problems.append(f"{where}: a kind the checks do not know; add its fields to lint.py")
    for (at, expr), error in zip(queries, promql_errors([e for _, e in queries])):
        if error:
            problems.append(f"{at}: PromQL does not parse: {error}")
    return problems


def lint(texts: dict[str, str], exceptions: list[PolicyException] | None = None) -> tuple[list[str], dict]:
    """Every problem in the rendered overlays (label -> YAML text), and what was run, timed."""
    stats: dict = {}
    custom_problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="onaltu-lint-") as tmp:
        files = {}
        for label, text in texts.items():
            kept, custom = split_custom(text)
            dashboards = [d.obj for d in documents(kept) if d.obj.get("kind") == "ConfigMap"]
            custom_problems += custom_resource_problems(label, custom + dashboards)
            files[label] = Path(tmp) / f"{label}.yaml"
            files[label].write_text(kept)
        started = time.monotonic()
        problems = validate(files) + custom_problems
        stats["validate"] = time.monotonic() - started
        started = time.monotonic()
        findings = policy_findings(files)
        stats["checkov"] = time.monotonic() - started
    exceptions = load_exceptions() if exceptions is None else exceptions
    unexcused, stale = apply_exceptions(findings, exceptions, list(texts))
    stats["findings"] = len(findings)
    stats["excused"] = len(findings) - len(unexcused)
    problems += [f"{f} (excuse it in deploy/check/{EXCEPTIONS.name} only with a reason)"
                 for f in unexcused]
    problems += stale
    return problems, stats


def main(texts: dict[str, str]) -> int:
    started = time.monotonic()
    ensure_tools()
    problems, stats = lint(texts)
    for p in problems:
        print(p)
    counts = ", ".join(f"{label} ({len(documents(text))} objects)" for label, text in texts.items())
    timing = (f"kubernetes-validate {stats['validate']:.1f} s, checkov {stats['checkov']:.1f} s, "
              f"{time.monotonic() - started:.1f} s in all")
    if problems:
        print(f"[lint] {len(problems)} problem(s) in {counts} ({timing})", file=sys.stderr)
        return 1
    print(f"[lint] {counts}: valid Kubernetes {KUBERNETES_VERSION} objects; checkov: "
          f"{stats['findings']} finding(s), each excused in deploy/check/{EXCEPTIONS.name} ({timing})")
    return 0
