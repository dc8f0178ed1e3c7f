/*
 * bench_urllist - the URL list reader (crawler/url_list.c) over a generated
 * list of BENCH_LINES lines: lines per second and peak RSS, to show the list
 * is streamed (memory independent of its length).
 *
 *   bench_urllist [LINES]   (default BENCH_LINES)
 *
 * The list is a gzip CSV (url,caption; every 1000th line a quoted caption
 * with a comma and a doubled quote), written with zlib level 1 to a temporary
 * directory and removed at the end. Peak RSS (getrusage ru_maxrss) is printed
 * before and after reading, so the reader's share is their difference. The
 * crawl itself is not measured here (bench_crawl does that).
 */
#include "common/common.h"
#include "crawler/crawler.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <zlib.h>

#define BENCH_LINES 10000000

static long peak_rss_kib(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

int main(int argc, char **argv)
{
    long lines = argc > 1 ? atol(argv[1]) : BENCH_LINES;
    char dir[] = "/tmp/bench_urllist.XXXXXX";
    if (mkdtemp(dir) == NULL) return 3;
    char path[sizeof dir + 16];
    snprintf(path, sizeof path, "%s/list.csv.gz", dir);
    gzFile gz = gzopen(path, "wb1");
    if (gz == NULL) return 3;
    gzprintf(gz, "url,caption\n");
    for (long i = 0; i < lines; i++) {
        if (i % 1000 == 0)
            gzprintf(gz, "https://img%ld.example.org/a/%ld.jpg,\"a, \"\"quoted\"\" one\"\n", i % 97,
                     i);
        else
            gzprintf(gz, "https://img%ld.example.org/a/%ld.jpg,caption %ld\n", i % 97, i, i);
    }
    gzclose(gz);
    long rss_before = peak_rss_kib();
    crawler_url_list *l = NULL;
    cs_error err;
    if (crawler_url_list_open(path, CRAWLER_URL_LIST_AUTO, NULL, NULL, &l, &err) != CS_OK) {
        fprintf(stderr, "bench_urllist: %s\n", err.message);
        return 3;
    }
    crawler_url_list_entry e;
    long good = 0, bad = 0;
    int rc;
    int64_t started = cs_now_ms();
    while ((rc = crawler_url_list_next(l, &e, &err)) != 0) {
        if (rc == 1)
            good++;
        else if (rc == CS_EFORMAT)
            bad++;
        else
            break;
    }
    int64_t elapsed = cs_now_ms() - started;
    crawler_url_list_close(l);
    long rss_after = peak_rss_kib();
    unlink(path);
    rmdir(dir);
    printf("url list: %ld lines (%ld bad) in %.2f s: %.0f lines/s\n", good, bad, elapsed / 1000.0,
           elapsed > 0 ? good * 1000.0 / (double)elapsed : 0.0);
    printf("peak RSS: %ld KiB before reading, %ld KiB after (reader: %ld KiB)\n", rss_before,
           rss_after, rss_after - rss_before);
    return good == lines && bad == 0 ? 0 : 1;
}
