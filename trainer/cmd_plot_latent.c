/* morphvae plot latent: where a corpus's windows lie in a model's latent
 * space, as a 2-D map of their encoder mu's (embed.h), coloured by a musical
 * attribute or by song or style, with the anchors, the morph path between
 * them and prior samples placed by the same embedding. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attributes.h"
#include "cli.h"
#include "commands.h"
#include "data/corpus.h"
#include "embed.h"
#include "gen_model.h"
#include "latent.h"
#include "latent_labels.h"
#include "plot.h"
#include "rng.h"
#include "sequence_io.h"

#define ENCODE_BATCH 32
#define DEFAULT_MAX_WINDOWS 3000
#define PATH_STEPS 8 /* the morph path's segments: 9 points, anchors included */

enum colour_by { COLOUR_ATTRIBUTE, COLOUR_SONG, COLOUR_STYLE };

typedef struct {
    const char *model, *corpus, *out, *anchor_file[2], *track, *info;
    int split, method_pca, colour_by, attribute;
    long max_windows, prior, refine_steps;
    tsne_options tsne;
} latent_args;

static const char *const split_names[MV_SPLITS] = {"train", "valid", "test"};

/* Short names of the attributes a user colours by most. */
static const struct {
    const char *alias, *name;
} attribute_aliases[] = {
    {"density", "note_density"}, {"register", "mean_pitch"}, {"range", "pitch_range"}};

static int usage(FILE *f, int status)
{
    fprintf(f,
            "usage: morphvae plot latent MODEL CORPUS.bin[:train|valid|test] -o map.png\n"
            "         [--max %d] [--method tsne|pca] [--color ATTRIBUTE|song|style]\n"
            "         [--info info.csv] [--anchors a.mid b.mid [--track NAME] [--no-refine]]\n"
            "         [--prior N] [--perplexity 30] [--iterations 1000] [--seed 1]\n"
            "A map of the encoder mu's of at most --max windows (evenly spaced) of a corpus\n"
            "split (default test), by exact t-SNE (default) or PCA, coloured by an attribute\n"
            "of each window (density, register, range, syncopation, polyphony or any name\n"
            "`morphvae attributes` prints; default density) or by its song (source file) or\n"
            "style (the style column of Groove's info.csv, found beside or above the files,\n"
            "or --info). Placed by the same embedding: anchors A and B (the model's\n"
            "defaults, or the windows of two MIDI files taken and refined as `interpolate`\n"
            "takes them) with the slerp path between them, and --prior N samples of the\n"
            "prior. With song or style colours it prints how often a window's nearest\n"
            "neighbour shares its label, in the map and in latent space.\n",
            DEFAULT_MAX_WINDOWS);
    return status;
}

static int parse_colour(const char *v, latent_args *a)
{
    a->colour_by = !strcmp(v, "song") ? COLOUR_SONG : !strcmp(v, "style") ? COLOUR_STYLE
                                                                           : COLOUR_ATTRIBUTE;
    if (a->colour_by != COLOUR_ATTRIBUTE) return 0;
    for (size_t i = 0; i < sizeof attribute_aliases / sizeof attribute_aliases[0]; i++)
        if (!strcmp(v, attribute_aliases[i].alias)) v = attribute_aliases[i].name;
    a->attribute = attribute_find(v);
    if (a->attribute >= 0) return 0;
    fprintf(stderr, "morphvae plot latent: --color %s: no such attribute\n", v);
    return -1;
}

/* "PATH:SPLIT" sets the split; a path without one keeps the default. */
static void parse_corpus(char *arg, latent_args *a)
{
    a->corpus = arg;
    char *colon = strrchr(arg, ':');
    for (int s = 0; colon && s < MV_SPLITS; s++)
        if (!strcmp(colon + 1, split_names[s])) {
            *colon = 0;
            a->split = s;
        }
}

static int parse_number_option(const char *o, const char *v, latent_args *a)
{
    const char *cmd = "plot latent";
    long iterations;
    if (!strcmp(o, "--max")) return cli_long(cmd, o, v, 2, TSNE_MAX_POINTS, &a->max_windows);
    if (!strcmp(o, "--prior")) return cli_long(cmd, o, v, 0, 1000, &a->prior);
    if (!strcmp(o, "--perplexity")) return cli_double(cmd, o, v, 1, 1000, &a->tsne.perplexity);
    if (!strcmp(o, "--seed")) return cli_u64(cmd, o, v, &a->tsne.seed);
    if (!strcmp(o, "--iterations")) {
        if (cli_long(cmd, o, v, 1, 100000, &iterations)) return -1;
        a->tsne.iterations = (int)iterations;
        return 0;
    }
    return 1;
}

/* 0 ok, 2 usage error, -1 help printed. */
static int parse(int argc, char **argv, latent_args *a)
{
    *a = (latent_args){.split = MV_SPLIT_TEST, .attribute = MV_ATTR_NOTE_DENSITY,
                       .max_windows = DEFAULT_MAX_WINDOWS,
                       .refine_steps = MV_REFINE_DEFAULT_STEPS, .tsne = tsne_defaults()};
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (cli_is_help(o)) return usage(stdout, 0) - 1;
        if (o[0] != '-') {
            if (!a->model) a->model = o;
            else if (!a->corpus) parse_corpus(argv[i], a);
            else return cli_extra_argument("plot latent", o);
            continue;
        }
        if (!strcmp(o, "--no-refine")) {
            a->refine_steps = 0;
            continue;
        }
        if (!strcmp(o, "--anchors") && i + 2 < argc) {
            a->anchor_file[0] = argv[++i];
            a->anchor_file[1] = argv[++i];
            continue;
        }
        static const char *const with_value[] = {
            "--max", "--prior", "--perplexity", "--seed", "--iterations", "-o", "--track",
            "--info", "--color", "--colour", "--method", "--anchors", NULL};
        const char *v = cli_option_value("plot latent", with_value, argc, argv, &i);
        if (!v) return 2;
        if (!strcmp(o, "--anchors")) return cli_misuse("plot latent", "--anchors needs two files");
        int number = parse_number_option(o, v, a);
        if (number < 0) return 2;
        if (number == 0) continue;
        if (!strcmp(o, "-o")) a->out = v;
        else if (!strcmp(o, "--track")) a->track = v;
        else if (!strcmp(o, "--info")) a->info = v;
        else if (!strcmp(o, "--color") || !strcmp(o, "--colour")) {
            if (parse_colour(v, a)) return 2;
        } else if (!strcmp(o, "--method") && (!strcmp(v, "tsne") || !strcmp(v, "pca")))
            a->method_pca = !strcmp(v, "pca");
        else if (!strcmp(o, "--method"))
            return cli_misuse("plot latent", "unknown --method '%s' (tsne or pca)", v);
    }
    if (!a->model) return cli_required("plot latent", "MODEL");
    if (!a->corpus) return cli_required("plot latent", "CORPUS.bin");
    return a->out ? 0 : cli_required("plot latent", "-o FILE.png");
}

/* Everything the map is made of. */
typedef struct {
    mv_gen_model g;
    mv_corpus *corpus;
    int n_windows, n_points, path_at, path_n, prior_at;
    uint64_t *window_index; /* [n_windows] in the split */
    float *z;               /* [n_points, Z]: mu's, then the path, then prior samples */
    float *xy;              /* [n_points, 2] */
    float *value;           /* [n_windows] attribute values, or NULL */
    int *label;             /* [n_windows] label indices, or NULL */
    label_set labels;
    char anchor_name[2][300];
    double seconds, cpu_seconds; /* the embedding's wall and processor time */
} latent_run;

static const char *file_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static int check_corpus(const latent_args *a, latent_run *r, char *err, size_t errlen)
{
    const mv_hparams *hp = &r->g.hp;
    mv_corpus *c = r->corpus;
    if (corpus_repr(c) != hp->repr || corpus_n_classes(c) != hp->n_classes ||
        corpus_min_pitch(c) != hp->min_pitch || corpus_seq_len(c) != hparams_seq_len(hp)) {
        snprintf(err, errlen, "%s: its %s windows do not fit %s, a %s model", a->corpus,
                 repr_name(corpus_repr(c)), a->model, repr_name(hp->repr));
        return -1;
    }
    if (corpus_count(c, a->split) < 2) {
        snprintf(err, errlen, "%s: the %s split has fewer than 2 windows", a->corpus,
                 split_names[a->split]);
        return -1;
    }
    return 0;
}

/* The mu's of the chosen windows (evenly spaced over the split) into r->z. */
static int encode_windows(const latent_args *a, latent_run *r)
{
    uint64_t count = corpus_count(r->corpus, a->split);
    size_t wb = r->g.window_bytes;
    uint8_t *batch = malloc(wb * ENCODE_BATCH);
    if (!batch) return -1;
    for (int at = 0; at < r->n_windows; at += ENCODE_BATCH) {
        int n = r->n_windows - at < ENCODE_BATCH ? r->n_windows - at : ENCODE_BATCH;
        for (int b = 0; b < n; b++) {
            r->window_index[at + b] = (uint64_t)(at + b) * count / (uint64_t)r->n_windows;
            memcpy(batch + b * wb,
                   corpus_window_steps(r->corpus, a->split, r->window_index[at + b]), wb);
        }
        gen_encode(&r->g, batch, n, r->z + (size_t)at * r->g.z_size, NULL);
    }
    free(batch);
    return 0;
}

/* ---- colours ---- */

static int attribute_values(const latent_args *a, latent_run *r, char *err, size_t errlen)
{
    if (!attribute_applies(a->attribute, r->g.hp.repr)) {
        snprintf(err, errlen, "%s: %s does not apply to %s models", a->model,
                 attribute_info(a->attribute)->name, repr_name(r->g.hp.repr));
        return -1;
    }
    float all[MV_ATTR_COUNT];
    for (int i = 0; i < r->n_windows; i++) {
        const void *w = corpus_window_steps(r->corpus, a->split, r->window_index[i]);
        attributes_compute_window(&r->g.hp, w, all);
        r->value[i] = all[a->attribute];
    }
    return 0;
}

/* The label of one window: its song, or its style from the table (opened
 * for the first window's folder unless --info names it). */
static int window_label(const latent_args *a, const char *source, style_table **styles,
                        char *name, size_t len, char *err, size_t errlen)
{
    if (a->colour_by == COLOUR_SONG) {
        song_of_source(source, name, len);
        return 0;
    }
    if (!*styles && style_table_open(a->info, source, styles, err, errlen)) return -1;
    const char *style = style_of_source(*styles, source);
    snprintf(name, len, "%s", style ? style : "(not in the table)");
    return 0;
}

static int window_labels(const latent_args *a, latent_run *r, char *err, size_t errlen)
{
    style_table *styles = NULL;
    int rc = 0;
    for (int i = 0; i < r->n_windows && !rc; i++) {
        char name[256];
        const char *source = corpus_window_source(r->corpus, a->split, r->window_index[i], NULL,
                                                  NULL);
        rc = window_label(a, source, &styles, name, sizeof name, err, errlen);
        if (!rc && (r->label[i] = label_index(&r->labels, name)) < 0) {
            snprintf(err, errlen, "out of memory for the labels");
            rc = -1;
        }
    }
    style_table_free(styles);
    return rc;
}

/* ---- overlays ---- */

static int file_anchor(const latent_args *a, latent_run *r, int e, float *z, char *err,
                       size_t errlen)
{
    void *window = malloc(r->g.window_bytes);
    int bar = 0;
    int rc = !window || sequence_read_window(a->anchor_file[e], &r->g.hp, -1, a->track, window,
                                             &bar, err, errlen) ||
                     gen_anchor(&r->g, window, (int)a->refine_steps, z, NULL, NULL, err, errlen)
                 ? -1 : 0;
    if (!window) snprintf(err, errlen, "out of memory");
    snprintf(r->anchor_name[e], sizeof r->anchor_name[e], "%s, bar %d%s",
             file_name(a->anchor_file[e]), bar + 1, a->refine_steps ? ", refined" : "");
    free(window);
    return rc;
}

/* The model's default anchor e (anchor.a.z, anchor.b.z): 0, or 1 if it has none. */
static int default_anchor(latent_run *r, int e, float *z)
{
    char key[32];
    snprintf(key, sizeof key, "anchor.%c.z", e ? 'b' : 'a');
    const mv_meta *m = weights_meta(r->g.weights, key);
    if (!m || m->type != MV_META_F32 || m->count != (uint64_t)r->g.z_size) return 1;
    memcpy(z, m->data, sizeof *z * r->g.z_size);
    snprintf(key, sizeof key, "anchor.%c.source", e ? 'b' : 'a');
    const mv_meta *source = weights_meta(r->g.weights, key);
    snprintf(r->anchor_name[e], sizeof r->anchor_name[e], "%s",
             source && source->type == MV_META_STR ? file_name(source->data)
                                                   : "the model's default");
    /* "FILE, bar N, how it was refined": the file and bar are what fit the legend */
    char *comma = strchr(r->anchor_name[e], ',');
    if (comma && (comma = strchr(comma + 1, ','))) *comma = 0;
    return 0;
}

/* The anchors at both ends of the path, and the slerp between them. */
static int morph_path(const latent_args *a, latent_run *r, char *err, size_t errlen)
{
    int Z = r->g.z_size;
    float *first = r->z + (size_t)r->path_at * Z, *last = first + (size_t)PATH_STEPS * Z;
    for (int e = 0; e < 2; e++) {
        float *z = e ? last : first;
        if (a->anchor_file[0]) {
            if (file_anchor(a, r, e, z, err, errlen)) return -1;
        } else if (default_anchor(r, e, z)) {
            r->path_n = 0; /* nothing to draw */
            return 0;
        }
    }
    for (int k = 1; k < PATH_STEPS; k++)
        latent_slerp(first, last, (float)k / PATH_STEPS, Z, first + (size_t)k * Z);
    return 0;
}

static void prior_samples(const latent_args *a, latent_run *r)
{
    mv_rng rng;
    rng_seed(&rng, gen_sequence_seed(a->tsne.seed, 0));
    float *z = r->z + (size_t)r->prior_at * r->g.z_size;
    for (long k = 0; k < a->prior * r->g.z_size; k++) z[k] = rng_normal(&rng);
}

/* ---- the run ---- */

static int allocate(const latent_args *a, latent_run *r)
{
    uint64_t count = corpus_count(r->corpus, a->split);
    r->n_windows = count < (uint64_t)a->max_windows ? (int)count : (int)a->max_windows;
    r->path_at = r->n_windows;
    r->path_n = PATH_STEPS + 1;
    r->prior_at = r->path_at + r->path_n;
    r->n_points = r->prior_at + (int)a->prior;
    r->window_index = malloc(sizeof *r->window_index * r->n_windows);
    r->z = malloc(sizeof *r->z * (size_t)r->n_points * r->g.z_size);
    r->xy = malloc(sizeof *r->xy * 2 * (size_t)r->n_points);
    if (a->colour_by == COLOUR_ATTRIBUTE) r->value = malloc(sizeof *r->value * r->n_windows);
    else r->label = malloc(sizeof *r->label * r->n_windows);
    return r->window_index && r->z && r->xy && (r->value || r->label) ? 0 : -1;
}

/* The points without a path when there are no anchors, the path's slot
 * being left out of what is embedded. */
static void drop_empty_path(latent_run *r, int Z)
{
    if (r->path_n) return;
    int n_prior = r->n_points - r->prior_at;
    memmove(r->z + (size_t)r->path_at * Z, r->z + (size_t)r->prior_at * Z,
            sizeof *r->z * (size_t)n_prior * Z);
    r->prior_at = r->path_at;
    r->n_points = r->prior_at + n_prior;
}

static double seconds_on(clockid_t clock)
{
    struct timespec t;
    clock_gettime(clock, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

static int embed(const latent_args *a, latent_run *r, char *err, size_t errlen)
{
    double start = seconds_on(CLOCK_MONOTONIC), cpu_start = seconds_on(CLOCK_PROCESS_CPUTIME_ID);
    int rc = a->method_pca
                 ? embed_pca(r->z, r->n_points, r->n_windows, r->g.z_size, r->xy)
                 : embed_tsne(r->z, r->n_points, r->n_windows, r->g.z_size, &a->tsne, r->xy);
    r->seconds = seconds_on(CLOCK_MONOTONIC) - start;
    r->cpu_seconds = seconds_on(CLOCK_PROCESS_CPUTIME_ID) - cpu_start;
    if (rc) snprintf(err, errlen, "out of memory embedding %d points", r->n_points);
    return rc;
}

static int build(const latent_args *a, latent_run *r, char *err, size_t errlen)
{
    if (gen_model_open(&r->g, a->model, ENCODE_BATCH, err, errlen) ||
        corpus_open(a->corpus, &r->corpus, err, errlen) || check_corpus(a, r, err, errlen))
        return -1;
    if (allocate(a, r) || encode_windows(a, r)) {
        snprintf(err, errlen, "out of memory for %ld windows", a->max_windows);
        return -1;
    }
    int rc = a->colour_by == COLOUR_ATTRIBUTE ? attribute_values(a, r, err, errlen)
                                              : window_labels(a, r, err, errlen);
    if (rc || morph_path(a, r, err, errlen)) return -1;
    prior_samples(a, r);
    drop_empty_path(r, r->g.z_size);
    return embed(a, r, err, errlen);
}

/* How often the nearest neighbour shares the label, in the map and in latent space. */
static void print_agreement(const latent_args *a, const latent_run *r)
{
    double chance = 0;
    int *count = calloc((size_t)r->labels.n, sizeof *count);
    for (int i = 0; count && i < r->n_windows; i++) count[r->label[i]]++;
    for (int k = 0; count && k < r->labels.n; k++)
        chance += ((double)count[k] / r->n_windows) * ((double)count[k] / r->n_windows);
    free(count);
    printf("%s: nearest neighbour of the same %s: %.3f of windows in the map, %.3f in latent "
           "space (by chance: %.3f)\n",
           a->out, a->colour_by == COLOUR_SONG ? "song" : "style",
           embed_neighbour_agreement(r->xy, r->n_windows, 2, r->label),
           embed_neighbour_agreement(r->z, r->n_windows, r->g.z_size, r->label), chance);
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* How far the morph path runs from the windows, in latent space: the
 * distance from each of its points to the nearest window, in units of the
 * median distance between a window and its nearest neighbour (over up to
 * PATH_DENSITY_SAMPLE windows): near 1 the path crosses regions as dense as
 * the data, well above 1 it runs where no window is. */
#define PATH_DENSITY_SAMPLE 400
static void print_path_distances(const latent_args *a, const latent_run *r)
{
    int Z = r->g.z_size;
    int n = r->n_windows < PATH_DENSITY_SAMPLE ? r->n_windows : PATH_DENSITY_SAMPLE;
    double nearest[PATH_DENSITY_SAMPLE];
    for (int i = 0; i < n; i++) {
        int w = (int)((int64_t)i * r->n_windows / n);
        nearest[i] = embed_nearest_distance(r->z, r->n_windows, Z, r->z + (size_t)w * Z, w);
    }
    qsort(nearest, (size_t)n, sizeof *nearest, compare_doubles);
    double unit = nearest[n / 2];
    printf("%s: morph path A -> B, distance to the nearest window (1 = the windows' median "
           "nearest-neighbour distance, %.2f):", a->out, unit);
    for (int k = 0; k < r->path_n; k++)
        printf(" %.2f", embed_nearest_distance(r->z, r->n_windows, Z,
                                               r->z + (size_t)(r->path_at + k) * Z, -1) / unit);
    printf("\n");
}

static int draw(const latent_args *a, latent_run *r, char *err, size_t errlen)
{
    char title[512], subtitle[512], colour[160];
    snprintf(title, sizeof title, "Latent space of %s: encoder mu of %d %s windows of %s",
             file_name(a->model), r->n_windows, split_names[a->split], file_name(a->corpus));
    if (a->method_pca)
        snprintf(subtitle, sizeof subtitle, "PCA: the first two principal components of the "
                 "points shown; the axes' units mean nothing here");
    else
        snprintf(subtitle, sizeof subtitle, "t-SNE (exact, perplexity %g, %d steps, seed %llu): "
                 "only nearness means something, not axes or cluster sizes",
                 a->tsne.perplexity, a->tsne.iterations, (unsigned long long)a->tsne.seed);
    if (a->colour_by == COLOUR_ATTRIBUTE) {
        const mv_attribute_info *info = attribute_info(a->attribute);
        snprintf(colour, sizeof colour, "%s (%s)", info->name, info->unit);
    } else snprintf(colour, sizeof colour, "%s", a->colour_by == COLOUR_SONG ? "song" : "style");
    latent_map m = {
        .title = title, .subtitle = subtitle, .colour_name = colour, .xy = r->xy,
        .n_points = r->n_points, .n_windows = r->n_windows, .value = r->value,
        .label = r->label, .label_names = (const char *const *)r->labels.names,
        .n_labels = r->labels.n, .path_at = r->path_at, .path_n = r->path_n,
        .anchor_names = {r->anchor_name[0], r->anchor_name[1]}, .prior_at = r->prior_at,
        .prior_n = r->n_points - r->prior_at};
    return plot_latent(&m, a->out, err, errlen);
}

static void release(latent_run *r)
{
    free(r->window_index);
    free(r->z);
    free(r->xy);
    free(r->value);
    free(r->label);
    label_set_free(&r->labels);
    if (r->corpus) corpus_close(r->corpus);
    gen_model_close(&r->g);
}

int cmd_plot_latent(int argc, char **argv)
{
    latent_args a;
    int rc = parse(argc, argv, &a);
    if (rc) return rc < 0 ? 0 : rc;
    latent_run r = {0};
    char err[1024];
    rc = build(&a, &r, err, sizeof err) || draw(&a, &r, err, sizeof err);
    if (rc) fprintf(stderr, "morphvae plot latent: %s\n", err);
    else {
        cli_wrote(a.out, "%s of %d points (%d windows, %d on the morph path, %d prior samples) "
                  "in %.2f s (processor time %.2f s, one thread)",
               a.method_pca ? "PCA" : "t-SNE", r.n_points, r.n_windows, r.path_n,
               r.n_points - r.prior_at, r.seconds, r.cpu_seconds);
        if (r.label) print_agreement(&a, &r);
        if (r.path_n) print_path_distances(&a, &r);
    }
    release(&r);
    return rc ? 1 : 0;
}
