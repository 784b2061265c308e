#!/bin/bash
# The polarizability's other forms, each checked alike: eq. 7b (-teann_polarizability_form
# fields_atomic, an anisotropic tensor per atom) and eq. 7c (pairs, learned bond polarizabilities):
#  - parameter and position gradients against finite differences, exact equivariance under
#    proper and improper rotations, translations and permutations of like atoms, threads, the
#    pair cache, residuals and Jacobian rows (test-model), on methanol and on periodic cells,
#    where wrapping, a 2x2x2 supercell and a molecule in a wide cell are checked too;
#  - loss and gradient bitwise the same on 1, 2 and 3 ranks;
#  - model.nc records the form and teann-predict on it reproduces the fit's predictions; a
#    restart continues with the checkpoint's form; a model.nc with an unknown form is refused,
#    naming the file.
. "$top_srcdir/tests/common.sh"
M=$DATA/methanol_hf_240.xyz
W=$DATA/water_hf_800.xyz
small="-teann_hidden 10,7"
cell="-data $W -make_periodic 6.5 -molecules 6"
run() { echo "== $*"; "$BIN/tests/test-model" "$@" || fail "$*"; }
TOP=$WORK
trap 'rm -rf "$TOP"' EXIT
for form in fields_atomic:polarizability_q_O_layer1_weight pairs:polarizability_pairs_O_layer1_weight; do
  F="-teann_polarizability_form ${form%%:*}"
  WORK=$TOP/${form%%:*}
  mkdir -p "$WORK"
  run -check grad -data "$M" -nframes 4 $small -teann_properties polarizability $F -tol 1e-6
  run -check grad -data "$M" -nframes 3 $small -teann_properties dipole,polarizability $F -teann_activation tanh -tol 1e-6
  run -check posgrad -data "$M" -nframes 3 $small -teann_properties polarizability $F -tol 1e-6
  run -check equiv -data "$M" -nframes 60 -teann_properties dipole,polarizability $F -tol 1e-12
  run -check threads -data "$M" -nframes 200 -teann_properties polarizability $F -tol 1e-12
  run -check fixradial -data "$M" -nframes 100 -teann_properties polarizability $F -tol 1e-12
  run -check jacobian -data "$M" -nframes 4 $small -teann_properties polarizability $F -tol 1e-6
  run -check grad $cell -nframes 2 -teann_hidden 6,5 -teann_properties polarizability -teann_cutoff 4 $F -tol 1e-6
  run -check posgrad $cell -nframes 2 -teann_hidden 6,5 -teann_properties polarizability -teann_cutoff 4 $F -tol 1e-6
  run -check equiv $cell -nframes 6 -teann_properties polarizability -teann_cutoff 4 $F -tol 1e-12
  run -check periodic $cell -nframes 4 -teann_properties polarizability -teann_cutoff 4 $F
  run -check periodic -data "$W" -nframes 6 -teann_properties polarizability -teann_cutoff 4 $F
  gradient_ranks -teann_data "$M" -teann_properties polarizability $F $small

  # a short fit: the form travels with model.nc and the checkpoint
  OPTS="-teann_data $M -teann_properties polarizability $F -teann_patience 0 $small"
  mpirun_np 2 "$BIN/teann-train" $OPTS -tao_max_it 40 -teann_checkpoint_every 20 -teann_output_dir "$WORK/fit" > "$WORK/fit.log" 2>&1 || { tail -20 "$WORK/fit.log"; fail "fit"; }
  form_travels "$M" polarizability polarizability_form ${form%%:*} fields ${form#*:}
done
WORK=$TOP
