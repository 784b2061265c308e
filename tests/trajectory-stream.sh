#!/bin/bash
# teann-predict streams long trajectories: its peak memory (resident set, largest over the
# ranks, printed with -info) does not grow with the length of the trajectory. 50 000 and
# 200 000 water frames, AMBER NetCDF and extended XYZ, to .nc and .xyz, on 2 ranks: the
# growth from 50k to 200k frames stays under 6 MiB, while the XYZ file grows by 25 MB and
# reading it whole (as teann-predict did) would take some 100 MB more.
. "$top_srcdir/tests/common.sh"
PY=${PYTHON3:-/usr/bin/python3}
$PY -c 'import numpy, netCDF4' 2> /dev/null || { echo "SKIP: $PY lacks numpy or netCDF4"; exit 77; }
cd "$WORK" || exit 1
"$BIN/teann-train" -teann_data "$DATA/water_hf_800.xyz" -teann_properties dipole,polarizability -teann_hidden 8,8 -teann_nwave 4 -tao_max_it 3 -teann_output_dir fit > log 2>&1 || { cat log; fail "teann-train"; }
for n in 50000 200000; do
  for ext in nc xyz; do $PY "$top_srcdir/tests/tools/trajectory.py" water "$DATA/water_hf_800.xyz" $n w$n.$ext || fail "writing w$n.$ext"; done
done
peak() { sed -n 's/.*peak resident set size \([0-9.]*\) MiB.*/\1/p' "$1"; }
for ext in nc xyz; do
  for out in nc xyz; do
    for n in 50000 200000; do
      mpirun_np 2 "$BIN/teann-predict" -teann_model fit/model.nc -teann_data w$n.$ext -teann_output p$n-$ext.$out -info > log$n 2>&1 || { tail log$n; fail "teann-predict w$n.$ext"; }
      grep -q "^teann-predict: $n frames of w$n.$ext -> p$n-$ext.$out" log$n || fail "w$n.$ext: not $n frames"
      [ -n "$(peak log$n)" ] || fail "no peak memory printed with -info"
    done
    a=$(peak log50000) b=$(peak log200000)
    awk -v a="$a" -v b="$b" 'BEGIN {exit !(b - a < 6)}' || fail "$ext -> $out: peak memory grows from $a MiB (50k frames) to $b MiB (200k frames)"
    echo "ok: $ext -> $out: peak memory $a MiB for 50 000 frames, $b MiB for 200 000"
  done
done
[ "$(grep -c '^dipole_pred=' p200000-xyz.xyz)" = 200000 ] || fail "p200000-xyz.xyz: not 200000 predicted frames"
$PY -c 'import netCDF4, numpy as np, sys; d = netCDF4.Dataset("p200000-xyz.nc"); assert len(d["dipole_predicted"]) == 200000 and np.all(np.isfinite(d["dipole_predicted"][:])) and np.array_equal(d["frame_id"][:], np.arange(200000))' || fail "p200000.nc incomplete"
echo "ok: memory independent of the trajectory's length"
