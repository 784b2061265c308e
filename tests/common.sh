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

# teann-train -teann_check_gradient ARGS...: the directional gradient agrees with finite differences,
# and loss and gradient are bitwise the same on 1, 2 and 3 ranks.
gradient_ranks() {
  local np k
  mpirun_np 1 "$BIN/teann-train" -teann_check_gradient "$@" > "$WORK/ref.out" || fail "1 rank: $*"
  close_rel "$(awk '$1=="directional_gradient" {print $2}' "$WORK/ref.out")" "$(awk '$1=="directional_fd" {print $2}' "$WORK/ref.out")" 1e-6 || { cat "$WORK/ref.out"; fail "gradient disagrees with finite differences: $*"; }
  for np in 2 3; do
    mpirun_np $np "$BIN/teann-train" -teann_check_gradient "$@" > "$WORK/run.out" || fail "$np ranks: $*"
    for k in loss gradient_norm gradient_checksum; do
      [ "$(awk -v k=$k '$1==k {print $2}' "$WORK/ref.out")" = "$(awk -v k=$k '$1==k {print $2}' "$WORK/run.out")" ] || fail "$k differs on $np ranks: $*"
    done
  done
  echo "ok: loss and gradient identical on 1, 2, 3 ranks"
}

# A model variant travels with its files: after a fit of "$WORK/fit" (log "$WORK/fit.log", with
# a checkpoint) whose model.nc must hold the global attribute ATTR = VALUE and the variable NETVAR,
# teann-predict on DATA reproduces the fit's PROP predictions, a restart keeps the variant (same
# parameter count), a restart asking for OTHER is refused, and a model.nc whose ATTR is damaged
# is refused naming the file.  form_travels DATA PROP ATTR VALUE OTHER NETVAR
form_travels() {
  local data=$1 prop=$2 attr=$3 value=$4 other=$5 netvar=$6 np0 np1
  ncdump -h "$WORK/fit/model.nc" | grep -q "$attr = \"$value\"" || fail "model.nc does not record $attr"
  ncdump -h "$WORK/fit/model.nc" | grep -q "$netvar" || fail "model.nc lacks $netvar"
  mpirun_np 1 "$BIN/teann-predict" -teann_model "$WORK/fit/model.nc" -teann_data "$data" -teann_output "$WORK/pred.nc" > "$WORK/pred.log" 2>&1 || { cat "$WORK/pred.log"; fail "teann-predict"; }
  "$PYTHON3" - "$WORK/fit/predictions.nc" "$WORK/pred.nc" "${prop}_predicted" <<'PY' || fail "teann-predict and the fit's predictions differ"
import sys, netCDF4, numpy as np
a, b, v = netCDF4.Dataset(sys.argv[1]), netCDF4.Dataset(sys.argv[2]), sys.argv[3]
pa = dict(zip(a['frame_id'][:].tolist(), a[v][:]))
idb, pb = b['frame_id'][:].tolist(), b[v][:]
err = max(np.abs(pa[i] - pb[k]).max() for k, i in enumerate(idb) if i in pa)
print("largest difference %.3e (values up to %.3g)" % (err, np.abs(pb).max()))
sys.exit(0 if err <= 1e-12 * np.abs(pb).max() else 1)
PY
  echo "ok: model.nc predicts what the fit predicted"
  # the restart takes the variant from the checkpoint, not from the (absent) option
  mpirun_np 2 "$BIN/teann-train" -teann_restart "$WORK/fit/checkpoint.nc" -tao_max_it 60 -teann_output_dir "$WORK/re" > "$WORK/re.log" 2>&1 || { tail -20 "$WORK/re.log"; fail "restart"; }
  np0=$(sed -n 's/.*; \([0-9]*\) parameters;.*/\1/p' "$WORK/fit.log") np1=$(sed -n 's/.*; \([0-9]*\) parameters;.*/\1/p' "$WORK/re.log")
  [ -n "$np0" ] && [ "$np0" = "$np1" ] || fail "the restart has $np1 parameters, the fit $np0: it lost $attr"
  ncdump -h "$WORK/re/model.nc" | grep -q "$attr = \"$value\"" || fail "the restarted model.nc lacks $attr"
  echo "ok: a restart continues with the checkpoint's $attr"
  expect_error "-teann_$attr is \"$value\" in the checkpoint but \"$other\" now" mpirun_np 1 "$BIN/teann-train" -teann_restart "$WORK/fit/checkpoint.nc" -teann_$attr "$other" -tao_max_it 60 -teann_output_dir "$WORK/re2"
  cp "$WORK/fit/model.nc" "$WORK/bad.nc"
  "$PYTHON3" -c "import netCDF4,sys; d=netCDF4.Dataset(sys.argv[1],'a'); d.setncattr(sys.argv[2],'no_such_form'); d.close()" "$WORK/bad.nc" "$attr" || fail "could not edit model.nc"
  expect_error "$WORK/bad.nc: unknown $attr 'no_such_form'" mpirun_np 1 "$BIN/teann-predict" -teann_model "$WORK/bad.nc" -teann_data "$data" -teann_output "$WORK/bad-pred.nc"
}

# every parameter of every member of model.nc, as the bytes of its doubles (python: $PY or $PYTHON3)
model_params() { "${PY:-${PYTHON3:-python3}}" - "$1" <<'EOF'
import sys, netCDF4, numpy as np
d = netCDF4.Dataset(sys.argv[1])
for v in sorted(d.variables):
    if not v.endswith(("_mean", "_std")):
        print(v, np.asarray(d[v][:], dtype="<f8").tobytes().hex())
EOF
}
# the teann-train processes among the descendants of PID (mpiexec starts the ranks itself, MPICH's
# Hydra one level lower under hydra_pmi_proxy; a libtool build runs them as lt-teann-train)
rank_pids() {
  local c
  for c in $(pgrep -P "$1"); do
    case "$(cat "/proc/$c/comm" 2> /dev/null)" in
      teann-train | lt-teann-train) echo "$c" ;;
      *) rank_pids "$c" ;;
    esac
  done
}
