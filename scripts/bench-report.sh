#!/usr/bin/env bash
# Every figure in BENCHMARKS.md, in one run: the Go benchmarks (medians of
# COUNT runs via benchstat) and the yardsticks measured beside them on the
# same machine. Usage: scripts/bench-report.sh [outdir]   (default bench-out/)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench-out}
count=${COUNT:-5}
mkdir -p "$out"
benchstat=$(command -v benchstat || echo "$(go env GOPATH)/bin/benchstat")
[ -x "$benchstat" ] || go install golang.org/x/perf/cmd/benchstat@latest

{
  echo "date: $(date -u +%FT%TZ)"
  echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'), family $(grep -m1 'cpu family' /proc/cpuinfo | awk '{print $NF}') model $(grep -m1 '^model' /proc/cpuinfo | awk '{print $NF}'), $(nproc) cores"
  echo "go: $(go version)"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$out/machine.txt"

run() { # name, package, bench regexp, extra go test flags...
  local name=$1 pkg=$2 re=$3; shift 3
  go test -run '^$' -bench "$re" -count "$count" "$@" "$pkg" > "$out/$name.txt" 2>&1 || { cat "$out/$name.txt"; return 1; }
  "$benchstat" "$out/$name.txt" > "$out/$name.stat" 2>&1 || true
}

# ODE: Lorenz dopri5 against the C yardstick, interleaved (one core)
ROUNDS=$count scripts/bench-ode.sh > "$out/ode-vs-c.txt"
GOMAXPROCS=1 run ode ./runtime/ode 'Lorenz|Stiff|Arenstorf|KeplerPeriod' -benchtime 50x
if /usr/bin/python3 -c 'import scipy' 2>/dev/null; then /usr/bin/python3 scripts/scipy_lorenz.py > "$out/scipy.txt"; fi
# generated vs hand-written vs interpreted
GOMAXPROCS=1 run codegen ./codegen/internal/lorenzgen 'Dopri5|SoA|VJP' -benchtime 200ms
# kernels and layers; OpenBLAS beside them when available
GOMAXPROCS=1 run gemm ./runtime/simd 'Gemm$/256' -benchtime 200x
if [ -f /usr/include/x86_64-linux-gnu/cblas.h ] || [ -f /usr/include/cblas.h ]; then
  gcc -O2 -o "$out/openblas_dgemm" scripts/openblas_dgemm.c -lopenblas && \
  for i in $(seq "$count"); do OPENBLAS_NUM_THREADS=1 taskset -c 0 "$out/openblas_dgemm" 256 101; done > "$out/openblas.txt"
fi
run gemm2 ./runtime/simd 'Gemm$/(256|512)' -benchtime 100x -cpu 2
run nn ./runtime/nn 'MLPSmall/\[2_50_2\]|Conv2d' -benchtime 200x
# training: the spiral demo per gradient method
run spiral ./examples/spiral 'SpiralIteration' -benchtime 200x
# SINDy, SDE paths
run sindy ./sindy 'LorenzSTLSQ' -benchtime 50x
GOMAXPROCS=1 run sde1 ./runtime/sde 'LorenzPaths' -benchtime 5x
run sde2 ./runtime/sde 'LorenzPaths' -benchtime 5x
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/machine.txt"
echo "results in $out/"
