#!/bin/bash
# The readers on the example data: unit test, then the -view summary against awk.
. "$top_srcdir/tests/common.sh"
"$BIN/tests/test-frames" -data "$DATA" -work "$WORK" -large 100000 || fail "tests/test-frames"

out=$("$BIN/tests/test-readers" "$DATA/water_hf_800.xyz" -view -require dipole,polarizability) || fail "test-readers water"
printf '%s\n' "$out"
grep -qF "water_hf_800.xyz: 800 frames, 2400 atoms (3 to 3 per frame)" <<<"$out" || fail "water summary line"
grep -qF "elements: H 1600 O 800" <<<"$out" || fail "water element counts"
grep -qF "dipole (e*Angstrom): 800 of 800 frames" <<<"$out" || fail "water dipole count"
# mean and sample standard deviation of dipole x and of alpha_zz, computed independently from the text
read -r mx sx mzz szz < <(awk '/dipole=/ { split($0, a, "\""); split(a[2], d, " "); split(a[4], p, " ");
  n++; s1 += d[1]; q1 += d[1]*d[1]; s2 += p[9]; q2 += p[9]*p[9] }
  END { printf "%.10g %.10g %.10g %.10g\n", s1/n, sqrt((q1 - s1*s1/n)/(n-1)), s2/n, sqrt((q2 - s2*s2/n)/(n-1)) }' "$DATA/water_hf_800.xyz")
got=$(awk '/^dipole/ {d=1} /^polarizability/ {d=0; p=1} d && $1=="x" {print $3, $5} p && $1=="zz" {print $3, $5}' <<<"$out" | tr '\n' ' ')
set -- $got
close_rel "$1" "$mx" 1e-5 || fail "dipole x mean $1 vs $mx"
close_rel "$2" "$sx" 1e-5 || fail "dipole x std $2 vs $sx"
close_rel "$3" "$mzz" 1e-5 || fail "alpha_zz mean $3 vs $mzz"
close_rel "$4" "$szz" 1e-5 || fail "alpha_zz std $4 vs $szz"
echo "summary statistics agree with awk"

# an EANN configuration file is recognised by its first line and read the same way
awk 'NR % 5 == 1 { n++; printf "point=%d\n 100 0 0\n 0 100 0\n 0 0 100\npbc 0 0 0\n", n }
     NR % 5 == 2 { split($0, a, "\""); dip = a[2] }
     NR % 5 >= 3 || NR % 5 == 0 { printf "%s 1.0 %s %s %s\n", $1, $2, $3, $4 }
     NR % 5 == 0 { print "abprop: " dip }' "$DATA/water_hf_800.xyz" > "$WORK/water.data"
out2=$("$BIN/tests/test-readers" "$WORK/water.data" -view -require dipole) || fail "test-readers water.data"
grep -qF "water.data: 800 frames, 2400 atoms (3 to 3 per frame)" <<<"$out2" || fail "water.data summary"
diff <(grep -A3 '^dipole' <<<"$out") <(grep -A3 '^dipole' <<<"$out2") || fail "dipole statistics differ between xyz and EANN forms"
echo "EANN form of the water set gives the same dipole statistics"
