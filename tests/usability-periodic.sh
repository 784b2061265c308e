#!/bin/bash
# Periodic frames and properties a cell does not define. teann-predict -teann_properties: a
# joint dipole and polarizability model of molecules (the quick start's) predicts the
# polarizability of cells when asked for it alone, the output holding only it, and without
# the option the message says so; the chosen properties are those of the full model bit for
# bit; names that are not the model's are errors. teann-train on cells with the dipole says
# that the dipole is not defined for a cell (not that a label is missing), and a label
# missing from several frames is named at the first frame of the file whatever the split.
# The lattice of non-periodic directions is checked as doc/input-formats.md says.
. "$top_srcdir/tests/common.sh"
command -v ncdump > /dev/null || { echo "ncdump missing"; exit 77; }
cd "$WORK" || exit 1
P=$BIN/teann-predict
T=$BIN/teann-train
head -n 150 "$DATA/water_hf_800.xyz" > w.xyz                              # 30 molecules
head -n 388 "$DATA/water64_pbc_polarizability_80.xyz" > cells.xyz         # 2 cells of 64 H2O
"$T" -teann_data w.xyz -teann_properties dipole,polarizability -teann_hidden 4 -teann_nwave 2 -tao_max_it 3 -teann_output_dir fit > log 2>&1 || { cat log; fail "teann-train"; }
M=fit/model.nc

# without -teann_properties: the dipole is refused, and the message says what to do
expect_error "cells.xyz: frame 1: a periodic frame, and the model predicts the dipole, which is not defined in a periodic cell" mpirun_np 2 "$P" -teann_model $M -teann_data cells.xyz -teann_output p.xyz
expect_error "fit or predict only properties defined in a cell (polarizability, atomic_dipole) for such frames: teann-predict -teann_properties polarizability" "$P" -teann_model $M -teann_data cells.xyz -teann_output p.xyz
[ -e p.xyz ] && fail "p.xyz written despite the error"

# with it: the polarizability of the cells, and nothing of the dipole in either output
mpirun_np 2 "$P" -teann_model $M -teann_data cells.xyz -teann_output p.xyz -teann_properties polarizability > log 2>&1 || { cat log; fail "-teann_properties polarizability on cells (.xyz)"; }
[ "$(grep -c 'polarizability_pred="' p.xyz)" = 2 ] || fail "p.xyz lacks polarizability_pred on its 2 frames"
grep -q "dipole" p.xyz && fail "p.xyz holds a dipole"
grep -q "^  polarizability " log && ! grep -q "^  dipole " log || { cat log; fail "the error table is not the polarizability's alone"; }
mpirun_np 2 "$P" -teann_model $M -teann_data cells.xyz -teann_output p.nc -teann_properties polarizability > log 2>&1 || { cat log; fail "-teann_properties polarizability on cells (.nc)"; }
ncdump -h p.nc > p.cdl
grep -q "polarizability_predicted(frame" p.cdl || fail "p.nc lacks polarizability_predicted"
grep -q "dipole" p.cdl && fail "p.nc holds a dipole: $(grep dipole p.cdl)"
echo "ok: a joint model predicts the polarizability of cells with -teann_properties polarizability"

# on molecules: the chosen property is the full model's, bit for bit; the other one is left out
"$P" -teann_model $M -teann_data w.xyz -teann_output all.xyz > /dev/null || fail "predict w.xyz"
"$P" -teann_model $M -teann_data w.xyz -teann_output pol.xyz -teann_properties polarizability > /dev/null || fail "predict w.xyz -teann_properties polarizability"
"$P" -teann_model $M -teann_data w.xyz -teann_output dip.xyz -teann_properties ' dipole' > /dev/null || fail "predict w.xyz -teann_properties dipole"
"$P" -teann_model $M -teann_data w.xyz -teann_output both.xyz -teann_properties polarizability,dipole > /dev/null || fail "predict w.xyz -teann_properties polarizability,dipole"
for k in polarizability dipole; do grep -o "$k"'_pred="[^"]*"' all.xyz > "$k.all"; done
grep -o 'polarizability_pred="[^"]*"' pol.xyz | cmp -s - polarizability.all || fail "-teann_properties polarizability changed the polarizability"
grep -o 'dipole_pred="[^"]*"' dip.xyz | cmp -s - dipole.all || fail "-teann_properties dipole changed the dipole"
[ "$(grep -c 'dipole_pred=' pol.xyz)" = 0 ] && [ "$(grep -c 'polarizability_pred=' dip.xyz)" = 0 ] || fail "a property not chosen was written"
cmp -s both.xyz all.xyz || fail "-teann_properties with all the model's properties differs from the default"
echo "ok: the chosen properties are the full model's, the others left out"

# names that are not the model's
expect_error "-teann_properties: unknown property 'dipol' ($M predicts dipole,polarizability)" "$P" -teann_model $M -teann_data w.xyz -teann_output e.xyz -teann_properties dipol
expect_error "-teann_properties: $M does not predict the quadrupole (it predicts dipole,polarizability)" mpirun_np 2 "$P" -teann_model $M -teann_data w.xyz -teann_output e.xyz -teann_properties polarizability,quadrupole
expect_error "-teann_properties: unknown property 'energy'" "$P" -teann_model $M -teann_data w.xyz -teann_output e.xyz -teann_properties energy
expect_error "-teann_properties: give one or more of the properties $M predicts (dipole,polarizability)" "$P" -teann_model $M -teann_data w.xyz -teann_output e.xyz -teann_properties ,
[ -e e.xyz ] && fail "e.xyz written despite the error"

# teann-train: cells and the dipole. A dipole label on a cell would be refused, so a missing
# one is not what to report; the frame named is the file's first, whatever the seed
for seed in 1 2 3; do
  expect_error "cells.xyz:1: frame 1: a periodic frame, and -teann_properties dipole,polarizability asks for the dipole, which is not defined for a periodic frame" "$T" -teann_data cells.xyz -teann_properties dipole,polarizability -teann_seed $seed -teann_valid_fraction 0.5 -teann_hidden 4 -tao_max_it 1 -teann_output_dir t$seed
done
expect_error "fit only properties defined in a cell (polarizability, atomic_dipole) on periodic frames" mpirun_np 2 "$T" -teann_data cells.xyz -teann_properties dipole -teann_hidden 4 -tao_max_it 1 -teann_output_dir t
# molecules first, then a cell: the cell is named, not the molecules' missing polarizability
sed 's/ polarizability="[^"]*"//' w.xyz > nopol.xyz
cat nopol.xyz cells.xyz > mixed.xyz
expect_error "mixed.xyz:151: frame 31: a periodic frame, and -teann_properties dipole,polarizability asks for the dipole" mpirun_np 2 "$T" -teann_data mixed.xyz -teann_properties dipole,polarizability -teann_hidden 4 -tao_max_it 1 -teann_output_dir t
# a label missing from every frame: frame 1 is named with any seed and rank count (of 16
# frames on one rank, seed 1 puts frame 1 among the validation frames, and frame 2 was named)
head -n 80 nopol.xyz > nopol16.xyz
for seed in 1 2 3; do
  expect_error "nopol16.xyz:1: frame 1: no polarizability given (required by -teann_properties dipole,polarizability)" "$T" -teann_data nopol16.xyz -teann_properties dipole,polarizability -teann_seed $seed -teann_hidden 4 -tao_max_it 1 -teann_output_dir t$seed
done
expect_error "nopol.xyz:1: frame 1: no polarizability given (required by -teann_properties dipole,polarizability)" mpirun_np 2 "$T" -teann_data nopol.xyz -teann_properties dipole,polarizability -teann_seed 1 -teann_hidden 4 -tao_max_it 1 -teann_output_dir t
echo "ok: teann-train names the periodic frame first, and the first frame of the file"

# doc/input-formats.md "Periodic frames": the lattice of pbc="F F F" is unused but must be
# finite numbers (any size); the non-periodic vector of a slab is checked like the others
mol() { head -n 5 "$DATA/water_hf_800.xyz" | sed "2s|^.*\$|$1 Properties=species:S:1:pos:R:3|"; }
mol 'Lattice="nan 0 0 0 1 0 0 0 1" pbc="F F F"' > fffnan.xyz
mol 'Lattice="12 0 0 0 12 0 0 0 1e7" pbc="F F F"' > fffbig.xyz
mol 'Lattice="12 0 0 0 12 0 0 0 1e7" pbc="T T F"' > slabbig.xyz
mol 'Lattice="12 0 0 0 12 0 nan nan nan" pbc="T T F"' > slabnan.xyz
expect_error "fffnan.xyz:2: frame 1: Lattice= value 'nan' is not finite" "$BIN/teann-convert" -info fffnan.xyz
"$BIN/teann-convert" -info fffbig.xyz > /dev/null || fail "a 1e7 Angstrom lattice with pbc=\"F F F\" refused"
expect_error "slabbig.xyz:2: frame 1: cell vector c: component z = 1e+07 is beyond the bound 1e+06 Angstrom" "$BIN/teann-convert" -info slabbig.xyz
expect_error "slabnan.xyz:2: frame 1: Lattice= value 'nan' is not finite" "$BIN/teann-convert" -info slabnan.xyz
echo "ok: the lattice of non-periodic directions is checked as documented"
