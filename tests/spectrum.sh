#!/bin/bash
# teann-spectrum on synthetic harmonic trajectories (tests/tools/synthetic-spectrum.py): IR and
# Raman peaks at the modes' wavenumbers within one frequency bin, peak areas within 5 % of the
# analytic ones (and so their ratios); predictions.nc and extended XYZ (time= in fs or ps, or
# none with -teann_dt) give the same spectrum; several files on 1 and 3 ranks give the same
# average; the quantum correction and the other windows; the outputs (CF attributes, CSV,
# overwrite, teann-plot).
. "$top_srcdir/tests/common.sh"
PY=${PYTHON3:-/usr/bin/python3}
$PY -c 'import numpy, netCDF4' 2> /dev/null || { echo "SKIP: $PY lacks numpy or netCDF4"; exit 77; }
SYN="$PY $top_srcdir/tests/tools/synthetic-spectrum.py"
SP=$BIN/teann-spectrum
cd "$WORK" || exit 1

# equal SPEC_A SPEC_B TOL: every spectrum variable of A equals B's to TOL relative to its maximum
equal() {
  $PY - "$1" "$2" "$3" << 'PYEOF' || fail "$1 and $2 differ"
import sys, netCDF4, numpy as np
a, b = netCDF4.Dataset(sys.argv[1]), netCDF4.Dataset(sys.argv[2])
n = 0
for v in ("ir", "raman_isotropic", "raman_anisotropic", "raman_polarized", "raman_depolarized"):
    x, y = a[v][:].data, b[v][:].data
    d = np.max(np.abs(x - y)) / np.max(np.abs(x))
    assert x.shape == y.shape and d <= float(sys.argv[3]), (v, d)
    n += 1
print("ok: %s = %s (%d spectra)" % (sys.argv[1], sys.argv[2], n))
PYEOF
}

$SYN write a.nc --time ps || fail "synthetic a.nc"
"$SP" -teann_data a.nc -teann_corr_time 1000 -teann_output nc.nc > log 2>&1 || { cat log; fail "teann-spectrum a.nc"; }
$SYN check nc.nc --absolute --tol 0.05 || fail "spectra of a.nc against the analytic peaks"

# the same series as extended XYZ: time= in fs, in ps (-teann_time_units ps), none (-teann_dt)
$SYN write a.xyz --time fs || fail "synthetic a.xyz"
"$SP" -teann_data a.xyz -teann_corr_time 1000 -teann_output xyz.nc > log 2>&1 || { cat log; fail "teann-spectrum a.xyz"; }
equal nc.nc xyz.nc 1e-9
$SYN write ps.xyz --time ps || fail "synthetic ps.xyz"
"$SP" -teann_data ps.xyz -teann_time_units ps -teann_corr_time 1000 -teann_output ps.nc > log 2>&1 || { cat log; fail "teann-spectrum ps.xyz"; }
equal nc.nc ps.nc 1e-9
$SYN write notime.xyz --time none || fail "synthetic notime.xyz"
"$SP" -teann_data notime.xyz -teann_dt 0.5 -teann_corr_time 1000 -teann_output dt.nc > log 2>&1 || { cat log; fail "teann-spectrum -teann_dt"; }
equal nc.nc dt.nc 1e-9

# three trajectories (other phases), mixed formats, averaged: 1 and 3 ranks agree
$SYN write b.xyz --seed 2 --time fs && $SYN write c.nc --seed 3 --time fs || fail "synthetic b, c"
"$SP" -teann_data a.nc,b.xyz,c.nc -teann_corr_time 1000 -teann_output avg1.nc > log 2>&1 || { cat log; fail "3 files on 1 rank"; }
mpirun_np 3 "$SP" -teann_data a.nc,b.xyz,c.nc -teann_corr_time 1000 -teann_output avg3.nc > log 2>&1 || { cat log; fail "3 files on 3 ranks"; }
grep -q "from 3 trajectories, 24000 frames" log || { cat log; fail "3 ranks: not 3 trajectories of 24000 frames"; }
equal avg1.nc avg3.nc 1e-12
$SYN check avg3.nc --absolute --tol 0.05 || fail "average of 3 trajectories against the analytic peaks"

# the quantum corrections multiply each line by Q at its wavenumber (the check applies Q to the analytic areas)
for q in harmonic standard; do
  "$SP" -teann_data a.nc -teann_corr_time 1000 -teann_quantum_correction $q -teann_temperature 300 -teann_output q-$q.nc > log 2>&1 || { cat log; fail "-teann_quantum_correction $q"; }
  $SYN check q-$q.nc --absolute --tol 0.05 || fail "quantum correction $q"
done

# the other windows and a finer grid
"$SP" -teann_data a.nc -teann_corr_time 1500 -teann_window blackman -teann_zero_padding 8 -teann_output bl.nc > log 2>&1 || { cat log; fail "blackman"; }
$SYN check bl.nc --absolute --tol 0.05 || fail "blackman window"
"$SP" -teann_data a.nc -teann_corr_time 1500 -teann_window gaussian -teann_window_width 400 -teann_output ga.nc > log 2>&1 || { cat log; fail "gaussian"; }
$SYN check ga.nc --absolute --tol 0.05 || fail "gaussian window"

# -teann_spectra ir from a file with dipoles only; the frequency range
$SYN write dip.nc --only dipole || fail "synthetic dip.nc"
"$SP" -teann_data dip.nc -teann_spectra ir -teann_corr_time 1000 -teann_freq_range 500,3900 -teann_output ir.nc > log 2>&1 || { cat log; fail "IR only"; }
$PY - << 'PYEOF' || fail "IR-only output"
import netCDF4, numpy as np
nc = netCDF4.Dataset("ir.nc")
assert "ir" in nc.variables and "raman_polarized" not in nc.variables
nu = nc["frequency"][:]
assert nu[0] >= 500 and nu[-1] <= 3900 and nu[-1] > 3900 - nc.frequency_bin_cm1, (nu[0], nu[-1])
print("ok: IR only, %g..%g cm-1" % (nu[0], nu[-1]))
PYEOF

# outputs: CF attributes and units, options as attributes, the CSV, no overwrite without the option
ncdump -h nc.nc > hdr || fail "ncdump"
for s in ':Conventions = "CF-1.8"' 'frequency:units = "cm-1"' 'ir:units = ' 'raman_polarized:units = ' ':window = "hann"' ':correlation_time_fs = 1000' ':quantum_correction = "none"' ':time_step_fs = 0.5' ':input_files = "a.nc"'; do
  grep -qF "$s" hdr || { cat hdr; fail "spectrum.nc lacks $s"; }
done
head -4 nc.csv | grep -q '^frequency,ir,raman_isotropic,raman_anisotropic,raman_polarized,raman_depolarized$' || fail "CSV header"
[ "$(grep -vc '^#\|^frequency' nc.csv)" = "$($PY -c 'import netCDF4; print(len(netCDF4.Dataset("nc.nc")["frequency"]))')" ] || fail "CSV rows"
expect_error "nc.nc exists; -teann_overwrite replaces it" "$SP" -teann_data a.nc -teann_corr_time 1000 -teann_output nc.nc
rm nc.nc
expect_error "nc.csv exists; -teann_overwrite replaces it" "$SP" -teann_data a.nc -teann_corr_time 1000 -teann_output nc.nc
"$SP" -teann_data a.nc -teann_corr_time 1000 -teann_output nc.nc -teann_overwrite > log 2>&1 || { cat log; fail "-teann_overwrite"; }
[ ! -e nc.nc.tmp ] && [ ! -e nc.csv.tmp ] || fail "temporary files left"
expect_error "is the input file a.nc" "$SP" -teann_data a.nc -teann_output a.nc -teann_overwrite

# teann-plot draws a spectrum.nc
if $PY -c 'import matplotlib' 2> /dev/null; then
  "$BIN/teann-plot" avg3.nc -o plots > log 2>&1 || { cat log; fail "teann-plot spectrum"; }
  grep -q 'plots/spectrum.png' log || { cat log; fail "teann-plot did not name spectrum.png"; }
  head -c 8 plots/spectrum.png | od -c | grep -q 'P   N   G' || fail "spectrum.png is no PNG"
  echo "ok: teann-plot spectrum.png"
fi
"$SP" -help > help 2>&1 || fail "-help"
for o in -teann_data -teann_window -teann_quantum_correction -teann_modes -teann_freq_range; do grep -q -- "$o" help || fail "-help lacks $o"; done
echo "ok: teann-spectrum"
