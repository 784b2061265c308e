#!/bin/bash
# doc/examples/ase_md_spectrum.py as doc/api.md runs it (PYTHONPATH=python, build tree): a
# short ASE MD of water whose trajectory carries time=, dipole= and polarizability= on every
# frame; teann reads the file back (teann-predict), and its dipoles and polarizabilities are
# the recorded ones up to the 1e-8 Angstrom of the written positions.
. "$top_srcdir/tests/common.sh"
# an ASan-built libteann cannot be loaded into python3, which lacks the ASan runtime
[ "${TEANN_SANITIZE:-no}" != yes ] || { echo "skipped in the sanitizer build"; exit 77; }
"$PYTHON3" -c "import ase, numpy, netCDF4" 2> /dev/null || { echo "needs python3-ase, python3-numpy and python3-netcdf4"; exit 77; }
mpirun_np 2 "$BIN/teann-train" -teann_data "$DATA/water_hf_800.xyz" -teann_properties dipole,polarizability -teann_hidden 8,8 -teann_nwave 4 -tao_max_it 5 -teann_output_dir "$WORK/fit" > "$WORK/log" 2>&1 || { cat "$WORK/log"; fail "teann-train"; }
cd "$WORK" || fail "cd $WORK"
PYTHONPATH="$top_srcdir/python" "$PYTHON3" "$top_srcdir/doc/examples/ase_md_spectrum.py" fit/model.nc md.xyz --steps 200 --every 2 --spectrum sp.nc > out 2>&1 || { cat out; fail "the example"; }
[ -s sp.nc ] && [ -s sp.csv ] || { cat out; fail "the example's --spectrum wrote no spectrum"; }
grep -q "teann-spectrum: IR and Raman from 1 trajectory, 101 frames, time step 1 fs" out || { cat out; fail "teann-spectrum's summary for the example's trajectory"; }
cat out
grep -q "^101 frames, 100.0 fs" out || fail "the example did not report 101 frames over 100 fs"
[ ! -e md.xyz.tmp ] || fail "temporary file left behind"
"$BIN/teann-predict" -teann_model fit/model.nc -teann_data md.xyz -teann_output md.nc > /dev/null || fail "teann-predict does not read the example's trajectory"
"$PYTHON3" - << 'PY' || fail "trajectory checks"
import re
import numpy as np
import netCDF4
frames, times, mu, alpha = 0, [], [], []
with open("md.xyz") as f:
    lines = f.read().splitlines()
i = 0
while i < len(lines):
    n = int(lines[i]); c = lines[i + 1]; i += n + 2; frames += 1
    times.append(float(re.search(r"\btime=(\S+)", c).group(1)))
    mu.append([float(v) for v in re.search(r'\bdipole="([^"]*)"', c).group(1).split()])
    alpha.append([float(v) for v in re.search(r'\bpolarizability="([^"]*)"', c).group(1).split()])
mu, alpha = np.array(mu), np.array(alpha)
assert frames == 101 and mu.shape == (101, 3) and alpha.shape == (101, 9), (frames, mu.shape, alpha.shape)
assert np.allclose(np.diff(times), 1.0, rtol=0, atol=1e-9) and times[0] == 0.0, times[:3]
nc = netCDF4.Dataset("md.nc")
order = np.argsort(nc["frame_id"][:])
dm = np.abs(nc["dipole_predicted"][:][order] - mu).max()
da = np.abs(nc["polarizability_predicted"][:][order].reshape(-1, 9) - alpha).max()
print("trajectory: 101 frames, time step 1 fs; teann-predict on the written file vs the recorded values: dipole %.2g, polarizability %.2g" % (dm, da))
assert dm < 1e-6 and da < 1e-6, (dm, da)
assert np.std(mu[:, 2]) > 1e-4, "the dipole does not move along the trajectory"
PY
echo "ok: ASE example"
