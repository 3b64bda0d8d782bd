/* One process (a build without MPI): every collective operation is the identity. */
#include <stdio.h>
#include <stdlib.h>

#include "dist.h"

/* The processes an MPI launcher says it started (OpenMPI, MPICH), 1 if none. */
static long launched_processes(void)
{
    const char *names[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *v = getenv(names[i]);
        if (v && atol(v) > 1) return atol(v);
    }
    return 1;
}

int dist_init(void)
{
    long n = launched_processes();
    if (n > 1) { /* N independent runs would each write the same files */
        fprintf(stderr,
                "morphvae train: started as one of %ld processes by an MPI launcher, but this "
                "build has no MPI; rebuild with libopenmpi-dev installed (meson -Dmpi=enabled) "
                "or run one process without mpirun\n",
                n);
        return -1;
    }
    return 0;
}

void dist_finish(void) {}
int dist_rank(void) { return 0; }
int dist_size(void) { return 1; }
const char *dist_describe(void) { return "1 process"; }
void dist_sum_real(real *x, size_t n) { (void)x, (void)n; }
void dist_sum_double(double *x, size_t n) { (void)x, (void)n; }
unsigned dist_any(unsigned flags) { return flags; }
int dist_same(uint64_t value) { return (void)value, 1; }
void dist_broadcast(void *p, size_t n) { (void)p, (void)n; }
int dist_fail(int status) { return status; }
