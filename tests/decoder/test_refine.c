/* Latent refinement (core/refine.h) on small random models: the objective is
 * the cross-entropy of core's own teacher-forced logits, its gradient with
 * respect to z matches finite differences, and the optimiser finds a z that
 * reproduces a window, keeps the start when told to or when it cannot do
 * better, refuses bad input and gives the same bits twice. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "decoder.h"
#include "refine.h"
#include "test_model.h"

/* Summed CE of tokens under decoder_logits (double), the decoder's meaning. */
static double decoder_ce(mv_decoder *d, const mv_hparams *hp, const float *z,
                         const int32_t *tokens)
{
    const int T = (int)hparams_seq_len(hp), K = (int)hp->n_classes;
    float *logits = malloc(sizeof(float) * T * K);
    decoder_logits(d, z, tokens, 1, logits);
    double ce = 0;
    for (int t = 0; t < T; t++) {
        const float *x = logits + (size_t)t * K;
        double top = x[0], sum = 0;
        for (int k = 1; k < K; k++) top = fmax(top, x[k]);
        for (int k = 0; k < K; k++) sum += exp(x[k] - top);
        ce += log(sum) + top - x[tokens[t]];
    }
    free(logits);
    return ce;
}

static double dot(const float *a, const float *b, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++) s += (double)a[i] * b[i];
    return s;
}

/* Every matrix times `factor`: at the init's scale z barely moves the logits
 * (gradients ~1e-3, as small as the float rounding of the objective); larger
 * weights give gradients ~1 that finite differences can resolve. */
static void scale_matrices(test_model *tm, float factor)
{
    for (int i = 0; i < tm->n_tensors; i++) {
        mv_tensor *t = &tm->tensors[i];
        if (t->ndim != 2) continue;
        float *data = (float *)t->data;
        for (uint64_t j = 0; j < t->dims[0] * t->dims[1]; j++) data[j] *= factor;
    }
}

/* The gradient along random directions and along the largest components
 * against central differences. The objective is computed in float (sums in
 * double), so its rounding noise is ~1e-6; a step of 1e-2 keeps that noise
 * over the step (~1e-4 of a gradient ~1) and the curvature error (h^2 f''' / 6)
 * both under the tolerance. */
static void test_gradient(const mv_hparams *hp, const char *what, uint64_t seed)
{
    test_model tm;
    CHECK(test_model_make(&tm, hp, seed) == 0);
    scale_matrices(&tm, 3.0f);
    const int Z = (int)hp->z_size, T = (int)hparams_seq_len(hp);
    mv_refine *r = refine_create(&tm.model);
    mv_decoder *d = decoder_create(&tm.model, 1);
    CHECK(r != NULL && d != NULL);
    mv_rng rng;
    rng_seed(&rng, seed + 1);
    float *z = malloc(sizeof(float) * Z), *grad = malloc(sizeof(float) * Z);
    float *v = malloc(sizeof(float) * Z), *zp = malloc(sizeof(float) * Z);
    int32_t *tokens = malloc(sizeof(int32_t) * T);
    random_z(&rng, z, Z);
    random_tokens(&rng, tokens, T, (int)hp->n_classes);
    const float lambda = 0.01f;

    /* the objective is core's cross-entropy plus the prior */
    const double obj = refine_objective(r, tokens, z, lambda, grad);
    const double ce = decoder_ce(d, hp, z, tokens);
    CHECK_MSG(fabs(obj - lambda * dot(z, z, Z) - ce) < 1e-4 * fmax(1, ce),
              "%s: objective %.9g, decoder CE %.9g + prior %.9g", what, obj, ce,
              lambda * dot(z, z, Z));

    const double h = 1e-2;
    double worst = 0;
    for (int trial = 0; trial < 6; trial++) {
        random_z(&rng, v, Z);
        const double norm = sqrt(dot(v, v, Z));
        for (int i = 0; i < Z; i++) v[i] = (float)(v[i] / norm);
        for (int i = 0; i < Z; i++) zp[i] = (float)(z[i] + h * v[i]);
        const double up = refine_objective(r, tokens, zp, lambda, NULL);
        for (int i = 0; i < Z; i++) zp[i] = (float)(z[i] - h * v[i]);
        const double down = refine_objective(r, tokens, zp, lambda, NULL);
        const double numeric = (up - down) / (2 * h), analytic = dot(grad, v, Z);
        const double err = fabs(numeric - analytic) / fmax(0.1, fabs(numeric));
        worst = fmax(worst, err);
        CHECK_MSG(err < 5e-3, "%s: direction %d: finite differences %.7g, gradient %.7g", what,
                  trial, numeric, analytic);
    }
    /* the three largest components one by one */
    for (int pick = 0; pick < 3; pick++) {
        int best = 0;
        for (int i = 1; i < Z; i++)
            if (fabsf(grad[i]) > fabsf(grad[best])) best = i;
        memcpy(zp, z, sizeof(float) * Z);
        zp[best] = (float)(z[best] + h);
        const double up = refine_objective(r, tokens, zp, lambda, NULL);
        zp[best] = (float)(z[best] - h);
        const double down = refine_objective(r, tokens, zp, lambda, NULL);
        /* the step actually taken, in float */
        const double numeric = (up - down) / ((double)(float)(z[best] + h) - (float)(z[best] - h));
        const double err = fabs(numeric - grad[best]) / fmax(0.1, fabs(numeric));
        worst = fmax(worst, err);
        CHECK_MSG(err < 5e-3, "%s: dz[%d]: finite differences %.7g, gradient %.7g", what, best,
                  numeric, grad[best]);
        grad[best] = 0; /* next largest */
    }
    printf("%s: objective %.4f, worst relative gradient error %.1e\n", what, obj, worst);
    free(z), free(grad), free(v), free(zp), free(tokens);
    decoder_free(d);
    refine_free(r);
    test_model_free(&tm);
}

static int same_tokens(const int32_t *a, const int32_t *b, int n)
{
    return !memcmp(a, b, sizeof(int32_t) * (size_t)n);
}

/* A window the model can produce (greedy decoding of a target z) is found
 * again from a start a unit-variance step away from the target (as mu is an
 * imperfect guess); the result decodes to it and the run stops as soon as it
 * does. */
static void test_reproduces(const mv_hparams *hp, const char *what, uint64_t seed)
{
    test_model tm;
    CHECK(test_model_make(&tm, hp, seed) == 0);
    const int Z = (int)hp->z_size, T = (int)hparams_seq_len(hp);
    mv_refine *r = refine_create(&tm.model);
    mv_decoder *d = decoder_create(&tm.model, 1);
    mv_rng rng;
    rng_seed(&rng, seed + 2);
    float *target = malloc(sizeof(float) * Z), *start = malloc(sizeof(float) * Z);
    float *z = malloc(sizeof(float) * Z);
    int32_t *window = malloc(sizeof(int32_t) * T), *got = malloc(sizeof(int32_t) * T);
    int reproduced = 0, tries = 0;
    for (int trial = 0; trial < 8; trial++) {
        random_z(&rng, target, Z);
        decoder_decode(d, target, 1, 0, NULL, window);
        random_z(&rng, start, Z);
        for (int i = 0; i < Z; i++) start[i] += target[i];
        decoder_decode(d, start, 1, 0, NULL, got);
        if (same_tokens(window, got, T)) continue; /* nothing to find */
        tries++;
        mv_refine_options o = {300, 0.1f, 1e-3f};
        mv_refine_report rep;
        CHECK(refine_latent(r, window, start, &o, z, &rep) == 0);
        decoder_decode(d, z, 1, 0, NULL, got);
        int correct = 0;
        for (int t = 0; t < T; t++) correct += got[t] == window[t];
        CHECK_MSG(correct == rep.correct, "%s: report says %d tokens right, decoding %d", what,
                  rep.correct, correct);
        CHECK(rep.correct >= rep.correct_start);
        CHECK(rep.reproduced == (correct == T));
        if (rep.reproduced) {
            reproduced++;
            CHECK(!rep.kept_start);
            CHECK(rep.steps < o.steps); /* it stopped early */
            CHECK(rep.objective < rep.objective_start);
        }
        printf("%s: window %d: %d -> %d of %d tokens in %d steps%s\n", what, trial,
               rep.correct_start, rep.correct, T, rep.steps, rep.reproduced ? ", reproduced" : "");
    }
    CHECK_MSG(tries >= 4 && reproduced * 2 >= tries, "%s: reproduced %d of %d windows", what,
              reproduced, tries);
    free(target), free(start), free(z), free(window), free(got);
    decoder_free(d);
    refine_free(r);
    test_model_free(&tm);
}

/* Zero steps, a start that already decodes right, bad tokens and options,
 * aliasing of start and z, and determinism. */
static void test_contract(void)
{
    mv_hparams hp;
    hparams_preset("tiny", &hp);
    test_model tm;
    CHECK(test_model_make(&tm, &hp, 5) == 0);
    const int Z = (int)hp.z_size, T = (int)hparams_seq_len(&hp);
    mv_refine *r = refine_create(&tm.model);
    mv_decoder *d = decoder_create(&tm.model, 1);
    mv_rng rng;
    rng_seed(&rng, 6);
    float *start = malloc(sizeof(float) * Z), *z = malloc(sizeof(float) * Z);
    float *z2 = malloc(sizeof(float) * Z);
    int32_t *window = malloc(sizeof(int32_t) * T);
    random_z(&rng, start, Z);
    random_tokens(&rng, window, T, (int)hp.n_classes);
    mv_refine_options o = refine_defaults();
    mv_refine_report rep;

    o.steps = 0;
    CHECK(refine_latent(r, window, start, &o, z, &rep) == 0);
    CHECK(rep.kept_start && rep.steps == 0 && !memcmp(z, start, sizeof(float) * Z));

    /* already reproduced: nothing to do */
    o = refine_defaults();
    decoder_decode(d, start, 1, 0, NULL, window);
    CHECK(refine_latent(r, window, start, &o, z, &rep) == 0);
    CHECK(rep.reproduced && rep.kept_start && rep.steps == 0 && rep.correct == T);
    CHECK(!memcmp(z, start, sizeof(float) * Z));

    /* out of range tokens and options: refused, z untouched */
    random_tokens(&rng, window, T, (int)hp.n_classes);
    memset(z, 0, sizeof(float) * Z);
    window[T - 1] = (int32_t)hp.n_classes;
    CHECK(refine_latent(r, window, start, &o, z, &rep) == -1);
    window[T - 1] = -1;
    CHECK(refine_window(r, window, &o, z, NULL, &rep) == -1);
    window[T - 1] = 0;
    mv_refine_options bad[] = {{-1, 0.05f, 0}, {MV_REFINE_MAX_STEPS + 1, 0.05f, 0},
                               {10, 0, 0}, {10, NAN, 0}, {10, 0.05f, -1}, {10, 0.05f, INFINITY}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(refine_latent(r, window, start, &bad[i], z, &rep) == -1);
    for (int i = 0; i < Z; i++) CHECK(z[i] == 0);

    /* in place, and the same bits as out of place; never worse than the start */
    o.steps = 30;
    mv_refine_report rep2;
    CHECK(refine_latent(r, window, start, &o, z, &rep) == 0);
    memcpy(z2, start, sizeof(float) * Z);
    CHECK(refine_latent(r, window, z2, &o, z2, &rep2) == 0);
    CHECK(!memcmp(z, z2, sizeof(float) * Z));
    CHECK(rep.correct == rep2.correct && rep.steps == rep2.steps);
    CHECK(rep.correct >= rep.correct_start);
    CHECK(rep.kept_start || rep.objective < rep.objective_start);

    /* refine_window starts from the encoder's mu */
    float *mu = malloc(sizeof(float) * Z), *sigma = malloc(sizeof(float) * Z);
    decoder_encode(d, window, 1, mu, sigma);
    CHECK(refine_window(r, window, &o, z, z2, &rep) == 0);
    CHECK(!memcmp(z2, mu, sizeof(float) * Z));
    CHECK(refine_latent(r, window, mu, &o, mu, &rep2) == 0);
    CHECK(!memcmp(z, mu, sizeof(float) * Z));

    free(mu), free(sigma), free(start), free(z), free(z2), free(window);
    decoder_free(d);
    refine_free(r);
    test_model_free(&tm);
}

int main(void)
{
    mv_hparams tiny;
    hparams_preset("tiny", &tiny);
    test_gradient(&tiny, "tiny", 1);
    mv_hparams odd = test_hparams_odd();
    test_gradient(&odd, "odd sizes, 2 conductor and decoder layers", 2);
    mv_hparams drums = {MV_REPR_DRUMS, 512, 0, 2, 8, 12, 10, 1, 14, 1, 20, 2};
    test_gradient(&drums, "drums", 3);
    test_reproduces(&tiny, "tiny", 4);
    test_reproduces(&drums, "drums", 5);
    test_contract();
    mv_hparams roll = tiny;
    roll.repr = MV_REPR_ROLL;
    test_model tm;
    CHECK(test_model_make(&tm, &roll, 1) == 0);
    CHECK(refine_create(&tm.model) == NULL);
    test_model_free(&tm);
    return check_report();
}
