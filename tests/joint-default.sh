#!/bin/bash
# A joint dipole + polarizability fit with the default balance of its properties (eq. 9b,
# -teann_balance log) does not give up the dipole: after the same number of iterations on the
# same split, its test dipole RMSE is within 2x of a dipole-only fit's. Both fits use the same
# defaults (data split, network, optimizer, L-BFGS history, stopping); only the length is cut
# (300 iterations) so that the test is quick. The 16-16 networks of other tests are no
# model for this: on them eq. 9 and eq. 9b give the dipole alike after 300 iterations.
# eq. 9 (-teann_balance none) fails this check here (ratio about 2.5, bench/accuracy.md).
. "$top_srcdir/tests/common.sh"

OPTS="-teann_data $DATA/water_hf_800.xyz -tao_max_it ${JOINT_TEST_ITS:-300}"
t0=$(date +%s.%N)
fit() { # NAME PROPERTIES [options]
  local name=$1 props=$2; shift 2
  mpirun_np 1 "$BIN/teann-train" $OPTS -teann_properties "$props" "$@" -teann_output_dir "$WORK/$name" > "$WORK/$name.log" 2>&1 || { tail -20 "$WORK/$name.log"; fail "$name fit"; }
  grep -q ' 640 train, 80 validation, 80 test frames' "$WORK/$name.log" || fail "$name: split is not 640/80/80"
}
rmse() { awk -v p="$2" '$1==p && $2=="test" {print $4}' "$WORK/$1.log"; }
its() { sed -n 's/.*stopped after \([0-9]*\) iterations.*/\1/p' "$WORK/$1.log"; }

fit dipole dipole
fit joint dipole,polarizability "$@"
t1=$(date +%s.%N)
d1=$(rmse dipole dipole) dj=$(rmse joint dipole) pj=$(rmse joint polarizability)
[ -n "$d1" ] && [ -n "$dj" ] && [ -n "$pj" ] || fail "no test RMSE in a summary"
[ "$(its dipole)" = "$(its joint)" ] || fail "the fits ran $(its dipole) and $(its joint) iterations; the comparison needs the same length"
grep -q 'valid RMSE polarizability' "$WORK/joint.log" || fail "the joint fit did not fit the polarizability"
ratio=$(awk -v a="$dj" -v b="$d1" 'BEGIN{printf "%.3g", a/b}')
wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}')
echo "test dipole RMSE: dipole alone $d1, joint $dj (ratio $ratio); joint polarizability $pj; $(its joint) iterations each; $wall s"
awk -v r="$ratio" 'BEGIN{exit !(r <= 2)}' || fail "the joint fit's dipole is $ratio x the dipole-only fit's (limit 2)"
lim=$(tscale 60); awk -v w="$wall" -v l="$lim" 'BEGIN{exit !(w < l)}' || fail "took $wall s (limit $lim s)"
echo "ok: the default joint fit keeps the dipole"
