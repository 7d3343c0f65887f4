# hookproof — one entry point for humans and CI. Every target sets up what it needs, so each
# works on a fresh machine (rustup targets and components, `npm ci` from the lockfile).
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
CARGO ?= cargo

.PHONY: all demo test setup setup-rust setup-node fmt-check clippy test-rust nostd vectors vectors-check

all: test

## The main job, end to end.
demo: setup-rust
	$(CARGO) run --quiet --release --example demo

## Everything CI checks.
test: setup fmt-check clippy test-rust nostd vectors-check
	@echo "make test: all checks passed"

setup: setup-rust setup-node

setup-rust:
	rustup component add rustfmt clippy >/dev/null 2>&1 || true
	rustup target add wasm32v1-none >/dev/null

setup-node:
	npm ci --no-audit --no-fund --loglevel=error

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

test-rust:
	$(CARGO) test --workspace

## The core builds for a target with no `std` at all: a stray `std::` fails here.
nostd:
	$(CARGO) build -p hookproof --no-default-features --target wasm32v1-none

## Regenerate the vector suite from the peers (svix, standardwebhooks, node:crypto).
vectors: setup-node
	node tests/vectors/generate.mjs

## The committed vectors are exactly what the generator writes.
vectors-check:
	node tests/vectors/generate.mjs --check
