/*
 * text.c - text from outside (file names, URLs, owners' notes) as JSON and as
 * HTML: the one place that turns any bytes into a JSON string, for the reports
 * pipeline/ writes and for cli/'s output lines (cli_json_text), and the HTML
 * pieces both HTML reports (audit_report.c, report.c) write, every text
 * escaped by cs_buf_append_html.
 */
#include "pipeline/pipeline_internal.h"

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

int pipeline_html_text(cs_buf *b, const char *s)
{
    return s ? cs_buf_append_html(b, s, strlen(s)) : CS_OK;
}

int pipeline_html_item(cs_buf *b, const char *name, const char *value)
{
    int rc = cs_buf_append_str(b, "<dt>");
    if (rc == CS_OK) rc = pipeline_html_text(b, name);
    if (rc == CS_OK) rc = cs_buf_append_str(b, "</dt><dd>");
    if (rc == CS_OK) rc = pipeline_html_text(b, value);
    if (rc == CS_OK) rc = cs_buf_append_str(b, "</dd>");
    return rc;
}
