#!/bin/bash
# One brgn step solved by CG on the matrix-free J^T J (tight tolerance) and by the ScaLAPACK
# Cholesky factorisation of the assembled J^T J + damping agree to 1e-10 relative, for lm and
# l2prox, on 1, 2, 3 and 4 ranks (oversubscribed).
. "$top_srcdir/tests/common.sh"
head -n 500 "$DATA/water_hf_800.xyz" > "$WORK/w100.xyz"
common="-teann_data $WORK/w100.xyz -teann_properties dipole,polarizability -teann_hidden 8 -teann_nwave 4 -tao_type brgn -tao_brgn_regularizer_weight 1e-2"
for reg in lm l2prox; do
  for np in 1 2 3 4; do
    mpirun_np $np "$BIN/tests/test-lsq" -lsq_mode step $common -tao_brgn_regularization_type $reg > "$WORK/s.out" 2>&1 || { cat "$WORK/s.out"; fail "$reg step on $np ranks"; }
    line=$(grep "step(scalapack) - step(matfree)" "$WORK/s.out") || fail "$reg: no comparison printed on $np ranks"
    echo "ok: $reg, $np ranks: $line"
  done
done
