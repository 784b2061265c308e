#!/bin/bash
# Periodic cells (design 2.6): the polarizability of cells of water molecules made by the test
# (tests/test-model -make_periodic), one of them narrower than the cutoff so that atoms meet
# their own images. Gradients against finite differences (parameters and positions),
# rotations of cell and atoms, threads, the Jacobian, the pair cache; wrapping an atom by a
# lattice vector, a 2x2x2 supercell (8 times the cell), a molecule in a cell 3 r_c wide
# (the isolated molecule); per-atom dipoles likewise; the models that are not defined in a cell refuse it.
. "$top_srcdir/tests/common.sh"
T=$BIN/tests/test-model
W=$DATA/water_hf_800.xyz
p="-teann_properties polarizability -teann_cutoff 4"
cell="-data $W -make_periodic 6.5 -molecules 6"       # widths about 6.5 A: under 2 r_c
tiny="-data $W -make_periodic 3.6 -molecules 1"       # under r_c: images of every atom, its own too
run() { echo "== $*"; "$T" "$@" || fail "$*"; }

run -check grad $cell -nframes 2 -teann_hidden 6,5 $p -tol 1e-6
run -check grad $tiny -nframes 2 -teann_hidden 6,5 $p -tol 1e-6
run -check posgrad $cell -nframes 2 -teann_hidden 8,6 $p -tol 1e-6
run -check posgrad $tiny -nframes 2 -teann_hidden 8,6 $p -tol 1e-6
run -check equiv $cell -nframes 8 $p -tol 1e-12
run -check threads $cell -nframes 40 $p -tol 1e-12
run -check jacobian $cell -nframes 3 -teann_hidden 8,6 $p -tol 1e-6
run -check fixradial $cell -nframes 6 $p -teann_fix_radial -tol 1e-12
run -check periodic $cell -nframes 4 $p
run -check periodic $tiny -nframes 4 $p
run -check periodic -data "$W" -nframes 6 $p
run -check periodic -data "$W" -nframes 6 -teann_properties polarizability -teann_cutoff 6.5 -teann_lmax 3

# per-atom dipoles (atomic_dipole head, p_i = sum_j dE/dv_ij): synthetic labels on O atoms,
# isolated and periodic, alone and with the polarizability
a="-teann_properties atomic_dipole -teann_cutoff 4 -atomic_labels"
ap="-teann_properties polarizability,atomic_dipole -teann_cutoff 4 -atomic_labels"
run -check grad -data "$W" -nframes 3 -teann_hidden 6,5 $a -tol 1e-6
run -check grad $cell -nframes 2 -teann_hidden 5 $ap -tol 1e-6
run -check equiv -data "$W" -nframes 10 $a -tol 1e-12
run -check equiv $cell -nframes 6 $ap -tol 1e-12
run -check threads $cell -nframes 30 $ap -tol 1e-12
run -check fixradial $cell -nframes 4 $a -teann_fix_radial -tol 1e-12
run -check periodic $cell -nframes 4 $ap
run -check periodic -data "$W" -nframes 4 $a

# the dipole of a cell depends on where it is cut: a dipole model refuses periodic frames
out=$("$T" -check grad $cell -nframes 2 -teann_properties dipole 2>&1) && fail "a dipole model accepted periodic frames"
grep -q "frame 1: a periodic frame, and the model predicts the dipole, which is not defined in a periodic cell" <<<"$out" || { echo "$out"; fail "message for a dipole model on periodic frames"; }
echo "ok: a dipole model refuses periodic frames"
