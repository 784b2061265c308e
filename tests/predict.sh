#!/bin/bash
# teann-predict: .xyz and .nc outputs on other rank counts reproduce the test-frame
# predictions of the training run; other comment keys survive; a NetCDF dataset as
# input; elements the model lacks are refused with their names.
. "$top_srcdir/tests/common.sh"
props=dipole,polarizability
small="-teann_hidden 8,8 -teann_nwave 4 -tao_max_it 5"
mpirun_np 2 "$BIN/teann-train" -teann_data "$DATA/water_hf_800.xyz" -teann_properties $props $small -teann_output_dir "$WORK/fit" > "$WORK/log" 2>&1 || { cat "$WORK/log"; fail "teann-train"; }
model=$WORK/fit/model.nc

mpirun_np 3 "$BIN/teann-predict" -teann_model "$model" -teann_data "$DATA/water_hf_800.xyz" -teann_output "$WORK/p.xyz" || fail "predict .xyz"
[ "$(grep -c '^dipole_pred=' "$WORK/p.xyz")" -eq 800 ] || fail "not 800 frames with a predicted dipole in the .xyz"
head -2 "$WORK/p.xyz" | tail -1 | grep -q 'energy=-2068.8860675611 index=0' || fail "input keys not kept"
head -2 "$WORK/p.xyz" | tail -1 | grep -q ' polarizability_pred="' || fail "predicted polarizability missing in the .xyz"
# the references are kept under their own keys, as in the input
diff <(sed -n '2~5p' "$DATA/water_hf_800.xyz" | grep -o 'dipole="[^"]*" polarizability="[^"]*"') \
     <(sed -n '2~5p' "$WORK/p.xyz" | grep -o 'dipole="[^"]*" polarizability="[^"]*"') > /dev/null || fail "the references of the input were not kept as they were"
for k in ${props//,/ }; do
  "$BIN/tests/test-fit-compare" -train "$WORK/fit/predictions.nc" -other "$WORK/p.xyz" -kind $k -subset 2 -tol 1e-9 || fail "$k .xyz differs"
done

expect_error "p.xyz exists; give -teann_overwrite to replace it" mpirun_np 2 "$BIN/teann-predict" -teann_model "$model" -teann_data "$DATA/water_hf_800.xyz" -teann_output "$WORK/p.xyz"
mpirun_np 2 "$BIN/teann-predict" -teann_model "$model" -teann_data "$DATA/water_hf_800.xyz" -teann_output "$WORK/p.nc" || fail "predict .nc"
for s in 0 1 2; do for k in ${props//,/ }; do
  "$BIN/tests/test-fit-compare" -train "$WORK/fit/predictions.nc" -other "$WORK/p.nc" -kind $k -subset $s -tol 1e-12 || fail "$k .nc subset $s differs"
done; done
ncdump -h "$WORK/p.nc" | grep -q 'double dipole(frame, spatial)' || fail "reference values missing from the .nc"

if [ -x "$BIN/teann-convert" ]; then
  "$BIN/teann-convert" "$DATA/water_hf_800.xyz" "$WORK/water.nc" > /dev/null || fail "teann-convert"
  mpirun_np 3 "$BIN/teann-predict" -teann_model "$model" -teann_data "$WORK/water.nc" -teann_output "$WORK/q.nc" || fail "predict from a dataset"
  "$BIN/tests/test-fit-compare" -train "$WORK/fit/predictions.nc" -other "$WORK/q.nc" -subset 2 -tol 1e-12 || fail "dataset input differs"
fi

expect_error "methanol_hf_240.xyz: elements not in the model $model: C" mpirun_np 2 "$BIN/teann-predict" -teann_model "$model" -teann_data "$DATA/methanol_hf_240.xyz" -teann_output "$WORK/m.xyz"
[ ! -e "$WORK/m.xyz" ] || fail "output written despite the error"
expect_error "must end in .xyz or .nc" "$BIN/teann-predict" -teann_model "$model" -teann_data "$DATA/water_hf_800.xyz" -teann_output "$WORK/p.txt"
expect_error "not a teann model" "$BIN/teann-predict" -teann_model "$WORK/fit/predictions.nc" -teann_data "$DATA/water_hf_800.xyz" -teann_output "$WORK/p-none.xyz"
echo "ok: teann-predict"
