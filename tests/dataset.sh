#!/bin/bash
# Round trip text -> NetCDF dataset -> frames, bitwise, for the example files
# and for frames with mixed, partly missing properties; the CF layout as
# ncdump sees it.
. "$top_srcdir/tests/common.sh"

for name in water_hf_800 methanol_hf_240 qm7x_chno_100 water_hf_rank3; do
  out=$("$BIN/tests/test-dataset" roundtrip "$DATA/$name.xyz" "$WORK/$name.nc") || fail "round trip of $name.xyz"
  echo "$out"
  printf '%s\n' "$out" | grep -q "identical" || fail "round trip of $name.xyz printed no result"
done
[ ! -e "$WORK/water_hf_800.nc.tmp" ] || fail "temporary file left behind"

# Every property, some frames lacking some of them.
cat > "$WORK/mixed.xyz" <<'XYZ'
2
dipole="0.1 0.2 0.3" charge=1 energy=-1.5
H 0.0 0.0 0.0
H 0.0 0.0 0.74
3
polarizability="1 2 3 0.1 0.2 0.3" transition_dipole="0.5 -0.5 0.25"
O 0.0 0.0 0.0
H 0.0 0.76 0.59
H 0.0 -0.76 0.59
1
charge=-1
Cl 1.0 2.0 3.0
XYZ
"$BIN/tests/test-dataset" roundtrip "$WORK/mixed.xyz" "$WORK/mixed.nc" || fail "round trip of mixed properties"

command -v ncdump >/dev/null || { echo "ncdump not installed"; exit 77; }
h=$(ncdump -h "$WORK/water_hf_800.nc") || fail "ncdump cannot read the dataset"
for want in 'frame = 800 ;' 'atom = 2400 ;' 'spatial = 3 ;' \
  'int natoms(frame) ;' 'natoms:sample_dimension = "atom" ;' 'int species(atom) ;' \
  'double positions(atom, spatial) ;' 'positions:units = "angstrom" ;' \
  'double dipole(frame, spatial) ;' 'dipole:units = "e angstrom" ;' \
  'double polarizability(frame, spatial, spatial) ;' 'polarizability:units = "angstrom^3" ;' \
  'double energy(frame) ;' 'energy:units = "eV" ;' 'int frame_id(frame) ;' \
  'properties:flag_masks = 1, 2, 4, 32, 64, 128, 8, 16 ;' \
  'properties:flag_meanings = "dipole polarizability transition_dipole quadrupole hyperpolarizability atomic_dipole charge energy" ;' \
  ':Conventions = "CF-1.8" ;' ':source = "teann ' ':title = ' ':history = '; do
  printf '%s\n' "$h" | grep -F -q -- "$want" || { printf '%s\n' "$h"; fail "ncdump -h lacks: $want"; }
done
# A property no frame has is not written.
printf '%s\n' "$h" | grep -q 'transition_dipole(' && fail "transition_dipole written though no frame has it"
printf '%s\n' "$h" | grep -q 'charge(' && fail "charge written though no frame has it"
h=$(ncdump -h "$WORK/mixed.nc")
for want in 'double transition_dipole(frame, spatial) ;' 'transition_dipole:units = "e angstrom" ;' 'double charge(frame) ;' 'charge:units = "e" ;'; do
  printf '%s\n' "$h" | grep -F -q -- "$want" || fail "ncdump -h of mixed.nc lacks: $want"
done
# Presence flags and CF ragged counts, as stored.
v=$(ncdump -v properties,natoms,frame_id "$WORK/mixed.nc" | tr -d ' \n')
printf '%s' "$v" | grep -F -q 'properties=25,6,8;' || fail "presence flags wrong: $v"
printf '%s' "$v" | grep -F -q 'natoms=2,3,1;' || fail "natoms wrong: $v"
printf '%s' "$v" | grep -F -q 'frame_id=0,1,2;' || fail "frame_id wrong: $v"
echo "ncdump: CF attributes present"
# Rank-3 and traceless tensors: their own dimensions and units.
h=$(ncdump -h "$WORK/water_hf_rank3.nc")
for want in 'double quadrupole(frame, spatial, spatial) ;' 'quadrupole:units = "e angstrom^2" ;' 'double hyperpolarizability(frame, spatial, spatial, spatial) ;' 'hyperpolarizability:units = "au" ;'; do
  printf '%s\n' "$h" | grep -F -q -- "$want" || fail "ncdump -h of water_hf_rank3.nc lacks: $want"
done
echo "ncdump: quadrupole and hyperpolarizability variables present"
