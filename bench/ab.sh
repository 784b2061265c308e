#!/bin/bash
# Alternated timing of two or more bench-eval commands on a shared, noisy machine
# (bench/periodic.md 1.7): each round runs every command once, in turn; prints per label the
# median, minimum and maximum of the "atoms per CPU second" figures and every run's value.
#   bench/ab.sh ROUNDS "LABEL:COMMAND" "LABEL:COMMAND" ...
#   bench/ab.sh 7 "old:/tmp/oldwt/bench/bench-eval -time 1 -data D" "new:./bench/bench-eval -time 1 -data D"
set -u
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
[ $# -ge 2 ] || { sed -n '2,6p' "$0"; exit 2; }
rounds=$1
shift
declare -A runs
for ((i = 0; i < rounds; i++)); do
  for spec in "$@"; do
    label=${spec%%:*}
    v=$(eval "${spec#*:}" 2>&1 | grep -o "[0-9]* atoms per CPU second" | cut -d' ' -f1)
    [ -n "$v" ] || { echo "ab.sh: $label: no 'atoms per CPU second' in the output of: ${spec#*:}" >&2; exit 1; }
    runs[$label]="${runs[$label]:-} $v"
  done
done
for spec in "$@"; do
  label=${spec%%:*}
  echo "$label: $(echo ${runs[$label]} | tr ' ' '\n' | sort -n | awk '{a[NR] = $1} END {print "median", a[int((NR + 1) / 2)], "min", a[1], "max", a[NR]}') [${runs[$label]} ]"
done
