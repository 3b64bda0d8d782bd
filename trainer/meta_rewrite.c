#include "meta_rewrite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int meta_rewrite(const char *path, const mv_weights *w, const char *drop_prefix,
                 const mv_meta *add, size_t n_add, char *err, size_t errlen)
{
    size_t n_tensors = weights_tensor_count(w), n_old = weights_meta_count(w);
    mv_tensor *tensors = malloc(sizeof *tensors * n_tensors);
    mv_meta *meta = malloc(sizeof *meta * (n_old + n_add + 1));
    if (!tensors || !meta) {
        free(tensors);
        free(meta);
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    for (size_t i = 0; i < n_tensors; i++) tensors[i] = *weights_tensor_at(w, i);
    size_t n = 0, prefix_len = strlen(drop_prefix);
    for (size_t i = 0; i < n_old; i++)
        if (strncmp(weights_meta_at(w, i)->key, drop_prefix, prefix_len))
            meta[n++] = *weights_meta_at(w, i);
    for (size_t i = 0; i < n_add; i++) meta[n++] = add[i];
    int rc = weights_write(path, weights_hparams(w), tensors, n_tensors, meta, n, err, errlen);
    free(tensors);
    free(meta);
    return rc ? -1 : 0;
}
