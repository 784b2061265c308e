#!/bin/bash
# Model core on the example data: analytic vs finite-difference gradients (every
# parameter block, positions), equivariance, thread independence, pair cache.
. "$top_srcdir/tests/common.sh"
T=$BIN/tests/test-model
W=$DATA/water_hf_800.xyz
M=$DATA/methanol_hf_240.xyz
small="-teann_hidden 10,7"
run() { echo "== $*"; "$T" "$@" || fail "$*"; }

# gradients with respect to every parameter block, each activation, both molecules
run -check grad -data "$W" -nframes 5 $small -tol 1e-6
run -check grad -data "$M" -nframes 3 $small -teann_activation silu -tol 1e-6
run -check grad -data "$M" -nframes 3 $small -teann_activation tanh -teann_lmax 3 -teann_charge_neutral -tol 1e-6
run -check grad -data "$W" -nframes 4 $small -teann_lmax 0 -teann_nwave 5 -tol 1e-6
run -check grad -data "$M" -nframes 3 $small -teann_fix_radial -tol 1e-6
run -check grad -data "$W" -nframes 3 -tol 1e-6
run -check grad -data "$M" -nframes 3 $small -teann_properties dipole,transition_dipole -tdipole_from_dipole -tol 1e-6
run -check grad -data "$W" -nframes 3 -teann_hidden 6 -tol 1e-6
run -check grad -data "$M" -nframes 2 -teann_hidden 6,5,4 -teann_nwave 3 -teann_cutoff 3.2 -tol 1e-6
# position gradients
run -check posgrad -data "$W" -nframes 3 $small -tol 1e-6
run -check posgrad -data "$M" -nframes 3 $small -teann_lmax 3 -teann_charge_neutral -teann_properties dipole,transition_dipole -tol 1e-6
# equivariance and invariance
run -check equiv -data "$W" -nframes 50 -tol 1e-12
run -check equiv -data "$M" -nframes 50 -teann_lmax 3 -teann_charge_neutral -tol 1e-12
run -check equiv -data "$M" -nframes 50 -teann_properties dipole,transition_dipole -tol 1e-12
run -check signfree -data "$M" -nframes 40 -teann_properties transition_dipole -tdipole_from_dipole
# thread independence (fixed-order reduction) and the pair cache
run -check threads -data "$W" -nframes 800 -repeat 3 -tol 1e-12   # 2400 frames: 38 chunks over the threads
run -check threads -data "$M" -nframes 240 -teann_fix_radial -teann_properties dipole,transition_dipole -tdipole_from_dipole -tol 1e-12
run -check fixradial -data "$W" -nframes 800 -tol 1e-12
run -check fixradial -data "$M" -nframes 240 -teann_lmax 3 -tol 1e-12
# residuals and Jacobian (for Levenberg-Marquardt)
run -check jacobian -data "$W" -nframes 6 $small -tol 1e-6
run -check jacobian -data "$M" -nframes 70 $small -teann_fix_radial -teann_properties dipole,transition_dipole -tdipole_from_dipole -tol 1e-6
# errors a user can make
expect_error "frame 1: element C is not one of the model's elements" "$T" -check grad -data "$M" -model_elements 1,8
expect_error "lmax must be in 0..3, got 4" "$T" -check grad -data "$W" -teann_lmax 4
expect_error "unknown property 'dipol'" "$T" -check grad -data "$W" -teann_properties dipol
expect_error "-teann_hidden needs 1 to 8 layer sizes" "$T" -check grad -data "$W" -teann_hidden 4,3,4,3,4,3,4,3,2
echo "model: all checks passed"
