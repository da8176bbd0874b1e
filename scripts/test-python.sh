#!/usr/bin/env bash
# The Python module's tests (crates/py/tests, docs/python.md): a virtual environment under the
# build directory with maturin, pytest, pyarrow, pandas, matplotlib and Ray from PyPI, the
# module built into it by `maturin develop` in the debug profile (so it reuses the dependencies
# the Rust tests built), then pytest, Ray included (a local Ray of 2 CPUs).
# Needs python3 (3.9 or newer) with venv and pip, and cargo. Exit code: pytest's, or that of
# the first failing step.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
if ! "$python" -c 'import sys, venv; sys.exit(sys.version_info < (3, 9))' 2>/dev/null; then
  echo "error: $python 3.9 or newer with venv is needed for the Python tests (set PYTHON=…)" >&2
  exit 2
fi
target=${CARGO_TARGET_DIR:-$PWD/target}
export CARGO_TARGET_DIR=$target
venv=$target/python-env
requirements=crates/py/requirements-test.txt

# The environment is made once, and again when the requirements change.
stamp=$venv/.requirements
if ! cmp -s "$requirements" "$stamp" 2>/dev/null; then
  echo "== Python environment: $venv"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --no-cache-dir --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$stamp"
fi

# The tests compare the module's tables with the files of the ergon command. scripts/test.sh
# has built it, with every dependency, in this very form: building the same here is a no-op
# then, and maturin below finds those dependencies built.
export ERGON_BIN=$target/debug/ergon
if [ ! -x "$ERGON_BIN" ]; then
  echo "== the debug build of the workspace (as scripts/test.sh makes it)"
  cargo build --workspace --all-targets --locked
fi

echo "== the Python module (maturin develop, debug profile)"
(cd crates/py && VIRTUAL_ENV=$venv PATH="$venv/bin:$PATH" maturin develop --locked --quiet)

echo "== Python tests (pytest, Ray on a local 2-CPU cluster)"
export RAY_USAGE_STATS_ENABLED=0
"$venv/bin/python" -m pytest -p no:cacheprovider -q crates/py/tests --ignore=crates/py/tests/test_ray.py "$@"
# The Ray tests in a process of their own. A local Ray cluster has been seen to end its driver
# (exit 1, before pytest reports anything) while a cancelled task's worker shuts down: that
# run, and only that (no pytest summary line), is made once more; a test that fails, fails.
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
for attempt in 1 2; do
  set +e
  "$venv/bin/python" -m pytest -p no:cacheprovider -q crates/py/tests/test_ray.py "$@" 2>&1 | tee "$log"
  code=${PIPESTATUS[0]}
  set -e
  # 5: the arguments selected no Ray test.
  if [ "$code" = 5 ]; then exit 0; fi
  if [ "$code" = 0 ] || grep -qE '[0-9]+ (passed|failed|errors?|deselected)|no tests ran' "$log" || [ "$attempt" = 2 ]; then
    exit "$code"
  fi
  echo "== the Ray tests' process ended before pytest reported (exit $code): once more"
done
