/*
 * buf.c - a growable byte buffer with a hard size limit.
 *
 * Every reader of untrusted bytes (HTTP bodies, decompressed streams, files)
 * accumulates into a cs_buf so that the limit is enforced in one place: an
 * append that would pass the limit fails with CS_ELIMIT and appends nothing.
 * Capacity doubles, so appends are amortised O(1).
 */
#include "common/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CS_BUF_MIN_CAPACITY 256

void cs_buf_init(cs_buf *buf, size_t limit)
{
    buf->data = NULL;
    buf->len = 0;
    buf->cap = 0;
    buf->limit = limit ? limit : SIZE_MAX - 1;
}

int cs_buf_reserve(cs_buf *buf, size_t n)
{
    if (n > buf->limit || buf->len > buf->limit - n) return CS_ELIMIT;
    size_t need = buf->len + n + 1; /* +1 keeps room for the terminating NUL */
    if (need <= buf->cap) return CS_OK;
    if (need < CS_BUF_MIN_CAPACITY) need = CS_BUF_MIN_CAPACITY;
    return cs_array_grow((void **)&buf->data, &buf->cap, need, 1, 0);
}

int cs_buf_append(cs_buf *buf, const void *bytes, size_t n)
{
    int rc = cs_buf_reserve(buf, n);
    if (rc != CS_OK) return rc;
    if (n) memcpy(buf->data + buf->len, bytes, n);
    buf->len += n;
    buf->data[buf->len] = '\0';
    return CS_OK;
}

int cs_buf_append_str(cs_buf *buf, const char *s)
{
    return cs_buf_append(buf, s, strlen(s));
}

int cs_buf_printf(cs_buf *buf, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return CS_EINVAL;
    int rc = cs_buf_reserve(buf, (size_t)n);
    if (rc != CS_OK) return rc;
    va_start(ap, fmt);
    vsnprintf((char *)buf->data + buf->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    buf->len += (size_t)n;
    return CS_OK;
}

unsigned char *cs_buf_take(cs_buf *buf, size_t *len)
{
    unsigned char *data = buf->data;
    if (len) *len = buf->len;
    if (data == NULL) data = calloc(1, 1); /* callers always get a freeable pointer */
    buf->data = NULL;
    buf->len = buf->cap = 0;
    return data;
}

void cs_buf_free(cs_buf *buf)
{
    if (buf == NULL) return;
    free(buf->data);
    buf->data = NULL;
    buf->len = buf->cap = 0;
}

int cs_buf_append_json_string(cs_buf *buf, const char *s, size_t len)
{
    int rc = cs_buf_append(buf, "\"", 1);
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; rc == CS_OK && i < len;) {
        size_t n = p[i] ? cs_utf8_sequence(p + i, len - i) : 1;
        if (p[i] == 0) /* dropped, as cs_utf8_dup does */
            ;
        else if (n == 0)
            rc = cs_buf_append(buf, "?", 1), n = 1;
        else if (p[i] == '"' || p[i] == '\\')
            rc = cs_buf_printf(buf, "\\%c", p[i]);
        else if (p[i] < 0x20)
            rc = cs_buf_printf(buf, "\\u%04x", p[i]);
        else
            rc = cs_buf_append(buf, p + i, n);
        i += n;
    }
    return rc == CS_OK ? cs_buf_append(buf, "\"", 1) : rc;
}

int cs_buf_append_html(cs_buf *buf, const char *s, size_t len)
{
    static const char special[] = "&<>\"'";
    static const char *const entity[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"};
    char *clean = cs_utf8_dup(s ? s : "", s ? len : 0);
    if (clean == NULL) return CS_ENOMEM;
    int rc = CS_OK;
    for (const char *p = clean; rc == CS_OK && *p; p++) {
        const char *hit = strchr(special, *p);
        rc = hit ? cs_buf_append_str(buf, entity[hit - special]) : cs_buf_append(buf, p, 1);
    }
    free(clean);
    return rc;
}
