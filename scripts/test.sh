#!/usr/bin/env bash
# The test command (README): format check, lints, then every test. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --check
cargo clippy --all-targets --locked -- -D warnings
# The conformance counts (`corpus (live): N/M identical`) shown on their own first.
cargo test --locked --test conformance -- --nocapture 2>&1 | grep -E "identical|notice|test result" || true
cargo test --locked --no-fail-fast
