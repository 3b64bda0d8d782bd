/* Timing for the benchmarks, one copy: a monotonic clock in seconds,
 * milliseconds or nanoseconds, and the median of a set of samples. */
#ifndef MV_BENCH_TIME_H
#define MV_BENCH_TIME_H

#include <stdlib.h>
#include <time.h>

static inline double bench_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static inline double bench_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static inline double bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorts x[0, n) ascending. */
static inline void bench_sort(double *x, int n)
{
    if (n > 0) qsort(x, (size_t)n, sizeof *x, bench_cmp_double);
}

/* The median of x[0, n) (n > 0), sorting x. */
static inline double bench_median(double *x, int n)
{
    bench_sort(x, n);
    return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

#endif
