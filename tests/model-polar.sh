#!/bin/bash
# Polarizability (eq. 7, design 2.5): analytic vs finite-difference gradients of the
# loss (every parameter block) and of alpha (positions), equivariance
# alpha(R x + t) = R alpha R^T with like atoms permuted, symmetry, thread
# independence, and the joint dipole + polarizability (+ transition dipole) fit.
. "$top_srcdir/tests/common.sh"
T=$BIN/tests/test-model
W=$DATA/water_hf_800.xyz
M=$DATA/methanol_hf_240.xyz
small="-teann_hidden 10,7"
run() { echo "== $*"; "$T" "$@" || fail "$*"; }

run -check grad -data "$W" -nframes 3 $small -teann_properties polarizability -tol 1e-6
run -check grad -data "$M" -nframes 2 $small -teann_properties polarizability -teann_activation tanh -teann_lmax 3 -tol 1e-6
run -check grad -data "$W" -nframes 3 $small -teann_properties dipole,polarizability -teann_charge_neutral -tol 1e-6
run -check grad -data "$M" -nframes 2 $small -teann_properties dipole,polarizability,transition_dipole -tdipole_from_dipole \
  -teann_activation silu -teann_fix_radial -tol 1e-6
run -check posgrad -data "$W" -nframes 2 $small -teann_properties polarizability -tol 1e-6
run -check grad -data "$W" -nframes 2 -teann_hidden 6,5,6,5,6,5,6,5 -teann_activation tanh -teann_properties dipole,polarizability -tol 1e-6
run -check posgrad -data "$W" -nframes 2 -teann_hidden 6,5,6,5,6,5,6,5 -teann_activation tanh -teann_properties dipole,polarizability -tol 1e-6
run -check posgrad -data "$M" -nframes 2 $small -teann_properties dipole,polarizability,transition_dipole -teann_lmax 3 -teann_activation tanh -tol 1e-6
run -check equiv -data "$W" -nframes 40 -teann_properties polarizability -tol 1e-12
run -check equiv -data "$M" -nframes 40 -teann_properties dipole,polarizability -tol 1e-12
run -check equiv -data "$M" -nframes 20 -teann_properties polarizability,transition_dipole -teann_lmax 3 -tol 1e-12
run -check threads -data "$W" -nframes 200 -teann_properties dipole,polarizability -tol 1e-12
run -check fixradial -data "$M" -nframes 60 -teann_properties dipole,polarizability -tol 1e-12
run -check jacobian -data "$M" -nframes 4 $small -teann_properties dipole,polarizability,transition_dipole -tdipole_from_dipole -teann_charge_neutral -tol 1e-6
echo "model-polar: all checks passed"
