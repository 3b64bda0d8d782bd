#include "engine_impl.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chord_steer.h"
#include "latent.h"
#include "rng.h"
#include "tokens.h"

/* Metadata names each attribute port accepts, in order of preference (the
 * trainer's `morphvae attributes` names first). */
static const char *const attr_names[MV_N_ATTRS][4] = {
    [ATTR_DENSITY] = {"note_density", "density", NULL},
    [ATTR_REGISTER] = {"mean_pitch", "register", NULL},
    [ATTR_RANGE] = {"pitch_range", "range", NULL},
    [ATTR_SYNCOPATION] = {"syncopation_16th", "syncopation", "syncopation16", NULL},
};

static const mv_meta *meta_f32(const mv_weights *w, const char *key, uint64_t count)
{
    const mv_meta *m = weights_meta(w, key);
    if (!m || m->type != MV_META_F32 || m->count != count) return NULL;
    return m;
}

static void bind_attributes(mv_engine *e)
{
    for (int a = 0; a < MV_N_ATTRS; a++) {
        for (int i = 0; attr_names[a][i]; i++) {
            char key[MV_META_KEY_MAX];
            snprintf(key, sizeof key, "attribute.%s.vector", attr_names[a][i]);
            const mv_meta *v = meta_f32(e->weights, key, (uint64_t)e->info.z_size);
            snprintf(key, sizeof key, "attribute.%s.stats", attr_names[a][i]);
            const mv_meta *s = meta_f32(e->weights, key, 4);
            if (!v) continue;
            e->attr_vector[a] = v->data;
            /* Without statistics, a unit step along the vector is one "deviation". */
            e->attr_scale[a] = s ? ((const float *)s->data)[3] : 1.0f;
            break;
        }
    }
    for (int which = 0; which < 2; which++) {
        const mv_meta *m = meta_f32(e->weights, which ? "anchor.b.z" : "anchor.a.z",
                                    (uint64_t)e->info.z_size);
        e->default_anchor[which] = m ? m->data : NULL;
    }
}

/* Whether the plugin plays w's model; 0, or -1 with a message in err. */
static int check_playable(const mv_weights *w, const char *path, char *err, size_t errlen)
{
    const mv_hparams *hp = weights_hparams(w);
    if (hp->repr != MV_REPR_MELODY && hp->repr != MV_REPR_DRUMS && hp->repr != MV_REPR_ROLL &&
        hp->repr != MV_REPR_GROOVE) {
        snprintf(err, errlen,
                 "%s: the plugin plays melody, drum, groove and piano-roll models, not %s",
                 path, repr_name(hp->repr));
        return -1;
    }
    if (hp->repr == MV_REPR_GROOVE && hp->n_classes != MV_GROOVE_STEP_BYTES) {
        snprintf(err, errlen, "%s: a groove model of %u outputs a step, not %d", path,
                 hp->n_classes, MV_GROOVE_STEP_BYTES);
        return -1;
    }
    if (hp->steps_per_bar > MV_MAX_STEPS_PER_BAR) {
        snprintf(err, errlen, "%s: %u steps per bar, the plugin plays at most %d", path,
                 hp->steps_per_bar, MV_MAX_STEPS_PER_BAR);
        return -1;
    }
    const float *output_sd;
    return weights_output_sd(w, path, &output_sd, err, errlen);
}

int engine_check_model(const char *path, char *err, size_t errlen)
{
    mv_weights *w = NULL;
    if (weights_read(path, &w, err, errlen) != MV_WEIGHTS_OK) return -1;
    int rc = check_playable(w, path, err, errlen);
    weights_free(w);
    return rc;
}

mv_engine *engine_load(const char *path, char *err, size_t errlen)
{
    static atomic_uint serials;
    mv_weights *w = NULL;
    if (weights_read(path, &w, err, errlen) != MV_WEIGHTS_OK) return NULL;
    const mv_hparams *hp = weights_hparams(w);
    if (check_playable(w, path, err, errlen)) {
        weights_free(w);
        return NULL;
    }
    mv_engine *e = calloc(1, sizeof *e);
    if (!e) goto nomem;
    e->weights = w;
    e->info.serial = atomic_fetch_add(&serials, 1) + 1;
    snprintf(e->info.path, sizeof e->info.path, "%s", path);
    if (model_bind_weights(&e->model, w, err, errlen)) {
        engine_free(e);
        return NULL;
    }
    e->info.z_size = (int)hp->z_size;
    e->info.steps_per_bar = (int)hp->steps_per_bar;
    e->info.n_bars = (int)hp->n_bars;
    e->info.repr = hp->repr;
    e->info.min_pitch = hp->min_pitch;
    e->info.n_classes = hp->n_classes;
    bool roll = hp->repr == MV_REPR_ROLL, groove = hp->repr == MV_REPR_GROOVE;
    size_t steps = (size_t)e->info.n_bars * (size_t)e->info.steps_per_bar;
    /* hparams_check keeps a roll's pitches within 0..127 (n_pitches <= 128)
     * and a groove step at MV_GROOVE_STEP_BYTES (its n_classes). */
    e->info.n_pitches = roll ? (int)hp->n_classes / 2 : 0;
    e->info.bar_kind = bar_kind_of(hp->repr);
    e->step_bytes = roll || groove ? hp->n_classes : sizeof(int32_t);
    e->info.window_tokens = roll ? (int)((steps * hp->n_classes + MV_ROLL_TOKEN_BITS - 1) /
                                         MV_ROLL_TOKEN_BITS)
                            : groove ? (int)((steps * hp->n_classes + MV_GROOVE_TOKEN_BYTES - 1) /
                                             MV_GROOVE_TOKEN_BYTES)
                                     : (int)steps;
    e->decoder = decoder_create(&e->model, 1);
    e->refine = e->decoder ? refine_create(e->decoder) : NULL;
    e->anchor_z[0] = calloc((size_t)e->info.z_size, sizeof(float));
    e->anchor_z[1] = calloc((size_t)e->info.z_size, sizeof(float));
    e->z = calloc((size_t)e->info.z_size, sizeof(float));
    for (int which = 0; which < 2; which++)
        e->anchor_tokens[which] = calloc((size_t)e->info.window_tokens, sizeof(int32_t));
    e->seq_tokens = calloc((size_t)e->info.window_tokens, sizeof(int32_t));
    e->seq_bytes = roll || groove ? calloc(steps * hp->n_classes, 1) : NULL;
    e->chords = calloc(steps, 1);
    e->info.chords = (hp->chords != MV_CHORDS_NONE || hp->repr == MV_REPR_MELODY) &&
                     steps <= MV_CHORD_MAX_STEPS;
    if (!e->decoder || !e->refine || ((roll || groove) && !e->seq_bytes) || !e->chords ||
        !e->anchor_z[0] ||
        !e->anchor_z[1] || !e->z || !e->seq_tokens || !e->anchor_tokens[0] ||
        !e->anchor_tokens[1]) {
        engine_free(e);
        goto nomem;
    }
    /* a groove model's velocity and timing spread (`morphvae spread`), checked
     * by check_playable: sampled hits vary as the drummers' did */
    const float *output_sd;
    weights_output_sd(w, path, &output_sd, err, errlen);
    decoder_set_output_sd(e->decoder, output_sd);
    bind_attributes(e);
    engine_anchor_default(e, MV_SLOT_ANCHOR_A);
    engine_anchor_default(e, MV_SLOT_ANCHOR_B);
    return e;
nomem:
    if (!e) weights_free(w);
    snprintf(err, errlen, "%s: out of memory loading the model", path);
    return NULL;
}

void engine_free(mv_engine *e)
{
    if (!e) return;
    refine_free(e->refine); /* before the decoder whose matrices it borrows */
    decoder_free(e->decoder);
    weights_free(e->weights);
    free(e->anchor_z[0]);
    free(e->anchor_z[1]);
    free(e->z);
    free(e->anchor_tokens[0]);
    free(e->anchor_tokens[1]);
    free(e->seq_tokens);
    free(e->seq_bytes);
    free(e->chords);
    free(e);
}

const mv_hparams *engine_hparams(const mv_engine *e)
{
    return &e->model.hp;
}

uint64_t engine_checksum(const mv_engine *e)
{
    return weights_checksum(e->weights);
}

bool engine_windows_match(const mv_engine *a, const mv_engine *b)
{
    const mv_engine_info *x = &a->info, *y = &b->info;
    return x->repr == y->repr && x->n_bars == y->n_bars && x->steps_per_bar == y->steps_per_bar &&
           x->min_pitch == y->min_pitch && x->n_classes == y->n_classes;
}

void engine_list_push(mv_engine **list, mv_engine *e)
{
    e->free_next = *list;
    *list = e;
}

mv_engine *engine_list_next(const mv_engine *e)
{
    return e->free_next;
}

void engine_roll_pack(const mv_engine *e, const uint8_t *roll, int32_t *tokens)
{
    size_t bits = (size_t)e->info.n_bars * (size_t)e->info.steps_per_bar * e->info.n_classes;
    memset(tokens, 0, (size_t)e->info.window_tokens * sizeof(int32_t));
    for (size_t i = 0; i < bits; i++)
        if (roll[i]) tokens[i / MV_ROLL_TOKEN_BITS] |= (int32_t)(1u << (i % MV_ROLL_TOKEN_BITS));
}

void engine_roll_unpack(const mv_engine *e, const int32_t *tokens, uint8_t *roll)
{
    size_t bits = (size_t)e->info.n_bars * (size_t)e->info.steps_per_bar * e->info.n_classes;
    for (size_t i = 0; i < bits; i++)
        roll[i] = (uint8_t)(((uint32_t)tokens[i / MV_ROLL_TOKEN_BITS] >>
                             (i % MV_ROLL_TOKEN_BITS)) & 1u);
}

void engine_groove_pack(const mv_engine *e, const uint8_t *steps, int32_t *tokens)
{
    size_t bytes = (size_t)e->info.n_bars * (size_t)e->info.steps_per_bar * e->info.n_classes;
    memset(tokens, 0, (size_t)e->info.window_tokens * sizeof(int32_t));
    for (size_t i = 0; i < bytes; i++)
        tokens[i / MV_GROOVE_TOKEN_BYTES] |= (int32_t)((uint32_t)steps[i]
                                                       << (8 * (i % MV_GROOVE_TOKEN_BYTES)));
}

void engine_groove_unpack(const mv_engine *e, const int32_t *tokens, uint8_t *steps)
{
    size_t bytes = (size_t)e->info.n_bars * (size_t)e->info.steps_per_bar * e->info.n_classes;
    for (size_t i = 0; i < bytes; i++)
        steps[i] = (uint8_t)((uint32_t)tokens[i / MV_GROOVE_TOKEN_BYTES] >>
                             (8 * (i % MV_GROOVE_TOKEN_BYTES)));
}

/* A packed groove window: 16-bit values, nothing past the last step, each
 * step a groove step (core/groove.h). */
static bool groove_window_ok(const mv_engine *e, const int32_t *tokens)
{
    const size_t T = (size_t)e->info.n_bars * (size_t)e->info.steps_per_bar;
    const size_t bytes = T * e->info.n_classes;
    for (int i = 0; i < e->info.window_tokens; i++)
        if (tokens[i] < 0 || tokens[i] >= (1 << 16)) return false;
    if (bytes % MV_GROOVE_TOKEN_BYTES && (uint32_t)tokens[e->info.window_tokens - 1] >> 8)
        return false;
    uint8_t step[MV_GROOVE_STEP_BYTES];
    for (size_t t = 0; t < T; t++) {
        for (size_t b = 0; b < MV_GROOVE_STEP_BYTES; b++) {
            size_t i = t * MV_GROOVE_STEP_BYTES + b;
            step[b] = (uint8_t)((uint32_t)tokens[i / MV_GROOVE_TOKEN_BYTES] >>
                                (8 * (i % MV_GROOVE_TOKEN_BYTES)));
        }
        if (!groove_step_valid(step)) return false;
    }
    return true;
}

/* A packed roll: 16-bit values, nothing past the roll's last bit. */
static bool roll_window_ok(const mv_engine *e, const int32_t *tokens)
{
    size_t bits = (size_t)e->info.n_bars * (size_t)e->info.steps_per_bar * e->info.n_classes;
    for (int i = 0; i < e->info.window_tokens; i++)
        if (tokens[i] < 0 || tokens[i] >= (1 << MV_ROLL_TOKEN_BITS)) return false;
    size_t used = bits % MV_ROLL_TOKEN_BITS;
    return !used || !((uint32_t)tokens[e->info.window_tokens - 1] >> used);
}

bool engine_window_ok(const mv_engine *e, const int32_t *tokens)
{
    if (e->info.repr == MV_REPR_ROLL) return roll_window_ok(e, tokens);
    if (e->info.repr == MV_REPR_GROOVE) return groove_window_ok(e, tokens);
    for (int i = 0; i < e->info.window_tokens; i++)
        if (tokens[i] < 0 || (uint32_t)tokens[i] >= e->info.n_classes) return false;
    return true;
}

/* A window is kept only when it fits the model and MV_MAX_ANCHOR_TOKENS. */
static bool window_keepable(const mv_engine *e, const int32_t *tokens)
{
    return tokens && e->info.window_tokens <= MV_MAX_ANCHOR_TOKENS && engine_window_ok(e, tokens);
}

void engine_commit_anchor(mv_engine *e, mv_slot s, const float *z, const int32_t *tokens)
{
    int which = slot_anchor(s);
    if (z != e->anchor_z[which])
        memcpy(e->anchor_z[which], z, (size_t)e->info.z_size * sizeof(float));
    e->anchor_has_tokens[which] = window_keepable(e, tokens);
    if (e->anchor_has_tokens[which] && tokens != e->anchor_tokens[which])
        memcpy(e->anchor_tokens[which], tokens, (size_t)e->info.window_tokens * sizeof(int32_t));
}

static void prior_sample(const mv_engine *e, uint32_t seed, float *z)
{
    mv_rng r;
    rng_seed(&r, seed);
    for (int i = 0; i < e->info.z_size; i++) z[i] = rng_normal(&r);
}

void engine_anchor_seed(mv_engine *e, mv_slot s, uint32_t seed)
{
    prior_sample(e, seed, e->z);
    engine_commit_anchor(e, s, e->z, NULL);
}

void engine_anchor_default(mv_engine *e, mv_slot s)
{
    int which = slot_anchor(s);
    if (e->default_anchor[which]) engine_commit_anchor(e, s, e->default_anchor[which], NULL);
    else engine_anchor_seed(e, s, which ? 2u : 1u);
}

int engine_anchor_from_vector(mv_engine *e, mv_slot s, const float *z, int n,
                              const int32_t *tokens, int n_tokens)
{
    if (n != e->info.z_size) return -1;
    for (int i = 0; i < n; i++)
        if (!isfinite(z[i])) return -1;
    engine_commit_anchor(e, s, z, n_tokens == e->info.window_tokens ? tokens : NULL);
    return 0;
}

int engine_anchor_set_window(mv_engine *e, mv_slot s, const int32_t *tokens, int n)
{
    int which = slot_anchor(s);
    const int32_t *keep = n == e->info.window_tokens ? tokens : NULL;
    engine_commit_anchor(e, s, e->anchor_z[which], keep);
    return e->anchor_has_tokens[which] ? 0 : -1;
}

const float *engine_anchor_z(const mv_engine *e, mv_slot s)
{
    return e->anchor_z[slot_anchor(s)];
}

const int32_t *engine_anchor_window(const mv_engine *e, mv_slot s)
{
    int which = slot_anchor(s);
    return e->anchor_has_tokens[which] ? e->anchor_tokens[which] : NULL;
}

/* The anchor whose own notes p plays (exact ends), or -1. */
static int exact_end(const mv_engine *e, const mv_decode_params *p)
{
    if (!p->exact_ends) return -1;
    for (int a = 0; a < MV_N_ATTRS; a++)
        if (e->attr_vector[a] && p->attr[a] != 0.0f) return -1;
    int which = p->morph == 0.0f ? 0 : p->morph == 1.0f ? 1 : -1;
    return which >= 0 && e->anchor_has_tokens[which] ? which : -1;
}

int engine_phrase_bars(const mv_engine *e, const mv_decode_params *p)
{
    return p->phrase_bars < 1 ? e->info.n_bars : p->phrase_bars; /* 0: the model's own */
}

/* splitmix64 of the variation and the repeat index: a seed per repeat. */
static uint64_t phrase_seed(int32_t variation, int64_t repeat)
{
    uint64_t x = ((uint64_t)(uint32_t)variation << 32) ^ (uint64_t)repeat;
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

/* Where song_bar falls: the model's bar and which repeat of the model's bars. */
static int place_in_phrase(const mv_engine *e, const mv_decode_params *p, int64_t song_bar,
                           int64_t *repeat)
{
    int64_t phrase_bars = engine_phrase_bars(e, p);
    int64_t phrase_bar = song_bar % phrase_bars;
    if (phrase_bar < 0) phrase_bar += phrase_bars;
    *repeat = phrase_bar / e->info.n_bars;
    return (int)(phrase_bar % e->info.n_bars);
}

int engine_model_bar(const mv_engine *e, const mv_decode_params *p, int64_t song_bar)
{
    int64_t repeat;
    return place_in_phrase(e, p, song_bar, &repeat);
}

/* The decoder's chords for the next decode: the chain's (the rest none), or
 * none at all; a melody's note-ons lean to them by the Chord pull. */
static void set_chords(mv_engine *e, const uint8_t *chords, int n_chords, float pull)
{
    const int steps = e->info.n_bars * e->info.steps_per_bar;
    if (!e->info.chords || !chords || n_chords <= 0) {
        decoder_set_chords(e->decoder, NULL, 1);
        decoder_set_chord_steer(e->decoder, 0);
        return;
    }
    if (n_chords > steps) n_chords = steps;
    memcpy(e->chords, chords, (size_t)n_chords);
    memset(e->chords + n_chords, 0, (size_t)(steps - n_chords));
    decoder_set_chords(e->decoder, e->chords, 1);
    decoder_set_chord_steer(e->decoder, pull * CHORD_PULL_MAX_STEER);
}

/* e->z: the slerp of the anchors moved along the attribute vectors. */
static void latent_for(mv_engine *e, const mv_decode_params *p)
{
    latent_slerp(e->anchor_z[0], e->anchor_z[1], p->morph, e->info.z_size, e->z);
    for (int a = 0; a < MV_N_ATTRS; a++)
        if (e->attr_vector[a] && p->attr[a] != 0.0f)
            latent_add_attribute(e->z, e->attr_vector[a], p->attr[a], e->attr_scale[a],
                                 e->info.z_size);
}

/* How a representation's bars reach run(): an anchor's own window (the
 * exact ends) into window, and bar `bar` of window into out. */
typedef struct bar_player {
    void (*anchor_window)(const mv_engine *e, int which, void *window);
    void (*play)(const mv_engine *e, void *window, int bar, mv_bar_steps *out);
} bar_player;

static void token_anchor_window(const mv_engine *e, int which, void *window)
{
    memcpy(window, e->anchor_tokens[which], (size_t)e->info.window_tokens * sizeof(int32_t));
}

static void play_tokens(const mv_engine *e, void *window, int bar, mv_bar_steps *out)
{
    const int32_t *tokens = window;
    memcpy(out->tokens, tokens + bar * e->info.steps_per_bar,
           (size_t)e->info.steps_per_bar * sizeof(int32_t));
}

static void roll_anchor_window(const mv_engine *e, int which, void *window)
{
    engine_roll_unpack(e, e->anchor_tokens[which], window);
}

/* The steps of the bar, each made consistent with the one before (the
 * decoder's are already; an anchor's window may come from anywhere). */
static void play_roll(const mv_engine *e, void *window, int bar, mv_bar_steps *out)
{
    const int K = (int)e->info.n_classes, P = e->info.n_pitches, spb = e->info.steps_per_bar;
    uint8_t *roll = window;
    for (int s = 0; s < spb; s++) {
        int t = bar * spb + s;
        uint8_t *step = roll + (size_t)t * K;
        roll_step_normalise(step, t ? step - K : NULL, P);
        mv_roll_step *played = &out->roll[s];
        memset(played, 0, sizeof *played);
        for (int q = 0; q < P; q++) {
            if (step[q]) played->sounds[q >> 6] |= 1ull << (q & 63);
            if (step[P + q]) played->starts[q >> 6] |= 1ull << (q & 63);
        }
    }
}

static void groove_anchor_window(const mv_engine *e, int which, void *window)
{
    engine_groove_unpack(e, e->anchor_tokens[which], window);
}

/* A groove bar's steps as they are: hits, velocities and offsets. */
static void play_groove(const mv_engine *e, void *window, int bar, mv_bar_steps *out)
{
    const int spb = e->info.steps_per_bar;
    memcpy(out->groove, (const uint8_t *)window + (size_t)bar * spb * MV_GROOVE_STEP_BYTES,
           (size_t)spb * MV_GROOVE_STEP_BYTES);
}

static const bar_player token_player = {token_anchor_window, play_tokens};
static const bar_player roll_player = {roll_anchor_window, play_roll};
static const bar_player groove_player = {groove_anchor_window, play_groove};

/* Bars 0..model_bar of the sequence of p's latent into window, each bar
 * chained on the last step of the bar before. */
static void decode_up_to(mv_engine *e, const mv_decode_params *p, int64_t repeat, int model_bar,
                         char *window)
{
    const size_t bar_bytes = (size_t)e->info.steps_per_bar * e->step_bytes;
    latent_for(e, p);
    mv_rng rng;
    rng_seed(&rng, phrase_seed(p->variation, repeat));
    decoder_conduct(e->decoder, e->z, 1);
    for (int b = 0; b <= model_bar; b++) {
        char *bar = window + b * bar_bytes;
        decoder_decode_bar(e->decoder, 1, b, window_for(e->info.repr, b ? bar - e->step_bytes : NULL),
                           p->temperature, &rng, window_for(e->info.repr, bar));
    }
}

void engine_decode_bar(mv_engine *e, const mv_decode_params *p, int64_t song_bar,
                       const uint8_t *chords, int n_chords, mv_bar_steps *out)
{
    set_chords(e, chords, n_chords, p->chord_pull);
    const bar_player *player = e->info.repr == MV_REPR_ROLL     ? &roll_player
                               : e->info.repr == MV_REPR_GROOVE ? &groove_player
                                                                : &token_player;
    void *window = e->seq_bytes ? (void *)e->seq_bytes : (void *)e->seq_tokens;
    int64_t repeat;
    int model_bar = place_in_phrase(e, p, song_bar, &repeat);
    /* chords being followed win over Exact ends: an anchor's own notes
     * would ignore them */
    int exact = n_chords > 0 && chords ? -1 : exact_end(e, p);
    if (exact >= 0) player->anchor_window(e, exact, window);
    else decode_up_to(e, p, repeat, model_bar, window);
    player->play(e, window, model_bar, out);
}
