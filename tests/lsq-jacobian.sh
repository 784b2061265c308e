#!/bin/bash
# The brgn Jacobian (MATMPIDENSE, rows distributed like the data) against central
# differences of the residual routine, against TeannEvalResiduals rows, zero columns of
# fixed parameters; 1/2||r||^2 and J^T r against the eq. 9 loss and gradient (with L2 rows);
# on 1, 2 and 3 ranks; with standardised features (eq. 9c) on 1 and 3.
. "$top_srcdir/tests/common.sh"
head -n 1000 "$DATA/water_hf_800.xyz" > "$WORK/w200.xyz"
common="-teann_output_dir $WORK/out -teann_properties dipole,polarizability -teann_hidden 8,8 -tao_type brgn -tao_brgn_regularization_type lm"
for np in 1 2 3; do
  mpirun_np $np "$BIN/tests/test-lsq" -lsq_mode jacobian -teann_data "$WORK/w200.xyz" $common > "$WORK/j.out" 2>&1 || { cat "$WORK/j.out"; fail "Jacobian check on $np ranks"; }
  grep -q "rows against TeannEvalResiduals" "$WORK/j.out" || fail "no row check on $np ranks"
  echo "ok: water dipole+polarizability, $np ranks"
done
mpirun_np 2 "$BIN/tests/test-lsq" -lsq_mode jacobian -teann_output_dir "$WORK/out" -teann_data "$DATA/methanol_hf_240.xyz" -teann_properties dipole -teann_hidden 8 -teann_fix_radial -teann_l2 1e-3 -tao_type brgn -tao_brgn_regularization_type lm > "$WORK/j.out" 2>&1 || { cat "$WORK/j.out"; fail "Jacobian check, fixed radials and L2"; }
grep -q "fixed parameters [1-9]" "$WORK/j.out" || { cat "$WORK/j.out"; fail "no fixed parameters in the fix_radial run"; }
echo "ok: methanol dipole, fixed radials, L2 rows"
# standardised features (eq. 9c): J and J^T r in the optimizer's coordinates, rows T^T J_theta;
# the radial parameters' residuals are strongly curved there, so the difference step is smaller
for np in 1 3; do
  mpirun_np $np "$BIN/tests/test-lsq" -lsq_mode jacobian -teann_data "$WORK/w200.xyz" $common -teann_standardize -teann_l2 1e-4 -lsq_fd_step 2e-6 > "$WORK/j.out" 2>&1 || { cat "$WORK/j.out"; fail "Jacobian check, standardised features, $np ranks"; }
  grep -q "rows against TeannEvalResiduals" "$WORK/j.out" || fail "no row check (standardised, $np ranks)"
done
echo "ok: standardised features, 1 and 3 ranks"
