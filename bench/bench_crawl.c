/*
 * bench/bench_crawl.c - how fast the crawler is across many hosts, and how close a
 * polite crawl comes to the fastest polite schedule.
 *
 * 100 simulated hosts on 127.0.1.1 - 127.0.1.100 (four in-process fixture
 * servers of 25 addresses each), every host the same small site: a home page
 * linking 9 pages, each showing one JPEG.
 *   1. politeness off (--delay 0, one request per host at a time, 100 at
 *      once): requests per second of the whole crawl (robots.txt, tdmrep.json,
 *      ai.txt, pages, images, every catalog write), against a plain libcurl
 *      multi fetch of exactly the URLs the crawl requested, from the same
 *      servers in the same run (no parsing, no catalog: the ceiling);
 *   2. --delay 1 on a smaller site (home page, 3 pages, 3 images): elapsed
 *      time against the theoretical minimum, (requests to the busiest host - 1)
 *      seconds, and the closest spacing any host saw (from the server log).
 * Figures only; nothing is asserted.
 *
 *   bench/run crawl
 */
#include "crawler/crawler.h"
#include "dataset/catalog.h"
#include "demo/demo.h"

#include <curl/curl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HOSTS           100
#define PER_SERVER      25
#define SERVERS         (HOSTS / PER_SERVER)
#define BIG_PAGES       9
#define SMALL_PAGES     3
#define DELAY_POLITE_MS 1000

static void die(const char *what, const cs_error *err)
{
    fprintf(stderr, "bench_crawl: %s: %s\n", what, err ? err->message : "failed");
    exit(1);
}

static char *scenario_json(int pages, const char *fixture_dir)
{
    cs_buf b;
    cs_buf_init(&b, 0);
    cs_buf_printf(&b, "{\"routes\": [{\"path\": \"/robots.txt\", \"status\": 404},"
                      " {\"path\": \"/\", \"content_type\": \"text/html\", \"body\": \"");
    for (int i = 1; i <= pages; i++)
        cs_buf_printf(&b, "<a href='/p%d.html'>%d</a>", i, i);
    cs_buf_printf(&b, "\"}");
    for (int i = 1; i <= pages; i++) {
        cs_buf_printf(&b,
                      ", {\"path\": \"/p%d.html\", \"content_type\": \"text/html\", \"body\": "
                      "\"<img src='/img/%d.jpg'><a href='/'>home</a>\"}"
                      ", {\"path\": \"/img/%d.jpg\", \"content_type\": \"image/jpeg\", "
                      "\"body_file\": \"%s/%s\"}",
                      i, i, i, fixture_dir, i % 2 ? "red.jpg" : "plasma.jpg");
    }
    cs_buf_printf(&b, "]}");
    size_t len;
    return (char *)cs_buf_take(&b, &len);
}

typedef struct bench_site {
    demo_scenario *scenario;
    demo_server *servers[SERVERS];
    char *seeds[HOSTS];
} bench_site;

static void site_start(bench_site *s, int pages, const char *fixture_dir)
{
    char *json = scenario_json(pages, fixture_dir);
    cs_error err;
    if (demo_scenario_parse(json, strlen(json), fixture_dir, &s->scenario, &err))
        die("scenario", &err);
    free(json);
    for (int k = 0; k < SERVERS; k++) {
        char addr_text[PER_SERVER][32];
        const char *addrs[PER_SERVER];
        for (int i = 0; i < PER_SERVER; i++) {
            snprintf(addr_text[i], sizeof addr_text[i], "127.0.1.%d", k * PER_SERVER + i + 1);
            addrs[i] = addr_text[i];
        }
        if (demo_server_start(s->scenario, addrs, PER_SERVER, NULL, &s->servers[k], &err))
            die("fixture server", &err);
        for (int i = 0; i < PER_SERVER; i++) {
            char url[64];
            snprintf(url, sizeof url, "http://%s/", demo_server_address(s->servers[k], i));
            s->seeds[k * PER_SERVER + i] = strdup(url);
        }
    }
}

static void site_stop(bench_site *s)
{
    for (int k = 0; k < SERVERS; k++)
        demo_server_stop(s->servers[k]);
    demo_scenario_free(s->scenario);
    for (int i = 0; i < HOSTS; i++)
        free(s->seeds[i]);
}

/* Runs one crawl into a fresh catalog in dir; returns elapsed seconds. */
static double timed_crawl(bench_site *s, const char *dir, const char *name, int64_t delay_ms,
                          crawler_stats *stats)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.db", dir, name);
    catalog *cat;
    cs_error err;
    if (catalog_open(path, &cat, &err)) die("catalog", &err);
    crawler_options opts;
    crawler_options_default(&opts);
    opts.seeds = (const char *const *)s->seeds;
    opts.seed_count = HOSTS;
    opts.delay_ms = delay_ms;
    opts.concurrency = HOSTS;
    opts.fetch.allow_loopback = 1;
    int64_t t0 = cs_monotonic_ns();
    if (crawler_crawl(cat, &opts, stats, &err)) die("crawl", &err);
    double seconds = (cs_monotonic_ns() - t0) / 1e9;
    catalog_close(cat);
    return seconds;
}

static size_t discard(char *p, size_t size, size_t n, void *u)
{
    (void)p;
    (void)u;
    return size * n;
}

/* The ceiling: every URL the servers saw since first_seq, fetched again by bare libcurl. */
static double plain_fetch(bench_site *s, size_t first[SERVERS], size_t *count)
{
    char **urls = NULL;
    size_t n = 0, cap = 0;
    for (int k = 0; k < SERVERS; k++) {
        demo_request *reqs;
        size_t m;
        demo_server_requests(s->servers[k], first[k], &reqs, &m);
        for (size_t i = 0; i < m; i++) {
            cs_array_reserve((void **)&urls, &cap, n, sizeof *urls, 0);
            char url[512];
            snprintf(url, sizeof url, "http://%s:%d%s", reqs[i].host, reqs[i].port, reqs[i].target);
            urls[n++] = strdup(url);
        }
        demo_requests_free(reqs, m);
    }
    CURLM *multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)HOSTS);
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, 1L);
    int64_t t0 = cs_monotonic_ns();
    for (size_t i = 0; i < n; i++) {
        CURL *e = curl_easy_init();
        curl_easy_setopt(e, CURLOPT_URL, urls[i]);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(e, CURLOPT_PROXY, "");
        curl_multi_add_handle(multi, e);
    }
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
    for (size_t i = 0; i < n; i++)
        free(urls[i]);
    free(urls);
    *count = n;
    return seconds;
}

/* Per host: requests seen and the closest two came (ms); fills the busiest host's count. */
static void spacing(bench_site *s, size_t *busiest, double *closest_ms)
{
    *busiest = 0;
    *closest_ms = 1e18;
    for (int k = 0; k < SERVERS; k++) {
        demo_request *reqs;
        size_t m;
        demo_server_requests(s->servers[k], 0, &reqs, &m);
        for (int h = 0; h < PER_SERVER; h++) {
            size_t n = 0;
            int64_t last = 0;
            for (size_t i = 0; i < m; i++) {
                if (reqs[i].listener != (size_t)h) continue;
                if (n > 0 && (reqs[i].mono_ns - last) / 1e6 < *closest_ms)
                    *closest_ms = (reqs[i].mono_ns - last) / 1e6;
                last = reqs[i].mono_ns;
                n++;
            }
            if (n > *busiest) *busiest = n;
        }
        demo_requests_free(reqs, m);
    }
}

int main(void)
{
    char source[4096];
    cs_strlcpy(source, __FILE__, sizeof source);
    char fixture_dir[4096];
    snprintf(fixture_dir, sizeof fixture_dir, "%s/../tests/fixtures/crawler", dirname(source));
    char dir[] = "/tmp/bench_crawl.XXXXXX";
    if (mkdtemp(dir) == NULL) die("mkdtemp", NULL);
    curl_global_init(CURL_GLOBAL_DEFAULT);

    bench_site big = {0};
    site_start(&big, BIG_PAGES, fixture_dir);
    crawler_stats stats;
    double t_crawl = timed_crawl(&big, dir, "fast", 0, &stats);
    size_t first[SERVERS] = {0};
    size_t plain_n;
    double t_plain = plain_fetch(&big, first, &plain_n);
    double crawl_rate = stats.requests / t_crawl, plain_rate = plain_n / t_plain;
    printf("hosts: %d on 127.0.1.1-127.0.1.%d, %d pages + %d images each\n", HOSTS, HOSTS,
           BIG_PAGES + 1, BIG_PAGES);
    printf("politeness off: crawl %lld requests (%lld pages, %lld images) in %.2f s = %.0f "
           "fetches/s\n",
           (long long)stats.requests, (long long)stats.pages, (long long)stats.images, t_crawl,
           crawl_rate);
    printf("plain parallel libcurl fetch of the same %zu URLs: %.2f s = %.0f fetches/s\n", plain_n,
           t_plain, plain_rate);
    printf("crawler / plain = %.2f\n", crawl_rate / plain_rate);
    site_stop(&big);

    bench_site small = {0};
    site_start(&small, SMALL_PAGES, fixture_dir);
    double t_polite = timed_crawl(&small, dir, "polite", DELAY_POLITE_MS, &stats);
    size_t busiest;
    double closest_ms;
    spacing(&small, &busiest, &closest_ms);
    double minimum = (busiest - 1) * DELAY_POLITE_MS / 1000.0;
    printf("delay 1 s: %lld requests over %d hosts in %.2f s; theoretical minimum %.2f s "
           "(%zu requests to each host, 1 s apart); elapsed / minimum = %.3f; closest two "
           "requests to one host: %.1f ms\n",
           (long long)stats.requests, HOSTS, t_polite, minimum, busiest, t_polite / minimum,
           closest_ms);
    site_stop(&small);

    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "bench_crawl: could not remove %s\n", dir);
    return 0;
}
