/* morphvae interpolate: a morph between the windows of two MIDI files, as
 * Magenta's interpolate: encode both ends to mu, refine each (core/refine.h;
 * melody and drum models) so that it decodes back to its window, slerp (or
 * lerp) between them and decode every step. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "gen_chords.h"
#include "gen_model.h"
#include "latent.h"
#include "sequence_io.h"

static int usage(FILE *f, int status)
{
    fprintf(f, "usage: morphvae interpolate MODEL --start a.mid --end b.mid [--steps 8]\n"
               "         [--slerp|--lerp] [--bar N] [--track NAME[,NAME...]] [--temperature 0]\n"
               "         [--seed 1] [--bpm 120] [--refine [STEPS] | --no-refine]\n"
               "         [--chords LIST | --chords-from FILE.mid] -o DIR/\n"
               "Writes DIR/step_00.mid ... (step 0 decodes a.mid's window, the last b.mid's)\n"
               "and DIR/morph.mid with all steps one after another. The windows are the\n"
               "first varied ones of the model's length (as `encode`), or with --bar the\n"
               "first from bar N (counted from 1) on. Each end is the\n"
               "encoder's mu refined with at most STEPS Adam steps (default %d) so that it\n"
               "decodes back to its window; --no-refine morphs between the mu's.\n"
               GEN_CHORDS_HELP("the morph's steps one after another, as in morph.mid"),
            MV_REFINE_DEFAULT_STEPS);
    return status;
}

typedef struct {
    const char *model, *start, *end, *out, *track;
    long steps, bar, refine_steps;
    int lerp;
    double temperature, bpm;
    uint64_t seed;
    gen_chords chords;
} interp_args;

/* 0 ok, 2 usage error, -1 help printed. */
static int parse(int argc, char **argv, interp_args *a)
{
    *a = (interp_args){.steps = 8, .bar = 0, .bpm = 120, .seed = 1,
                       .refine_steps = MV_REFINE_DEFAULT_STEPS};
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (cli_is_help(o)) return usage(stdout, 0) - 1;
        if (o[0] != '-') {
            if (a->model) return cli_extra_argument("interpolate", o);
            a->model = o;
            continue;
        }
        if (!strcmp(o, "--slerp") || !strcmp(o, "--lerp")) {
            a->lerp = !strcmp(o, "--lerp");
            continue;
        }
        if (!strcmp(o, "--refine")) {
            if (gen_refine_option("interpolate", argc, argv, &i, &a->refine_steps)) return 2;
            continue;
        }
        if (!strcmp(o, "--no-refine")) {
            a->refine_steps = 0;
            continue;
        }
        int taken = gen_chords_option("interpolate", argc, argv, &i, &a->chords);
        if (taken == 1) continue;
        if (taken) return taken;
        static const char *const with_value[] = {"--start", "--end", "-o", "--track", "--steps",
                                                 "--bar", "--temperature", "--seed", "--bpm",
                                                 NULL};
        const char *v = cli_option_value("interpolate", with_value, argc, argv, &i);
        if (!v) return 2;
        if (!strcmp(o, "--start")) a->start = v;
        else if (!strcmp(o, "--end")) a->end = v;
        else if (!strcmp(o, "-o")) a->out = v;
        else if (!strcmp(o, "--track")) a->track = v;
        else if (!strcmp(o, "--steps")) { if (cli_long("interpolate", o, v, 2, 1000, &a->steps)) return 2; }
        else if (!strcmp(o, "--bar")) { if (cli_long("interpolate", o, v, 1, 1000000, &a->bar)) return 2; }
        else if (!strcmp(o, "--temperature")) {
            if (cli_double("interpolate", o, v, 0, 100, &a->temperature)) return 2;
        } else if (!strcmp(o, "--seed")) { if (cli_u64("interpolate", o, v, &a->seed)) return 2; }
        else if (!strcmp(o, "--bpm")) { if (cli_double("interpolate", o, v, 1, 1000, &a->bpm)) return 2; }
    }
    if (!a->model) return cli_required("interpolate", "MODEL");
    if (!a->start) return cli_required("interpolate", "--start");
    if (!a->end) return cli_required("interpolate", "--end");
    return a->out ? 0 : cli_required("interpolate", "-o DIR");
}

/* The anchor of the window of each end (mu, refined unless refine_steps is 0)
 * into ends [2, Z]. */
static int encode_ends(const interp_args *a, mv_gen_model *g, float *ends, char *err,
                       size_t errlen)
{
    void *window = malloc(g->window_bytes);
    const char *paths[2] = {a->start, a->end};
    int bar, rc = window ? 0 : -1;
    if (!window) snprintf(err, errlen, "%s: out of memory", a->model);
    for (int e = 0; e < 2 && !rc; e++) {
        mv_refine_report rep;
        if (sequence_read_window(paths[e], &g->hp, (int)a->bar - 1, a->track, window, &bar, err,
                                 errlen) ||
            gen_anchor(g, window, (int)a->refine_steps, ends + (size_t)e * g->z_size, NULL, &rep,
                       err, errlen)) {
            rc = -1;
        } else if (a->refine_steps) {
            char how[160];
            gen_describe_refinement(g, &rep, how, sizeof how);
            printf("%s: %s\n", paths[e], how);
        }
    }
    free(window);
    return rc;
}

static int write_steps(const interp_args *a, const mv_gen_model *g, const uint8_t *windows,
                       char *err, size_t errlen)
{
    char path[4096];
    char(*names)[64] = malloc(sizeof *names * a->steps); /* room for any long and t */
    const char **name_ptrs = malloc(sizeof *name_ptrs * a->steps);
    int rc = names && name_ptrs ? 0 : -1;
    for (long i = 0; !rc && i < a->steps; i++) {
        snprintf(path, sizeof path, "%s/step_%02ld.mid", a->out, i);
        snprintf(names[i], sizeof names[i], "step %ld t=%.3f", i, (double)i / (a->steps - 1));
        name_ptrs[i] = names[i];
        rc = sequence_write_midi_chords(path, &g->hp, windows + i * g->window_bytes, 1,
                                        &name_ptrs[i],
                                        g->chords ? g->chords + (size_t)i * g->seq_len : NULL,
                                        a->bpm, err, errlen);
        if (!rc) cli_wrote(path, NULL);
    }
    if (!rc) {
        snprintf(path, sizeof path, "%s/morph.mid", a->out);
        rc = sequence_write_midi_chords(path, &g->hp, windows, (int)a->steps, name_ptrs,
                                        g->chords, a->bpm, err, errlen);
        if (!rc) cli_wrote(path, "the %ld steps one after the other", a->steps);
    }
    if (!names || !name_ptrs) snprintf(err, errlen, "%s: out of memory", a->out);
    free(names);
    free(name_ptrs);
    return rc;
}

static int interpolate(const interp_args *a, mv_gen_model *g, char *err, size_t errlen)
{
    int Z = g->z_size;
    float *ends = malloc(sizeof *ends * 2 * Z), *z = malloc(sizeof *z * a->steps * Z);
    uint8_t *windows = malloc(g->window_bytes * a->steps);
    int rc = -1;
    if (!ends || !z || !windows) snprintf(err, errlen, "%s: out of memory", a->out);
    else if (!encode_ends(a, g, ends, err, errlen)) {
        for (long i = 0; i < a->steps; i++) {
            float t = (float)i / (float)(a->steps - 1);
            if (a->lerp) latent_lerp(ends, ends + Z, t, Z, z + i * Z);
            else latent_slerp(ends, ends + Z, t, Z, z + i * Z);
        }
        gen_decode(g, z, (int)a->steps, (float)a->temperature, a->seed, windows);
        rc = write_steps(a, g, windows, err, errlen);
    }
    free(ends);
    free(z);
    free(windows);
    return rc;
}

int cmd_interpolate(int argc, char **argv)
{
    interp_args a;
    int rc = parse(argc, argv, &a);
    if (rc) return rc < 0 ? 0 : rc;
    mv_gen_model g;
    char err[1024];
    if (gen_model_open(&g, a.model, 16, err, sizeof err)) {
        fprintf(stderr, "morphvae interpolate: %s\n", err);
        return 1;
    }
    if ((rc = gen_chords_prepare("interpolate", &a.chords, &g, (int)a.steps))) {
        gen_model_close(&g);
        return rc;
    }
    bool created;
    if (cli_make_dir("interpolate", a.out, &created)) {
        rc = 1;
    } else if (interpolate(&a, &g, err, sizeof err)) {
        fprintf(stderr, "morphvae interpolate: %s\n", err);
        cli_drop_dir(a.out, created);
        rc = 1;
    }
    gen_chords_free(&a.chords);
    gen_model_close(&g);
    if (rc) return rc;
    printf("%s: %ld steps (%s) from %s to %s (%s), and morph.mid%s\n", a.out, a.steps,
           a.lerp ? "lerp" : "slerp", a.start, a.end, a.refine_steps ? "refined" : "mu",
           a.chords.said);
    return 0;
}
