/* morphvae eval: reconstruction quality of a weights file on a corpus split,
 * decoded through core's encoder and decoder (the meaning the plugin uses),
 * beside trivial baselines on the same windows (eval_score.h); with --refine,
 * from z refined from mu (core/refine.h) as anchors taken from notes are. */
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "corpus.h"
#include "decoder.h"
#include "gen_model.h"
#include "eval_harmony.h"
#include "eval_latent.h"
#include "eval_groove.h"
#include "eval_roll.h"
#include "eval_score.h"
#include "json_fields.h"
#include "model.h"
#include "phrase_stats.h"
#include "refine.h"
#include "train_config.h"
#include "weights.h"

#define EVAL_BATCH 64

enum predictor { BY_TEACHER, BY_GREEDY, BY_COMMON, BY_REPEAT, PREDICTORS };

typedef struct eval_options {
    const char *model_path, *corpus_path, *split_name;
    int split;
    long max_windows;
    long refine_steps; /* 0: z = mu */
    int json;
    int no_chords; /* a chord model evaluated with the chords withheld */
    double chord_pull; /* harmony: decodes with chords given steered to them */
} eval_options;

/* One pass over a split: the decoder, buffers for EVAL_BATCH windows, sums. */
typedef struct evaluator {
    const mv_hparams *hp;
    mv_decoder *d;
    int T, K, Z;
    int32_t *truth;                /* [B, T] the windows */
    uint8_t *chords;               /* [B, T] their chords (chord models on a chord corpus) */
    int32_t *pred[PREDICTORS];     /* [B, T] each predictor's tokens */
    float *mu, *sigma, *z, *logits; /* [B, Z] x 3, [B, T, K] */
    double ce;                      /* summed over windows */
    eval_latent posterior; /* KL of the encoder's posterior */
    int32_t common_class;           /* the split's most common class */
    eval_score score[PREDICTORS];
    mv_refine *refine; /* with --refine */
    mv_refine_options refine_options;
    cli_progress progress; /* windows done, updated window by window when refining */
    uint64_t done;
    /* a corpus with chords: the harmony figures (eval_harmony.h) */
    int harmony_on;
    eval_harmony harmony;
    eval_harmony_scratch harmony_scratch;
    uint64_t window_index[EVAL_BATCH];
} evaluator;

static const char *const predictor_names[PREDICTORS] = {"tf", "greedy", "common", "repeat"};
static const char *const drum_names[MV_DRUM_CLASSES] = {
    "kick", "snare", "closed_hat", "open_hat", "low_tom", "mid_tom", "high_tom", "crash", "ride"};

static int usage(FILE *f, int status)
{
    fprintf(f,
            "usage: morphvae eval MODEL.mvae CORPUS.bin [--split test|valid|train] [--max N] "
            "[--json]\n"
            "       [--refine [STEPS]]\n"
            "Encodes each window of the split (default test) to mu and decodes from z = mu\n"
            "through core's decoder, as the plugin does. Prints:\n"
            "  accuracy teacher-forced: argmax of the logits given the true previous tokens;\n"
            "  accuracy sampled: greedy decoding from z feeding back its own tokens (what\n"
            "    the plugin plays); recon (CE summed over steps), KL and ELBO in nats per\n"
            "    sequence; active latent dimensions (mean KL over windows > %.1f nats);\n"
            "  a table of teacher-forced, greedy and two baselines on the same windows\n"
            "    (always the split's most common class; repeat the previous true token,\n"
            "    the most common class at step 0):\n"
            "    melody: accuracy on hold, note-off and note-on (onset) steps, on pitch-change\n"
            "      onsets (a note-on whose pitch differs from the previous note-on's in the\n"
            "      window), the share of onsets given some note-on, the share of missed pitch\n"
            "      changes that repeat the previous pitch; drums: accuracy on steps with hits,\n"
            "      and per instrument hit recall and precision;\n"
            "    both: the share of windows reproduced exactly.\n"
            "Piano-roll models instead print onset F1 teacher-forced and sampled (precision,\n"
            "  recall and F1 of the (step, pitch) onsets, and of sounding cells, beside a\n"
            "  repeat-the-previous-step baseline) and phrase statistics (notes per bar,\n"
            "  pitches sounding at once, range) of the data, the greedy reconstructions\n"
            "  and prior samples at temperatures 0, 0.5 and 1.\n"
            "Groove models print hit F1 teacher-forced and sampled, per instrument recall\n"
            "  and precision, the mean absolute error of velocity (MIDI units) and offset\n"
            "  (steps) on the hits both the truth and the prediction have, and the feel of\n"
            "  prior samples (T 0.7) beside the data's: velocity mean and sd, |offset| mean\n"
            "  and offset sd per instrument, kick on beat 1, hits per bar (not --refine).\n"
            "  --max N   N evenly spaced windows of the split (those that `train\n"
            "            --eval-windows N` validates on)\n"
            "  --json    one JSON object instead (keys like onset_greedy, acc_tf,\n"
            "            recall_kick_greedy; null where a figure has no steps)\n"
            "  --refine [STEPS]  decode from z refined from mu (at most STEPS Adam steps,\n"
            "            default %d; core/refine.h), as the plugin and the CLI take anchors\n"
            "            from notes; KL stays that of the encoder's posterior\n"
            "  --no-chords  a chord-conditioned model decodes with the corpus's chords\n"
            "            (teacher-forced and greedy; the refiner ignores them); this\n"
            "            withholds them, as chord dropout does in training\n"
            "On a corpus with chords (`data --chords`), melody models also print the share\n"
            "of melody onsets on a tone of their step's chord: chord tones data,\n"
            "teacher-forced, sampled (greedy from mu) and prior (z ~ N(0, I) at temperature\n"
            "%.1f, one sample per window, conditioned on its chords), for a chord model with\n"
            "the chords given and withheld (no chord: the baseline).\n"
            "  --chord-pull P  those decodes with the chords given lean to chord tones as\n"
            "            the plugin's Chord pull P (0-1) makes them; with it a model\n"
            "            without chord input also gets the chords-given figures\n",
            EVAL_ACTIVE_KL, MV_REFINE_DEFAULT_STEPS, SAMPLE_DEFAULT_TEMPERATURE);
    return status;
}

static int parse_split(const char *s)
{
    if (!strcmp(s, "test")) return MV_SPLIT_TEST;
    if (!strcmp(s, "valid")) return MV_SPLIT_VALID;
    if (!strcmp(s, "train")) return MV_SPLIT_TRAIN;
    return -1;
}

/* Returns 0 to go on, or the exit status (-1: help printed, exit 0). */
static int parse_options(int argc, char **argv, eval_options *o)
{
    *o = (eval_options){.split_name = "test"};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout, 0);
            return -1;
        }
        if (!strcmp(argv[i], "--split") && i + 1 < argc) o->split_name = argv[++i];
        else if (!strcmp(argv[i], "--max") && i + 1 < argc) {
            if (cli_long("eval", "--max", argv[++i], 0, LONG_MAX, &o->max_windows)) return 2;
        }
        else if (!strcmp(argv[i], "--json")) o->json = 1;
        else if (!strcmp(argv[i], "--no-chords")) o->no_chords = 1;
        else if (!strcmp(argv[i], "--chord-pull") && i + 1 < argc) {
            if (cli_double("eval", "--chord-pull", argv[++i], 0, 1, &o->chord_pull)) return 2;
        }
        else if (!strcmp(argv[i], "--refine")) {
            o->refine_steps = MV_REFINE_DEFAULT_STEPS;
            if (i + 1 < argc && isdigit((unsigned char)argv[i + 1][0]) &&
                cli_long("eval", "--refine", argv[++i], 1, MV_REFINE_MAX_STEPS,
                         &o->refine_steps))
                return 2;
        }
        else if (!strcmp(argv[i], "--split") || !strcmp(argv[i], "--max"))
            return cli_misuse("eval", "%s needs a value", argv[i]);
        else if (argv[i][0] == '-') return cli_unknown_option("eval", argv[i]);
        else if (!o->model_path) o->model_path = argv[i];
        else if (!o->corpus_path) o->corpus_path = argv[i];
        else return cli_extra_argument("eval", argv[i]);
    }
    o->split = parse_split(o->split_name);
    if (!o->model_path) return cli_required("eval", "MODEL.mvae");
    if (!o->corpus_path) return cli_required("eval", "CORPUS.bin");
    if (o->split < 0)
        return cli_misuse("eval", "unknown split '%s' (train, valid or test)", o->split_name);
    return 0;
}

/* Buffers for the harmony figures (freed by evaluator_free). */
static int harmony_init(evaluator *e)
{
    eval_harmony_scratch *s = &e->harmony_scratch;
    const size_t BT = (size_t)EVAL_BATCH * e->T;
    e->harmony_on = 1;
    e->harmony.temperature = SAMPLE_DEFAULT_TEMPERATURE;
    s->logits = malloc(sizeof(float) * BT * e->K);
    s->z = malloc(sizeof(float) * EVAL_BATCH * e->Z);
    s->tokens = malloc(sizeof(int32_t) * BT);
    s->rngs = malloc(sizeof(mv_rng) * EVAL_BATCH);
    return s->logits && s->z && s->tokens && s->rngs ? 0 : -1;
}

static int evaluator_init(evaluator *e, const mv_model *m, long refine_steps)
{
    memset(e, 0, sizeof *e);
    e->hp = &m->hp;
    e->T = (int)hparams_seq_len(e->hp);
    e->K = (int)e->hp->n_classes;
    e->Z = (int)e->hp->z_size;
    const size_t BT = (size_t)EVAL_BATCH * e->T, BZ = (size_t)EVAL_BATCH * e->Z;
    e->d = decoder_create(m, EVAL_BATCH);
    e->truth = malloc(sizeof(int32_t) * BT);
    e->chords = malloc(BT);
    for (int p = 0; p < PREDICTORS; p++) e->pred[p] = malloc(sizeof(int32_t) * BT);
    e->mu = malloc(sizeof(float) * BZ);
    e->sigma = malloc(sizeof(float) * BZ);
    e->z = malloc(sizeof(float) * BZ);
    e->logits = malloc(sizeof(float) * BT * e->K);
    e->refine_options = refine_defaults();
    e->refine_options.steps = (int)refine_steps;
    if (refine_steps && e->d) e->refine = refine_create(e->d);
    int ok = e->d && e->truth && e->chords && e->mu && e->sigma && e->z && e->logits &&
             !eval_latent_init(&e->posterior, e->Z) && (e->refine || !refine_steps);
    for (int p = 0; p < PREDICTORS; p++) ok = ok && e->pred[p];
    return ok ? 0 : -1;
}

static void evaluator_free(evaluator *e)
{
    refine_free(e->refine); /* before the decoder whose matrices it borrows */
    decoder_free(e->d);
    free(e->truth);
    free(e->chords);
    for (int p = 0; p < PREDICTORS; p++) free(e->pred[p]);
    free(e->mu);
    free(e->sigma);
    free(e->z);
    free(e->logits);
    eval_latent_free(&e->posterior);
    free(e->harmony_scratch.logits);
    free(e->harmony_scratch.z);
    free(e->harmony_scratch.tokens);
    free(e->harmony_scratch.rngs);
}

/* The z each window is decoded from: the encoder's mu, refined with --refine.
 * Every figure of the report decodes this z, so this is the one place to
 * change it. */
static void choose_latents(evaluator *e, int B)
{
    decoder_encode(e->d, window_tokens(e->truth), B, e->mu, e->sigma);
    memcpy(e->z, e->mu, sizeof(float) * (size_t)B * e->Z);
    for (int b = 0; e->refine && b < B; b++) {
        refine_latent(e->refine, window_tokens(e->truth + (size_t)b * e->T),
                      e->mu + (size_t)b * e->Z, &e->refine_options, e->z + (size_t)b * e->Z, NULL);
        cli_progress_update(&e->progress, e->done + (uint64_t)b + 1);
    }
}

/* Teacher-forced argmax into pred[BY_TEACHER], and the CE of the true tokens. */
static void teacher_forced(evaluator *e, int B)
{
    decoder_logits(e->d, e->z, window_tokens(e->truth), B, e->logits);
    for (int i = 0; i < B * e->T; i++) {
        const float *x = e->logits + (size_t)i * e->K;
        int best = 0;
        for (int k = 1; k < e->K; k++)
            if (x[k] > x[best]) best = k;
        double sum = 0;
        for (int k = 0; k < e->K; k++) sum += exp((double)x[k] - x[best]);
        e->ce += log(sum) + x[best] - x[e->truth[i]];
        e->pred[BY_TEACHER][i] = best;
    }
}

static void eval_batch(evaluator *e, int B)
{
    choose_latents(e, B);
    eval_latent_add(&e->posterior, e->mu, e->sigma, B);
    teacher_forced(e, B);
    decoder_decode(e->d, e->z, B, 0, NULL, window_tokens(e->pred[BY_GREEDY]));
    for (int i = 0; i < B * e->T; i++) e->pred[BY_COMMON][i] = e->common_class;
    eval_repeat_previous(e->truth, B, e->T, e->common_class, e->pred[BY_REPEAT]);
    for (int p = 0; p < PREDICTORS; p++)
        eval_score_add(&e->score[p], e->hp->repr, e->truth, e->pred[p], B, e->T,
                       (int)hparams_musical_bar(e->hp));
    e->done += (uint64_t)B;
    cli_progress_update(&e->progress, e->done);
}

static int32_t split_common_class(const mv_corpus *c, int split, int T, int K)
{
    uint64_t *count = calloc((size_t)K, sizeof *count);
    if (!count) return 0;
    for (uint64_t i = 0; i < corpus_count(c, split); i++)
        eval_count_classes(count, K, corpus_window(c, split, i), T);
    int32_t best = eval_most_common_class(count, K);
    free(count);
    return best;
}

/* ---- text report ---- */

static void print_row(const evaluator *e, const char *label, long n,
                      double (*figure)(const eval_score *))
{
    printf("  %-44s %7ld", label, n);
    for (int p = 0; p < PREDICTORS; p++) {
        double v = figure(&e->score[p]);
        if (isnan(v)) printf("  %9s", "-");
        else printf("  %9.4f", v);
    }
    printf("\n");
}

static double fig_all(const eval_score *s) { return eval_ratio(s->correct, s->steps); }
static double fig_hold(const eval_score *s)
{
    return eval_ratio(s->kind_correct[EVAL_HOLD], s->kind_steps[EVAL_HOLD]);
}
static double fig_off(const eval_score *s)
{
    return eval_ratio(s->kind_correct[EVAL_NOTE_OFF], s->kind_steps[EVAL_NOTE_OFF]);
}
static double fig_onset(const eval_score *s)
{
    return eval_ratio(s->kind_correct[EVAL_NOTE_ON], s->kind_steps[EVAL_NOTE_ON]);
}
static double fig_change(const eval_score *s)
{
    return eval_ratio(s->change_correct, s->change_steps);
}
static double fig_placed(const eval_score *s)
{
    return eval_ratio(s->onset_placed, s->kind_steps[EVAL_NOTE_ON]);
}
static double fig_change_repeat(const eval_score *s)
{
    return eval_ratio(s->change_missed_repeat, s->change_steps - s->change_correct);
}
static double fig_hit_steps(const eval_score *s)
{
    return eval_ratio(s->hit_steps_correct, s->hit_steps);
}
static double fig_exact(const eval_score *s) { return eval_ratio(s->exact, s->windows); }
/* Drums: F1 of (step, instrument) hits over all instruments (onset_f1, as
 * for groove models). */
static double fig_hit_f1(const eval_score *s)
{
    long both = 0, truth = 0, pred = 0;
    for (int c = 0; c < MV_DRUM_CLASSES; c++) {
        both += s->hits_both[c];
        truth += s->hits_true[c];
        pred += s->hits_pred[c];
    }
    return onset_f1((double)both, (double)(truth - both), (double)(pred - both));
}

static void print_drum_table(const evaluator *e)
{
    const eval_score *g = &e->score[BY_GREEDY], *t = &e->score[BY_TEACHER];
    printf("\n  drum hits per instrument   %7s  %9s  %9s  %9s  %9s\n", "hits", "recall", "precision",
           "recall", "precision");
    printf("  %-26s %7s  %9s  %9s  %9s  %9s\n", "", "", "greedy", "greedy", "t.-f.", "t.-f.");
    for (int c = 0; c < MV_DRUM_CLASSES; c++) {
        double v[4] = {eval_ratio(g->hits_both[c], g->hits_true[c]),
                       eval_ratio(g->hits_both[c], g->hits_pred[c]),
                       eval_ratio(t->hits_both[c], t->hits_true[c]),
                       eval_ratio(t->hits_both[c], t->hits_pred[c])};
        printf("  %-26s %7ld", drum_names[c], g->hits_true[c]);
        for (int k = 0; k < 4; k++) {
            if (isnan(v[k])) printf("  %9s", "-");
            else printf("  %9.4f", v[k]);
        }
        printf("\n");
    }
}

static int bars_scored(const evaluator *e)
{
    const int bars = e->T / (int)hparams_musical_bar(e->hp);
    return bars < EVAL_MAX_BARS ? bars : EVAL_MAX_BARS;
}

/* What the decoder keeps of z bar by bar: where a long phrase loses it. */
static void print_bar_table(const evaluator *e)
{
    const int bars = bars_scored(e);
    if (bars < 2) return;
    const eval_score *t = &e->score[BY_TEACHER], *g = &e->score[BY_GREEDY];
    const char *events = e->hp->repr == MV_REPR_MELODY ? "onsets" : "hit steps";
    printf("\n  accuracy by bar   %9s  %9s  %9s  %9s  %9s\n", "steps", "teacher-f", "greedy",
           events, events);
    printf("  %-17s %9s  %9s  %9s  %9s  %9s\n", "", "", "", "", "teacher-f", "greedy");
    for (int b = 0; b < bars; b++)
        printf("  bar %-13d %9ld  %9.4f  %9.4f  %9.4f  %9.4f\n", b + 1, t->bar_steps[b],
               eval_ratio(t->bar_correct[b], t->bar_steps[b]),
               eval_ratio(g->bar_correct[b], g->bar_steps[b]),
               eval_ratio(t->bar_onsets_correct[b], t->bar_onsets[b]),
               eval_ratio(g->bar_onsets_correct[b], g->bar_onsets[b]));
}

static void json_bars(const evaluator *e, int *first)
{
    char key[64];
    for (int p = BY_TEACHER; p <= BY_GREEDY; p++) {
        const eval_score *s = &e->score[p];
        for (int b = 0; b < bars_scored(e); b++) {
            snprintf(key, sizeof key, "acc_bar%d_%s", b + 1, predictor_names[p]);
            json_number(key, eval_ratio(s->bar_correct[b], s->bar_steps[b]), first);
            snprintf(key, sizeof key, "events_bar%d_%s", b + 1, predictor_names[p]);
            json_number(key, eval_ratio(s->bar_onsets_correct[b], s->bar_onsets[b]), first);
        }
    }
}

static void print_text(const eval_options *o, const evaluator *e, uint64_t split_windows)
{
    const eval_score *t = &e->score[BY_TEACHER], *g = &e->score[BY_GREEDY];
    const double n = (double)t->windows, recon = e->ce / n, kl = eval_latent_mean_kl(&e->posterior);
    char z_is[64] = "z = mu";
    if (o->refine_steps)
        snprintf(z_is, sizeof z_is, "z = mu refined (at most %ld steps)", o->refine_steps);
    printf("model %s on %s, %s split, %ld of %llu windows of %d steps, %s\n", o->model_path,
           o->corpus_path, o->split_name, t->windows, (unsigned long long)split_windows, e->T,
           z_is);
    printf("accuracy teacher-forced %.4f\n", fig_all(t));
    printf("accuracy sampled        %.4f (greedy from z, feeding back its own tokens)\n",
           fig_all(g));
    printf("recon   %.4f nats/sequence (CE summed over steps)\n", recon);
    printf("KL      %.4f nats/sequence (%.2f bits)\n", kl, kl / log(2.0));
    printf("ELBO    %.4f nats/sequence\n", -(recon + kl));
    printf("active latent dimensions %d of %d (mean KL over windows > %.1f nats)\n",
           eval_latent_active(&e->posterior), e->Z, EVAL_ACTIVE_KL);
    if (e->hp->repr == MV_REPR_DRUMS) {
        printf("hit F1 teacher-forced   %.4f (hits of every instrument on every step)\n",
               fig_hit_f1(t));
        printf("hit F1 sampled          %.4f (greedy from z)\n", fig_hit_f1(g));
    }
    char common[48];
    snprintf(common, sizeof common, "always %d", (int)e->common_class);
    printf("\n  %-44s %7s  %9s  %9s  %9s  %9s\n", "accuracy on", "steps", "teacher-f", "greedy",
           common, "repeat");
    print_row(e, "all steps", t->steps, fig_all);
    if (e->hp->repr == MV_REPR_MELODY) {
        print_row(e, "hold steps (token 0)", t->kind_steps[EVAL_HOLD], fig_hold);
        print_row(e, "note-off steps (token 1)", t->kind_steps[EVAL_NOTE_OFF], fig_off);
        print_row(e, "note-on steps (onsets)", t->kind_steps[EVAL_NOTE_ON], fig_onset);
        print_row(e, "pitch-change onsets", t->change_steps, fig_change);
        print_row(e, "onsets given some note-on (rhythm)", t->kind_steps[EVAL_NOTE_ON],
                  fig_placed);
        printf("  %-44s %7s", "missed pitch changes repeating the pitch", "");
        for (int p = 0; p < PREDICTORS; p++) {
            double v = fig_change_repeat(&e->score[p]);
            if (isnan(v)) printf("  %9s", "-");
            else printf("  %9.4f", v);
        }
        printf("\n");
    } else if (e->hp->repr == MV_REPR_DRUMS) {
        print_row(e, "steps with hits", t->hit_steps, fig_hit_steps);
    }
    print_row(e, "windows reproduced exactly", t->windows, fig_exact);
    if (e->hp->repr == MV_REPR_DRUMS) print_drum_table(e);
    print_bar_table(e);
    if (e->harmony_on) eval_harmony_print(&e->harmony, e->hp);
}

/* ---- JSON report ---- */

static void json_figure(const char *name, const evaluator *e,
                        double (*figure)(const eval_score *), int *first)
{
    char key[64];
    for (int p = 0; p < PREDICTORS; p++) {
        snprintf(key, sizeof key, "%s_%s", name, predictor_names[p]);
        json_number(key, figure(&e->score[p]), first);
    }
}

static void print_json(const eval_options *o, const evaluator *e, uint64_t split_windows)
{
    const double n = (double)e->score[0].windows, recon = e->ce / n, kl = eval_latent_mean_kl(&e->posterior);
    int first = 1;
    printf("{");
    json_eval_source(o->model_path, o->corpus_path, o->split_name, n, (double)split_windows,
                     &first);
    json_number("refine_steps", (double)o->refine_steps, &first);
    json_number("recon", recon, &first);
    json_number("kl", kl, &first);
    json_number("elbo", -(recon + kl), &first);
    json_number("active_dims", eval_latent_active(&e->posterior), &first);
    json_number("z_size", e->Z, &first);
    json_number("common_class", e->common_class, &first);
    json_figure("acc", e, fig_all, &first);
    json_figure("exact", e, fig_exact, &first);
    json_bars(e, &first);
    if (e->hp->repr == MV_REPR_MELODY) {
        json_figure("hold", e, fig_hold, &first);
        json_figure("noteoff", e, fig_off, &first);
        json_figure("onset", e, fig_onset, &first);
        json_figure("change", e, fig_change, &first);
        json_figure("placed", e, fig_placed, &first);
        json_figure("change_repeat", e, fig_change_repeat, &first);
        if (e->harmony_on) eval_harmony_json(&e->harmony, e->hp, &first);
    } else if (e->hp->repr == MV_REPR_DRUMS) {
        json_figure("hitsteps", e, fig_hit_steps, &first);
        json_figure("hit_f1", e, fig_hit_f1, &first);
        char key[64];
        for (int p = BY_TEACHER; p <= BY_GREEDY; p++) {
            const eval_score *s = &e->score[p];
            for (int c = 0; c < MV_DRUM_CLASSES; c++) {
                snprintf(key, sizeof key, "recall_%s_%s", drum_names[c], predictor_names[p]);
                json_number(key, eval_ratio(s->hits_both[c], s->hits_true[c]), &first);
                snprintf(key, sizeof key, "precision_%s_%s", drum_names[c], predictor_names[p]);
                json_number(key, eval_ratio(s->hits_both[c], s->hits_pred[c]), &first);
            }
        }
    }
    printf("}\n");
}

/* Evaluates the windows i * n / want (i < want) of the split: all when want = n. */
static int run_eval(const eval_options *o, const mv_model *m, const mv_corpus *c)
{
    const uint64_t n = corpus_count(c, o->split);
    uint64_t want = n;
    if (o->max_windows > 0 && (uint64_t)o->max_windows < n) want = (uint64_t)o->max_windows;
    if (n == 0) {
        fprintf(stderr, "morphvae eval: %s: the %s split is empty\n", o->corpus_path,
                o->split_name);
        return 1;
    }
    evaluator e;
    int status = 1;
    if (evaluator_init(&e, m, o->refine_steps)) {
        fprintf(stderr, "morphvae eval: out of memory\n");
        goto done;
    }
    const uint8_t *corpus_chords = corpus_window_chords(c, o->split, 0);
    if (corpus_chords && m->hp.repr == MV_REPR_MELODY && harmony_init(&e)) {
        fprintf(stderr, "morphvae eval: out of memory\n");
        goto done;
    }
    e.harmony.pull = (float)o->chord_pull;
    e.common_class = split_common_class(c, o->split, e.T, e.K);
    e.done = 0;
    cli_progress_start(&e.progress, "eval", o->refine_steps ? "windows refined" : "windows",
                       want, false);
    /* a chord model reads the corpus's chords (none: it plays without) */
    const int chords = m->hp.chords && !o->no_chords && corpus_chords;
    for (uint64_t i = 0; i < want; i += EVAL_BATCH) {
        const int B = want - i < EVAL_BATCH ? (int)(want - i) : EVAL_BATCH;
        for (int b = 0; b < B; b++) {
            const uint64_t w = (i + b) * n / want;
            memcpy(e.truth + (size_t)b * e.T, corpus_window(c, o->split, w),
                   sizeof(int32_t) * e.T);
            if (corpus_chords)
                memcpy(e.chords + (size_t)b * e.T, corpus_window_chords(c, o->split, w),
                       (size_t)e.T);
            e.window_index[b] = w;
        }
        decoder_set_chords(e.d, chords ? e.chords : NULL, B);
        eval_batch(&e, B);
        if (e.harmony_on)
            eval_harmony_batch(&e.harmony, e.d, e.hp, e.truth, e.chords, e.mu, e.window_index, B,
                               &e.harmony_scratch);
    }
    cli_progress_done(&e.progress);
    if (o->json) print_json(o, &e, n);
    else print_text(o, &e, n);
    status = 0;
done:
    evaluator_free(&e);
    return status;
}

int cmd_eval(int argc, char **argv)
{
    eval_options o;
    int rc = parse_options(argc, argv, &o);
    if (rc) return rc < 0 ? 0 : rc;

    char err[512];
    mv_weights *w = NULL;
    mv_corpus *c = NULL;
    if (weights_read(o.model_path, &w, err, sizeof err)) {
        fprintf(stderr, "morphvae eval: %s\n", err);
        return 1;
    }
    mv_model model;
    int status = 1;
    if (model_bind_weights(&model, w, err, sizeof err)) {
        fprintf(stderr, "morphvae eval: %s: %s\n", o.model_path, err);
    } else if (corpus_open(o.corpus_path, &c, err, sizeof err) ||
               !corpus_fits_model(c, o.corpus_path, weights_hparams(w), err, sizeof err)) {
        if (c)
            fprintf(stderr,
                    "morphvae eval: the model's representation or sizes do not match the "
                    "corpus's: %s; evaluate %s on a corpus made by `morphvae data` with its "
                    "--repr and --bars (morphvae info %s shows them)\n",
                    err, o.model_path, o.model_path);
        else fprintf(stderr, "morphvae eval: %s\n", err);
    } else if (model.hp.repr == MV_REPR_ROLL || model.hp.repr == MV_REPR_GROOVE) {
        eval_split_options so = {o.model_path, o.corpus_path, o.split_name, o.split,
                                 (uint64_t)o.max_windows, o.json, o.refine_steps};
        const float *output_sd = NULL;
        if (weights_output_sd(w, o.model_path, &output_sd, err, sizeof err))
            fprintf(stderr, "morphvae eval: %s\n", err);
        else
            status = model.hp.repr == MV_REPR_ROLL ? eval_roll(&so, &model, c)
                                                   : eval_groove(&so, &model, output_sd, c);
    } else {
        status = run_eval(&o, &model, c);
    }
    if (c) corpus_close(c);
    weights_free(w);
    return status;
}
