#!/bin/bash
# teann-spectrum makes the IR spectrum of a periodic liquid from per-atom dipoles: the cell
# dipole M = sum q r + sum w d (defaults O -2, H +1, Wannier charge -8 on O) of synthetic
# trajectories (tests/tools/synthetic-liquid.py) has its line at the known wavenumber with the
# known area, whether the atomic dipoles oscillate with the atoms still or the ions move; a
# trajectory wrapped into a triclinic cell gives the spectrum of the unwrapped one (no spikes
# where atoms cross the faces), which taking the wrapped positions as they are does not;
# atomic dipoles of elements without a Wannier charge are ignored; the charges are options.
# End to end: a tiny model of liquid water's Wannier centroids (input/water64-wannier.opts),
# teann-predict to extended XYZ, teann-spectrum. The messages: a predictions.nc (no positions),
# a periodic frame without its cell, an element without a charge, a file with nothing to use.
. "$top_srcdir/tests/common.sh"
PY=${PYTHON3:-/usr/bin/python3}
$PY -c 'import numpy, netCDF4' 2> /dev/null || { echo "SKIP: $PY lacks numpy or netCDF4"; exit 77; }
SYN="$PY $top_srcdir/tests/tools/synthetic-liquid.py"
SP=$BIN/teann-spectrum
cd "$WORK" || exit 1

# spec FILE.xyz OUT.nc [OPTIONS]: the IR spectrum with a 1 ps correlation time
spec() {
  local in=$1 out=$2
  shift 2
  "$SP" -teann_data "$in" -teann_corr_time 1000 -teann_output "$out" "$@" > "$out.log" 2>&1 || { cat "$out.log"; fail "teann-spectrum $in $*"; }
}
# cmp_ir A.nc B.nc TOL [differ]: the IR spectra agree to TOL relative to A's maximum (or, with
# differ, disagree by more than TOL)
cmp_ir() {
  $PY - "$@" << 'PYEOF' || fail "IR spectra of $1 and $2 ($4)"
import sys, netCDF4, numpy as np
a, b = (netCDF4.Dataset(f)["ir"][:].data for f in sys.argv[1:3])
d = np.max(np.abs(a - b)) / np.max(np.abs(a))
want_equal = len(sys.argv) < 5
assert a.shape == b.shape and np.all(np.isfinite(a)) and np.all(np.isfinite(b))
assert (d <= float(sys.argv[3])) == want_equal, d
print("ok: %s %s %s (max difference %.3g of the maximum)" % (sys.argv[1], "=" if want_equal else "differs from", sys.argv[2], d))
PYEOF
}

# atomic dipoles oscillating, atoms still: the line at 1650 cm-1 with area 64 A^2 w^2
$SYN write dip.xyz --mode dipoles || fail "synthetic dip.xyz"
spec dip.xyz dip.nc
grep -q "IR (cell dipole from per-atom dipoles) from 1 trajectory, 5000 frames" dip.nc.log || { cat dip.nc.log; fail "the summary does not name the cell dipole"; }
$SYN check dip.nc --mode dipoles --tol 0.01 || fail "line of the oscillating atomic dipoles"
ncdump -h dip.nc | grep -q ':dipole_source = "cell dipole M = sum_i q_i r_i + sum_i w_i d_i.*atom charges q (e) H:1,O:-2, Wannier charges w (e) O:-8' || { ncdump -h dip.nc; fail "dip.nc lacks the attribute dipole_source with the charges"; }
grep -q '^# units: .*; ir of the cell dipole' dip.csv && [ "$(grep -c '^#' dip.csv)" = 3 ] || fail "dip.csv: the source of the IR dipole on the units line, three # lines"
# random atomic dipoles on H (no Wannier charge by default) change nothing; with one they do
$SYN write noise.xyz --mode dipoles --h-noise 0.1 || fail "synthetic noise.xyz"
spec noise.xyz noise.nc
cmp_ir dip.nc noise.nc 1e-9
spec noise.xyz noise-h.nc -teann_wannier_charges O:-8,H:1
cmp_ir dip.nc noise-h.nc 0.01 differ

# ions moving: H atoms drift across a triclinic cell and oscillate at 3400 cm-1
$SYN write unw.xyz --mode ions || fail "synthetic unw.xyz"
$SYN write wrap.xyz --mode ions --wrap || fail "synthetic wrap.xyz"
$SYN write cluster.xyz --mode ions --no-lattice || fail "synthetic cluster.xyz"
$PY - << 'PYEOF' || fail "wrap.xyz: no atom crosses the cell"
import numpy as np
rows = [l.split() for l in open("wrap.xyz") if l.startswith("H ")]
x = np.array([[float(v) for v in r[1:4]] for r in rows]).reshape(-1, 4, 3)
jump = np.abs(np.diff(x, axis=0)).max()
assert jump > 3, jump
print("ok: wrap.xyz: H atoms jump by up to %.2f Angstrom between frames where they cross the cell" % jump)
PYEOF
spec unw.xyz unw.nc
spec wrap.xyz wrap.nc
spec cluster.xyz cluster.nc
grep -q "cluster.xyz: per-atom dipoles without a periodic cell (no Lattice=): the positions are taken as they are" cluster.nc.log || { cat cluster.nc.log; fail "no note on the cluster"; }
grep -q warning wrap.nc.log && { cat wrap.nc.log; fail "a warning on a smooth trajectory"; }
$SYN check unw.nc --mode ions --tol 0.01 || fail "line of the oscillating ions"
$SYN check wrap.nc --mode ions --tol 0.01 || fail "line of the oscillating ions, wrapped"
cmp_ir unw.nc wrap.nc 1e-6
cmp_ir unw.nc cluster.nc 1e-6
# the wrapped positions taken as they are (pbc="F F F": a molecule in a box) jump: the spectrum is another
sed 's/pbc="T T T"/pbc="F F F"/' wrap.xyz > naive.xyz
spec naive.xyz naive.nc
cmp_ir unw.nc naive.nc 0.5 differ

# the charges: a list replaces the defaults; every element needs a charge; a charged cell warns
expect_error "unw.xyz:4: frame 1: atom 2: no charge for H: -teann_atom_charges must give every element of the file (it has O:-2)" "$SP" -teann_data unw.xyz -teann_atom_charges O:-2
expect_error "-teann_atom_charges: unknown element 'Xx'" "$SP" -teann_data unw.xyz -teann_atom_charges Xx:1
expect_error "-teann_wannier_charges: 'O-8' is not ELEMENT:CHARGE" "$SP" -teann_data unw.xyz -teann_wannier_charges O-8
spec unw.xyz charged.nc -teann_atom_charges O:6,H:1
grep -q "warning: unw.xyz: the cell's atom charges (-teann_atom_charges H:1,O:6) add up to 16 e, not 0" charged.nc.log || { cat charged.nc.log; fail "no warning on a charged cell"; }
# doubling every charge quadruples the spectrum
spec dip.xyz double.nc -teann_atom_charges O:-4,H:2 -teann_wannier_charges O:-16
$PY -c '
import netCDF4, numpy as np
a, b = netCDF4.Dataset("dip.nc")["ir"][:].data, netCDF4.Dataset("double.nc")["ir"][:].data
assert np.max(np.abs(b - 4 * a)) <= 1e-9 * np.max(a), np.max(np.abs(b - 4 * a))
print("ok: charges doubled, spectrum x4")' || fail "charges doubled"

# the cell's information missing; nothing usable
sed 's/Lattice="[^"]*" //' wrap.xyz > nocell.xyz
expect_error "nocell.xyz:2: frame 1: pbc= has T but there is no Lattice=: the cell dipole of a periodic frame needs its cell" "$SP" -teann_data nocell.xyz
sed 's/pos:R:3:atomic_dipole_pred/xyz:R:3:atomic_dipole_pred/' unw.xyz > nopos.xyz
expect_error "nopos.xyz:2: frame 1: Properties= has no column pos: the cell dipole from per-atom dipoles needs every atom's species and position" "$SP" -teann_data nopos.xyz
printf '1\ntime=0 Properties=species:S:1:pos:R:3\nH 0 0 0\n1\ntime=1 Properties=species:S:1:pos:R:3\nH 0 0 0\n' > bare.xyz
expect_error "no spectrum can be made from bare.xyz: it has neither dipoles nor polarizabilities (looked for dipole_pred= or dipole= in the comment lines or per-atom atomic_dipole_pred or atomic_dipole columns with species and pos (IR), and polarizability_pred= or polarizability= (Raman))" "$SP" -teann_data bare.xyz
expect_error "bare.xyz:2: frame 1: no dipole= (the IR spectrum needs one in every frame, or per-atom atomic_dipole_pred or atomic_dipole columns with species and pos)" "$SP" -teann_data bare.xyz -teann_spectra ir

# end to end: a tiny model of liquid water's Wannier centroids on 16 cells, their predictions
# along the cells as a stand-in trajectory (1 fs apart), the spectrum
head -n $((194 * 16)) "$DATA/water64_pbc_wannier_80.xyz" > w16.xyz
mpirun_np 1 "$BIN/teann-train" -options_file "$top_srcdir/input/water64-wannier.opts" -teann_data w16.xyz -teann_hidden 8,8 -tao_max_it 5 -teann_output_dir fit > fit.log 2>&1 || { cat fit.log; fail "teann-train water64-wannier"; }
mpirun_np 1 "$BIN/teann-predict" -teann_model fit/model.nc -teann_data w16.xyz -teann_output pred.xyz > pred.log 2>&1 || { cat pred.log; fail "teann-predict to XYZ"; }
mpirun_np 1 "$BIN/teann-predict" -teann_model fit/model.nc -teann_data w16.xyz -teann_output pred.nc > pred.log 2>&1 || { cat pred.log; fail "teann-predict to NetCDF"; }
grep -q 'atomic_dipole_pred:R:3' pred.xyz || fail "pred.xyz has no atomic_dipole_pred column"
"$SP" -teann_data pred.xyz -teann_dt 1 -teann_output water.nc > water.log 2>&1 || { cat water.log; fail "teann-spectrum on predicted atomic dipoles of water"; }
grep -q "IR (cell dipole from per-atom dipoles) from 1 trajectory, 16 frames, time step 1 fs" water.log || { cat water.log; fail "water: summary"; }
# the cells are no trajectory: molecules move far between them, which the program says
grep -q "warning: pred.xyz: frame [0-9]*: an atom moves 0\.[0-9]* of the cell from the previous frame" water.log || { cat water.log; fail "water: no warning on the jumps between independent cells"; }
# the cell dipole's derivative by hand (minimum image, q O -2 H +1, -8 d_O) against the correlation at lag 0
$PY - << 'PYEOF' || fail "water: zero-lag correlation against the cell dipole by hand"
import netCDF4, numpy as np
L = open("pred.xyz").read().split("\n")
M, i, prev, unw = [], 0, None, None
while i < len(L) and L[i].strip():
    n = int(L[i]); com = L[i + 1]
    cell = np.array([float(v) for v in com.split('Lattice="')[1].split('"')[0].split()]).reshape(3, 3)
    rows = [l.split() for l in L[i + 2:i + 2 + n]]
    x = np.array([[float(v) for v in r[1:4]] for r in rows])
    d = np.array([[float(v) for v in r[7:10]] for r in rows])   # atomic_dipole_pred (after atomic_dipole)
    q = np.array([-2.0 if r[0] == "O" else 1.0 for r in rows])
    w = np.array([-8.0 if r[0] == "O" else 0.0 for r in rows])
    if prev is None: unw = x.copy()
    else:
        s = (x - prev) @ np.linalg.inv(cell); s -= np.round(s); unw += s @ cell
    prev = x
    M.append(q @ unw + w @ d); i += n + 2
M = np.array(M)
md = (M[:-4] - 8 * M[1:-3] + 8 * M[3:-1] - M[4:]) / 12.0
c0 = (md ** 2).sum(1).mean()
nc = netCDF4.Dataset("water.nc")
got = nc["ir_correlation"][0]
assert abs(got / c0 - 1) < 1e-6, (got, c0)
assert np.all(np.isfinite(nc["ir"][:])) and np.max(nc["ir"][:]) > 0
print("ok: water: <|dM/dt|^2> = %.6g (e A/fs)^2 as summed by hand" % got)
PYEOF
# -teann_values reference: the labels (atomic_dipole) rather than the predictions
"$SP" -teann_data pred.xyz -teann_dt 1 -teann_values reference -teann_output water-ref.nc > water-ref.log 2>&1 || { cat water-ref.log; fail "teann-spectrum on the reference atomic dipoles"; }
ncdump -h water-ref.nc | grep -q 'dipole_source = .*from per-atom dipoles d_i (atomic_dipole)' || fail "water-ref.nc: not from atomic_dipole"
cmp_ir water.nc water-ref.nc 1e-3 differ
expect_error "pred.nc: per-atom dipoles (atomic_dipole_predicted) but no positions or cell" "$SP" -teann_data pred.nc -teann_dt 1
echo "ok: teann-spectrum: liquids from per-atom dipoles"
