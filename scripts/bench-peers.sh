#!/usr/bin/env bash
# Peer comparison (docs/PERFORMANCE.md): one simple Stratos network simulated three ways —
# radCAD with exact Python integers, radCAD with numpy float64 (scripts/peers/), and Ergon
# (scenarios/bench/stratos-lite.toml) — timed per epoch, interleaved, and printed as Markdown.
#
#   scripts/bench-peers.sh                               # defaults below
#   REPS=1 PY_EPOCHS=200 ERGON_EPOCHS=4320 scripts/bench-peers.sh   # a quick try
#
# Environment:
#   REPS          repetitions of each way, interleaved (default 5)
#   PY_EPOCHS     epochs (radCAD timesteps) of a radCAD run (default 4,032 = 28 days: half of
#                 them after the 14-day reward lock, when locks are released every epoch)
#   ERGON_EPOCHS  epochs of an Ergon run: a count, or a duration Ergon's --epochs takes (1y,
#                 30d; 144 epochs = 1 day) (default 52,560 = one year: start-up is negligible)
#   CHECK_EPOCHS  epochs of the self-check before the timed runs (default 2,200: past the lock)
#   ERGON_BIN     an ergon binary to use; unset: build it (cargo build --release --locked)
#   PYTHON        the interpreter for the virtual environment (default python3.11, else
#                 python3; radCAD 0.14 needs 3.9 to 3.12)
#   VENV          the virtual environment, reused when present (default target/bench-peers/venv)
#   OUT           where results and logs go (default target/bench-peers)
#
# Exit code: 0, or 1 with a message on any failure.
set -euo pipefail
shopt -s inherit_errexit
export LC_ALL=C
cd "$(dirname "$0")/.."

die() {
  echo "bench-peers: error: $*" >&2
  exit 1
}
trap 'die "command failed (exit $?) at line $LINENO: $BASH_COMMAND"' ERR

REPS=${REPS:-5}
PY_EPOCHS=${PY_EPOCHS:-4032}
ERGON_EPOCHS=${ERGON_EPOCHS:-52560}
CHECK_EPOCHS=${CHECK_EPOCHS:-2200}
OUT=${OUT:-target/bench-peers}
VENV=${VENV:-$OUT/venv}
SCENARIO=scenarios/bench/stratos-lite.toml
PEERS=scripts/peers

for var in REPS PY_EPOCHS CHECK_EPOCHS; do
  [[ ${!var} =~ ^[1-9][0-9]*$ ]] || die "$var must be a positive integer, not '${!var}'"
done
[[ -f $SCENARIO ]] || die "$SCENARIO not found"

[[ -n $ERGON_EPOCHS ]] || die "ERGON_EPOCHS is empty"

mkdir -p "$OUT"

echo "== Python environment ($VENV)"
if [[ ! -x $VENV/bin/python ]]; then
  if [[ -z ${PYTHON:-} ]]; then
    PYTHON=$(command -v python3.11 || command -v python3) || die "no python3.11 or python3 found"
  fi
  "$PYTHON" -c 'import sys; sys.exit(not (3, 9) <= sys.version_info[:2] <= (3, 12))' ||
    die "$PYTHON is Python $("$PYTHON" -c 'import platform; print(platform.python_version())'); radCAD needs 3.9 to 3.12 (set PYTHON)"
  "$PYTHON" -m venv "$VENV" || die "could not create a virtual environment with $PYTHON"
fi
PY=$(cd "$VENV" && pwd)/bin/python  # absolute: the models run from their own folder
"$PY" -m pip install --quiet --disable-pip-version-check -r "$PEERS/requirements.txt" ||
  die "pip install -r $PEERS/requirements.txt failed"

echo "== Ergon"
if [[ -z ${ERGON_BIN:-} ]]; then
  cargo build --release --locked -p ergon-cli || die "cargo build --release -p ergon-cli failed"
  ERGON_BIN=${CARGO_TARGET_DIR:-target}/release/ergon
fi
[[ -x $ERGON_BIN ]] || die "ERGON_BIN=$ERGON_BIN is not an executable"
ERGON_BIN=$(realpath "$ERGON_BIN")
"$ERGON_BIN" --version

echo "== Machine"
echo "nproc:  $(nproc)"
echo "CPU:    $(lscpu | sed -n 's/^Model name: *//p')"
echo "Python: $("$PY" -c 'import platform, radcad, numpy; print(platform.python_version(), "radcad", radcad.__version__, "numpy", numpy.__version__)')"
echo "rustc:  $(rustc --version 2>/dev/null || echo unknown)"
echo "load:   $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine slows every way alike)"

# ergon_run EPOCHS DIR: one Ergon run; prints "SECONDS EPOCHS" (the epochs Ergon ran, read from
# its summary.json, so EPOCHS may be a duration such as 1y).
ergon_run() {
  local start end epochs
  start=$EPOCHREALTIME
  "$ERGON_BIN" run "$SCENARIO" --epochs "$1" --runs 1 --threads 1 --quiet --force --out "$2" \
    >"$OUT/ergon.log" 2>&1 || die "ergon run failed (exit $?); see $OUT/ergon.log"
  end=$EPOCHREALTIME
  epochs=$("$PY" -c 'import json, sys
s = json.load(open(sys.argv[1] + "/summary.json"))
print(s["epochs"] if s["complete"] else 0)' "$2") || die "no summary.json in $2"
  [[ $epochs -gt 0 ]] || die "ergon run in $2 is incomplete"
  awk -v a="$start" -v b="$end" -v e="$epochs" 'BEGIN { printf "%.6f %d\n", b - a, e }'
}

# radcad_run MODEL EPOCHS [--check]: one radCAD run (its JSON line, or with --check its totals).
radcad_run() {
  (cd "$PEERS" && "$PY" stratos_radcad.py --model "$1" --epochs "$2" "${@:3}") ||
    die "radCAD $1 model failed (exit $?)"
}

echo "== Self-check: $CHECK_EPOCHS epochs each (the same network rules; the draws differ)"
radcad_run exact "$CHECK_EPOCHS" --check
radcad_run numpy "$CHECK_EPOCHS" --check
ergon_run "$CHECK_EPOCHS" "$OUT/ergon-check" >/dev/null
"$PY" "$PEERS/report.py" ergon-totals "$OUT/ergon-check"

RESULTS=$OUT/results.jsonl
: >"$RESULTS"
run=$(ergon_run 1 "$OUT/ergon-startup")
read -r seconds epochs <<<"$run"
echo "{\"model\": \"ergon-startup\", \"epochs\": $epochs, \"seconds\": $seconds}" >>"$RESULTS"

echo "== Timed runs: $REPS × (radCAD exact $PY_EPOCHS, radCAD numpy $PY_EPOCHS, Ergon $ERGON_EPOCHS epochs)"
for rep in $(seq 1 "$REPS"); do
  for model in exact numpy; do
    line=$(radcad_run "$model" "$PY_EPOCHS")
    echo "$line" >>"$RESULTS"
    "$PY" -c 'import json, sys
r = json.loads(sys.argv[1])
model, seconds, us = r["model"], r["seconds"], r["us_per_epoch"]
print(f"rep {sys.argv[2]}: radCAD {model:5}  {seconds:8.3f} s  {us:10.1f} µs/epoch")' "$line" "$rep"
  done
  run=$(ergon_run "$ERGON_EPOCHS" "$OUT/ergon-out")
  read -r seconds epochs <<<"$run"
  echo "{\"model\": \"ergon\", \"epochs\": $epochs, \"seconds\": $seconds}" >>"$RESULTS"
  awk -v r="$rep" -v s="$seconds" -v e="$epochs" \
    'BEGIN { printf "rep %s: Ergon         %8.3f s  %10.1f µs/epoch\n", r, s, s / e * 1e6 }'
done

echo "== Results (Markdown; also in $OUT/table.md)"
"$PY" "$PEERS/report.py" table "$RESULTS" "$ERGON_BIN" | tee "$OUT/table.md"
