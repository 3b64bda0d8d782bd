/* The real plugin's state as hosts hand it back and as hostile sessions hold
 * it, through the lilv host:
 *  - text values (the model, a bundled model's name, anchor files, labels)
 *    handed back with a size that counts the trailing NUL (lilv) and without
 *    it (Carla): both restore the state that was saved;
 *  - labels cut inside a UTF-8 character or holding a NUL (a long non-ASCII
 *    file name, patch:Set): the state saved to disk is read back by serd
 *    whole, labels and windows included;
 *  - anchor vectors with NaN or Inf, by patch:Set and in a state: refused
 *    with a message, never saved back;
 *  - a session whose model file is missing keeps naming it (state, notify
 *    port) and plays it again once it is back;
 *  - restore() returns the codes docs/plugin.md lists: a model it cannot
 *    load (no file, a corrupt file), a property of another type, an anchor
 *    without what it is made from, running and deactivated; the model
 *    before plays on.
 * usage: test_plugin_state_hosts BUNDLE_DIR ALT_MODEL ANCHOR_MID TMP_DIR */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lv2/atom/atom.h>
#include <lv2/state/state.h>
#include <serd/serd.h>

#include "check.h"
#include "session.h"
#include "state_table.h"
#include "utf8_text.h"

#define NS MV_PLUGIN_NS

static const char *bundle, *alt_model, *anchor_mid, *tmp_dir;

static mv_host *open_host(void)
{
    return session_open_host(bundle, 48000.0, 4096, "after-run", NULL);
}

static void settle(mv_host *h)
{
    session_settle(h, 4);
}

static void print_states(mv_host *a, void *x, mv_host *b, void *y)
{
    char *tx = host_state_string(a, x), *ty = host_state_string(b, y);
    fprintf(stderr, "saved:\n%s\nrestored and saved again:\n%s\nlog: %s\n", tx, ty, host_log(b));
    free(tx);
    free(ty);
}

/* Saves a session into a host-kept table, restores it into a fresh instance
 * with text handed back as lilv does or as Carla does, and compares what the
 * two instances save. */
static void test_hand_back(bool without_nul, const char *model, const char *anchor_file)
{
    const char *how = without_nul ? "without" : "with";
    mv_host *a = open_host(), *b = open_host();
    if (!a || !b) {
        CHECK(false);
        return;
    }
    host_send_path(a, 0, NS "model", model);
    if (anchor_file) host_send_path(a, 0, NS "anchorAFile", anchor_file);
    host_send_int(a, 0, NS "anchorBSeed", 11);
    settle(a);
    host_send_string(a, 0, NS "anchorBLabel", "B \xe2\x80\x94 r\xc3\xa9sum\xc3\xa9");
    settle(a);
    state_table t;
    state_table_init(&t, a, without_nul);
    CHECK(state_table_save(&t, a) == 0);
    CHECK(state_table_restore(&t, b) == 0);
    settle(b);
    void *saved = host_save_state(a), *again = host_save_state(b);
    bool same = host_states_equal(a, saved, again);
    CHECK_MSG(same, "text handed back %s its NUL (model %s): another state", how, model);
    if (!same) print_states(a, saved, b, again);
    const char *reported = host_reported(b, NS "model");
    CHECK_MSG(reported && !strcmp(reported, model),
              "text handed back %s its NUL: model %s, expected %s", how,
              reported ? reported : "(none)", model);
    state_table_free(&t);
    host_free_state(saved);
    host_free_state(again);
    host_close(a);
    host_close(b);
}

/* ------------------------------------------------------------ vectors */

/* The floats of anchor `which`'s vector in a table (8 hex digits each); their
 * number. */
static int table_vector(state_table *t, mv_host *h, int which, float *z, int max)
{
    state_entry *e = state_table_find(t, host_map(h, which ? NS "anchorBZ" : NS "anchorAZ"));
    if (!e) return 0;
    const char *text = e->value;
    int n = 0;
    for (; n < max && (size_t)(n + 1) * 8 <= e->size && text[n * 8]; n++) {
        char digits[9];
        memcpy(digits, text + n * 8, 8);
        digits[8] = '\0';
        uint32_t bits = (uint32_t)strtoul(digits, NULL, 16);
        memcpy(&z[n], &bits, sizeof bits);
    }
    return n;
}

static bool all_finite(const float *z, int n)
{
    for (int i = 0; i < n; i++)
        if (!isfinite(z[i])) return false;
    return n > 0;
}

/* A vector with NaN or Inf in it is refused with a message: from patch:Set
 * the anchor stays as it was; from a state the anchor is made from the rest
 * of the state, and no NaN is saved back. */
static void test_nonfinite_vectors(void)
{
    static float z[8192];
    const float bad[2] = {NAN, INFINITY};
    for (int i = 0; i < 2; i++) {
        mv_host *h = open_host(), *b = open_host();
        if (!h || !b) {
            CHECK(false);
            return;
        }
        host_send_int(h, 0, NS "anchorASeed", 11);
        settle(h);
        state_table t;
        state_table_init(&t, h, false);
        CHECK(state_table_save(&t, h) == 0);
        int n = table_vector(&t, h, 0, z, 8192);
        CHECK_MSG(n > 0, "no anchorAZ in the state");
        void *before = host_save_state(h);
        z[n / 2] = bad[i];
        host_send_vector(h, 0, NS "anchorAZ", z, (uint32_t)n);
        settle(h);
        void *after = host_save_state(h);
        CHECK_MSG(strstr(host_log(h), "not a finite number"), "patch:Set of a vector with %g: "
                  "no message in the log: %s", bad[i], host_log(h));
        CHECK_MSG(host_states_equal(h, before, after), "patch:Set of a vector with %g changed "
                  "the state", bad[i]);
        host_free_state(before);
        host_free_state(after);

        /* The state: anchor A a vector, one of its values not finite. */
        z[n / 2] = 0.5f;
        host_send_vector(h, 0, NS "anchorAZ", z, (uint32_t)n);
        settle(h);
        CHECK(state_table_save(&t, h) == 0);
        state_entry *e = state_table_find(&t, host_map(h, NS "anchorAZ"));
        if (e && e->size >= 8) memcpy(e->value, i ? "7f800000" : "7fc00000", 8);
        CHECK(state_table_restore(&t, b) == LV2_STATE_ERR_UNKNOWN);
        settle(b);
        CHECK_MSG(strstr(host_log(b), "not a finite number"), "a state vector with %g: "
                  "no message in the log: %s", bad[i], host_log(b));
        CHECK(state_table_save(&t, b) == 0);
        n = table_vector(&t, b, 0, z, 8192);
        CHECK_MSG(all_finite(z, n), "a state vector with %g is saved back (%d values)", bad[i],
                  n);
        state_table_free(&t);
        host_close(h);
        host_close(b);
    }
}

/* ------------------------------------------------------------ labels */

typedef struct turtle_values {
    char label[2][1024];
    bool tokens_a;
    int statements;
} turtle_values;

static bool ends_with(const SerdNode *n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n->n_bytes >= k && !memcmp(n->buf + n->n_bytes - k, suffix, k);
}

static SerdStatus on_statement(void *handle, SerdStatementFlags flags, const SerdNode *graph,
                               const SerdNode *subject, const SerdNode *predicate,
                               const SerdNode *object, const SerdNode *datatype,
                               const SerdNode *lang)
{
    (void)flags, (void)graph, (void)subject, (void)datatype, (void)lang;
    turtle_values *v = handle;
    v->statements++;
    for (int which = 0; which < 2; which++)
        if (ends_with(predicate, which ? "anchorBLabel" : "anchorALabel"))
            snprintf(v->label[which], sizeof v->label[which], "%.*s", (int)object->n_bytes,
                     (const char *)object->buf);
    if (ends_with(predicate, "anchorATokens")) v->tokens_a = true;
    return SERD_SUCCESS;
}

static SerdStatus on_error(void *handle, const SerdError *error)
{
    (void)handle;
    fprintf(stderr, "serd: %s:%u:%u: ", (const char *)error->filename, error->line, error->col);
    vfprintf(stderr, error->fmt, *error->args);
    return SERD_SUCCESS;
}

/* Reads a Turtle file with serd, strictly; its status. */
static SerdStatus read_turtle(const char *path, turtle_values *v)
{
    memset(v, 0, sizeof *v);
    SerdReader *reader =
        serd_reader_new(SERD_TURTLE, v, NULL, NULL, NULL, on_statement, NULL);
    serd_reader_set_strict(reader, true);
    serd_reader_set_error_sink(reader, on_error, NULL);
    SerdStatus st = serd_reader_read_file(reader, (const uint8_t *)path);
    serd_reader_free(reader);
    return st;
}

static bool valid_text(const char *s)
{
    return utf8_prefix(s, strlen(s), SIZE_MAX) == strlen(s);
}

static int copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    char buf[4096];
    size_t n;
    int rc = in && out ? 0 : -1;
    while (!rc && (n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n) rc = -1;
    if (in) fclose(in);
    if (out && fclose(out)) rc = -1;
    return rc;
}

/* Anchor A from a file named by 70 "中" (its label cut at 200 bytes, inside
 * a character before), anchor B labelled by patch:Set with text cut inside a
 * character or holding a NUL: the saved preset is valid Turtle to the end. */
static void test_labels_cut(void)
{
    static const struct {
        const char *bytes;
        uint32_t length;
        const char *label;
    } b_labels[] = {
        {"ab\xe4\xb8", 4, "ab"},     /* "中" cut after 2 of its 3 bytes */
        {"nul\0after", 9, "nul"},    /* a raw NUL */
        {"\xff\xfe" "bad", 5, ""},   /* no UTF-8 at all */
    };
    char name[512] = "", path[PATH_MAX];
    for (int i = 0; i < 70; i++) strcat(name, "\xe4\xb8\xad");
    mkdir(tmp_dir, 0755);
    snprintf(path, sizeof path, "%s/%s.mid", tmp_dir, name);
    if (copy_file(anchor_mid, path)) {
        CHECK_MSG(false, "cannot copy %s to %s", anchor_mid, path);
        return;
    }
    for (int i = 0; i < (int)(sizeof b_labels / sizeof b_labels[0]); i++) {
        mv_host *h = open_host();
        if (!h) {
            CHECK(false);
            return;
        }
        host_send_path(h, 0, NS "anchorAFile", path);
        host_send_bytes(h, 0, NS "anchorBLabel", b_labels[i].bytes, b_labels[i].length);
        settle(h);
        char dir[PATH_MAX], file[2 * PATH_MAX], preset[32];
        snprintf(preset, sizeof preset, "labels%d", i);
        snprintf(dir, sizeof dir, "%s/%s.lv2/", tmp_dir, preset);
        snprintf(file, sizeof file, "%s%s.ttl", dir, preset);
        CHECK(host_save_preset(h, dir, preset, "Labels") == 0);
        turtle_values v;
        SerdStatus st = read_turtle(file, &v);
        CHECK_MSG(st == SERD_SUCCESS, "serd stops reading %s: %s", file,
                  (const char *)serd_strerror(st));
        CHECK_MSG(v.tokens_a, "%s: anchorATokens lost (%d statements read)", file,
                  v.statements);
        CHECK_MSG(valid_text(v.label[0]) && !strncmp(v.label[0], name, 3) &&
                      strstr(v.label[0], ", bar "),
                  "%s: anchor A's label \"%s\"", file, v.label[0]);
        CHECK_MSG(!strcmp(v.label[1], b_labels[i].label), "%s: anchor B's label \"%s\", expected \"%s\"",
                  file, v.label[1], b_labels[i].label);
        host_close(h);
    }
    remove(path);
}

/* ------------------------------------------------------------ missing model */

/* A session whose model file is gone plays the default model, tells the host
 * the model it names, and saves the state it was given; once the file is
 * back, the saved session plays that model again. */
static void test_missing_model(void)
{
    char path[PATH_MAX];
    mkdir(tmp_dir, 0755);
    snprintf(path, sizeof path, "%s/missing.mvae", tmp_dir);
    char *absolute = copy_file(alt_model, path) ? NULL : realpath(path, NULL);
    mv_host *a = open_host(), *b = open_host(), *c = open_host();
    if (!absolute || !a || !b || !c) {
        CHECK(false);
        return;
    }
    host_send_path(a, 0, NS "model", absolute);
    host_send_path(a, 0, NS "anchorAFile", anchor_mid);
    host_send_int(a, 0, NS "anchorBSeed", 11);
    settle(a);
    void *saved = host_save_state(a);
    remove(absolute);
    host_restore_state(b, saved);
    settle(b);
    const char *reported = host_reported(b, NS "model");
    CHECK_MSG(reported && !strcmp(reported, absolute), "model %s missing: reported %s",
              absolute, reported ? reported : "(none)");
    CHECK_MSG(strstr(host_log(b), absolute), "model %s missing: not in the log: %s", absolute,
              host_log(b));
    void *again = host_save_state(b);
    bool same = host_states_equal(b, saved, again);
    CHECK_MSG(same, "model %s missing: the session saves another state", absolute);
    if (!same) print_states(a, saved, b, again);
    CHECK(copy_file(alt_model, absolute) == 0);
    host_restore_state(c, again);
    settle(c);
    reported = host_reported(c, NS "model");
    CHECK_MSG(reported && !strcmp(reported, absolute) && !strstr(host_log(c), "until it is found"),
              "model %s back: reported %s, log: %s", absolute, reported ? reported : "(none)",
              host_log(c));
    host_free_state(saved);
    host_free_state(again);
    host_close(a);
    host_close(b);
    host_close(c);
    remove(absolute);
    free(absolute);
}

/* ------------------------------------------------------------ restore codes */

/* t: good with key's value replaced (type 0: left out). */
static void table_with(state_table *t, const state_table *good, uint32_t key, const void *value,
                       size_t size, uint32_t type)
{
    state_table_free(t);
    for (int i = 0; i < good->n; i++)
        if (good->entry[i].key != key)
            state_table_set(t, good->entry[i].key, good->entry[i].value, good->entry[i].size,
                            good->entry[i].type);
    if (type) state_table_set(t, key, value, size, type);
}

/* What restore() returns when it cannot use what it is given, running and
 * deactivated (docs/plugin.md): a model path naming no file or a corrupt
 * file: LV2_STATE_ERR_UNKNOWN, and the model that played plays on; a
 * property of another type than saved: LV2_STATE_ERR_BAD_TYPE; an anchor
 * that is a vector without its vector: LV2_STATE_ERR_NO_PROPERTY (the
 * model's default plays). The good state: LV2_STATE_SUCCESS. */
static void test_restore_codes(void)
{
    char missing[PATH_MAX], corrupt[PATH_MAX];
    mkdir(tmp_dir, 0755);
    snprintf(missing, sizeof missing, "%s/no_such_model.mvae", tmp_dir);
    snprintf(corrupt, sizeof corrupt, "%s/corrupt.mvae", tmp_dir);
    remove(missing);
    FILE *f = fopen(corrupt, "wb");
    CHECK(f && fputs("MVAE this is no model file", f) >= 0 && fclose(f) == 0);
    mv_host *a = open_host(), *b = open_host();
    if (!a || !b) {
        CHECK(false);
        return;
    }
    host_send_path(a, 0, NS "model", alt_model);
    host_send_path(a, 0, NS "anchorAFile", anchor_mid);
    host_send_int(a, 0, NS "anchorBSeed", 11);
    settle(a);
    state_table good, t;
    state_table_init(&good, a, false);
    state_table_init(&t, a, false);
    CHECK(state_table_save(&good, a) == 0);
    const uint32_t path = host_map(b, LV2_ATOM__Path), atom_float = host_map(b, LV2_ATOM__Float),
                   atom_int = host_map(b, LV2_ATOM__Int);
    const uint32_t model = host_map(b, NS "model"), kind_a = host_map(b, NS "anchorAKind"),
                   z_b = host_map(b, NS "anchorBZ"), kind_b = host_map(b, NS "anchorBKind");
    for (int active = 1; active >= 0; active--) {
        const char *how = active ? "running" : "deactivated";
        if (!active) host_deactivate(b);
        int st = state_table_restore(&good, b);
        CHECK_MSG(st == LV2_STATE_SUCCESS, "%s: the good state: restore() returned %d", how, st);
        if (active) settle(b);
        const char *bad_models[2] = {missing, corrupt};
        for (int i = 0; i < 2; i++) {
            table_with(&t, &good, model, bad_models[i], strlen(bad_models[i]) + 1, path);
            host_clear_log(b);
            st = state_table_restore(&t, b);
            CHECK_MSG(st == LV2_STATE_ERR_UNKNOWN, "%s: model %s: restore() returned %d, not "
                      "LV2_STATE_ERR_UNKNOWN", how, bad_models[i], st);
            if (active) settle(b);
            char playing[PATH_MAX + 32];
            snprintf(playing, sizeof playing, "playing %s until", alt_model);
            CHECK_MSG(strstr(host_log(b), playing), "%s: model %s: the model before does not "
                      "play on: %s", how, bad_models[i], host_log(b));
        }
        const float one = 1.0f;
        table_with(&t, &good, kind_a, &one, sizeof one, atom_float);
        st = state_table_restore(&t, b);
        CHECK_MSG(st == LV2_STATE_ERR_BAD_TYPE, "%s: anchorAKind as a float: restore() returned "
                  "%d, not LV2_STATE_ERR_BAD_TYPE", how, st);
        if (active) settle(b);
        const int32_t vector_kind = 3; /* ANCHOR_VECTOR (plugin/engine.h) */
        table_with(&t, &good, z_b, NULL, 0, 0);
        state_table_set(&t, kind_b, &vector_kind, sizeof vector_kind, atom_int);
        st = state_table_restore(&t, b);
        CHECK_MSG(st == LV2_STATE_ERR_NO_PROPERTY, "%s: anchor B a vector without anchorBZ: "
                  "restore() returned %d, not LV2_STATE_ERR_NO_PROPERTY", how, st);
        if (active) settle(b);
        st = state_table_restore(&good, b);
        CHECK_MSG(st == LV2_STATE_SUCCESS, "%s: the good state again: restore() returned %d", how,
                  st);
        if (active) settle(b);
        void *saved = host_save_state(a), *again = host_save_state(b);
        CHECK_MSG(host_states_equal(a, saved, again), "%s: the good state restores differently "
                  "after the bad ones", how);
        host_free_state(saved);
        host_free_state(again);
    }
    host_activate(b);
    state_table_free(&good);
    state_table_free(&t);
    host_close(a);
    host_close(b);
    remove(corrupt);
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s BUNDLE ALT_MODEL ANCHOR_MID TMP_DIR\n", argv[0]);
        return 2;
    }
    /* Absolute paths, as a host gives them (states store them). */
    static char paths[3][PATH_MAX];
    bundle = realpath(argv[1], paths[0]);
    alt_model = realpath(argv[2], paths[1]);
    anchor_mid = realpath(argv[3], paths[2]);
    tmp_dir = argv[4];
    if (!bundle || !alt_model || !anchor_mid) {
        fprintf(stderr, "%s: a bundle, model or MIDI path does not exist\n", argv[0]);
        return 2;
    }
    char drums[PATH_MAX + 32];
    snprintf(drums, sizeof drums, "%s/drums_2bar.mvae", bundle);
    for (int without_nul = 0; without_nul < 2; without_nul++) {
        test_hand_back(without_nul, alt_model, anchor_mid);
        test_hand_back(without_nul, drums, NULL);
    }
    test_labels_cut();
    test_nonfinite_vectors();
    test_missing_model();
    test_restore_codes();
    return check_report();
}
