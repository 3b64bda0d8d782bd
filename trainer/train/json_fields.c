#include "json_fields.h"

#include <math.h>
#include <stdio.h>

void json_number(const char *key, double v, int *first)
{
    printf("%s\"%s\":", *first ? "" : ",", key);
    *first = 0;
    if (isfinite(v)) printf("%.6g", v);
    else printf("null");
}

void json_string(const char *key, const char *v, int *first)
{
    printf("%s\"%s\":\"", *first ? "" : ",", key);
    *first = 0;
    for (const char *c = v; *c; c++) {
        if (*c == '"' || *c == '\\') printf("\\%c", *c);
        else if ((unsigned char)*c < 0x20) printf("\\u%04x", *c);
        else putchar(*c);
    }
    putchar('"');
}

void json_eval_source(const char *model, const char *corpus, const char *split, double windows,
                      double split_windows, int *first)
{
    json_string("model", model, first);
    json_string("corpus", corpus, first);
    json_string("split", split, first);
    json_number("windows", windows, first);
    json_number("split_windows", split_windows, first);
}
