/* Writing one flat JSON object to stdout field by field, for the --json
 * reports of morphvae eval: *first is 1 before the first field. */
#ifndef MV_JSON_FIELDS_H
#define MV_JSON_FIELDS_H

/* "key":v, or "key":null when v is not finite */
void json_number(const char *key, double v, int *first);
/* "key":"v" with quotes, backslashes and control characters escaped */
void json_string(const char *key, const char *v, int *first);

/* The fields every eval report opens with: model, corpus, split, windows
 * evaluated and windows in the split. */
void json_eval_source(const char *model, const char *corpus, const char *split, double windows,
                      double split_windows, int *first);

#endif
