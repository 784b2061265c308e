#!/bin/bash
# The quadrupole (eq. 10) and first hyperpolarizability (eq. 11) heads on the water
# rank-3 set: parameter and position gradients against finite differences, exact
# equivariance and symmetry, thread independence, the pair cache, residuals and
# Jacobian; fits of synthetic hyperpolarizabilities with only lambda = 1 and only
# lambda = 3 content; short end-to-end fits of Theta and beta on 2 ranks.
. "$top_srcdir/tests/common.sh"
T=$BIN/tests/test-model
R=$DATA/water_hf_rank3.xyz
small="-teann_hidden 10,7"
run() { echo "== $*"; "$T" "$@" || fail "$*"; }
# O sits near the mass centre, so its charge barely moves Theta: a larger step keeps the
# differences of that block above round-off
run -check grad -data "$R" -nframes 4 $small -teann_properties quadrupole -fd_h 1e-3 -tol 1e-6
run -check grad -data "$R" -nframes 4 $small -teann_properties hyperpolarizability -tol 1e-6
run -check grad -data "$R" -nframes 3 $small -teann_properties dipole,polarizability,quadrupole,hyperpolarizability -teann_activation tanh -fd_h 1e-3 -tol 1e-6
run -check posgrad -data "$R" -nframes 3 $small -teann_properties quadrupole,hyperpolarizability -tol 1e-6
run -check posgrad -data "$R" -nframes 2 $small -teann_properties quadrupole -teann_lmax 3 -tol 1e-6
run -check equiv -data "$R" -nframes 60 -teann_properties quadrupole,hyperpolarizability -tol 1e-12
run -check equiv -data "$R" -nframes 60 -teann_properties dipole,polarizability,quadrupole,hyperpolarizability -teann_lmax 3 -tol 1e-12
run -check threads -data "$R" -nframes 800 -teann_properties quadrupole,hyperpolarizability -tol 1e-12
run -check fixradial -data "$R" -nframes 200 -teann_properties quadrupole,hyperpolarizability -tol 1e-12
run -check jacobian -data "$R" -nframes 4 $small -teann_properties quadrupole,hyperpolarizability -tol 1e-6

# synthetic beta with one irreducible part only: the head must represent either
rel_rmse() { # LOG LABELSTD: test RMSE of the hyperpolarizability over the labels' spread
  awk -v s="$2" '$1=="hyperpolarizability" && $2=="test" {print $4 / s}' "$1"
}
for lam in 1 3; do
  std=$("$PYTHON3" "$top_srcdir/tests/tools/synthetic-beta.py" $lam "$R" "$WORK/syn$lam.xyz") || fail "synthetic lambda=$lam data"
  mpirun_np 2 "$BIN/teann-train" -teann_data "$WORK/syn$lam.xyz" -teann_properties hyperpolarizability -teann_hidden 16,16 \
    -tao_max_it 300 -teann_output_dir "$WORK/syn$lam" > "$WORK/syn$lam.log" 2>&1 || { tail -20 "$WORK/syn$lam.log"; fail "lambda=$lam fit"; }
  rel=$(rel_rmse "$WORK/syn$lam.log" "$std")
  [ -n "$rel" ] || fail "lambda=$lam: no test RMSE"
  awk -v r="$rel" 'BEGIN{exit !(r < 0.01)}' || fail "lambda=$lam only: test RMSE is $rel of the spread (needs < 1%)"
  echo "ok: beta with lambda=$lam content only: test RMSE $rel of the spread"
done

# end-to-end: Theta and beta of water, 2 ranks, default network, 300 L-BFGS iterations
for p in quadrupole hyperpolarizability; do
  t0=$(date +%s.%N)
  mpirun_np 2 "$BIN/teann-train" -teann_data "$R" -teann_properties $p -tao_max_it 300 -teann_output_dir "$WORK/$p" > "$WORK/$p.log" 2>&1 || { tail -20 "$WORK/$p.log"; fail "$p fit"; }
  t1=$(date +%s.%N)
  rmse=$(awk -v k=$p '$1==k && $2=="test" {print $4}' "$WORK/$p.log")
  # twice the bench/ targets (0.0015 e*Angstrom^2, 0.12 au): a short fit on a shared machine
  lim=$([ $p = quadrupole ] && echo 0.003 || echo 0.24)
  awk -v r="$rmse" -v l="$lim" 'BEGIN{exit !(r != "" && r < l)}' || fail "$p: test RMSE $rmse, expected < $lim"
  ncdump -h "$WORK/$p/model.nc" | grep -q "units_$p" || fail "$p: model.nc records no units"
  "$BIN/teann-predict" -teann_model "$WORK/$p/model.nc" -teann_data "$R" -teann_output "$WORK/$p.pred.nc" > /dev/null || fail "$p: predict"
  ncdump -h "$WORK/$p.pred.nc" | grep -q "${p}_predicted" || fail "$p: predictions.nc lacks ${p}_predicted"
  echo "ok: $p fit on 2 ranks: test RMSE $rmse ($(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}') s)"
done
echo "heads: all checks passed"
