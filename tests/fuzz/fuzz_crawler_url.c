/*
 * fuzz_crawler_url.c - libFuzzer target for the crawler's URL code: arbitrary
 * bytes are normalised as an absolute URL and resolved as a reference against
 * a fixed base and against the first result. Every success must be
 * idempotent (normalising the output gives the output again), fit the length
 * limit and split into parts; anything else aborts so the fuzzer reports it.
 */
#include "crawler/crawler.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static void check(const char *url)
{
    char again[CRAWLER_URL_SIZE];
    if (strlen(url) > CRAWLER_URL_MAX) abort();
    if (crawler_url_normalize(url, strlen(url), again, NULL) != CS_OK) abort();
    if (strcmp(url, again) != 0) abort();
    crawler_url_parts parts;
    if (crawler_url_split(url, &parts) != CS_OK) abort();
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char out[CRAWLER_URL_SIZE], resolved[CRAWLER_URL_SIZE];
    const char *input = (const char *)data;
    if (crawler_url_normalize(input, size, out, NULL) == CS_OK) check(out);
    if (crawler_url_resolve("http://h.example:8080/a/b/c?q=1", input, size, resolved, NULL) ==
        CS_OK) {
        check(resolved);
        if (crawler_url_resolve(resolved, input, size, out, NULL) == CS_OK) check(out);
    }
    return 0;
}
