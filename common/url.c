/*
 * url.c - URL splitting, normalisation and resolution (RFC 3986), for the
 * crawler and license/ alike (see url.h for why it lives in common/).
 *
 * Every URL the crawler stores or compares goes through cs_url_normalize,
 * so that two spellings of one resource become one frontier row:
 *   - scheme and host lower-cased, default port dropped, a trailing dot on the
 *     host dropped, empty path becomes "/";
 *   - percent-encoding normalised (RFC 3986 6.2.2.2): escapes of unreserved
 *     characters decoded, other escapes upper-cased, bytes that may not appear
 *     in a URL (controls, space, non-ASCII, "<>{}|^`\) encoded, a stray '%'
 *     becomes "%25";
 *   - dot segments removed (RFC 3986 5.2.4), fragment dropped;
 *   - common session-id parameters stripped from the query and from ";params"
 *     in the path (jsessionid, PHPSESSID, sid, ...), an empty query dropped.
 * Only http and https are accepted (CS_EUNSUPPORTED otherwise); URLs with
 * user information are refused because the crawler never sends credentials.
 * Resolution follows RFC 3986 5.2.2 against a base that is already absolute;
 * as browsers do for http(s), tabs and newlines inside a reference are
 * ignored, surrounding whitespace is trimmed, and '\' counts as '/'.
 *
 * Splitting (cs_url_parse) follows RFC 3986 appendix B and never fails; the
 * authority is further split at the last '@' (user information) and at the
 * ':' after the host, where an IPv6 literal's host runs to its ']'.
 *
 * Everything works on pointer plus length and writes into the caller's
 * fixed-size buffer; nothing here allocates. Escapes are read with common's
 * hex codec and written with upper-case hex digits, the normal form of
 * RFC 3986 2.1 (cs_url_percent_encode, which robots/ uses too).
 */
#include "common/url.h"

#include <stdio.h>
#include <string.h>

/* A reference longer than this is not even parsed: no legitimate link is. */
#define URL_INPUT_MAX (8 * CS_URL_MAX)
/* Work buffer: escaping can triple the input length. */
#define URL_WORK_MAX (3 * URL_INPUT_MAX + 16)
/* RFC 1035: a host name is at most 253 characters (plus brackets for IPv6). */
#define URL_HOST_MAX 255

/* Query and path parameters that carry session ids, matched case-insensitively. */
static const char *const session_params[] = {
    "jsessionid", "phpsessid", "sid",   "sessionid", "session_id", "sessid",
    "cfid",       "cftoken",   "zenid", "oscsid",    "s_sid",
};

static int is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int is_unreserved(int c)
{
    return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* Characters that may stand literally in a path or query (unreserved, sub-delims, ":@/?"). */
static int is_url_char(int c)
{
    return is_unreserved(c) || (c != 0 && strchr("!$&'()*+,;=:@/?", c) != NULL);
}

static int lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

/* Copies s into a work buffer, trimming ASCII whitespace and dropping tab/CR/LF inside. */
static size_t clean_input(const char *s, size_t n, char *out)
{
    while (n > 0 && (unsigned char)s[0] <= ' ')
        s++, n--;
    while (n > 0 && (unsigned char)s[n - 1] <= ' ')
        n--;
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\t' || s[i] == '\r' || s[i] == '\n') continue;
        out[len++] = s[i] == '\\' ? '/' : s[i];
    }
    out[len] = '\0'; /* out holds n + 1 bytes */
    return len;
}

/* Splits an authority into user information, host and port (host keeps IPv6 brackets). */
static void split_authority(cs_url_ref *ref)
{
    const char *a = ref->authority;
    size_t n = ref->authority_len;
    for (size_t i = n; i > 0; i--)
        if (a[i - 1] == '@') { /* user information ends at the last '@' */
            a += i, n -= i;
            break;
        }
    size_t host_end = n;
    if (n > 0 && a[0] == '[') {
        const char *close = memchr(a, ']', n);
        host_end = close ? (size_t)(close - a) + 1 : n;
    } else {
        const char *colon = memchr(a, ':', n);
        if (colon) host_end = (size_t)(colon - a);
    }
    ref->host = a;
    ref->host_len = host_end;
    if (host_end < n && a[host_end] == ':') {
        ref->port = a + host_end + 1;
        ref->port_len = n - host_end - 1;
    }
}

void cs_url_parse(const char *s, size_t n, cs_url_ref *ref)
{
    memset(ref, 0, sizeof *ref);
    size_t i = 0;
    if (n > 0 && is_alpha((unsigned char)s[0])) {
        size_t j = 1;
        while (j < n && (is_alpha((unsigned char)s[j]) || is_digit((unsigned char)s[j]) ||
                         s[j] == '+' || s[j] == '-' || s[j] == '.'))
            j++;
        if (j < n && s[j] == ':') {
            ref->scheme = s;
            ref->scheme_len = j;
            i = j + 1;
        }
    }
    if (n - i >= 2 && s[i] == '/' && s[i + 1] == '/') {
        ref->has_authority = 1;
        i += 2;
        size_t start = i;
        while (i < n && s[i] != '/' && s[i] != '?' && s[i] != '#')
            i++;
        ref->authority = s + start;
        ref->authority_len = i - start;
        split_authority(ref);
    }
    size_t start = i;
    while (i < n && s[i] != '?' && s[i] != '#')
        i++;
    ref->path = s + start;
    ref->path_len = i - start;
    if (i < n && s[i] == '?') {
        ref->has_query = 1;
        start = ++i;
        while (i < n && s[i] != '#')
            i++;
        ref->query = s + start;
        ref->query_len = i - start;
    }
}

void cs_url_percent_encode(unsigned char c, char out[3])
{
    static const char digits[] = "0123456789ABCDEF"; /* RFC 3986 2.1: upper case is normal */
    out[0] = '%';
    out[1] = digits[c >> 4];
    out[2] = digits[c & 15];
}

/*
 * Appends s with percent-encoding normalised. "%2E" becomes '.' like every
 * unreserved escape, so encoded dot segments are removed like plain ones.
 */
static int append_escaped(char *out, size_t *len, size_t cap, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i], escaped;
        if (*len + 3 >= cap) return CS_ELIMIT;
        if (c == '%' && i + 2 < n && cs_hex_decode(s + i + 1, 2, &escaped, 1) == CS_OK) {
            if (is_unreserved(escaped)) {
                out[(*len)++] = (char)escaped;
            } else {
                cs_url_percent_encode(escaped, out + *len);
                *len += 3;
            }
            i += 2;
        } else if (c != '%' && is_url_char(c)) {
            out[(*len)++] = (char)c;
        } else {
            cs_url_percent_encode(c, out + *len);
            *len += 3;
        }
    }
    return CS_OK;
}

/* RFC 3986 5.2.4 on an already escaped absolute path, in place; returns the new length. */
static size_t remove_dot_segments(char *path, size_t n)
{
    size_t in = 0, out = 0;
    while (in < n) {
        /* Each step looks at the segment starting at path[in], which begins with '/'. */
        size_t seg_end = in + 1;
        while (seg_end < n && path[seg_end] != '/')
            seg_end++;
        size_t seg_len = seg_end - in - 1;
        const char *seg = path + in + 1;
        if (seg_len == 1 && seg[0] == '.') {
            in = seg_end;
            if (in == n) path[out++] = '/';
        } else if (seg_len == 2 && seg[0] == '.' && seg[1] == '.') {
            /* drop the last output segment together with its leading '/' */
            while (out > 0 && path[out - 1] != '/')
                out--;
            if (out > 0) out--;
            in = seg_end;
            if (in == n) path[out++] = '/';
        } else {
            memmove(path + out, path + in, seg_end - in);
            out += seg_end - in;
            in = seg_end;
        }
    }
    if (out == 0) path[out++] = '/';
    return out;
}

static int is_session_param(const char *name, size_t n)
{
    for (size_t i = 0; i < CS_ARRAY_LEN(session_params); i++)
        if (cs_ascii_ieq(name, n, session_params[i])) return 1;
    /* ASP.NET classic: ASPSESSIONIDxxxxxxxx=... */
    if (n >= 12) {
        char prefix[13];
        for (int i = 0; i < 12; i++)
            prefix[i] = (char)lower((unsigned char)name[i]);
        prefix[12] = '\0';
        if (strcmp(prefix, "aspsessionid") == 0) return 1;
    }
    return 0;
}

/* Removes ";jsessionid=..." style parameters from each path segment, in place. */
static size_t strip_path_session(char *path, size_t n)
{
    size_t in = 0, out = 0;
    while (in < n) {
        if (path[in] == ';') {
            size_t end = in + 1;
            while (end < n && path[end] != ';' && path[end] != '/')
                end++;
            size_t name_end = in + 1;
            while (name_end < end && path[name_end] != '=')
                name_end++;
            if (is_session_param(path + in + 1, name_end - in - 1)) {
                in = end;
                continue;
            }
            memmove(path + out, path + in, end - in);
            out += end - in;
            in = end;
        } else {
            path[out++] = path[in++];
        }
    }
    return out;
}

/* Removes session parameters from an escaped query ("a=1&sid=2"), in place. */
static size_t strip_query_session(char *q, size_t n)
{
    size_t in = 0, out = 0;
    while (in <= n) {
        size_t end = in;
        while (end < n && q[end] != '&')
            end++;
        size_t name_end = in;
        while (name_end < end && q[name_end] != '=')
            name_end++;
        int keep = end > in && !is_session_param(q + in, name_end - in);
        if (keep) {
            if (out > 0) q[out++] = '&';
            memmove(q + out, q + in, end - in);
            out += end - in;
        }
        in = end + 1;
    }
    return out;
}

/* Normalises host[:port] of ref's authority into out. */
static int normalize_authority(const cs_url_ref *ref, int https, char *out, size_t *len, size_t cap,
                               cs_error *err)
{
    if (ref->host != ref->authority)
        return cs_error_set(err, CS_EDENIED, "URL with user information refused");
    const char *a = ref->host;
    size_t host_end = ref->host_len;
    const char *port = ref->port;
    size_t port_len = ref->port_len;
    if (host_end > 0 && a[0] == '[') {
        if (a[host_end - 1] != ']')
            return cs_error_set(err, CS_EFORMAT, "unterminated IPv6 literal");
        if (host_end < ref->authority_len && port == NULL)
            return cs_error_set(err, CS_EFORMAT, "bad URL authority");
        for (size_t i = 1; i + 1 < host_end; i++) {
            int c = (unsigned char)a[i];
            if (cs_hex_digit(c) < 0 && c != ':' && c != '.')
                return cs_error_set(err, CS_EFORMAT, "bad IPv6 literal in URL");
        }
    } else {
        for (size_t i = 0; i < host_end; i++) {
            int c = (unsigned char)a[i];
            if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '.' && c != '_')
                return cs_error_set(err, CS_EFORMAT, "bad character in URL host");
        }
    }
    size_t host_len = host_end;
    if (host_len > 1 && a[0] != '[' && a[host_len - 1] == '.') host_len--;
    if (host_len == 0) return cs_error_set(err, CS_EFORMAT, "URL without a host");
    if (a[0] != '[') { /* every DNS label non-empty (RFC 1035): no "a..b", ".a", "a.." */
        if (a[0] == '.' || a[host_len - 1] == '.')
            return cs_error_set(err, CS_EFORMAT, "empty label in URL host");
        for (size_t i = 1; i < host_len; i++)
            if (a[i] == '.' && a[i - 1] == '.')
                return cs_error_set(err, CS_EFORMAT, "empty label in URL host");
    }
    if (host_len > URL_HOST_MAX) return cs_error_set(err, CS_ELIMIT, "URL host too long");
    if (*len + host_len + 8 >= cap) return cs_error_set(err, CS_ELIMIT, "URL too long");
    for (size_t i = 0; i < host_len; i++)
        out[(*len)++] = (char)lower((unsigned char)a[i]);
    if (port) {
        long value = 0;
        if (port_len > 5) return cs_error_set(err, CS_EFORMAT, "bad port in URL");
        for (size_t i = 0; i < port_len; i++) {
            if (!is_digit((unsigned char)port[i]))
                return cs_error_set(err, CS_EFORMAT, "bad port in URL");
            value = value * 10 + (port[i] - '0');
        }
        if (value > 65535 || (port_len > 0 && value == 0))
            return cs_error_set(err, CS_EFORMAT, "bad port in URL");
        /* An empty port ("host:") means the default, as RFC 3986 6.2.3 says. */
        if (port_len > 0 && value != (https ? 443 : 80))
            *len += (size_t)snprintf(out + *len, cap - *len, ":%ld", value);
    }
    return CS_OK;
}

/* Builds the normalised URL from parts whose path is absolute (or empty). */
static int assemble(int https, const cs_url_ref *authority, const char *path, size_t path_len,
                    int has_query, const char *query, size_t query_len, char out[CS_URL_SIZE],
                    cs_error *err)
{
    char buf[URL_WORK_MAX];
    size_t len = 0;
    const char *scheme = https ? "https://" : "http://";
    memcpy(buf, scheme, strlen(scheme));
    len = strlen(scheme);
    int rc = normalize_authority(authority, https, buf, &len, sizeof buf, err);
    if (rc) return rc;
    size_t path_start = len;
    if (path_len == 0 || path[0] != '/') buf[len++] = '/';
    if (append_escaped(buf, &len, sizeof buf, path, path_len))
        return cs_error_set(err, CS_ELIMIT, "URL too long");
    size_t new_path = strip_path_session(buf + path_start, len - path_start);
    new_path = remove_dot_segments(buf + path_start, new_path);
    len = path_start + new_path;
    if (has_query) {
        size_t q_start = len + 1;
        buf[len++] = '?';
        if (append_escaped(buf, &len, sizeof buf, query, query_len))
            return cs_error_set(err, CS_ELIMIT, "URL too long");
        size_t q_len = strip_query_session(buf + q_start, len - q_start);
        len = q_start + q_len;
        if (q_len == 0) len--; /* drop the '?' of an empty query */
    }
    if (len > CS_URL_MAX)
        return cs_error_set(err, CS_ELIMIT, "URL longer than %d characters", CS_URL_MAX);
    memcpy(out, buf, len);
    out[len] = '\0';
    return CS_OK;
}

static int scheme_is_https(const cs_url_ref *ref, cs_error *err)
{
    if (cs_ascii_ieq(ref->scheme, ref->scheme_len, "http")) return 0;
    if (cs_ascii_ieq(ref->scheme, ref->scheme_len, "https")) return 1;
    return cs_error_set(err, CS_EUNSUPPORTED, "URL scheme '%.*s' is not http or https",
                        (int)CS_MIN(ref->scheme_len, 16), ref->scheme);
}

int cs_url_normalize(const char *url, size_t len, char out[CS_URL_SIZE], cs_error *err)
{
    if (len > URL_INPUT_MAX) return cs_error_set(err, CS_ELIMIT, "URL too long");
    char clean[URL_INPUT_MAX + 1];
    size_t n = clean_input(url, len, clean);
    cs_url_ref ref;
    cs_url_parse(clean, n, &ref);
    if (ref.scheme == NULL) return cs_error_set(err, CS_EFORMAT, "URL is not absolute");
    int https = scheme_is_https(&ref, err);
    if (https < 0) return https;
    if (!ref.has_authority) return cs_error_set(err, CS_EFORMAT, "URL without a host");
    return assemble(https, &ref, ref.path, ref.path_len, ref.has_query, ref.query, ref.query_len,
                    out, err);
}

int cs_url_resolve(const char *base, const char *ref_bytes, size_t ref_len, char out[CS_URL_SIZE],
                   cs_error *err)
{
    if (ref_len > URL_INPUT_MAX) return cs_error_set(err, CS_ELIMIT, "URL too long");
    char clean[URL_INPUT_MAX + 1];
    size_t n = clean_input(ref_bytes, ref_len, clean);
    cs_url_ref ref;
    cs_url_parse(clean, n, &ref);
    if (ref.scheme) return cs_url_normalize(clean, n, out, err);

    cs_url_ref b;
    cs_url_parse(base, strlen(base), &b);
    if (b.scheme == NULL || !b.has_authority)
        return cs_error_set(err, CS_EINVAL, "base URL is not absolute");
    int https = scheme_is_https(&b, err);
    if (https < 0) return https;
    if (ref.has_authority)
        return assemble(https, &ref, ref.path, ref.path_len, ref.has_query, ref.query,
                        ref.query_len, out, err);
    if (ref.path_len == 0) {
        if (ref.has_query)
            return assemble(https, &b, b.path, b.path_len, 1, ref.query, ref.query_len, out, err);
        return assemble(https, &b, b.path, b.path_len, b.has_query, b.query, b.query_len, out, err);
    }
    if (ref.path[0] == '/')
        return assemble(https, &b, ref.path, ref.path_len, ref.has_query, ref.query, ref.query_len,
                        out, err);
    /* Merge (5.2.3): the base path up to its last '/', then the reference path. */
    char merged[URL_INPUT_MAX + CS_URL_SIZE];
    size_t dir = b.path_len;
    while (dir > 0 && b.path[dir - 1] != '/')
        dir--;
    size_t m = 0;
    if (dir == 0) merged[m++] = '/';
    memcpy(merged + m, b.path, dir);
    m += dir;
    memcpy(merged + m, ref.path, ref.path_len);
    m += ref.path_len;
    return assemble(https, &b, merged, m, ref.has_query, ref.query, ref.query_len, out, err);
}

int cs_url_split(const char *url, cs_url_parts *parts)
{
    memset(parts, 0, sizeof *parts);
    cs_url_ref ref;
    cs_url_parse(url, strlen(url), &ref);
    if (ref.scheme == NULL || !ref.has_authority) return CS_EFORMAT;
    if (cs_ascii_ieq(ref.scheme, ref.scheme_len, "https"))
        parts->https = 1;
    else if (!cs_ascii_ieq(ref.scheme, ref.scheme_len, "http"))
        return CS_EUNSUPPORTED;
    size_t origin_len = (size_t)(ref.authority + ref.authority_len - url);
    if (origin_len >= sizeof parts->origin) return CS_ELIMIT;
    memcpy(parts->origin, url, origin_len);
    parts->origin[origin_len] = '\0';
    if (ref.host_len >= sizeof parts->host) return CS_ELIMIT;
    memcpy(parts->host, ref.host, ref.host_len);
    parts->host[ref.host_len] = '\0';
    parts->port = parts->https ? 443 : 80;
    if (ref.port_len > 0) {
        int port = 0;
        for (size_t i = 0; i < ref.port_len; i++) {
            if (!is_digit((unsigned char)ref.port[i])) return CS_EFORMAT;
            port = port * 10 + (ref.port[i] - '0');
            if (port > 65535) return CS_EFORMAT;
        }
        parts->port = port;
    }
    parts->path_offset = (size_t)(ref.path - url);
    return CS_OK;
}

int cs_url_same_host(const char *a, const char *b)
{
    if (!a || !b) return 0;
    cs_url_ref ra, rb;
    cs_url_parse(a, strlen(a), &ra);
    cs_url_parse(b, strlen(b), &rb);
    if (!ra.has_authority || ra.host_len == 0) return 0;
    char host[CS_URL_SIZE];
    if (ra.host_len >= sizeof host) return 0;
    memcpy(host, ra.host, ra.host_len);
    host[ra.host_len] = '\0';
    return rb.has_authority && cs_ascii_ieq(rb.host, rb.host_len, host);
}

int cs_url_host_in_domain(const char *host, const char *domain)
{
    if (!host || !domain) return 0;
    size_t h = strlen(host), d = strlen(domain);
    while (h > 0 && host[h - 1] == '.') /* "example.org." is "example.org" */
        h--;
    while (d > 0 && domain[d - 1] == '.')
        d--;
    while (d > 0 && domain[0] == '.') /* ".example.org" as written in some lists */
        domain++, d--;
    if (d == 0 || h < d) return 0;
    const char *tail = host + h - d;
    for (size_t i = 0; i < d; i++) {
        unsigned char a = (unsigned char)tail[i], b = (unsigned char)domain[i];
        if (a >= 'A' && a <= 'Z') a = (unsigned char)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z') b = (unsigned char)(b - 'A' + 'a');
        if (a != b) return 0;
    }
    return h == d || host[h - d - 1] == '.';
}
