/*
 * template.c - the two small text services the server needs: filling in
 * listener addresses in bodies ({{origin}}, {{origin:NAME}}, {{host}},
 * {{host:NAME}}; see demo.h) and choosing a Content-Type by file extension.
 *
 * Templates exist because ports are picked at start-up: a page on one
 * simulated host can only link to another host once its port is known.
 */
#include "demo/demo_internal.h"

#include <stdlib.h>
#include <string.h>

/* Longest NAME inside {{origin:NAME}}; addresses and host names are short. */
#define DEMO_TEMPLATE_NAME_MAX 64

static const demo_listener *find_listener(const demo_server *server, const char *name, size_t n)
{
    for (size_t i = 0; i < server->listener_count; i++) {
        const demo_listener *l = &server->listeners[i];
        if (strlen(l->ip) == n && memcmp(l->ip, name, n) == 0) return l;
        if (l->name && strlen(l->name) == n && memcmp(l->name, name, n) == 0) return l;
    }
    return NULL;
}

unsigned char *demo_template_expand(const demo_server *server, const demo_listener *listener,
                                    const unsigned char *bytes, size_t len, size_t *out_len)
{
    cs_buf out;
    cs_buf_init(&out, 0);
    if (cs_buf_reserve(&out, len + 1)) return NULL;
    size_t i = 0;
    while (i < len) {
        const unsigned char *open = len - i >= 2 ? memmem(bytes + i, len - i, "{{", 2) : NULL;
        if (open == NULL) {
            if (cs_buf_append(&out, bytes + i, len - i)) goto fail;
            break;
        }
        size_t at = (size_t)(open - bytes);
        if (cs_buf_append(&out, bytes + i, at - i)) goto fail;
        const unsigned char *close = memmem(open + 2, len - at - 2, "}}", 2);
        size_t inner_len = close ? (size_t)(close - open - 2) : 0;
        const char *inner = (const char *)open + 2;
        const demo_listener *target = NULL;
        int with_scheme = 0;
        if (close && inner_len <= DEMO_TEMPLATE_NAME_MAX + 7) {
            const char *name = NULL;
            size_t name_len = 0;
            if (inner_len == 6 && memcmp(inner, "origin", 6) == 0) {
                target = listener, with_scheme = 1;
            } else if (inner_len == 4 && memcmp(inner, "host", 4) == 0) {
                target = listener;
            } else if (inner_len > 7 && memcmp(inner, "origin:", 7) == 0) {
                name = inner + 7, name_len = inner_len - 7, with_scheme = 1;
            } else if (inner_len > 5 && memcmp(inner, "host:", 5) == 0) {
                name = inner + 5, name_len = inner_len - 5;
            }
            if (name) target = find_listener(server, name, name_len);
        }
        if (target == NULL) { /* not ours: keep "{{" and go on after it */
            if (cs_buf_append(&out, open, 2)) goto fail;
            i = at + 2;
            continue;
        }
        if (cs_buf_printf(&out, "%s%s", with_scheme ? "http://" : "", target->address)) goto fail;
        i = at + 2 + inner_len + 2;
    }
    return cs_buf_take(&out, out_len);
fail:
    cs_buf_free(&out);
    return NULL;
}

static const struct {
    const char *ext;
    const char *type;
    int is_text;
} content_types[] = {
    {"html", "text/html; charset=utf-8", 1},
    {"htm", "text/html; charset=utf-8", 1},
    {"txt", "text/plain; charset=utf-8", 1},
    {"json", "application/json", 1},
    {"jsonld", "application/ld+json", 1},
    {"xml", "application/xml", 1},
    {"css", "text/css", 1},
    {"js", "text/javascript", 1},
    {"jpg", "image/jpeg", 0},
    {"jpeg", "image/jpeg", 0},
    {"png", "image/png", 0},
    {"webp", "image/webp", 0},
    {"gif", "image/gif", 0},
    {"svg", "image/svg+xml", 0},
    {"gz", "application/gzip", 0},
};

const char *demo_content_type(const char *name, int *is_text)
{
    const char *slash = strrchr(name, '/');
    const char *base = slash ? slash + 1 : name;
    const char *dot = strrchr(base, '.');
    if (is_text) *is_text = 0;
    if (dot == NULL) return NULL;
    for (size_t i = 0; i < CS_ARRAY_LEN(content_types); i++)
        if (cs_ascii_ieq(dot + 1, strlen(dot + 1), content_types[i].ext)) {
            if (is_text) *is_text = content_types[i].is_text;
            return content_types[i].type;
        }
    return NULL;
}
