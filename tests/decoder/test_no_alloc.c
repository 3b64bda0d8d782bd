/* After decoder_create, decoding and encoding make no heap allocation at all,
 * nor does latent refinement after refine_create:
 * this binary replaces malloc and friends with counting versions (forwarding to
 * glibc's __libc_* entry points) and decodes with the counter armed.
 * Not built with ASan, which owns these symbols (see meson.build). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "decoder.h"
#include "refine.h"
#include "test_model.h"

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);
void *memalign(size_t align, size_t n); /* obsolete, so not in stdlib.h */

static volatile int counting;
static volatile long allocations;

static void note(void)
{
    if (counting) allocations++;
}

/* exported so that every caller in the process, the core library included,
 * resolves to these */
__attribute__((visibility("default"))) void *malloc(size_t n)
{
    note();
    return __libc_malloc(n);
}
__attribute__((visibility("default"))) void *calloc(size_t n, size_t size)
{
    note();
    return __libc_calloc(n, size);
}
__attribute__((visibility("default"))) void *realloc(void *p, size_t n)
{
    note();
    return __libc_realloc(p, n);
}
__attribute__((visibility("default"))) void free(void *p)
{
    note();
    __libc_free(p);
}
__attribute__((visibility("default"))) void *aligned_alloc(size_t align, size_t n)
{
    note();
    return __libc_memalign(align, n);
}
__attribute__((visibility("default"))) void *memalign(size_t align, size_t n)
{
    note();
    return __libc_memalign(align, n);
}
__attribute__((visibility("default"))) int posix_memalign(void **out, size_t align, size_t n)
{
    note();
    void *p = __libc_memalign(align, n);
    if (!p) return 12; /* ENOMEM */
    *out = p;
    return 0;
}

/* The counter must see allocations, or a zero below would prove nothing. */
static void test_counter_counts(void)
{
    void *(*volatile alloc)(size_t) = malloc;
    counting = 1;
    long before = allocations;
    void *p = alloc(100);
    free(p);
    counting = 0;
    CHECK(allocations - before == 2);
}

static void test_decoding_allocates_nothing(const mv_hparams *hp)
{
    test_model tm;
    CHECK(test_model_make(&tm, hp, 17) == 0);
    const int max_batch = 8, Z = (int)hp->z_size, T = (int)hparams_seq_len(hp);
    const int S = (int)hp->steps_per_bar;
    mv_decoder *d = decoder_create(&tm.model, max_batch);
    CHECK(d != NULL);
    float *z = malloc((size_t)max_batch * Z * sizeof *z);
    float *mu = malloc((size_t)max_batch * Z * sizeof *mu), *sigma = malloc((size_t)max_batch * Z * sizeof *sigma);
    int32_t *tokens = malloc((size_t)max_batch * T * sizeof *tokens);
    float *logits = malloc((size_t)max_batch * T * hp->n_classes * sizeof *logits);
    int32_t prev[8], bar_tokens[8 * 256];
    mv_rng rng, rngs[8];
    rng_seed(&rng, 3);
    random_z(&rng, z, max_batch * Z);
    for (int i = 0; i < max_batch; i++) rng_seed(&rngs[i], (uint64_t)i);
    uint8_t *chords = malloc((size_t)max_batch * T);
    for (int i = 0; i < max_batch * T; i++) chords[i] = (uint8_t)(i % 181);

    counting = 1;
    allocations = 0;
    for (int i = 0; i < 1000; i++) {
        const int batch = 1 + i % max_batch;
        const float temperature = (i % 3) * 0.5f; /* greedy, 0.5, 1.0 */
        decoder_set_chords(d, i % 2 ? chords : NULL, batch); /* a chord model's input */
        decoder_decode(d, z, batch, temperature, temperature > 0 ? rngs : NULL,
                       window_tokens(tokens));
        decoder_encode(d, window_tokens(tokens), batch, mu, sigma);
        decoder_conduct(d, z, batch);
        for (int b = 0; b < batch; b++) prev[b] = tokens[b * T + S - 1];
        decoder_decode_bar(d, batch, (int)hp->n_bars - 1, window_tokens(prev), temperature, rngs,
                           window_tokens(bar_tokens));
        if (i % 50 == 0) decoder_logits(d, z, window_tokens(tokens), batch, logits);
    }
    counting = 0;
    CHECK_MSG(allocations == 0, "%ld allocations while decoding", allocations);

    free(z), free(mu), free(sigma), free(tokens), free(logits), free(chords);
    decoder_free(d);
    test_model_free(&tm);
}

/* Piano-roll decoding, per-bar decoding, logits and encoding, likewise. */
static void test_roll_decoding_allocates_nothing(void)
{
    mv_hparams hp;
    hparams_preset("roll_2bar", &hp);
    hp.z_size = 8, hp.enc_size = 12, hp.cond_size = 10, hp.dec_size = 14;
    test_model tm;
    CHECK(test_model_make(&tm, &hp, 19) == 0);
    const int max_batch = 4, Z = (int)hp.z_size, T = (int)hparams_seq_len(&hp);
    const int K = (int)hp.n_classes, S = (int)hp.steps_per_bar;
    mv_decoder *d = decoder_create(&tm.model, max_batch);
    CHECK(d != NULL);
    float *z = malloc((size_t)max_batch * Z * sizeof *z);
    float *mu = malloc((size_t)max_batch * Z * sizeof *mu), *sigma = malloc((size_t)max_batch * Z * sizeof *sigma);
    uint8_t *roll = malloc((size_t)max_batch * T * K), *bar = malloc((size_t)max_batch * S * K);
    float *logits = malloc((size_t)max_batch * T * K * sizeof *logits);
    mv_rng rng, rngs[4];
    rng_seed(&rng, 5);
    random_z(&rng, z, max_batch * Z);
    for (int i = 0; i < max_batch; i++) rng_seed(&rngs[i], (uint64_t)i);
    counting = 1;
    allocations = 0;
    for (int i = 0; i < 200; i++) {
        const int batch = 1 + i % max_batch;
        const float temperature = (i % 2) * 0.8f;
        decoder_decode(d, z, batch, temperature, temperature > 0 ? rngs : NULL, window_roll(roll));
        decoder_encode(d, window_roll(roll), batch, mu, sigma);
        decoder_conduct(d, z, batch);
        decoder_decode_bar(d, batch, 1, window_roll(roll + (size_t)(S - 1) * K), temperature, rngs,
                           window_roll(bar));
        if (i % 20 == 0) decoder_logits(d, z, window_roll(roll), batch, logits);
    }
    counting = 0;
    CHECK_MSG(allocations == 0, "%ld allocations while decoding piano rolls", allocations);
    free(z), free(mu), free(sigma), free(roll), free(bar), free(logits);
    decoder_free(d);
    test_model_free(&tm);
}

/* Refinement runs in the plugin's worker: every path (early stop, keeping the
 * start, running out of steps, refused input) without an allocation. */
static void test_refinement_allocates_nothing(const mv_hparams *hp)
{
    test_model tm;
    CHECK(test_model_make(&tm, hp, 23) == 0);
    const int Z = (int)hp->z_size, T = (int)hparams_seq_len(hp);
    mv_decoder *d = decoder_create(&tm.model, 1);
    mv_refine *r = refine_create(d);
    CHECK(r != NULL && d != NULL);
    float *z = malloc((size_t)Z * sizeof *z), *start = malloc((size_t)Z * sizeof *start);
    float *mu = malloc((size_t)Z * sizeof *mu), *grad = malloc((size_t)Z * sizeof *grad);
    int32_t *window = malloc((size_t)T * sizeof *window);
    mv_rng rng;
    rng_seed(&rng, 4);
    mv_refine_options o = refine_defaults();
    mv_refine_report rep;
    long reproduced = 0, refused = 0;

    counting = 1;
    allocations = 0;
    for (int i = 0; i < 40; i++) {
        random_z(&rng, start, Z);
        if (i % 4 == 0)
            decoder_decode(d, start, 1, 0, NULL, window_tokens(window)); /* nothing to do */
        else
            random_tokens(&rng, window, T, (int)hp->n_classes);
        if (i % 10 == 9) window[0] = -1;
        o.steps = i % 3 ? 20 : 0;
        refused += refine_window(r, window_tokens(window), &o, z, mu, &rep) != 0;
        if (window[0] < 0) continue;
        reproduced += rep.reproduced;
        refine_latent(r, window_tokens(window), start, &o, start, &rep);
        refine_objective(r, window_tokens(window), z, o.prior_weight, grad);
    }
    counting = 0;
    CHECK_MSG(allocations == 0, "%ld allocations while refining", allocations);
    CHECK(reproduced > 0 && refused == 4);

    free(z), free(start), free(mu), free(grad), free(window);
    refine_free(r);
    decoder_free(d);
    test_model_free(&tm);
}

/* Groove decoding under hit rules (decoder_set_groove_rules), likewise. */
static void test_groove_rules_allocate_nothing(void)
{
    mv_hparams hp;
    hparams_preset("groove_2bar", &hp);
    hp.z_size = 8, hp.enc_size = 12, hp.cond_size = 10, hp.dec_size = 14;
    test_model tm;
    CHECK(test_model_make(&tm, &hp, 21) == 0);
    const int max_batch = 4, Z = (int)hp.z_size, T = (int)hparams_seq_len(&hp);
    const int K = (int)hp.n_classes;
    mv_decoder *d = decoder_create(&tm.model, max_batch);
    CHECK(d != NULL);
    float *z = malloc((size_t)max_batch * Z * sizeof *z);
    uint8_t *w = malloc((size_t)max_batch * T * K);
    mv_groove_rule *rules = malloc((size_t)max_batch * T * sizeof *rules);
    mv_rng rng, rngs[4];
    rng_seed(&rng, 6);
    random_z(&rng, z, max_batch * Z);
    for (int i = 0; i < max_batch; i++) rng_seed(&rngs[i], (uint64_t)i);
    for (int i = 0; i < max_batch * T; i++)
        rules[i] = (mv_groove_rule){(uint16_t)(i % 3 ? 0x1FF : 0), (uint16_t)(i % 5), 1};
    counting = 1;
    allocations = 0;
    for (int i = 0; i < 100; i++) {
        const int batch = 1 + i % max_batch;
        const float temperature = (i % 2) * 0.8f;
        decoder_set_groove_rules(d, i % 3 ? rules : NULL, batch);
        decoder_decode(d, z, batch, temperature, temperature > 0 ? rngs : NULL, window_groove(w));
    }
    counting = 0;
    CHECK_MSG(allocations == 0, "%ld allocations while decoding under groove rules", allocations);
    free(z), free(w), free(rules);
    decoder_free(d);
    test_model_free(&tm);
}

int main(void)
{
    test_roll_decoding_allocates_nothing();
    test_groove_rules_allocate_nothing();
    test_counter_counts();
    mv_hparams hp;
    hparams_preset("tiny", &hp);
    test_decoding_allocates_nothing(&hp);
    test_refinement_allocates_nothing(&hp);
    hp = test_hparams_odd();
    test_decoding_allocates_nothing(&hp);
    test_refinement_allocates_nothing(&hp);
    hp.chords = MV_CHORDS_V1;
    test_decoding_allocates_nothing(&hp);
    test_refinement_allocates_nothing(&hp);
    return check_report();
}
