/* Rewriting a model file's metadata while keeping its tensors: used by
 * `morphvae attributes` and `morphvae anchors`. */
#ifndef MV_META_REWRITE_H
#define MV_META_REWRITE_H

#include <stddef.h>

#include "weights.h"

/* Writes path (atomically, by weights_write) with w's tensors and metadata,
 * less the entries whose key starts with drop_prefix, plus add[0..n_add).
 * Returns 0, or -1 with a message naming the file in err. */
int meta_rewrite(const char *path, const mv_weights *w, const char *drop_prefix,
                 const mv_meta *add, size_t n_add, char *err, size_t errlen);

#endif
