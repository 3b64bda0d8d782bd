/* Steering melody logits to chord tones (core/chord_steer.h), on hand-made
 * logits: what is untouched, that the chance of a note-on is kept at the
 * sampling temperature while the odds of chord tones against the others grow
 * by e^strength, and greedy choices. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "chord.h"
#include "chord_steer.h"

#define K 90
#define MIN_PITCH 21
#define NOTE_ON(p) (2 + (p) - MIN_PITCH)
#define C_MAJOR 1 /* chord id: root C, quality maj (core/chord.h) */

static void softmax_at(const float *logits, float t, double *p)
{
    double top = -INFINITY, sum = 0;
    for (int k = 0; k < K; k++) top = fmax(top, logits[k] / t);
    for (int k = 0; k < K; k++) sum += p[k] = exp(logits[k] / t - top);
    for (int k = 0; k < K; k++) p[k] /= sum;
}

static int argmax(const float *x)
{
    int best = 0;
    for (int k = 1; k < K; k++)
        if (x[k] > x[best]) best = k;
    return best;
}

/* A step where no event is likeliest, then D4 (not a C major tone), C4 (one). */
static void example(float *logits)
{
    for (int k = 0; k < K; k++) logits[k] = -4.0f + 0.01f * (float)k;
    logits[0] = 1.0f;             /* no event */
    logits[1] = -1.0f;            /* note off */
    logits[NOTE_ON(62)] = 0.8f;   /* D4: not a C major tone */
    logits[NOTE_ON(60)] = 0.2f;   /* C4: a chord tone */
    logits[NOTE_ON(65)] = -0.5f;  /* F4: not a tone */
}

static void test_untouched(void)
{
    float a[K], b[K];
    example(a);
    memcpy(b, a, sizeof a);
    chord_steer_melody(b, K, MIN_PITCH, MV_CHORD_NONE, 5.0f, 1.0f);
    CHECK_MSG(!memcmp(a, b, sizeof a), "no chord changed the logits");
    chord_steer_melody(b, K, MIN_PITCH, C_MAJOR, 0.0f, 1.0f);
    CHECK_MSG(!memcmp(a, b, sizeof a), "strength 0 changed the logits");
}

static void test_sampling(float t)
{
    const float strength = 3.0f;
    float a[K], b[K];
    double p[K], q[K];
    example(a);
    memcpy(b, a, sizeof a);
    chord_steer_melody(b, K, MIN_PITCH, C_MAJOR, strength, t);
    softmax_at(a, t, p);
    softmax_at(b, t, q);
    double on_p = 0, on_q = 0;
    for (int k = 2; k < K; k++) on_p += p[k], on_q += q[k];
    CHECK_MSG(fabs(on_p - on_q) < 1e-6, "T %g: note-on chance %g became %g", t, on_p, on_q);
    CHECK_MSG(fabs(p[0] - q[0]) < 1e-6 && fabs(p[1] - q[1]) < 1e-6,
              "T %g: no event / note off changed", t);
    /* C (a tone) against D (not): odds multiplied by e^strength */
    double before = p[NOTE_ON(60)] / p[NOTE_ON(62)], after = q[NOTE_ON(60)] / q[NOTE_ON(62)];
    CHECK_MSG(fabs(after / before - exp(strength)) < 1e-3 * exp(strength),
              "T %g: C/D odds x%g, not e^%g", t, after / before, strength);
    /* two tones (C, E) keep their odds */
    double ce_p = p[NOTE_ON(60)] / p[NOTE_ON(64)], ce_q = q[NOTE_ON(60)] / q[NOTE_ON(64)];
    CHECK_MSG(fabs(ce_p / ce_q - 1) < 1e-4, "T %g: C/E odds changed", t);
}

static void test_greedy(void)
{
    float a[K];
    example(a); /* the best token is no event: nothing to steer */
    chord_steer_melody(a, K, MIN_PITCH, C_MAJOR, 5.0f, 0.0f);
    CHECK(argmax(a) == 0);

    example(a);
    a[0] = 0.0f; /* now D4 wins: a note starts, on C4 once steered */
    CHECK(argmax(a) == NOTE_ON(62));
    chord_steer_melody(a, K, MIN_PITCH, C_MAJOR, 1.0f, 0.0f);
    CHECK_MSG(argmax(a) == NOTE_ON(60), "steered greedy took %d", argmax(a));
    CHECK_MSG(a[NOTE_ON(60)] == 0.8f, "the note-on's logit is not the old best");

    example(a);
    a[0] = 0.0f; /* a weak pull leaves a D the model is sure of */
    chord_steer_melody(a, K, MIN_PITCH, C_MAJOR, 0.5f, 0.0f);
    CHECK(argmax(a) == NOTE_ON(62));
}

int main(void)
{
    test_untouched();
    test_sampling(1.0f);
    test_sampling(0.5f);
    test_greedy();
    return check_report();
}
