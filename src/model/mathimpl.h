/* mathimpl.h — elementary functions for the hot loops of the model core.
 * Contract: TeannExp(x) equals exp(x) to within ~2 ulp for |x| <= 700 (the
 * argument is clamped there), and unlike a libm call it is inline code that
 * the compiler vectorises in the activation and radial loops. */
#ifndef TEANN_MATHIMPL_H
#define TEANN_MATHIMPL_H
#include <petscsys.h>
#include <stdint.h>
#include <string.h>

/* exp(x) = 2^k exp(r), k = round(x/ln 2), r = x - k ln 2 (two-part ln 2 so k ln 2 is exact),
   |r| <= ln2/2 where the degree-12 Taylor polynomial is accurate to 2e-16. */
static inline PetscReal TeannExp(PetscReal x)
{
  const PetscReal shift = 0x1.8p52, ln2hi = 0x1.62e42fee00000p-1, ln2lo = 0x1.a39ef35793c76p-33;
  PetscReal       t, kd, r, p, sc;
  uint64_t        ki; /* unsigned: a NaN argument (a line search's trial step) gives a negative
                         exponent field, whose left shift as a signed value is undefined */

  x  = x < -700 ? -700 : (x > 700 ? 700 : x);
  t  = x * 0x1.71547652b82fep0 + shift; /* k in the low mantissa bits */
  kd = t - shift;
  memcpy(&ki, &t, sizeof(ki));
  ki = (ki - 0x4338000000000000ULL + 1023) << 52; /* 2^k as a double */
  memcpy(&sc, &ki, sizeof(sc));
  r = (x - kd * ln2hi) - kd * ln2lo;
  p = 1.0 / 479001600;
  p = p * r + 1.0 / 39916800;
  p = p * r + 1.0 / 3628800;
  p = p * r + 1.0 / 362880;
  p = p * r + 1.0 / 40320;
  p = p * r + 1.0 / 5040;
  p = p * r + 1.0 / 720;
  p = p * r + 1.0 / 120;
  p = p * r + 1.0 / 24;
  p = p * r + 1.0 / 6;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  return p * sc;
}
#endif
