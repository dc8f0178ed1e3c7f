/*
 * crawler.h - the polite, resumable image crawler: URL normalisation, HTML
 * extraction, libcurl fetching with hard limits, per-host politeness and the
 * crawl loop that keeps its frontier in the catalog.
 *
 * Promises: nothing here prints or exits. Functions return CS_OK or a
 * negative CS_E* code and fill the caller's cs_error (may be NULL). The pure
 * parts (crawler_url_*, crawler_html_*, crawler_sniff_*) touch neither the
 * network, the clock nor the catalog and are safe on distinct objects from
 * any thread. A crawler_crawl runs on the calling thread only.
 */
#ifndef CLEARSET_CRAWLER_H
#define CLEARSET_CRAWLER_H

#include "common/common.h"

#include <stddef.h>
#include <stdint.h>

/* ---- URLs (url.c) ------------------------------------------------------ */

/* Longest URL stored: the sitemaps protocol's limit, and what most servers accept. */
#define CRAWLER_URL_MAX  2048
#define CRAWLER_URL_SIZE (CRAWLER_URL_MAX + 1)

/*
 * Normalises an absolute http(s) URL (RFC 3986 section 6 plus session-id
 * stripping, fragment dropped) into out. CS_EUNSUPPORTED for another scheme,
 * CS_EFORMAT when malformed, CS_ELIMIT when longer than CRAWLER_URL_MAX,
 * CS_EDENIED for URLs carrying user:password@.
 */
int crawler_url_normalize(const char *url, size_t len, char out[CRAWLER_URL_SIZE], cs_error *err);

/*
 * Resolves reference ref (as found in an attribute: pointer plus length) against
 * base, an absolute normalised URL, and normalises the result. Same errors.
 */
int crawler_url_resolve(const char *base, const char *ref, size_t ref_len,
                        char out[CRAWLER_URL_SIZE], cs_error *err);

/* Pieces of a normalised URL. */
typedef struct crawler_url_parts {
    int https;
    char host[256];     /* lower-case name or [v6] literal, no port */
    int port;           /* effective port (80/443 when absent) */
    char origin[300];   /* "scheme://host[:port]": the politeness and robots key */
    size_t path_offset; /* where "/path?query" starts in the URL */
} crawler_url_parts;

/* Splits a URL produced by crawler_url_normalize. CS_EFORMAT otherwise. */
int crawler_url_split(const char *url, crawler_url_parts *parts);

#endif
