"""Runs the rendered pods' binaries the way the kubelet would, and their probes.

Called as `deploy/check/manifests.py --run` (after a build: target/debug/onaltu-<svc>; with the
local stack's URLs exported: `eval "$(scripts/stack.sh env)"`). For the first overlay asked for
(production unless --overlay says otherwise):

1. every migration Job of a service runs to completion (exit 0), then
2. every Deployment of a service starts, all at once, and its probes run with the kubelet's
   semantics (initialDelaySeconds, periodSeconds, timeoutSeconds, failureThreshold): the startup
   probe until it passes, then readiness and liveness; grpc probes through grpc.health.v1 Check
   (SERVING or it fails), tcpSocket by connecting;
3. each is stopped with SIGTERM, as on a rollout: readiness must fail while it drains and the
   process must exit within terminationGracePeriodSeconds.

What a container gets is taken from the manifest: the image's entrypoint (the service binary,
deploy/Dockerfile) with the container's args; its env, with each secretKeyRef taken from this
process's variable of the same name (scripts/stack.sh env exports ONALTU_<SVC>__DATABASE__URL and
__CACHE__URL, exactly the names the manifests use) or, when there is none, a placeholder; its
uid/gid (runAsUser, runAsGroup, fsGroup) when run as root; services/<svc>/config/ laid out where
the Dockerfile puts it and each secret volume's items (an RSA public key made with openssl for
*.pem, a placeholder otherwise, with defaultMode) under a temporary root. Three liberties, each
an ONALTU_<SVC>__... override, because there is no pod network here: absolute paths in the config
that fall in a volume or the config dir point into the temporary root; [server] listen binds
127.0.0.1 on the same port; and an upstream named by a Service (http://registry:50051) goes to
127.0.0.1 on the container port that Service targets. Logs are kept in .data/run-pods/.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import manifests
from manifests import REPO, Project

PLACEHOLDER = "placeholder-from-deploy-check"
LOGS = REPO / ".data" / "run-pods"


class UnknownService(Exception):
    """A gRPC probe's service that the server does not know: every later attempt fails too."""


def probe_once(probe: dict, ports: list[dict]) -> tuple[bool, str]:
    """One probe attempt against 127.0.0.1, with the probe's timeout."""
    timeout = probe.get("timeoutSeconds", 1)
    if "grpc" in probe:
        import grpc
        from grpc_health.v1 import health_pb2, health_pb2_grpc

        port = probe["grpc"]["port"]
        service = probe["grpc"].get("service") or ""
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            try:
                reply = health_pb2_grpc.HealthStub(channel).Check(
                    health_pb2.HealthCheckRequest(service=service), timeout=timeout)
            except grpc.RpcError as err:
                if err.code() == grpc.StatusCode.NOT_FOUND:
                    # The server answers, and has no health for that name: it never will.
                    raise UnknownService(f"grpc {port} {service!r}: NOT_FOUND {err.details()}")
                return False, f"grpc {port} {service!r}: {err.code().name} {err.details()}"
        status = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
        return reply.status == health_pb2.HealthCheckResponse.SERVING, f"grpc {port} {service!r}: {status}"
    if "tcpSocket" in probe:
        port = probe["tcpSocket"]["port"]
        if isinstance(port, str):
            port = next((p["containerPort"] for p in ports if p.get("name") == port), None)
            if port is None:
                return False, f"tcpSocket: no port named {probe['tcpSocket']['port']!r}"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=timeout):
                return True, f"tcp {port}: open"
        except OSError as err:
            return False, f"tcp {port}: {err}"
    return False, f"unsupported probe {sorted(probe)}"


class Pod:
    """One pod of a workload: its temporary root, its environment and its process."""

    def __init__(self, obj: dict, project: Project, objects: list[dict], root: Path):
        self.obj = obj
        self.name = manifests.ref(obj)
        self.template = manifests.pod_template(obj)
        self.container = self.template["spec"]["containers"][0]
        self.svc = manifests.service_of(obj, self.container, project)
        self.project = project
        self.objects = objects
        self.root = root / obj["metadata"]["name"]
        self.notes: list[str] = []
        self.problems: list[str] = []
        self.process: subprocess.Popen | None = None
        self.log = LOGS / f"{obj['kind'].lower()}-{obj['metadata']['name']}.log"

    def fail(self, message: str) -> None:
        self.problems.append(f"{self.name}: {message}")

    def host_path(self, path: str) -> Path:
        return self.root / path.lstrip("/")

    def prepare(self) -> list[str] | None:
        """Lays out the root, returns the command (None when the binary is missing)."""
        target = Path(os.environ.get("CARGO_TARGET_DIR") or REPO / "target")
        binary = (target if target.is_absolute() else REPO / target) / "debug" / f"onaltu-{self.svc}"
        if not binary.is_file():
            self.fail(f"{binary} is missing (build first: make build)")
            return None
        config_dir = self.project.config_dir.format(svc=self.svc)
        shutil.copytree(REPO / "services" / self.svc / "config", self.host_path(config_dir))
        spec = self.template.get("spec") or {}
        security = spec.get("securityContext") or {}
        fs_group = security.get("fsGroup")
        volumes = {v["name"]: v for v in spec.get("volumes") or []}
        self.mounts: list[str] = [config_dir]
        for mount in self.container.get("volumeMounts") or []:
            volume = volumes.get(mount["name"])
            if volume is None:
                self.fail(f"volumeMount {mount['name']!r} names no volume")
                continue
            target = self.host_path(mount["mountPath"])
            target.mkdir(parents=True, exist_ok=True)
            self.mounts.append(mount["mountPath"])
            if "secret" in volume:
                secret = volume["secret"]
                mode = secret.get("defaultMode", 0o644)
                for item in secret.get("items") or []:
                    path = target / item.get("path", item["key"])
                    path.write_bytes(self.secret_file(secret["secretName"], item["key"]))
                    os.chmod(path, item.get("mode", mode))
                    if fs_group is not None and os.geteuid() == 0:
                        os.chown(path, 0, fs_group)
            elif "configMap" in volume:
                for cm in self.objects:
                    if cm.get("kind") == "ConfigMap" and cm["metadata"]["name"] == volume["configMap"]["name"]:
                        for key, value in (cm.get("data") or {}).items():
                            (target / key).write_text(value)
        if os.geteuid() == 0:
            # The pod's user must reach its files, as in the image (world-readable, not writable).
            for path in [self.root, *self.root.rglob("*")]:
                if path.is_dir():
                    os.chmod(path, 0o755)
                elif path.stat().st_mode & 0o777 == 0o600:
                    os.chmod(path, 0o644)
        return [str(binary), *(self.container.get("command") or [])[1:], *(self.container.get("args") or [])]

    def secret_file(self, name: str, key: str) -> bytes:
        if key.endswith(".pem"):
            private = subprocess.run(["openssl", "genrsa", "2048"], check=True, capture_output=True).stdout
            public = subprocess.run(["openssl", "rsa", "-pubout"], input=private, check=True,
                                    capture_output=True).stdout
            self.notes.append(f"secret {name}/{key}: a fresh RSA public key")
            return public
        self.notes.append(f"secret {name}/{key}: a placeholder")
        return PLACEHOLDER.encode()

    def environment(self) -> dict[str, str]:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self.root)}
        env["ONALTU_ENV"] = self.project.image_env  # the Dockerfile's ENV
        env["ONALTU_CONFIG_DIR"] = str(self.host_path(self.project.config_dir.format(svc=self.svc)))
        for var in self.container.get("env") or []:
            name = var["name"]
            if "value" in var:
                env[name] = str(var["value"])
            elif "secretKeyRef" in (var.get("valueFrom") or {}):
                ref = var["valueFrom"]["secretKeyRef"]
                if name in os.environ:
                    env[name] = os.environ[name]
                    self.notes.append(f"env {name} ({ref['name']}/{ref['key']}): the local stack's")
                else:
                    env[name] = PLACEHOLDER
                    self.notes.append(f"env {name} ({ref['name']}/{ref['key']}): a placeholder")
        if env.get("ONALTU_CONFIG_DIR", "").startswith("/") and not env["ONALTU_CONFIG_DIR"].startswith(str(self.root)):
            env["ONALTU_CONFIG_DIR"] = str(self.host_path(env["ONALTU_CONFIG_DIR"]))
        prefix = f"ONALTU_{self.svc.upper()}__"
        _, config = manifests.effective_config(self.svc, self.container, self.project)
        for section, key, value in walk(config or {}):
            var = prefix + "__".join([*section, key]).upper()
            if isinstance(value, str) and value.startswith("/") and any(
                    value == m or value.startswith(m.rstrip("/") + "/") for m in self.mounts):
                env[var] = str(self.host_path(value))
        server = (config or {}).get("server") or {}
        if "listen" in server:
            env[prefix + "SERVER__LISTEN"] = "127.0.0.1:" + str(server["listen"]).rsplit(":", 1)[1]
        for section, key, url in manifests.upstreams(config or {}):
            local = self.local_upstream(url)
            if local:
                env[prefix + "__".join([*section.split("."), key]).upper()] = local
        return env

    def local_upstream(self, url: str) -> str | None:
        """http://registry:50051 -> http://127.0.0.1:<the port Service/registry targets>."""
        import urllib.parse

        parsed = urllib.parse.urlsplit(url)
        if not parsed.hostname or "." in parsed.hostname or parsed.port is None:
            return None
        for svc in self.objects:
            if svc.get("kind") != "Service" or svc["metadata"]["name"] != parsed.hostname:
                continue
            for port in svc["spec"].get("ports") or []:
                if port.get("port") != parsed.port:
                    continue
                target = port.get("targetPort", port["port"])
                for d in manifests.workloads(self.objects, ("Deployment",)):
                    if manifests.map_matches(svc["spec"].get("selector") or {}, manifests.template_labels(d)):
                        number = manifests.resolve_port(manifests.pod_template(d), target)
                        if number:
                            return f"{parsed.scheme}://127.0.0.1:{number}{parsed.path}"
        return None

    def start(self) -> bool:
        command = self.prepare()
        if command is None:
            return False
        env = self.environment()
        security = {**(self.template["spec"].get("securityContext") or {}),
                    **(self.container.get("securityContext") or {})}
        uid, gid = security.get("runAsUser"), security.get("runAsGroup")
        fs_group = security.get("fsGroup")

        identity = {}
        if os.geteuid() == 0:
            # The pod's user and groups; only root can take them (others run as themselves).
            identity = {"user": uid, "group": gid,
                        "extra_groups": [fs_group] if fs_group is not None else []}
            self.notes.append(f"runs as uid {uid} gid {gid} groups {identity['extra_groups']}")
        LOGS.mkdir(parents=True, exist_ok=True)
        self.logfile = open(self.log, "wb")
        self.process = subprocess.Popen(command, env=env, cwd=self.root, stdout=self.logfile,
                                        stderr=subprocess.STDOUT, **identity)
        return True

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log.read_text(errors="replace").splitlines()[-lines:]
        except OSError:
            return ""
        return "\n".join("    " + line for line in text)

    def exited(self) -> bool:
        return self.process is not None and self.process.poll() is not None

    # -- a Job -----------------------------------------------------------------------------

    def run_to_completion(self) -> None:
        if not self.start():
            return
        deadline = (self.obj.get("spec") or {}).get("activeDeadlineSeconds", 600)
        try:
            code = self.process.wait(timeout=deadline)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.fail(f"still running after activeDeadlineSeconds={deadline}\n{self.log_tail()}")
            return
        if code != 0:
            self.fail(f"exited {code}\n{self.log_tail()}")

    # -- a Deployment ----------------------------------------------------------------------

    def run_probe(self, kind: str, attempts: int | None = None) -> bool:
        probe = self.container.get(kind)
        if not probe:
            return True
        time.sleep(probe.get("initialDelaySeconds", 0))
        period = probe.get("periodSeconds", 10)
        threshold = attempts or probe.get("failureThreshold", 3)
        last = ""
        for attempt in range(threshold):
            if self.exited():
                self.fail(f"{kind}: the process exited ({self.process.returncode}) "
                          f"after {attempt} attempt(s)\n{self.log_tail()}")
                return False
            try:
                ok, last = probe_once(probe, self.container.get("ports") or [])
            except UnknownService as err:
                self.fail(f"{kind}: {err}; the kubelet would retry {threshold} times and "
                          f"{'restart' if kind != 'readinessProbe' else 'never route to'} the container")
                return False
            if ok:
                self.notes.append(f"{kind} passed on attempt {attempt + 1}: {last}")
                return True
            time.sleep(period)
        self.fail(f"{kind} failed {threshold} times; last: {last}\n{self.log_tail()}")
        return False

    def serve_and_probe(self) -> None:
        if not self.start():
            return
        try:
            if not self.run_probe("startupProbe"):
                return
            readiness = self.container.get("readinessProbe") or {}
            if not self.run_probe("readinessProbe", max(readiness.get("failureThreshold", 3), 3)):
                return
            if not self.run_probe("livenessProbe", 1):
                return
            self.stop_gracefully()
        finally:
            if self.process and self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self.logfile.close()

    def stop_gracefully(self) -> None:
        grace = self.template["spec"].get("terminationGracePeriodSeconds", manifests.DEFAULT_GRACE_SECONDS)
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        readiness = self.container.get("readinessProbe")
        unready = readiness is None
        while time.monotonic() - started < grace:
            if self.process.poll() is not None:
                break
            if not unready:
                try:
                    ok, last = probe_once(readiness, self.container.get("ports") or [])
                except UnknownService as err:
                    ok, last = False, str(err)
                if not ok:
                    unready = True
                    self.notes.append(f"unready {time.monotonic() - started:.1f} s after SIGTERM: {last}")
            time.sleep(0.2)
        if self.process.poll() is None:
            self.fail(f"still running {grace} s (terminationGracePeriodSeconds) after SIGTERM; "
                      f"the kubelet would SIGKILL it\n{self.log_tail()}")
            return
        took = time.monotonic() - started
        if not unready:
            self.fail("readiness never failed between SIGTERM and exit: the endpoints would keep it")
        self.notes.append(f"exited {self.process.returncode} {took:.1f} s after SIGTERM (grace {grace} s)")
        if self.process.returncode != 0:
            self.fail(f"exited {self.process.returncode} after SIGTERM\n{self.log_tail()}")


def walk(config: dict, section: tuple[str, ...] = ()):
    for key, value in config.items():
        if isinstance(value, dict):
            yield from walk(value, (*section, key))
        else:
            yield section, key, value


def port_busy(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def main(rendered: dict[str, list[dict]], project: Project) -> int:
    label, objects = next(iter(rendered.items()))
    if not any(k.endswith("__DATABASE__URL") for k in os.environ):
        print("[run-pods] the local stack's URLs are not set: eval \"$(scripts/stack.sh env)\" first",
              file=sys.stderr)
        return 2
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="onaltu-pods-") as tmp:
        os.chmod(tmp, 0o755)
        root = Path(tmp)

        def pods(kind: str) -> list[Pod]:
            found = []
            for obj in manifests.workloads(objects, (kind,)):
                pod = Pod(obj, project, objects, root)
                if pod.svc:
                    found.append(pod)
            return found

        jobs = pods("Job")
        for job in jobs:
            print(f"[run-pods] {label}: {job.name}: running {job.container.get('args')}", file=sys.stderr)
            job.run_to_completion()
            problems += [f"{label}: {p}" for p in job.problems]
        if problems:
            print("\n".join(problems))
            return 1

        deployments = pods("Deployment")
        busy = [(d.name, p["containerPort"]) for d in deployments
                for p in d.container.get("ports") or [] if port_busy(p["containerPort"])]
        if busy:
            # A developer's `make run` holds them; CI never does, so there the pods always run.
            print(f"[run-pods] SKIPPED: ports in use (is `make run` up? `make stop` first): {busy}",
                  file=sys.stderr)
            return 0
        print(f"[run-pods] {label}: starting {', '.join(d.name for d in deployments)}", file=sys.stderr)
        threads = [threading.Thread(target=d.serve_and_probe) for d in deployments]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for pod in jobs + deployments:
            for note in pod.notes:
                print(f"[run-pods] {pod.name}: {note}", file=sys.stderr)
            problems += [f"{label}: {p}" for p in pod.problems]
    for p in problems:
        print(p)
    if problems:
        print(f"[run-pods] {len(problems)} problem(s); logs in {LOGS.relative_to(REPO)}/", file=sys.stderr)
        return 1
    print(f"[run-pods] {label}: {len(jobs)} Jobs completed; {len(deployments)} Deployments passed their "
          f"startup, readiness and liveness probes and stopped within their grace periods")
    return 0
