#!/bin/bash
# Time to reach a validation RMSE target, and the final RMSE, for lmvm, bqnls, brgn-lm
# (matrix-free CG) and brgn-lm (ScaLAPACK Cholesky; -w1: first damping 1 instead of 1e-4;
# -step: the older step-length damping rule), and for a first-order method, TAO's nonlinear
# conjugate gradient (bncg, Polak-Ribiere: gradients and line searches only, MAXIT_FO
# iterations), on water_hf_800, dipole + polarizability.
# TARGET_FROM=bncg: run bncg first and take the best validation RMSEs of its long fit as the
# targets of the other methods ("the accuracy of a long first-order fit").
# Usage (from a build directory): bench/lsq-bench.sh [SRCDIR] [RUNS]   -> one line per run,
# then the medians. Results and the machine are recorded in bench/lsq.md.
set -u
src=${1:-$(cd "$(dirname "$0")/.." && pwd)}
runs=${2:-3}
np=${NP:-2}
tdip=${TARGET_DIPOLE:-0.0015}   # e*Angstrom, validation RMSE
tpol=${TARGET_POLAR:-0.0030}    # Angstrom^3, validation RMSE
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} OPENBLAS_NUM_THREADS=1
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
common="-teann_data $src/input/data/water_hf_800.xyz -teann_properties dipole,polarizability -teann_hidden ${HIDDEN:-8,8} -teann_seed 1"
declare -A opts=(
  [bncg]="-tao_type bncg -tao_bncg_type prp -tao_max_it ${MAXIT_FO:-20000}"
  [lmvm]="-tao_type lmvm -tao_max_it ${MAXIT_QN:-1500}"
  [bqnls]="-tao_type bqnls -tao_max_it ${MAXIT_QN:-1500}"
  [brgn-lm-matfree]="-tao_type brgn -tao_brgn_regularization_type lm -teann_lm_solver matfree -tao_max_it ${MAXIT_LM:-40}"
  [brgn-lm-scalapack]="-tao_type brgn -tao_brgn_regularization_type lm -teann_lm_solver scalapack -tao_max_it ${MAXIT_LM:-40}"
  [brgn-lm-scalapack-w1]="-tao_type brgn -tao_brgn_regularization_type lm -teann_lm_solver scalapack -tao_brgn_regularizer_weight 1 -tao_max_it ${MAXIT_LM:-40}"
  [brgn-lm-scalapack-step]="-tao_type brgn -tao_brgn_regularization_type lm -teann_lm_solver scalapack -teann_lm_damping step -tao_max_it ${MAXIT_LM:-40}"
)
out=$(mktemp -d)
methods=${METHODS:-lmvm bqnls brgn-lm-matfree brgn-lm-scalapack}
if [ "${TARGET_FROM:-}" = bncg ]; then
  # one long first-order fit first: its best validation RMSEs become the targets
  mpiexec -n "$np" ./teann-train $common ${opts[bncg]} ${EXTRA:-} -teann_output_dir "$out/bncg.target" > "$out/bncg.target.log" 2>&1 || { echo "bncg failed; see $out/bncg.target.log"; exit 1; }
  # the progress lines round to 6 digits: targets a hair above the summary's values
  tdip=$(awk '$1 == "dipole" && $2 == "valid" {printf "%.7g", $4 * 1.00001}' "$out/bncg.target.log")
  tpol=$(awk '$1 == "polarizability" && $2 == "valid" {printf "%.7g", $4 * 1.00001}' "$out/bncg.target.log")
  hit=$(awk -v a="$tdip" -v b="$tpol" '$1 ~ /^[0-9]+$/ && NF >= 8 && $5 <= a && $7 <= b {print $8, $1; exit}' "$out/bncg.target.log")
  echo "targets from a bncg fit of ${MAXIT_FO:-20000} iterations ($(awk '/^wall time/ {gsub(/[()]/, ""); print $6}' "$out/bncg.target.log") s): valid RMSE dipole $tdip, polarizability $tpol, reached at ${hit% *} s [${hit#* }]"
  methods=$(echo " $methods " | sed 's/ bncg / /g')
fi
printf '%-18s %3s %10s %6s %12s %12s %12s %12s %8s\n' method run t_target/s it valid_dip valid_pol test_dip test_pol fit/s
for m in $methods; do
  for r in $(seq 1 "$runs"); do
    log=$out/$m.$r.log
    mpiexec -n "$np" ./teann-train $common ${opts[$m]} ${EXTRA:-} -teann_output_dir "$out/$m.$r" > "$log" 2>&1 || { echo "$m run $r failed; see $log"; continue; }
    # progress lines: it loss |grad| train_dip valid_dip train_pol valid_pol time [*]
    hit=$(awk -v a="$tdip" -v b="$tpol" '$1 ~ /^[0-9]+$/ && NF >= 8 && $5 <= a && $7 <= b {print $8, $1; exit}' "$log")
    [ -n "$hit" ] || hit="- -"
    fin() { awk -v p="$1" -v s="$2" '$1 == p && $2 == s {print $4}' "$log"; }
    fit=$(awk '/^wall time/ {gsub(/[()]/, ""); print $6}' "$log")
    printf '%-18s %3s %10s %6s %12s %12s %12s %12s %8s\n' "$m" "$r" "${hit% *}" "${hit#* }" "$(fin dipole valid)" "$(fin polarizability valid)" "$(fin dipole test)" "$(fin polarizability test)" "$fit"
  done
done | tee "$out/table"
echo "medians over runs (t_target empty: target not reached):"
awk 'NR > 0 { k = $1; n[k]++; t[k, n[k]] = $3; v[k, n[k]] = $5; w[k, n[k]] = $6; f[k, n[k]] = $9 }
     function med(a, k, c,   i, j, x, y) { for (i = 1; i <= c; i++) x[i] = a[k, i]; for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (x[j] + 0 < x[i] + 0) { y = x[i]; x[i] = x[j]; x[j] = y }; return x[int((c + 1) / 2)] }
     END { for (k in n) printf "%-18s t_target %s s, final valid RMSE dipole %s polarizability %s, fit %s s\n", k, med(t, k, n[k]), med(v, k, n[k]), med(w, k, n[k]), med(f, k, n[k]) }' "$out/table"
echo "logs in $out"
