#!/bin/bash
# Every malformed input under tests/bad must fail with "FILE:LINE: frame N: what".
. "$top_srcdir/tests/common.sh"
R=$BIN/tests/test-readers
[ -x "$R" ] || fail "missing $R"

bad() { local f=$1 msg=$2; shift 2; expect_error "$BAD/$f$msg" "$R" "$BAD/$f" "$@"; }

# extended XYZ
bad bad-unknown-element.xyz ":9: frame 2: atom 2: unknown element symbol 'Xx'"
bad bad-nan.xyz             ":9: frame 2: atom 2: coordinate 'nan' is not finite"
bad bad-inf.xyz             ":7: frame 2: dipole= value 'inf' is not finite"
bad bad-number.xyz          ":10: frame 2: atom 3: coordinate '-0.7572.00' is not a number"
bad bad-dipole-number.xyz   ":7: frame 2: dipole= value 'abc' is not a number"
bad bad-truncated.xyz       ":6: frame 2: truncated: 3 atoms announced, the file ends after 2"
bad bad-short-frame.xyz     ":11: frame 2: atom 4: a count line where an atom line was expected (fewer atom lines than the count 4 on line 6: the frame's atom lines end at line 10)"
bad bad-count.xyz           ":6: frame 2: atom count line 'three' is not a positive integer"
bad bad-count-zero.xyz      ":6: frame 2: atom count line '0' is not a positive integer"
bad bad-count-small.xyz      ":10: frame 3: atom count line 'H  0.000000 -0.757200 -0.469200' is not a positive integer (more atom lines than the previous frame's count?)"
bad bad-blank-middle.xyz    ":6: frame 2: blank line where the atom count was expected"
bad bad-dipole-count.xyz    ":7: frame 2: dipole= has 2 values, expected 3"
bad bad-tdipole-count.xyz   ":7: frame 2: transition_dipole= has 4 values, expected 3"
bad bad-quad-count.xyz      ":7: frame 2: quadrupole= has 5 values, expected 9 (row-major) or 6 (xx yy zz yz xz xy)"
bad bad-quad-trace.xyz      ":7: frame 2: quadrupole not traceless: xx + yy + zz = 0.1"
bad bad-quad-nonsym.xyz     ":7: frame 2: quadrupole not symmetric: xy = 0.2 but yx = 0.25"
bad bad-hyper-count.xyz     ":7: frame 2: hyperpolarizability= has 9 values, expected 27 (row-major [i][j][k])"
bad bad-hyper-nonsym.xyz    ":7: frame 2: hyperpolarizability not symmetric in its last two indices: yyz = 8 but yzy = 8.5"
bad bad-polar-count.xyz     ":7: frame 2: polarizability= has 7 values, expected 9 (row-major) or 6 (xx yy zz yz xz xy)"
bad bad-polar-nonsym.xyz    ":7: frame 2: polarizability not symmetric: xz = 0 but zx = 0.1 (asymmetry 0.0714 of the largest component 1.4; tolerance 0.01)"
bad bad-close-atoms.xyz     ":10: frame 2: atoms 2 and 3 are 0.05 Angstrom apart (closer than 0.1)"
# periodic frames (doc/input-formats.md "Periodic frames")
bad bad-pbc.xyz             ":7: frame 2: pbc= has T but there is no Lattice= (a periodic frame needs its cell)"
bad bad-pbc-value.xyz       ":7: frame 2: pbc= value 'X' is not a flag: T or F, True or False, 1 or 0 (any case)"
bad bad-pbc-count.xyz       ":7: frame 2: pbc= has 2 values, expected 3"
bad bad-lattice.xyz         ":7: frame 2: Lattice= has 8 values, expected 9"
bad bad-lattice-nan.xyz     ":7: frame 2: Lattice= value 'nan' is not finite"
bad bad-cell-singular.xyz   ":7: frame 2: the cell (periodic along a, b, c) is singular: the periodic lattice vectors are linearly dependent (relative volume 0)"
bad bad-cell-singular-slab.xyz ":7: frame 2: the cell (periodic along a, b) is singular: the periodic lattice vectors are linearly dependent (relative area 0)"
bad bad-cell-zero.xyz       ":7: frame 2: cell vector b is zero, but the frame is periodic along it"
bad bad-cell-thin.xyz       ":7: frame 2: the cell is 0.05 Angstrom wide across vector a (between its faces), less than the 0.1 Angstrom atoms must keep from each other and from their own images"
bad bad-periodic-close.xyz  ":9: frame 2: atoms 1 and 2 are 0.07 Angstrom apart through the periodic boundary (closer than 0.1)"
bad bad-periodic-dipole.xyz ":7: frame 2: dipole is not defined for a periodic frame; the dipole of a cell depends on where its atoms are wrapped: give per-atom dipoles (atomic_dipole, e.g. Wannier centroids) instead"
bad bad-periodic-tdipole.xyz ":7: frame 2: transition_dipole is not defined for a periodic frame; it depends on where the atoms of the cell are wrapped"
bad bad-periodic-quad.xyz   ":7: frame 2: quadrupole is not defined for a periodic frame; it depends on the origin and on where the atoms of the cell are wrapped"
bad bad-periodic-hyper.xyz  ":7: frame 2: hyperpolarizability is not defined for a periodic frame;"
bad bad-quote.xyz           ":7: frame 2: unterminated quote in the value of 'dipole'"
bad bad-no-pos.xyz          ":7: frame 2: Properties='species:S:1:position:R:3' has no pos:R:3 column"
bad bad-columns.xyz         ":10: frame 2: atom 3: 6 columns, Properties needs 7"
bad bad-empty.xyz           ": no frames"
bad bad-missing-dipole.xyz  ":6: frame 2: no dipole given (required by -teann_properties dipole,polarizability)" -require polarizability,dipole
expect_error "$WORK/absent.xyz: cannot open (No such file or directory)" "$R" "$WORK/absent.xyz"
# the same file without the requirement is fine
"$R" "$BAD/bad-missing-dipole.xyz" -require polarizability | grep -q "read 2 frames, 6 atoms" || fail "bad-missing-dipole.xyz should read without -require dipole"

# EANN configuration format
bad bad-eann-pbc.data           ":14: frame 2: pbc flag '2' is not 0 or 1"
bad bad-eann-cell-singular.data ":11: frame 2: the cell (periodic along a, b, c) is singular: the periodic lattice vectors are linearly dependent"
bad bad-eann-periodic-dipole.data ":18: frame 2: dipole is not defined for a periodic frame; the dipole of a cell depends on where its atoms are wrapped"
bad bad-eann-truncated.data     ":10: frame 2: truncated: the file ends before the abprop: line"
bad bad-eann-no-abprop.data     ":18: frame 2: no abprop: line before the next point="
bad bad-eann-abprop-count.data  ":18: frame 2: abprop: has 4 values, expected 1 (energy), 3 (dipole), 6 or 9 (polarizability), 27 (hyperpolarizability)"
bad bad-eann-element.data       ":16: frame 2: atom 2: unknown element symbol 'HH'"
bad bad-eann-title.data         ":10: frame 2: expected a 'point=' title line, found 'configuration 2'"
bad bad-eann-lattice.data       ":12: frame 2: lattice vector line has 2 values, expected 3"
bad bad-eann-columns.data       ":16: frame 2: atom 2: 4 columns, expected 'El mass x y z' (5, or 8 with forces)"
bad bad-eann-polar-nonsym.data  ":18: frame 2: polarizability not symmetric: xy = 0.1 but yx = 0.2"
bad bad-eann-nan.data           ":17: frame 2: atom 3: coordinate 'NaN' is not finite"
bad bad-eann-pbc.data           ":14: frame 2: pbc flag '2' is not 0 or 1" -format eann
# the first configuration of each EANN file is valid: a 3-value abprop is a dipole
head -9 "$BAD/bad-eann-pbc.data" > "$WORK/one.data"
"$R" "$WORK/one.data" -require dipole | grep -q "read 1 frames, 3 atoms" || fail "one.data"
expect_error "$WORK/one.data:1: frame 1: no transition_dipole given" "$R" "$WORK/one.data" -require transition_dipole
"$R" "$WORK/one.data" -require transition_dipole -teann_eann_abprop transition_dipole | grep -q "read 1 frames" || fail "-teann_eann_abprop transition_dipole"
echo "all bad-input cases failed as expected"

# -teann_format overrides recognition by content: each reader then says what is wrong
expect_error "water_hf_800.xyz:1: frame 1: expected a 'point=' title line" "$BIN/teann-convert" -info "$DATA/water_hf_800.xyz" -teann_format eann
expect_error "bad-eann-pbc.data:1: frame 1: atom count line 'point=     1' is not a positive integer" "$BIN/teann-convert" -info "$BAD/bad-eann-pbc.data" -teann_format xyz
# an EANN abprop: line of 27 values is a hyperpolarizability
printf 'point=   1\n10 0 0\n0 10 0\n0 0 10\npbc 0 0 0\nO 16.0 0.0 0.0 0.1173\nH 1.0 0.0 0.7572 -0.4692\nH 1.0 0.0 -0.7572 -0.4692\nabprop: 1 2 3 2 4 5 3 5 6 2 4 5 4 7 8 5 8 9 3 5 6 5 8 9 6 9 10\n' > "$WORK/b.data"
"$BIN/teann-convert" -info "$WORK/b.data" 2>&1 | grep -q "hyperpolarizability (au): 1 of 1 frames" || fail "abprop: with 27 values not read as a hyperpolarizability"
echo "ok: -teann_format and the hyperpolarizability of EANN files"
