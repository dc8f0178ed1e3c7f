/*
 * fuzz_access_log.c - libFuzzer target for robots/access_log.c: the access-log
 * line parser and the User-Agent to crawler lookup.
 *
 * The input is cut into lines at '\n' as pipeline/crawlers.c cuts a log; each
 * line goes through one robots_log_parser (which remembers timestamps between
 * lines) and through a fresh parse without one, and both answers must agree.
 * Invariants that must hold for any bytes are checked with abort(): every
 * field points inside the line, numbers are in range, a parsed line holds no
 * control byte, and the crawler index is on the list.
 */
#include "robots/robots.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void inside(const char *line, size_t len, const char *field, size_t field_len)
{
    if (field == NULL) {
        if (field_len != 0) abort();
        return;
    }
    if (field < line || field + field_len > line + len) abort();
}

static void one_line(robots_log_parser *parser, const char *line, size_t len)
{
    robots_log_entry a, b;
    cs_error err;
    int rc = robots_log_parse(parser, line, len, &a, &err);
    int rc_fresh = robots_log_parse(NULL, line, len, &b, NULL);
    if (rc != rc_fresh) abort();
    if (rc != CS_OK) {
        if (rc != CS_EFORMAT && rc != CS_ELIMIT) abort();
        if (err.message[0] == '\0') abort();
        return;
    }
    if (a.time != b.time || a.status != b.status || a.bytes != b.bytes ||
        a.user_agent_len != b.user_agent_len || a.target_len != b.target_len)
        abort();
    inside(line, len, a.client, a.client_len);
    inside(line, len, a.user, a.user_len);
    inside(line, len, a.request, a.request_len);
    inside(line, len, a.method, a.method_len);
    inside(line, len, a.target, a.target_len);
    inside(line, len, a.protocol, a.protocol_len);
    inside(line, len, a.referer, a.referer_len);
    inside(line, len, a.user_agent, a.user_agent_len);
    if (a.client_len == 0 || (a.status != 0 && (a.status < 100 || a.status > 999)) || a.bytes < 0)
        abort();
    if (a.combined != (a.user_agent != NULL)) abort();
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)line[i];
        if ((c < 0x20 && c != '\t' && !(c == '\r' && i + 1 == len)) || c == 0x7F) abort();
    }
    if (a.user_agent) {
        int crawler = robots_ai_crawler_in_user_agent(a.user_agent, a.user_agent_len);
        if (crawler < -1 || (crawler >= 0 && (size_t)crawler >= robots_ai_crawler_count())) abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    robots_log_parser parser = {0};
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        /* a copy of exactly the line's bytes, so ASan sees any read past it */
        char *line = malloc(len ? len : 1);
        if (line == NULL) abort();
        memcpy(line, p, len);
        one_line(&parser, line, len);
        free(line);
        p += len + (nl != NULL);
    }
    int crawler = robots_ai_crawler_in_user_agent((const char *)data, size);
    if (crawler < -1 || (crawler >= 0 && (size_t)crawler >= robots_ai_crawler_count())) abort();
    int64_t t;
    if (size >= 28) robots_log_parse_time((const char *)data, 28, &t);
    return 0;
}
