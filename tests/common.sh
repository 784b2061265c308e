# Sourced by the shell tests: paths, an MPI launcher and assertions.
# A test exits 0 (pass), 77 (skip) or anything else (fail).
set -u
: "${top_builddir:=$(pwd)}" "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}" "${MPIEXEC:=mpiexec}"
BIN=$top_builddir
DATA=$top_srcdir/input/data
BAD=$top_srcdir/tests/bad
WORK=$(mktemp -d "${TMPDIR:-/tmp}/teann-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# mpirun NP PROGRAM ARGS... : run on NP ranks
mpirun_np() { local np=$1; shift; "$MPIEXEC" -n "$np" "$@"; }

fail() { echo "FAIL: $*" >&2; exit 1; }

# tscale SECONDS: a time limit scaled for slow builds (TEANN_TEST_TIME_SCALE, tests/build-env.sh:
# 4 under --enable-sanitizers), rounded up to a whole number
tscale() { awk -v t="$1" -v s="${TEANN_TEST_TIME_SCALE:-1}" 'BEGIN{v=t*s; i=int(v); if(i<v)i++; print i}'; }

# expect_error 'TEXT' CMD ARGS... : CMD must exit non-zero and print TEXT (fixed string)
expect_error() {
  local text=$1; shift
  local out rc=0
  out=$("$@" 2>&1) || rc=$?
  [ "$rc" -ne 0 ] || fail "expected failure, got exit 0: $*"
  printf '%s\n' "$out" | grep -F -q -- "$text" || { printf '%s\n' "$out" | head -20 >&2; fail "message '$text' missing: $*"; }
  echo "ok: $text"
}

# close_rel A B TOL : |A-B| <= TOL*max(|A|,|B|,tiny)
close_rel() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN{d=a-b; if(d<0)d=-d; m=(a<0?-a:a); n=(b<0?-b:b); if(n>m)m=n; if(m<1e-300)m=1e-300; exit !(d<=t*m)}'; }
