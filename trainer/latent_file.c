/* Raw float32 latent files. The project only targets little-endian machines
 * (the weights file checks this too), so floats are written as they are. */
#include "latent_file.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "atomic_file.h"
#include "regular_file.h"

int latent_file_write(const char *path, const float *mu, const float *sigma, int z_size,
                      char *err, size_t errlen)
{
    char tmp[4096];
    if (atomic_file_begin(path, tmp, sizeof tmp, err, errlen)) return -1;
    FILE *f = fopen(tmp, "wb");
    int ok = f && fwrite(mu, sizeof *mu, z_size, f) == (size_t)z_size &&
             (!sigma || fwrite(sigma, sizeof *sigma, z_size, f) == (size_t)z_size);
    if (f && fclose(f)) ok = 0;
    if (!ok) {
        snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
        atomic_file_abort(tmp);
        return -1;
    }
    return atomic_file_commit(tmp, path, err, errlen);
}

int latent_file_read(const char *path, float *z, int z_size, char *err, size_t errlen)
{
    FILE *f = regular_file_fopen(path, err, errlen);
    if (!f) return -1;
    long size = -1;
    if (!fseek(f, 0, SEEK_END)) size = ftell(f);
    long z_bytes = (long)sizeof *z * z_size;
    int rc = -1;
    if (size != z_bytes && size != 2 * z_bytes)
        snprintf(err, errlen, "%s: %ld bytes, but a latent file of this model holds %ld (z) or "
                 "%ld (mu and sigma) bytes", path, size, z_bytes, 2 * z_bytes);
    else if (fseek(f, 0, SEEK_SET) || fread(z, sizeof *z, z_size, f) != (size_t)z_size)
        snprintf(err, errlen, "%s: cannot read %d floats", path, z_size);
    else
        rc = 0;
    fclose(f);
    for (int i = 0; !rc && i < z_size; i++)
        if (!isfinite(z[i])) {
            snprintf(err, errlen, "%s: value %d is not a finite number", path, i);
            rc = -1;
        }
    return rc;
}
