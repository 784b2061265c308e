#!/bin/bash
# Pair lists against brute force on random triclinic cells (narrower than r_c, below 2 r_c, mixed
# periodicity, unwrapped atoms) and isolated molecules, with 1 and 2 threads.
. "$top_srcdir/tests/common.sh"
OMP_NUM_THREADS=1 "$BIN/tests/test-neighbours" -cells 400 -seed 11 || fail "test-neighbours (1 thread)"
OMP_NUM_THREADS=2 "$BIN/tests/test-neighbours" -cells 200 -seed 12 || fail "test-neighbours (2 threads)"
echo "pair lists equal brute force"
