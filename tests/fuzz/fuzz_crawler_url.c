/*
 * fuzz_crawler_url.c - libFuzzer target for common/url.c, the crawler's URL code: arbitrary
 * bytes are normalised as an absolute URL and resolved as a reference against
 * a fixed base and against the first result. Every success must be
 * idempotent (normalising the output gives the output again), fit the length
 * limit and split into parts; anything else aborts so the fuzzer reports it.
 */
#include "common/url.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static void check(const char *url)
{
    char again[CS_URL_SIZE];
    if (strlen(url) > CS_URL_MAX) abort();
    if (cs_url_normalize(url, strlen(url), again, NULL) != CS_OK) abort();
    if (strcmp(url, again) != 0) abort();
    cs_url_parts parts;
    if (cs_url_split(url, &parts) != CS_OK) abort();
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char out[CS_URL_SIZE], resolved[CS_URL_SIZE];
    const char *input = (const char *)data;
    if (cs_url_normalize(input, size, out, NULL) == CS_OK) check(out);
    if (cs_url_resolve("http://h.example:8080/a/b/c?q=1", input, size, resolved, NULL) == CS_OK) {
        check(resolved);
        if (cs_url_resolve(resolved, input, size, out, NULL) == CS_OK) check(out);
    }
    return 0;
}
