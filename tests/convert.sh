#!/bin/bash
# teann-convert: summary, -info, -help, progress; bad inputs fail with the
# reader's message and leave an existing output byte-identical.
. "$top_srcdir/tests/common.sh"
conv=$BIN/teann-convert

out=$("$conv" "$DATA/methanol_hf_240.xyz" "$WORK/out.nc") || fail "conversion failed"
echo "$out"
printf '%s\n' "$out" | grep -F -q "240 frames, 1440 atoms, elements H C O, properties dipole polarizability energy" || fail "summary wrong: $out"

info=$("$conv" -info "$WORK/out.nc") || fail "-info failed"
echo "$info"
printf '%s\n' "$info" | grep -F -q "240 frames" || fail "-info: frame count missing"
for p in "dipole (" "polarizability (" "energy ("; do
  printf '%s\n' "$info" | grep -F -q "$p" || fail "-info: property $p missing"
done
info=$("$conv" -info "$DATA/qm7x_chno_100.xyz") || fail "-info on xyz failed"
printf '%s\n' "$info" | grep -F -q "100 frames" || fail "-info xyz: frame count missing"
printf '%s\n' "$info" | grep -F -q "energy (" && fail "-info xyz: energy listed but absent"

# Failures leave the existing output as it was.
cp "$WORK/out.nc" "$WORK/before.nc"
printf '3\ndipole="1 2 3"\nO 0 0 0\nH 1 0\nH 0 1 0\n' > "$WORK/bad.xyz"
expect_error "bad.xyz:4" "$conv" "$WORK/bad.xyz" "$WORK/out.nc"
cmp -s "$WORK/out.nc" "$WORK/before.nc" || fail "bad input damaged the existing output"
expect_error "cannot open" "$conv" "$WORK/missing.xyz" "$WORK/out.nc"
cmp -s "$WORK/out.nc" "$WORK/before.nc" || fail "missing input damaged the existing output"
[ ! -e "$WORK/out.nc.tmp" ] || fail "temporary file left behind"
expect_error "$WORK/nodir/out.nc" "$conv" "$DATA/methanol_hf_240.xyz" "$WORK/nodir/out.nc"
expect_error "usage" "$conv" "$DATA/methanol_hf_240.xyz"

# Not a teann dataset, inconsistent sizes, not NetCDF at all.
if command -v ncgen >/dev/null; then
  cat > "$WORK/nonatoms.cdl" <<'CDL'
netcdf nonatoms { dimensions: frame = 1 ; atom = 2 ; spatial = 3 ;
variables: int species(atom) ; double positions(atom, spatial) ;
data: species = 1, 1 ; positions = 0, 0, 0, 0, 0, 0.74 ; }
CDL
  ncgen -4 -o "$WORK/nonatoms.nc" "$WORK/nonatoms.cdl" || fail "ncgen"
  expect_error "nonatoms.nc: not a teann dataset: no variable 'natoms'" "$conv" -info "$WORK/nonatoms.nc"
  expect_error "nonatoms.nc: not a teann dataset: no variable 'natoms'" "$conv" "$WORK/nonatoms.nc" "$WORK/out.nc"
  cat > "$WORK/sizes.cdl" <<'CDL'
netcdf sizes { dimensions: frame = 2 ; atom = 4 ; spatial = 3 ;
variables: int natoms(frame) ; natoms:sample_dimension = "atom" ; int species(atom) ; double positions(atom, spatial) ;
data: natoms = 2, 3 ; species = 1, 1, 1, 1 ; positions = 0, 0, 0, 0, 0, 0.74, 1, 0, 0, 1, 0, 0.74 ; }
CDL
  ncgen -4 -o "$WORK/sizes.nc" "$WORK/sizes.cdl" || fail "ncgen"
  expect_error "sizes.nc: inconsistent sizes: natoms sums to 5 but dimension 'atom' is 4" "$conv" -info "$WORK/sizes.nc"
  cat > "$WORK/dims.cdl" <<'CDL'
netcdf dims { dimensions: frame = 1 ; atom = 2 ; spatial = 3 ;
variables: int natoms(frame) ; int species(atom) ; double positions(spatial, atom) ;
data: natoms = 2 ; species = 1, 1 ; positions = 0, 0, 0, 0, 0, 0.74 ; }
CDL
  ncgen -3 -o "$WORK/dims.nc" "$WORK/dims.cdl" || fail "ncgen"
  expect_error "dims.nc: variable 'positions' must have dimensions (atom, spatial)" "$conv" -info "$WORK/dims.nc"
  # Written by another program: no presence flags, no frame_id; presence from finite values.
  cat > "$WORK/foreign.cdl" <<'CDL'
netcdf foreign { dimensions: frame = 2 ; atom = 3 ; spatial = 3 ;
variables: int natoms(frame) ; int species(atom) ; double positions(atom, spatial) ; double dipole(frame, spatial) ;
data: natoms = 1, 2 ; species = 8, 1, 1 ; positions = 0, 0, 0, 0, 0, 0, 0, 0, 0.74 ; dipole = NaN, NaN, NaN, 0.1, 0.2, 0.3 ; }
CDL
  ncgen -4 -o "$WORK/foreign.nc" "$WORK/foreign.cdl" || fail "ncgen"
  info=$("$conv" -info "$WORK/foreign.nc") || fail "-info on a foreign dataset failed"
  printf '%s\n' "$info" | grep -F -q "dipole (e*Angstrom): 1 of 2 frames" || fail "-info foreign: $info"
fi
printf '\211HDF\r\n\032\n garbage' > "$WORK/garbage.nc"
expect_error "garbage.nc: NetCDF error" "$conv" -info "$WORK/garbage.nc"
cmp -s "$WORK/out.nc" "$WORK/before.nc" || fail "bad datasets damaged the existing output"

# -help describes the usage and the options; -teann_progress forces the progress line.
"$conv" -help 2>&1 | grep -F -q "teann-convert IN OUT.nc" || fail "-help lacks usage"
"$conv" -help 2>&1 | grep -F -q -- "-teann_progress" || fail "-help lacks -teann_progress"
err=$("$conv" "$DATA/water_hf_800.xyz" "$WORK/w.nc" -teann_progress 2>&1 >/dev/null) || fail "conversion with progress failed"
printf '%s\n' "$err" | grep -F -q "800/800 frames written" || fail "no progress line: $err"
err=$("$conv" "$DATA/water_hf_800.xyz" "$WORK/w.nc" 2>&1 >/dev/null) || fail "conversion failed"
[ -z "$err" ] || fail "progress printed though not on a terminal: $err"

# Dispatch by content: the EANN configuration format (first non-blank line
# "point="), whatever the extension; and a classic-format NetCDF dataset.
cat > "$WORK/config.xyz" <<'EANN'

  point=   1
 10.0 0.0 0.0
 0.0 10.0 0.0
 0.0 0.0 10.0
pbc 0 0 0
O 16.0 0.0 0.0 0.0
H 1.0 0.0 0.76 0.59
H 1.0 0.0 -0.76 0.59
abprop: 0.1 0.2 0.3
point=   2
 10.0 0.0 0.0
 0.0 10.0 0.0
 0.0 0.0 10.0
pbc 0 0 0
O 16.0 0.0 0.0 0.1
H 1.0 0.0 0.76 0.69
H 1.0 0.0 -0.76 0.69
abprop: 0.2 0.3 0.4
EANN
out=$("$conv" "$WORK/config.xyz" "$WORK/config.nc") || fail "EANN configuration file not converted"
printf '%s\n' "$out" | grep -F -q "2 frames, 6 atoms, elements H O, properties dipole" || fail "EANN conversion summary wrong: $out"
if command -v nccopy >/dev/null; then
  nccopy -k classic "$WORK/config.nc" "$WORK/classic.nc" || fail "nccopy"
  [ "$(head -c 3 "$WORK/classic.nc")" = CDF ] || fail "nccopy did not write the classic format"
  info=$("$conv" -info "$WORK/classic.nc") || fail "-info on a classic NetCDF dataset failed"
  printf '%s\n' "$info" | grep -F -q "2 frames, 6 atoms" || fail "-info classic: $info"
fi
