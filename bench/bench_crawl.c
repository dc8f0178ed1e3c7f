/*
 * bench/bench_crawl.c - the ceiling bench/crawl.sh measures the crawler against: a
 * plain parallel libcurl fetch of a list of URLs, nothing else (no parsing, no
 * catalog, no politeness).
 *
 *   bench_crawl URL_FILE CONCURRENCY
 *
 * Fetches every URL of URL_FILE (one per line) with one curl multi handle, at
 * most CONCURRENCY transfers at once and one connection per host (as the
 * crawler's politeness-off crawl keeps one request per host), bodies discarded,
 * and prints "URLS SECONDS" on stdout. bench/crawl.sh starts the fixture server
 * as a process of its own, crawls it, and hands this program exactly the URLs
 * the server saw, so both fetch the same bytes from the same server.
 */
#include "common/common.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BENCH_URL_MAX 4096 /* longest line read from URL_FILE */

static size_t discard(char *p, size_t size, size_t n, void *u)
{
    (void)p;
    (void)u;
    return size * n;
}

static int fail(const char *what)
{
    fprintf(stderr, "bench_crawl: %s\n", what);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 3) return fail("usage: bench_crawl URL_FILE CONCURRENCY");
    long concurrency = strtol(argv[2], NULL, 10);
    if (concurrency < 1) return fail("CONCURRENCY must be at least 1");
    FILE *f = fopen(argv[1], "r");
    if (f == NULL) return fail("cannot open URL_FILE");
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return fail("curl_global_init");
    CURLM *multi = curl_multi_init();
    if (multi == NULL) return fail("curl_multi_init");
    curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, concurrency);
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, 1L);
    char line[BENCH_URL_MAX];
    size_t urls = 0;
    int64_t t0 = cs_monotonic_ns();
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0') continue;
        CURL *e = curl_easy_init();
        if (e == NULL) return fail("curl_easy_init");
        curl_easy_setopt(e, CURLOPT_URL, line); /* libcurl copies the string */
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(e, CURLOPT_PROXY, "");
        curl_multi_add_handle(multi, e);
        urls++;
    }
    fclose(f);
    int running = 1;
    while (running) {
        curl_multi_perform(multi, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(multi, &left))) {
            if (msg->msg != CURLMSG_DONE) continue;
            curl_multi_remove_handle(multi, msg->easy_handle);
            curl_easy_cleanup(msg->easy_handle);
        }
        if (running) curl_multi_poll(multi, NULL, 0, 100, NULL);
    }
    double seconds = (cs_monotonic_ns() - t0) / 1e9;
    curl_multi_cleanup(multi);
    curl_global_cleanup();
    printf("%zu %.3f\n", urls, seconds);
    return 0;
}
