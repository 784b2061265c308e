#!/bin/bash
# Throughput and peak memory of teann-predict over a 10^6-frame water trajectory
# (bench/predict.md), run from the project root:
#   bench/predict.sh [BUILD_DIR] [WORK_DIR]        (defaults: . and /tmp/teann-bench-predict)
# Trains the quick start's model (input/water-joint.opts: dipole and polarizability, default
# sizes) for 50 iterations, writes the trajectory (input/data/water_hf_800.xyz repeated with
# Gaussian displacements of 0.01 Angstrom, 0.5 fs apart) as AMBER NetCDF and as extended XYZ
# (tests/tools/trajectory.py), then predicts it on 1 and 2 ranks (one thread each) into a
# predictions.nc, RUNS times each (default 3). Prints every run and, per case, the medians:
# frames per second over the whole run (reading, predicting, writing) and the peak resident
# set size, largest over the ranks (teann-predict -info).
set -eu
build=$(cd "${1:-.}" && pwd)
work=${2:-/tmp/teann-bench-predict}
src=$(cd "$(dirname "$0")/.." && pwd)
runs=${RUNS:-3}
frames=${FRAMES:-1000000}
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
PY=${PYTHON3:-/usr/bin/python3}
mkdir -p "$work"
cd "$work"
if [ ! -f fit/model.nc ]; then
  (cd "$src" && mpiexec -n 2 "$build/teann-train" -options_file input/water-joint.opts -tao_max_it 50 -teann_output_dir "$work/fit") > fit.log 2>&1 || { tail fit.log; exit 1; }
fi
for ext in nc xyz; do
  [ -f traj.$ext ] || $PY "$src/tests/tools/trajectory.py" water "$src/input/data/water_hf_800.xyz" "$frames" traj.$ext
done
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(uname -n), $(nproc --all) cores, load $(cut -d' ' -f1-3 /proc/loadavg); model $(ncdump -h fit/model.nc | sed -n 's/.*:hidden = \(.*\) ;/hidden \1/p'), $frames frames"
echo "# traj.nc $(du -m traj.nc | cut -f1) MB, traj.xyz $(du -m traj.xyz | cut -f1) MB"
median() { sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
for ext in nc xyz; do
  for np in 1 2; do
    : > rates
    : > peaks
    for r in $(seq "$runs"); do
      rm -f out.nc
      /usr/bin/time -f "%e" -o wall mpiexec -n $np "$build/teann-predict" -teann_model fit/model.nc -teann_data traj.$ext -teann_output out.nc -info > log 2>&1 || { tail log; exit 1; }
      grep -q "^teann-predict: $frames frames of traj.$ext" log || { tail log; exit 1; }
      w=$(tail -1 wall)
      m=$(sed -n 's/.*peak resident set size \([0-9.]*\) MiB.*/\1/p' log)
      awk -v n="$frames" -v w="$w" 'BEGIN {printf "%.0f\n", n / w}' >> rates
      echo "$m" >> peaks
      echo "  traj.$ext, $np rank(s), run $r: $w s, $(tail -1 rates) frames/s, peak $m MiB"
    done
    echo "traj.$ext $np rank(s): median $(median < rates) frames/s, peak memory median $(median < peaks) MiB (of $runs runs)"
  done
done
