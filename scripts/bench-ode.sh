#!/usr/bin/env bash
# Lorenz dopri5 (t 0..100, rtol 1e-8, atol 1e-10): nodekit vs the C yardstick
# in ../shared/reference/dopri5_ref.c, interleaved round by round on one core
# so both see the same machine state. Prints the medians and their ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
ref=${REF:-../shared/reference/dopri5_ref.c}
rounds=${ROUNDS:-7}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gcc -O3 -march=native -o "$tmp/ref" "$ref" -lm
gcc -O3 -march=native -ffp-contract=off -o "$tmp/ref_nofma" "$ref" -lm
go test -c -o "$tmp/ode.test" ./runtime/ode
for i in $(seq "$rounds"); do
  "$tmp/ref" 100 1e-8 1e-10 50 1000000 0 >> "$tmp/c.json"
  "$tmp/ref_nofma" 100 1e-8 1e-10 50 0 0 >> "$tmp/cnofma.json"
  GOMAXPROCS=1 taskset -c 0 "$tmp/ode.test" -test.run '^$' -test.bench 'Lorenz(Dopri5|RK4)$' -test.benchtime 200x >> "$tmp/go.txt" 2>&1 || \
    GOMAXPROCS=1 "$tmp/ode.test" -test.run '^$' -test.bench 'Lorenz(Dopri5|RK4)$' -test.benchtime 200x >> "$tmp/go.txt"
done
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
c=$(grep '"c_dopri5"' "$tmp/c.json" | grep -o '"ns_per_step": [0-9.]*' | awk '{print $2}' | median)
cn=$(grep -o '"ns_per_step": [0-9.]*' "$tmp/cnofma.json" | awk '{print $2}' | median)
crk=$(grep '"c_rk4_fixed"' "$tmp/c.json" | grep -o '"ns_per_step": [0-9.]*' | awk '{print $2}' | median)
g=$(grep 'BenchmarkLorenzDopri5' "$tmp/go.txt" | grep -o '[0-9.]* ns/step' | awk '{print $1}' | median)
grk=$(grep 'BenchmarkLorenzRK4' "$tmp/go.txt" | grep -o '[0-9.]* ns/step' | awk '{print $1}' | median)
gs=$(grep 'BenchmarkLorenzDopri5' "$tmp/go.txt" | head -1 | grep -o '[0-9]* steps' )
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores"
echo "C dopri5 (-O3 -march=native):          $c ns/step"
echo "C dopri5 (-ffp-contract=off):          $cn ns/step  $(grep -o '"steps_accepted": [0-9]*' "$tmp/cnofma.json" | head -1)"
echo "nodekit dopri5 (GOMAXPROCS=1):         $g ns/step  ($gs)"
echo "ratio nodekit / C (fma build):         $(awk -v a="$g" -v b="$c" 'BEGIN{printf "%.2f", a/b}')"
echo "C rk4 fixed step:                      $crk ns/step"
echo "nodekit rk4 fixed step:                $grk ns/step"
echo "ratio rk4 nodekit / C:                 $(awk -v a="$grk" -v b="$crk" 'BEGIN{printf "%.2f", a/b}')"
