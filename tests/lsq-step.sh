#!/bin/bash
# One brgn step solved by CG on the matrix-free J^T J (tight tolerance) and by the ScaLAPACK
# Cholesky factorisation of the assembled J^T J + damping agree to 1e-10 relative, for lm and
# l2prox, on 1, 2, 3 and 4 ranks (oversubscribed); a restart with the saved damping repeats the
# uninterrupted fit.
. "$top_srcdir/tests/common.sh"
head -n 500 "$DATA/water_hf_800.xyz" > "$WORK/w100.xyz"
common="-teann_overwrite -teann_output_dir $WORK/out -teann_data $WORK/w100.xyz -teann_properties dipole,polarizability -teann_hidden 8 -teann_nwave 4 -tao_type brgn -tao_brgn_regularizer_weight 1e-2"
for reg in lm l2prox; do
  for np in 1 2 3 4; do
    mpirun_np $np "$BIN/tests/test-lsq" -lsq_mode step $common -tao_brgn_regularization_type $reg > "$WORK/s.out" 2>&1 || { cat "$WORK/s.out"; fail "$reg step on $np ranks"; }
    line=$(grep "step(scalapack) - step(matfree)" "$WORK/s.out") || fail "$reg: no comparison printed on $np ranks"
    echo "ok: $reg, $np ranks: $line"
  done
done
# restart: 4 lm iterations equal 2 iterations, then 2 more in a new fit given their parameters
# and the damping state, lambda and the gain rule's nu (TeannFitGetLMDampingState /
# TeannFitSetLMDampingState), on 1 and 3 ranks
for np in 1 3; do
  mpirun_np $np "$BIN/tests/test-lsq" -lsq_mode restart $common -tao_brgn_regularization_type lm -tao_brgn_regularizer_weight 1e-4 -teann_lm_solver scalapack > "$WORK/r.out" 2>&1 || { cat "$WORK/r.out"; fail "restart on $np ranks"; }
  echo "ok: restart, $np ranks: $(grep 'after 2+2' "$WORK/r.out")"
done
