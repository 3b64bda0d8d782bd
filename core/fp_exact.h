/* Included first by a file whose floating point must give the same bits on
 * every machine (the refiner, the representations' losses): no implicit
 * contraction of a * b + c into a fused multiply-add, which a compiler makes
 * or not as the ISA allows. Every fused multiply-add is an explicit fmaf. */
#ifndef MV_FP_EXACT_H
#define MV_FP_EXACT_H

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")
#else
#pragma STDC FP_CONTRACT OFF
#endif

#endif
