/*
 * url_list.c - image URL lists (`clearset crawl --url-list FILE`): txt, CSV,
 * TSV and JSON Lines, img2dataset's inputs other than parquet, plain or gzip.
 *
 * The file is a cs_stream (common/stream.c), as access logs are for
 * `clearset crawlers`: gzip (detected by content) is inflated, other bytes
 * pass through, "-" is stdin. Memory stays at one
 * URL_LIST_MAX_RECORD buffer whatever the list's length. A record is a line;
 * in CSV a newline inside double quotes belongs to the field (RFC 4180:
 * quoted fields hold commas, newlines and doubled quotes; a quote inside an
 * unquoted field is a plain byte, as Python's csv reads it). TSV fields are
 * split on tabs, unquoted. CSV and TSV start with a header row naming the
 * columns; JSON Lines holds one object per line, read with jansson. A UTF-8
 * BOM at the start and a CR before each newline are dropped.
 *
 * A bad record (no URL column, an unclosed quote, bad JSON, an invalid URL, a
 * record longer than URL_LIST_MAX_RECORD) is returned as CS_EFORMAT with
 * "FILE:LINE: why" in err, and the next call goes on after it: one bad line
 * never ends the list. A gzip stream cut short ends the list with one such
 * error after the last good record.
 */
#include "crawler/crawler.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define URL_LIST_MAX_RECORD (1024 * 1024) /* a record longer than this is no list entry */

struct crawler_url_list {
    cs_stream *in;
    char *path;
    crawler_url_list_format format;
    char *url_col, *caption_col;
    int url_index, caption_index; /* CSV/TSV columns; -1 none */
    int header_done;
    char *buf;       /* URL_LIST_MAX_RECORD + 1 bytes */
    size_t pos, len; /* unread bytes are buf[pos, len) */
    int eof, bom_checked, gz_reported;
    uint64_t line; /* lines consumed so far */
    char *field;   /* one unquoted field, URL_LIST_MAX_RECORD + 1 bytes */
};

crawler_url_list_format crawler_url_list_format_of(const char *path)
{
    size_t n = strlen(path);
    if (n > 3 && strcmp(path + n - 3, ".gz") == 0) n -= 3;
    static const struct {
        const char *ext;
        crawler_url_list_format format;
    } exts[] = {{".txt", CRAWLER_URL_LIST_TXT},
                {".csv", CRAWLER_URL_LIST_CSV},
                {".tsv", CRAWLER_URL_LIST_TSV},
                {".jsonl", CRAWLER_URL_LIST_JSONL},
                {".json", CRAWLER_URL_LIST_JSONL}};
    for (size_t i = 0; i < CS_ARRAY_LEN(exts); i++) {
        size_t e = strlen(exts[i].ext);
        if (n >= e && strncmp(path + n - e, exts[i].ext, e) == 0) return exts[i].format;
    }
    return CRAWLER_URL_LIST_TXT;
}

int crawler_url_list_open(const char *path, crawler_url_list_format format, const char *url_col,
                          const char *caption_col, crawler_url_list **out, cs_error *err)
{
    *out = NULL;
    cs_stream *in = NULL;
    int rc = cs_stream_open(path, &in, err);
    if (rc != CS_OK) return rc;
    crawler_url_list *l = calloc(1, sizeof *l);
    if (l == NULL) {
        cs_stream_close(in);
        return cs_error_set(err, CS_ENOMEM, "%s: out of memory", path);
    }
    l->in = in;
    if ((l->buf = malloc(URL_LIST_MAX_RECORD + 1)) == NULL ||
        (l->field = malloc(URL_LIST_MAX_RECORD + 1)) == NULL ||
        (l->path = cs_strndup(path, strlen(path))) == NULL ||
        (l->url_col = cs_strndup(url_col ? url_col : "url", strlen(url_col ? url_col : "url"))) ==
            NULL ||
        (l->caption_col = cs_strndup(caption_col ? caption_col : "caption",
                                     strlen(caption_col ? caption_col : "caption"))) == NULL) {
        crawler_url_list_close(l);
        return cs_error_set(err, CS_ENOMEM, "%s: out of memory", path);
    }
    l->format = format == CRAWLER_URL_LIST_AUTO ? crawler_url_list_format_of(path) : format;
    l->url_index = l->caption_index = -1;
    *out = l;
    return CS_OK;
}

void crawler_url_list_close(crawler_url_list *l)
{
    if (l == NULL) return;
    cs_stream_close(l->in);
    free(l->buf);
    free(l->field);
    free(l->path);
    free(l->url_col);
    free(l->caption_col);
    free(l);
}

uint64_t crawler_url_list_line(const crawler_url_list *l)
{
    return l->line;
}

/* Reads more bytes after buf[len); 0 at the end of the stream (l->eof set). */
static int fill(crawler_url_list *l, cs_error *err, int *gz_error)
{
    if (l->pos > 0) {
        memmove(l->buf, l->buf + l->pos, l->len - l->pos);
        l->len -= l->pos;
        l->pos = 0;
    }
    if (l->eof || l->len >= URL_LIST_MAX_RECORD) return 0;
    cs_error why;
    long n = cs_stream_read(l->in, l->buf + l->len, URL_LIST_MAX_RECORD - l->len, &why);
    if (n > 0) {
        l->len += (size_t)n;
        if (!l->bom_checked && l->len >= 3) {
            l->bom_checked = 1;
            if (memcmp(l->buf, "\xEF\xBB\xBF", 3) == 0) l->pos = 3;
        }
        return 1;
    }
    l->eof = 1;
    if (n < 0 && !l->gz_reported) {
        l->gz_reported = 1;
        *gz_error = 1;
        cs_error_set(err, CS_EFORMAT, "%s:%llu: %s", l->path, (unsigned long long)l->line + 1,
                     why.message);
    }
    return 0;
}

/*
 * Where the record at p ends: the index of its '\n' (outside quotes in CSV),
 * or n when there is none yet. *newlines counts the newlines inside it.
 */
static size_t record_end(const char *p, size_t n, int csv, int *open_quote, uint64_t *newlines)
{
    int quoted = 0, field_start = 1; /* a quote opens a field only at its start */
    *newlines = 0;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (quoted) {
            if (c == '"') {
                if (i + 1 < n && p[i + 1] == '"')
                    i++; /* a doubled quote */
                else
                    quoted = 0;
            } else if (c == '\n') {
                (*newlines)++;
            }
            continue;
        }
        if (c == '\n') return i;
        if (csv && c == '"' && field_start) quoted = 1;
        field_start = c == ',';
    }
    *open_quote = quoted;
    return n;
}

/* Field index (0-based) of a CSV/TSV record, unquoted into out; 0 if missing. */
static int split_field(const char *p, size_t n, char sep, int csv, int index, char *out,
                       size_t *out_len)
{
    size_t i = 0;
    for (int f = 0;; f++) {
        size_t o = 0;
        if (csv && i < n && p[i] == '"') {
            i++;
            while (i < n) {
                if (p[i] == '"') {
                    if (i + 1 < n && p[i + 1] == '"') {
                        out[o++] = '"';
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                out[o++] = p[i++];
            }
            while (i < n && p[i] != sep) /* bytes after a closing quote: kept, as most do */
                out[o++] = p[i++];
        } else {
            while (i < n && p[i] != sep)
                out[o++] = p[i++];
        }
        if (f == index) {
            *out_len = o;
            return 1;
        }
        if (i >= n) return 0;
        i++; /* the separator */
    }
}

static int bad(crawler_url_list *l, uint64_t line, const char *why, cs_error *err)
{
    return cs_error_set(err, CS_EFORMAT, "%s:%llu: %s", l->path, (unsigned long long)line, why);
}

static int header(crawler_url_list *l, const char *p, size_t n, cs_error *err)
{
    char sep = l->format == CRAWLER_URL_LIST_CSV ? ',' : '\t';
    int csv = l->format == CRAWLER_URL_LIST_CSV;
    size_t len;
    for (int i = 0; split_field(p, n, sep, csv, i, l->field, &len); i++) {
        if (len == strlen(l->url_col) && memcmp(l->field, l->url_col, len) == 0) l->url_index = i;
        if (len == strlen(l->caption_col) && memcmp(l->field, l->caption_col, len) == 0)
            l->caption_index = i;
    }
    l->header_done = 1;
    if (l->url_index < 0)
        return cs_error_set(err, CS_EINVAL, "%s: the header names no column '%s'", l->path,
                            l->url_col);
    return CS_OK;
}

static int entry_url(crawler_url_list *l, uint64_t line, const char *url, size_t n,
                     crawler_url_list_entry *e, cs_error *err)
{
    while (n > 0 && (url[n - 1] == ' ' || url[n - 1] == '\t'))
        n--;
    while (n > 0 && (*url == ' ' || *url == '\t')) {
        url++;
        n--;
    }
    if (n == 0) return bad(l, line, "no URL", err);
    cs_error why;
    if (cs_url_normalize(url, n, e->url, &why) != CS_OK) {
        char message[CS_ERROR_MESSAGE_MAX];
        snprintf(message, sizeof message, "%.200s", why.message);
        return bad(l, line, message, err);
    }
    return CS_OK;
}

static void entry_caption(crawler_url_list_entry *e, const char *s, size_t n)
{
    if (n >= sizeof e->caption) { /* cut at a UTF-8 character boundary */
        n = sizeof e->caption - 1;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(e->caption, s, n);
    e->caption[n] = '\0';
}

/* One record's bytes (no newline, CR dropped): the entry, or a bad line. */
static int parse_record(crawler_url_list *l, uint64_t line, const char *p, size_t n,
                        crawler_url_list_entry *e, cs_error *err)
{
    e->url[0] = e->caption[0] = '\0';
    e->line = line;
    size_t len;
    switch (l->format) {
    case CRAWLER_URL_LIST_CSV:
    case CRAWLER_URL_LIST_TSV: {
        char sep = l->format == CRAWLER_URL_LIST_CSV ? ',' : '\t';
        int csv = l->format == CRAWLER_URL_LIST_CSV;
        if (!split_field(p, n, sep, csv, l->url_index, l->field, &len))
            return bad(l, line, "no URL column", err);
        int rc = entry_url(l, line, l->field, len, e, err);
        if (rc != CS_OK) return rc;
        if (l->caption_index >= 0 && split_field(p, n, sep, csv, l->caption_index, l->field, &len))
            entry_caption(e, l->field, len);
        return CS_OK;
    }
    case CRAWLER_URL_LIST_JSONL: {
        json_error_t jerr;
        json_t *obj = json_loadb(p, n, 0, &jerr);
        if (obj == NULL || !json_is_object(obj)) {
            json_decref(obj);
            return bad(l, line, "not a JSON object", err);
        }
        json_t *url = json_object_get(obj, l->url_col);
        int rc = json_is_string(url)
                     ? entry_url(l, line, json_string_value(url), json_string_length(url), e, err)
                     : bad(l, line, "no URL field", err);
        json_t *caption = json_object_get(obj, l->caption_col);
        if (rc == CS_OK && json_is_string(caption))
            entry_caption(e, json_string_value(caption), json_string_length(caption));
        json_decref(obj);
        return rc;
    }
    case CRAWLER_URL_LIST_TXT:
    case CRAWLER_URL_LIST_AUTO:
        break;
    }
    return entry_url(l, line, p, n, e, err);
}

static int blank(const char *p, size_t n, int txt)
{
    size_t i = 0;
    while (i < n && (p[i] == ' ' || p[i] == '\t'))
        i++;
    return i == n || (txt && p[i] == '#');
}

int crawler_url_list_next(crawler_url_list *l, crawler_url_list_entry *e, cs_error *err)
{
    int csv = l->format == CRAWLER_URL_LIST_CSV;
    for (;;) {
        int open_quote = 0, gz_error = 0;
        uint64_t inner = 0;
        size_t end = record_end(l->buf + l->pos, l->len - l->pos, csv, &open_quote, &inner);
        if (l->pos + end == l->len) { /* no whole record yet */
            if (fill(l, err, &gz_error)) continue;
            if (gz_error) return CS_EFORMAT;
            if (l->len - l->pos >= URL_LIST_MAX_RECORD) {
                /* too long: report it and drop bytes to the next raw newline */
                uint64_t line = l->line + 1;
                char *nl = memchr(l->buf + l->pos, '\n', l->len - l->pos);
                l->pos = nl ? (size_t)(nl - l->buf) + 1 : l->len;
                l->line++;
                return bad(l, line,
                           open_quote ? "unclosed quote" : "record longer than 1 MiB, skipped",
                           err);
            }
            if (l->pos == l->len) return 0; /* the end */
            end = l->len - l->pos;          /* a last record without its newline */
            if (open_quote) {
                uint64_t line = l->line + 1;
                l->line += inner + 1;
                l->pos = l->len;
                return bad(l, line, "unclosed quote", err);
            }
        }
        const char *p = l->buf + l->pos;
        uint64_t line = l->line + 1;
        l->line += inner + 1;
        l->bom_checked = 1; /* a BOM counts only at the very start */
        l->pos += end + (l->pos + end < l->len ? 1 : 0);
        size_t n = end;
        if (n > 0 && p[n - 1] == '\r') n--;
        if (blank(p, n, l->format == CRAWLER_URL_LIST_TXT || l->format == CRAWLER_URL_LIST_AUTO))
            continue;
        if ((l->format == CRAWLER_URL_LIST_CSV || l->format == CRAWLER_URL_LIST_TSV) &&
            !l->header_done) {
            int rc = header(l, p, n, err);
            if (rc != CS_OK) return rc;
            continue;
        }
        int rc = parse_record(l, line, p, n, e, err);
        return rc == CS_OK ? 1 : rc;
    }
}
