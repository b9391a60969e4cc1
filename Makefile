# sessionlab — the two commands on a fresh Debian machine: `make test` and `make bench`.
SHELL := /bin/bash
NPX := npx --no-install

.PHONY: test check typecheck lint format deps services clean up compose-config conformance conformance-controls bench bench-quick bench-full soak

## deps: npm packages from package-lock.json, and the real services the tests start
deps: node_modules/.installed services

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

## services: redis-server, memcached, nginx, postgresql (Debian packages) — installed when missing and root
services:
	@bash orchestrator/ensure-services.sh

typecheck: node_modules/.installed
	$(NPX) tsc --noEmit -p tsconfig.json

lint: node_modules/.installed
	$(NPX) eslint .

format: node_modules/.installed
	$(NPX) prettier --write .

check: node_modules/.installed
	$(NPX) prettier --check .
	$(NPX) tsc --noEmit -p tsconfig.json
	$(NPX) eslint .

## test: everything CI runs — format check, typecheck, lint, then unit and integration tests
# In CI the plain TAP stream (no terminal redraws); a summary view otherwise.
TAP_REPORTER ?= $(if $(CI),tap,base)

test: deps check
	$(NPX) tap --reporter=$(TAP_REPORTER)

## up: a local cluster (engine, redis, 3 nodes, round-robin nginx) until Ctrl-C; prints the lab URL (<entry>/_lab/)
up: deps
	node bin/sessionlab.js up --state .run/state.json

## bench: conformance on the default targets, the bench, and a report in reports/out/<time>/
bench: deps
	node bin/sessionlab.js suite

bench-quick: deps
	node bin/sessionlab.js suite --quick

## soak: 1,000,000 mixed requests on one engine node; its RSS at start, middle and end must level off
soak: deps
	node bin/sessionlab.js soak --requests 1000000

## bench-full: the whole bench matrix with all repetitions (`make bench` measures the ratio rows and two nginx reads), then the soak
bench-full: deps
	node bin/sessionlab.js suite --full
	node bin/sessionlab.js soak --requests 1000000

## conformance: the catalogue against a local engine × redis cluster (exit 0 when every MUST passes)
conformance: deps
	node bin/sessionlab.js conformance --impl engine --store redis

## conformance-controls: every flaw against the checks it must break, on redis and memcached
conformance-controls: deps
	$(NPX) tap --reporter=$(TAP_REPORTER) test/scenarios/conformance/controls-redis.test.ts test/scenarios/conformance/controls-memcached.test.ts

## compose-config: re-render nginx/compose/nginx.conf from nginx/compose.ts
compose-config: node_modules/.installed
	node --import tsx --input-type=module -e "import('./nginx/compose.ts').then((m) => process.stdout.write(m.renderComposeNginxConfig()))" > nginx/compose/nginx.conf

clean:
	rm -rf .tap .run reports/out
