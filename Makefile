# Mail Governor — every command a developer or CI needs.
# Works on a fresh Debian machine as root: missing system packages are installed with apt-get.

SHELL := /bin/bash
export PATH := /opt/swift/usr/bin:$(PATH)

SWIFT ?= swift
# Debian packages the build and the tests need: tzdata (the engine's time zones come from it),
# libsqlite3-dev (GRDB links the system SQLite), postgresql (the store's second backend: the
# tests start a throwaway server of their own; psql creates a database per test),
# libcurl4-openssl-dev and pkg-config (forwarding to the mail sender is libcurl), openssl
# (the TLS tests run a real `openssl s_server`), nginx (the HTTP/2 test's TLS peer), chromium
# (the preference page is tested in a headless browser), swaks (a real SMTP client against the
# SMTP listener, beside Python's smtplib).
APT_PACKAGES := tzdata libsqlite3-dev postgresql postgresql-client libcurl4-openssl-dev pkg-config \
  openssl nginx chromium swaks
CONFIG ?= debug
# Only `make bench` needs the load generator (nginx, its stand-in mail sender, is in APT_PACKAGES)
# and Postfix with its smtp-source and smtp-sink (the SMTP listener is measured beside it;
# installed unconfigured, so no system mail service starts).
BENCH_PACKAGES := wrk postfix

.PHONY: run demo test build lint format client bench fuzz reliability deps clean

# The gateway on its embedded defaults: SQLite under ./data, the outbox sender, the default
# policy, 127.0.0.1:8080. The first start creates a development key and prints a curl example.
run: deps
	$(SWIFT) build --product governor
	$$($(SWIFT) build --show-bin-path)/governor policy check policies/*.yaml
	$$($(SWIFT) build --show-bin-path)/governor serve --dev-key-file data/dev-key \
	  --dev-unsubscribe-secret-file data/unsubscribe-secret --smtp 127.0.0.1:2525

# The engine alone on the fixtures: what a campaign would get, nothing stored or sent.
demo: deps
	$(SWIFT) build --product governor
	$$($(SWIFT) build --show-bin-path)/governor evaluate \
	  --campaign fixtures/campaigns/black-friday.yaml \
	  --customers fixtures/customers.yaml \
	  --policy policies/default.yaml

# The store's contract suite runs against SQLite and against a throwaway PostgreSQL server
# that lives only as long as the test run; the SES sender is tested against moto's server.
# The run is bounded (about a minute once built, when healthy): a hang, a child process
# holding the output pipe after a crash included, fails in TEST_MINUTES instead of eating
# CI's 90.
TEST_MINUTES ?= 40
test: deps
	$(SWIFT) build --build-tests
	MOTO_SERVER="$(MOTO_SERVER)" .ci/with-postgres \
	  timeout --kill-after=30 $(TEST_MINUTES)m .ci/test-suites $(SWIFT) || { rc=$$?; \
	  [ $$rc -ne 124 ] || echo "make test: stopped after TEST_MINUTES=$(TEST_MINUTES): a hang"; \
	  exit $$rc; }

build: deps
	$(SWIFT) build -c $(CONFIG)

lint:
	$(SWIFT) format lint --strict -r Sources Tests

format:
	$(SWIFT) format format -i -r Sources Tests

# Regenerates the Swift client (Sources/GovernorClient/Generated) from openapi.yaml with
# swift-openapi-generator, and records the spec's digest: a test fails while the committed
# client is older than the spec. The generator is built in a folder of its own.
client:
	$(SWIFT) build -c release --package-path .ci/openapi-generator \
	  --scratch-path .build-openapi-generator --product swift-openapi-generator
	rm -rf Sources/GovernorClient/Generated
	.build-openapi-generator/release/swift-openapi-generator generate openapi.yaml \
	  --config .ci/openapi-generator/openapi-generator-config.yaml \
	  --output-directory Sources/GovernorClient/Generated
	sha256sum openapi.yaml | cut -d' ' -f1 > Sources/GovernorClient/Generated/openapi.yaml.sha256

# Engine, rewriter, store, group-commit and dry-run figures, then POST /v1/messages under wrk:
# nginx as a plain reverse proxy, the floor of the governor's own stack (Hummingbird alone,
# Hummingbird + libcurl) and the governor, side by side, forwarding to the same sink; then SMTP
# messages per second under Postfix's smtp-source, Postfix beside the governor; then
# recipients per second through SendGrid's v3 Mail Send beside POST /v1/messages/batch.
bench: deps
	@for p in $(BENCH_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then apt-get update -qq && \
	  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi
	$(SWIFT) build -c release --product governor-bench
	$(SWIFT) build -c release --product governor
	$$($(SWIFT) build -c release --show-bin-path)/governor-bench
	.ci/http-bench $$($(SWIFT) build -c release --show-bin-path)/governor
	.ci/smtp-bench $$($(SWIFT) build -c release --show-bin-path)/governor
	.ci/esp-bench $$($(SWIFT) build -c release --show-bin-path)/governor

# The proof that the gateway holds (issue 8), at full size, on a release build: 60 s of load
# at 64 connections over 10,000 customers; faults at the mail sender with a SIGKILL mid-load;
# the store's disk filling up under load; two gateways on one PostgreSQL through its restart
# and its SIGKILL;
# bad input and every route's access rules; schemathesis against openapi.yaml for
# ST_SECONDS; every fuzzer for FUZZ_SECONDS. `make test` runs the same suites short.
ST_SECONDS ?= 120
RELIABILITY_SUITES = ReliabilityTests|DiskFullTests|PostgresFleetTests|LogHygieneTests|SecurityRouteTests|BadInputTests|AtMostOnceTests
reliability: deps
	$(SWIFT) build -c release --product governor
	$(SWIFT) build --build-tests
	GOVERNOR_RELIABILITY=full GOVERNOR_BINARY=$$($(SWIFT) build -c release --show-bin-path)/governor \
	  $(SWIFT) test --skip-build --filter "$(RELIABILITY_SUITES)"
	.ci/schemathesis $$($(SWIFT) build -c release --show-bin-path)/governor $(ST_SECONDS)
	$(MAKE) fuzz FUZZ_SECONDS=$(FUZZ_SECONDS)

# The tracking rewriter, the policy loader, the MIME reader and writer and the SMTP session under
# libFuzzer (swiftc -sanitize=fuzzer), each for FUZZ_SECONDS, seeded with the mails in
# fixtures/emails and fixtures/mime, the policies in policies/ and fixtures/policies and the
# sessions in fixtures/smtp/sessions (Swift's own crash backtracer off, so libFuzzer saves the
# failing input).
# They check more than "no crash": see Sources/rewriter-fuzz and
# Sources/policy-fuzz. A failing input is saved as crash-*; replay it with
# `swift run rewriter-fuzz crash-…` (or policy-fuzz). Its own build folder: the instrumented
# build is separate.
FUZZ_SECONDS ?= 120
FUZZ_BUILD = $(SWIFT) build -c release --build-path .build-fuzz -Xswiftc -sanitize=fuzzer \
  -Xswiftc -DFUZZING
fuzz: deps
	$(FUZZ_BUILD) --product rewriter-fuzz
	$(FUZZ_BUILD) --product policy-fuzz
	$(FUZZ_BUILD) --product mime-fuzz
	$(FUZZ_BUILD) --product smtp-fuzz
	mkdir -p .build-fuzz/corpus .build-fuzz/policy-corpus .build-fuzz/mime-corpus .build-fuzz/smtp-corpus
	SWIFT_BACKTRACE=enable=no .build-fuzz/release/rewriter-fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=262144 \
	  -timeout=10 .build-fuzz/corpus fixtures/emails
	SWIFT_BACKTRACE=enable=no .build-fuzz/release/policy-fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
	  -timeout=10 .build-fuzz/policy-corpus policies fixtures/policies
	SWIFT_BACKTRACE=enable=no .build-fuzz/release/mime-fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
	  -timeout=10 .build-fuzz/mime-corpus fixtures/mime fixtures/emails
	SWIFT_BACKTRACE=enable=no .build-fuzz/release/smtp-fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=16384 \
	  -timeout=10 .build-fuzz/smtp-corpus fixtures/smtp/sessions

# moto's server emulates Amazon SES v2 for the SES sender's test (PyPI, not Debian); the
# ESP-compatible routes are tested with the providers' own SDKs from PyPI (sendgrid, mailgun,
# boto3).
MOTO_SERVER = $(shell python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')/moto_server

# Installs only what is missing, so a warm machine pays nothing.
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
	@[ -x "$(MOTO_SERVER)" ] || { echo "installing moto[server]"; \
	  python3 -m pip install -q --disable-pip-version-check "moto[server]"; }
	@python3 -c 'import sendgrid, mailgun, boto3' 2>/dev/null || { \
	  echo "installing sendgrid, mailgun and boto3 (the providers' official SDKs)"; \
	  python3 -m pip install -q --disable-pip-version-check sendgrid mailgun boto3; }

clean:
	rm -rf .build
