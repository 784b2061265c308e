#!/bin/bash
# One validation for every input format (readutil.c TeannFramesValidate): values
# finite and within the documented bounds (doc/input-formats.md "Bounds"),
# atoms apart, tensors with their symmetry, flagged properties present; reader
# hardening (duplicate keys, BOM, control characters, unbalanced quotes, huge
# atom counts, ASE's nested and _JSON arrays); and the fit's checks of the data
# (no spread, elements absent from the training frames).
. "$top_srcdir/tests/common.sh"
R=$BIN/tests/test-readers
C=$BIN/teann-convert
[ -x "$R" ] && [ -x "$C" ] || fail "missing $R or $C"
bad() { local f=$1 msg=$2; shift 2; expect_error "$BAD/$f$msg" "$R" "$BAD/$f" "$@"; }

# --- absurd values in text files (item 9)
bad bad-label-huge.xyz       ":7: frame 2: dipole component y = 1e+308 is beyond the bound 1e+06 e*Angstrom"
bad bad-polar-huge.xyz       ":7: frame 2: polarizability component yy = 2e+06 is beyond the bound 1e+06 Angstrom^3"
bad bad-coord-huge.xyz       ":9: frame 2: atom 2: coordinate y = 1e+308 is beyond the bound 1e+06 Angstrom"
bad bad-eann-huge.data       ":18: frame 2: dipole component y = -3e+07 is beyond the bound 1e+06 e*Angstrom"
bad bad-eann-coord-huge.data ":16: frame 2: atom 2: coordinate y = 2.5e+06 is beyond the bound 1e+06 Angstrom"

# --- reader hardening (items 13, 14)
# 18 bytes announcing 3e8 atoms: an error before any memory is reserved for them
expect_error "$BAD/bad-count-huge.xyz:1: frame 1: atom count 300000000 is more than the 7 bytes left in the file can hold" \
  bash -c "ulimit -v 4000000; exec \"$R\" \"$BAD/bad-count-huge.xyz\""
# a count the file could hold but does not: the truncation, without reserving the count up front
{ echo 25000; echo; for i in $(seq 1 20000); do echo "H 0 0 $i"; done; } > "$WORK/short.xyz"
expect_error "short.xyz:1: frame 1: truncated: 25000 atoms announced, the file ends after 20000" "$R" "$WORK/short.xyz"
bad bad-duplicate-key.xyz    ":7: frame 2: dipole= given twice"
bad bad-unbalanced-quote.xyz ":7: frame 2: unbalanced quote: the value of dipole= runs into 'energy='"
bad bad-control-char.xyz     ":9: frame 2: atom 2: unknown element symbol 'H\\x07'"
out=$("$R" "$BAD/bad-control-char.xyz" 2>&1) || true
case $out in *$'\a'*) fail "a raw control character reached the terminal" ;; esac
# a UTF-8 byte order mark before the first line (XYZ and EANN)
printf '\xef\xbb\xbf' > "$WORK/bom.xyz"; head -n 5 "$BAD/bad-label-huge.xyz" >> "$WORK/bom.xyz"
"$R" "$WORK/bom.xyz" | grep -q "read 1 frames, 3 atoms" || fail "UTF-8 BOM (xyz)"
printf '\xef\xbb\xbf' > "$WORK/bom.data"; head -n 9 "$BAD/bad-eann-huge.data" >> "$WORK/bom.data"
"$C" -info "$WORK/bom.data" 2>&1 | grep -q "dipole (e\*Angstrom): 1 of 1 frames" || { "$C" -info "$WORK/bom.data"; fail "UTF-8 BOM (eann, format by content)"; }
echo "ok: reader hardening"

# --- the nested-bracket and _JSON forms of a 3x3 (item 15)
for form in 'polarizability=[[1.2,0.1,0.0],[0.1,1.3,0.0],[0.0,0.0,1.4]]' \
            'polarizability="_JSON [[1.2, 0.1, 0.0], [0.1, 1.3, 0.0], [0.0, 0.0, 1.4]]"' \
            'polarizability="[[1.2, 0.1, 0.0], [0.1, 1.3, 0.0], [0.0, 0.0, 1.4]]"'; do
  printf '3\n%s Properties=species:S:1:pos:R:3\nO 0 0 0.1173\nH 0 0.7572 -0.4692\nH 0 -0.7572 -0.4692\n' "$form" > "$WORK/nested.xyz"
  "$C" -info "$WORK/nested.xyz" > "$WORK/nested.out" 2>&1 || { cat "$WORK/nested.out"; fail "$form"; }
  grep -q "polarizability (Angstrom^3): 1 of 1 frames" "$WORK/nested.out" || { cat "$WORK/nested.out"; fail "$form not read"; }
done
echo "ok: nested-bracket and _JSON 3x3 arrays"

# --- the NetCDF dataset passes the same checks (item 10)
head -n 10 "$BAD/bad-label-huge.xyz" > "$WORK/good.xyz"
sed -i '7s/.*/dipole="0.4 0.5 0.6" polarizability="1.2 0.1 0.0 0.1 1.3 0.0 0.0 0.0 1.4"/' "$WORK/good.xyz"
"$C" "$WORK/good.xyz" "$WORK/good.nc" > /dev/null 2>&1 || fail "convert good.xyz"
"$C" -info "$WORK/good.nc" > /dev/null 2>&1 || fail "good.nc"
mutate() { # mutate OUT PYTHON-STATEMENTS (d: the dataset opened for writing)
  cp "$WORK/good.nc" "$WORK/$1"
  "${PYTHON3:-python3}" -c "import netCDF4, numpy as np
d = netCDF4.Dataset('$WORK/$1', 'a')
$2
d.close()" || fail "mutate $1"
}
if "${PYTHON3:-python3}" -c 'import netCDF4' 2> /dev/null; then
  mutate coord.nc   "d['positions'][4, 1] = 1e308"
  expect_error "coord.nc: frame 2: atom 2: coordinate y = 1e+308 is beyond the bound 1e+06 Angstrom" "$C" -info "$WORK/coord.nc"
  mutate overlap.nc "d['positions'][5, :] = d['positions'][4, :]"
  expect_error "overlap.nc: frame 2: atoms 2 and 3 are 0 Angstrom apart (closer than 0.1)" "$C" -info "$WORK/overlap.nc"
  mutate label.nc   "d['dipole'][1, 1] = 1e308"
  expect_error "label.nc: frame 2: dipole component y = 1e+308 is beyond the bound 1e+06 e*Angstrom" "$C" -info "$WORK/label.nc"
  mutate nan.nc     "d['dipole'][1, 0] = np.nan"
  expect_error "nan.nc: frame 2: dipole component x = nan is not finite" "$C" -info "$WORK/nan.nc"
  mutate nonsym.nc  "d['polarizability'][1, 2, 0] = 0.5"
  expect_error "nonsym.nc: frame 2: polarizability not symmetric: xz = 0 but zx = 0.5" "$C" -info "$WORK/nonsym.nc"
  mutate flag.nc    "d.renameVariable('dipole', 'dipole_old')"
  expect_error "flag.nc: frame 1: flagged as having dipole (variable 'properties') but there is no variable 'dipole'" "$C" -info "$WORK/flag.nc"
  echo "ok: NetCDF datasets are validated"
else
  echo "python3 netCDF4 missing: NetCDF checks skipped"
fi

# --- the fit (items 11, 12)
small="-teann_hidden 4 -teann_nwave 2 -tao_max_it 2 -teann_properties dipole"
{ for i in $(seq 10); do head -n 5 "$DATA/water_hf_800.xyz"; done; } > "$WORK/same.xyz"
expect_error "the training frames' dipole has zero spread" "$BIN/teann-train" -teann_data "$WORK/same.xyz" -teann_valid_fraction 0 -teann_test_fraction 0 $small -teann_output_dir "$WORK/o1"
head -n 500 "$DATA/water_hf_800.xyz" > "$WORK/water.xyz"
head -n 64 "$DATA/methanol_hf_240.xyz" > "$WORK/methanol.xyz"
expect_error "$WORK/methanol.xyz: element C is in no training frame ($WORK/water.xyz)" "$BIN/teann-train" -teann_data "$WORK/water.xyz" -teann_valid "$WORK/methanol.xyz" $small -teann_output_dir "$WORK/o2"
expect_error "$WORK/methanol.xyz: element C is in no training frame ($WORK/water.xyz)" "$BIN/teann-train" -teann_data "$WORK/water.xyz" -teann_test "$WORK/methanol.xyz" $small -teann_output_dir "$WORK/o3"
# a model of the training elements only: teann-predict then refuses the element too
"$BIN/teann-train" -teann_data "$WORK/water.xyz" $small -teann_output_dir "$WORK/o4" > "$WORK/o4.log" 2>&1 || { cat "$WORK/o4.log"; fail "fit on water"; }
grep -q "elements H O;" "$WORK/o4.log" || fail "model elements"
expect_error "elements not in the model $WORK/o4/model.nc: C" "$BIN/teann-predict" -teann_model "$WORK/o4/model.nc" -teann_data "$WORK/methanol.xyz" -teann_output "$WORK/p.xyz"
echo "ok: the fit's data checks"
