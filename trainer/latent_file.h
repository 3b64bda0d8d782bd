/* Latent vector files (z.bin) of `morphvae encode -o` and `morphvae decode`: raw
 * little-endian float32, either z [Z] alone or mu [Z] followed by sigma [Z]
 * (numpy: np.fromfile(path, '<f4')). */
#ifndef MV_LATENT_FILE_H
#define MV_LATENT_FILE_H

#include <stddef.h>

/* Writes mu and, when sigma is not NULL, sigma; atomically. 0 or -1 with err. */
int latent_file_write(const char *path, const float *mu, const float *sigma, int z_size,
                      char *err, size_t errlen);
/* Reads z (the mu part of a mu+sigma file) of z_size floats; 0 or -1 with err
 * naming the file and what its size says. */
int latent_file_read(const char *path, float *z, int z_size, char *err, size_t errlen);

#endif
