#!/bin/bash
# The reader fuzz harness without libFuzzer (doc/fuzzing.md): every crash found so far
# (tests/fuzz/regressions), the seed corpus and the malformed inputs of tests/bad, each
# with a few deterministic mutations. A reader may refuse any of them, but must not crash,
# hang or (in a --enable-sanitizers build) make a sanitizer report. About 10 s.
. "$top_srcdir/tests/common.sh"
F=$BIN/tests/fuzz/fuzz-readers
C=$top_srcdir/tests/fuzz
[ -x "$F" ] || fail "missing $F"
run() {
  local out rc=0
  out=$(timeout "$(tscale 120)" "$F" "$@" 2>&1) || rc=$?
  [ $rc -eq 0 ] || { printf '%s\n' "$out" | tail -40 >&2; fail "fuzz-readers $* (exit $rc)"; }
  printf '%s\n' "$out" | tail -1
}
run auto "$C/regressions"
run -mutate 12 xyz "$C/corpus/xyz"
run -mutate 12 eann "$C/corpus/eann"
run -mutate 4 auto "$BAD"
run -mutate 12 netcdf "$C/corpus/netcdf"
run -mutate 12 amber "$C/corpus/amber"
echo "fuzz smoke: no crash"
