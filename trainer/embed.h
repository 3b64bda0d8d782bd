/* Two-dimensional maps of latent vectors for `morphvae plot latent`: exact
 * t-SNE (van der Maaten and Hinton 2008) and PCA, both plain C and
 * deterministic (t-SNE for a seed), and a measure of how well a map keeps
 * labelled groups apart.
 *
 * Exact t-SNE rather than Barnes-Hut: the map shows a few thousand windows,
 * where the exact O(n^2) gradient takes seconds (README, "Performance") and
 * needs no quadtree, no approximation parameter and no neighbour search;
 * Barnes-Hut pays off from tens of thousands of points, which a 2-D picture
 * of dots cannot show anyway. */
#ifndef MV_EMBED_H
#define MV_EMBED_H

#include <stdint.h>

#define TSNE_MAX_POINTS 8000 /* the affinities take n^2 floats: 256 MB at this size */

typedef struct tsne_options {
    double perplexity; /* effective neighbours of each point (default 30) */
    int iterations;    /* gradient steps (default 1000, the first 250 exaggerated) */
    uint64_t seed;     /* of the random start */
} tsne_options;

tsne_options tsne_defaults(void);

/* Maps n points x [n, dim] to map [n, 2] by t-SNE. The first n_data are the
 * data; the rest are probes (anchors, a morph path, prior samples), each
 * placed among its nearest data points without attracting another probe or
 * being a data point's neighbour: a morph path's points, close to each other,
 * would otherwise clump into a cluster of their own. Returns 0, or -1 when
 * n_data < 2, n > TSNE_MAX_POINTS or memory runs out. */
int embed_tsne(const float *x, int n, int n_data, int dim, const tsne_options *o, float *map);

/* map [n, 2]: the coordinates of x [n, dim] on the first two principal
 * components of its first n_data points (each axis's sign fixed so that its
 * largest loading is positive). Returns 0, or -1 when memory runs out. */
int embed_pca(const float *x, int n, int n_data, int dim, float *map);

/* The share of points whose nearest other point (Euclidean, in points [n,
 * dim]) has the same label: near 1 when the groups lie apart, near the
 * chance level sum of (group share)^2 when they are mixed. */
double embed_neighbour_agreement(const float *points, int n, int dim, const int *labels);

/* The Euclidean distance from q [dim] to the nearest of points [n, dim] other
 * than points + skip * dim (skip -1: none). */
double embed_nearest_distance(const float *points, int n, int dim, const float *q, int skip);

#endif
