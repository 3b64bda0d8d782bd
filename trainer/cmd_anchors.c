/* morphvae anchors: store the default anchors A and B of a model (the points
 * the plugin morphs between until the user picks others) as the encodings of
 * windows of two MIDI files: mu refined (core/refine.h; melody and drum
 * models) so that each decodes back to its window. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anchor_pick.h"
#include "cli.h"
#include "commands.h"
#include "corpus.h"
#include "gen_model.h"
#include "meta_rewrite.h"
#include "sequence_io.h"

static int usage(FILE *f, int status)
{
    fprintf(f, "usage: morphvae anchors MODEL --a a.mid --b b.mid [--bar-a N] [--bar-b N]\n"
               "                        [--track NAME[,NAME...]] [--refine [STEPS] | --no-refine]\n"
               "       morphvae anchors MODEL --pick CORPUS.bin[:SPLIT] [--refine ...]\n"
               "Encodes the first varied window of the model's length of each file (the\n"
               "criterion below; the first window when none is), or with --bar-a/--bar-b the\n"
               "first from bar N (counted from 1) on, refines mu with at most STEPS Adam steps (default %d) so that\n"
               "it decodes back to the window (--no-refine: mu as it is), and stores the\n"
               "result as the model's default anchors (anchor.a.z, anchor.b.z, with their\n"
               "sources), rewriting MODEL atomically.\n"
               "--pick chooses both windows from a corpus split (default test, untransposed\n"
               "windows): varied phrases (melody: >= %d pitches, >= %d notes, no %d note-ons\n"
               "in a row on one pitch; drums: kick on 1, snare on 2 and 4, >= %d hits a bar;\n"
               "piano roll: >= %d pitches sounding on %.0f%% of the steps, >= %d different\n"
               "chords struck, >= %d notes a bar) that the model reconstructs best from mu\n"
               "(accuracy; roll: onset F1), from two files, differing in at least half of\n"
               "their steps.\n",
            MV_REFINE_DEFAULT_STEPS, VARIED_MIN_PITCHES, VARIED_MIN_NOTES, VARIED_MAX_RUN,
            VARIED_MIN_HITS_PER_BAR, VARIED_ROLL_MIN_VOICES, 100 * VARIED_ROLL_CHORD_SHARE,
            VARIED_ROLL_MIN_CHORDS, VARIED_ROLL_MIN_NOTES_PER_BAR);
    return status;
}

typedef struct {
    const char *path;
    long bar;
    const void *window; /* --pick: the corpus window (else read from path) */
    float *z;
    char source[768];
} anchor_in;

/* Encodes (and refines) one anchor's window; fills a->z and a->source. */
static int encode_anchor(mv_gen_model *g, anchor_in *a, const char *track, long refine_steps,
                         void *window, char *err, size_t errlen)
{
    int found = (int)a->bar - 1;
    mv_refine_report rep;
    if (a->window) memcpy(window, a->window, g->window_bytes);
    else if (sequence_read_window(a->path, &g->hp, (int)a->bar - 1, track, window, &found, err,
                                  errlen))
        return -1;
    if (gen_anchor(g, window, (int)refine_steps, a->z, NULL, &rep, err, errlen)) return -1;
    char how[160] = "";
    if (refine_steps) gen_describe_refinement(g, &rep, how, sizeof how);
    if (a->window)
        snprintf(a->source, sizeof a->source, "%s%s%s", a->path, refine_steps ? ", refined: " : "",
                 how);
    else
        snprintf(a->source, sizeof a->source, "%s, bar %d%s%s%s%s", a->path, found + 1,
                 track ? ", track " : "", track ? track : "", refine_steps ? ", refined: " : "",
                 how);
    return 0;
}

/* --pick CORPUS[:SPLIT]: opens the corpus and points both anchors at the
 * windows anchor_pick chooses (the corpus stays open while they are used). */
static int pick_from_corpus(mv_gen_model *g, const char *arg, mv_corpus **corpus,
                            anchor_choice chosen[2], anchor_in in[2])
{
    char path[4096], err[1024];
    snprintf(path, sizeof path, "%s", arg);
    int split = MV_SPLIT_TEST;
    char *colon = strrchr(path, ':');
    if (colon) {
        *colon = 0;
        const char *names[MV_SPLITS] = {"train", "valid", "test"};
        for (split = 0; split < MV_SPLITS && strcmp(colon + 1, names[split]); split++) {}
        if (split == MV_SPLITS) {
            fprintf(stderr, "morphvae anchors: %s: split must be train, valid or test\n", arg);
            return -1;
        }
    }
    if (corpus_open(path, corpus, err, sizeof err) == 0 &&
        anchor_pick(g, *corpus, split, path, chosen, err, sizeof err)) {
        corpus_close(*corpus); /* a corpus of another model, or without a usable window */
        *corpus = NULL;
    }
    if (!*corpus) {
        fprintf(stderr, "morphvae anchors: %s\n", err);
        return -1;
    }
    for (int k = 0; k < 2; k++) {
        in[k].path = chosen[k].source;
        in[k].window = chosen[k].data;
    }
    return 0;
}

int cmd_anchors(int argc, char **argv)
{
    const char *model = NULL, *track = NULL, *pick = NULL;
    anchor_in in[2] = {{.bar = 0}, {.bar = 0}}; /* 0: the first varied window */
    long refine_steps = MV_REFINE_DEFAULT_STEPS;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (cli_is_help(o)) return usage(stdout, 0);
        if (!strcmp(o, "--refine")) {
            if (gen_refine_option("anchors", argc, argv, &i, &refine_steps)) return 2;
            continue;
        }
        if (!strcmp(o, "--no-refine")) {
            refine_steps = 0;
            continue;
        }
        if (o[0] != '-') {
            if (model) return cli_extra_argument("anchors", o);
            model = o;
            continue;
        }
        static const char *const with_value[] = {"--a", "--b", "--bar-a", "--bar-b",
                                                 "--track", "--pick", NULL};
        const char *v = cli_option_value("anchors", with_value, argc, argv, &i);
        if (!v) return 2;
        if (!strcmp(o, "--a")) in[0].path = v;
        else if (!strcmp(o, "--b")) in[1].path = v;
        else if (!strcmp(o, "--bar-a")) { if (cli_long("anchors", o, v, 1, 1000000, &in[0].bar)) return 2; }
        else if (!strcmp(o, "--bar-b")) { if (cli_long("anchors", o, v, 1, 1000000, &in[1].bar)) return 2; }
        else if (!strcmp(o, "--track")) track = v;
        else if (!strcmp(o, "--pick")) pick = v;
    }
    if (!model) return cli_required("anchors", "MODEL");
    if (pick && (in[0].path || in[1].path))
        return cli_misuse("anchors", "--pick chooses both anchors: give it without --a and --b");
    if (!pick && !in[0].path) return cli_required("anchors", "--a a.mid (or --pick CORPUS)");
    if (!pick && !in[1].path) return cli_required("anchors", "--b b.mid (or --pick CORPUS)");

    mv_gen_model g;
    char err[1024];
    if (gen_model_open(&g, model, 64, err, sizeof err)) {
        fprintf(stderr, "morphvae anchors: %s\n", err);
        return 1;
    }
    mv_corpus *corpus = NULL;
    anchor_choice chosen[2];
    if (pick && pick_from_corpus(&g, pick, &corpus, chosen, in)) {
        gen_model_close(&g);
        return 1;
    }
    void *window = malloc(g.window_bytes);
    in[0].z = malloc(sizeof(float) * g.z_size);
    in[1].z = malloc(sizeof(float) * g.z_size);
    int rc = 1;
    if (!window || !in[0].z || !in[1].z) snprintf(err, sizeof err, "%s: out of memory", model);
    else if (!encode_anchor(&g, &in[0], track, refine_steps, window, err, sizeof err) &&
             !encode_anchor(&g, &in[1], track, refine_steps, window, err, sizeof err)) {
        mv_meta meta[4] = {
            {.key = "anchor.a.z", .type = MV_META_F32, .count = (uint64_t)g.z_size, .data = in[0].z},
            {.key = "anchor.b.z", .type = MV_META_F32, .count = (uint64_t)g.z_size, .data = in[1].z},
            {.key = "anchor.a.source", .type = MV_META_STR, .count = strlen(in[0].source), .data = in[0].source},
            {.key = "anchor.b.source", .type = MV_META_STR, .count = strlen(in[1].source), .data = in[1].source},
        };
        rc = meta_rewrite(model, g.weights, "anchor.", meta, 4, err, sizeof err) ? 1 : 0;
        if (!rc) {
            cli_wrote(model, "default anchors stored");
            printf("%s: anchor A = %s\n%s: anchor B = %s\n", model, in[0].source, model,
                   in[1].source);
        }
    }
    if (rc) fprintf(stderr, "morphvae anchors: %s\n", err);
    free(window);
    free(in[0].z);
    free(in[1].z);
    if (corpus) corpus_close(corpus);
    gen_model_close(&g);
    return rc;
}
