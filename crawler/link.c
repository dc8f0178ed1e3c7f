/*
 * link.c - the HTTP Link header (RFC 8288 section 3), read for one purpose:
 * RSL 1.0 discovery, `Link: <https://h/license.xml>; rel="license";
 * type="application/rsl+xml"`.
 *
 * A value is a comma-separated list of link-values `<target> *(; param)`;
 * a param is `name=token` or `name="quoted string"` (a comma inside quotes
 * or inside <> does not end the link-value). rel holds space-separated
 * relation types, compared case-insensitively. A link-value without `<`,
 * with an unterminated target or quote, is skipped up to the next comma.
 */
#include "crawler/crawler.h"

#include <string.h>

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int crawler_is_rsl_type(const char *type, size_t len)
{
    static const char rsl_type[] = "application/rsl+xml";
    while (len && is_space(*type))
        type++, len--;
    size_t n = 0;
    while (n < len && type[n] != ';' && !is_space(type[n]))
        n++;
    return cs_ascii_ieq(type, n, rsl_type);
}

/* 1 when the space-separated list [s, s+n) holds token (ASCII case-insensitive). */
static int has_token(const char *s, size_t n, const char *token)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && is_space(s[i]))
            i++;
        size_t start = i;
        while (i < n && !is_space(s[i]))
            i++;
        if (i > start && cs_ascii_ieq(s + start, i - start, token)) return 1;
    }
    return 0;
}

size_t crawler_link_rsl(const char *base, const char *value, size_t len, char (*out)[CS_URL_SIZE],
                        size_t max)
{
    size_t found = 0, i = 0;
    while (value && i < len && found < max) {
        while (i < len && (is_space(value[i]) || value[i] == ','))
            i++;
        if (i >= len) break;
        const char *target = NULL;
        size_t target_len = 0;
        int rel_license = 0, rsl_type = 0, broken = 0;
        if (value[i] == '<') {
            const char *close = memchr(value + i + 1, '>', len - i - 1);
            if (close) {
                target = value + i + 1;
                target_len = (size_t)(close - target);
                i = (size_t)(close - value) + 1;
            } else {
                broken = 1;
            }
        } else {
            broken = 1;
        }
        /* params up to the comma that ends this link-value */
        while (!broken && i < len && value[i] != ',') {
            if (value[i] != ';') {
                i++;
                continue;
            }
            i++;
            while (i < len && is_space(value[i]))
                i++;
            size_t name = i;
            while (i < len && value[i] != '=' && value[i] != ';' && value[i] != ',' &&
                   !is_space(value[i]))
                i++;
            size_t name_len = i - name;
            while (i < len && is_space(value[i]))
                i++;
            const char *v = "";
            size_t v_len = 0;
            if (i < len && value[i] == '=') {
                i++;
                while (i < len && is_space(value[i]))
                    i++;
                if (i < len && value[i] == '"') {
                    const char *q = memchr(value + i + 1, '"', len - i - 1);
                    if (q == NULL) {
                        broken = 1;
                        break;
                    }
                    v = value + i + 1;
                    v_len = (size_t)(q - v);
                    i = (size_t)(q - value) + 1;
                } else {
                    v = value + i;
                    while (i < len && value[i] != ';' && value[i] != ',' && !is_space(value[i]))
                        i++;
                    v_len = (size_t)(value + i - v);
                }
            }
            if (cs_ascii_ieq(value + name, name_len, "rel"))
                rel_license = has_token(v, v_len, "license");
            else if (cs_ascii_ieq(value + name, name_len, "type"))
                rsl_type = crawler_is_rsl_type(v, v_len);
        }
        if (broken) { /* skip to the next comma outside any quote */
            while (i < len && value[i] != ',')
                i++;
            continue;
        }
        if (target && rel_license && rsl_type &&
            cs_url_resolve(base, target, target_len, out[found], NULL) == CS_OK)
            found++;
    }
    return found;
}
