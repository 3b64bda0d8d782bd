/* test_kernel_bounds y|x|packed: under AddressSanitizer the matrix product is
 * not instrumented load by load (core/kernels.c checks the regions it will touch
 * once per call instead). This program hands matmul_packed_acc one buffer a
 * float too short (the one named) and must die with ASan's report; the build
 * registers it as a test that should fail. With "ok", every buffer is exact and
 * it must succeed, so the failing runs fail for the short buffer alone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_kernel_bounds y|x|packed|ok\n");
        return 2;
    }
    const int batch = 5, n_in = 7, n_out = 40; /* a group of four and a row left over */
    const char *shortened = argv[1];
    size_t ny = (size_t)batch * n_out - !strcmp(shortened, "y");
    size_t nx = (size_t)batch * n_in - !strcmp(shortened, "x");
    size_t np = packed_floats(n_in, n_out) - !strcmp(shortened, "packed");
    float *y = calloc(ny, sizeof *y), *x = calloc(nx, sizeof *x), *w = calloc(np, sizeof *w);
    if (!y || !x || !w) return 2;
    matmul_packed_acc(y, n_out, x, n_in, w, batch, n_in, n_out);
    printf("matmul_packed_acc with y %zu, x %zu, packed %zu floats: no report\n", ny, nx, np);
    free(y);
    free(x);
    free(w);
    return 0;
}
