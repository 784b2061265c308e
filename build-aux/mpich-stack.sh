#!/bin/bash
# mpich-stack.sh — build teann's dependencies on MPICH and test teann with them.
#
# Debian 12 ships PETSc and parallel NetCDF built on Open MPI only.  This
# script builds an MPICH stack into one prefix, from Debian's own sources:
#
#   1 packages   apt-get install mpich libmpich-dev libhdf5-mpich-dev
#                libscalapack-mpich-dev libopenblas-dev dpkg-dev + build tools
#                (needs root; the system's mpicc/mpirun/hdf5 alternatives are
#                put back as they were, so Open MPI stays the default)
#   2 sources    apt-get source petsc netcdf with a private apt configuration
#                under PREFIX/apt (own sources.list with deb-src lines, own
#                lists and cache); /etc is not touched
#   3 petsc      PETSc 3.18 on mpicc.mpich, OpenBLAS, libscalapack-mpich,
#                no Fortran, no C++, no downloads, --with-debugging=0
#   4 netcdf     NetCDF-C with parallel HDF5 (libhdf5-mpich), --enable-parallel4
#   5 teann      teann configured out of tree with mpicc.mpich and the prefix's
#                petsc.pc and netcdf-mpi.pc, built
#   6 check      make check with MPIEXEC=mpiexec.mpich (run every time)
#
# Usage (as root on Debian 12):
#   build-aux/mpich-stack.sh [--prefix DIR] [--build-dir DIR] [--src DIR]
#                            [--jobs N] [--no-check] [--force STEP]
#     --prefix DIR     install prefix              (default: $HOME/teann-mpich)
#     --build-dir DIR  teann build directory       (default: PREFIX/build-teann)
#     --src DIR        teann source tree           (default: this script's ../)
#     --jobs N         make -jN                    (default: 2)
#     --no-check       stop after building teann
#     --force STEP     redo STEP (packages, sources, petsc, netcdf, teann)
#
# Steps already done are skipped (stamp files in PREFIX/.stamps).  Everything
# is logged to PREFIX/mpich-stack.log; the console shows one line per step
# with its time.  Builds run under nice -n 19 (make check does not).
#
# To use the stack afterwards:
#   export PKG_CONFIG_PATH=PREFIX/lib/pkgconfig
#   ./configure MPICC=mpicc.mpich MPIEXEC=mpiexec.mpich LDFLAGS=-Wl,-rpath,PREFIX/lib
set -eu -o pipefail

PREFIX=$HOME/teann-mpich
BUILD=
SRC=$(cd "$(dirname "$0")/.." && pwd)
JOBS=2
CHECK=1
FORCE=
while [ $# -gt 0 ]; do
  case $1 in
    --prefix) PREFIX=$2; shift 2 ;;
    --prefix=*) PREFIX=${1#*=}; shift ;;
    --build-dir) BUILD=$2; shift 2 ;;
    --build-dir=*) BUILD=${1#*=}; shift ;;
    --src) SRC=$2; shift 2 ;;
    --src=*) SRC=${1#*=}; shift ;;
    --jobs) JOBS=$2; shift 2 ;;
    --jobs=*) JOBS=${1#*=}; shift ;;
    --no-check) CHECK=0; shift ;;
    --force) FORCE="$FORCE $2"; shift 2 ;;
    -h|--help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "mpich-stack.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
mkdir -p "$PREFIX"
PREFIX=$(cd "$PREFIX" && pwd)
: "${BUILD:=$PREFIX/build-teann}"
STAMPS=$PREFIX/.stamps
SRCDIR=$PREFIX/src
APTDIR=$PREFIX/apt
LOG=$PREFIX/mpich-stack.log
TIMES=$PREFIX/mpich-stack.times
mkdir -p "$STAMPS" "$SRCDIR"
for s in $FORCE; do rm -f "$STAMPS/$s"; done

MPICC=/usr/bin/mpicc.mpich
MPIFC=/usr/bin/mpif90.mpich
MPIEXEC=/usr/bin/mpiexec.mpich
ARCHLIB=/usr/lib/x86_64-linux-gnu
NICE="nice -n 19"
PACKAGES="mpich libmpich-dev libhdf5-mpich-dev libscalapack-mpich-dev libopenblas-dev
  dpkg-dev build-essential gfortran autoconf automake libtool pkg-config m4 python3 zlib1g-dev
  debian-archive-keyring"
# Alternatives that installing MPICH packages may switch away from Open MPI.
ALTERNATIVES="mpi mpi-x86_64-linux-gnu mpirun h5pcc hdf5.pc"

say() { echo "$*"; echo "== $(date '+%F %T') $*" >> "$LOG"; }

# step NAME FUNCTION: run FUNCTION once (stamp), log its output, time it.
step() {
  local name=$1 fn=$2 t0 t1 rc=0
  if [ -e "$STAMPS/$name" ]; then say "[$name] done before, skipped"; return 0; fi
  say "[$name] ..."
  t0=$(date +%s)
  # In the background so that set -e holds inside FUNCTION.
  "$fn" >> "$LOG" 2>&1 &
  wait $! || rc=$?
  t1=$(date +%s)
  if [ $rc -ne 0 ]; then
    say "[$name] FAILED (exit $rc) after $((t1 - t0)) s; last lines of $LOG:"
    tail -n 25 "$LOG"
    exit $rc
  fi
  touch "$STAMPS/$name"
  echo "$name $((t1 - t0))" >> "$TIMES"
  say "[$name] $((t1 - t0)) s"
}

# ------------------------------------------------------------ 1 packages
packages_missing() {
  local p miss=
  for p in $PACKAGES; do
    dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || miss="$miss $p"
  done
  echo $miss
}
do_packages() {
  local miss saved name now was
  miss=$(packages_missing)
  if [ -z "$miss" ]; then echo "all packages present"; return 0; fi
  [ "$(id -u)" = 0 ] || { echo "packages missing ($miss) and not root"; return 1; }
  saved=$(update-alternatives --get-selections)
  apt-get update
  for p in $miss; do apt-cache policy "$p" | grep -q 'Candidate: (none)' && { echo "no candidate for $p"; return 1; }; done
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $miss
  # Installing MPICH must not change what mpicc/mpirun mean for everyone else.
  for name in $ALTERNATIVES; do
    was=$(echo "$saved" | awk -v n="$name" '$1 == n {print $3}')
    now=$(update-alternatives --query "$name" 2>/dev/null | sed -n 's/^Value: //p')
    if [ -n "$was" ] && [ "$was" != "$now" ]; then
      echo "alternative $name switched to $now; restoring $was"
      update-alternatives --set "$name" "$was"
    fi
  done
}

# ------------------------------------------------------------ 2 sources
# A private apt tree: only deb-src lines, lists and cache under PREFIX/apt.
APTOPTS=(-o "Dir::Etc::SourceList=$APTDIR/sources.list" -o "Dir::Etc::SourceParts=$APTDIR/sources.list.d"
  -o "Dir::State::Lists=$APTDIR/lists" -o "Dir::Cache=$APTDIR/cache" -o "Dir::State::extended_states=$APTDIR/extended_states"
  -o "APT::Sandbox::User=root")
do_sources() {
  mkdir -p "$APTDIR/sources.list.d" "$APTDIR/lists/partial" "$APTDIR/cache/archives/partial"
  cat > "$APTDIR/sources.list" <<EOF
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-updates main
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian-security bookworm-security main
EOF
  apt-get "${APTOPTS[@]}" update
  cd "$SRCDIR"
  ls -d petsc-3.18*/ >/dev/null 2>&1 || apt-get "${APTOPTS[@]}" source petsc
  ls -d netcdf-4*/ >/dev/null 2>&1 || apt-get "${APTOPTS[@]}" source netcdf
  ls -d petsc-3.18*/ netcdf-4*/
}
petsc_src() { ls -d "$SRCDIR"/petsc-3.18*/ | head -1 | sed 's:/$::'; }
netcdf_src() { ls -d "$SRCDIR"/netcdf-4*/ | head -1 | sed 's:/$::'; }

# ------------------------------------------------------------ 3 PETSc
do_petsc() {
  local src; src=$(petsc_src)
  cd "$src"
  rm -rf arch-mpich "$PREFIX"/lib/libpetsc* "$PREFIX"/lib/petsc "$PREFIX"/include/petsc*
  export PETSC_DIR=$src PETSC_ARCH=arch-mpich
  unset PETSC_OPTIONS || true
  # No C++ and no external package but ScaLAPACK: teann needs TAO (always
  # built) and MATSCALAPACK; everything comes from Debian packages.  PETSc's
  # ScaLAPACK check wants a Fortran compiler, but not the Fortran bindings.
  # Debian's sources drop PETSc's rpath (build-no-rpath.patch) and Debian's
  # own libpetsc.so.3.18 (Open MPI) sits in the default library path: name
  # this library libpetsc_mpich (Debian's --shared-library-extension) so it
  # cannot be confused with that one, and put PREFIX/lib in the rpath.
  $NICE python3 ./configure --prefix="$PREFIX" \
    --with-cc="$MPICC" --with-cxx=0 --with-fc="$MPIFC" --with-fortran-bindings=0 --with-mpiexec="$MPIEXEC" \
    --with-debugging=0 COPTFLAGS='-O2 -g' \
    --with-blaslapack-lib="$ARCHLIB/libopenblas.so" \
    --with-scalapack-lib="$ARCHLIB/libscalapack-mpich.so" \
    --with-x=0 --with-ssl=0 --with-cuda=0 --with-shared-libraries=1 --shared-library-extension=_mpich \
    LDFLAGS="-Wl,-rpath,$PREFIX/lib" --with-make-np="$JOBS"
  $NICE make PETSC_DIR="$src" PETSC_ARCH=arch-mpich MAKE_NP="$JOBS" all
  make PETSC_DIR="$src" PETSC_ARCH=arch-mpich install
  # PETSc's own smoke test (ex19 on 1 and 2 ranks); it reports problems
  # without failing, so look at what it says.
  make PETSC_DIR="$PREFIX" PETSC_ARCH= check 2>&1 | tee "$SRCDIR/petsc-check.txt"
  ! grep -q 'Possible error' "$SRCDIR/petsc-check.txt"
  ldd "$PREFIX/lib/libpetsc_mpich.so" | grep -E 'petsc|mpich'
  ! ldd "$PREFIX/lib/libpetsc_mpich.so" | grep -q -E 'libmpi\.so\.40|open-pal'
}

# ------------------------------------------------------------ 4 NetCDF
do_netcdf() {
  local src; src=$(netcdf_src)
  rm -rf "$SRCDIR/netcdf-build"; mkdir -p "$SRCDIR/netcdf-build"; cd "$SRCDIR/netcdf-build"
  $NICE "$src/configure" --prefix="$PREFIX" CC="$MPICC" CFLAGS='-O2 -g' \
    CPPFLAGS="-I/usr/include/hdf5/mpich" LDFLAGS="-L$ARCHLIB/hdf5/mpich -Wl,-rpath,$ARCHLIB/hdf5/mpich" \
    --enable-parallel4 --enable-netcdf-4 --disable-dap --disable-byterange --disable-nczarr \
    --disable-plugins --disable-filter-testing --disable-examples --disable-testsets \
    --disable-doxygen --disable-static --enable-shared
  $NICE make -j"$JOBS"
  make install
  grep -q 'define NC_HAS_PARALLEL4 1' "$PREFIX/include/netcdf_meta.h"
  # Debian's hdf5-library-path.patch leaves @HDF5_INCS@/@HDF5_LIBS@ for its
  # CMake build to fill; the autotools build does not, so fill them here.
  sed -i -e 's|@HDF5_INCS@|-I/usr/include/hdf5/mpich|' -e "s|@HDF5_LIBS@|-L$ARCHLIB/hdf5/mpich|" \
    "$PREFIX/lib/pkgconfig/netcdf.pc"
  ! grep -q @ "$PREFIX/lib/pkgconfig/netcdf.pc"
  # teann's configure asks pkg-config for netcdf-mpi first; without a
  # netcdf-mpi.pc here it would find Debian's Open MPI build in the system dir.
  sed 's/^Name:.*/Name: netcdf-mpi/' "$PREFIX/lib/pkgconfig/netcdf.pc" > "$PREFIX/lib/pkgconfig/netcdf-mpi.pc"
  ldd "$PREFIX/lib/libnetcdf.so" | grep -E 'mpich|hdf5'
}

# ------------------------------------------------------------ 5/6 teann
teann_env() {
  export PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
}
do_teann() {
  teann_env
  # Debian's scalapack-mpich.pc says "Requires: mpi", and mpi.pc is the
  # system's MPI alternative (Open MPI here): without an MPICH mpi.pc first
  # in PKG_CONFIG_PATH, teann would link libmpi.so.40 next to libmpich.
  sed 's/^Name:.*/Name: mpi/' "$ARCHLIB/pkgconfig/mpich.pc" > "$PREFIX/lib/pkgconfig/mpi.pc"
  pkg-config --libs scalapack-mpich
  ! pkg-config --libs scalapack-mpich | grep -q openmpi
  [ -x "$SRC/configure" ] || (cd "$SRC" && autoreconf -fi)
  mkdir -p "$BUILD"; cd "$BUILD"
  # A redone configure may change only link flags, which make does not see.
  [ ! -f Makefile ] || make clean
  "$SRC/configure" MPICC="$MPICC" MPIEXEC="$MPIEXEC" CFLAGS='-O2 -g' \
    LDFLAGS="-Wl,-rpath,$PREFIX/lib"
  $NICE make -j"$JOBS"
  # One MPI only in what was linked.
  ldd src/.libs/libteann.so .libs/teann-train | grep -E 'mpi|petsc|netcdf|scalapack'
  ! ldd src/.libs/libteann.so .libs/teann-train | grep -q -E 'libmpi\.so\.40|open-pal'
}
do_check() {
  teann_env
  cd "$BUILD"
  rm -f "$PREFIX/check-summary.txt"
  $NICE make -j"$JOBS" || { echo "teann does not build (see $LOG)" > "$PREFIX/check-summary.txt"; return 1; }
  local rc=0
  # Not niced: MPICH ranks busy-wait, and at nice 19 on a loaded machine a
  # waiting rank holds the core its partner needs (tests time out).
  make check MPIEXEC="$MPIEXEC" || rc=$?
  grep -E '^# (TOTAL|PASS|SKIP|XFAIL|FAIL|XPASS|ERROR):' test-suite.log > "$PREFIX/check-summary.txt" || true
  grep -E '^(FAIL|ERROR):' test-suite.log >> "$PREFIX/check-summary.txt" || true
  return $rc
}

touch "$TIMES"
say "mpich-stack: prefix $PREFIX, teann $SRC, build $BUILD, log $LOG"
step packages do_packages
step sources do_sources
step petsc do_petsc
step netcdf do_netcdf
step teann do_teann
if [ $CHECK = 1 ]; then
  say "[check] make check in $BUILD with $MPIEXEC ..."
  t0=$(date +%s); rc=0
  do_check >> "$LOG" 2>&1 &
  wait $! || rc=$?
  t1=$(date +%s)
  echo "check $((t1 - t0))" >> "$TIMES"
  say "[check] $((t1 - t0)) s, exit $rc"
  cat "$PREFIX/check-summary.txt" 2>/dev/null || true
  exit $rc
fi
