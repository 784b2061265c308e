/* Which BLAS kernels a program runs on, for its header: OpenBLAS built for many CPUs (DYNAMIC_ARCH,
 * as Debian's) chooses them once, when it is loaded, from the CPU or from OPENBLAS_CORETYPE, and
 * the choice matters: on an AVX-512 CPU its AVX2 (Haswell) kernels pack the small operands of the
 * atomic networks that its AVX-512 (SkylakeX, Cooperlake) kernels take as they are, and a fit then
 * takes up to 1.5x as long (bench/periodic.md 1.4). */
#include "config.h"
#include "teann.h"
#include "network.h"
#include <stdio.h>
#include <stdlib.h>

/* OpenBLAS's, if it is the BLAS linked (weak references: NULL otherwise). */
extern char *openblas_get_corename(void) __attribute__((weak));
extern char *openblas_get_config(void) __attribute__((weak));

PetscErrorCode TeannBlasDescribe(char buf[], size_t len)
{
  const char *core = openblas_get_corename ? openblas_get_corename() : NULL, *pin = getenv("OPENBLAS_CORETYPE"), *xsmm = TeannNetLibxsmmTarget();
  char        version[16] = "", small[64] = "";

  PetscFunctionBegin;
  if (xsmm) PetscCall(PetscSNPrintf(small, sizeof(small), "; the networks' products: libxsmm, %s kernels", xsmm));
  if (!core) {
    PetscCall(PetscSNPrintf(buf, len, "%s%s", TEANN_BLAS, small));
    PetscFunctionReturn(0);
  }
  /* "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64": the version */
  if (openblas_get_config) (void)sscanf(openblas_get_config(), "OpenBLAS %15s", version);
  if (pin && pin[0]) PetscCall(PetscSNPrintf(buf, len, "OpenBLAS %s, %s kernels (set by OPENBLAS_CORETYPE=%s)%s", version, core, pin, small));
  else PetscCall(PetscSNPrintf(buf, len, "OpenBLAS %s, %s kernels%s", version, core, small));
  PetscFunctionReturn(0);
}
