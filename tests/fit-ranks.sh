#!/bin/bash
# The eq. 9 loss and its gradient at a fixed point are bitwise the same for 1, 2 and 3 ranks and
# 1 and 2 OpenMP threads (exact sums, design 3.1) (dipole + polarizability, transition dipole,
# fixed radial functions, periodic cells: polarizability and per-atom dipoles), the gradient matches central differences, and a NetCDF
# dataset gives the same split and loss as its XYZ source.
. "$top_srcdir/tests/common.sh"
props=dipole,polarizability

# value NAME FILE: the number printed after NAME
value() { awk -v k="$1" '$1==k {print $2}' "$2"; }

check() {
  local tag=$1; shift
  mpirun_np 1 "$BIN/teann-train" -teann_check_gradient "$@" > "$WORK/ref.out" || fail "$tag: 1 rank"
  [ -n "$(value loss "$WORK/ref.out")" ] || fail "$tag: no loss printed"
  # the driver's gradient (data + L2, zero for fixed parameters) against a central difference
  close_rel "$(value directional_gradient "$WORK/ref.out")" "$(value directional_fd "$WORK/ref.out")" 1e-6 || { cat "$WORK/ref.out"; fail "$tag: gradient disagrees with finite differences"; }
  [ "$(value fixed_gradient_max "$WORK/ref.out")" = 0 ] || fail "$tag: fixed parameters have a nonzero gradient"
  for run in "2 1" "3 1" "1 2"; do
    set -- $run "$@"; local np=$1 nt=$2; shift 2
    OMP_NUM_THREADS=$nt mpirun_np "$np" "$BIN/teann-train" -teann_check_gradient "$@" > "$WORK/run.out" || fail "$tag: $np ranks $nt threads"
    for k in loss gradient_norm gradient_checksum; do
      a=$(value $k "$WORK/ref.out"); b=$(value $k "$WORK/run.out")
      [ "$a" = "$b" ] || fail "$tag: $k differs on $np ranks x $nt threads: $a vs $b (exact sums: design 3.1)"
    done
    echo "ok: $tag $np ranks x $nt threads: loss $(value loss "$WORK/run.out")"
  done
}

small="-teann_hidden 16,16 -teann_nwave 6"
check "water dipole+polarizability" -teann_data "$DATA/water_hf_800.xyz" -teann_properties $props $small
check "water quadrupole+hyperpolarizability" -teann_data "$DATA/water_hf_rank3.xyz" -teann_properties quadrupole,hyperpolarizability $small
check "water all four" -teann_data "$DATA/water_hf_rank3.xyz" -teann_properties dipole,polarizability,quadrupole,hyperpolarizability -teann_fix_radial $small
# periodic cells: the polarizability in its pair form (liquid water, 192 atoms a cell) and per-atom
# dipoles (Wannier centroids of the O atoms), the partition weighing frames by their pairs
head -n $((194 * 12)) "$DATA/water64_pbc_polarizability_80.xyz" > "$WORK/cells.xyz"
head -n $((194 * 12)) "$DATA/water64_pbc_wannier_80.xyz" > "$WORK/wannier.xyz"
check "water64 cells polarizability" -teann_data "$WORK/cells.xyz" -teann_properties polarizability $small
check "water64 cells atomic_dipole" -teann_data "$WORK/wannier.xyz" -teann_properties atomic_dipole -teann_atomic_elements O $small
check "methanol dipole fix_radial l2" -teann_data "$DATA/methanol_hf_240.xyz" -teann_properties dipole -teann_fix_radial -teann_l2 1e-3 $small
# standardised features (eq. 9c): the optimizer's coordinates, the statistics from exact sums
check "water dipole+polarizability standardised l2" -teann_data "$DATA/water_hf_800.xyz" -teann_properties $props -teann_standardize -teann_l2 1e-4 $small
check "methanol polarizability standardised" -teann_data "$DATA/methanol_hf_240.xyz" -teann_properties polarizability -teann_standardize $small
# transition dipoles: the water dipoles relabelled, with every other frame's sign flipped (sign-free loss)
awk 'NR%5==2 && /^dipole=/ { n++; if (n%2) { split($0, a, "\""); split(a[2], v, " "); sub(/^dipole="[^"]*"/, sprintf("dipole=\"%.10f %.10f %.10f\"", -v[1], -v[2], -v[3])) } }
     { sub(/^dipole=/, "transition_dipole="); print }' "$DATA/water_hf_800.xyz" > "$WORK/tdip.xyz"
grep -q '^transition_dipole=' "$WORK/tdip.xyz" || fail "could not build the transition-dipole data"
check "water transition_dipole" -teann_data "$WORK/tdip.xyz" -teann_properties transition_dipole $small
# sign flips must not change the sign-free loss
awk 'NR%5==2 { sub(/^dipole=/, "transition_dipole=") } { print }' "$DATA/water_hf_800.xyz" > "$WORK/tdip0.xyz"
mpirun_np 2 "$BIN/teann-train" -teann_check_gradient -teann_data "$WORK/tdip0.xyz" -teann_properties transition_dipole $small > "$WORK/t0.out" || fail "tdip0"
close_rel "$(value loss "$WORK/ref.out")" "$(value loss "$WORK/t0.out")" 1e-12 || fail "sign-free loss changed by sign flips"
echo "ok: transition-dipole loss independent of the reference signs"

# NetCDF dataset: the same frames, split and loss as the XYZ file it came from
if [ -x "$BIN/teann-convert" ]; then
  "$BIN/teann-convert" "$DATA/water_hf_800.xyz" "$WORK/water.nc" > /dev/null || fail "teann-convert"
  check "water NetCDF dataset" -teann_data "$WORK/water.nc" -teann_properties $props $small
  mpirun_np 1 "$BIN/teann-train" -teann_check_gradient -teann_data "$DATA/water_hf_800.xyz" -teann_properties $props $small > "$WORK/x.out" || fail "xyz"
  close_rel "$(value loss "$WORK/x.out")" "$(value loss "$WORK/ref.out")" 1e-12 || fail "NetCDF dataset and XYZ give different losses"
  echo "ok: NetCDF dataset and XYZ agree"
fi
