"""Runs the rendered pods' binaries the way the kubelet would, and their probes.

Called as `deploy/check/manifests.py --run` (after a build: target/debug/onaltu-<svc>; with the
local stack's URLs exported: `eval "$(scripts/stack.sh env)"`). For the first overlay asked for
(production unless --overlay says otherwise), each service on its own and the four side by side:

1. a private, throwaway PostgreSQL server (initdb into the temporary root, on a free loopback
   port, with the binaries scripts/stack.sh uses) and in it a new, empty database owned by the
   role `<svc>_owner`, with a serving role `<svc>_app` that may only connect, use the schema and,
   through default privileges the owner grants, SELECT/INSERT/UPDATE/DELETE its tables and USAGE
   its sequences (deploy/README.md, "The data tier");
2. the service's migration Job runs against it, as the owner, to completion (exit 0); every migration the binary
   embeds (services/<svc>/migrations and the shared sets its `migrations()` lists) must then be in
   __diesel_schema_migrations, as the Job reported; and the Job run again (a retry, backoffLimit)
   must exit 0 having applied none; then the serving role must hold SELECT/INSERT/UPDATE/DELETE
   on every table the migrations made and be refused CREATE TABLE, ALTER TABLE and DROP TABLE;
3. the service's Deployment starts against that same database, as the serving role (so that role
   is shown to suffice), and its probes run with the
   kubelet's semantics (initialDelaySeconds, periodSeconds, timeoutSeconds, failureThreshold):
   the startup probe until it passes, then readiness and liveness; grpc probes through
   grpc.health.v1 Check (SERVING or it fails), tcpSocket by connecting;
4. the database stops (pg_ctl stop -m fast): the readiness probe must fail (NOT_SERVING) within
   failureThreshold * periodSeconds plus the server's [server] health_check_interval_ms, the
   process must keep running and the liveness probe keep passing (an outage must not restart the
   pods); the database starts again and readiness must pass again within the same budget;
5. the process is stopped with SIGTERM, as on a rollout (after the container's preStop sleep, if
   it has one, during which it must still be ready): readiness must fail while it drains (or the
   process be gone) and the process must exit within terminationGracePeriodSeconds, the sleep
   included. The server is then stopped and its directory removed with the temporary root.

An HTTP service (the portal: services/<svc> with a config and no proto, manifests.Project) has
no database and no Job: it gets a private, throwaway Redis instead (redis-server on a free
loopback port, whose users are deploy/k8s/components/data-tier/users.acl.template's, so the
service connects as its own ACL user and its rules are shown to suffice for its readiness), or,
without redis-server, the stack's; its probes are httpGet (any status 200-399 passes, as the
kubelet's); step 4 stops that Redis instead of a database, with a budget of failureThreshold x
periodSeconds + timeoutSeconds (readiness asks Redis on each request).

Where no PostgreSQL binaries are installed (DATABASE_URL names a server of your own), the fresh
databases are made on the stack's server instead (named after the service and this process,
dropped at the end), Jobs and Deployments both use the stack's role (roles are the server's,
not the database's, so none are made there) and step 4 is skipped, with a notice.

What a container gets is taken from the manifest: the image's entrypoint (the service binary,
deploy/Dockerfile) with the container's args; its env, with each secretKeyRef taken from this
process's variable of the same name (scripts/stack.sh env exports ONALTU_<SVC>__DATABASE__URL and
__CACHE__URL, exactly the names the manifests use; the database URL is replaced by the fresh
database's) or, when there is none, an RS256 INTEGRATION token for a `*-token` key (the subject
deploy/README.md names for it; signed with the pod's throwaway key) and a placeholder for any
other; its uid/gid (runAsUser, runAsGroup, fsGroup) when run as root; services/<svc>/config/ laid
out where the Dockerfile puts it and each secret volume's items (the public half of the pod's
throwaway RSA key, made with openssl, for *.pem, a placeholder otherwise, with defaultMode) under
a temporary root. A Secret a cert-manager Certificate of the overlay issues (components/tls) holds
what cert-manager would write: tls.crt and tls.key for the Certificate's dnsNames (and
127.0.0.1), signed by a CA made for this run with openssl and shared by every pod, and that CA as
ca.crt; a `*-token` key mounted as a file holds a token as above. Where [server.tls] is on, after
readiness the gRPC port is asked for health once more, the way a caller would: over mutual TLS
with the pod's own certificate it must answer SERVING, in clear and without a client certificate
it must refuse. Once ready, GET /metrics on its metrics port must answer the text format with
the pod's service and its database pool, as Prometheus scrapes it. Five liberties, each an
ONALTU_<SVC>__... override, because there is no pod network here: absolute paths in the config
that fall in a volume or the config dir point into the temporary root; [server] listen and
health_listen bind 127.0.0.1 on the same ports; [telemetry] metrics_listen, the same port in every
pod, binds 127.0.0.1 on a free one; an upstream
named by a Service (http://registry:50051) goes to 127.0.0.1 on the container port that Service
targets; and, for an https:// upstream, its section's tls.domain_name keeps the Service's name,
which its certificate carries. Logs are kept in .data/run-pods/, with each PostgreSQL server's.
"""

from __future__ import annotations

import os
import re
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

# grpcio's fork support restarts its threads in a forked child, where one can crash before the
# child execs (pg_ctl, a Job, a Deployment), and the crash reads as theirs (-11). This process
# starts its children by fork and uses gRPC only for probes: fork support is off.
os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")

PLACEHOLDER = "placeholder-from-deploy-check"
# The run's CA for the Secrets of cert-manager Certificates: made once, shared by every pod.
CA_LOCK = threading.Lock()
LOGS = REPO / ".data" / "run-pods"
# How often a server re-checks its database when [server] health_check_interval_ms is not set:
# read from ServerSettings::default in shared/server/src/lib.rs, this when it cannot be read.
DEFAULT_HEALTH_CHECK_INTERVAL_MS = 2000
# How often the outage phase asks the readiness probe (faster than periodSeconds, to time it).
POLL_SECONDS = 0.25


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
    if "httpGet" in probe:
        import http.client

        get = probe["httpGet"]
        port = get.get("port")
        if isinstance(port, str):
            port = next((p["containerPort"] for p in ports if p.get("name") == port), None)
            if port is None:
                return False, f"httpGet: no port named {get['port']!r}"
        path = get.get("path") or "/"
        # As the kubelet asks: HTTP/1.1, its own User-Agent, any 200-399 passes, no redirects.
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        try:
            connection.request("GET", path, headers={"User-Agent": "kube-probe/1.33",
                                                     "Accept": "*/*", **{h["name"]: h["value"] for h in
                                                                         get.get("httpHeaders") or []}})
            status = connection.getresponse().status
        except OSError as err:
            return False, f"GET {port} {path}: {err}"
        finally:
            connection.close()
        return 200 <= status < 400, f"GET {port} {path}: {status}"
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


# ---------------------------------------------------------------------------------------------
# Databases: a private PostgreSQL server per service, or fresh databases on the stack's.


def pg_bin() -> Path | None:
    """The PostgreSQL binaries scripts/stack.sh uses (its pg_bin): the newest
    /usr/lib/postgresql/<v>/bin with initdb, else initdb's directory on PATH."""
    def version(path: Path) -> tuple[int, ...]:
        return tuple(int(p) for p in re.findall(r"\d+", path.parent.name)) or (0,)

    for directory in sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=version, reverse=True):
        if os.access(directory / "initdb", os.X_OK):
            return directory
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def with_database(url: str, name: str) -> str:
    """The same server's URL for another database."""
    import urllib.parse

    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


class PrivatePostgres:
    """A throwaway PostgreSQL server: initdb into `root`, trust on loopback, a free port; run as
    scripts/stack.sh runs its own (as the postgres user when this process is root)."""

    can_stop = True
    database = ""

    def __init__(self, bin_dir: Path, root: Path, name: str):
        self.bin = bin_dir
        self.data = root / "data"
        self.socket_dir = root
        self.root = root
        self.port = free_port()
        self.log = LOGS / f"postgres-{name}.log"
        self.running = False
        self.as_root = os.geteuid() == 0

    def as_owner(self) -> dict:
        return {"user": "postgres", "group": "postgres"} if self.as_root else {}

    def pg(self, *args: str) -> None:
        result = subprocess.run([str(self.bin / args[0]), *args[1:]], capture_output=True, text=True,
                                cwd=self.root, **self.as_owner())
        if result.returncode != 0:
            tail = "".join(self.log.read_text(errors="replace").splitlines(True)[-10:]) \
                if self.log.is_file() else ""
            raise RuntimeError(f"{args[0]} failed ({result.returncode}): {result.stderr.strip()}\n{tail}")

    def up(self) -> None:
        LOGS.mkdir(parents=True, exist_ok=True)
        self.root.mkdir(parents=True)
        self.log.write_text("")
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
            shutil.chown(self.log, "postgres", "postgres")
        self.pg("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                "--locale=C.UTF-8", "--no-sync")
        self.start()

    def start(self) -> None:
        self.pg("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "30", "-o",
                f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                f"-c full_page_writes=off -c shared_buffers=16MB", "start")
        self.running = True

    def stop(self) -> None:
        self.pg("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        self.running = False

    def url(self, database: str, user: str = "postgres") -> str:
        return f"postgres://{user}@127.0.0.1:{self.port}/{database}"

    def psql(self, database: str, sql: str, user: str = "postgres") -> str:
        return subprocess.run([str(self.bin / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-tA",
                               "-d", self.url(database, user), "-c", sql],
                              check=True, capture_output=True, text=True).stdout

    def create_database(self, name: str) -> str:
        self.psql("postgres", f'CREATE DATABASE "{name}"')
        return self.url(name)

    def create_roles(self, database: str, svc: str) -> tuple[str, str]:
        """The two roles deploy/README.md ("The data tier") prescribes, as the data-tier
        component's CloudNativePG Cluster makes them: `<svc>_owner` owns the database and its
        schema (the migration Job's database-migrate-url), `<svc>_app` (the Deployment's
        database-url) may only read and write rows, through default privileges the owner grants.
        Returns their URLs (trust on loopback: no passwords)."""
        owner, app = f"{svc}_owner", f"{svc}_app"
        self.psql("postgres", f'CREATE ROLE "{owner}" LOGIN; CREATE ROLE "{app}" LOGIN')
        self.psql("postgres", f'ALTER DATABASE "{database}" OWNER TO "{owner}"; '
                              f'REVOKE ALL ON DATABASE "{database}" FROM PUBLIC; '
                              f'GRANT CONNECT ON DATABASE "{database}" TO "{app}"')
        self.psql(database, f'ALTER SCHEMA public OWNER TO "{owner}"; '
                            f'REVOKE CREATE ON SCHEMA public FROM PUBLIC; '
                            f'GRANT USAGE ON SCHEMA public TO "{app}"')
        # As the owner, like the component's postInitApplicationSQL says it (FOR ROLE owner).
        self.psql(database, f'ALTER DEFAULT PRIVILEGES IN SCHEMA public '
                            f'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "{app}"; '
                            f'ALTER DEFAULT PRIVILEGES IN SCHEMA public '
                            f'GRANT USAGE ON SEQUENCES TO "{app}"', user=owner)
        return self.url(database, owner), self.url(database, app)

    def refused(self, database: str, user: str, sql: str) -> str | None:
        """None when `user` may run `sql` (it is rolled back either way), else the error."""
        result = subprocess.run([str(self.bin / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-tA",
                                 "-d", self.url(database, user), "-c", f"BEGIN; {sql}; ROLLBACK"],
                                capture_output=True, text=True)
        if result.returncode == 0:
            return None
        return next((ln for ln in result.stderr.splitlines() if ln.startswith(("ERROR", "FATAL"))),
                    result.stderr.strip() or "?")

    def close(self) -> None:
        if self.running:
            try:
                self.stop()
            except (RuntimeError, OSError):
                pass

    def describe(self) -> str:
        return f"a private PostgreSQL ({self.bin.parent.name}) on 127.0.0.1:{self.port}"


class SharedPostgres:
    """Fresh databases on the server the stack's URL names, dropped at the end; it is never
    stopped (others use it)."""

    can_stop = False
    database = ""

    def __init__(self, stack_url: str):
        self.stack_url = stack_url
        self.created: list[str] = []

    def up(self) -> None:
        if not shutil.which("psql"):
            raise RuntimeError("psql is not installed (scripts/stack.sh deps)")

    def url(self, database: str) -> str:
        return with_database(self.stack_url, database)

    def psql(self, database: str, sql: str) -> str:
        return subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-tA", "-d",
                               self.url(database), "-c", sql],
                              check=True, capture_output=True, text=True).stdout

    def create_database(self, name: str) -> str:
        name = f"{name}_check_{os.getpid()}"
        self.psql("postgres", f'DROP DATABASE IF EXISTS "{name}"')
        self.psql("postgres", f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return self.url(name)

    def close(self) -> None:
        for name in self.created:
            try:
                self.psql("postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except subprocess.CalledProcessError:
                pass

    def describe(self) -> str:
        import urllib.parse

        parts = urllib.parse.urlsplit(self.stack_url)
        return f"the stack's PostgreSQL on {parts.hostname}:{parts.port}"


class PrivateRedis:
    """A throwaway Redis for an HTTP service (the portal's sessions): redis-server on a free
    loopback port, its users those of the data tier's users.acl.template (each placeholder
    password made up here), so the service connects as its own ACL user, as in the cluster."""

    can_stop = True
    what = "Redis"
    TEMPLATE = REPO / "deploy" / "k8s" / "components" / "data-tier" / "users.acl.template"

    def __init__(self, binary: str, root: Path, svc: str):
        self.binary = binary
        self.root = root
        self.svc = svc
        self.port = free_port()
        self.log = LOGS / f"redis-{svc}.log"
        self.process: subprocess.Popen | None = None
        self.passwords: dict[str, str] = {}

    def up(self) -> None:
        LOGS.mkdir(parents=True, exist_ok=True)
        self.root.mkdir(parents=True)
        lines = []
        for line in self.TEMPLATE.read_text().splitlines():
            for user in re.findall(r"@([A-Z]+)_PASSWORD@", line):
                password = self.passwords.setdefault(user.lower(), os.urandom(16).hex())
                line = line.replace(f"@{user}_PASSWORD@", password)
            lines.append(line)
        if self.svc not in self.passwords:
            raise RuntimeError(f"{self.TEMPLATE.relative_to(REPO)} has no user {self.svc!r} "
                               f"(@{self.svc.upper()}_PASSWORD@): the service could not connect")
        (self.root / "users.acl").write_text("\n".join(lines) + "\n")
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--dir", str(self.root), "--aclfile", str(self.root / "users.acl"),
             "--logfile", str(self.log)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not port_busy(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start:\n{self.log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def url(self) -> str:
        return f"redis://{self.svc}:{self.passwords[self.svc]}@127.0.0.1:{self.port}/0"

    def close(self) -> None:
        try:
            self.stop()
        except (OSError, subprocess.TimeoutExpired):
            if self.process:
                self.process.kill()

    def describe(self) -> str:
        return (f"a private Redis on 127.0.0.1:{self.port}, users from "
                f"{self.TEMPLATE.relative_to(REPO)}, connected to as {self.svc!r}")


class SharedRedis:
    """The stack's Redis (no redis-server binary here): never stopped, others use it."""

    can_stop = False
    what = "Redis"

    def __init__(self, url: str):
        self._url = url

    def up(self) -> None:
        pass

    def url(self) -> str:
        return self._url

    def close(self) -> None:
        pass

    def describe(self) -> str:
        return "the stack's Redis (as its default user)"


def stack_redis_url() -> str | None:
    """A Redis URL of the local stack's (scripts/stack.sh env exports one per service)."""
    return next((v for k, v in sorted(os.environ.items())
                 if k.startswith("ONALTU_") and k.endswith("__CACHE__URL")), None)


def expected_migrations(svc: str) -> tuple[dict[str, str], list[str]]:
    """version -> migration directory for every migration services/<svc> embeds: its own
    migrations/ and each shared set its `migrations()` lists (`&onaltu_events::MIGRATIONS`, ...);
    and what could not be resolved."""
    lib = REPO / "services" / svc / "src" / "lib.rs"
    text = lib.read_text() if lib.is_file() else ""
    body = re.search(r"fn\s+migrations\s*\(\)[^{]*\{(.*?)\n\}", text, re.S)
    paths = re.findall(r"&\s*((?:\w+::)*)MIGRATIONS\b", body.group(1)) if body else [""]
    crates = {}
    for cargo in [*REPO.glob("shared/*/Cargo.toml"), *REPO.glob("services/*/Cargo.toml")]:
        m = re.search(r'^name\s*=\s*"([\w-]+)"', cargo.read_text(), re.M)
        if m:
            crates[m.group(1).replace("-", "_")] = cargo.parent
    found: dict[str, str] = {}
    unresolved = []
    for path in paths:
        segments = [p for p in path.split("::") if p]
        if not segments or segments[0] in ("crate", "self"):
            crate_dir, modules = REPO / "services" / svc, segments[1:]
        elif segments[0] in crates:
            crate_dir, modules = crates[segments[0]], segments[1:]
        else:
            unresolved.append(f"{path}MIGRATIONS")
            continue
        source = crate_dir / "src" / (("/".join(modules) + ".rs") if modules else "lib.rs")
        m = re.search(r'embed_migrations!\(\s*(?:"([^"]*)")?\s*\)', source.read_text()) \
            if source.is_file() else None
        directory = crate_dir / ((m.group(1) if m and m.group(1) else "migrations"))
        if not m or not directory.is_dir():
            unresolved.append(f"{path}MIGRATIONS ({source.relative_to(REPO)})")
            continue
        for migration in sorted(p for p in directory.iterdir() if p.is_dir()):
            found[migration.name.split("_", 1)[0].replace("-", "")] = str(migration.relative_to(REPO))
    return found, unresolved


def health_check_interval(config: dict) -> float:
    """Seconds between a server's checks of its database."""
    server = (config or {}).get("server") or {}
    if "health_check_interval_ms" in server:
        return float(server["health_check_interval_ms"]) / 1000
    source = REPO / "shared" / "server" / "src" / "lib.rs"
    m = re.search(r"health_check_interval_ms:\s*([\d_]+)\s*,", source.read_text()) if source.is_file() else None
    return int(m.group(1).replace("_", "")) / 1000 if m else DEFAULT_HEALTH_CHECK_INTERVAL_MS / 1000


# ---------------------------------------------------------------------------------------------


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
        # The fresh database the container's ONALTU_<SVC>__DATABASE__URL is pointed at.
        self.database_url: str | None = None
        # The Redis an HTTP service's ONALTU_<SVC>__CACHE__URL is pointed at.
        self.redis_url: str | None = None
        self.timings: dict[str, float] = {}
        self.prepared: list[str] | None = None
        # The environment the process was started with.
        self.env: dict[str, str] = {}
        # Where its metrics endpoint listens here ([telemetry] metrics_listen moved to a free port).
        self.metrics_port: int | None = None

    def fail(self, message: str) -> None:
        self.problems.append(f"{self.name}: {message}")

    def host_path(self, path: str) -> Path:
        return self.root / path.lstrip("/")

    def prepare(self) -> list[str] | None:
        """Lays out the root, returns the command (None when the binary is missing); once."""
        if self.prepared is None:
            self.prepared = self.lay_out()
        return self.prepared

    def lay_out(self) -> list[str] | None:
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

    def signing_key(self) -> Path:
        """The pod's throwaway RSA key: *.pem secrets hold its public half, tokens are signed
        with it."""
        key = self.root.parent / f"{self.root.name}.key"
        if not key.is_file():
            key.write_bytes(subprocess.run(["openssl", "genrsa", "2048"], check=True,
                                           capture_output=True).stdout)
        return key

    def certificate_of(self, secret: str) -> dict | None:
        """The rendered cert-manager Certificate whose Secret is `secret`."""
        return next((o for o in self.objects if o.get("kind") == "Certificate"
                     and str(o.get("apiVersion", "")).startswith("cert-manager.io/")
                     and (o.get("spec") or {}).get("secretName") == secret), None)

    def run_ca(self) -> Path:
        """The directory of this run's CA (ca.crt, ca.key), made with openssl on first use."""
        directory = self.root.parent / "tls-ca"
        with CA_LOCK:
            if not (directory / "ca.crt").is_file():
                directory.mkdir(exist_ok=True)
                subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                                "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                                "-subj", "/CN=onaltu run-pods CA",
                                "-addext", "basicConstraints=critical,CA:TRUE",
                                "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                                "-keyout", str(directory / "ca.key"), "-out", str(directory / "ca.crt")],
                               check=True, capture_output=True)
        return directory

    def issued(self, secret: str, certificate: dict) -> Path:
        """tls.crt, tls.key and ca.crt as cert-manager would write them for `certificate`."""
        directory = self.root.parent / f"tls-{secret}"
        with CA_LOCK:
            if (directory / "tls.crt").is_file():
                return directory
        ca = self.run_ca()
        directory.mkdir(exist_ok=True)
        spec = certificate.get("spec") or {}
        names = [*(spec.get("dnsNames") or []), *([spec["commonName"]] if spec.get("commonName") else [])]
        sans = ",".join([*(f"DNS:{n}" for n in dict.fromkeys(names)), "IP:127.0.0.1"])
        usages = {"server auth": "serverAuth", "client auth": "clientAuth"}
        eku = ",".join(usages[u] for u in spec.get("usages") or [] if u in usages) or "serverAuth,clientAuth"
        extensions = directory / "extensions.cnf"
        extensions.write_text(f"subjectAltName={sans}\nextendedKeyUsage={eku}\n"
                              f"keyUsage=critical,digitalSignature,keyEncipherment\n")
        subprocess.run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-subj", f"/CN={spec.get('commonName') or names[0]}",
                        "-keyout", str(directory / "tls.key"), "-out", str(directory / "tls.csr")],
                       check=True, capture_output=True)
        subprocess.run(["openssl", "x509", "-req", "-in", str(directory / "tls.csr"), "-days", "1",
                        "-CA", str(ca / "ca.crt"), "-CAkey", str(ca / "ca.key"), "-set_serial",
                        str(int.from_bytes(os.urandom(8), "big")), "-extfile", str(extensions),
                        "-out", str(directory / "tls.crt")],
                       check=True, capture_output=True)
        shutil.copyfile(ca / "ca.crt", directory / "ca.crt")
        return directory

    def secret_file(self, name: str, key: str) -> bytes:
        certificate = self.certificate_of(name)
        if certificate is not None and key in manifests.CERTIFICATE_SECRET_KEYS:
            self.notes.append(f"secret {name}/{key}: as cert-manager issues it for "
                              f"{manifests.ref(certificate)}, signed by this run's CA")
            return (self.issued(name, certificate) / key).read_bytes()
        if key.endswith("token"):
            return self.token(name, key).encode()
        if key.endswith(".pem"):
            public = subprocess.run(["openssl", "rsa", "-pubout", "-in", str(self.signing_key())],
                                    check=True, capture_output=True).stdout
            self.notes.append(f"secret {name}/{key}: a fresh RSA public key")
            return public
        self.notes.append(f"secret {name}/{key}: a placeholder")
        return PLACEHOLDER.encode()

    def token(self, secret: str, key: str) -> str:
        """An RS256 INTEGRATION token for a `*-token` secret key, with the subject deploy/README.md
        gives it (`<an RS256 INTEGRATION token with sub service:rating>`), service:<svc> else, and
        the config's [auth] issuer and audience: what the server checks its own token for at
        start-up (it cannot verify the signature; the pod's key signs it all the same)."""
        import base64
        import json

        readme = (REPO / "deploy" / "README.md").read_text()
        joined = re.sub(r"\\\n", " ", readme)
        line = next((ln for ln in joined.splitlines()
                     if re.search(rf"create\s+secret\s+generic\s+{re.escape(secret)}\b", ln)), "")
        m = re.search(rf"--from-literal={re.escape(key)}='?<[^>]*\bsub\s+([^\s>]+)>", line)
        now = int(time.time())
        claims = {"sub": m.group(1) if m else f"service:{self.svc}", "role": "INTEGRATION",
                  "iat": now, "exp": now + 3600}
        auth = (manifests.effective_config(self.svc, self.container, self.project)[1] or {}).get("auth") or {}
        for claim, setting in (("iss", "issuer"), ("aud", "audience")):
            if auth.get(setting):
                claims[claim] = auth[setting]

        def b64(data: bytes) -> str:
            return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

        signed = b64(json.dumps({"alg": "RS256", "typ": "JWT"}).encode()) + "." + b64(json.dumps(claims).encode())
        signature = subprocess.run(["openssl", "dgst", "-sha256", "-sign", str(self.signing_key())],
                                   input=signed.encode(), check=True, capture_output=True).stdout
        self.notes.append(f"secret {secret}/{key}: an RS256 INTEGRATION token for sub {claims['sub']}, "
                          f"signed with the pod's throwaway key")
        return f"{signed}.{b64(signature)}"

    def environment(self) -> dict[str, str]:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self.root)}
        if self.project.image_env:
            env["ONALTU_ENV"] = self.project.image_env  # the Dockerfile's ENV, if it sets one
        env["ONALTU_CONFIG_DIR"] = str(self.host_path(self.project.config_dir.format(svc=self.svc)))
        for var in self.container.get("env") or []:
            name = var["name"]
            if "value" in var:
                env[name] = str(var["value"])
            elif "secretKeyRef" in (var.get("valueFrom") or {}):
                ref = var["valueFrom"]["secretKeyRef"]
                if self.database_url and name == self.database_var():
                    env[name] = self.database_url
                    self.notes.append(f"env {name} ({ref['name']}/{ref['key']}): the fresh database "
                                      f"{self.database_url}")
                elif self.redis_url and name == f"ONALTU_{self.svc.upper()}__CACHE__URL":
                    env[name] = self.redis_url
                    self.notes.append(f"env {name} ({ref['name']}/{ref['key']}): the run's Redis")
                elif name in os.environ:
                    env[name] = os.environ[name]
                    self.notes.append(f"env {name} ({ref['name']}/{ref['key']}): the local stack's")
                elif ref["key"].endswith("token"):
                    env[name] = self.token(ref["name"], ref["key"])
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
        for key in ("listen", "health_listen"):
            if key in server:
                env[prefix + "SERVER__" + key.upper()] = "127.0.0.1:" + str(server[key]).rsplit(":", 1)[1]
        if ((config or {}).get("telemetry") or {}).get("metrics_listen"):
            # Every pod has the same metrics port; side by side here, each gets a free one.
            self.metrics_port = free_port()
            env[prefix + "TELEMETRY__METRICS_LISTEN"] = f"127.0.0.1:{self.metrics_port}"
        for section, key, url in manifests.upstreams(config or {}):
            local = self.local_upstream(url)
            if local:
                env[prefix + "__".join([*section.split("."), key]).upper()] = local
                node = config
                for part in section.split("."):
                    node = node.get(part) or {}
                if url.startswith("https://") and isinstance(node.get("tls"), dict) \
                        and not node["tls"].get("domain_name"):
                    # The certificate names the Service, not 127.0.0.1's stand-in.
                    host = url.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)[0]
                    env[prefix + "__".join([*section.split("."), "tls", "domain_name"]).upper()] = host
        return env

    def database_var(self) -> str:
        return f"ONALTU_{self.svc.upper()}__DATABASE__URL"

    def declares_database(self) -> bool:
        return any(v.get("name") == self.database_var() for v in self.container.get("env") or [])

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

    def start(self, log: Path | None = None) -> bool:
        command = self.prepare()
        if command is None:
            return False
        self.log = log or self.log
        env = self.env = self.environment()
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

    def run_to_completion(self, log: Path | None = None) -> bool:
        if not self.start(log):
            return False
        deadline = (self.obj.get("spec") or {}).get("activeDeadlineSeconds", 600)
        try:
            code = self.process.wait(timeout=deadline)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            self.fail(f"still running after activeDeadlineSeconds={deadline}\n{self.log_tail()}")
            return False
        finally:
            self.logfile.close()
        if code != 0:
            self.fail(f"exited {code}\n{self.log_tail()}")
            return False
        return True

    def applied_versions(self) -> list[str] | None:
        """The versions the migrate command reported (`applied N migration(s): v1, v2`)."""
        m = re.search(r"applied (\d+) migration\(s\):(.*)$", self.log.read_text(errors="replace"), re.M)
        if not m:
            return None
        return [v.strip() for v in m.group(2).split(",") if v.strip()]

    def migrate_fresh(self, server) -> None:
        """The Job against an empty database: it completes, every embedded migration is recorded
        as the Job reported, and a retry applies nothing and completes too."""
        started = time.monotonic()
        if not self.run_to_completion():
            return
        self.timings["job"] = time.monotonic() - started
        reported = self.applied_versions()
        recorded = server.psql(server.database,
                               "SELECT version FROM __diesel_schema_migrations ORDER BY version").split()
        expected, unresolved = expected_migrations(self.svc)
        for what in unresolved:
            self.notes.append(f"cannot tell which migrations {what} holds; not checked")
        missing = sorted(set(expected) - set(recorded))
        if missing:
            self.fail(f"on a fresh database, these migrations were not applied: "
                      f"{', '.join(expected[v] for v in missing)}\n{self.log_tail()}")
        if reported is None:
            self.fail(f"did not report what it applied ('applied N migration(s): ...')\n{self.log_tail()}")
        elif sorted(reported) != sorted(recorded):
            self.fail(f"reported {sorted(reported)}, but __diesel_schema_migrations holds {recorded}")
        self.notes.append(f"migrated a fresh database in {self.timings['job']:.1f} s: "
                          f"{len(recorded)} migration(s) recorded, {len(expected)} expected "
                          f"({len({str(Path(d).parent) for d in expected.values()})} set(s))")
        # A retry (backoffLimit) or the next release's Job finds nothing to do.
        started = time.monotonic()
        if self.run_to_completion(self.log.with_suffix(".retry.log")):
            again = self.applied_versions()
            if again is None:
                self.fail(f"run again, it did not report what it applied\n{self.log_tail()}")
            elif again:
                self.fail(f"run again, it applied {again} once more")
            else:
                self.notes.append(f"run again: nothing to apply, exit 0 ({time.monotonic() - started:.1f} s)")

    # -- a Deployment ----------------------------------------------------------------------

    def probe_readiness(self) -> tuple[bool, str]:
        try:
            return probe_once(self.container.get("readinessProbe") or {}, self.container.get("ports") or [])
        except UnknownService as err:
            return False, str(err)

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

    def serve_and_probe(self, server) -> None:
        started = time.monotonic()
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
            self.timings["ready"] = time.monotonic() - started
            if not self.scrape_metrics():
                return
            if not self.grpc_port_requires_mutual_tls():
                return
            if server.can_stop and not self.dependency_outage(server):
                return
            self.stop_gracefully()
        finally:
            if self.process and self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self.logfile.close()

    def scrape_metrics(self) -> bool:
        """GET /metrics on the metrics port, as Prometheus would: the text format, the pod's
        service in target_info and its database pool. False when it fails."""
        import urllib.request

        port = self.metrics_port
        if port is None:
            return True
        url = f"http://127.0.0.1:{port}/metrics"
        try:
            with urllib.request.urlopen(url, timeout=5) as reply:
                kind, body = reply.headers.get("content-type", ""), reply.read().decode()
        except OSError as err:
            hint = ""
            if isinstance(getattr(err, "reason", err), ConnectionRefusedError):
                hint = (" (nothing listens where [telemetry] metrics_listen says: the binary must "
                        "start onaltu_telemetry::Metrics, as shared/service does for the services)")
            self.fail(f"metrics: {url}: {err}{hint}\n{self.log_tail()}")
            return False
        wanted = [f'service_name="onaltu-{self.svc}"']
        if self.declares_database():
            wanted.append("db_client_connection_max{")
        missing = [w for w in wanted if w not in body]
        if not kind.startswith("text/plain") or missing:
            self.fail(f"metrics: {url} answered {kind!r} without {missing}:\n{body[:2000]}")
            return False
        series = sum(1 for line in body.splitlines() if line and not line.startswith("#"))
        self.notes.append(f"metrics: GET /metrics on the metrics port (here {port}): {series} series")
        return True

    def grpc_port_requires_mutual_tls(self) -> bool:
        """With [server.tls] on: health asked on the gRPC port over mutual TLS with the pod's
        own certificate answers SERVING; in clear, or over TLS without a client certificate
        (when the server requires one), it is refused. False when a step failed."""
        import grpc
        from grpc_health.v1 import health_pb2, health_pb2_grpc

        _, config = manifests.effective_config(self.svc, self.container, self.project)
        server = (config or {}).get("server") or {}
        tls = server.get("tls")
        if not isinstance(tls, dict) or "listen" not in server:
            return True
        port = str(server["listen"]).rsplit(":", 1)[1]
        service = next(iter(sorted(self.project.health_names.get(self.svc) or {""})))
        files = {k: Path(self.env.get(f"ONALTU_{self.svc.upper()}__SERVER__TLS__{k.upper()}",
                                      tls.get(k) or "")) for k in ("cert_path", "key_path", "client_ca_path")}
        ca = files["client_ca_path"].read_bytes() if tls.get("client_ca_path") else None
        if ca is None:
            self.notes.append("[server.tls] without client_ca_path: the gRPC port is not checked for mutual TLS")
            return True
        cert, key = files["cert_path"].read_bytes(), files["key_path"].read_bytes()
        target = f"127.0.0.1:{port}"
        options = [("grpc.ssl_target_name_override", self.svc)]

        def check(channel) -> str:
            with channel:
                try:
                    reply = health_pb2_grpc.HealthStub(channel).Check(
                        health_pb2.HealthCheckRequest(service=service), timeout=5)
                except grpc.RpcError as err:
                    return f"refused ({err.code().name})"
            return health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)

        mutual = check(grpc.secure_channel(target, grpc.ssl_channel_credentials(ca, key, cert), options))
        anonymous = check(grpc.secure_channel(target, grpc.ssl_channel_credentials(ca), options))
        clear = check(grpc.insecure_channel(target))
        ok = mutual == "SERVING" and anonymous.startswith("refused") and clear.startswith("refused")
        said = (f"gRPC port {port}: health over mutual TLS with the pod's certificate {mutual}; "
                f"over TLS without a client certificate {anonymous}; in clear {clear}")
        if ok:
            self.notes.append(said)
        else:
            self.fail(f"{said}: expected SERVING, refused, refused\n{self.log_tail()}")
        return ok

    def await_readiness(self, probe: dict, serving: bool, budget: float,
                        started: float) -> tuple[float | None, str]:
        """Asks the readiness probe every POLL_SECONDS until it passes (serving) or fails (not
        serving): the seconds that took since `started`, or None when the budget ran out or the
        process exited."""
        last = ""
        while time.monotonic() - started < budget:
            if self.exited():
                return None, f"the process exited ({self.process.returncode})"
            try:
                ok, last = probe_once(probe, self.container.get("ports") or [])
            except UnknownService as err:
                ok, last = False, str(err)
            if ok == serving:
                return time.monotonic() - started, last
            time.sleep(POLL_SECONDS)
        return None, last

    def dependency_outage(self, server) -> bool:
        """Stops the database (an HTTP service's: its Redis): readiness must fail in time while
        the process lives on and liveness passes; starts it again: readiness must pass again.
        False when a step failed."""
        what = getattr(server, "what", "database")
        probe = self.container.get("readinessProbe")
        if not probe:
            self.notes.append(f"no readinessProbe: the {what} outage is not checked")
            return True
        period, threshold = probe.get("periodSeconds", 10), probe.get("failureThreshold", 3)
        if self.project.is_http(self.svc):
            # Readiness asks the dependency on every request (the portal's /readyz: PING).
            interval = probe.get("timeoutSeconds", 1)
            explain = (f"failureThreshold {threshold} x periodSeconds {period} s + "
                       f"timeoutSeconds {interval}")
        else:
            interval = health_check_interval(manifests.effective_config(self.svc, self.container, self.project)[1])
            explain = (f"failureThreshold {threshold} x periodSeconds {period} s + "
                       f"health_check_interval_ms {interval * 1000:g}")
        budget = threshold * period + interval
        stopped = time.monotonic()
        server.stop()
        took, last = self.await_readiness(probe, False, budget, stopped)
        if took is None:
            self.fail(f"{what} stopped: readiness still passing after {budget:g} s ({explain}): {last}; "
                      f"the Service would keep sending calls to a pod that cannot serve them\n{self.log_tail()}")
            server.start()
            return False
        self.timings["unready"] = took
        liveness = self.container.get("livenessProbe")
        alive, said = probe_once(liveness, self.container.get("ports") or []) if liveness else (True, "none")
        if not alive:
            self.fail(f"{what} stopped: the livenessProbe fails too ({said}): the kubelet would "
                      f"restart every replica during a {what} outage\n{self.log_tail()}")
        restarted = time.monotonic()
        server.start()
        back, last_back = self.await_readiness(probe, True, budget, restarted)
        if back is None:
            self.fail(f"{what} back: readiness still failing after {budget:g} s ({explain}): {last_back}"
                      f"\n{self.log_tail()}")
            return False
        self.timings["ready again"] = back
        how = "pg_ctl stop -m fast" if what == "database" else "SIGTERM"
        self.notes.append(f"{what} stopped ({how}): {last} after {took:.1f} s (budget "
                          f"{budget:g} s = {explain}); liveness meanwhile: {said}; {what} started: "
                          f"ready again after {back:.1f} s")
        return alive

    def stop_gracefully(self) -> None:
        grace = self.template["spec"].get("terminationGracePeriodSeconds", manifests.DEFAULT_GRACE_SECONDS)
        started = time.monotonic()
        pause = manifests.prestop_sleep(self.container)
        if pause:
            # The kubelet runs the preStop sleep first, within the grace period; the pod keeps
            # serving meanwhile.
            time.sleep(pause)
            if self.process.poll() is not None:
                self.fail(f"exited ({self.process.returncode}) during the preStop sleep\n{self.log_tail()}")
                return
            ok, last = self.probe_readiness() if self.container.get("readinessProbe") else (True, "no probe")
            if not ok:
                self.fail(f"not ready during the preStop sleep, before any SIGTERM: {last}")
            self.notes.append(f"preStop sleep {pause:g} s: still serving ({last}); then SIGTERM")
        self.process.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        readiness = self.container.get("readinessProbe")
        unready = readiness is None
        while time.monotonic() - started < grace:
            if self.process.poll() is not None:
                if self.project.is_http(self.svc) and not unready:
                    # An HTTP server stops accepting at SIGTERM: gone is unready, and the preStop
                    # sleep already took it out of the endpoints.
                    unready = True
                    self.notes.append(f"exited before the next readiness probe: its port closed "
                                      f"at SIGTERM")
                break
            if not unready:
                try:
                    ok, last = probe_once(readiness, self.container.get("ports") or [])
                except UnknownService as err:
                    ok, last = False, str(err)
                if not ok:
                    unready = True
                    self.notes.append(f"unready {time.monotonic() - signalled:.1f} s after SIGTERM: {last}")
            time.sleep(0.2)
        if self.process.poll() is None:
            self.fail(f"still running {grace} s (terminationGracePeriodSeconds) after SIGTERM; "
                      f"the kubelet would SIGKILL it\n{self.log_tail()}")
            return
        took = time.monotonic() - started
        self.timings["drain"] = took
        if not unready:
            self.fail("readiness never failed between SIGTERM and exit: the endpoints would keep it")
        paused = f", {pause:g} s of preStop sleep before it" if pause else ""
        self.notes.append(f"exited {self.process.returncode} {time.monotonic() - signalled:.1f} s after "
                          f"SIGTERM{paused} (grace {grace} s)")
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


class ServiceRun:
    """One service, start to end: its own database, its Job(s), then its Deployment(s)."""

    def __init__(self, svc: str, jobs: list[Pod], deployments: list[Pod], server):
        self.svc = svc
        self.jobs = jobs
        self.deployments = deployments
        self.server = server
        self.problems: list[str] = []
        self.notes: list[str] = []
        self.took = 0.0

    def run(self) -> None:
        started = time.monotonic()
        try:
            self.run_steps()
        except Exception as err:  # a thread's error must reach the report
            self.problems.append(f"{self.svc}: {type(err).__name__}: {err}")
        finally:
            try:
                self.server.close()
            finally:
                self.took = time.monotonic() - started

    def run_steps(self) -> None:
        step = time.monotonic()
        self.server.up()
        url = self.server.create_database(f"onaltu_{self.svc}")
        self.server.database = url.rsplit("/", 1)[1]
        self.notes.append(f"{self.server.describe()}, database {self.server.database} "
                          f"({time.monotonic() - step:.1f} s)")
        pods = self.jobs + self.deployments
        owner_url = app_url = url
        split = hasattr(self.server, "create_roles")
        if split:
            owner_url, app_url = self.server.create_roles(self.server.database, self.svc)
            self.notes.append(f"roles {self.svc}_owner (the Jobs: schema owner) and {self.svc}_app "
                              f"(the Deployments: SELECT/INSERT/UPDATE/DELETE, sequence USAGE)")
        else:
            self.notes.append("the stack's server: Jobs and Deployments share its role (the "
                              "owner/serving split is tried only on a private PostgreSQL)")
        for pod in self.jobs:
            pod.database_url = owner_url
        for pod in self.deployments:
            pod.database_url = app_url
        for pod in pods:
            if not pod.declares_database():
                pod.fail(f"has no {pod.database_var()} variable: cannot point it at the fresh database")
        if any(p.problems for p in pods):
            return
        if not self.jobs:
            for d in self.deployments:
                d.fail("no migration Job for this service: it would start on an empty database")
            return
        for job in self.jobs:
            job.migrate_fresh(self.server)
        if any(j.problems for j in self.jobs):
            return
        if split:
            self.serving_role_is_least(f"{self.svc}_app")
            if self.problems:
                return
        for deployment in self.deployments:
            deployment.serve_and_probe(self.server)

    def serving_role_is_least(self, app: str) -> None:
        """After the migrations: the serving role reads and writes the owner's tables, but
        cannot create, alter or drop any (the Deployments then prove it suffices to serve)."""
        db = self.server.database
        tables = self.server.psql(db, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' "
                                      f"AND NOT has_table_privilege('{app}', format('%I.%I', schemaname, tablename), "
                                      "'SELECT,INSERT,UPDATE,DELETE')").strip()
        if tables != "0":
            self.problems.append(f"{self.svc}: {app} lacks SELECT/INSERT/UPDATE/DELETE on {tables} "
                                 f"table(s) the migrations made: default privileges not granted by the owner?")
        for what, sql in (("CREATE TABLE", "CREATE TABLE onaltu_run_pods_probe (id int)"),
                          ("ALTER TABLE", "ALTER TABLE __diesel_schema_migrations ADD COLUMN probe int"),
                          ("DROP TABLE", "DROP TABLE __diesel_schema_migrations")):
            error = self.server.refused(db, app, sql)
            if error is None:
                self.problems.append(f"{self.svc}: the serving role {app} may {what}: it must only "
                                     f"read and write rows")
            elif "permission denied" not in error and "must be owner" not in error:
                self.problems.append(f"{self.svc}: {what} as {app} failed, but not for want of "
                                     f"privilege: {error}")
        if not self.problems:
            self.notes.append(f"{app}: rows of every table yes; CREATE, ALTER and DROP TABLE refused")


class HttpServiceRun:
    """An HTTP service (the portal), start to end: no database and no Job; its own Redis (a
    private one with the data tier's ACL users, else the stack's), then its Deployment(s) with
    their probes, the Redis outage and the stop."""

    def __init__(self, svc: str, deployments: list[Pod], root: Path):
        self.svc = svc
        self.jobs: list[Pod] = []
        self.deployments = deployments
        self.problems: list[str] = []
        self.notes: list[str] = []
        self.took = 0.0
        binary = shutil.which("redis-server")
        self.server = PrivateRedis(binary, root / f"redis-{svc}", svc) if binary else None

    def run(self) -> None:
        started = time.monotonic()
        try:
            self.run_steps()
        except Exception as err:  # a thread's error must reach the report
            self.problems.append(f"{self.svc}: {type(err).__name__}: {err}")
        finally:
            try:
                if self.server is not None:
                    self.server.close()
            finally:
                self.took = time.monotonic() - started

    def run_steps(self) -> None:
        if self.server is None:
            url = os.environ.get(f"ONALTU_{self.svc.upper()}__CACHE__URL") or stack_redis_url()
            if not url:
                self.problems.append(f"{self.svc}: no redis-server here and no Redis URL in the "
                                     f"environment (scripts/stack.sh env)")
                return
            self.server = SharedRedis(url)
            self.notes.append("no redis-server here: the stack's Redis, and the Redis outage is NOT tried")
        self.server.up()
        self.notes.append(self.server.describe())
        for pod in self.deployments:
            cache_var = f"ONALTU_{self.svc.upper()}__CACHE__URL"
            if not any(v.get("name") == cache_var for v in pod.container.get("env") or []):
                pod.fail(f"has no {cache_var} variable: cannot point it at a Redis")
                continue
            pod.redis_url = self.server.url()
            pod.serve_and_probe(self.server)


def main(rendered: dict[str, list[dict]], project: Project) -> int:
    label, objects = next(iter(rendered.items()))
    if not any(k.endswith("__DATABASE__URL") for k in os.environ):
        print("[run-pods] the local stack's URLs are not set: eval \"$(scripts/stack.sh env)\" first",
              file=sys.stderr)
        return 2
    started = time.monotonic()
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

        jobs, deployments = pods("Job"), pods("Deployment")
        busy = [(d.name, p["containerPort"]) for d in deployments
                for p in d.container.get("ports") or [] if port_busy(p["containerPort"])]
        if busy:
            # A developer's `make run` holds them; CI never does, so there the pods always run.
            print(f"[run-pods] SKIPPED: ports in use (is `make run` up? `make stop` first): {busy}",
                  file=sys.stderr)
            return 0
        bin_dir = pg_bin()
        if bin_dir is None:
            print("[run-pods] no PostgreSQL binaries (initdb) here: fresh databases on the stack's server, "
                  "and the database outage is NOT checked", file=sys.stderr)
        runs: list = []
        for svc in sorted({d.svc for d in deployments if project.is_http(d.svc)}):
            runs.append(HttpServiceRun(svc, [d for d in deployments if d.svc == svc], root))
        for svc in sorted({p.svc for p in jobs + deployments} - set(project.http_routes)):
            if bin_dir is not None:
                server = PrivatePostgres(bin_dir, root / f"postgres-{svc}", svc)
            else:
                stack_url = os.environ.get(f"ONALTU_{svc.upper()}__DATABASE__URL")
                if not stack_url:
                    problems.append(f"{label}: {svc}: ONALTU_{svc.upper()}__DATABASE__URL is not set")
                    continue
                server = SharedPostgres(stack_url)
            runs.append(ServiceRun(svc, [j for j in jobs if j.svc == svc],
                                   [d for d in deployments if d.svc == svc], server))
        print(f"[run-pods] {label}: {', '.join(r.svc for r in runs)}, side by side: "
              f"{'fresh database, ' + ', '.join(j.name for j in jobs) + ', then ' if jobs else ''}"
              f"{', '.join(d.name for d in deployments)}", file=sys.stderr)
        threads = [threading.Thread(target=r.run) for r in runs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for run in runs:
            for note in run.notes:
                print(f"[run-pods] {run.svc}: {note}", file=sys.stderr)
            for pod in run.jobs + run.deployments:
                for note in dict.fromkeys(pod.notes):  # a Job run twice notes its env twice
                    print(f"[run-pods] {pod.name}: {note}", file=sys.stderr)
                problems += [f"{label}: {p}" for p in pod.problems]
            problems += [f"{label}: {p}" for p in run.problems]
        for run in runs:
            timings = [f"{k} {v:.1f} s" for pod in run.jobs + run.deployments for k, v in pod.timings.items()]
            print(f"[run-pods] {run.svc}: {run.took:.1f} s ({', '.join(timings) or 'stopped early'})",
                  file=sys.stderr)
    for p in problems:
        print(p)
    took = time.monotonic() - started
    if problems:
        print(f"[run-pods] {len(problems)} problem(s) in {took:.1f} s; logs in {LOGS.relative_to(REPO)}/",
              file=sys.stderr)
        return 1
    outage = ("lost and regained readiness with their database (an HTTP service's: its Redis), "
              if bin_dir is not None else "(a database outage NOT tried: no PostgreSQL binaries here), ")
    print(f"[run-pods] {label}: {len(jobs)} Jobs migrated fresh databases; {len(deployments)} Deployments "
          f"passed their startup, readiness and liveness probes, {outage}and stopped within their grace "
          f"periods ({took:.1f} s)")
    return 0
