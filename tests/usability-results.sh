#!/bin/bash
# No NaN is ever a result (item 9): a model.nc with a NaN parameter is refused on reading,
# naming file and block; a prediction that is not finite (parameters that overflow) is an
# error naming data file and frame, and nothing is written. Long comment lines (item 14):
# teann-predict takes any line the readers take, and leaves no temporary file. References
# without spread: RMSE/std printed as -, no rmse_relative attribute.
. "$top_srcdir/tests/common.sh"
command -v ncdump > /dev/null && command -v ncgen > /dev/null || { echo "ncdump/ncgen missing"; exit 77; }
head -n 500 "$DATA/water_hf_800.xyz" > "$WORK/w.xyz"
"$BIN/teann-train" -teann_data "$WORK/w.xyz" -teann_hidden 4 -teann_nwave 2 -tao_max_it 3 -teann_output_dir "$WORK/fit" > "$WORK/log" 2>&1 || { cat "$WORK/log"; fail "teann-train"; }
ncdump "$WORK/fit/model.nc" > "$WORK/m.cdl"
# the first value of the dipole's first hidden bias of H becomes NaN, or a huge finite number
sed 's/^\( dipole_H_layer1_bias = \)[^,]*,/\1NaN,/' "$WORK/m.cdl" > "$WORK/nan.cdl"
perl -0pe 's/( dipole_H_layer1_bias =\s*)[^,]*/${1}1e300/; s/( dipole_H_layer2_weight =\s*)[^,]*/${1}1e300/' "$WORK/m.cdl" > "$WORK/big.cdl"
ncgen -k nc4 -o "$WORK/nan.nc" "$WORK/nan.cdl" && ncgen -k nc4 -o "$WORK/big.nc" "$WORK/big.cdl" || fail "ncgen"
expect_error "nan.nc: parameter block 'dipole_H_layer1_bias' holds a non-finite value" mpirun_np 2 "$BIN/teann-predict" -teann_model "$WORK/nan.nc" -teann_data "$WORK/w.xyz" -teann_output "$WORK/p.xyz"
expect_error "w.xyz: frame 0 (0-based): the predicted dipole is not finite" mpirun_np 2 "$BIN/teann-predict" -teann_model "$WORK/big.nc" -teann_data "$WORK/w.xyz" -teann_output "$WORK/p.nc"
expect_error "w.xyz: frame 0 (0-based): the predicted dipole is not finite" "$BIN/teann-predict" -teann_model "$WORK/big.nc" -teann_data "$WORK/w.xyz" -teann_output "$WORK/p.xyz"
ls "$WORK"/p.* > /dev/null 2>&1 && fail "a prediction file was written despite the error: $(ls "$WORK"/p.*)"

# a 70000-character comment key, which teann-train and teann-convert read
awk -v pad="$(head -c 70000 /dev/zero | tr '\0' x)" 'NR==2{$0=$0 " note=" pad} {print}' "$WORK/w.xyz" > "$WORK/long.xyz"
"$BIN/teann-convert" "$WORK/long.xyz" "$WORK/long.nc" > /dev/null || fail "teann-convert refuses the long comment"
mpirun_np 2 "$BIN/teann-predict" -teann_model "$WORK/fit/model.nc" -teann_data "$WORK/long.xyz" -teann_output "$WORK/long-p.xyz" > "$WORK/log" 2>&1 || { cat "$WORK/log"; fail "teann-predict refuses a comment line of 70000 characters"; }
grep -q "note=xxxx" "$WORK/long-p.xyz" || fail "the long key was not kept"
ls "$WORK"/*.tmp > /dev/null 2>&1 && fail "temporary files left: $(ls "$WORK"/*.tmp)"
echo "ok: long comment lines predicted, no temporary file left"

# references without spread (the same frame three times, so the same dipole): no RMSE/std to
# print ('-') and no rmse_relative attribute, rather than a NaN (doc/fit.md "teann-predict")
for i in 1 2 3; do head -n 5 "$WORK/w.xyz"; done > "$WORK/same.xyz"
"$BIN/teann-predict" -teann_model "$WORK/fit/model.nc" -teann_data "$WORK/same.xyz" -teann_output "$WORK/same.nc" > "$WORK/log" 2>&1 || { cat "$WORK/log"; fail "teann-predict same.xyz"; }
grep -qi "nan" "$WORK/log" && { cat "$WORK/log"; fail "NaN in the error table"; }
grep -Eq '^  dipole +3 +[0-9.e+-]+ +[0-9.e+-]+ +-  e\*Angstrom$' "$WORK/log" || { cat "$WORK/log"; fail "RMSE/std of references without spread is not '-'"; }
ncdump -h "$WORK/same.nc" > "$WORK/same.cdl"
grep -q "dipole_predicted:reference_std = 0" "$WORK/same.cdl" || { cat "$WORK/same.cdl"; fail "reference_std is not 0"; }
grep -q "rmse_relative" "$WORK/same.cdl" && fail "rmse_relative written for references without spread: $(grep rmse_relative "$WORK/same.cdl")"
grep -q "dipole_predicted:.* = NaN" "$WORK/same.cdl" && fail "a NaN attribute in same.nc: $(grep "dipole_predicted:.* = NaN" "$WORK/same.cdl")"
echo "ok: references without spread: RMSE/std '-', no rmse_relative"
