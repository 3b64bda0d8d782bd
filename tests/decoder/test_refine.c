/* Latent refinement (core/refine.h) on small random models: the objective is
 * the cross-entropy of core's own teacher-forced logits, its gradient with
 * respect to z matches finite differences, and the optimiser finds a z that
 * reproduces a window, keeps the start when told to or when it cannot do
 * better, refuses bad input and gives the same bits twice. Token models
 * (melody, drums) and piano rolls (sigmoid outputs, multi-hot inputs). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "decoder.h"
#include "refine.h"
#include "test_model.h"

/* A window: tokens [T], or a roll [T][K] (roll models). */
typedef struct window {
    int32_t *tokens;
    uint8_t *roll;
} window;

static window window_alloc(const mv_hparams *hp)
{
    const size_t T = hparams_seq_len(hp);
    window w = {NULL, NULL};
    if (hp->repr == MV_REPR_ROLL) w.roll = calloc(T * hp->n_classes, 1);
    else w.tokens = calloc(T, sizeof(int32_t));
    return w;
}

static void window_free(window *w)
{
    free(w->tokens);
    free(w->roll);
}

/* What a window has to get right: T tokens or T K bits. */
static int targets(const mv_hparams *hp)
{
    return (int)hparams_seq_len(hp) * (hp->repr == MV_REPR_ROLL ? (int)hp->n_classes : 1);
}

/* Random tokens, or random bits (a fifth set). */
static void random_window(mv_rng *rng, const mv_hparams *hp, window *w)
{
    if (!w->roll) {
        random_tokens(rng, w->tokens, (int)hparams_seq_len(hp), (int)hp->n_classes);
        return;
    }
    for (int i = 0; i < targets(hp); i++) w->roll[i] = rng_u32(rng) % 5 == 0;
}

static double objective(mv_refine *r, const window *w, const float *z, float lambda,
                        float *grad)
{
    return w->roll ? refine_objective(r, window_roll(w->roll), z, lambda, grad)
                   : refine_objective(r, window_tokens(w->tokens), z, lambda, grad);
}

static int refine(mv_refine *r, const window *w, const float *start, const mv_refine_options *o,
                  float *z, mv_refine_report *rep)
{
    return w->roll ? refine_latent(r, window_roll(w->roll), start, o, z, rep)
                   : refine_latent(r, window_tokens(w->tokens), start, o, z, rep);
}

/* Greedy decoding of z into w. */
static void decode(mv_decoder *d, const float *z, window *w)
{
    if (w->roll) decoder_decode(d, z, 1, 0, NULL, window_roll(w->roll));
    else decoder_decode(d, z, 1, 0, NULL, window_tokens(w->tokens));
}

static int same_targets(const mv_hparams *hp, const window *a, const window *b)
{
    int same = 0;
    for (int i = 0; i < targets(hp); i++)
        same += a->roll ? a->roll[i] == b->roll[i] : a->tokens[i] == b->tokens[i];
    return same;
}

/* Summed sigmoid CE of a roll's bits under decoder_logits(double). */
static double decoder_ce_roll(mv_decoder *d, const mv_hparams *hp, const float *z,
                              const uint8_t *roll)
{
    const int N = targets(hp);
    float *logits = malloc(sizeof(float) * N);
    decoder_logits(d, z, window_roll(roll), 1, logits);
    double ce = 0;
    for (int i = 0; i < N; i++) ce += log1p(exp(-fabs((double)logits[i]))) +
                                      fmax(logits[i], 0) - (double)logits[i] * roll[i];
    free(logits);
    return ce;
}

/* Summed CE of the window under decoder_logits(double), the decoder's meaning. */
static double decoder_ce(mv_decoder *d, const mv_hparams *hp, const float *z, const window *w)
{
    if (w->roll) return decoder_ce_roll(d, hp, z, w->roll);
    const int32_t *tokens = w->tokens;
    const int T = (int)hparams_seq_len(hp), K = (int)hp->n_classes;
    float *logits = malloc(sizeof(float) * T * K);
    decoder_logits(d, z, window_tokens(tokens), 1, logits);
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
    const int Z = (int)hp->z_size;
    mv_decoder *d = decoder_create(&tm.model, 1);
    mv_refine *r = refine_create(d);
    CHECK(r != NULL && d != NULL);
    mv_rng rng;
    rng_seed(&rng, seed + 1);
    float *z = malloc(sizeof(float) * Z), *grad = malloc(sizeof(float) * Z);
    float *v = malloc(sizeof(float) * Z), *zp = malloc(sizeof(float) * Z);
    window w = window_alloc(hp);
    random_z(&rng, z, Z);
    random_window(&rng, hp, &w);
    const float lambda = 0.01f;

    /* the objective is core's cross-entropy plus the prior */
    const double obj = objective(r, &w, z, lambda, grad);
    const double ce = decoder_ce(d, hp, z, &w);
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
        const double up = objective(r, &w, zp, lambda, NULL);
        for (int i = 0; i < Z; i++) zp[i] = (float)(z[i] - h * v[i]);
        const double down = objective(r, &w, zp, lambda, NULL);
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
        const double up = objective(r, &w, zp, lambda, NULL);
        zp[best] = (float)(z[best] - h);
        const double down = objective(r, &w, zp, lambda, NULL);
        /* the step actually taken, in float */
        const double numeric = (up - down) / ((double)(float)(z[best] + h) - (float)(z[best] - h));
        const double err = fabs(numeric - grad[best]) / fmax(0.1, fabs(numeric));
        worst = fmax(worst, err);
        CHECK_MSG(err < 5e-3, "%s: dz[%d]: finite differences %.7g, gradient %.7g", what, best,
                  numeric, grad[best]);
        grad[best] = 0; /* next largest */
    }
    printf("%s: objective %.4f, worst relative gradient error %.1e\n", what, obj, worst);
    free(z), free(grad), free(v), free(zp);
    window_free(&w);
    refine_free(r);
    decoder_free(d);
    test_model_free(&tm);
}

/* A window the model can produce (greedy decoding of a target z) is found
 * again from a start a unit-variance step away from the target (as mu is an
 * imperfect guess); the result decodes to it and the run stops as soon as it
 * does. A random roll model is unsure of every bit (its greedy rolls are
 * chaotic): there the result must decode closer to the window, the reproduced
 * windows are for the trained model (decoder_refine_real). */
static void test_reproduces(const mv_hparams *hp, const char *what, uint64_t seed)
{
    test_model tm;
    CHECK(test_model_make(&tm, hp, seed) == 0);
    /* a roll model at the init's scale puts every logit near 0 whatever z */
    if (hp->repr == MV_REPR_ROLL) scale_matrices(&tm, 3.0f);
    const int Z = (int)hp->z_size, T = targets(hp);
    mv_decoder *d = decoder_create(&tm.model, 1);
    mv_refine *r = refine_create(d);
    mv_rng rng;
    rng_seed(&rng, seed + 2);
    float *target = malloc(sizeof(float) * Z), *start = malloc(sizeof(float) * Z);
    float *z = malloc(sizeof(float) * Z);
    window win = window_alloc(hp), got = window_alloc(hp);
    int reproduced = 0, improved = 0, tries = 0;
    for (int trial = 0; trial < 8; trial++) {
        random_z(&rng, target, Z);
        decode(d, target, &win);
        random_z(&rng, start, Z);
        for (int i = 0; i < Z; i++) start[i] += target[i];
        decode(d, start, &got);
        if (same_targets(hp, &win, &got) == T) continue; /* nothing to find */
        tries++;
        mv_refine_options o = {300, 0.1f, 1e-3f};
        mv_refine_report rep;
        CHECK(refine(r, &win, start, &o, z, &rep) == 0);
        decode(d, z, &got);
        int correct = same_targets(hp, &win, &got);
        CHECK_MSG(correct == rep.correct, "%s: report says %d targets right, decoding %d", what,
                  rep.correct, correct);
        CHECK(rep.correct >= rep.correct_start);
        CHECK(rep.reproduced == (correct == T));
        improved += rep.correct > rep.correct_start;
        CHECK(rep.kept_start || rep.objective < rep.objective_start);
        if (rep.reproduced) {
            reproduced++;
            CHECK(!rep.kept_start);
            CHECK(rep.steps < o.steps); /* it stopped early */
            CHECK(rep.objective < rep.objective_start);
        }
        printf("%s: window %d: %d -> %d of %d targets in %d steps%s\n", what, trial,
               rep.correct_start, rep.correct, T, rep.steps, rep.reproduced ? ", reproduced" : "");
    }
    if (hp->repr == MV_REPR_ROLL)
        CHECK_MSG(tries >= 4 && improved * 2 > tries,
                  "%s: decoded closer to the window in %d of %d", what, improved, tries);
    else
        CHECK_MSG(tries >= 4 && reproduced * 2 >= tries, "%s: reproduced %d of %d windows", what,
                  reproduced, tries);
    free(target), free(start), free(z);
    window_free(&win);
    window_free(&got);
    refine_free(r);
    decoder_free(d);
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
    mv_decoder *d = decoder_create(&tm.model, 1);
    mv_refine *r = refine_create(d);
    mv_rng rng;
    rng_seed(&rng, 6);
    float *start = malloc(sizeof(float) * Z), *z = malloc(sizeof(float) * Z);
    float *z2 = malloc(sizeof(float) * Z);
    int32_t *seq = malloc(sizeof(int32_t) * T);
    random_z(&rng, start, Z);
    random_tokens(&rng, seq, T, (int)hp.n_classes);
    mv_refine_options o = refine_defaults();
    mv_refine_report rep;

    o.steps = 0;
    CHECK(refine_latent(r, window_tokens(seq), start, &o, z, &rep) == 0);
    CHECK(rep.kept_start && rep.steps == 0 && !memcmp(z, start, sizeof(float) * Z));

    /* already reproduced: nothing to do */
    o = refine_defaults();
    decoder_decode(d, start, 1, 0, NULL, window_tokens(seq));
    CHECK(refine_latent(r, window_tokens(seq), start, &o, z, &rep) == 0);
    CHECK(rep.reproduced && rep.kept_start && rep.steps == 0 && rep.correct == T);
    CHECK(!memcmp(z, start, sizeof(float) * Z));

    /* out of range tokens and options: refused, z untouched */
    random_tokens(&rng, seq, T, (int)hp.n_classes);
    memset(z, 0, sizeof(float) * Z);
    seq[T - 1] = (int32_t)hp.n_classes;
    CHECK(refine_latent(r, window_tokens(seq), start, &o, z, &rep) == -1);
    seq[T - 1] = -1;
    CHECK(refine_window(r, window_tokens(seq), &o, z, NULL, &rep) == -1);
    seq[T - 1] = 0;
    mv_refine_options bad[] = {{-1, 0.05f, 0}, {MV_REFINE_MAX_STEPS + 1, 0.05f, 0},
                               {10, 0, 0}, {10, NAN, 0}, {10, 0.05f, -1}, {10, 0.05f, INFINITY}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(refine_latent(r, window_tokens(seq), start, &bad[i], z, &rep) == -1);
    for (int i = 0; i < Z; i++) CHECK(z[i] == 0);

    /* in place, and the same bits as out of place; never worse than the start */
    o.steps = 30;
    mv_refine_report rep2;
    CHECK(refine_latent(r, window_tokens(seq), start, &o, z, &rep) == 0);
    memcpy(z2, start, sizeof(float) * Z);
    CHECK(refine_latent(r, window_tokens(seq), z2, &o, z2, &rep2) == 0);
    CHECK(!memcmp(z, z2, sizeof(float) * Z));
    CHECK(rep.correct == rep2.correct && rep.steps == rep2.steps);
    CHECK(rep.correct >= rep.correct_start);
    CHECK(rep.kept_start || rep.objective < rep.objective_start);

    /* refine_window starts from the encoder's mu */
    float *mu = malloc(sizeof(float) * Z), *sigma = malloc(sizeof(float) * Z);
    decoder_encode(d, window_tokens(seq), 1, mu, sigma);
    CHECK(refine_window(r, window_tokens(seq), &o, z, z2, &rep) == 0);
    CHECK(!memcmp(z2, mu, sizeof(float) * Z));
    CHECK(refine_latent(r, window_tokens(seq), mu, &o, mu, &rep2) == 0);
    CHECK(!memcmp(z, mu, sizeof(float) * Z));

    free(mu), free(sigma), free(start), free(z), free(z2), free(seq);
    refine_free(r);
    decoder_free(d);
    test_model_free(&tm);
}

/* A roll model takes rolls of 0/1 bytes only, a token model tokens only. */
static void test_roll_contract(const mv_hparams *roll_hp)
{
    mv_hparams token_hp = *roll_hp;
    token_hp.repr = MV_REPR_MELODY;
    test_model roll_m, token_m;
    CHECK(test_model_make(&roll_m, roll_hp, 9) == 0 && test_model_make(&token_m, &token_hp, 9) == 0);
    mv_decoder *roll_d = decoder_create(&roll_m.model, 1);
    mv_decoder *token_d = decoder_create(&token_m.model, 1);
    mv_refine *r = refine_create(roll_d), *t = refine_create(token_d);
    CHECK(r != NULL && t != NULL);
    const int Z = (int)roll_hp->z_size;
    float *start = calloc((size_t)Z, sizeof(float)), *z = calloc((size_t)Z, sizeof(float));
    window w = window_alloc(roll_hp);
    int32_t *tokens = calloc(hparams_seq_len(roll_hp), sizeof(int32_t));
    const mv_refine_options o = refine_defaults();
    CHECK(refine_latent(r, window_tokens(tokens), start, &o, z, NULL) == -1);
    CHECK(refine_window(r, window_tokens(tokens), &o, z, NULL, NULL) == -1);
    CHECK(refine_latent(t, window_roll(w.roll), start, &o, z, NULL) == -1);
    w.roll[3] = 2;
    CHECK(refine_latent(r, window_roll(w.roll), start, &o, z, NULL) == -1);
    CHECK(refine_window(r, window_roll(w.roll), &o, z, NULL, NULL) == -1);
    w.roll[3] = 1;
    mv_refine_report rep;
    CHECK(refine_window(r, window_roll(w.roll), &o, z, start, &rep) == 0);
    CHECK(rep.correct >= rep.correct_start && rep.correct <= targets(roll_hp));
    free(start), free(z), free(tokens);
    window_free(&w);
    refine_free(r);
    refine_free(t);
    decoder_free(roll_d);
    decoder_free(token_d);
    test_model_free(&roll_m);
    test_model_free(&token_m);
}

int main(void)
{
    mv_hparams tiny;
    hparams_preset("tiny", &tiny);
    test_gradient(&tiny, "tiny", 1);
    mv_hparams odd = test_hparams_odd();
    test_gradient(&odd, "odd sizes, 2 conductor and decoder layers", 2);
    mv_hparams drums = {MV_REPR_DRUMS, 512, 0, 2, 8, 12, 10, 1, 14, 1, 20, 2, 0};
    test_gradient(&drums, "drums", 3);
    test_reproduces(&tiny, "tiny", 4);
    test_reproduces(&drums, "drums", 5);
    test_contract();
    mv_hparams roll = tiny;
    roll.repr = MV_REPR_ROLL;
    test_gradient(&roll, "roll", 6);
    mv_hparams roll_odd = odd;
    roll_odd.repr = MV_REPR_ROLL;
    roll_odd.n_classes += roll_odd.n_classes % 2; /* K = 2P */
    test_gradient(&roll_odd, "roll, odd sizes, 2 layers", 7);
    test_reproduces(&roll, "roll", 8);
    test_roll_contract(&roll);
    return check_report();
}
