/*
 * url.h - the one URL parser of clearset (RFC 3986): splitting a reference
 * into its parts, normalising an absolute http(s) URL, resolving a reference
 * against a base.
 *
 * It lives in common/ because the crawler (frontier keys, links, redirects)
 * and license/ (JSON-LD contentUrl, the same-host rule of clearance) must read
 * URLs the same way, and license/ may not depend on crawler/.
 *
 * Promise: pure functions on pointer plus length (a base or a URL already
 * normalised may be a C string); nothing allocates, prints, or keeps state, so
 * everything is safe from any thread. Results go into the caller's buffers.
 * Errors are CS_OK or a negative CS_E* code with the caller's cs_error (may be
 * NULL) filled.
 */
#ifndef CLEARSET_COMMON_URL_H
#define CLEARSET_COMMON_URL_H

#include "common/common.h"

#include <stddef.h>

/* Longest URL stored: the sitemaps protocol's limit, and what most servers accept. */
#define CS_URL_MAX  2048
#define CS_URL_SIZE (CS_URL_MAX + 1)

/*
 * A reference split as written (RFC 3986 appendix B), every piece pointing
 * into the input; nothing is checked or decoded. A piece that is absent has
 * NULL (scheme) or a zero has_* flag. host excludes user information and the
 * port, and keeps the brackets of an IPv6 literal ("[2001:db8::1]"). The
 * fragment is not reported.
 */
typedef struct cs_url_ref {
    const char *scheme; /* NULL for a relative reference */
    size_t scheme_len;
    int has_authority; /* "//" was present */
    const char *authority;
    size_t authority_len;
    const char *host;
    size_t host_len;
    const char *port; /* digits after the host's ':', or NULL */
    size_t port_len;
    const char *path;
    size_t path_len;
    int has_query;
    const char *query;
    size_t query_len;
} cs_url_ref;

/* Splits s (n bytes) into *ref. Never fails: every string is some reference. */
void cs_url_parse(const char *s, size_t n, cs_url_ref *ref);

/*
 * Normalises an absolute http(s) URL (RFC 3986 section 6 plus session-id
 * stripping, fragment dropped) into out. CS_EUNSUPPORTED for another scheme,
 * CS_EFORMAT when malformed, CS_ELIMIT when longer than CS_URL_MAX,
 * CS_EDENIED for URLs carrying user:password@.
 */
int cs_url_normalize(const char *url, size_t len, char out[CS_URL_SIZE], cs_error *err);

/*
 * Resolves reference ref (as found in an attribute: pointer plus length) against
 * base, an absolute http(s) URL (C string), and normalises the result: dot
 * segments are removed (RFC 3986 5.2). Same errors.
 */
int cs_url_resolve(const char *base, const char *ref, size_t ref_len, char out[CS_URL_SIZE],
                   cs_error *err);

/* Pieces of a normalised URL. */
typedef struct cs_url_parts {
    int https;
    char host[256];     /* lower-case name or [v6] literal, no port */
    int port;           /* effective port (80/443 when absent) */
    char origin[300];   /* "scheme://host[:port]": the politeness and robots key */
    size_t path_offset; /* where "/path?query" starts in the URL */
} cs_url_parts;

/* Splits a URL produced by cs_url_normalize. CS_EFORMAT otherwise. */
int cs_url_split(const char *url, cs_url_parts *parts);

/*
 * 1 when host (a URL's host, e.g. cs_url_parts.host) is domain or a subdomain
 * of it: "img.example.org" is in "example.org", "badexample.org" is not.
 * Case-insensitive; a trailing dot on either and a leading dot on domain are
 * ignored. 0 for NULL or an empty domain.
 */
int cs_url_host_in_domain(const char *host, const char *domain);

/* Writes byte c as "%XX" (upper-case hex, the normal form of RFC 3986 2.1) into out. */
void cs_url_percent_encode(unsigned char c, char out[3]);

/*
 * 1 when URLs a and b (C strings, may be NULL) have the same host, compared
 * without case: "http://[2001:db8::1]/" and "http://[2001:db8::2]/" differ,
 * "http://h/" and "https://H:8080/" agree. 0 when either has no host.
 */
int cs_url_same_host(const char *a, const char *b);

#endif
