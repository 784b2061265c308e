#!/bin/sh
# Test launcher (automake SH_LOG_COMPILER): a fixed, reproducible environment
# for every test, then the test script itself.
OMPI_ALLOW_RUN_AS_ROOT=1; OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
OMPI_MCA_rmaps_base_oversubscribe=1      # 3 ranks on 2 cores
OMPI_MCA_btl_vader_single_copy_mechanism=none
PRTE_MCA_rmaps_default_mapping_policy=:oversubscribe
OMP_NUM_THREADS=${TEANN_TEST_THREADS:-1}; OPENBLAS_NUM_THREADS=1
export OMPI_ALLOW_RUN_AS_ROOT OMPI_ALLOW_RUN_AS_ROOT_CONFIRM OMPI_MCA_rmaps_base_oversubscribe \
  OMPI_MCA_btl_vader_single_copy_mechanism PRTE_MCA_rmaps_default_mapping_policy OMP_NUM_THREADS OPENBLAS_NUM_THREADS
# the build's own settings (configure): time scale, sanitizer options
if [ -n "${top_builddir:-}" ] && [ -f "$top_builddir/tests/build-env.sh" ]; then . "$top_builddir/tests/build-env.sh"; fi
exec bash "$@"
