#!/bin/bash
# tests/test-dataset.c BadIds under AddressSanitizer on 2 and 3 ranks: the test once passed
# n = 2 with a one-element array on every rank but the last (a stack overflow of the test that
# the plain build did not notice).
. "$top_srcdir/tests/common.sh"
T=$BIN/tests/test-dataset-asan
[ -x "$T" ] || fail "$T not built"
"$BIN/teann-convert" "$DATA/qm7x_chno_100.xyz" "$WORK/q.nc" > /dev/null || fail "teann-convert"
# MPI and PETSc keep memory to the end on purpose: leaks are not the point here
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=0
for np in 2 3; do
  out=$(timeout $(tscale 120) "$MPIEXEC" -n $np "$T" badids "$WORK/q.nc" 2>&1) || { printf '%s\n' "$out" | grep -m3 -A3 'ERROR: AddressSanitizer' >&2; fail "bad ids on $np ranks under AddressSanitizer"; }
  [ "$(printf '%s\n' "$out" | grep -c 'bad ids rejected on every rank')" -eq $np ] || { printf '%s\n' "$out" | tail -20; fail "bad ids on $np ranks: not every rank reported"; }
  echo "ok: badids on $np ranks, no AddressSanitizer report"
done
