#!/bin/bash
# teann-spectrum refuses bad input with a message naming the file and the (1-based) frame, exits
# non-zero and writes nothing: NaN values, non-uniform or missing times, too few frames for the
# correlation time, time steps that differ between files or from -teann_dt, wavenumbers above
# the Nyquist limit, a missing tensor, a truncated file, unknown time units, bad options.
. "$top_srcdir/tests/common.sh"
PY=${PYTHON3:-/usr/bin/python3}
$PY -c 'import numpy, netCDF4' 2> /dev/null || { echo "SKIP: $PY lacks numpy or netCDF4"; exit 77; }
SYN="$PY $top_srcdir/tests/tools/synthetic-spectrum.py"
SP=$BIN/teann-spectrum
cd "$WORK" || exit 1
W="--frames 3000"

$SYN write nan.nc $W --nan 100 && $SYN write nan.xyz $W --nan 100 --time fs || fail "write NaN files"
expect_error "nan.nc: frame 101: dipole_predicted component 2 is not finite" "$SP" -teann_data nan.nc
# frame 101 has its comment on line 302 (3 lines a frame)
expect_error "nan.xyz:302: frame 101: dipole component 2 is not finite" "$SP" -teann_data nan.xyz
expect_error "nan.nc: frame 101: polarizability_predicted component 1 is not finite" "$SP" -teann_data nan.nc -teann_spectra raman

$SYN write gap.nc $W --skip 1200 && $SYN write jit.xyz $W --jitter 700 --time fs || fail "write gap files"
expect_error "gap.nc: frame 1201: non-uniform time step: 1 fs since the previous frame" "$SP" -teann_data gap.nc
expect_error "jit.xyz:2102: frame 701: non-uniform time step" "$SP" -teann_data jit.xyz
# a looser tolerance accepts the jitter (0.3 of a step)
"$SP" -teann_data jit.xyz -teann_dt_rtol 0.5 -teann_output jit.nc > log 2>&1 || { cat log; fail "-teann_dt_rtol 0.5"; }

$SYN write notime.xyz $W --time none && $SYN write ps.nc $W --time ps || fail "write time files"
expect_error "notime.xyz: the frames carry no time (time= in XYZ, variable time in NetCDF) and no -teann_dt" "$SP" -teann_data notime.xyz
expect_error "ps.nc: -teann_dt 1 fs disagrees with the file's time step 0.5 fs" "$SP" -teann_data ps.nc -teann_dt 1
expect_error "ps.nc: 3000 frames (1499.5 fs) are too few for the correlation time 1000 fs (-teann_corr_time): each file needs at least 2 x correlation time / time step + 4 = 4004 frames" "$SP" -teann_data ps.nc -teann_corr_time 1000
$SYN write dt1.nc $W --dt 1.0 --time fs || fail "write dt1.nc"
expect_error "dt1.nc has the time step 1 fs but ps.nc 0.5 fs: trajectories averaged must share it" mpirun_np 2 "$SP" -teann_data ps.nc,dt1.nc
$SYN write dt5.nc $W --dt 5.0 --time fs || fail "write dt5.nc"
expect_error "-teann_freq_range: 4000 cm-1 is above the Nyquist wavenumber 3335.64 cm-1 of the time step 5 fs" "$SP" -teann_data dt5.nc -teann_freq_range 0,4000
expect_error "-teann_window_width 2000 fs exceeds the correlation time 500 fs" "$SP" -teann_data ps.nc -teann_corr_time 500 -teann_window_width 2000

$SYN write dip.nc $W --only dipole && $SYN write pol.xyz $W --only polarizability --time fs || fail "write partial files"
expect_error "dip.nc: no variable polarizability_predicted or polarizability: the Raman spectra need the polarizability" "$SP" -teann_data dip.nc -teann_spectra raman
expect_error "pol.xyz:2: frame 1: no dipole= (the IR spectrum needs one in every frame, or per-atom atomic_dipole_pred or atomic_dipole columns with species and pos)" "$SP" -teann_data pol.xyz -teann_spectra ir
expect_error "no property (dipole for IR, polarizability for Raman) is in every file" "$SP" -teann_data dip.nc,pol.xyz

$SYN write cut.xyz $W --time fs && { head -n 3996 cut.xyz; echo x; } > cut2.xyz && head -n 3998 cut.xyz > cut3.xyz || fail "write cut files"
expect_error "cut3.xyz:3998: frame 1333: the file ends after 0 of the frame's 1 atom lines" "$SP" -teann_data cut3.xyz
expect_error "cut2.xyz:3997: frame 1333: the first line of a frame must be its number of atoms" "$SP" -teann_data cut2.xyz
printf '1\ndipole="1 2" time=0\nH 0 0 0\n' > short.xyz
expect_error "short.xyz:2: frame 1: dipole= must be 3 numbers" "$SP" -teann_data short.xyz

$PY -c '
import netCDF4
nc = netCDF4.Dataset("ps.nc", "a"); nc["time"].units = "hours"; nc.close()' || fail "edit ps.nc"
expect_error "ps.nc: variable time has units 'hours'; teann-spectrum knows fs, ps and ns" "$SP" -teann_data ps.nc
expect_error "-teann_window hamming: unknown value; known: hann, blackman, gaussian" "$SP" -teann_data dip.nc -teann_window hamming
expect_error "option -teann_windwo was not used (did you mean -teann_window?)" "$SP" -teann_data dip.nc -teann_windwo hann
expect_error "-teann_spectra: unknown spectrum 'uv' (known: ir, raman)" "$SP" -teann_data dip.nc -teann_spectra uv
expect_error "give the trajectories with -teann_data" "$SP"
expect_error "nope.xyz: cannot open the file" "$SP" -teann_data nope.xyz
expect_error "-teann_output out.txt: the name must end in .nc" "$SP" -teann_data dip.nc -teann_output out.txt
[ ! -e spectrum.nc ] && [ ! -e spectrum.csv ] || fail "an output was written despite the errors"
ls | grep -q '\.tmp$' && fail "temporary files left"
echo "ok: teann-spectrum bad inputs"
