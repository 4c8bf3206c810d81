# Onaltu: `make run` brings the suite up with demo data, `make test` runs every test.
# Both set up what they need (Postgres, Redis) privately under .data/ unless DATABASE_URL /
# REDIS_URL point at servers of your own.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
SERVICES := registry feedback rating transport portal
CARGO ?= cargo
# The private virtual environment of `scripts/stack.sh pyclient`.
PYTHON := .data/venv/bin/python

.PHONY: help deps browser up down run stop status test deploy-check lint fmt build bench clean

help:
	@echo "make run    start Postgres, Redis, every service (ports: registry 50051, feedback 50052, rating 50053, transport 50054)"
	@echo "            and the portal (http://127.0.0.1:8080; demo accounts at http://127.0.0.1:8080/sign-in)"
	@echo "make stop   stop them all"
	@echo "make status whether each service and the portal answers"
	@echo "make test   run every test against a private Postgres and Redis, the portal's in headless Chromium"
	@echo "make deploy-check  check the Kubernetes manifests against the code (no cluster needed)"
	@echo "make lint   rustfmt, clippy (warnings are errors), buf lint and breaking, the manifests' schema and policy"
	@echo "make bench  measure the registry beside its baselines (release build)"

deps:
	@scripts/stack.sh deps

# Debian's Chromium, Node.js and services/portal/browser/node_modules, for the portal's browser
# tests (tests/tests/portal_browser.rs).
browser:
	@scripts/stack.sh browser

up: deps
	@scripts/stack.sh up

down:
	@scripts/stack.sh down

build:
	$(CARGO) build --workspace --bins

run: up build
	@eval "$$(scripts/stack.sh env)" && SERVICES="$(SERVICES)" scripts/run.sh start

stop:
	@SERVICES="$(SERVICES)" scripts/run.sh stop
	@scripts/stack.sh down

status:
	@SERVICES="$(SERVICES)" scripts/run.sh status

# The rendered overlays (deploy/k8s) against the code: selectors, ports, probe names, grace
# periods, secrets, upstreams and network policies; then a self-test that breaks each of them.
deploy-check:
	@scripts/stack.sh pyclient
	@$(PYTHON) deploy/check/manifests.py
	@$(PYTHON) deploy/check/manifests.py --self-test

# After the Rust tests, which build target/debug/onaltu-<svc>: each migration Job of the production
# overlay run on a fresh database, then its Deployment from those binaries as its pods would, with
# its probes, readiness lost and regained with the database, and the drain on SIGTERM.
test: up deploy-check browser
	@eval "$$(scripts/stack.sh env)" && \
	if $(CARGO) nextest --version >/dev/null 2>&1; then \
	  $(CARGO) nextest run --workspace --no-fail-fast; \
	else \
	  $(CARGO) test --workspace --no-fail-fast; \
	fi
	@eval "$$(scripts/stack.sh env)" && $(PYTHON) deploy/check/manifests.py --run

# Then the rendered overlays (deploy/k8s) against the Kubernetes API schemas of the release
# deploy/check/lint.py targets (kubernetes-validate) and against checkov's security policies, with
# the exceptions and their reasons in deploy/check/policy-exceptions.yaml; both tools install
# themselves into .data/tools/lint on first use (about a minute), and their self-tests follow.
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	scripts/buf.sh lint
	scripts/buf.sh breaking
	@scripts/stack.sh pyclient
	@$(PYTHON) deploy/check/manifests.py --lint
	@$(PYTHON) deploy/check/manifests.py --lint --self-test

bench: deps build
	scripts/bench.sh

fmt:
	$(CARGO) fmt --all

clean: stop
	rm -rf .data target
