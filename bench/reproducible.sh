#!/bin/bash
# The cost of the same model on any rank count (design 3.1): fits of input/water-joint.opts,
# 100 iterations, on NP ranks x 1 thread, with -log_view. For each build (a build directory
# holding teann-train, e.g. one of commit c5c4c9c, before exact sums, and one of the current
# tree) and each -teann_reproducible setting the current build knows, prints per run:
# evaluations, seconds per evaluation (TaoObjGradEval, max over ranks), the TeannReduce time,
# the optimizer's vector work (VecDot + VecAXPY + VecAXPBY + VecMAXPY + VecMDot + MatSolve) and
# the fit's wall time. Runs alternate between builds so that a noisy machine affects all alike.
#   bench/reproducible.sh NP REPS BUILD [BUILD...]
set -u
np=$1 reps=$2; shift 2
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
top=$(cd "$(dirname "$0")/.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
ev() { awk -v e="$1" '$1==e {print $4; exit}' "$2"; }
cnt() { awk -v e="$1" '$1==e {print $2; exit}' "$2"; }
printf '%-28s %-6s %5s %10s %10s %10s %8s\n' build repro evals s/eval reduce/s vec/s fit/s
for r in $(seq "$reps"); do
  for b in "$@"; do
    for repro in 1 0; do
      "$b/teann-train" -help 2>/dev/null | grep -q teann_reproducible || { [ $repro = 0 ] && continue; }
      flag=""; "$b/teann-train" -help 2>/dev/null | grep -q teann_reproducible && flag="-teann_reproducible $repro"
      log=$out/run.log
      (cd "$top" && mpiexec -n "$np" "$b/teann-train" -options_file input/water-joint.opts -tao_max_it 100 -teann_patience 0 \
        -teann_output_dir "$out/o" -teann_overwrite -log_view $flag > "$log" 2>&1) || { echo "run failed: $b"; tail "$log"; exit 1; }
      n=$(cnt TaoObjGradEval "$log"); t=$(ev TaoObjGradEval "$log")
      vec=0
      for e in VecDot VecAXPY VecAXPBY VecMAXPY VecMDot MatSolve; do v=$(ev $e "$log"); vec=$(awk -v a="$vec" -v b="${v:-0}" 'BEGIN{print a+b}'); done
      printf '%-28s %-6s %5s %10.5f %10.3f %10.3f %8s\n' "$(basename "$b")" "${flag:+$repro}" "$n" "$(awk -v t="$t" -v n="$n" 'BEGIN{print t/n}')" "$(ev TeannReduce "$log")" "$vec" "$(sed -n 's/.*(fit \([0-9.]*\) s).*/\1/p' "$log")"
    done
  done
done
