#!/bin/bash
# doc/transcripts.sh — run the commands README.md and doc/user-guide.md show, and paste their
# output between the markers "<!-- transcript NAME -->" and "<!-- /transcript -->", so that the
# numbers in the documents are the ones this build produces.
#   doc/transcripts.sh [BUILDDIR]           rewrite the transcripts in place (BUILDDIR: the
#                                           programs, default the source tree)
#   doc/transcripts.sh --check [BUILDDIR]   run the commands, change nothing (tests/usability-docs.sh)
# TEANN_DOC_MAXIT=N caps every fit at N iterations (-tao_max_it N) for a quick check.
# What varies between machines: the times, and the last digits of losses and errors (CPU,
# -march=native, BLAS, rank and thread counts); the splits, sizes and parameter counts do not.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
check=0
if [ "${1:-}" = --check ]; then check=1; shift; fi
bin=$(cd "${1:-$src}" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/teann-doc.XXXXXX")
trap 'rm -rf "$work"' EXIT
export PATH="$bin:$PATH" OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} OPENBLAS_NUM_THREADS=1
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
cap=${TEANN_DOC_MAXIT:+-tao_max_it $TEANN_DOC_MAXIT}

# run NAME COMMAND: the documented command, as written, in a fresh directory NAME with the
# repository's input/; a fit gets the iteration cap. Output in $work/NAME.out.
run() {
  local name=$1 cmd=$2 extra=
  mkdir -p "$work/$name" && ln -s "$src/input" "$work/$name/input"
  case $cmd in *teann-train*) extra=$cap ;; esac
  if ! (cd "$work/$name" && eval "$cmd $extra") > "$work/$name.out" 2>&1; then
    cat "$work/$name.out" >&2
    echo "doc/transcripts.sh: the documented command failed: $cmd" >&2
    exit 1
  fi
}
# a fit's log: up to iteration 1, "...", the last iteration and everything after it
abridge() { awk '/^ *[0-9]+ [-0-9.e+]+ / {n++; if (n <= 2) print; else {last = $0; if (n == 3) print " ..."}; next} last != "" {print last; last = ""} {print}' "$1"; }

# README.md quick start: what ./quickstart run prints
q="mpiexec -n 2 teann-train -options_file input/water-joint.opts -teann_output_dir example-output"
run readme-quickstart "$q"
{
  echo '```'
  echo "== ${q/teann-train/./teann-train} -teann_overwrite"
  abridge "$work/readme-quickstart.out"
  if "${PYTHON3:-python3}" -c 'import matplotlib, netCDF4' 2> /dev/null; then
    (cd "$work/readme-quickstart" && teann-plot example-output -o example-output/plots) > "$work/plot.out" 2>&1 || { cat "$work/plot.out" >&2; exit 1; }
    echo "== ./teann-plot example-output -o example-output/plots"; cat "$work/plot.out"
  fi
  echo "== outputs in example-output/: model.nc predictions.nc history.nc history.txt checkpoint.nc plots/"
  echo '```'
} > "$work/readme-quickstart.md"

# doc/user-guide.md: look at the data, convert it, a first fit
run guide-info "teann-convert -info input/data/water_hf_800.xyz"
{ echo '```'; echo '$ teann-convert -info input/data/water_hf_800.xyz'; head -n 9 "$work/guide-info.out"; echo '  ...'; echo '```'; } > "$work/guide-info.md"
run guide-convert "teann-convert input/data/water_hf_800.xyz water.nc"
{ echo '```'; echo '$ teann-convert input/data/water_hf_800.xyz water.nc'; cat "$work/guide-convert.out"; echo '```'; } > "$work/guide-convert.md"
f="mpiexec -n 2 teann-train -options_file input/water-dipole.opts -teann_output_dir example-output"
run guide-fit "$f"
{ echo '```'; echo "\$ $f"; abridge "$work/guide-fit.out"; echo '```'; } > "$work/guide-fit.md"

if [ $check = 1 ]; then
  # what does not vary between machines must be what the documents show: the data summary, the
  # split, elements and parameter count of a fit, the conversion's summary without its time
  block() { awk -v n="$2" '$0 == "<!-- transcript " n " -->" {on = 1; next} /^<!-- \/transcript -->/ {on = 0} on' "$1"; }
  # (not the BLAS line: its kernels are the machine's; nor the hint of a fit the cap stopped while
  # it improved, which depends on the iteration cap this check imposes)
  fixed() { grep -E '^(teann-train: |teann-convert: |[^ ].*: [0-9]+ frames|elements: |  [xyz]{1,2} +mean|[a-z_]+ \()' | grep -v -e '^teann-train: BLAS: ' -e '^teann-train: the validation error was still falling' | sed 's/ ([0-9.]* s)$//'; }
  bad=0
  for pair in README.md:readme-quickstart doc/user-guide.md:guide-info doc/user-guide.md:guide-convert doc/user-guide.md:guide-fit; do
    doc=${pair%%:*} name=${pair#*:}
    block "$src/$doc" "$name" | fixed > "$work/doc.fixed"
    fixed < "$work/$name.md" > "$work/run.fixed"
    if ! cmp -s "$work/doc.fixed" "$work/run.fixed"; then
      echo "doc/transcripts.sh: $doc ($name) does not show what the build prints (run doc/transcripts.sh):" >&2
      diff "$work/doc.fixed" "$work/run.fixed" | sed 's/^</  document:/; s/^>/  build:   /' | grep -v '^---' | grep -v '^[0-9]' >&2
      bad=1
    fi
  done
  [ $bad = 0 ] || exit 1
  echo "doc/transcripts.sh: every documented command ran and printed what the documents show"
  exit 0
fi
# paste each NAME.md between its markers
for doc in "$src/README.md" "$src/doc/user-guide.md"; do
  awk -v dir="$work" '
    /^<!-- \/transcript -->/ {skip = 0}
    skip {next}
    {print}
    /^<!-- transcript [a-z-]+ -->/ {name = $3; while ((getline l < (dir "/" name ".md")) > 0) print l; close(dir "/" name ".md"); skip = 1}
  ' "$doc" > "$work/doc.tmp" && cat "$work/doc.tmp" > "$doc"
done
echo "doc/transcripts.sh: transcripts pasted into README.md and doc/user-guide.md"
