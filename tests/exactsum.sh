#!/bin/bash
# Exact sums (design eq. 13): cancellation, order and grouping independence, agreement with a
# compensated sum, 1 and 3 ranks bitwise equal to serial, NaN/Inf/overflow void the sums.
. "$top_srcdir/tests/common.sh"
mpirun_np 1 "$BIN/tests/test-exactsum" || fail "test-exactsum on 1 rank"
mpirun_np 3 "$BIN/tests/test-exactsum" || fail "test-exactsum on 3 ranks"
echo "exact sums ok"
