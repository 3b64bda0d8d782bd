/* Groove rules (core/groove.h's mv_groove_rule, decoder_set_groove_rules):
 * the core hook of `morphvae groove` and `morphvae drumify` (issue 21).
 * - groove_rule_apply on hand-made logits: hits outside allow removed with
 *   their velocity and offset, required hits set from the logits as sampling
 *   sets a hit, the at-least-one hit the allowed instrument of the highest
 *   logit, the model's own allowed hits kept;
 * - on a random groove model: no rules and free rules decode bit for bit as
 *   before; forced hits (allow = require = a pattern) come out exactly, greedy
 *   and sampled, each with the velocity and offset of the teacher-forced
 *   logits of the decoded window (so the decoder fed the constrained step
 *   back); a Drumify mask hits only where allowed and at least once at each
 *   allowed step; rows past the rules' batch decode freely; per-bar decoding
 *   gives the full decode; a melody model ignores the rules. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "decoder.h"
#include "groove.h"
#include "test_model.h"

enum { K = MV_GROOVE_STEP_BYTES, V = MV_GROOVE_VOICES };

static void test_apply(void)
{
    float l[K] = {0};
    for (int i = 0; i < V; i++) {
        l[MV_GROOVE_HIT + i] = -1.0f - (float)i; /* instrument 0 the likeliest */
        l[MV_GROOVE_VELOCITY + i] = 0.5f * (float)i - 2.0f;
        l[MV_GROOVE_OFFSET + i] = 0.3f * (float)i - 1.0f;
    }
    l[MV_GROOVE_HIT + 5] = 0.5f; /* ... except 5 */
    uint8_t step[K] = {0}, want[K];
    /* the model drew 2 and 7 */
    groove_hit_from_logits(l, 2, step);
    groove_hit_from_logits(l, 7, step);
    CHECK(groove_step_valid(step));
    CHECK(step[MV_GROOVE_VELOCITY + 2] == 34);        /* 127 sigmoid(-1) = 34.1 */
    CHECK((int8_t)step[MV_GROOVE_OFFSET + 2] == -24); /* 128 x 0.5 tanh(-0.4) = -24.3 */
    memcpy(want, step, K);

    /* allow 2, 3, 4, require 3: 7 goes, 3 comes, 2 stays */
    mv_groove_rule r = {1u << 2 | 1u << 3 | 1u << 4, 1u << 3, 0};
    groove_rule_apply(&r, l, step);
    CHECK(groove_step_valid(step));
    CHECK(step[MV_GROOVE_HIT + 7] == 0 && step[MV_GROOVE_VELOCITY + 7] == 0 &&
          step[MV_GROOVE_OFFSET + 7] == 0);
    CHECK(!memcmp(step + MV_GROOVE_HIT + 2, want + MV_GROOVE_HIT + 2, 1));
    CHECK(step[MV_GROOVE_VELOCITY + 2] == want[MV_GROOVE_VELOCITY + 2]);
    uint8_t three[K] = {0};
    groove_hit_from_logits(l, 3, three);
    CHECK(step[MV_GROOVE_HIT + 3] == 1 &&
          step[MV_GROOVE_VELOCITY + 3] == three[MV_GROOVE_VELOCITY + 3] &&
          step[MV_GROOVE_OFFSET + 3] == three[MV_GROOVE_OFFSET + 3]);
    CHECK(step[MV_GROOVE_HIT + 4] == 0);

    /* nothing drawn, at least one of {1, 5, 6}: 5, the highest logit */
    memset(step, 0, K);
    r = (mv_groove_rule){1u << 1 | 1u << 5 | 1u << 6, 0, 1};
    groove_rule_apply(&r, l, step);
    int hits = 0;
    for (int i = 0; i < V; i++) hits += step[MV_GROOVE_HIT + i];
    CHECK(hits == 1 && step[MV_GROOVE_HIT + 5] == 1);
    /* ... of {1, 6}: 1 (logit -2 against -7) */
    memset(step, 0, K);
    r.allow = 1u << 1 | 1u << 6;
    groove_rule_apply(&r, l, step);
    CHECK(step[MV_GROOVE_HIT + 1] == 1 && step[MV_GROOVE_HIT + 6] == 0);
    /* a hit drawn and allowed satisfies at-least-one: nothing added */
    memset(step, 0, K);
    groove_hit_from_logits(l, 6, step);
    groove_rule_apply(&r, l, step);
    CHECK(step[MV_GROOVE_HIT + 1] == 0 && step[MV_GROOVE_HIT + 6] == 1);
    /* allow nothing: silence, whatever at_least_one says */
    groove_hit_from_logits(l, 0, step);
    r = (mv_groove_rule){0, 0, 1};
    groove_rule_apply(&r, l, step);
    for (int k = 0; k < K; k++) CHECK(step[k] == 0);
    /* the free rule changes nothing */
    memcpy(step, want, K);
    r = groove_rule_free();
    groove_rule_apply(&r, l, step);
    CHECK(!memcmp(step, want, K));
}

static mv_hparams small_groove(void)
{
    mv_hparams hp;
    hparams_preset("groove_2bar", &hp);
    hp.z_size = 16, hp.enc_size = 24, hp.cond_size = 20, hp.dec_size = 28;
    return hp;
}

static uint16_t hits_of(const uint8_t *step)
{
    uint16_t m = 0;
    for (int i = 0; i < V; i++) m |= (uint16_t)(step[MV_GROOVE_HIT + i] ? 1u << i : 0);
    return m;
}

/* Every hit of window w [T] has the velocity and offset that the teacher-
 * forced logits [T, K] of w give it. */
static int feel_from_logits(const uint8_t *w, const float *logits, int T)
{
    for (int t = 0; t < T; t++) {
        const uint8_t *step = w + (size_t)t * K;
        for (int i = 0; i < V; i++) {
            if (!step[MV_GROOVE_HIT + i]) continue;
            uint8_t want[K] = {0};
            groove_hit_from_logits(logits + (size_t)t * K, i, want);
            if (want[MV_GROOVE_VELOCITY + i] != step[MV_GROOVE_VELOCITY + i] ||
                want[MV_GROOVE_OFFSET + i] != step[MV_GROOVE_OFFSET + i])
                return 0;
        }
    }
    return 1;
}

static void seed_rngs(mv_rng *r, int n, uint64_t base)
{
    for (int i = 0; i < n; i++) rng_seed(&r[i], base + (uint64_t)i * 7919);
}

static void test_decoding(void)
{
    const mv_hparams hp = small_groove();
    test_model tm;
    CHECK(test_model_make(&tm, &hp, 29) == 0);
    /* sparse hits, as drums are: some steps the model leaves silent */
    float *out_b = (float *)test_model_tensor(&tm, "decoder.out.b")->data;
    for (int i = 0; i < V; i++) out_b[MV_GROOVE_HIT + i] -= 1.5f;
    enum { B = 3 };
    const int Z = (int)hp.z_size, T = (int)hparams_seq_len(&hp), S = (int)hp.steps_per_bar;
    mv_decoder *d = decoder_create(&tm.model, B);
    CHECK(d != NULL);
    mv_rng rng, rngs[B];
    rng_seed(&rng, 8);
    float z[B * 16];
    random_z(&rng, z, B * Z);
    const size_t bytes = (size_t)B * T * K;
    uint8_t *free_w = malloc(bytes), *w = malloc(bytes), *bars = malloc(bytes);
    uint8_t *bar_w = malloc((size_t)B * S * K), *prev = malloc((size_t)B * K);
    float *logits = malloc(bytes * sizeof *logits);
    mv_groove_rule *rules = malloc((size_t)B * T * sizeof *rules);
    uint16_t pattern[B * 32];

    /* no rules, free rules: as before */
    decoder_decode(d, z, B, 0, NULL, window_groove(free_w));
    decoder_set_groove_rules(d, NULL, B);
    decoder_decode(d, z, B, 0, NULL, window_groove(w));
    CHECK(!memcmp(free_w, w, bytes));
    for (int i = 0; i < B * T; i++) rules[i] = groove_rule_free();
    decoder_set_groove_rules(d, rules, B);
    decoder_decode(d, z, B, 0, NULL, window_groove(w));
    CHECK_MSG(!memcmp(free_w, w, bytes), "free rules changed the greedy decode");

    /* forced hits: a random pattern, some steps silent, some with 3 hits */
    for (int i = 0; i < B * T; i++) {
        uint32_t r = rng_u32(&rng);
        pattern[i] = (uint16_t)(i % 4 == 3 ? 0 : (r & MV_GROOVE_ALL_VOICES) & (r >> 9));
        rules[i] = (mv_groove_rule){pattern[i], pattern[i], 0};
    }
    decoder_set_groove_rules(d, rules, B);
    const float temps[] = {0.0f, 1.0f};
    for (int ti = 0; ti < 2; ti++) {
        seed_rngs(rngs, B, 100);
        decoder_decode(d, z, B, temps[ti], rngs, window_groove(w));
        int same = 0, valid = 1;
        for (int i = 0; i < B * T; i++) {
            same += hits_of(w + (size_t)i * K) == pattern[i];
            valid &= groove_step_valid(w + (size_t)i * K);
        }
        CHECK_MSG(same == B * T, "T %g: %d of %d steps have the forced hits", temps[ti], same,
                  B * T);
        CHECK(valid);
        decoder_logits(d, z, window_groove(w), B, logits);
        CHECK_MSG(feel_from_logits(w, logits, B * T),
                  "T %g: a forced hit's feel is not its teacher-forced logits'", temps[ti]);
        /* per bar, each bar from the last step of the one before */
        seed_rngs(rngs, B, 100);
        decoder_conduct(d, z, B);
        for (int bar = 0; bar < (int)hp.n_bars; bar++) {
            decoder_decode_bar(d, B, bar, window_groove(bar ? prev : NULL), temps[ti], rngs,
                               window_groove(bar_w));
            for (int b = 0; b < B; b++) {
                memcpy(bars + ((size_t)b * T + (size_t)bar * S) * K, bar_w + (size_t)b * S * K,
                       (size_t)S * K);
                memcpy(prev + (size_t)b * K, bar_w + ((size_t)b * S + S - 1) * K, K);
            }
        }
        CHECK_MSG(!memcmp(w, bars, bytes), "T %g: per-bar decoding under rules differs",
                  temps[ti]);
    }

    /* rules for row 0 only: rows 1 and 2 decode freely */
    decoder_set_groove_rules(d, rules, 1);
    decoder_decode(d, z, B, 0, NULL, window_groove(w));
    CHECK(!memcmp(w + (size_t)T * K, free_w + (size_t)T * K, (size_t)(B - 1) * T * K));
    int same0 = 0;
    for (int t = 0; t < T; t++) same0 += hits_of(w + (size_t)t * K) == pattern[t];
    CHECK(same0 == T);

    /* Drumify: hits only at allowed steps, at least one at each */
    int silent_allowed = 0;
    for (int i = 0; i < B * T; i++) {
        int onset = i % 3 == 0 || i % 8 == 5;
        rules[i] = (mv_groove_rule){onset ? MV_GROOVE_ALL_VOICES : 0, 0, (uint16_t)onset};
        silent_allowed += onset && !hits_of(free_w + (size_t)i * K);
    }
    CHECK_MSG(silent_allowed > 0, "the free decode hits every onset step: the test shows less");
    decoder_set_groove_rules(d, rules, B);
    for (int ti = 0; ti < 2; ti++) {
        seed_rngs(rngs, B, 200);
        decoder_decode(d, z, B, temps[ti], rngs, window_groove(w));
        int ok = 1;
        for (int i = 0; i < B * T; i++) {
            const uint16_t h = hits_of(w + (size_t)i * K);
            ok &= rules[i].allow ? h != 0 : h == 0;
        }
        CHECK_MSG(ok, "T %g: a hit off the allowed steps, or an allowed step without one",
                  temps[ti]);
        decoder_logits(d, z, window_groove(w), B, logits);
        CHECK(feel_from_logits(w, logits, B * T));
    }
    /* greedy: an allowed step the model leaves silent gets its likeliest instrument */
    seed_rngs(rngs, B, 200);
    decoder_decode(d, z, B, 0, NULL, window_groove(w));
    decoder_logits(d, z, window_groove(w), B, logits);
    int added = 0, best_ok = 1;
    for (int i = 0; i < B * T; i++) {
        if (!rules[i].allow) continue;
        const float *l = logits + (size_t)i * K;
        int best = 0, any = 0;
        for (int v = 0; v < V; v++) {
            any |= l[MV_GROOVE_HIT + v] > 0;
            if (l[MV_GROOVE_HIT + v] > l[MV_GROOVE_HIT + best]) best = v;
        }
        if (any) continue;
        added++;
        best_ok &= hits_of(w + (size_t)i * K) == 1u << best;
    }
    CHECK_MSG(added > 0 && best_ok, "%d silent allowed steps, likeliest instrument %s", added,
              best_ok ? "taken" : "not taken");

    /* NULL takes them away */
    decoder_set_groove_rules(d, NULL, B);
    decoder_decode(d, z, B, 0, NULL, window_groove(w));
    CHECK(!memcmp(free_w, w, bytes));

    free(free_w), free(w), free(bars), free(bar_w), free(prev), free(logits), free(rules);
    decoder_free(d);
    test_model_free(&tm);
}

/* Other models take no rules: nothing changes, nothing is written. */
static void test_other_models(void)
{
    mv_hparams hp;
    hparams_preset("tiny", &hp);
    test_model tm;
    CHECK(test_model_make(&tm, &hp, 3) == 0);
    const int Z = (int)hp.z_size, T = (int)hparams_seq_len(&hp);
    mv_decoder *d = decoder_create(&tm.model, 1);
    float *z = malloc(sizeof *z * Z);
    int32_t *a = malloc(sizeof *a * T), *b = malloc(sizeof *b * T);
    mv_groove_rule *rules = calloc((size_t)T, sizeof *rules); /* allow nothing */
    mv_rng rng;
    rng_seed(&rng, 1);
    random_z(&rng, z, Z);
    decoder_decode(d, z, 1, 0, NULL, window_tokens(a));
    decoder_set_groove_rules(d, rules, 1);
    decoder_decode(d, z, 1, 0, NULL, window_tokens(b));
    CHECK(!memcmp(a, b, sizeof *a * T));
    free(z), free(a), free(b), free(rules);
    decoder_free(d);
    test_model_free(&tm);
}

int main(void)
{
    test_apply();
    test_decoding();
    test_other_models();
    return check_report();
}
