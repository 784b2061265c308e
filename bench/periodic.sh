#!/bin/bash
# bench/periodic.sh BUILD — the measurements of bench/periodic.md:
#   1. cost per atom of a loss + gradient evaluation (bench-eval, one thread) on isolated water,
#      water clusters of 16, 32 and 64 molecules cut from the liquid cells, and the 64-water cells,
#      medians of 3 one-second runs, general path and -teann_fix_radial;
#   2. memory of the pair lists per frame and per pair (cells; 10^5 isolated water frames);
#   3. held-out accuracy of the liquid-water polarizability and of the Wannier-centroid dipoles
#      (input/water64-*.opts, 64/8/8 random splits for seeds 1..3), on 2 ranks.
# BUILD: a tree built with CFLAGS='-O3 -march=native' (default: this one). PARTS="1 2 3" (default)
# selects the parts. Output on stdout.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-$top}
W=${TMPDIR:-/tmp}/teann-bench-periodic
mkdir -p "$W"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
D=$top/input/data
PY=${PYTHON3:-/usr/bin/python3}
"$PY" "$top/bench/make-clusters.py" "$D/water64_pbc_polarizability_80.xyz" "$W" 20

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# atoms per CPU second, median of 3
rate() { for r in 1 2 3; do "$B/bench/bench-eval" -time 1 "$@" | awk '/atoms per CPU second/ {print $5}'; done | median; }

PARTS=${PARTS:-1 2 3}
part() { case " $PARTS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
if part 1; then
echo "== 1. atoms per CPU second (loss + gradient, one thread; median of 3)"
printf '%-22s %7s %14s %14s %14s %14s\n' data atoms "dipole" "dipole fixrad" "polar" "polar fixrad"
for d in "$D/water_hf_800.xyz" "$W/water_cluster_16.xyz" "$W/water_cluster_32.xyz" "$W/water_cluster_64.xyz" "$D/water64_pbc_polarizability_80.xyz"; do
  n=$(head -n 1 "$d")
  case $d in *pbc*) dip="-" dipf="-" ;; *) dip=$(rate -data "$d" -teann_properties dipole); dipf=$(rate -data "$d" -teann_properties dipole -teann_fix_radial) ;; esac
  pol=$(rate -data "$d" -teann_properties polarizability)
  polf=$(rate -data "$d" -teann_properties polarizability -teann_fix_radial)
  printf '%-22s %7s %14s %14s %14s %14s\n' "$(basename "$d" .xyz)" "$n" "$dip" "$dipf" "$pol" "$polf"
done
echo "atomic_dipole, 64-water cells (Wannier): $(rate -data "$D/water64_pbc_wannier_80.xyz" -teann_properties atomic_dipole) (general), $(rate -data "$D/water64_pbc_wannier_80.xyz" -teann_properties atomic_dipole -teann_fix_radial) (fix_radial)"

fi
if part 2; then
echo "== 2. pair-list memory (r_c 4 A)"
"$B/bench/bench-eval" -time 0.2 -data "$D/water64_pbc_polarizability_80.xyz" -teann_properties polarizability | grep pairs
"$PY" - "$D/water_hf_800.xyz" "$W/water_100k.xyz" <<'PYEOF'
import sys
t = open(sys.argv[1]).read()
open(sys.argv[2], "w").write(t * 125)
PYEOF
"$B/bench/bench-eval" -time 0.2 -data "$W/water_100k.xyz" -teann_properties dipole | grep pairs

fi
if part 3; then
echo "== 3. held-out accuracy, 64/8/8 splits (seeds 1..3), 2 ranks"
for opts in water64-polarizability water64-wannier; do
  for seed in 1 2 3; do
    ( cd "$top" && mpiexec -n 2 "$B/teann-train" -options_file "input/$opts.opts" -teann_seed "$seed" -teann_output_dir "$W/$opts-$seed" -teann_overwrite > "$W/$opts-$seed.log" 2>&1 )
    echo "$opts seed $seed: $(grep -E '^ +(polarizability|atomic_dipole) +(train|valid|test) ' "$W/$opts-$seed.log" | awk '{printf "%s %s %s  ", $2, $4, $5}') $(grep -E 'stopped after' "$W/$opts-$seed.log" | sed 's/TAO //')"
  done
done
fi
