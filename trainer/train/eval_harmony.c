/* Chord-tone figures of `morphvae eval` (eval_harmony.h). */
#include "eval_harmony.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "chord.h"
#include "chord_steer.h"
#include "json_fields.h"
#include "rng.h"
#include "window.h"

void eval_chord_tones_add(eval_chord_tones *c, const int32_t *tokens, const uint8_t *chords,
                          int n, int T, int min_pitch)
{
    for (long i = 0; i < (long)n * T; i++) {
        if (tokens[i] < 2 || chords[i] == MV_CHORD_NONE) continue;
        c->onsets++;
        c->on_tone += chord_pitch_classes(chords[i]) >> ((min_pitch + tokens[i] - 2) % 12) & 1u;
    }
}

static double share(const eval_chord_tones *c)
{
    return c->onsets ? (double)c->on_tone / (double)c->onsets : NAN;
}

/* Argmax of the teacher-forced logits into tokens. */
static void argmax_tokens(const float *logits, int n, int K, int32_t *tokens)
{
    for (int i = 0; i < n; i++) {
        const float *x = logits + (size_t)i * K;
        int best = 0;
        for (int k = 1; k < K; k++)
            if (x[k] > x[best]) best = k;
        tokens[i] = best;
    }
}

static void prior_latents(const uint64_t *window_index, int B, int Z, float *z, mv_rng *rngs)
{
    for (int b = 0; b < B; b++) {
        mv_rng r;
        rng_seed(&r, EVAL_HARMONY_SEED + window_index[b]);
        for (int j = 0; j < Z; j++) z[(size_t)b * Z + j] = rng_normal(&r);
        rng_seed(&rngs[b], (EVAL_HARMONY_SEED + window_index[b]) * 2 + 1);
    }
}

/* The first row shown: chords given for a model that reads them or is steered. */
static int first_row(const eval_harmony *h, const mv_hparams *hp)
{
    return hp->chords || h->pull > 0 ? HARMONY_GIVEN : HARMONY_WITHHELD;
}

void eval_harmony_batch(eval_harmony *h, mv_decoder *d, const mv_hparams *hp,
                        const int32_t *truth, const uint8_t *chords, const float *mu,
                        const uint64_t *window_index, int B, eval_harmony_scratch *s)
{
    const int T = (int)hparams_seq_len(hp), K = (int)hp->n_classes, Z = (int)hp->z_size;
    const int mp = (int)hp->min_pitch;
    eval_chord_tones_add(&h->data, truth, chords, B, T, mp);
    for (int row = first_row(h, hp); row < HARMONY_ROWS; row++) {
        decoder_set_chords(d, row == HARMONY_GIVEN ? chords : NULL, B);
        decoder_set_chord_steer(d, row == HARMONY_GIVEN ? h->pull * CHORD_PULL_MAX_STEER : 0);
        eval_chord_tones *m = h->model[row];
        decoder_logits(d, mu, window_tokens(truth), B, s->logits);
        argmax_tokens(s->logits, B * T, K, s->tokens);
        eval_chord_tones_add(&m[HARMONY_TF], s->tokens, chords, B, T, mp);
        decoder_decode(d, mu, B, 0, NULL, window_tokens(s->tokens));
        eval_chord_tones_add(&m[HARMONY_GREEDY], s->tokens, chords, B, T, mp);
        prior_latents(window_index, B, Z, s->z, s->rngs);
        decoder_decode(d, s->z, B, h->temperature, s->rngs, window_tokens(s->tokens));
        eval_chord_tones_add(&m[HARMONY_PRIOR], s->tokens, chords, B, T, mp);
    }
    decoder_set_chords(d, NULL, B);
    decoder_set_chord_steer(d, 0);
}

static const char *const by_text[HARMONY_BY] = {"teacher-forced", "sampled", "prior"};
static const char *const by_key[HARMONY_BY] = {"tf", "greedy", "prior"};

void eval_harmony_print(const eval_harmony *h, const mv_hparams *hp)
{
    const int chord_model = hp->chords != 0;
    char given[64] = "chords given";
    if (h->pull > 0) snprintf(given, sizeof given, "chords given, chord pull %.2f", h->pull);
    printf("\nharmony: melody onsets on a tone of their step's chord (%ld onsets at steps "
           "with a chord)\n",
           h->data.onsets);
    printf("chord tones data                      %.4f\n", share(&h->data));
    for (int row = first_row(h, hp); row < HARMONY_ROWS; row++) {
        const char *how = row == HARMONY_GIVEN ? given
                          : chord_model        ? "chords withheld"
                                               : "a model without chord input";
        for (int by = 0; by < HARMONY_BY; by++) {
            char label[48], detail[64] = "";
            snprintf(label, sizeof label, "chord tones %s%s", by_text[by],
                     row == HARMONY_WITHHELD && first_row(h, hp) == HARMONY_GIVEN ? " (no chord)"
                                                                               : "");
            if (by == HARMONY_GREEDY) snprintf(detail, sizeof detail, ", greedy from mu");
            if (by == HARMONY_PRIOR)
                snprintf(detail, sizeof detail, ", z ~ N(0, I) at temperature %.2f",
                         h->temperature);
            printf("%-37s %.4f  (%s%s)\n", label, share(&h->model[row][by]), how, detail);
        }
    }
}

void eval_harmony_json(const eval_harmony *h, const mv_hparams *hp, int *first)
{
    const int given = first_row(h, hp) == HARMONY_GIVEN;
    json_number("chord_tones_data", share(&h->data), first);
    if (h->pull > 0) json_number("chord_pull", h->pull, first);
    for (int row = first_row(h, hp); row < HARMONY_ROWS; row++)
        for (int by = 0; by < HARMONY_BY; by++) {
            char key[64];
            snprintf(key, sizeof key, "chord_tones_%s%s", by_key[by],
                     row == HARMONY_WITHHELD && given ? "_no_chord" : "");
            json_number(key, share(&h->model[row][by]), first);
        }
}
