/* The windows a representation's eval report reads (eval_split.h). */
#include "eval_split.h"

#include <stdio.h>

int eval_split_windows(const eval_split_options *o, const mv_corpus *c, uint64_t *n,
                       uint64_t *want)
{
    *n = corpus_count(c, o->split);
    *want = o->windows && o->windows < *n ? o->windows : *n;
    if (*n) return 0;
    fprintf(stderr, "morphvae eval: %s: the %s split is empty\n", o->corpus_path, o->split_name);
    return -1;
}
