# sessionlab — the two commands on a fresh Debian machine: `make test` and `make bench`.
SHELL := /bin/bash
NPX := npx --no-install

.PHONY: test check typecheck lint format deps services clean

## deps: npm packages from package-lock.json, and the real services the tests start
deps: node_modules/.installed services

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

## services: redis-server, memcached, nginx (Debian packages) — installed when missing and root
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
test: deps check
	$(NPX) tap

clean:
	rm -rf .tap .run reports/out
