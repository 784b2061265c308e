#!/bin/bash
# The dipole with atomic dipoles (design eq. 6b, -teann_dipole_form charges_dipoles) on methanol:
#  - parameter and position gradients against finite differences, exact equivariance under
#    proper and improper rotations, translations and permutations of like atoms, the same
#    result on 1 and 2 threads, the pair cache, residuals and Jacobian rows (test-model);
#  - loss and gradient bitwise the same on 1, 2 and 3 ranks, also with -teann_charge_neutral
#    and standardised features;
#  - model.nc records the form and teann-predict on it reproduces the fit's predictions; a
#    restart continues with the checkpoint's form; a model.nc with an unknown form is refused,
#    naming the file.
. "$top_srcdir/tests/common.sh"
M=$DATA/methanol_hf_240.xyz
F="-teann_dipole_form charges_dipoles"
small="-teann_hidden 10,7"
run() { echo "== $*"; "$BIN/tests/test-model" "$@" || fail "$*"; }
run -check grad -data "$M" -nframes 4 $small -teann_properties dipole $F -tol 1e-6
run -check grad -data "$M" -nframes 3 $small -teann_properties dipole,polarizability $F -teann_charge_neutral -teann_activation tanh -tol 1e-6
run -check posgrad -data "$M" -nframes 3 $small -teann_properties dipole $F -tol 1e-6
run -check equiv -data "$M" -nframes 60 -teann_properties dipole,polarizability $F -tol 1e-12
run -check threads -data "$M" -nframes 240 -teann_properties dipole $F -tol 1e-12
run -check fixradial -data "$M" -nframes 200 -teann_properties dipole $F -tol 1e-12
run -check jacobian -data "$M" -nframes 4 $small -teann_properties dipole $F -tol 1e-6

value() { awk -v k="$1" '$1==k {print $2}' "$2"; }
for extra in "" "-teann_charge_neutral -teann_standardize"; do
  mpirun_np 1 "$BIN/teann-train" -teann_check_gradient -teann_data "$M" -teann_properties dipole $F $extra $small > "$WORK/ref.out" || fail "1 rank"
  close_rel "$(value directional_gradient "$WORK/ref.out")" "$(value directional_fd "$WORK/ref.out")" 1e-6 || { cat "$WORK/ref.out"; fail "gradient disagrees with finite differences ($extra)"; }
  for np in 2 3; do
    mpirun_np $np "$BIN/teann-train" -teann_check_gradient -teann_data "$M" -teann_properties dipole $F $extra $small > "$WORK/run.out" || fail "$np ranks"
    for k in loss gradient_norm gradient_checksum; do
      [ "$(value $k "$WORK/ref.out")" = "$(value $k "$WORK/run.out")" ] || fail "$k differs on $np ranks ($extra)"
    done
  done
  echo "ok: loss and gradient identical on 1, 2, 3 ranks ($extra)"
done

# a short fit: the form travels with model.nc and the checkpoint
OPTS="-teann_data $M -teann_properties dipole $F -teann_patience 0 $small"
mpirun_np 2 "$BIN/teann-train" $OPTS -tao_max_it 40 -teann_checkpoint_every 20 -teann_output_dir "$WORK/fit" > "$WORK/fit.log" 2>&1 || { tail -20 "$WORK/fit.log"; fail "fit"; }
form_travels "$M" dipole dipole_form charges_dipoles charges dipole_p_O_layer1_weight
