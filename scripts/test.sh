#!/usr/bin/env bash
# Runs every test suite of Ergon, on a fresh machine as on a developer's.
# Needs a Rust toolchain (cargo) and python3 (3.9 or newer, with venv); crates come from
# crates.io, Python packages from PyPI. Exit code: that of the first
# failing step.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null 2>&1; then
  echo "error: cargo not found. Install Rust $(grep -m1 rust-version Cargo.toml | cut -d'"' -f2) or newer (https://rustup.rs), then rerun." >&2
  exit 2
fi

echo "== build (tests and benchmarks)"
cargo build --workspace --all-targets --locked

echo "== unit, property and integration tests, replay vectors"
cargo test --workspace --all-targets --locked

echo "== documentation tests"
cargo test --workspace --doc --locked

echo "== the Python module: maturin, pytest, pyarrow, pandas, matplotlib and Ray from PyPI (docs/python.md)"
./scripts/test-python.sh

echo "== speed ratio: a Stratos epoch against a plain exact loop (optimised build)"
cargo test --release --locked -p ergon-stratos --test speed_ratio -- --nocapture
