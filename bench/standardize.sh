#!/bin/bash
# bench/standardize.sh OUT CASE... — accuracy with and without standardised features (design 2.4,
# eq. 9c; bench/accuracy.md "Standardised features"). A CASE is NAME:OPTIONSFILE:VARIANT, VARIANT
# being "plain", "std" (-teann_standardize) or "std-l2=LAMBDA"; each case runs for the seeds in
# SEEDS (default "1 2 3": three different splits) on one rank. Prints one line per fit: case,
# seed, iterations (best), and the train / valid / test RMSE of every fitted property. Run from
# the project root with a built tree; OUT keeps each fit's directory and log.
set -u
out=$1; shift
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mkdir -p "$out"
for c in "$@"; do
  IFS=: read -r name opts variant <<< "$c"
  case $variant in
    plain) extra="" ;;
    std) extra="-teann_standardize" ;;
    std-l2=*) extra="-teann_standardize -teann_l2 ${variant#std-l2=}" ;;
    *) echo "unknown variant $variant" >&2; exit 1 ;;
  esac
  for seed in ${SEEDS:-1 2 3}; do
    d="$out/$name-$variant-$seed"
    ./teann-train -options_file "$opts" -teann_seed "$seed" $extra -teann_output_dir "$d" -teann_overwrite > "$d.log" 2>&1 || { echo "$name $variant $seed: FAILED"; continue; }
    printf '%-14s %-14s seed %s  its %s (best %s) ' "$name" "$variant" "$seed" \
      "$(sed -n 's/.*stopped after \([0-9]*\) iterations.*/\1/p' "$d.log")" "$(sed -n 's/.*best validation at iteration \([0-9]*\).*/\1/p' "$d.log")"
    awk '/^Final errors/ {f = 1} f && ($2 == "train" || $2 == "valid" || $2 == "test") && $1 !~ /_/ {printf " %s %s %.3e", $1, $2, $4} END {print ""}' "$d.log"
  done
done
