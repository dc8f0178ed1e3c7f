/*
 * text.c - text from outside (file names, URLs, owners' notes) as JSON: the
 * one place that turns any bytes into a JSON string, for the reports pipeline/
 * writes and for cli/'s output lines (cli_json_text).
 */
#include "pipeline/pipeline.h"

#include <stdlib.h>
#include <string.h>

json_t *pipeline_json_text(const char *text)
{
    if (text == NULL) return json_null();
    json_t *s = json_string(text);
    if (s) return s;
    char *clean = cs_utf8_dup(text, strlen(text));
    s = clean ? json_string(clean) : NULL;
    free(clean);
    return s;
}
