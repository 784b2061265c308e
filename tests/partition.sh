#!/bin/bash
# Work partition: optimal bottleneck against brute force, edge cases, and on
# the example files every frame assigned once with imbalance < 5 % on 2 and 3
# ranks at cutoff 4 (checked inside test-dataset).
. "$top_srcdir/tests/common.sh"

"$BIN/tests/test-dataset" optimal || fail "partition not optimal"
for name in water_hf_800 methanol_hf_240 qm7x_chno_100; do
  out=$("$BIN/tests/test-dataset" partition "$DATA/$name.xyz") || { echo "$out"; fail "partition of $name"; }
  echo "$out"
  [ "$(printf '%s\n' "$out" | grep -c imbalance)" -eq 4 ] || fail "partition of $name: not all rank counts checked"
done
