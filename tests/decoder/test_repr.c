/* The representations' tables (core/repr.h) against their contract, each
 * table the same checks: a new representation adds its fixture here.
 *  - a "none" step is the zero input, and a step's input is the sum of the
 *    kernel rows it selects (one for a token, one per set bit of a roll step);
 *  - greedy sampling is the argmax (a roll: the logits' signs, normalised
 *    against the step before);
 *  - the loss's gradient agrees with central differences, and its "correct"
 *    count with count_equal of the greedy step;
 *  - valid refuses a value the model cannot take.
 * Groove steps, 27 bytes whatever K, have their own checks (test_groove). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "groove.h"
#include "hparams.h"
#include "repr.h"
#include "rng.h"
#include "tokens.h"

enum { K = 6, N_OUT = 5, STEPS = 3 };

typedef struct fixture {
    const char *name;
    const mv_repr_io *io;
    uint32_t repr;
    /* STEPS steps of the representation, and a value it cannot take at byte 0 */
    union {
        int32_t tokens[STEPS];
        uint8_t roll[STEPS * K];
    } window;
    int32_t bad_token;
} fixture;

static const float logits[STEPS * K] = {0.3f, -1.2f, 2.0f,  0.1f, -0.4f, 0.9f,
                                        -0.2f, 1.5f, -0.7f, 0.6f, 1.1f,  -2.0f,
                                        0.8f,  0.4f, -0.3f, -1.0f, 0.2f, 0.5f};

static void test_input(const fixture *f)
{
    float w[K * N_OUT], got[N_OUT], want[N_OUT];
    for (int i = 0; i < K * N_OUT; i++) w[i] = (float)(i % 7) - 3.0f;
    int32_t scratch[1];
    char none[K * 4];
    f->io->set_none(none, 1, K);
    memset(got, 0, sizeof got);
    f->io->add_input(got, N_OUT, w, N_OUT, none, 0, K, 1, scratch);
    f->io->add_input(got, N_OUT, w, N_OUT, NULL, 0, K, 1, scratch);
    for (int j = 0; j < N_OUT; j++) CHECK_MSG(got[j] == 0, "%s: none is not the zero input", f->name);

    const size_t step = f->io->step_bytes(K);
    const char *second = (const char *)&f->window + step;
    memset(got, 0, sizeof got);
    memset(want, 0, sizeof want);
    f->io->add_input(got, N_OUT, w, N_OUT, second, step, K, 1, scratch);
    for (int k = 0; k < K; k++) {
        const int selected = f->io->kind == MV_STEPS_TOKENS ? f->window.tokens[1] == k
                                                             : f->window.roll[K + k] != 0;
        if (selected)
            for (int j = 0; j < N_OUT; j++) want[j] += w[k * N_OUT + j];
    }
    CHECK_MSG(!memcmp(got, want, sizeof got), "%s: a step's input is not its rows' sum", f->name);
}

static void test_greedy(const fixture *f)
{
    float probs[K];
    char step[K * 4], prev[K * 4];
    f->io->set_none(prev, 1, K);
    f->io->sample(logits, K, 0.0f, NULL, probs, step, prev);
    if (f->io->kind == MV_STEPS_TOKENS) {
        int32_t token;
        memcpy(&token, step, sizeof token);
        CHECK_MSG(token == 2, "%s: greedy token %d, the argmax is 2", f->name, token);
        return;
    }
    uint8_t want[K];
    for (int k = 0; k < K; k++) want[k] = logits[k] > 0;
    roll_step_normalise(want, NULL, K / 2);
    CHECK_MSG(!memcmp(step, want, K), "%s: greedy step is not the normalised signs", f->name);
}

static void test_loss(const fixture *f)
{
    float probs[STEPS * K], grad[STEPS * K], moved[STEPS * K];
    int correct;
    f->io->loss(logits, probs, &f->window, STEPS, K, &correct);
    memcpy(grad, probs, sizeof grad);
    f->io->loss_grad(grad, &f->window, STEPS, K);
    const float h = 1e-2f;
    for (int i = 0; i < STEPS * K; i++) {
        int unused;
        memcpy(moved, logits, sizeof moved);
        moved[i] += h;
        const double up = f->io->loss(moved, probs, &f->window, STEPS, K, &unused);
        moved[i] -= 2 * h;
        const double down = f->io->loss(moved, probs, &f->window, STEPS, K, &unused);
        const double fd = (up - down) / (2 * h);
        CHECK_MSG(fabs(fd - grad[i]) < 1e-3, "%s: dloss/dlogit %d is %g, differences say %g",
                  f->name, i, grad[i], fd);
    }
    /* the teacher-forced predictions' count is count_equal of the greedy steps */
    char greedy[STEPS * K * 4], none[K * 4];
    const size_t step = f->io->step_bytes(K);
    f->io->set_none(none, 1, K);
    for (int t = 0; t < STEPS; t++) {
        float scratch[K];
        uint8_t bits[K];
        f->io->sample(logits + t * K, K, 0.0f, NULL, scratch, greedy + t * step, none);
        if (f->io->kind == MV_STEPS_ROLL) { /* the loss scores the raw signs */
            for (int k = 0; k < K; k++) bits[k] = logits[t * K + k] > 0;
            memcpy(greedy + t * step, bits, K);
        }
    }
    const int equal = f->io->count_equal(greedy, &f->window, STEPS, K);
    CHECK_MSG(equal == correct, "%s: loss counts %d right, count_equal %d", f->name, correct,
              equal);
    CHECK(f->io->count_equal(&f->window, &f->window, STEPS, K) ==
          STEPS * f->io->targets_per_step(K));
}

static void test_valid(const fixture *f)
{
    CHECK_MSG(f->io->valid(&f->window, STEPS, K), "%s: a fixture window is refused", f->name);
    fixture bad = *f;
    if (f->io->kind == MV_STEPS_TOKENS) bad.window.tokens[0] = f->bad_token;
    else bad.window.roll[0] = 2;
    CHECK_MSG(!f->io->valid(&bad.window, STEPS, K), "%s: a bad value is taken", f->name);
    CHECK_MSG(repr_io_of(f->repr) == f->io, "%s: repr_io_of gives another table", f->name);
    CHECK(window_for(f->repr, &f->window).kind == f->io->kind);
}

/* ---- groove (core/groove.h): 27 features and outputs a step, tested on its own
 * because its size is fixed ---- */

enum { GK = MV_GROOVE_STEP_BYTES, GS = 2 };

/* Step 0: kick at 100 on the grid, snare at 64 a quarter step late; step 1:
 * closed hat at 30, 0.1 step early. */
static void groove_fixture(uint8_t *w)
{
    memset(w, 0, GS * GK);
    w[MV_GROOVE_HIT + 0] = 1, w[MV_GROOVE_VELOCITY + 0] = 100;
    w[MV_GROOVE_HIT + 1] = 1, w[MV_GROOVE_VELOCITY + 1] = 64,
    w[MV_GROOVE_OFFSET + 1] = (uint8_t)groove_offset_byte(0.25);
    w[GK + MV_GROOVE_HIT + 2] = 1, w[GK + MV_GROOVE_VELOCITY + 2] = 30,
    w[GK + MV_GROOVE_OFFSET + 2] = (uint8_t)groove_offset_byte(-0.1);
}

static void test_groove(void)
{
    const mv_repr_io *io = &repr_io_groove;
    uint8_t w[GS * GK];
    groove_fixture(w);
    CHECK(io->valid(w, GS, GK));
    CHECK(groove_offset_byte(0.25) == 32 && groove_offset_byte(-0.1) == -13);
    CHECK(groove_offset_byte(0.9) == 63 && groove_offset_byte(-0.9) == -64);
    uint8_t bad[GS * GK];
    const int broken[][2] = {{MV_GROOVE_HIT + 0, 2},      /* a hit is 0 or 1 */
                             {MV_GROOVE_VELOCITY + 4, 9}, /* velocity without a hit */
                             {MV_GROOVE_VELOCITY + 0, 0}, /* a hit without velocity */
                             {MV_GROOVE_OFFSET + 0, 64}}; /* past half a step */
    for (int i = 0; i < 4; i++) {
        memcpy(bad, w, sizeof bad);
        bad[broken[i][0]] = (uint8_t)broken[i][1];
        CHECK_MSG(!io->valid(bad, GS, GK), "groove: broken step %d taken", i);
    }
    /* input: the feature-weighted sum of the rows */
    float wx[GK * N_OUT], got[N_OUT] = {0}, want[N_OUT] = {0}, x[GK];
    for (int i = 0; i < GK * N_OUT; i++) wx[i] = (float)(i % 7) - 3.0f;
    int32_t scratch[1];
    io->add_input(got, N_OUT, wx, N_OUT, w, GK, GK, 1, scratch);
    groove_features(w, x);
    CHECK(x[MV_GROOVE_VELOCITY + 1] == 64.0f / 127 && x[MV_GROOVE_OFFSET + 1] == 0.5f);
    for (int k = 0; k < GK; k++)
        for (int j = 0; j < N_OUT; j++) want[j] += x[k] * wx[k * N_OUT + j];
    for (int j = 0; j < N_OUT; j++) CHECK_CLOSE(got[j], want[j], 1e-5);
    /* greedy: hits where the logit is > 0, velocity and offset from sigmoid, tanh */
    float l[GK] = {0}, probs[GK];
    l[MV_GROOVE_HIT + 0] = 2, l[MV_GROOVE_HIT + 1] = -1, l[MV_GROOVE_VELOCITY + 0] = 0;
    l[MV_GROOVE_VELOCITY + 1] = 3, l[MV_GROOVE_OFFSET + 0] = atanhf(0.5f);
    for (int i = 2; i < MV_GROOVE_VOICES; i++) l[MV_GROOVE_HIT + i] = -3;
    uint8_t step[GK];
    io->sample(l, GK, 0.0f, NULL, probs, step, NULL);
    CHECK(step[MV_GROOVE_HIT + 0] == 1 && step[MV_GROOVE_VELOCITY + 0] == 64 &&
          (int8_t)step[MV_GROOVE_OFFSET + 0] == 32);
    CHECK(step[MV_GROOVE_HIT + 1] == 0 && step[MV_GROOVE_VELOCITY + 1] == 0);
    CHECK(io->valid(step, 1, GK));
    /* the loss's gradient against central differences */
    float logit[GS * GK], p[GS * GK], grad[GS * GK], moved[GS * GK];
    for (int i = 0; i < GS * GK; i++) logit[i] = 0.37f * (float)((i * 7) % 11) - 1.8f;
    int correct;
    io->loss(logit, p, w, GS, GK, &correct);
    memcpy(grad, p, sizeof grad);
    io->loss_grad(grad, w, GS, GK);
    for (int i = 0; i < GS * GK; i++) {
        const float h = 1e-2f;
        int unused;
        memcpy(moved, logit, sizeof moved);
        moved[i] += h;
        const double up = io->loss(moved, p, w, GS, GK, &unused);
        moved[i] -= 2 * h;
        const double down = io->loss(moved, p, w, GS, GK, &unused);
        CHECK_MSG(fabs((up - down) / (2 * h) - grad[i]) < 1e-3,
                  "groove: dloss/dlogit %d is %g, differences say %g", i, grad[i],
                  (up - down) / (2 * h));
    }
    uint8_t greedy[GS * GK];
    for (int t = 0; t < GS; t++) io->sample(logit + t * GK, GK, 0.0f, NULL, probs, greedy + t * GK, NULL);
    CHECK(io->count_equal(greedy, w, GS, GK) == correct);
    CHECK(repr_io_of(MV_REPR_GROOVE) == io && window_for(MV_REPR_GROOVE, w).kind == MV_STEPS_GROOVE);
}

/* Spread (repr.h): a hit's velocity and offset drawn around the sampled
 * values with sd sqrt(T) output_sd, in range; hits and the silent instruments
 * untouched; tokens and rolls have none. */
static void test_groove_spread(void)
{
    const mv_repr_io *io = &repr_io_groove;
    float sd[GK] = {0};
    sd[MV_GROOVE_VELOCITY + 0] = 20, sd[MV_GROOVE_OFFSET + 0] = 0.1f;
    sd[MV_GROOVE_VELOCITY + 1] = 20, sd[MV_GROOVE_OFFSET + 1] = 0.1f;
    uint8_t base[GK] = {0};
    base[MV_GROOVE_HIT + 0] = 1, base[MV_GROOVE_VELOCITY + 0] = 64; /* on the grid */
    mv_rng rng;
    rng_seed(&rng, 3);
    enum { N = 20000 };
    const float T = 0.5f;
    double v = 0, v2 = 0, o = 0, o2 = 0;
    for (int n = 0; n < N; n++) {
        uint8_t step[GK];
        memcpy(step, base, GK);
        io->spread(step, sd, T, &rng);
        CHECK(io->valid(step, 1, GK) && step[MV_GROOVE_HIT + 1] == 0 &&
              step[MV_GROOVE_VELOCITY + 1] == 0 && step[MV_GROOVE_OFFSET + 1] == 0);
        const double dv = step[MV_GROOVE_VELOCITY + 0], dof = groove_offset_steps(step, 0);
        v += dv, v2 += dv * dv, o += dof, o2 += dof * dof;
    }
    const double want_v = sqrt(T) * 20, want_o = sqrt(T) * 0.1;
    CHECK_CLOSE(v / N, 64, 0.01);
    CHECK_CLOSE(sqrt(v2 / N - (v / N) * (v / N)) / want_v, 1, 0.03);
    CHECK_CLOSE(o / N, 0, 0.005);
    CHECK_CLOSE(sqrt(o2 / N - (o / N) * (o / N)) / want_o, 1, 0.03);
    /* kept in range: a loud hit late by almost half a step stays a valid step */
    sd[MV_GROOVE_VELOCITY + 0] = 500, sd[MV_GROOVE_OFFSET + 0] = 5;
    for (int n = 0; n < 1000; n++) {
        uint8_t step[GK];
        memcpy(step, base, GK);
        io->spread(step, sd, 1.0f, &rng);
        CHECK(io->valid(step, 1, GK));
    }
    CHECK(repr_io_tokens.spread == NULL && repr_io_roll.spread == NULL);
}

int main(void)
{
    test_groove();
    test_groove_spread();
    fixture fixtures[] = {
        {"tokens", &repr_io_tokens, MV_REPR_MELODY, {.tokens = {4, 1, 0}}, K},
        {"drum tokens", &repr_io_tokens, MV_REPR_DRUMS, {.tokens = {5, 5, 3}}, -1},
        {"roll", &repr_io_roll, MV_REPR_ROLL,
         {.roll = {1, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1}}, 0},
    };
    for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
        test_input(&fixtures[i]);
        test_greedy(&fixtures[i]);
        test_loss(&fixtures[i]);
        test_valid(&fixtures[i]);
    }
    return check_report();
}
