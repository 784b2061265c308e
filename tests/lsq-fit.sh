#!/bin/bash
# brgn fits of water dipole + polarizability: lm (ScaLAPACK solve) and l2prox (matrix-free CG)
# reach the same parameters on 1, 2 and 3 ranks (and 2 threads) after a fixed number of iterations
# (1e-8 relative), lm cuts the loss by more than 1000x in 10 iterations (also with -teann_l2), and teann-train with
# brgn monitors validation, stops early with -teann_patience and writes model.nc.
. "$top_srcdir/tests/common.sh"
head -n 1000 "$DATA/water_hf_800.xyz" > "$WORK/w200.xyz"
value() { awk -v k="$1" '$1==k {print $2}' "$2"; }
common="-teann_overwrite -teann_output_dir $WORK/out -teann_data $WORK/w200.xyz -teann_properties dipole,polarizability -teann_hidden 8 -teann_nwave 4 -tao_type brgn"
run() { # tag np options...
  local tag=$1 np=$2; shift 2
  mpirun_np $np "$BIN/tests/test-lsq" -lsq_mode fit $common "$@" > "$WORK/$tag.$np.out" 2>&1 || { cat "$WORK/$tag.$np.out"; fail "$tag on $np ranks"; }
}
for tag in lm l2prox; do
  if [ $tag = lm ]; then opts="-tao_brgn_regularization_type lm -teann_lm_solver scalapack -tao_max_it 5"
  else opts="-tao_brgn_regularization_type l2prox -tao_brgn_regularizer_weight 1e-3 -teann_lm_ksp_rtol 1e-13 -teann_lm_ksp_max_it 100000 -tao_max_it 4"; fi
  for np in 1 2 3; do run $tag $np $opts; done
  OMP_NUM_THREADS=2 run $tag.t2 1 $opts
  for np in 2 3 t2; do
    b=$WORK/$tag.$np.out; [ $np = t2 ] && b=$WORK/$tag.t2.1.out
    # the parameters to 1e-8; the loss, steep away from the minimum (|grad| ~ 100), to 1e-6
    for k in theta_norm:1e-8 theta_checksum:1e-8 loss_last:1e-6; do
      tol=${k#*:}; k=${k%:*}
      a=$(value $k "$WORK/$tag.1.out")
      [ -n "$a" ] || fail "$tag: no $k printed"
      close_rel "$a" "$(value $k "$b")" $tol || fail "$tag: $k differs ($np ranks/threads): $a vs $(value $k "$b")"
    done
  done
  echo "ok: $tag: same parameters on 1, 2, 3 ranks and 2 threads: $(grep theta_checksum "$WORK/$tag.1.out"); loss $(value loss_first "$WORK/$tag.1.out") -> $(value loss_last "$WORK/$tag.1.out")"
done
# small damping amplifies round-off from step to step: the rank comparison stops at 5 iterations,
# the loss reduction is judged after 10
run lm10 1 -tao_brgn_regularization_type lm -teann_lm_solver scalapack -tao_max_it 10
awk -v a="$(value loss_first "$WORK/lm10.1.out")" -v b="$(value loss_last "$WORK/lm10.1.out")" 'BEGIN{exit !(b < a/1000)}' || fail "lm: the loss fell by less than 1000x in 10 iterations"
echo "ok: lm: loss $(value loss_first "$WORK/lm10.1.out") -> $(value loss_last "$WORK/lm10.1.out") in 10 iterations"
# with -teann_l2 the hidden layers, unseen by the residuals while the last layer is small, must
# not jump to zero in the first step (the damping floor, doc/optimizers.md): without it this fit
# stalled at the constant-prediction loss (33 -> 1.0)
run lm10l2 1 -tao_brgn_regularization_type lm -teann_lm_solver scalapack -tao_max_it 10 -teann_l2 1e-5
awk -v a="$(value loss_first "$WORK/lm10l2.1.out")" -v b="$(value loss_last "$WORK/lm10l2.1.out")" 'BEGIN{exit !(b < a/1000)}' || fail "lm with -teann_l2 1e-5: the loss fell by less than 1000x in 10 iterations ($(value loss_first "$WORK/lm10l2.1.out") -> $(value loss_last "$WORK/lm10l2.1.out"))"
echo "ok: lm with -teann_l2 1e-5: loss $(value loss_first "$WORK/lm10l2.1.out") -> $(value loss_last "$WORK/lm10l2.1.out") in 10 iterations"
awk -v a="$(value loss_first "$WORK/l2prox.1.out")" -v b="$(value loss_last "$WORK/l2prox.1.out")" 'BEGIN{exit !(b < a/10)}' || fail "l2prox: the loss fell by less than 10x in 4 iterations"
grep -q "Final errors" "$WORK/lm.2.out" || fail "no summary after a brgn fit"

# teann-train end to end: validation monitor, early stopping, model.nc
mpirun_np 2 "$BIN/teann-train" $common -tao_brgn_regularization_type lm -tao_max_it 60 -teann_patience 1 -teann_output_dir "$WORK/out" > "$WORK/train.out" 2>&1 || { cat "$WORK/train.out"; fail "teann-train -tao_type brgn"; }
grep -q "TAO brgn stopped after" "$WORK/train.out" || fail "teann-train: no stop line"
# Early stopping, judged on the run's own monitor, not on a trajectory: whether and where the
# validation loss stops improving depends on round-off (-O2 vs -O3 -march=native). With
# -teann_patience 1 the fit must stop (CONVERGED_USER) at the first iteration not marked "*"
# (not a new best), and must not stop early if every iteration was a new best.
first=$(awk '/^ *it +loss/ {on=1; next} on && /^ *[0-9]+ / { if ($NF != "*") { print $1; exit } }' "$WORK/train.out")
stopped=$(sed -n 's/.*TAO brgn stopped after \([0-9]*\) iterations.*/\1/p' "$WORK/train.out")
if [ -n "$first" ]; then
  grep -q "CONVERGED_USER" "$WORK/train.out" && [ "$stopped" = "$first" ] || { cat "$WORK/train.out"; fail "teann-train brgn: early stopping did not stop the fit at iteration $first (no better validation loss), stopped after $stopped"; }
else
  ! grep -q "CONVERGED_USER" "$WORK/train.out" || { cat "$WORK/train.out"; fail "teann-train brgn: stopped early although every iteration improved the validation loss"; }
fi
[ -s "$WORK/out/model.nc" ] && [ -s "$WORK/out/history.nc" ] || fail "teann-train brgn: model.nc or history.nc missing"
echo "ok: teann-train brgn lm: $(grep 'TAO brgn stopped' "$WORK/train.out")"

# a Jacobian or J^T J larger than a node: refused before anything is allocated, with the sizes
# (-teann_hidden 256,256: ~430,000 parameters, J^T J 3 TB)
if mpirun_np 1 "$BIN/teann-train" -teann_data "$WORK/w200.xyz" -teann_properties polarizability -teann_hidden 256,256 -tao_type brgn -tao_brgn_regularization_type lm -teann_lm_solver scalapack -tao_max_it 1 -teann_output_dir "$WORK/big" > "$WORK/big.out" 2>&1; then
  cat "$WORK/big.out"; fail "a 3 TB J^T J was not refused"
fi
grep -q "Levenberg-Marquardt needs .* GB on one node .* use fewer parameters" "$WORK/big.out" || { cat "$WORK/big.out"; fail "no clear message for a Jacobian larger than the node"; }
echo "ok: $(grep -o 'Levenberg-Marquardt needs [^:]*' "$WORK/big.out" | head -1)"
