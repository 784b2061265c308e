#!/bin/bash
# Water HF, double-harmonic IR intensities and Raman activities (bench/harmonic-ir.md):
# teann models of input/data/water_hf_800.xyz against Psi4's own at the
# HF/aug-cc-pVDZ minimum. Run from the project root after ./quickstart build:
#   bench/harmonic-ir.sh [OUTDIR]      (default harmonic-ir-output)
# Needs Debian's psi4 (apt-get install -y psi4; 1.3.2 on Debian 12). Steps:
#  1. psi4 (bench/harmonic-ir-psi4.in): minimum, analytic frequencies and IR,
#     Molden normal modes, reference Raman activities -> OUTDIR/psi4/
#  2. teann-train input/water-joint.opts and input/water-dipole.opts on 2 ranks,
#     seeds $SEEDS (default "1 2 3 4 5"; seed 1 is the examples' fit)
#  3. teann-spectrum -teann_modes on psi4's modes with every model
#  4. bench/harmonic-ir.py: the tables (stdout and OUTDIR/tables.md)
# Existing results in OUTDIR (psi4-harmonic.json, model.nc) are reused; delete
# OUTDIR to redo everything (about 10 minutes on the 2-core VM).
set -eu
root=$PWD
out=${1:-harmonic-ir-output}
seeds=${SEEDS:-1 2 3 4 5}
if [ ! -x "$root/teann-spectrum" ] || [ ! -f "$root/bench/harmonic-ir-psi4.in" ]; then
  echo "run from the project root after ./quickstart build" >&2; exit 1
fi
command -v psi4 > /dev/null || { echo "psi4 not found: apt-get install -y psi4 (Debian 12: psi4 1.3.2)" >&2; exit 1; }
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
       OMPI_MCA_rmaps_base_oversubscribe=1
mkdir -p "$out/psi4"
out=$(cd "$out" && pwd)

if [ ! -s "$out/psi4/psi4-harmonic.json" ]; then
  echo "psi4: optimisation, frequencies, displaced polarizabilities ($(date -u +%FT%TZ))"
  rm -f "$out"/psi4/*.molden_normal_modes
  (cd "$out/psi4" && /usr/bin/time -f "psi4 wall %e s" env OMP_NUM_THREADS=2 psi4 -n 2 \
     "$root/bench/harmonic-ir-psi4.in" psi4.out > psi4.stdout 2>&1) || { tail "$out/psi4/psi4.stdout" >&2; exit 1; }
  tail -1 "$out/psi4/psi4.stdout"
  # psi4 names the file PREFIX.MOLECULE.PID.molden_normal_modes (the only one: removed above)
  molden=("$out"/psi4/*.molden_normal_modes)
  mv "${molden[0]}" "$out/psi4/water.molden"
fi
grep -A7 'Vibration  ' "$out/psi4/psi4.out" | grep -E 'Freq|IR activ'

args=() all=()
read -r first _ <<< "$seeds"
for seed in $seeds; do
  for kind in joint dipole; do
    dir=$out/$kind-s$seed
    if [ ! -s "$dir/model.nc" ]; then
      mkdir -p "$dir"
      /usr/bin/time -f "%e" -o "$dir/wall" mpiexec -n 2 "$root/teann-train" -options_file "$root/input/water-$kind.opts" \
        -teann_seed "$seed" -teann_output_dir "$dir" > "$dir/train.log" 2>&1 || { tail "$dir/train.log" >&2; exit 1; }
    fi
    echo "$kind seed $seed: $(awk '$2=="test" && ($1=="dipole" || $1=="polarizability") {printf "test %s %s  ", $1, $4}' "$dir/train.log")wall $(cat "$dir/wall" 2>/dev/null) s"
    "$root/teann-spectrum" -teann_model "$dir/model.nc" -teann_modes "$out/psi4/water.molden" \
      -teann_output "$dir/modes.nc" -teann_overwrite > "$dir/spectrum.log" 2>&1 || { cat "$dir/spectrum.log" >&2; exit 1; }
    all+=("$kind s$seed" "$dir/model.nc" "$dir/modes.nc")
    [ "$seed" = "$first" ] && args+=("$kind" "$dir/model.nc" "$dir/modes.nc")
  done
done

export PYTHONPATH=$root/python${PYTHONPATH:+:$PYTHONPATH}
{ /usr/bin/python3 "$root/bench/harmonic-ir.py" "$out/psi4/psi4-harmonic.json" "${args[@]}"
  echo
  /usr/bin/python3 "$root/bench/harmonic-ir.py" --compact "$out/psi4/psi4-harmonic.json" "${all[@]}"
} > "$out/tables.md.tmp"
mv "$out/tables.md.tmp" "$out/tables.md"
cat "$out/tables.md"
