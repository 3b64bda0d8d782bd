/* morphvae attributes: attribute vectors of a model from a corpus of its
 * training windows. Each attribute (core/attributes.h) gets two directions,
 * by regression and by quartile means (attribute_fit.h), and the attributes of
 * the plugin's four controls a third: the regression direction that holds the
 * other three (by the linear model). The step along each
 * that a knob takes per +1 sd is calibrated on decoded validation windows (a
 * short line search until the decoded attribute moves by 1 sd), then the
 * vectors are measured on other decoded windows (the test split's); the best
 * one (most change of its own attribute, least of the others) is stored in the
 * weights file with its statistics and step if it moves its attribute by at
 * least --min-effect sd (a knob on a vector that moves nothing is worse than
 * none: the plugin's syncopation control then falls back to the next name it
 * accepts), and a table like the MusicVAE paper's shows what +1 sd of each
 * vector does. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attribute_fit.h"
#include "attributes.h"
#include "cli.h"
#include "commands.h"
#include "data/corpus.h"
#include "gen_model.h"
#include "meta_rewrite.h"
#include "latent.h"

#define K MV_ATTR_COUNT
#define BATCH 32
#define CAL_ROUNDS 8       /* line-search decodes per vector */
#define CAL_TOLERANCE 0.05 /* |decoded change - 1 sd| that ends the search */
#define CAL_MAX_STEP 8.0    /* in prior sd along the unit vector (the knobs reach 4 steps) */
#define MIN_EFFECT 0.5      /* default --min-effect: sd a stored vector must move its attribute */

/* The attributes of the plugin's controls (plugin/engine.c), held by the
 * partial directions. The syncopation control binds syncopation_16th where the
 * model stores that vector, else syncopation (plugin/engine.c's order), so the
 * fourth held attribute is syncopation_16th if its regression or quartile
 * vector will be stored (knob_syncopation), else syncopation. (Both held at
 * once would be near-dependent where the rhythm sits on the bar's grid.) */
static const int knob_attributes[] = {MV_ATTR_NOTE_DENSITY, MV_ATTR_MEAN_PITCH,
                                      MV_ATTR_PITCH_RANGE, MV_ATTR_SYNCOPATION_16};
#define N_KNOBS (int)(sizeof knob_attributes / sizeof knob_attributes[0])

static int usage(FILE *f, int status)
{
    fprintf(f, "usage: morphvae attributes MODEL corpus.bin [--max-windows 4096] [--eval 256]\n"
               "         [--method best|regression|quartiles|partial] [--no-calibrate]\n"
               "         [--min-effect 0.5] [--no-store]\n"
               "Fits a latent direction per attribute (note density, mean pitch, pitch range,\n"
               "mean interval, 16th and 8th syncopation, ...; piano rolls: also polyphony)\n"
               "on the corpus's training windows, by regression on the latent code and by\n"
               "top/bottom quartile means; for the plugin's controls (density, mean pitch,\n"
               "range, syncopation) also the partial direction: the regression's, holding\n"
               "the other controls' attributes (the syncopation control's: syncopation_16th\n"
               "if its vector will be stored, else syncopation, the 16th syncopation against\n"
               "the window's own 8th grid).\n"
               "The step a knob takes along a vector per +1 sd starts from the fit's linear\n"
               "prediction and is calibrated by a line search on --eval decoded validation\n"
               "windows (greedy, z = mu + step v) until their attribute moves by 1 sd (its sd\n"
               "on the training windows); --no-calibrate keeps the prediction. All vectors\n"
               "are then measured on --eval other decoded windows (the test split's, else\n"
               "other validation windows): the effect on their own attribute and the\n"
               "leakage into the others, in sd per +1 sd. The best vector of each\n"
               "attribute is stored in MODEL with its statistics and step if it moves its\n"
               "attribute by at least --min-effect sd (0: store it whatever it does) and its\n"
               "vector, step and effect are finite numbers; the model's other attribute\n"
               "vectors are removed. When no vector is usable, nothing is written and the\n"
               "exit status is 1.\n");
    return status;
}

typedef struct {
    const char *model, *corpus;
    long max_windows, n_eval;
    int method; /* -1: best of both */
    int store, calibrate;
    double min_effect; /* > 0: own effect a stored vector needs */
} attr_args;

/* Everything fitted and measured for one attribute and method. */
typedef struct {
    int ok;
    float *v;
    mv_attribute_fit fit;
    double step;       /* along v per +1 sd: the fit's prediction, then calibrated */
    double cal_effect; /* own change at that step on the calibration windows */
    double effect[K];  /* mean change of each attribute in its sd, NAN if unmeasured */
    double own, leak;
} attr_result;

/* Encoded windows of a split and the attributes of their greedy decodes at z = mu. */
typedef struct {
    int split, n;
    float *mu, *base; /* [n, Z], [n, K] */
} window_set;

typedef struct {
    mv_gen_model g;
    mv_corpus *corpus;
    int n_fit;
    uint8_t *fit_windows;    /* [n_fit] windows of g.window_bytes (tokens or rolls) */
    float *fit_attr, *fit_mu, *fit_sigma;
    window_set cal, measure; /* calibration and measurement windows */
    float *z, *moved;        /* [n, Z], [n, K] scratch for either set */
    uint8_t *windows;        /* [n] decoded windows */
    float base_attr_sd[K];
    attr_result res[K][MV_FIT_METHODS];
    int best[K];   /* the method that moves the attribute best, or -1 */
    int chosen[K]; /* best[k] if it passes --min-effect, else -1 */
} attr_run;

/* 0 ok, 2 usage error, -1 help printed. */
static int parse(int argc, char **argv, attr_args *a)
{
    *a = (attr_args){NULL, NULL, 4096, 256, -1, 1, 1, MIN_EFFECT};
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (cli_is_help(o)) return usage(stdout, 0) - 1;
        if (o[0] != '-') {
            if (!a->model) a->model = o;
            else if (!a->corpus) a->corpus = o;
            else return cli_extra_argument("attributes", o);
            continue;
        }
        if (!strcmp(o, "--no-store")) {
            a->store = 0;
            continue;
        }
        if (!strcmp(o, "--no-calibrate")) {
            a->calibrate = 0;
            continue;
        }
        static const char *const with_value[] = {"--max-windows", "--eval", "--min-effect",
                                                 "--method", NULL};
        const char *v = cli_option_value("attributes", with_value, argc, argv, &i);
        if (!v) return 2;
        if (!strcmp(o, "--max-windows")) {
            if (cli_long("attributes", o, v, 8, 10000000, &a->max_windows)) return 2;
        } else if (!strcmp(o, "--eval")) {
            if (cli_long("attributes", o, v, 1, 100000, &a->n_eval)) return 2;
        } else if (!strcmp(o, "--min-effect")) {
            if (cli_double("attributes", o, v, 0, 100, &a->min_effect)) return 2;
        } else if (!strcmp(o, "--method")) {
            if (!strcmp(v, "best")) a->method = -1;
            else if (!strcmp(v, "regression")) a->method = MV_FIT_REGRESSION;
            else if (!strcmp(v, "quartiles")) a->method = MV_FIT_QUARTILES;
            else if (!strcmp(v, "partial")) a->method = MV_FIT_PARTIAL;
            else
                return cli_misuse("attributes",
                                  "unknown --method '%s' (best, regression, quartiles or partial)",
                                  v);
        }
    }
    if (!a->model) return cli_required("attributes", "MODEL");
    return a->corpus ? 0 : cli_required("attributes", "corpus.bin");
}

static int check_corpus_fits(const attr_args *a, attr_run *r, char *err, size_t errlen)
{
    const mv_hparams *hp = &r->g.hp;
    mv_corpus *c = r->corpus;
    if (!corpus_fits_model(c, a->corpus, hp, err, errlen)) return -1;
    if (corpus_count(c, MV_SPLIT_TRAIN) < 8) {
        snprintf(err, errlen, "%s: %llu training windows; attribute vectors need at least 8",
                 a->corpus, (unsigned long long)corpus_count(c, MV_SPLIT_TRAIN));
        return -1;
    }
    return 0;
}

/* n windows of a split spread evenly over it, copied into a new array; shifted
 * by half a spacing when `shifted`, to take other windows than an unshifted
 * pick (the same ones when the split has no more than n). */
static uint8_t *pick_windows(const mv_gen_model *g, mv_corpus *c, int split, int n, int shifted)
{
    uint64_t count = corpus_count(c, split);
    uint8_t *t = malloc(g->window_bytes * (size_t)n);
    for (int i = 0; t && i < n; i++) {
        uint64_t k = (2 * (uint64_t)i + (uint64_t)shifted) * count / (2 * (uint64_t)n);
        const void *w = corpus_window_steps(c, split, k);
        memcpy(t + (size_t)i * g->window_bytes, w, g->window_bytes);
    }
    return t;
}

/* The attributes of n windows (tokens or rolls, as the model's). */
static void compute_attributes(const mv_gen_model *g, const uint8_t *windows, int n, float *out)
{
    for (int i = 0; i < n; i++) {
        const void *w = windows + (size_t)i * g->window_bytes;
        attributes_compute_window(&g->hp, w, out + (size_t)i * K);
    }
}

/* Encodes n windows of a split and the attributes of their greedy decodes. */
static int load_set(attr_run *r, window_set *s, int split, int n, int shifted)
{
    s->split = split;
    s->n = n;
    uint8_t *t = pick_windows(&r->g, r->corpus, split, n, shifted);
    s->mu = malloc(sizeof *s->mu * n * r->g.z_size);
    s->base = malloc(sizeof *s->base * n * K);
    int rc = t && s->mu && s->base ? 0 : -1;
    if (!rc) {
        gen_encode(&r->g, t, n, s->mu, NULL);
        gen_decode(&r->g, s->mu, n, 0, 0, r->windows);
        compute_attributes(&r->g, r->windows, n, s->base);
    }
    free(t);
    return rc;
}

static int min_count(mv_corpus *c, int split, long n)
{
    uint64_t count = corpus_count(c, split);
    return (int)(count < (uint64_t)n ? count : (uint64_t)n);
}

static int load(const attr_args *a, attr_run *r, char *err, size_t errlen)
{
    if (gen_model_open(&r->g, a->model, BATCH, err, errlen)) return -1;
    if (corpus_open(a->corpus, &r->corpus, err, errlen)) return -1;
    if (check_corpus_fits(a, r, err, errlen)) return -1;
    mv_corpus *c = r->corpus;
    r->n_fit = min_count(c, MV_SPLIT_TRAIN, a->max_windows);
    /* calibration on the valid split, measurement on the test split; a corpus
     * without them lends other windows of the split before */
    int cal_split = corpus_count(c, MV_SPLIT_VALID) ? MV_SPLIT_VALID : MV_SPLIT_TRAIN;
    int measure_split = corpus_count(c, MV_SPLIT_TEST) ? MV_SPLIT_TEST : cal_split;
    int n_cal = min_count(c, cal_split, a->n_eval), n_measure = min_count(c, measure_split, a->n_eval);
    int Z = r->g.z_size, n_max = n_cal > n_measure ? n_cal : n_measure;
    r->fit_windows = pick_windows(&r->g, c, MV_SPLIT_TRAIN, r->n_fit, 0);
    r->fit_attr = malloc(sizeof *r->fit_attr * r->n_fit * K);
    r->fit_mu = malloc(sizeof *r->fit_mu * r->n_fit * Z);
    r->fit_sigma = malloc(sizeof *r->fit_sigma * r->n_fit * Z);
    r->z = malloc(sizeof *r->z * n_max * Z);
    r->moved = malloc(sizeof *r->moved * n_max * K);
    r->windows = malloc(r->g.window_bytes * (size_t)n_max);
    if (!r->fit_windows || !r->fit_attr || !r->fit_mu || !r->fit_sigma || !r->z || !r->moved ||
        !r->windows || load_set(r, &r->cal, cal_split, n_cal, 0) ||
        load_set(r, &r->measure, measure_split, n_measure, measure_split == cal_split)) {
        snprintf(err, errlen, "%s: out of memory for %d windows", a->corpus, r->n_fit);
        return -1;
    }
    fprintf(stderr, "morphvae attributes: encoding %d training windows\n", r->n_fit);
    compute_attributes(&r->g, r->fit_windows, r->n_fit, r->fit_attr);
    gen_encode(&r->g, r->fit_windows, r->n_fit, r->fit_mu, r->fit_sigma);
    return 0;
}

static void fit_all(attr_run *r)
{
    fprintf(stderr, "morphvae attributes: fitting %d attributes by %d methods\n", K,
            MV_FIT_QUARTILES - MV_FIT_REGRESSION + 1);
    int Z = r->g.z_size;
    float *column = malloc(sizeof *column * r->n_fit);
    for (int k = 0; column && k < K; k++) {
        if (!attribute_applies(k, r->g.hp.repr)) continue;
        for (int i = 0; i < r->n_fit; i++) column[i] = r->fit_attr[(size_t)i * K + k];
        for (int m = MV_FIT_REGRESSION; m <= MV_FIT_QUARTILES; m++) {
            attr_result *res = &r->res[k][m];
            res->v = malloc(sizeof *res->v * Z);
            res->ok = res->v && !attribute_fit(m, r->fit_mu, r->fit_sigma, column, r->n_fit, Z,
                                               res->v, &res->fit);
            res->step = res->fit.step;
            if (res->fit.attr_std > r->base_attr_sd[k]) r->base_attr_sd[k] = res->fit.attr_std;
        }
    }
    free(column);
}

/* Whether the regression or quartile vector of k moves it by min_effect (<= 0:
 * whether either was fitted). */
static int passes(const attr_run *r, int k, double min_effect)
{
    for (int m = MV_FIT_REGRESSION; m <= MV_FIT_QUARTILES; m++) {
        const attr_result *res = &r->res[k][m];
        if (res->ok && (min_effect <= 0 || res->own >= min_effect)) return 1;
    }
    return 0;
}

/* The attribute the syncopation control will bind: see knob_attributes. */
static int knob_syncopation(const attr_run *r, double min_effect)
{
    return passes(r, MV_ATTR_SYNCOPATION_16, min_effect) ? MV_ATTR_SYNCOPATION_16
                                                          : MV_ATTR_SYNCOPATION;
}

/* Partial directions for the knob attributes whose regressions all exist. */
static void fit_partial(attr_run *r, double min_effect)
{
    const float *vectors[N_KNOBS];
    float steps[N_KNOBS];
    int held[N_KNOBS], n = 0, Z = r->g.z_size;
    for (int i = 0; i < N_KNOBS; i++) {
        int k = knob_attributes[i];
        if (k == MV_ATTR_SYNCOPATION_16) k = knob_syncopation(r, min_effect);
        const attr_result *g = &r->res[k][MV_FIT_REGRESSION];
        if (!attribute_applies(k, r->g.hp.repr)) continue;
        if (!g->ok) return;
        held[n] = k;
        vectors[n] = g->v;
        steps[n++] = g->fit.step;
    }
    for (int i = 0; n > 1 && i < n; i++) {
        const attr_result *g = &r->res[held[i]][MV_FIT_REGRESSION];
        attr_result *p = &r->res[held[i]][MV_FIT_PARTIAL];
        p->v = malloc(sizeof *p->v * Z);
        p->fit = g->fit; /* the attribute's statistics */
        p->ok = p->v && !attribute_partial(vectors, steps, n, i, Z, p->v, &p->fit.step);
        if (!p->ok) continue;
        double s = 0;
        for (int w = 0; w < r->n_fit; w++)
            for (int k = 0; k < Z; k++) s += (double)r->fit_mu[(size_t)w * Z + k] * p->v[k];
        p->fit.proj_mean = (float)(s / r->n_fit);
        p->step = p->fit.step;
    }
}

/* Greedy decodes of a set at z = mu + step v, their attributes into r->moved. */
static void decode_moved(attr_run *r, const window_set *s, const float *v, double step)
{
    int Z = r->g.z_size;
    memcpy(r->z, s->mu, sizeof *r->z * s->n * Z);
    for (int i = 0; i < s->n; i++) latent_add_attribute(r->z + (size_t)i * Z, v, 1.0f, (float)step, Z);
    gen_decode(&r->g, r->z, s->n, 0, 0, r->windows);
    compute_attributes(&r->g, r->windows, s->n, r->moved);
}

/* Mean change of attribute j from a set's base decodes to r->moved, in its sd
 * on the training windows; NAN if it is nowhere defined in both. */
static double mean_change(const attr_run *r, const window_set *s, int j)
{
    double sum = 0, sd = r->base_attr_sd[j];
    int n = 0;
    for (int i = 0; i < s->n; i++) {
        float b = s->base[(size_t)i * K + j], m = r->moved[(size_t)i * K + j];
        if (!isnan(b) && !isnan(m)) sum += m - b, n++;
    }
    return n && sd > 0 ? sum / n / sd : NAN;
}

/* The step along v whose decodes move attribute k by 1 sd on the calibration
 * windows: from the fit's prediction, steps scaled by 1 / (the change they
 * made), as if the change were proportional to the step, each scaling at most
 * 4x, within (0, CAL_MAX_STEP]; the best step tried wins. */
static void calibrate(attr_run *r, int k, attr_result *res)
{
    double step = fmin(fmax(res->step, 1e-3), CAL_MAX_STEP), best = step, best_miss = INFINITY;
    res->cal_effect = NAN;
    for (int round = 0; round < CAL_ROUNDS; round++) {
        decode_moved(r, &r->cal, res->v, step);
        double change = mean_change(r, &r->cal, k);
        if (isnan(change)) break;
        if (fabs(change - 1) < best_miss) {
            best = step;
            best_miss = fabs(change - 1);
            res->cal_effect = change;
        }
        if (best_miss < CAL_TOLERANCE) break;
        double next = change > 0.25 ? step / change : step * 4;
        next = fmin(fmax(next, step / 4), fmin(step * 4, CAL_MAX_STEP));
        if (next == step) break; /* at the cap */
        step = next;
    }
    res->step = best;
}

/* The change of every attribute at the stored step on the measurement
 * windows; own and mean |leak| for attribute k. */
static void measure(attr_run *r, int k, attr_result *res)
{
    decode_moved(r, &r->measure, res->v, res->step);
    double leak = 0;
    int n_leak = 0;
    for (int j = 0; j < K; j++) {
        res->effect[j] = mean_change(r, &r->measure, j);
        if (j != k && !isnan(res->effect[j])) leak += fabs(res->effect[j]), n_leak++;
    }
    res->own = res->effect[k];
    res->leak = n_leak ? leak / n_leak : 0;
}

/* Calibrates and measures the fitted vectors of methods [m0, m1]. */
static void evaluate(attr_run *r, int calibrated, int m0, int m1)
{
    uint64_t total = 0, done = 0;
    for (int k = 0; k < K; k++)
        for (int m = m0; m <= m1; m++) total += r->res[k][m].ok != 0;
    fprintf(stderr, "morphvae attributes: %s %llu vectors (%s) on %d + %d windows\n",
            calibrated ? "calibrating and measuring" : "measuring", (unsigned long long)total,
            m0 == m1 ? fit_method_name(m0) : "every method", r->cal.n, r->measure.n);
    cli_progress progress;
    cli_progress_start(&progress, "attributes", "vectors", total, false);
    for (int k = 0; k < K; k++)
        for (int m = m0; m <= m1; m++) {
            attr_result *res = &r->res[k][m];
            if (!res->ok) continue;
            if (calibrated) calibrate(r, k, res);
            measure(r, k, res);
            cli_progress_update(&progress, ++done);
        }
    cli_progress_done(&progress);
}

/* Why a fitted vector cannot be stored whatever --min-effect says, or NULL:
 * a vector, step or statistic that is not a finite number (a fit on an
 * undertrained model's latents), or an effect that could not be measured
 * (its decodes leave the attribute undefined, e.g. no notes to have a pitch). */
static const char *unusable(const attr_result *res, int Z)
{
    if (!res->ok) return "not fitted";
    for (int i = 0; i < Z; i++)
        if (!isfinite(res->v[i])) return "its vector is not finite";
    if (!isfinite(res->step) || !isfinite(res->fit.attr_mean) || !isfinite(res->fit.attr_std) ||
        !isfinite(res->fit.proj_mean))
        return "its step or statistics are not finite";
    if (isnan(res->own)) return "its effect is undefined (its decodes leave the attribute undefined)";
    return NULL;
}

/* The best method: forced, or the one whose own change beats its leak most;
 * stored if it is usable and its own change reaches min_effect (when that is
 * > 0). */
static void choose(attr_run *r, int forced, double min_effect)
{
    for (int k = 0; k < K; k++) {
        r->best[k] = -1;
        if (forced >= 0) {
            if (r->res[k][forced].ok) r->best[k] = forced;
        } else {
            double best = -INFINITY;
            for (int m = 0; m < MV_FIT_METHODS; m++) {
                const attr_result *res = &r->res[k][m];
                if (!res->ok) continue;
                double score = isnan(res->own) ? -INFINITY : res->own - res->leak;
                if (r->best[k] < 0 || score > best) r->best[k] = m, best = score;
            }
        }
        int b = r->best[k];
        r->chosen[k] = b >= 0 && !unusable(&r->res[k][b], r->g.z_size) &&
                               (min_effect <= 0 || r->res[k][b].own >= min_effect)
                           ? b
                           : -1;
    }
}

static void print_signed(double x)
{
    if (isnan(x)) printf("  %7s", "-");
    else printf("  %+7.2f", x);
}

static const char *split_name(int split)
{
    return split == MV_SPLIT_TEST ? "test" : split == MV_SPLIT_VALID ? "validation" : "training";
}

/* One method's columns of the first table: step predicted -> stored, own change, leak. */
static void print_method(const attr_result *res)
{
    if (!res->ok) {
        printf(" %6s %6s %7s %6s |", "-", "-", "-", "-");
        return;
    }
    printf(" %6.2f %6.2f", res->fit.step, res->step);
    if (isnan(res->own)) printf(" %7s", "-");
    else printf(" %+7.2f", res->own);
    printf(" %6.2f |", res->leak);
}

static void print_tables(const attr_args *a, const attr_run *r)
{
    printf("%s: attribute vectors fitted on %d training windows of %s.\n", a->model, r->n_fit,
           a->corpus);
    if (a->calibrate)
        printf("Step per +1 sd calibrated on %d %s windows (decoded change = 1 sd, within "
               "%.2f, step <= %.0f).\n", r->cal.n, split_name(r->cal.split), CAL_TOLERANCE,
               CAL_MAX_STEP);
    else
        printf("Step per +1 sd as the fit predicts it (not calibrated).\n");
    printf("Effects measured on %d %s windows%s: greedy decodes at z = mu + step v against z = "
           "mu, in sd of each attribute on the training windows.\n\n", r->measure.n,
           split_name(r->measure.split),
           r->measure.split == r->cal.split ? " (others than the calibration's where the split "
                                              "has enough)" : "");
    printf("%-18s %-21s %8s %8s |", "", "", "", "");
    for (int m = 0; m < MV_FIT_METHODS; m++) printf(" %-28s |", fit_method_name(m));
    printf(" stored\n");
    printf("%-18s %-21s %8s %8s |", "attribute", "unit", "mean", "sd");
    for (int m = 0; m < MV_FIT_METHODS; m++)
        printf(" %6s %6s %7s %6s |", "step", "stored", "own", "leak");
    printf("\n");
    for (int k = 0; k < K; k++) {
        if (!attribute_applies(k, r->g.hp.repr)) continue;
        const attr_result *g = &r->res[k][MV_FIT_REGRESSION];
        const mv_attribute_info *info = attribute_info(k);
        printf("%-18s %-21s %8.3f %8.3f |", info->name, info->unit, g->fit.attr_mean,
               r->base_attr_sd[k]);
        for (int m = 0; m < MV_FIT_METHODS; m++) print_method(&r->res[k][m]);
        const char *why = r->best[k] >= 0 ? unusable(&r->res[k][r->best[k]], r->g.z_size) : NULL;
        if (r->chosen[k] >= 0) printf(" %s\n", fit_method_name(r->chosen[k]));
        else if (why) printf(" none (%s unusable: %s)\n", fit_method_name(r->best[k]), why);
        else if (r->best[k] >= 0)
            printf(" none (%s moves it by %+.2f < %.2f sd)\n", fit_method_name(r->best[k]),
                   r->res[k][r->best[k]].own, a->min_effect);
        else printf(" none (undefined)\n");
    }
    printf("\nchange of each attribute (columns, in its sd) from +1 sd of each stored vector "
           "(rows; *: the best vector, not stored),\non the %s windows; the diagonal is the "
           "vector's effect, the rest leakage:\n%-18s", split_name(r->measure.split), "");
    for (int j = 0; j < K; j++)
        if (attribute_applies(j, r->g.hp.repr)) printf("  %7s", attribute_info(j)->label);
    printf("\n");
    for (int k = 0; k < K; k++) {
        if (!attribute_applies(k, r->g.hp.repr) || r->best[k] < 0) continue;
        char name[32];
        snprintf(name, sizeof name, "%s%s", attribute_info(k)->name, r->chosen[k] < 0 ? "*" : "");
        printf("%-18s", name);
        for (int j = 0; j < K; j++)
            if (attribute_applies(j, r->g.hp.repr)) print_signed(r->res[k][r->best[k]].effect[j]);
        printf("\n");
    }
}

/* The statistics of one stored attribute, alive until the file is written. */
typedef struct {
    float stats[4];
} attr_meta_store;

/* The chosen vectors as metadata entries (the model's old attribute entries
 * are dropped when the file is rewritten). */
static int build_meta(const attr_run *r, mv_meta *meta, attr_meta_store *store)
{
    int n = 0;
    for (int k = 0; k < K; k++) {
        if (!attribute_applies(k, r->g.hp.repr) || r->chosen[k] < 0) continue;
        const attr_result *res = &r->res[k][r->chosen[k]];
        const mv_attribute_info *info = attribute_info(k);
        attr_meta_store *st = &store[k];
        const char *suffix[4] = {"vector", "stats", "unit", "method"};
        st->stats[0] = res->fit.attr_mean;
        st->stats[1] = res->fit.attr_std;
        st->stats[2] = res->fit.proj_mean;
        st->stats[3] = (float)res->step; /* what a knob's +1 moves z by along v */
        const char *method = fit_method_name(r->chosen[k]);
        mv_meta entries[4] = {
            {.type = MV_META_F32, .count = (uint64_t)r->g.z_size, .data = res->v},
            {.type = MV_META_F32, .count = 4, .data = st->stats},
            {.type = MV_META_STR, .count = strlen(info->unit), .data = info->unit},
            {.type = MV_META_STR, .count = strlen(method), .data = method},
        };
        for (int e = 0; e < 4; e++) {
            snprintf(entries[e].key, sizeof entries[e].key, "attribute.%s.%s", info->name,
                     suffix[e]);
            meta[n++] = entries[e];
        }
    }
    return n;
}

/* Rewrites the model file with the new attribute metadata. */
static int store(const attr_args *a, const attr_run *r, char *err, size_t errlen)
{
    mv_meta *meta = malloc(sizeof *meta * 4 * K);
    attr_meta_store *st = malloc(sizeof *st * K);
    int rc = -1;
    if (!meta || !st) snprintf(err, errlen, "%s: out of memory", a->model);
    else
        rc = meta_rewrite(a->model, r->g.weights, "attribute.", meta,
                          (size_t)build_meta(r, meta, st), err, errlen);
    free(meta);
    free(st);
    return rc;
}

static void release(attr_run *r)
{
    for (int k = 0; k < K; k++)
        for (int m = 0; m < MV_FIT_METHODS; m++) free(r->res[k][m].v);
    free(r->fit_windows);
    free(r->fit_attr);
    free(r->fit_mu);
    free(r->fit_sigma);
    free(r->z);
    free(r->moved);
    free(r->windows);
    const window_set *sets[2] = {&r->cal, &r->measure};
    for (int i = 0; i < 2; i++) {
        free(sets[i]->mu);
        free(sets[i]->base);
    }
    if (r->corpus) corpus_close(r->corpus);
    gen_model_close(&r->g);
}

int cmd_attributes(int argc, char **argv)
{
    attr_args a;
    int rc = parse(argc, argv, &a);
    if (rc) return rc < 0 ? 0 : rc;
    attr_run *r = calloc(1, sizeof *r);
    char err[1024];
    rc = r ? 0 : -1;
    if (!r) snprintf(err, sizeof err, "out of memory");
    if (!rc) rc = load(&a, r, err, sizeof err);
    if (!rc) {
        fit_all(r);
        evaluate(r, a.calibrate, MV_FIT_REGRESSION, MV_FIT_QUARTILES);
        fit_partial(r, a.min_effect);
        evaluate(r, a.calibrate, MV_FIT_PARTIAL, MV_FIT_PARTIAL);
        choose(r, a.method, a.min_effect);
        print_tables(&a, r);
        int n_stored = 0, n_applies = 0;
        char names[512] = "";
        for (int k = 0; k < K; k++) {
            if (!attribute_applies(k, r->g.hp.repr)) continue;
            n_applies++;
            if (r->chosen[k] < 0) continue;
            size_t len = strlen(names);
            snprintf(names + len, sizeof names - len, "%s%s", n_stored ? ", " : "",
                     attribute_info(k)->name);
            n_stored++;
        }
        if (!n_stored) {
            snprintf(err, sizeof err,
                     "no attribute vector is usable (see 'stored' in the table: undefined, "
                     "unusable or moving its attribute by less than --min-effect %.2f sd)%s",
                     a.min_effect,
                     a.store ? "; nothing stored: the model is left as it was" : "");
            rc = a.store ? -1 : 0;
            if (!a.store) printf("\n%s\n", err);
        } else if (a.store) {
            rc = store(&a, r, err, sizeof err);
            if (!rc) {
                putchar('\n');
                cli_wrote(a.model,
                          "%d of %d attribute vectors stored (%s); none for the others (see "
                          "'stored' in the table)",
                          n_stored, n_applies, names);
            }
        }
    }
    if (rc) fprintf(stderr, "morphvae attributes: %s\n", err);
    if (r) release(r);
    free(r);
    return rc ? 1 : 0;
}
