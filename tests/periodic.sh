#!/bin/bash
# Periodic input (doc/input-formats.md "Periodic frames"): the 64-water cells of
# input/data read, with the cell range and the largest polarizability asymmetry
# accepted checked against values computed here from the text; Lattice/pbc in
# all their forms; triclinic, slab, wire and mixed files; round trips
# xyz -> nc -> xyz and xyz -> xyz bit for bit; the NetCDF cell/pbc variables;
# EANN cells; the symmetry tolerance at its edge; bad periodic NetCDF datasets.
. "$top_srcdir/tests/common.sh"
C=$BIN/teann-convert
T=$BIN/tests/test-dataset
PY=${PYTHON3:-python3}
[ -x "$C" ] && [ -x "$T" ] || fail "missing $C or $T"
"$PY" -c 'import numpy' 2> /dev/null || { echo "python3 cannot import numpy: skipped"; exit 77; }

# --- the example cells: counts, cell range and asymmetry as computed from the file
P=$DATA/water64_pbc_polarizability_80.xyz
out=$("$C" -info "$P") || fail "-info $P"
printf '%s\n' "$out"
"$PY" - "$P" <<'PYEOF' > "$WORK/expect.txt" || fail "reference values"
import sys, re, numpy as np
lines = open(sys.argv[1]).read().splitlines()
i, f, lens, vols, worst = 0, 0, [], [], (0, 0)
while i < len(lines):
    n = int(lines[i]); c = lines[i + 1]; f += 1
    H = np.array([float(v) for v in re.search(r'Lattice="([^"]*)"', c).group(1).split()]).reshape(3, 3)
    a = np.array([float(v) for v in re.search(r'polarizability="([^"]*)"', c).group(1).split()]).reshape(3, 3)
    lens += list(np.linalg.norm(H, axis=1)); vols.append(abs(np.linalg.det(H)))
    r = np.abs(a - a.T).max() / np.abs(a).max()
    if r > worst[0]: worst = (r, f)
    i += n + 2
print("%.6g %.6g %.6g %.6g %.3g %d %d" % (min(lens), max(lens), min(vols), max(vols), worst[0], worst[1], f))
PYEOF
read -r lmin lmax vmin vmax asym aframe nf < "$WORK/expect.txt"
grep -qF "$P: $nf frames, $((nf * 192)) atoms (192 to 192 per frame)" <<<"$out" || fail "frame count"
grep -qF "periodic: $nf of $nf frames (pbc T T T: $nf)" <<<"$out" || fail "periodic count"
grep -qF "cell: periodic vectors $lmin to $lmax Angstrom long, volume $vmin to $vmax Angstrom^3 ($nf cells periodic in 3 directions)" <<<"$out" || fail "cell range, expected $lmin $lmax $vmin $vmax"
grep -qF "largest polarizability asymmetry accepted: $asym (relative to the largest component; tolerance 0.01), frame $aframe" <<<"$out" || fail "asymmetry line, expected $asym frame $aframe"
echo "ok: $P: $nf periodic frames, cell $lmin..$lmax, asymmetry $asym (frame $aframe) accepted"
W=$DATA/water64_pbc_wannier_80.xyz
out=$("$C" -info "$W") || fail "-info $W (a per-atom atomic_dipole:R:3 column is skipped)"
grep -qF "periodic: 80 of 80 frames (pbc T T T: 80)" <<<"$out" || fail "wannier file: $out"
echo "ok: $W reads"

# --- round trips: bit for bit through the dataset and through extended XYZ
cat > "$WORK/mixed.xyz" <<'XYZ'
3
Lattice="9.5 0 0 1.2 8.7 0 -0.8 1.1 10.3" pbc="T T T" polarizability="1.2 0.1 0.0 0.1 1.3 0.0 0.0 0.0 1.4" energy=-2
O 0.0 0.0 0.1173
H 0.0 0.7572 -0.4692
H 25.0 -30.7572 -0.4692
3
Lattice="8 0 0 0 9 0 0 0 0" pbc="T T F" polarizability="1.2 0.1 0.0 0.1 1.3 0.0 0.0 0.0 1.4"
O 0.0 0.0 0.1173
H 0.0 0.7572 -0.4692
H 0.0 -0.7572 -0.4692
3
dipole="0.1 0.2 0.3" Lattice="10 0 0 0 10 0 0 0 10" pbc="F F F"
O 0.0 0.0 0.1173
H 0.0 0.7572 -0.4692
H 0.0 -0.7572 -0.4692
2
Lattice="0 0 0 0 0.7 0 0 0 0" pbc="F T F" charge=0
H 0 0 0
H 0 0 0.74
1
pbc="1 0 0" Lattice="3.3 0.1 0 0 0 0 0 0 0"
He 5 5 5
XYZ
for f in "$P" "$W" "$WORK/mixed.xyz"; do
  "$T" roundtrip "$f" "$WORK/rt.nc" | grep -q identical || fail "dataset round trip of $f"
  "$T" xyzroundtrip "$f" "$WORK/rt.xyz" | grep -q identical || fail "xyz round trip of $f"
done
out=$("$C" -info "$WORK/mixed.xyz") || fail "-info mixed.xyz"
grep -qF "periodic: 4 of 5 frames (pbc T T T: 1, T T F: 1, F T F: 1, T F F: 1)" <<<"$out" || { printf '%s\n' "$out"; fail "mixed pbc summary"; }
grep -qF "cell: periodic vectors 0.7 to 10.3894 Angstrom long, volume 851.295 to 851.295 Angstrom^3 (1 cells periodic in 3 directions)" <<<"$out" || { printf '%s\n' "$out"; fail "mixed cell range"; }
# teann-convert xyz -> nc -> xyz keeps Lattice and pbc exactly (the F F F box is a molecule: no cell)
out=$("$C" "$P" "$WORK/p.nc") || fail "convert $P"
grep -qF "80 periodic" <<<"$out" || fail "convert summary lacks the periodic count"
"$C" "$WORK/p.nc" "$WORK/p.xyz" > /dev/null || fail "nc -> xyz"
"$C" "$WORK/mixed.xyz" "$WORK/m.nc" > /dev/null && "$C" "$WORK/m.nc" "$WORK/m.xyz" > /dev/null || fail "mixed xyz -> nc -> xyz"
"$PY" - "$P" "$WORK/p.xyz" "$WORK/mixed.xyz" "$WORK/m.xyz" <<'PYEOF' || fail "Lattice/pbc after xyz -> nc -> xyz"
import sys, re
def cells(path):
    out, lines, i = [], open(path).read().splitlines(), 0
    while i < len(lines):
        n, c = int(lines[i]), lines[i + 1]
        L = re.search(r'Lattice="([^"]*)"', c); p = re.search(r'pbc="([^"]*)"', c)
        flags = [v in ("T", "True", "1") for v in p.group(1).split()] if p else ([True] * 3 if L else [False] * 3)
        if len(flags) == 1: flags *= 3
        cell = [float(v) for v in L.group(1).split()] if L and any(flags) else None
        out.append((cell, flags if any(flags) else None, [[float(v) for v in l.split()[1:4]] for l in lines[i + 2:i + 2 + n]]))
        i += n + 2
    return out
for a, b in ((sys.argv[1], sys.argv[2]), (sys.argv[3], sys.argv[4])):
    A, B = cells(a), cells(b)
    assert len(A) == len(B), (a, len(A), len(B))
    for f, (x, y) in enumerate(zip(A, B)):
        assert x == y, f"{b} frame {f + 1}: {x[:2]} != {y[:2]}"
print("ok: Lattice, pbc and positions equal after xyz -> nc -> xyz")
PYEOF
grep -q 'Lattice=' <<<"$(sed -n 12p "$WORK/m.xyz")" && fail "the pbc=\"F F F\" box was written as a cell"

# --- teann-predict writes the cell back, from a text file (replacing its Lattice/pbc) and from a dataset
head -n 388 "$P" > "$WORK/two64.xyz"
"$C" "$WORK/two64.xyz" "$WORK/two64.nc" > /dev/null || fail "convert two64"
"$BIN/teann-train" -teann_data "$DATA/water_hf_800.xyz" -teann_properties polarizability -teann_hidden 4 -teann_nwave 2 -tao_max_it 1 \
  -teann_output_dir "$WORK/fit" > "$WORK/fit.log" 2>&1 || { cat "$WORK/fit.log"; fail "small fit"; }
for src in two64.xyz two64.nc; do
  "$BIN/teann-predict" -teann_model "$WORK/fit/model.nc" -teann_data "$WORK/$src" -teann_output "$WORK/pred.xyz" -teann_overwrite > /dev/null 2>&1 || fail "teann-predict on $src"
  for f in 1 2; do
    line=$(sed -n "$((194 * (f - 1) + 2))p" "$WORK/pred.xyz")
    want=$(sed -n "$((194 * (f - 1) + 2))p" "$P" | grep -o 'Lattice="[^"]*"')
    [ "$(grep -o 'Lattice=' <<<"$line" | wc -l)" = 1 ] || fail "predictions from $src, frame $f: not one Lattice: $line"
    "$PY" -c "import sys; a, b = (list(map(float, s.split('\"')[1].split())) for s in sys.argv[1:3]); assert a == b, (a, b)" "$(grep -o 'Lattice="[^"]*"' <<<"$line")" "$want" || fail "predictions from $src, frame $f: cell changed"
    grep -qF 'pbc="T T T"' <<<"$line" || fail "predictions from $src, frame $f: no pbc"
  done
done
echo "ok: teann-predict writes Lattice and pbc back"

# --- the dataset's variables; a file of molecules has none
if command -v ncdump > /dev/null; then
  h=$(ncdump -h "$WORK/m.nc")
  for want in 'cell_spatial = 3 ;' 'double cell(frame, cell_spatial, spatial) ;' 'cell:units = "angstrom" ;' \
    'byte pbc(frame, cell_spatial) ;' 'pbc:flag_values = 0b, 1b ;' 'pbc:flag_meanings = "not_periodic periodic" ;'; do
    grep -qF -- "$want" <<<"$h" || { printf '%s\n' "$h"; fail "ncdump -h lacks: $want"; }
  done
  v=$(ncdump -v pbc "$WORK/m.nc" | tr -d ' \n')
  grep -qF 'pbc=1,1,1,1,1,0,0,0,0,0,1,0,1,0,0;' <<<"$v" || fail "pbc flags as stored: $v"
  "$C" "$DATA/water_hf_800.xyz" "$WORK/iso.nc" > /dev/null || fail "convert water"
  ncdump -h "$WORK/iso.nc" | grep -q 'cell' && fail "a dataset of molecules has cell variables"
  ncdump -h "$WORK/p.nc" | grep -qF 'polarizability:largest_asymmetry_frame = '"$aframe" || fail "asymmetry attribute"
  out=$("$C" -info "$WORK/p.nc") || fail "-info p.nc"
  grep -qF "largest polarizability asymmetry accepted: $asym" <<<"$out" || fail "-info of the dataset lacks the asymmetry accepted by its source's reader"
  echo "ok: cell and pbc variables"
fi

# --- extended XYZ pbc forms, as ASE accepts them
for form in 'pbc="T T T"' 'pbc="True True True"' 'pbc="1 1 1"' 'pbc=T' 'pbc="t t t"' ''; do
  printf '1\nLattice="5 0 0 0 5 0 0 0 5" %s\nAr 0 0 0\n' "$form" > "$WORK/form.xyz"
  out=$("$C" -info "$WORK/form.xyz") || fail "-info with '$form'"
  grep -qF "periodic: 1 of 1 frames (pbc T T T: 1)" <<<"$out" || fail "Lattice with '$form' not periodic along a, b, c"
done
printf '1\nLattice="5 0 0 0 5 0 0 0 5" pbc="F F F"\nAr 0 0 0\n' > "$WORK/form.xyz"
out=$("$C" -info "$WORK/form.xyz") || fail "-info F F F"
grep -q "periodic" <<<"$out" && fail "pbc=\"F F F\" read as periodic"
echo "ok: pbc forms"

# --- interchange with ASE: cells ASE writes are read exactly, and ASE reads the cells teann writes
if "$PY" -c 'import ase.io' 2> /dev/null; then
  "$PY" - "$WORK" "$C" <<'PYEOF' || fail "cells exchanged with ASE"
import sys, subprocess, numpy as np, ase.io
from ase import Atoms
work, conv = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(3)
frames = []
for pbc in ([True] * 3, [True, True, False], [False, True, False], [False] * 3):
    cell = np.diag([9.0, 10.0, 11.0]) + rng.normal(0, 1.0, (3, 3))
    if not pbc[2]: cell[2] = 0  # a slab or wire as ASE holds it: no third vector
    a = Atoms("OH2", positions=[[0, 0, 0.1173], [0, 0.7572, -0.4692], [0, -0.7572, -0.4692]] + rng.normal(0, 0.02, (3, 3)) + rng.uniform(-20, 20, 3), cell=cell, pbc=pbc)
    m = rng.normal(size=(3, 3)); a.info["polarizability"] = np.eye(3) * 1.3 + (m + m.T) / 10
    frames.append(a)
ase.io.write(work + "/ase-cells.xyz", frames, format="extxyz")
frames = ase.io.read(work + "/ase-cells.xyz", index=":")  # the values as written (ASE rounds them)
r = subprocess.run([conv, work + "/ase-cells.xyz", work + "/ase-back.xyz"], capture_output=True, text=True)
assert r.returncode == 0, r.stdout + r.stderr
assert "3 periodic" in r.stdout, r.stdout
back = ase.io.read(work + "/ase-back.xyz", index=":")
for f, (a, b) in enumerate(zip(frames, back)):
    assert list(a.pbc) == list(b.pbc), (f, a.pbc, b.pbc)
    if a.pbc.any():
        assert np.array_equal(a.cell.array, b.cell.array), (f, a.cell.array, b.cell.array)
    assert np.array_equal(a.positions, b.positions), f
print("ok: ASE-written cells read exactly; ASE reads teann's Lattice/pbc")
PYEOF
else
  echo "python3 cannot import ase: ASE interchange skipped"
fi

# --- EANN configuration cells: triclinic, mixed flags; written back as Lattice
cat > "$WORK/cell.data" <<'EANN'
point=   1
  9.5 0.0 0.0
  1.2 8.7 0.0
 -0.8 1.1 10.3
pbc 1 1 1
O 16.0 0.0 0.0 0.1173
H 1.0 0.0 0.7572 -0.4692
H 1.0 0.0 -0.7572 -0.4692
abprop: 1.2 1.3 1.4 0 0 0.1
point=   2
  9.0 0.0 0.0
  0.0 9.0 0.0
  0.0 0.0 0.0
pbc 1 1 0
O 16.0 0.0 0.0 0.1173
H 1.0 0.0 0.7572 -0.4692
H 1.0 0.0 -0.7572 -0.4692
abprop: 1.2 1.3 1.4 0 0 0.1
EANN
out=$("$C" "$WORK/cell.data" "$WORK/cell.xyz") || fail "EANN cells not converted"
grep -qF "2 frames, 6 atoms, elements H O, 2 periodic, properties polarizability" <<<"$out" || fail "EANN cells"
sed -n 2p "$WORK/cell.xyz" | grep -qF 'Lattice="9.5 0 0 1.2 8.7 0 -0.8 1.1 10.3" pbc="T T T"' || fail "EANN cell: $(sed -n 2p "$WORK/cell.xyz")"
sed -n 7p "$WORK/cell.xyz" | grep -qF 'Lattice="9 0 0 0 9 0 0 0 0" pbc="T T F"' || fail "EANN slab: $(sed -n 7p "$WORK/cell.xyz")"
echo "ok: EANN cells"

# --- the polarizability's symmetry tolerance at its edge (1e-2 of the largest component)
for zx in 0.0139 0.0141; do
  printf '3\npolarizability="1.2 0.1 0.0 0.1 1.3 0.0 %s 0.0 1.4"\nO 0 0 0.1173\nH 0 0.7572 -0.4692\nH 0 -0.7572 -0.4692\n' "$zx" > "$WORK/edge.xyz"
  if [ "$zx" = 0.0139 ]; then
    out=$("$C" -info "$WORK/edge.xyz") || fail "asymmetry 0.0139/1.4 refused"
    grep -qF "largest polarizability asymmetry accepted: 0.00993 (relative to the largest component; tolerance 0.01), frame 1" <<<"$out" || fail "asymmetry 0.0139/1.4 not reported"
  else
    expect_error "edge.xyz:2: frame 1: polarizability not symmetric: xz = 0 but zx = 0.0141 (asymmetry 0.0101 of the largest component 1.4; tolerance 0.01)" "$C" -info "$WORK/edge.xyz"
  fi
done

# --- periodic datasets pass the same checks as text files
if "$PY" -c 'import netCDF4' 2> /dev/null; then
  printf '3\ndipole="0.1 0.2 0.3"\nO 0 0 0.1173\nH 0 0.7572 -0.4692\nH 0 -0.7572 -0.4692\n' > "$WORK/two.xyz"
  printf '3\nLattice="10 0 0 0 10 0 0 0 10" polarizability="1.2 0.1 0.0 0.1 1.3 0.0 0.0 0.0 1.4"\nO 0 0 0.1173\nH 0 0.7572 -0.4692\nH 0 -0.7572 -0.4692\n' >> "$WORK/two.xyz"
  "$C" "$WORK/two.xyz" "$WORK/two.nc" > /dev/null || fail "convert two.xyz"
  mutate() {
    cp "$WORK/two.nc" "$WORK/$1"
    "$PY" -c "import netCDF4, numpy as np
d = netCDF4.Dataset('$WORK/$1', 'a')
$2
d.close()" || fail "mutate $1"
  }
  mutate singular.nc "d['cell'][1, 2, :] = [10, 10, 0]"
  expect_error "singular.nc: frame 2: the cell (periodic along a, b, c) is singular" "$C" -info "$WORK/singular.nc"
  mutate flag.nc "d['pbc'][1, 1] = 2"
  expect_error "flag.nc: frame 2: pbc[1] = 2, expected 0 or 1" "$C" -info "$WORK/flag.nc"
  mutate dipole.nc "d['pbc'][0, :] = [1, 1, 1]; d['cell'][0, :, :] = np.eye(3) * 10"
  expect_error "dipole.nc: frame 1: dipole is not defined for a periodic frame" "$C" -info "$WORK/dipole.nc"
  mutate close.nc "d['positions'][4, :] = [9.96, 0, 0.1173]"
  expect_error "close.nc: frame 2: atoms 1 and 2 are 0.04 Angstrom apart through the periodic boundary" "$C" -info "$WORK/close.nc"
  mutate nopbc.nc "d.renameVariable('pbc', 'pbc_old')"
  expect_error "nopbc.nc: variable 'cell' without 'pbc'" "$C" -info "$WORK/nopbc.nc"
  mutate nancell.nc "d['cell'][1, 0, 0] = np.nan"
  expect_error "nancell.nc: frame 2: cell vector a: component x = nan is not finite" "$C" -info "$WORK/nancell.nc"
  echo "ok: periodic datasets validated"
else
  echo "python3 netCDF4 missing: NetCDF checks skipped"
fi
echo "periodic input: all checks passed"
