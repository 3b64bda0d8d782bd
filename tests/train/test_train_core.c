/* One model, one meaning: on the same parameter block and batch, the trainer's
 * forward pass gives the logits, mu and sigma that core's decoder gives
 * (decoder_logits, decoder_encode), and its greedy decoding the tokens of
 * decoder_decode at temperature 0. Run for a one-layer and a deeper model, for
 * a chord-conditioned model (decoder_set_chords against the trainer's chords),
 * and for a piano-roll model. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "chord.h"
#include "decoder.h"
#include "groove.h"
#include "random_groove.h"
#include "model.h"
#include "repr.h"
#include "tokens.h"
#include "vae_testing.h"

/* The trainer's onset counts of a greedy pass (what validation's onset F1 is
 * made of) against counts made here from core's greedy decode. */
static void check_onsets(const char *what, const vae_stats *st, long truth, long pred, long both)
{
    CHECK_MSG(st->onsets_true == truth && st->onsets_pred == pred && st->onsets_both == both,
              "%s: trainer counts onsets %ld true, %ld decoded, %ld both; core's decode %ld, "
              "%ld, %ld",
              what, st->onsets_true, st->onsets_pred, st->onsets_both, truth, pred, both);
    CHECK_MSG(both > 0 && pred > both, "%s: %ld onsets decoded, %ld right: the check shows little",
              what, pred, both);
}

/* A token's onsets: melody a note-on (1), drums one per instrument hit. */
static long token_onsets(const mv_hparams *hp, int32_t token)
{
    if (hp->repr == MV_REPR_DRUMS) return __builtin_popcount((unsigned)token);
    return token > MV_MELODY_NOTE_OFF;
}

static void compare(const mv_hparams *hp, const char *what)
{
    enum { B = 5 };
    const int T = (int)hparams_seq_len(hp), K = (int)hp->n_classes, Z = (int)hp->z_size;
    vae m;
    CHECK(vae_create(&m, hp, B) == 0);
    vae_init_params(&m, 11);
    /* larger than the init so that nothing is near zero by accident */
    for (uint64_t i = 0; i < m.n_params; i++) m.params[i] *= 2.0f;

    mv_rng r;
    rng_seed(&r, 12);
    int32_t *tokens = malloc(sizeof(int32_t) * B * T);
    for (int i = 0; i < B * T; i++) tokens[i] = (int32_t)(rng_u32(&r) % K);
    /* chords: random, some steps none, and the last sequence none at all */
    uint8_t *chords = malloc((size_t)B * T);
    for (int i = 0; i < B * T; i++)
        chords[i] = i >= (B - 1) * T || rng_uniform(&r) < 0.2f
                        ? MV_CHORD_NONE
                        : (uint8_t)(1 + rng_u32(&r) % (MV_CHORD_COUNT - 1));
    m.chords = hp->chords ? chords : NULL;
    vae_loss_cfg loss = {0.2f, 0};
    vae_forward(&m, window_tokens(tokens), NULL, B, &loss, VAE_FEED_TRUTH, 0, NULL);

    mv_tensor tensors[MV_MAX_TENSORS];
    int n = model_carve(hp, m.params, tensors);
    mv_model model;
    char err[256];
    CHECK_MSG(model_bind(&model, hp, tensors, (size_t)n, err, sizeof err) == 0, "%s", err);
    mv_decoder *d = decoder_create(&model, B);
    CHECK(d != NULL);
    if (hp->chords) decoder_set_chords(d, chords, B);

    float *mu = malloc(sizeof(float) * B * Z), *sigma = malloc(sizeof(float) * B * Z);
    decoder_encode(d, window_tokens(tokens), B, mu, sigma);
    double worst_mu = 0, worst_logit = 0;
    for (int i = 0; i < B * Z; i++) {
        CHECK_CLOSE(m.mu[i], mu[i], 1e-4);
        CHECK_CLOSE(m.sigma[i], sigma[i], 1e-4);
        worst_mu = fmax(worst_mu, fabs(m.mu[i] - mu[i]));
    }
    float *logits = malloc(sizeof(float) * B * T * K);
    decoder_logits(d, m.mu, window_tokens(tokens), B, logits);
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++)
            for (int k = 0; k < K; k++) {
                float mine = vae_logits_at(&m, b, t)[k];
                float core = logits[((size_t)b * T + t) * K + k];
                CHECK_CLOSE(mine, core, 1e-4);
                worst_logit = fmax(worst_logit, fabs(mine - core));
            }

    /* chords matter, and no chord is no input: without them the sequences
     * with chords change and the one without stays bit for bit */
    if (hp->chords) {
        for (int b = 0; b < B; b++)
            for (int t = 0; t < T; t++)
                memcpy(logits + ((size_t)b * T + t) * K, vae_logits_at(&m, b, t),
                       sizeof(float) * K);
        m.chords = NULL;
        vae_forward(&m, window_tokens(tokens), NULL, B, &loss, VAE_FEED_TRUTH, 0, NULL);
        int changed = 0, kept = 1;
        for (int b = 0; b < B; b++)
            for (int t = 0; t < T; t++)
                for (int k = 0; k < K; k++) {
                    int same = vae_logits_at(&m, b, t)[k] == logits[((size_t)b * T + t) * K + k];
                    if (b == B - 1) kept &= same;
                    else changed += !same;
                }
        CHECK_MSG(kept && changed > (B - 1) * T * K / 2, "%s: %d logits changed without chords",
                  what, changed);
        m.chords = chords;
        vae_forward(&m, window_tokens(tokens), NULL, B, &loss, VAE_FEED_TRUTH, 0, NULL);
    }

    /* greedy decoding from mu: the trainer feeds its argmax back */
    vae_stats st = vae_forward(&m, window_tokens(tokens), NULL, B, &loss, VAE_FEED_GREEDY, 0, NULL);
    vae_count_onsets(&m, window_tokens(tokens), &st);
    int32_t *greedy = malloc(sizeof(int32_t) * B * T);
    decoder_decode(d, m.mu, B, 0, NULL, window_tokens(greedy));
    long on_true = 0, on_pred = 0, on_both = 0;
    for (int i = 0; i < B * T; i++) {
        on_true += token_onsets(hp, tokens[i]);
        on_pred += token_onsets(hp, greedy[i]);
        on_both += hp->repr == MV_REPR_DRUMS ? token_onsets(hp, tokens[i] & greedy[i])
                                             : token_onsets(hp, tokens[i]) && tokens[i] == greedy[i];
    }
    check_onsets(what, &st, on_true, on_pred, on_both);
    int same = 0;
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            int32_t mine = t + 1 < T ? vae_input_token_at(&m, b, t + 1) : -2;
            if (t + 1 == T) {
                const float *x = vae_logits_at(&m, b, t);
                mine = 0;
                for (int k = 1; k < K; k++)
                    if (x[k] > x[mine]) mine = k;
            }
            same += mine == greedy[(size_t)b * T + t];
        }
    CHECK_MSG(same == B * T, "%s: greedy tokens agree at %d of %d steps", what, same, B * T);
    printf("%s: max |mu diff| %.2e, max |logit diff| %.2e, greedy tokens %d/%d equal\n", what,
           worst_mu, worst_logit, same, B * T);
    free(greedy);
    free(logits);
    free(mu);
    free(sigma);
    free(tokens);
    free(chords);
    decoder_free(d);
    vae_free(&m);
}

/* Core's decoder over the trainer's parameters (bound into *model), once its
 * mu and sigma of the window `in` and its teacher-forced logits from the
 * trainer's mu are checked against the trainer's (which has just run forward
 * on in); the logits are left in logits [B, T, K]. */
static mv_decoder *core_agrees(vae *m, mv_model *model, mv_window in, int B, float *logits)
{
    const mv_hparams *hp = &m->hp;
    const int T = (int)hparams_seq_len(hp), K = (int)hp->n_classes, Z = (int)hp->z_size;
    mv_tensor tensors[MV_MAX_TENSORS];
    int n = model_carve(hp, m->params, tensors);
    char err[256];
    CHECK_MSG(model_bind(model, hp, tensors, (size_t)n, err, sizeof err) == 0, "%s", err);
    mv_decoder *d = decoder_create(model, B);
    CHECK(d != NULL);
    float *mu = malloc(sizeof(float) * B * Z), *sigma = malloc(sizeof(float) * B * Z);
    decoder_encode(d, in, B, mu, sigma);
    for (int i = 0; i < B * Z; i++) {
        CHECK_CLOSE(m->mu[i], mu[i], 1e-4);
        CHECK_CLOSE(m->sigma[i], sigma[i], 1e-4);
    }
    decoder_logits(d, m->mu, in, B, logits);
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++)
            for (int k = 0; k < K; k++)
                CHECK_CLOSE(vae_logits_at(m, b, t)[k], logits[((size_t)b * T + t) * K + k], 1e-4);
    free(mu), free(sigma);
    return d;
}

/* The same for a piano-roll model: logits and mu of the multi-hot inputs, and
 * greedy decoding (threshold, normalise, feed back) step for step. */
static void compare_roll(const mv_hparams *hp)
{
    enum { B = 4 };
    const int T = (int)hparams_seq_len(hp), K = (int)hp->n_classes;
    vae m;
    CHECK(vae_create(&m, hp, B) == 0);
    vae_init_params(&m, 13);
    for (uint64_t i = 0; i < m.n_params; i++) m.params[i] *= 2.0f;
    mv_rng r;
    rng_seed(&r, 14);
    uint8_t *roll = malloc((size_t)B * T * K), *greedy = malloc((size_t)B * T * K);
    for (int i = 0; i < B * T * K; i++) roll[i] = rng_uniform(&r) < 0.25f;
    for (int i = 0; i < B * T; i++)
        roll_step_normalise(roll + (size_t)i * K, i % T ? roll + (size_t)(i - 1) * K : NULL, K / 2);
    vae_loss_cfg loss = {0.2f, 0};
    vae_forward(&m, window_roll(roll), NULL, B, &loss, VAE_FEED_TRUTH, 0, NULL);
    mv_model model;
    float *logits = malloc(sizeof(float) * B * T * K);
    mv_decoder *d = core_agrees(&m, &model, window_roll(roll), B, logits);
    vae_stats st = vae_forward(&m, window_roll(roll), NULL, B, &loss, VAE_FEED_GREEDY, 0, NULL);
    vae_count_onsets(&m, window_roll(roll), &st);
    decoder_decode(d, m.mu, B, 0, NULL, window_roll(greedy));
    long on_true = 0, on_pred = 0, on_both = 0; /* the "starts" bits */
    for (int i = 0; i < B * T; i++)
        for (int p = K / 2; p < K; p++) {
            on_true += roll[(size_t)i * K + p];
            on_pred += greedy[(size_t)i * K + p];
            on_both += roll[(size_t)i * K + p] & greedy[(size_t)i * K + p];
        }
    check_onsets("roll", &st, on_true, on_pred, on_both);
    int same = 0, sounding = 0;
    for (int b = 0; b < B; b++)
        for (int t = 0; t + 1 < T; t++) {
            const float *fed = vae_input_step_at(&m, b, t + 1);
            const uint8_t *core = greedy + ((size_t)b * T + t) * K;
            int equal = 1;
            for (int k = 0; k < K; k++) equal &= (fed[k] > 0.5f) == core[k], sounding += core[k];
            same += equal;
        }
    CHECK_MSG(same == B * (T - 1), "roll: greedy steps agree at %d of %d", same, B * (T - 1));
    CHECK_MSG(sounding > 0, "roll: greedy decoding is silent, the comparison shows nothing");
    printf("roll: greedy steps %d/%d equal, %d bits set\n", same, B * (T - 1), sounding);
    free(roll), free(greedy), free(logits);
    decoder_free(d);
    vae_free(&m);
}

/* The same for a groove model: logits and mu of the 27 features a step, the
 * loss against core's, and greedy decoding (hits by logit > 0, velocity and
 * offset rounded to the step's bytes, fed back) step for step; a velocity or
 * offset may round one unit apart where the two logits (double and float)
 * straddle a rounding boundary. */
static void compare_groove(const mv_hparams *hp)
{
    enum { B = 4 };
    const int T = (int)hparams_seq_len(hp), K = (int)hp->n_classes;
    vae m;
    CHECK(vae_create(&m, hp, B) == 0);
    vae_init_params(&m, 17);
    for (uint64_t i = 0; i < m.n_params; i++) m.params[i] *= 2.0f;
    mv_rng r;
    rng_seed(&r, 18);
    uint8_t *steps = calloc((size_t)B * T, (size_t)K), *greedy = malloc((size_t)B * T * K);
    random_groove_steps(&r, steps, B * T, 0.3f);
    vae_loss_cfg loss = {0.2f, 0};
    vae_stats tf = vae_forward(&m, window_groove(steps), NULL, B, &loss, VAE_FEED_TRUTH, 0, NULL);
    mv_model model;
    float *logits = malloc(sizeof(float) * B * T * K), *probs = malloc(sizeof(float) * B * T * K);
    mv_decoder *d = core_agrees(&m, &model, window_groove(steps), B, logits);
    int correct;
    double core_loss = repr_io_of(MV_REPR_GROOVE)->loss(logits, probs, steps, B * T, K, &correct);
    CHECK_MSG(fabs(core_loss / B - tf.recon) < 1e-3 * fabs(tf.recon),
              "groove: core's loss %.6f a sequence, the trainer's %.6f", core_loss / B, tf.recon);

    vae_stats st = vae_forward(&m, window_groove(steps), NULL, B, &loss, VAE_FEED_GREEDY, 0, NULL);
    vae_count_onsets(&m, window_groove(steps), &st);
    decoder_decode(d, m.mu, B, 0, NULL, window_groove(greedy));
    int same_hits = 0, close = 0, hits = 0;
    for (int b = 0; b < B; b++)
        for (int t = 0; t + 1 < T; t++) {
            const float *fed = vae_input_step_at(&m, b, t + 1);
            const uint8_t *core = greedy + ((size_t)b * T + t) * K;
            float x[MV_GROOVE_STEP_BYTES];
            groove_features(core, x);
            int equal = 1, near = 1;
            for (int v = 0; v < MV_GROOVE_VOICES; v++) {
                equal &= (fed[MV_GROOVE_HIT + v] > 0.5f) == (core[MV_GROOVE_HIT + v] != 0);
                hits += core[MV_GROOVE_HIT + v];
                near &= fabsf(fed[MV_GROOVE_VELOCITY + v] - x[MV_GROOVE_VELOCITY + v]) <= 1.01f / 127 &&
                        fabsf(fed[MV_GROOVE_OFFSET + v] - x[MV_GROOVE_OFFSET + v]) <= 2.01f / 128;
            }
            same_hits += equal;
            close += near;
        }
    CHECK_MSG(same_hits == B * (T - 1), "groove: greedy hits agree at %d of %d steps", same_hits,
              B * (T - 1));
    CHECK_MSG(close == B * (T - 1), "groove: greedy velocities and offsets within a unit at %d of %d",
              close, B * (T - 1));
    CHECK_MSG(hits > 0, "groove: greedy decoding plays nothing, the comparison shows nothing");
    printf("groove: loss %.4f (core %.4f), greedy steps %d/%d with the same hits, %d hits\n",
           tf.recon, core_loss / B, same_hits, B * (T - 1), hits);
    free(steps), free(greedy), free(logits), free(probs);
    decoder_free(d);
    vae_free(&m);
}

int main(void)
{
    mv_hparams small = {MV_REPR_MELODY, 90, 21, 2, 16, 16, 24, 1, 20, 1, 18, 2, 0};
    compare(&small, "melody, 1 encoder layer");
    mv_hparams deep = {MV_REPR_DRUMS, 512, 0, 3, 4, 8, 12, 2, 10, 2, 14, 3, 0};
    compare(&deep, "drums, 2 encoder and conductor layers, 3 decoder layers");
    mv_hparams chords = small;
    chords.chords = MV_CHORDS_V1;
    compare(&chords, "melody with chords");
    mv_hparams roll = {MV_REPR_ROLL, 2 * 20, 48, 2, 8, 8, 12, 2, 10, 1, 14, 2, 0};
    compare_roll(&roll);
    mv_hparams groove = {MV_REPR_GROOVE, MV_GROOVE_STEP_BYTES, 0, 2, 8, 8, 12, 2, 10, 1, 14, 2, 0};
    compare_groove(&groove);
    return check_report();
}
