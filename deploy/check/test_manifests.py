"""Shows that deploy/check/manifests.py catches a wrong name: each test renders the overlays (or
takes the rendered objects), breaks one thing, and expects the checker to name the object and the
field. The untouched overlays must check clean.

The same for deploy/check/lint.py (`manifests.py --lint`): LintExceptions needs nothing more,
LintTools needs checkov and kubernetes-validate, so only `manifests.py --lint --self-test`
(`make lint`, which installs them) runs it; elsewhere it is skipped.

    .data/venv/bin/python -m unittest discover -s deploy/check -p 'test_*.py'
    .data/venv/bin/python deploy/check/manifests.py --self-test
    .data/venv/bin/python deploy/check/manifests.py --lint --self-test
"""

from __future__ import annotations

import copy
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import lint  # noqa: E402
import manifests  # noqa: E402
import yaml  # noqa: E402
from manifests import REPO, Project, check, render  # noqa: E402

OVERLAYS_DIR = REPO / "deploy" / "k8s" / "overlays"
# Set by `manifests.py --lint --self-test` once the lint tools are installed.
LINT_TOOLS = False


def find(objects: list[dict], kind: str, name: str) -> dict:
    for obj in objects:
        if obj.get("kind") == kind and obj["metadata"]["name"] == name:
            return obj
    raise KeyError(f"{kind}/{name} is not rendered")


def container(objects: list[dict], kind: str, name: str) -> dict:
    return manifests.pod_template(find(objects, kind, name))["spec"]["containers"][0]


def env_var(c: dict, name: str) -> dict:
    return next(v for v in c["env"] if v["name"] == name)


class RenderedOverlays(unittest.TestCase):
    """The rendered overlays, rendered once; each test breaks a deep copy."""

    rendered: dict[str, list[dict]] = {}
    project: Project

    @classmethod
    def setUpClass(cls) -> None:
        cls.kubectl = manifests.find_kubectl()
        cls.project = Project.from_repo()
        if not cls.rendered:
            for name in manifests.OVERLAYS:
                RenderedOverlays.rendered[name] = render(OVERLAYS_DIR / name, cls.kubectl)

    def objects(self, overlay: str = "production") -> list[dict]:
        return copy.deepcopy(self.rendered[overlay])

    def assertReports(self, objects: list[dict], where: str, field: str, message: str = "",
                      project: Project | None = None, overlay: str = "production") -> None:
        """Some problem names the object `where` (Kind/name) and contains `field` and `message`."""
        problems = check(objects, project or self.project, overlay)
        hits = [p for p in problems
                if p.where == f"{overlay}: {where}" and field in p.field and message in p.message]
        self.assertTrue(hits, f"expected a problem at {where} {field!r} {message!r}; got:\n"
                        + "\n".join(map(str, problems)))


class CurrentManifests(RenderedOverlays):
    def test_both_overlays_check_clean(self) -> None:
        for overlay in manifests.OVERLAYS:
            with self.subTest(overlay=overlay):
                problems = check(self.objects(overlay), self.project, overlay)
                self.assertEqual([], [str(p) for p in problems])

    def test_every_deployment_is_checked(self) -> None:
        """The checks see the four services (a rename in the image would make them skip)."""
        for svc in ("registry", "feedback", "rating", "transport"):
            objects = self.objects()
            deployment = find(objects, "Deployment", svc)
            c = manifests.pod_template(deployment)["spec"]["containers"][0]
            self.assertEqual(svc, manifests.service_of(deployment, c, self.project))
            self.assertIn(f"onaltu.{svc}.v1.", " ".join(self.project.health_names[svc]))

    def test_the_portal_is_checked_as_an_http_service(self) -> None:
        """No proto, so no gRPC names: it is known by its config and its routes instead."""
        objects = self.objects()
        deployment = find(objects, "Deployment", "portal")
        c = manifests.pod_template(deployment)["spec"]["containers"][0]
        self.assertEqual("portal", manifests.service_of(deployment, c, self.project))
        self.assertTrue(self.project.is_http("portal"))
        self.assertNotIn("portal", self.project.health_names)
        self.assertLessEqual({"/readyz", "/healthz"}, self.project.http_routes["portal"])
        self.assertIn("production", self.project.configs["portal"])


class BrokenProbe(RenderedOverlays):
    def test_probe_names_another_services_health(self) -> None:
        """The bug this check was written for: rating probed the feedback service's name."""
        objects = self.objects()
        c = container(objects, "Deployment", "rating")
        c["readinessProbe"]["grpc"]["service"] = "onaltu.rating.v1.FeedbackService"
        self.assertReports(objects, "Deployment/rating", "readinessProbe.grpc.service",
                           "'onaltu.rating.v1.FeedbackService' is not a health service")

    def test_probe_names_a_service_of_another_package(self) -> None:
        objects = self.objects("development")
        c = container(objects, "Deployment", "transport")
        c["startupProbe"]["grpc"]["service"] = "onaltu.registry.v1.RegistryService"
        self.assertReports(objects, "Deployment/transport", "startupProbe.grpc.service",
                           "RegistryService", overlay="development")

    def test_probe_port_not_declared(self) -> None:
        objects = self.objects()
        container(objects, "Deployment", "feedback")["startupProbe"]["grpc"]["port"] = 50051
        self.assertReports(objects, "Deployment/feedback", "startupProbe.grpc.port",
                           "50051 is not a declared containerPort")

    def test_probe_named_port_not_declared(self) -> None:
        objects = self.objects()
        container(objects, "Deployment", "registry")["livenessProbe"]["tcpSocket"]["port"] = "gprc"
        self.assertReports(objects, "Deployment/registry", "livenessProbe.tcpSocket.port",
                           "'gprc' is not a named containerPort")

    def test_proto_service_renamed(self) -> None:
        """Renaming the service in the proto leaves the probes asking for the old name."""
        project = copy.deepcopy(self.project)
        project.health_names["registry"] = {"onaltu.registry.v1.PersonRegistry"}
        self.assertReports(self.objects(), "Deployment/registry", "readinessProbe.grpc.service",
                           "onaltu.registry.v1.PersonRegistry", project=project)


class BrokenPorts(RenderedOverlays):
    def test_container_port_changed(self) -> None:
        """The container moves to another port: the config's listen and the Service disagree."""
        objects = self.objects()
        container(objects, "Deployment", "registry")["ports"][0]["containerPort"] = 50071
        self.assertReports(objects, "Deployment/registry", "containers[registry].ports",
                           "listen = '0.0.0.0:50051'")

    def test_health_port_changed(self) -> None:
        """The health port moves: the probes and the config's health_listen disagree."""
        objects = self.objects()
        health = container(objects, "Deployment", "rating")["ports"][1]
        self.assertEqual("health", health["name"])
        health["containerPort"] = 50073
        self.assertReports(objects, "Deployment/rating", "readinessProbe.grpc.port",
                           "50063 is not a declared containerPort")
        self.assertReports(objects, "Deployment/rating", "containers[rating].ports",
                           "health_listen = '0.0.0.0:50063'")


class BrokenHealthPort(RenderedOverlays):
    """The kubelet's grpc probes speak plaintext: with [server.tls] on, only the health port
    (health_listen) answers them."""

    def test_grpc_probe_on_the_tls_port(self) -> None:
        objects = self.objects()
        container(objects, "Deployment", "feedback")["startupProbe"]["grpc"]["port"] = 50052
        self.assertReports(objects, "Deployment/feedback", "startupProbe.grpc.port",
                           "50052 is the gRPC port, which [server.tls] puts behind TLS")

    def test_grpc_probe_on_the_grpc_port_without_tls(self) -> None:
        """The development overlay has no TLS: the gRPC port answers probes in plaintext too."""
        objects = self.objects("development")
        container(objects, "Deployment", "feedback")["readinessProbe"]["grpc"]["port"] = 50052
        problems = check(objects, self.project, "development")
        self.assertEqual([], [str(p) for p in problems])

    def test_health_listen_dropped_from_production_toml(self) -> None:
        project = copy.deepcopy(self.project)
        del project.configs["registry"]["production"]["server"]["health_listen"]
        self.assertReports(self.objects(), "Deployment/registry", "readinessProbe.grpc.port",
                           "50061: the server serves no plaintext health there", project=project)
        self.assertReports(self.objects(), "Deployment/registry", "livenessProbe.tcpSocket.port",
                           "50061: the server listens on none such", project=project)

    def test_tls_component_without_health_listen(self) -> None:
        """TLS on and no health port: the probes must move to one, which must be configured."""
        project = copy.deepcopy(self.project)
        del project.configs["transport"]["production"]["server"]["health_listen"]
        objects = self.objects()
        c = container(objects, "Deployment", "transport")
        c["readinessProbe"]["grpc"]["port"] = 50054
        self.assertReports(objects, "Deployment/transport", "readinessProbe.grpc.port",
                           "set services/transport/config/production.toml [server] health_listen",
                           project=project)

    def test_certificate_of_a_mounted_secret_dropped(self) -> None:
        """A TLS Secret no Certificate issues (nor the README documents) never appears."""
        objects = [o for o in self.objects()
                   if not (o["kind"] == "Certificate" and o["metadata"]["name"] == "rating")]
        self.assertReports(objects, "Deployment/rating", "volumes[tls].secret.items[tls.key].key",
                           "key 'tls.key' of secret 'rating-tls' is not documented")

    def test_certificate_writes_its_secret_under_another_name(self) -> None:
        objects = self.objects()
        find(objects, "Certificate", "registry")["spec"]["secretName"] = "registry-cert"
        self.assertReports(objects, "Deployment/registry", "volumes[tls].secret.items[ca.crt].key",
                           "secret 'registry-tls'")

    def test_container_port_renamed(self) -> None:
        objects = self.objects()
        container(objects, "Deployment", "rating")["ports"][0]["name"] = "grpc-api"
        self.assertReports(objects, "Service/rating", "spec.ports[grpc].targetPort",
                           "'grpc'/TCP is not a containerPort of Deployment/rating")

    def test_target_port_name(self) -> None:
        objects = self.objects()
        find(objects, "Service", "transport")["spec"]["ports"][0]["targetPort"] = "http"
        self.assertReports(objects, "Service/transport", "spec.ports[grpc].targetPort", "'http'")

    def test_target_port_number(self) -> None:
        objects = self.objects()
        find(objects, "Service", "feedback")["spec"]["ports"][0]["targetPort"] = 50051
        self.assertReports(objects, "Service/feedback", "spec.ports[grpc].targetPort",
                           "50051/TCP is not a containerPort of Deployment/feedback")

    def test_service_port_callers_dial(self) -> None:
        """The registry's Service moves to 443: feedback's [registry] url no longer reaches it."""
        objects = self.objects()
        find(objects, "Service", "registry")["spec"]["ports"][0]["port"] = 443
        self.assertReports(objects, "Deployment/feedback",
                           "services/feedback/config/production.toml [registry] url",
                           "Service/registry has no port 50051")


class BrokenSelectors(RenderedOverlays):
    def test_service_selector_label(self) -> None:
        objects = self.objects()
        find(objects, "Service", "feedback")["spec"]["selector"]["app.kubernetes.io/name"] = "feedbacks"
        self.assertReports(objects, "Service/feedback", "spec.selector", "matches no Deployment")

    def test_deployment_selector_against_its_template(self) -> None:
        objects = self.objects()
        find(objects, "Deployment", "rating")["spec"]["selector"]["matchLabels"][
            "app.kubernetes.io/component"] = "api"
        self.assertReports(objects, "Deployment/rating", "spec.selector", "does not match its own")

    def test_pod_disruption_budget_selector(self) -> None:
        objects = self.objects()
        find(objects, "PodDisruptionBudget", "registry")["spec"]["selector"]["matchLabels"][
            "app.kubernetes.io/component"] = "servers"
        self.assertReports(objects, "PodDisruptionBudget/registry", "spec.selector",
                           "matches no Deployment")

    def test_autoscaler_target(self) -> None:
        objects = self.objects()
        find(objects, "HorizontalPodAutoscaler", "transport")["spec"]["scaleTargetRef"]["name"] = "trasport"
        self.assertReports(objects, "HorizontalPodAutoscaler/transport", "spec.scaleTargetRef",
                           "Deployment/trasport is not in the overlay")

    def test_network_policy_pod_selector(self) -> None:
        objects = self.objects()
        find(objects, "NetworkPolicy", "rating-ingress")["spec"]["podSelector"]["matchLabels"][
            "app.kubernetes.io/name"] = "ratings"
        self.assertReports(objects, "NetworkPolicy/rating-ingress", "spec.podSelector",
                           "matches no workload")


    def test_service_account_name(self) -> None:
        objects = self.objects("development")
        manifests.pod_template(find(objects, "Job", "feedback-migrate"))["spec"][
            "serviceAccountName"] = "feedback-migrations"
        self.assertReports(objects, "Job/feedback-migrate", "spec.template.spec.serviceAccountName",
                           "no ServiceAccount 'feedback-migrations'", overlay="development")

    def test_service_account_dropped(self) -> None:
        objects = [o for o in self.objects()
                   if not (o["kind"] == "ServiceAccount" and o["metadata"]["name"] == "otel-collector")]
        self.assertReports(objects, "Deployment/otel-collector", "serviceAccountName",
                           "no ServiceAccount 'otel-collector'")


class BrokenSecrets(RenderedOverlays):
    def test_secret_key_name(self) -> None:
        objects = self.objects()
        ref = env_var(container(objects, "Deployment", "transport"),
                      "ONALTU_TRANSPORT__DATABASE__URL")["valueFrom"]["secretKeyRef"]
        ref["key"] = "database_url"
        self.assertReports(objects, "Deployment/transport",
                           "env[ONALTU_TRANSPORT__DATABASE__URL].valueFrom.secretKeyRef",
                           "key 'database_url' of secret 'transport-secrets' is not documented")

    def test_secret_name_in_a_job(self) -> None:
        objects = self.objects()
        ref = env_var(container(objects, "Job", "rating-migrate"),
                      "ONALTU_RATING__REGISTRY__TOKEN")["valueFrom"]["secretKeyRef"]
        ref["name"] = "rating-secret"
        self.assertReports(objects, "Job/rating-migrate", "secretKeyRef",
                           "secret 'rating-secret' is not documented")

    def test_secret_volume_key(self) -> None:
        objects = self.objects("development")
        volume = manifests.pod_template(find(objects, "Deployment", "feedback"))["spec"]["volumes"][0]
        volume["secret"]["items"][0]["key"] = "public.key"
        self.assertReports(objects, "Deployment/feedback", "volumes[jwt-public-key].secret.items",
                           "key 'public.key' of secret 'onaltu-jwt-public-key'", overlay="development")

    def test_key_dropped_from_the_readme(self) -> None:
        project = copy.deepcopy(self.project)
        project.documented_secrets["rating-secrets"].discard("registry-token")
        self.assertReports(self.objects(), "Deployment/rating",
                           "volumes[registry-token].secret.items[registry-token].key",
                           "registry-token", project=project)
        self.assertReports(self.objects(), "Job/rating-migrate",
                           "env[ONALTU_RATING__REGISTRY__TOKEN].valueFrom.secretKeyRef",
                           "registry-token", project=project)


class BrokenGraceAndConfig(RenderedOverlays):
    def test_grace_period_shorter_than_the_drain(self) -> None:
        objects = self.objects()
        manifests.pod_template(find(objects, "Deployment", "feedback"))["spec"][
            "terminationGracePeriodSeconds"] = 25
        self.assertReports(objects, "Deployment/feedback",
                           "spec.template.spec.terminationGracePeriodSeconds",
                           "25 s does not exceed drain_delay_ms/1000 + drain_timeout_secs = 25 s")

    def test_drain_lengthened_in_production_toml(self) -> None:
        project = copy.deepcopy(self.project)
        project.configs["rating"]["production"]["server"]["drain_timeout_secs"] = 60
        self.assertReports(self.objects(), "Deployment/rating", "terminationGracePeriodSeconds",
                           "= 65 s", project=project)

    def test_config_dir_not_where_the_image_puts_it(self) -> None:
        objects = self.objects()
        env_var(container(objects, "Deployment", "registry"), "ONALTU_CONFIG_DIR")["value"] = "/config"
        self.assertReports(objects, "Deployment/registry", "env[ONALTU_CONFIG_DIR]",
                           "'/etc/onaltu/registry'")

    def test_environment_without_a_config_file(self) -> None:
        objects = self.objects()
        env_var(container(objects, "Job", "transport-migrate"), "ONALTU_ENV")["value"] = "prod"
        self.assertReports(objects, "Job/transport-migrate", "env[ONALTU_ENV]",
                           "the image holds no prod.toml")

    def test_development_config_is_not_in_the_image(self) -> None:
        objects = self.objects()
        env_var(container(objects, "Deployment", "feedback"), "ONALTU_ENV")["value"] = "development"
        self.assertReports(objects, "Deployment/feedback", "env[ONALTU_ENV]",
                           "the image holds no development.toml")

    def test_environment_unset(self) -> None:
        objects = self.objects()
        c = container(objects, "Deployment", "rating")
        c["env"] = [v for v in c["env"] if v.get("name") != "ONALTU_ENV"]
        self.assertReports(objects, "Deployment/rating", "env[ONALTU_ENV]", "unset")

    def test_threads_beyond_the_cpu_limit(self) -> None:
        project = copy.deepcopy(self.project)
        project.configs["transport"]["production"]["planning"] = {"threads": 4}
        self.assertReports(self.objects(), "Deployment/transport", "resources.limits.cpu",
                           "[planning] threads = 4", project=project)


class BrokenUpstreams(RenderedOverlays):
    def test_egress_rule_port(self) -> None:
        objects = self.objects()
        rule = find(objects, "NetworkPolicy", "feedback-egress")["spec"]["egress"][3]
        rule["ports"][0]["port"] = 50052
        self.assertReports(objects, "Deployment/feedback",
                           "services/feedback/config/production.toml [registry] url",
                           "no egress rule allows Deployment/registry")

    def test_egress_rule_removed(self) -> None:
        objects = self.objects()
        find(objects, "NetworkPolicy", "rating-egress")["spec"]["egress"].pop(2)  # the collector
        self.assertReports(objects, "Deployment/rating",
                           "services/rating/config/production.toml [telemetry] otlp_endpoint",
                           "Deployment/otel-collector")

    def test_ingress_of_the_destination(self) -> None:
        objects = self.objects()
        rule = find(objects, "NetworkPolicy", "registry-ingress")["spec"]["ingress"][0]
        rule["from"][0]["podSelector"]["matchLabels"] = {"app.kubernetes.io/name": "feedback"}
        self.assertReports(objects, "Deployment/transport", "[registry] url",
                           "no ingress rule lets Deployment/transport's pods reach Deployment/registry")

    def test_dns_denied(self) -> None:
        objects = [o for o in self.objects()
                   if not (o["kind"] == "NetworkPolicy" and o["metadata"]["name"] == "allow-dns")]
        self.assertReports(objects, "Deployment/transport", "[registry] url", "DNS (UDP 53)")

    def test_upstream_without_a_service(self) -> None:
        objects = [o for o in self.objects("development")
                   if not (o["kind"] == "Service" and o["metadata"]["name"] == "otel-collector")]
        self.assertReports(objects, "Deployment/registry", "[telemetry] otlp_endpoint",
                           "no Service 'otel-collector'", overlay="development")

    def test_new_upstream_in_the_config(self) -> None:
        """A [feedback] url added to rating's config needs an egress rule to the feedback pods."""
        project = copy.deepcopy(self.project)
        project.configs["rating"]["production"]["feedback"] = {"url": "http://feedback:50052"}
        self.assertReports(self.objects(), "Deployment/rating",
                           "services/rating/config/production.toml [feedback] url",
                           "no egress rule allows Deployment/feedback",
                           project=project)


class BrokenMonitoring(RenderedOverlays):
    """The metrics port, the PodMonitors, the alert rules and the dashboards against the code."""

    def metrics_port(self, c: dict) -> dict:
        return next(p for p in c["ports"] if p["name"] == manifests.METRICS_PORT)

    def rule(self, objects: list[dict], alert: str) -> dict:
        rules = find(objects, "PrometheusRule", "onaltu")["spec"]["groups"]
        return next(r for g in rules for r in g["rules"] if r.get("alert") == alert)

    def test_the_catalogue_is_read(self) -> None:
        for name in ("rpc_server_duration_seconds_bucket", "rpc_server_duration_seconds_count",
                     "onaltu_events_lost_total", "db_client_connection_count"):
            self.assertIn(name, self.project.metrics)
        self.assertNotIn("rpc_server_duration_seconds", self.project.metrics)
        self.assertEqual({"registry.json", "feedback.json", "rating.json", "transport.json"},
                         set(self.project.dashboards))

    def test_metrics_port_dropped(self) -> None:
        objects = self.objects()
        c = container(objects, "Deployment", "registry")
        c["ports"].remove(self.metrics_port(c))
        self.assertReports(objects, "Deployment/registry", "containers[registry].ports",
                           "serves metrics on 9464, but no containerPort is named 'metrics'")

    def test_metrics_port_moved(self) -> None:
        objects = self.objects()
        self.metrics_port(container(objects, "Deployment", "transport"))["containerPort"] = 9465
        self.assertReports(objects, "Deployment/transport", "ports[metrics].containerPort",
                           "9465, but services/transport/config/production.toml [telemetry] "
                           "metrics_listen serves metrics on 9464")
        self.assertReports(objects, "PodMonitor/transport", "podMetricsEndpoints[0].port",
                           "'metrics' is Deployment/transport's port 9465")

    def test_metrics_listen_overridden(self) -> None:
        objects = self.objects()
        container(objects, "Deployment", "feedback")["env"].append(
            {"name": "ONALTU_FEEDBACK__TELEMETRY__METRICS_LISTEN", "value": "0.0.0.0:9999"})
        self.assertReports(objects, "Deployment/feedback", "ports[metrics].containerPort",
                           "serves metrics on 9999")

    def test_metrics_listen_dropped_from_production_toml(self) -> None:
        project = copy.deepcopy(self.project)
        del project.configs["rating"]["production"]["telemetry"]["metrics_listen"]
        self.assertReports(self.objects(), "Deployment/rating", "ports[metrics]",
                           "is not set: nothing serves metrics there", project=project)

    def test_pod_monitor_selects_nothing(self) -> None:
        objects = self.objects()
        find(objects, "PodMonitor", "rating")["spec"]["selector"]["matchLabels"][
            "app.kubernetes.io/name"] = "ratings"
        self.assertReports(objects, "PodMonitor/rating", "spec.selector", "matches no workload")

    def test_pod_monitor_port_misnamed(self) -> None:
        objects = self.objects()
        find(objects, "PodMonitor", "registry")["spec"]["podMetricsEndpoints"][0]["port"] = "metric"
        self.assertReports(objects, "PodMonitor/registry", "podMetricsEndpoints[0].port",
                           "'metric' is not a named containerPort of Deployment/registry's pods")

    def test_pod_monitor_path(self) -> None:
        objects = self.objects()
        find(objects, "PodMonitor", "feedback")["spec"]["podMetricsEndpoints"][0]["path"] = "/stats"
        self.assertReports(objects, "PodMonitor/feedback", "podMetricsEndpoints[0].path", "/metrics only")

    def test_metrics_port_closed_to_the_monitoring_namespace(self) -> None:
        objects = [o for o in self.objects() if not (o["kind"] == "NetworkPolicy"
                                                     and o["metadata"]["name"] == "allow-metrics")]
        self.assertReports(objects, "PodMonitor/registry", "podMetricsEndpoints[0].port",
                           "no ingress rule lets the 'monitoring' namespace reach Deployment/registry")

    def test_metrics_port_open_to_other_pods(self) -> None:
        """An ingress rule without ports opens every port, the metrics one too."""
        objects = self.objects()
        del find(objects, "NetworkPolicy", "registry-ingress")["spec"]["ingress"][0]["ports"]
        self.assertReports(objects, "NetworkPolicy/registry-ingress", "spec.ingress",
                           "reach Deployment/registry's metrics port metrics (9464/TCP)")

    def test_alert_on_a_metric_not_exported(self) -> None:
        objects = self.objects()
        rule = self.rule(objects, "OnaltuOutboxStalled")
        rule["expr"] = rule["expr"].replace("onaltu_outbox_oldest_age_seconds", "onaltu_outbox_age")
        self.assertReports(objects, "PrometheusRule/onaltu",
                           "rules[OnaltuOutboxStalled].expr", "'onaltu_outbox_age' is not a metric")

    def test_metric_renamed_in_the_catalogue(self) -> None:
        """Renaming a metric in the Rust catalogue leaves the rules and dashboards behind."""
        project = copy.deepcopy(self.project)
        project.metrics.discard("onaltu_events_lost_total")
        self.assertReports(self.objects(), "PrometheusRule/onaltu", "rules[OnaltuEventsLost].expr",
                           "'onaltu_events_lost_total'", project=project)
        self.assertReports(self.objects(), "ConfigMap/grafana-dashboard-rating",
                           "panel 'Events lost'", "'onaltu_events_lost_total'", project=project)

    def test_alert_without_runbook_or_severity(self) -> None:
        objects = self.objects()
        rule = self.rule(objects, "OnaltuConsumerLagging")
        del rule["annotations"]["runbook"]
        del rule["labels"]["severity"]
        self.assertReports(objects, "PrometheusRule/onaltu",
                           "rules[OnaltuConsumerLagging].annotations.runbook", "is missing")
        self.assertReports(objects, "PrometheusRule/onaltu",
                           "rules[OnaltuConsumerLagging].labels.severity", "is missing")

    def test_dashboard_edited_by_hand(self) -> None:
        objects = self.objects()
        cm = find(objects, "ConfigMap", "grafana-dashboard-registry")
        cm["data"]["registry.json"] = cm["data"]["registry.json"].replace(
            "onaltu_outbox_backlog", "onaltu_outbox_size")
        self.assertReports(objects, "ConfigMap/grafana-dashboard-registry",
                           "panel 'Events waiting and the age of the oldest'",
                           "'onaltu_outbox_size' is not a metric")
        self.assertReports(objects, "ConfigMap/grafana-dashboard-registry", "data[registry.json]",
                           "is not what deploy/k8s/components/monitoring/dashboards.py writes")

    def test_metric_names_in_promql(self) -> None:
        cases = {
            'sum by (job, le) (rate(a_bucket{x="b{c}", y=~"d|e"}[5m])) / on (job) group_left (pod) b': {
                "a_bucket", "b"},
            "histogram_quantile(0.99, sum(rate(c[$__rate_interval])) by (le)) > 1e3 and d offset 5m": {
                "c", "d"},
            "changes(kube_pod_status_ready[15m]) > 4 unless count without (x) (e)": {
                "kube_pod_status_ready", "e"},
            "max_over_time(f[1h:5m]) # a comment naming g\n": {"f"},
        }
        for expr, names in cases.items():
            with self.subTest(expr=expr):
                self.assertEqual(names, manifests.promql_metrics(expr))


class BrokenPortal(RenderedOverlays):
    """The portal: HTTP probes, a Service on port 80, an Ingress, and upstreams inside and outside
    the cluster; each broken once."""

    def portal(self, objects: list[dict]) -> dict:
        return container(objects, "Deployment", "portal")

    def test_probe_port_renamed(self) -> None:
        objects = self.objects()
        self.portal(objects)["readinessProbe"]["httpGet"]["port"] = "htttp"
        self.assertReports(objects, "Deployment/portal", "readinessProbe.httpGet.port",
                           "'htttp' is not a named containerPort")

    def test_probe_port_number_not_declared(self) -> None:
        objects = self.objects()
        self.portal(objects)["startupProbe"]["httpGet"]["port"] = 8081
        self.assertReports(objects, "Deployment/portal", "startupProbe.httpGet.port",
                           "8081 is not a declared containerPort")

    def test_probe_on_the_metrics_port(self) -> None:
        """The metrics port is declared, but answers /metrics only."""
        objects = self.objects()
        self.portal(objects)["readinessProbe"]["httpGet"]["port"] = "metrics"
        self.assertReports(objects, "Deployment/portal", "readinessProbe.httpGet.port",
                           "9464: the server answers its paths on 8080 only")

    def test_container_port_moved(self) -> None:
        """The pages' port moves away from [server] listen: probes and config disagree."""
        objects = self.objects()
        http = self.portal(objects)["ports"][0]
        self.assertEqual("http", http["name"])
        http["containerPort"] = 8081
        self.assertReports(objects, "Deployment/portal", "containers[portal].ports",
                           "listen = '0.0.0.0:8080'")
        self.assertReports(objects, "Deployment/portal", "livenessProbe.httpGet.port",
                           "8081: the server answers its paths on 8080 only")

    def test_probe_path_not_routed(self) -> None:
        objects = self.objects()
        self.portal(objects)["startupProbe"]["httpGet"]["path"] = "/ready"
        self.assertReports(objects, "Deployment/portal", "startupProbe.httpGet.path",
                           "'/ready' is not a path the portal server routes")

    def test_liveness_on_the_readiness_path(self) -> None:
        """/readyz fails while Redis is down: as liveness it would restart every replica."""
        objects = self.objects()
        self.portal(objects)["livenessProbe"]["httpGet"]["path"] = "/readyz"
        self.assertReports(objects, "Deployment/portal", "livenessProbe.httpGet.path",
                           "also the readiness path")

    def test_grpc_probe_of_an_http_service(self) -> None:
        objects = self.objects()
        self.portal(objects)["readinessProbe"] = {"grpc": {"port": 8080}, "periodSeconds": 5}
        self.assertReports(objects, "Deployment/portal", "readinessProbe.grpc",
                           "serves no grpc.health.v1")

    def test_grace_period_shorter_than_a_request(self) -> None:
        objects = self.objects()
        manifests.pod_template(find(objects, "Deployment", "portal"))["spec"][
            "terminationGracePeriodSeconds"] = 12
        self.assertReports(objects, "Deployment/portal", "terminationGracePeriodSeconds",
                           "12 s does not exceed the preStop sleep (5 s) + request_timeout_ms/1000 = 15 s")

    def test_selectors(self) -> None:
        objects = self.objects()
        find(objects, "Service", "portal")["spec"]["selector"]["app.kubernetes.io/name"] = "portals"
        find(objects, "PodDisruptionBudget", "portal")["spec"]["selector"]["matchLabels"][
            "app.kubernetes.io/component"] = "web"
        find(objects, "NetworkPolicy", "portal-ingress")["spec"]["podSelector"]["matchLabels"][
            "app.kubernetes.io/name"] = "portals"
        find(objects, "HorizontalPodAutoscaler", "portal")["spec"]["scaleTargetRef"]["name"] = "portals"
        self.assertReports(objects, "Service/portal", "spec.selector", "matches no Deployment")
        self.assertReports(objects, "PodDisruptionBudget/portal", "spec.selector", "matches no Deployment")
        self.assertReports(objects, "NetworkPolicy/portal-ingress", "spec.podSelector", "matches no workload")
        self.assertReports(objects, "HorizontalPodAutoscaler/portal", "spec.scaleTargetRef",
                           "Deployment/portals is not in the overlay")

    def test_deployment_selector_against_its_template(self) -> None:
        objects = self.objects()
        find(objects, "Deployment", "portal")["spec"]["selector"]["matchLabels"][
            "app.kubernetes.io/component"] = "web"
        self.assertReports(objects, "Deployment/portal", "spec.selector", "does not match its own")

    def test_service_target_port(self) -> None:
        objects = self.objects()
        find(objects, "Service", "portal")["spec"]["ports"][0]["targetPort"] = "web"
        self.assertReports(objects, "Service/portal", "spec.ports[http].targetPort",
                           "'web'/TCP is not a containerPort of Deployment/portal")

    def test_egress_to_a_service_dropped(self) -> None:
        objects = self.objects()
        policy = find(objects, "NetworkPolicy", "portal-egress")
        policy["spec"]["egress"] = [r for r in policy["spec"]["egress"]
                                    if r["ports"][0]["port"] != 50053]
        self.assertReports(objects, "Deployment/portal",
                           "services/portal/config/production.toml [rating] url",
                           "no egress rule allows Deployment/rating's pods")

    def test_egress_to_the_identity_provider_dropped(self) -> None:
        objects = self.objects()
        policy = find(objects, "NetworkPolicy", "portal-egress")
        policy["spec"]["egress"] = [r for r in policy["spec"]["egress"]
                                    if not any("ipBlock" in peer for peer in r.get("to") or [])]
        self.assertReports(objects, "Deployment/portal",
                           "services/portal/config/production.toml [oidc] issuer",
                           "is outside the cluster, and no egress rule lets")

    def test_a_service_refuses_the_portal(self) -> None:
        """The transport service's policy admits only the egov namespace: the portal is shut out."""
        objects = self.objects()
        find(objects, "NetworkPolicy", "transport-ingress")["spec"]["ingress"][0]["from"] = [
            {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "egov-integration"}}}]
        self.assertReports(objects, "Deployment/portal",
                           "services/portal/config/production.toml [transport] url",
                           "no ingress rule lets Deployment/portal's pods reach Deployment/transport")

    def test_ingress_controller_shut_out(self) -> None:
        objects = self.objects()
        find(objects, "NetworkPolicy", "portal-ingress")["spec"]["ingress"][0]["from"][0][
            "namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] = "nginx"
        self.assertReports(objects, "Ingress/portal", "backend",
                           "no ingress rule lets the ingress controller (namespace 'ingress-nginx')")

    def test_ingress_backend_port(self) -> None:
        objects = self.objects()
        find(objects, "Ingress", "portal")["spec"]["rules"][0]["http"]["paths"][0]["backend"][
            "service"]["port"] = {"number": 8080}
        self.assertReports(objects, "Ingress/portal", "backend.service.port",
                           "Service/portal has no such port")

    def test_ingress_backend_service(self) -> None:
        objects = self.objects()
        find(objects, "Ingress", "portal")["spec"]["rules"][0]["http"]["paths"][0]["backend"][
            "service"]["name"] = "portals"
        self.assertReports(objects, "Ingress/portal", "backend.service.name", "no Service 'portals'")

    def test_ingress_host_other_than_public_url(self) -> None:
        objects = self.objects()
        ingress = find(objects, "Ingress", "portal")
        ingress["spec"]["rules"][0]["host"] = "portal.example.kz"
        ingress["spec"]["tls"][0]["hosts"] = ["portal.example.kz"]
        self.assertReports(objects, "Ingress/portal", "spec.rules[portal.example.kz].host",
                           "[server] public_url = 'https://onaltu.astana.gov.kz'")

    def test_ingress_host_without_tls(self) -> None:
        objects = self.objects()
        del find(objects, "Ingress", "portal")["spec"]["tls"]
        self.assertReports(objects, "Ingress/portal", "spec.rules[onaltu.astana.gov.kz].host",
                           "served over plain HTTP")

    def test_client_secret_file_not_mounted(self) -> None:
        objects = self.objects()
        c = self.portal(objects)
        c["volumeMounts"] = [m for m in c["volumeMounts"] if m["name"] != "oidc-client-secret"]
        self.assertReports(objects, "Deployment/portal", "containers[portal].volumeMounts",
                           "[oidc] client_secret_file (or its ONALTU_PORTAL__ variable) = "
                           "'/etc/onaltu/oidc/client-secret' is in no volume")

    def test_client_secret_item_under_another_name(self) -> None:
        objects = self.objects()
        volume = next(v for v in manifests.pod_template(find(objects, "Deployment", "portal"))[
            "spec"]["volumes"] if v["name"] == "oidc-client-secret")
        volume["secret"]["items"][0]["path"] = "client_secret"
        self.assertReports(objects, "Deployment/portal", "volumes[oidc-client-secret]",
                           "the volume puts only ['client_secret'] at /etc/onaltu/oidc")

    def test_certificates_not_mounted(self) -> None:
        """Without components/tls (the development overlay) the portal's [<svc>.tls] files are
        missing: that overlay leaves the portal out rather than ship one that cannot start."""
        objects = self.objects()
        c = self.portal(objects)
        c["volumeMounts"] = [m for m in c["volumeMounts"] if m["name"] != "tls"]
        self.assertReports(objects, "Deployment/portal", "containers[portal].volumeMounts",
                           "[registry.tls] ca_path (or its ONALTU_PORTAL__ variable) = '/etc/onaltu/tls/ca.crt'")

    def test_secret_key_undocumented(self) -> None:
        objects = self.objects()
        env_var(self.portal(objects), "ONALTU_PORTAL__CACHE__URL")["valueFrom"]["secretKeyRef"][
            "key"] = "redis_url"
        self.assertReports(objects, "Deployment/portal", "env[ONALTU_PORTAL__CACHE__URL]",
                           "key 'redis_url' of secret 'portal-secrets' is not documented")

    def test_metrics_port(self) -> None:
        objects = self.objects()
        find(objects, "PodMonitor", "portal")["spec"]["podMetricsEndpoints"][0]["port"] = "http"
        self.assertReports(objects, "PodMonitor/portal", "podMetricsEndpoints[0].port",
                           "'http' is Deployment/portal's port 8080, but its config serves metrics on [9464]")
        objects = self.objects()
        self.portal(objects)["ports"][1]["containerPort"] = 9465
        self.assertReports(objects, "Deployment/portal", "ports[metrics].containerPort",
                           "9465, but services/portal/config/production.toml [telemetry] metrics_listen")

    def test_metrics_reachable_from_the_ingress_controller(self) -> None:
        objects = self.objects()
        find(objects, "NetworkPolicy", "portal-ingress")["spec"]["ingress"][0]["ports"].append(
            {"protocol": "TCP", "port": "metrics"})
        self.assertReports(objects, "NetworkPolicy/portal-ingress", "spec.ingress",
                           "only the 'monitoring' namespace may scrape it")


class FromTheSources(RenderedOverlays):
    """The whole path: a wrong name in deploy/k8s, rendered by kustomize, fails the command."""

    def test_wrong_probe_name_in_the_base_fails_the_command(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            k8s = Path(tmp) / "k8s"
            shutil.copytree(REPO / "deploy" / "k8s", k8s)
            deployment = k8s / "base" / "transport" / "deployment.yaml"
            text = deployment.read_text()
            self.assertIn("service: onaltu.transport.v1.TransportService", text)
            deployment.write_text(text.replace("service: onaltu.transport.v1.TransportService",
                                               "service: onaltu.transport.v1.FeedbackService"))
            rendered = subprocess.run([self.kubectl, "kustomize", str(k8s / "overlays" / "production")],
                                      check=True, capture_output=True, text=True).stdout
            yaml_file = Path(tmp) / "production.yaml"
            yaml_file.write_text(rendered)
            result = subprocess.run([sys.executable, str(Path(manifests.__file__)), "--file", str(yaml_file)],
                                    capture_output=True, text=True)
            self.assertEqual(1, result.returncode, result.stdout + result.stderr)
            self.assertIn("production.yaml: Deployment/transport: spec.template.spec.containers[transport]"
                          ".readinessProbe.grpc.service: 'onaltu.transport.v1.FeedbackService'", result.stdout)


    def test_wrong_portal_probe_path_in_the_base_fails_the_command(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            k8s = Path(tmp) / "k8s"
            shutil.copytree(REPO / "deploy" / "k8s", k8s)
            deployment = k8s / "base" / "portal" / "deployment.yaml"
            text = deployment.read_text()
            self.assertEqual(2, text.count("path: /readyz"))
            deployment.write_text(text.replace("path: /readyz", "path: /ready", 1))
            rendered = subprocess.run([self.kubectl, "kustomize", str(k8s / "overlays" / "production")],
                                      check=True, capture_output=True, text=True).stdout
            yaml_file = Path(tmp) / "production.yaml"
            yaml_file.write_text(rendered)
            result = subprocess.run([sys.executable, str(Path(manifests.__file__)), "--file", str(yaml_file)],
                                    capture_output=True, text=True)
            self.assertEqual(1, result.returncode, result.stdout + result.stderr)
            self.assertIn("production.yaml: Deployment/portal: spec.template.spec.containers[portal]"
                          ".startupProbe.httpGet.path: '/ready'", result.stdout)


class RunPodsHelpers(unittest.TestCase):
    """What `manifests.py --run` (deploy/check/run_pods.py) expects of a fresh database and of an
    outage, read from the sources (the run itself needs the binaries and the stack)."""

    def test_every_migration_set_a_service_embeds(self) -> None:
        import run_pods

        def versions(directory: str) -> set[str]:
            return {p.name.split("_", 1)[0].replace("-", "")
                    for p in (REPO / directory).iterdir() if p.is_dir()}

        for svc, sets in [("registry", ["shared/events/migrations", "shared/db/migrations",
                                        "services/registry/migrations"]),
                          ("transport", ["shared/db/migrations", "services/transport/migrations"])]:
            with self.subTest(svc=svc):
                expected, unresolved = run_pods.expected_migrations(svc)
                self.assertEqual([], unresolved)
                self.assertEqual(set().union(*map(versions, sets)), set(expected))
                self.assertEqual(set(sets), {str(Path(d).parent) for d in expected.values()})

    def test_http_probe_as_the_kubelet_asks(self) -> None:
        """httpGet: 200-399 passes, anything else or no answer fails."""
        import http.server
        import threading

        import run_pods

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                self.send_response({"/readyz": 200, "/moved": 302}.get(self.path, 503))
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            port = server.server_address[1]
            ports = [{"name": "http", "containerPort": port}]
            for path, passes in (("/readyz", True), ("/moved", True), ("/down", False)):
                with self.subTest(path=path):
                    ok, said = run_pods.probe_once({"httpGet": {"path": path, "port": "http"}}, ports)
                    self.assertEqual(passes, ok, said)
        finally:
            server.shutdown()
            server.server_close()
        ok, said = run_pods.probe_once({"httpGet": {"path": "/readyz", "port": port}}, ports)
        self.assertFalse(ok, said)

    def test_the_portal_user_of_the_data_tier_keeps_sessions_and_nothing_else(self) -> None:
        """The private Redis of `--run` has the data tier's ACL users; the portal's may do what
        its sessions and readiness do (PING, SETEX, GETEX, EXPIRE, DEL) on portal:* only."""
        import run_pods

        binary, cli = shutil.which("redis-server"), shutil.which("redis-cli")
        if not binary or not cli:
            self.skipTest("needs redis-server and redis-cli")
        with tempfile.TemporaryDirectory() as tmp:
            redis = run_pods.PrivateRedis(binary, Path(tmp) / "redis", "portal")
            redis.up()
            try:
                def ask(*args: str) -> str:
                    return subprocess.run([cli, "-u", redis.url(), "--no-auth-warning", *args],
                                          capture_output=True, text=True, check=True).stdout.strip()

                self.assertEqual("PONG", ask("PING"))
                self.assertEqual("OK", ask("SETEX", "portal:session:x", "60", "v"))
                self.assertEqual("v", ask("GETEX", "portal:session:x", "EX", "60"))
                self.assertEqual("1", ask("EXPIRE", "portal:session:x", "30"))
                self.assertEqual("1", ask("DEL", "portal:session:x"))
                for refused in (("GET", "registry:person:1"), ("SETEX", "rating:x", "1", "v"),
                                ("KEYS", "*"), ("FLUSHALL",)):
                    with self.subTest(refused=refused):
                        self.assertIn("NOPERM", ask(*refused))
            finally:
                redis.close()

    def test_health_check_interval(self) -> None:
        import run_pods
        self.assertEqual(2.0, run_pods.health_check_interval({}))  # ServerSettings::default
        self.assertEqual(0.5, run_pods.health_check_interval({"server": {"health_check_interval_ms": 500}}))


# ---------------------------------------------------------------------------------------------
# deploy/check/lint.py


def finding(check_id: str, ref: str, overlay: str = "production") -> lint.Finding:
    return lint.Finding(overlay, ref, check_id, "a title")


class LintExceptions(RenderedOverlays):
    """deploy/check/policy-exceptions.yaml: read strictly, applied per check and object."""

    def exceptions(self, text: str) -> list[lint.PolicyException]:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "policy-exceptions.yaml"
            path.write_text(text)
            return lint.load_exceptions(path)

    WHY = "the reason this check does not apply to these objects, at some length"

    def test_the_repository_file_loads_and_names_rendered_objects(self) -> None:
        exceptions = lint.load_exceptions()
        self.assertTrue(exceptions)
        rendered = {manifests.ref(o) for name in manifests.OVERLAYS for o in self.objects(name)}
        for e in exceptions:
            for obj in e.objects:
                self.assertIn(obj, rendered, f"{e.check}: {obj} is not rendered by any overlay")

    def test_an_exception_without_a_reason_is_refused(self) -> None:
        with self.assertRaisesRegex(ValueError, "say why"):
            self.exceptions("- check: CKV_K8S_15\n  objects: [Deployment/registry]\n")
        with self.assertRaisesRegex(ValueError, "say why"):
            self.exceptions("- check: CKV_K8S_15\n  why: fine\n  objects: [Deployment/registry]\n")

    def test_an_exception_names_a_check_and_objects(self) -> None:
        with self.assertRaisesRegex(ValueError, "not a checkov Kubernetes check id"):
            self.exceptions(f"- check: K8S_15\n  why: {self.WHY}\n  objects: [Deployment/registry]\n")
        with self.assertRaisesRegex(ValueError, "Kind/name"):
            self.exceptions(f"- check: CKV_K8S_15\n  why: {self.WHY}\n  objects: [registry]\n")
        with self.assertRaisesRegex(ValueError, "keys are"):
            self.exceptions(f"- check: CKV_K8S_15\n  why: {self.WHY}\n  object: [Deployment/registry]\n")

    def test_only_the_named_check_and_objects_are_excused(self) -> None:
        exceptions = self.exceptions(
            f"- check: CKV_K8S_15\n  why: {self.WHY}\n  objects: [Deployment/registry, Job/registry-migrate]\n")
        findings = [finding("CKV_K8S_15", "Deployment/registry"),
                    finding("CKV_K8S_15", "Job/registry-migrate"),
                    finding("CKV_K8S_15", "Deployment/feedback"),
                    finding("CKV_K8S_16", "Deployment/registry")]
        unexcused, stale = lint.apply_exceptions(findings, exceptions, ["production"])
        self.assertEqual([finding("CKV_K8S_15", "Deployment/feedback"),
                          finding("CKV_K8S_16", "Deployment/registry")], unexcused)
        self.assertEqual([], stale)

    def test_an_exception_that_excuses_nothing_is_reported(self) -> None:
        """The manifest was fixed (say, the digest pinned): its exception must go too."""
        exceptions = self.exceptions(
            f"- check: CKV_K8S_43\n  why: {self.WHY}\n  objects: [Deployment/registry, Deployment/rating]\n")
        unexcused, stale = lint.apply_exceptions(
            [finding("CKV_K8S_43", "Deployment/rating")], exceptions, ["production"])
        self.assertEqual([], unexcused)
        self.assertEqual(1, len(stale))
        self.assertIn("CKV_K8S_43 for Deployment/registry: no such finding in production", stale[0])

    def test_an_exception_limited_to_an_overlay(self) -> None:
        exceptions = self.exceptions(f"- check: CKV_K8S_15\n  why: {self.WHY}\n"
                                     f"  objects: [Deployment/registry]\n  overlays: [development]\n")
        findings = [finding("CKV_K8S_15", "Deployment/registry", "development"),
                    finding("CKV_K8S_15", "Deployment/registry", "production")]
        unexcused, stale = lint.apply_exceptions(findings, exceptions, ["development", "production"])
        self.assertEqual([finding("CKV_K8S_15", "Deployment/registry", "production")], unexcused)
        self.assertEqual([], stale)
        # Linting production alone does not call the development-only exception stale.
        self.assertEqual([], lint.apply_exceptions(findings[1:], exceptions, ["production"])[1])

    def test_findings_are_placed_by_line(self) -> None:
        text = "a: 1\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: x\n---\n---\nkind: Job\nmetadata: {name: y}\n"
        docs = lint.documents(text)
        self.assertEqual([(1, 1), (3, 6), (9, 10)], [(d.first, d.last) for d in docs])
        self.assertEqual(["None/None", "Service/x", "Job/y"], [lint.object_ref(d.obj) for d in docs])


class LintTools(RenderedOverlays):
    """checkov and kubernetes-validate over the overlays, untouched and broken."""

    @classmethod
    def setUpClass(cls) -> None:
        if not LINT_TOOLS:
            raise unittest.SkipTest("needs the lint tools: `manifests.py --lint --self-test` (make lint)")
        super().setUpClass()

    def texts(self, **objects: list[dict]) -> dict[str, str]:
        return {label: yaml.safe_dump_all(objs, sort_keys=False) for label, objs in objects.items()}

    def validate(self, objects: list[dict]) -> list[str]:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "production.yaml"
            path.write_text(yaml.safe_dump_all(objects, sort_keys=False))
            return lint.validate({"production": path})

    def assertProblem(self, problems: list[str], *parts: str) -> None:
        self.assertTrue([p for p in problems if all(part in p for part in parts)],
                        f"expected a problem with {parts}; got:\n" + "\n".join(problems))

    # That the untouched overlays lint clean is `manifests.py --lint` itself, just before these.

    def test_misspelt_field_and_wrong_type(self) -> None:
        objects = self.objects()
        c = container(objects, "Deployment", "rating")
        c["readinessprobe"] = c.pop("readinessProbe")
        container(objects, "Deployment", "feedback")["ports"][0]["containerPort"] = "50052"
        del container(objects, "Job", "transport-migrate")["name"]
        problems = self.validate(objects)
        self.assertProblem(problems, "production: deployment/rating:", "'readinessprobe' was unexpected")
        self.assertProblem(problems, "production: deployment/feedback:", "containerPort", "not of type 'integer'")
        self.assertProblem(problems, "production: job/transport-migrate:", "'name' is a required property")

    def test_field_newer_than_the_target_release(self) -> None:
        """PodSpec.hostnameOverride came in Kubernetes 1.34: not valid in the release targeted."""
        if tuple(map(int, lint.KUBERNETES_VERSION.split("."))) >= (1, 34):
            self.skipTest("the target release knows hostnameOverride")
        objects = self.objects()
        manifests.pod_template(find(objects, "Deployment", "registry"))["spec"]["hostnameOverride"] = "r"
        self.assertProblem(self.validate(objects), "deployment/registry",
                           f"Kubernetes {lint.KUBERNETES_VERSION}", "'hostnameOverride' was unexpected")

    def test_policy_findings_fail_unless_excused(self) -> None:
        objects = self.objects()
        container(objects, "Deployment", "registry")["securityContext"]["privileged"] = True
        del container(objects, "Deployment", "feedback")["resources"]["limits"]
        manifests.pod_template(find(objects, "Deployment", "rating"))["spec"][
            "automountServiceAccountToken"] = True
        manifests.pod_template(find(objects, "Deployment", "transport"))["spec"]["hostNetwork"] = True
        container(objects, "Deployment", "otel-collector")["securityContext"]["readOnlyRootFilesystem"] = False
        container(objects, "Job", "registry-migrate")["securityContext"]["capabilities"] = {"add": ["SYS_ADMIN"]}
        # A fixed finding leaves its exception behind: the registry's image pinned by digest.
        c = container(objects, "Deployment", "registry")
        c["image"] = c["image"].split(":")[0] + "@sha256:" + "0" * 64
        problems, _ = lint.lint(self.texts(production=objects))
        for ref, check_id in [("Deployment/registry", "CKV_K8S_16"), ("Deployment/feedback", "CKV_K8S_11"),
                              ("Deployment/feedback", "CKV_K8S_13"), ("Deployment/rating", "CKV_K8S_38"),
                              ("Deployment/transport", "CKV_K8S_19"),
                              ("Deployment/otel-collector", "CKV_K8S_22"),
                              ("Job/registry-migrate", "CKV_K8S_39")]:
            self.assertProblem(problems, f"production: {ref}: {check_id} ")
        self.assertProblem(problems, "CKV_K8S_43 for Deployment/registry: no such finding")
        # What the exceptions cover stays excused.
        self.assertFalse([p for p in problems if "Deployment/feedback: CKV_K8S_35" in p], problems)

    def custom_problems(self, objects: list[dict]) -> list[str]:
        kept, custom = lint.split_custom(yaml.safe_dump_all(objects, sort_keys=False))
        self.assertFalse([d for d in lint.documents(kept) if lint.api_group(d.obj) in lint.CUSTOM_RESOURCES])
        dashboards = [d.obj for d in lint.documents(kept) if d.obj.get("kind") == "ConfigMap"]
        return lint.custom_resource_problems("production", custom + dashboards)

    def test_custom_resources_are_left_to_their_own_checks(self) -> None:
        """kubernetes-validate never sees them; their own checks find nothing in the overlay."""
        self.assertEqual([], self.custom_problems(self.objects()))

    def test_promql_that_does_not_parse(self) -> None:
        objects = self.objects()
        rules = find(objects, "PrometheusRule", "onaltu")["spec"]["groups"][0]["rules"]
        rules[0]["expr"] = rules[0]["expr"].replace("sum by (job, rpc_method) (", "sum by (job, rpc_method (", 1)
        cm = find(objects, "ConfigMap", "grafana-dashboard-transport")
        cm["data"]["transport.json"] = cm["data"]["transport.json"].replace("histogram_quantile(0.99,", "histogram_quantile(0.99", 1)
        problems = self.custom_problems(objects)
        self.assertProblem(problems, "PrometheusRule/onaltu", "OnaltuRpcServerErrors", "PromQL does not parse")
        self.assertProblem(problems, "ConfigMap/grafana-dashboard-transport", "panel", "PromQL does not parse")

    def test_misspelt_fields_of_the_custom_resources(self) -> None:
        objects = self.objects()
        rule = find(objects, "PrometheusRule", "onaltu")["spec"]["groups"][1]["rules"][0]
        rule["annotation"] = rule.pop("annotations")
        rule["for"] = "5 minutes"
        endpoint = find(objects, "PodMonitor", "rating")["spec"]["podMetricsEndpoints"][0]
        endpoint["scrape_timeout"] = endpoint.pop("scrapeTimeout")
        problems = self.custom_problems(objects)
        self.assertProblem(problems, "PrometheusRule/onaltu", "rules[0]", "'annotation' is not a field")
        self.assertProblem(problems, "PrometheusRule/onaltu", "rules[0].for", "not a duration")
        self.assertProblem(problems, "PodMonitor/rating", "podMetricsEndpoints[0]", "'scrape_timeout' is not a field")


if __name__ == "__main__":
    unittest.main()
