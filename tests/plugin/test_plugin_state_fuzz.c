/* Every key of the real plugin's state, each replaced in turn by hostile
 * values (another type, sizes from 0 to 70000 bytes, numbers out of range and
 * not finite, long, non-ASCII and invalid UTF-8 strings, strings with a NUL
 * inside or none at the end, paths to devices, folders and nothing) or left
 * out, restored into a running instance through the lilv host. After each:
 * the plugin saves a state that it would take back (text NUL-terminated,
 * valid UTF-8 and without NULs for strings, numbers in range, vectors
 * finite), restore() returned one of the codes docs/plugin.md lists
 * (LV2_STATE_ERR_BAD_TYPE for every value of another type than the key's),
 * and at the end the good state still restores exactly, with success, and
 * plays.
 * Meant for the ASan/UBSan build, where it runs in seconds.
 * usage: test_plugin_state_fuzz BUNDLE_DIR ALT_MODEL ANCHOR_MID */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lv2/state/state.h>

#include "check.h"
#include "session.h"
#include "state_table.h"
#include "utf8_text.h"

#define NS MV_PLUGIN_NS
#define ATOM "http://lv2plug.in/ns/ext/atom#"
#define FRAMES_PER_BAR 96000 /* 120 BPM, 48 kHz */

static const char *const keys[] = {
    "model",         "bundleModel",  "modelChecksum", "anchorAKind",  "anchorBKind",
    "anchorASeed",   "anchorBSeed",  "anchorALabel",  "anchorBLabel", "anchorAFile",
    "anchorBFile",   "anchorAZ",     "anchorBZ",      "anchorATokens", "anchorBTokens",
    "chord",
};
#define N_KEYS (int)(sizeof keys / sizeof keys[0])
/* The type save() stores each key with. */
static const char *const key_types[] = {
    ATOM "Path",   ATOM "String", ATOM "Long",   ATOM "Int",    ATOM "Int",
    ATOM "Int",    ATOM "Int",    ATOM "String", ATOM "String", ATOM "Path",
    ATOM "Path",   ATOM "String", ATOM "String", ATOM "String", ATOM "String",
    ATOM "String",
};
_Static_assert(sizeof key_types / sizeof key_types[0] == sizeof keys / sizeof keys[0],
               "a type for each key");

/* Whether restore() returned what docs/plugin.md says it may. */
static bool documented_status(int status)
{
    return status == LV2_STATE_SUCCESS || status == LV2_STATE_ERR_BAD_TYPE ||
           status == LV2_STATE_ERR_NO_PROPERTY || status == LV2_STATE_ERR_UNKNOWN;
}

/* A hostile value: type (an atom URI, NULL: the key left out) and bytes. */
typedef struct hostile {
    const char *what, *type;
    const void *bytes;
    size_t size;
} hostile;

static uint32_t key_urid(mv_host *h, int k)
{
    char uri[256];
    snprintf(uri, sizeof uri, NS "%s", keys[k]);
    return host_map(h, uri);
}

/* The name of a key of the state (keys[]), or "?". */
static const char *key_name(mv_host *h, uint32_t urid)
{
    for (int k = 0; k < N_KEYS; k++)
        if (key_urid(h, k) == urid) return keys[k];
    return "?";
}


static bool hex_text_finite(const char *text, size_t length)
{
    for (size_t i = 0; i + 8 <= length; i += 8) {
        char digits[9];
        memcpy(digits, text + i, 8);
        digits[8] = '\0';
        uint32_t bits = (uint32_t)strtoul(digits, NULL, 16);
        float v;
        memcpy(&v, &bits, sizeof v);
        if (!isfinite(v)) return false;
    }
    return true;
}

/* What a saved state must be, whatever was restored: why not, or NULL. */
static const char *saved_state_problem(mv_host *h, state_table *t, char *why, size_t len)
{
    const uint32_t string = host_map(h, ATOM "String"), path = host_map(h, ATOM "Path"),
                   atom_int = host_map(h, ATOM "Int");
    for (int i = 0; i < t->n; i++) {
        const state_entry *e = &t->entry[i];
        const char *key = key_name(h, e->key);
        const char *text = e->value;
        if (e->type == string || e->type == path) {
            size_t length = strnlen(text, e->size);
            if (e->size == 0 || length != e->size - 1) {
                snprintf(why, len, "%s: %zu bytes, not text ending in its NUL", key, e->size);
                return why;
            }
            if (e->type == string && utf8_prefix(text, length, SIZE_MAX) != length) {
                snprintf(why, len, "%s: not valid UTF-8", key);
                return why;
            }
            if (strstr(key, "Z") == key + strlen(key) - 1 && !hex_text_finite(text, length)) {
                snprintf(why, len, "%s: a vector with NaN or Inf", key);
                return why;
            }
        } else if (e->type == atom_int) {
            int32_t v;
            memcpy(&v, e->value, sizeof v);
            bool kind = strstr(key, "Kind") != NULL;
            if (e->size != sizeof v || v < 0 || v > (kind ? 4 : 99999)) {
                snprintf(why, len, "%s: %d out of range", key, v);
                return why;
            }
        }
    }
    return NULL;
}

static int notes_in_two_bars(mv_host *h)
{
    session s = {.host = h};
    host_send_position(h, 0, 0, 0, 120, 1);
    while (s.frame < 2 * FRAMES_PER_BAR) session_block(&s, 1024);
    host_send_position(h, 0, 0, 0, 120, 0);
    session_block(&s, 64);
    char why[256] = "";
    int sounding = session_sounding(&s, why, sizeof why);
    CHECK_MSG(sounding == 0, "%d notes left sounding (%s)", sounding, why);
    int n = session_count_on(&s, 0, s.frame);
    session_free(&s);
    return n;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s BUNDLE ALT_MODEL ANCHOR_MID\n", argv[0]);
        return 2;
    }
    static char paths[3][PATH_MAX];
    const char *bundle = realpath(argv[1], paths[0]), *alt_model = realpath(argv[2], paths[1]),
               *anchor_mid = realpath(argv[3], paths[2]);
    if (!bundle || !alt_model || !anchor_mid) {
        fprintf(stderr, "%s: a bundle, model or MIDI path does not exist\n", argv[0]);
        return 2;
    }
    mv_host *h = session_open_host(bundle, 48000.0, 4096, "after-run", NULL);
    if (!h) return 2;

    /* The good state: another model, a file anchor and a seed anchor; the
     * transport stopped until the end. */
    host_send_position(h, 0, 0, 0, 120, 0);
    host_send_path(h, 0, NS "model", alt_model);
    host_send_path(h, 0, NS "anchorAFile", anchor_mid);
    host_send_int(h, 0, NS "anchorBSeed", 11);
    session_settle(h, 2);
    state_table good, t, saved;
    state_table_init(&good, h, false);
    state_table_init(&t, h, false);
    state_table_init(&saved, h, false);
    CHECK(state_table_save(&good, h) == 0);
    void *good_state = host_save_state(h);

    static char long_text[70001], cjk[1201], long_path[5001], nan_vector[8 * 8192 + 1],
        big_tokens[4 * 2048 + 1];
    memset(long_text, 'A', sizeof long_text - 1);
    for (int i = 0; i < 400; i++) memcpy(cjk + 3 * i, "\xe4\xb8\xad", 3);
    long_path[0] = '/';
    memset(long_path + 1, 'p', sizeof long_path - 2);
    for (int i = 0; i < 8192; i++) memcpy(nan_vector + 8 * i, i % 2 ? "7fc00000" : "ff800000", 8);
    memset(big_tokens, 'f', sizeof big_tokens - 1);
    const int32_t ints[] = {-1, INT32_MIN, INT32_MAX, 5};
    const int64_t longs[] = {INT64_MIN, 0};
    const float nan_f = NAN, inf_f = INFINITY;
    const double minus_inf = -INFINITY;
    const unsigned char chunk[16] = {0xff, 0, 0x7f, 0xc0, 1, 2, 3, 4};
    const hostile values[] = {
        {"left out", NULL, NULL, 0},
        {"Int -1", ATOM "Int", &ints[0], 4},
        {"Int min", ATOM "Int", &ints[1], 4},
        {"Int max", ATOM "Int", &ints[2], 4},
        {"Int 5", ATOM "Int", &ints[3], 4},
        {"Int of 2 bytes", ATOM "Int", &ints[3], 2},
        {"Long min", ATOM "Long", &longs[0], 8},
        {"Long 0", ATOM "Long", &longs[1], 8},
        {"Float NaN", ATOM "Float", &nan_f, 4},
        {"Float Inf", ATOM "Float", &inf_f, 4},
        {"Double -Inf", ATOM "Double", &minus_inf, 8},
        {"Chunk", ATOM "Chunk", chunk, sizeof chunk},
        {"empty String", ATOM "String", "", 0},
        {"String without NUL", ATOM "String", "x", 1},
        {"String of 70000 bytes", ATOM "String", long_text, sizeof long_text},
        {"String of 400 CJK", ATOM "String", cjk, sizeof cjk},
        {"String not UTF-8", ATOM "String", "\xff\xfe\xc3", 4},
        {"String with NULs", ATOM "String", "ab\0cd", 6},
        {"String of NaN vector", ATOM "String", nan_vector, sizeof nan_vector},
        {"String of ffff tokens", ATOM "String", big_tokens, sizeof big_tokens},
        {"Path nowhere", ATOM "Path", "/nonexistent/\xe4\xb8\xad.mid", 18},
        {"Path of 5000 bytes", ATOM "Path", long_path, sizeof long_path},
        {"Path relative", ATOM "Path", "../../etc/passwd", 17},
        {"Path folder", ATOM "Path", "/tmp", 5},
        {"Path device", ATOM "Path", "/dev/zero", 10},
        {"Path without NUL", ATOM "Path", "/tmp", 4},
        {"Path empty", ATOM "Path", "", 0},
        {"Path model", ATOM "Path", alt_model, strlen(alt_model) + 1},
    };
    const int n_values = (int)(sizeof values / sizeof values[0]);
    int cases = 0;
    for (int k = 0; k < N_KEYS; k++) {
        uint32_t key = key_urid(h, k);
        for (int v = 0; v < n_values; v++) {
            state_table_free(&t);
            for (int i = 0; i < good.n; i++)
                if (good.entry[i].key != key)
                    state_table_set(&t, good.entry[i].key, good.entry[i].value,
                                    good.entry[i].size, good.entry[i].type);
            if (values[v].type)
                state_table_set(&t, key, values[v].bytes, values[v].size,
                                host_map(h, values[v].type));
            int status = state_table_restore(&t, h);
            bool wrong_type = values[v].type && strcmp(values[v].type, key_types[k]);
            CHECK_MSG(wrong_type ? status == LV2_STATE_ERR_BAD_TYPE : documented_status(status),
                      "%s as %s: restore() returned %d", keys[k], values[v].what, status);
            session_settle(h, 2);
            CHECK(state_table_save(&saved, h) == 0);
            char why[512];
            const char *problem = saved_state_problem(h, &saved, why, sizeof why);
            CHECK_MSG(!problem, "%s as %s: the saved state: %s", keys[k], values[v].what,
                      problem);
            cases++;
        }
        host_clear_log(h);
    }
    printf("%d hostile states restored\n", cases);

    CHECK(state_table_restore(&good, h) == 0);
    session_settle(h, 2);
    void *again = host_save_state(h);
    CHECK_MSG(host_states_equal(h, good_state, again),
              "the good state restores differently after the hostile ones");
    CHECK_MSG(notes_in_two_bars(h) > 0, "silent after the hostile states");
    host_free_state(good_state);
    host_free_state(again);
    state_table_free(&good);
    state_table_free(&t);
    state_table_free(&saved);
    host_close(h);
    return check_report();
}
