/*
 * fuzz_url_prefix.h - the input layout fuzz_robots and fuzz_rsl share: the
 * first byte gives the length of a URL taken from the bytes that follow it
 * (capped by what is there); everything after the URL is the document.
 */
#ifndef CLEARSET_FUZZ_URL_PREFIX_H
#define CLEARSET_FUZZ_URL_PREFIX_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * The URL as a new NUL-terminated string (the caller frees), and the rest in
 * *doc, *doc_len. NULL for empty input or when out of memory.
 */
static char *fuzz_url_prefix(const uint8_t *data, size_t size, const char **doc, size_t *doc_len)
{
    if (size == 0) return NULL;
    size_t url_len = data[0];
    if (url_len > size - 1) url_len = size - 1;
    char *url = malloc(url_len + 1);
    if (url == NULL) return NULL;
    memcpy(url, data + 1, url_len);
    url[url_len] = '\0';
    *doc = (const char *)data + 1 + url_len;
    *doc_len = size - 1 - url_len;
    return url;
}

#endif
