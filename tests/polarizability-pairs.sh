#!/bin/bash
# Learned bond polarizabilities (design eq. 7c, -teann_polarizability_form pairs):
#  - parameter and position gradients against finite differences, exact equivariance under
#    proper and improper rotations, translations and permutations of like atoms, threads,
#    residuals and Jacobian rows (test-model), alone and joint with the dipole;
#  - on periodic cells: gradients, equivariance, wrapping atoms by lattice vectors, a 2x2x2
#    supercell (8 times the polarizability) and a molecule in a wide cell (the isolated molecule's);
#  - loss and gradient bitwise the same on 1, 2 and 3 ranks;
#  - model.nc records the form and teann-predict on it reproduces the fit's predictions; a
#    restart continues with the checkpoint's form; a model.nc with an unknown form is refused.
. "$top_srcdir/tests/common.sh"
M=$DATA/methanol_hf_240.xyz
W=$DATA/water_hf_800.xyz
F="-teann_polarizability_form pairs"
small="-teann_hidden 10,7"
cell="-data $W -make_periodic 6.5 -molecules 6"
run() { echo "== $*"; "$BIN/tests/test-model" "$@" || fail "$*"; }
run -check grad -data "$W" -nframes 4 $small -teann_properties polarizability $F -tol 1e-6
run -check grad -data "$M" -nframes 3 $small -teann_properties dipole,polarizability $F -teann_activation tanh -tol 1e-6
run -check posgrad -data "$M" -nframes 3 $small -teann_properties polarizability $F -tol 1e-6
run -check equiv -data "$M" -nframes 60 -teann_properties dipole,polarizability $F -tol 1e-12
run -check threads -data "$M" -nframes 200 -teann_properties polarizability $F -tol 1e-12
run -check jacobian -data "$M" -nframes 6 $small -teann_properties polarizability $F -tol 1e-6
run -check grad $cell -nframes 2 -teann_hidden 6,5 -teann_properties polarizability -teann_cutoff 4 $F -tol 1e-6
run -check posgrad $cell -nframes 2 -teann_hidden 6,5 -teann_properties polarizability -teann_cutoff 4 $F -tol 1e-6
run -check equiv $cell -nframes 6 -teann_properties polarizability -teann_cutoff 4 $F -tol 1e-12
run -check periodic $cell -nframes 4 -teann_properties polarizability -teann_cutoff 4 $F
run -check periodic -data "$W" -nframes 6 -teann_properties polarizability -teann_cutoff 4 $F

value() { awk -v k="$1" '$1==k {print $2}' "$2"; }
mpirun_np 1 "$BIN/teann-train" -teann_check_gradient -teann_data "$M" -teann_properties polarizability $F $small > "$WORK/ref.out" || fail "1 rank"
close_rel "$(value directional_gradient "$WORK/ref.out")" "$(value directional_fd "$WORK/ref.out")" 1e-6 || { cat "$WORK/ref.out"; fail "gradient disagrees with finite differences"; }
for np in 2 3; do
  mpirun_np $np "$BIN/teann-train" -teann_check_gradient -teann_data "$M" -teann_properties polarizability $F $small > "$WORK/run.out" || fail "$np ranks"
  for k in loss gradient_norm gradient_checksum; do
    [ "$(value $k "$WORK/ref.out")" = "$(value $k "$WORK/run.out")" ] || fail "$k differs on $np ranks"
  done
done
echo "ok: loss and gradient identical on 1, 2, 3 ranks"

# a short fit: the form travels with model.nc and the checkpoint
OPTS="-teann_data $M -teann_properties polarizability $F -teann_patience 0 $small"
mpirun_np 2 "$BIN/teann-train" $OPTS -tao_max_it 40 -teann_checkpoint_every 20 -teann_output_dir "$WORK/fit" > "$WORK/fit.log" 2>&1 || { tail -20 "$WORK/fit.log"; fail "fit"; }
form_travels "$M" polarizability polarizability_form pairs fields polarizability_pairs_O_layer1_weight
