/*
 * bench/bench_robots.c - parse time and URLs matched per second on a large,
 * real-world-shaped robots.txt.
 *
 * The file is generated (deterministic PRNG, no I/O): a long commented
 * header, a `*` group with thousands of rules (directory prefixes, query
 * wildcards, "/ *.ext$"-style rules, percent-encoded and non-ASCII paths), hundreds
 * of named-crawler groups as big sites write them (several user-agent lines
 * per group, a handful of rules each, Crawl-delay), the AI crawler groups, and
 * sitemaps. URLs mix pages, images with query strings and deep paths.
 *
 * Printed: the file's shape, parse time (best of several runs) and MB/s, then
 * URLs matched per second for an agent that falls to the big `*` group, for
 * one with its own small group, and for the full AI-crawler signal check.
 * The baseline, measured in the same run, is a naive matcher that memcmp's
 * every pattern of the `*` group as a plain prefix (no wildcards, no groups):
 * the ratio is what the reference semantics cost on top of that.
 * Figures only; nothing is asserted.  Run: bench/run robots [GROUPS RULES URLS]
 */
#include "common/common.h"
#include "robots/robots.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PARSE_RUNS 7

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

static const char *const bench_words[] = {
    "search", "cart",  "checkout", "account", "images", "media",   "static",  "wp-admin",
    "tag",    "print", "api",      "private", "tmp",    "cgi-bin", "gallery", "photos",
    "user",   "login", "feed",     "archive", "news",   "shop",    "product", "category"};
static const char *const exts[] = {"jpg", "png", "webp", "gif", "pdf", "php", "html", "json"};

static void append_rule(cs_buf *b, int allow)
{
    const char *w1 = bench_words[rnd(CS_ARRAY_LEN(bench_words))],
               *w2 = bench_words[rnd(CS_ARRAY_LEN(bench_words))];
    const char *ext = exts[rnd(CS_ARRAY_LEN(exts))];
    const char *key = allow ? "Allow" : "Disallow";
    switch (rnd(8)) {
    case 0:
        cs_buf_printf(b, "%s: /%s/\n", key, w1);
        break;
    case 1:
        cs_buf_printf(b, "%s: /%s/%s/%u\n", key, w1, w2, rnd(1000));
        break;
    case 2:
        cs_buf_printf(b, "%s: /*?%s=\n", key, w2);
        break;
    case 3:
        cs_buf_printf(b, "%s: /*.%s$\n", key, ext);
        break;
    case 4:
        cs_buf_printf(b, "%s: /%s/*/%s*\n", key, w1, w2);
        break;
    case 5:
        cs_buf_printf(b, "%s: /%s/%%e2%%80%%93%s # dash\n", key, w1, w2);
        break;
    case 6:
        cs_buf_printf(b, "%s: /%s/caf\xc3\xa9/%s\n", key, w1, w2);
        break;
    default:
        cs_buf_printf(b, "%s: /%s-%u.%s\n", key, w1, rnd(100000), ext);
        break;
    }
}

static void generate(cs_buf *b, int groups, int star_rules)
{
    for (int i = 0; i < 40; i++)
        cs_buf_printf(b, "# robots.txt for www.example.com -- line %d of the site notice\n", i);
    cs_buf_append_str(b,
                      "User-agent: *\nCrawl-delay: 1\nContent-Signal: search=yes, ai-train=no\n");
    for (int i = 0; i < star_rules; i++)
        append_rule(b, rnd(5) == 0);
    for (int g = 0; g < groups; g++) {
        int agents = 1 + (int)rnd(3);
        cs_buf_append_str(b, "\n");
        for (int a = 0; a < agents; a++) {
            /* Product tokens are letters, '-' and '_': spell the number in letters. */
            char id[8];
            unsigned v = (unsigned)(g * 3 + a);
            int k = 0;
            do
                id[k++] = (char)('a' + v % 26), v /= 26;
            while (v && k < 7);
            id[k] = '\0';
            cs_buf_printf(b, "User-agent: %sBot-%s\n",
                          bench_words[(size_t)(g + a) % CS_ARRAY_LEN(bench_words)], id);
        }
        if (rnd(4) == 0) cs_buf_printf(b, "Crawl-delay: %u\n", 1 + rnd(30));
        int rules = 1 + (int)rnd(8);
        for (int r = 0; r < rules; r++)
            append_rule(b, rnd(3) == 0);
    }
    for (size_t i = 0; i < robots_ai_crawler_count(); i++)
        if (i % 2 == 0) cs_buf_printf(b, "\nUser-agent: %s\nDisallow: /\n", robots_ai_crawler(i));
    for (int i = 0; i < 20; i++)
        cs_buf_printf(b, "Sitemap: https://www.example.com/sitemap-%d.xml\n", i);
}

static char **make_urls(int n)
{
    char **urls = malloc((size_t)n * sizeof *urls);
    for (int i = 0; i < n; i++) {
        char url[512];
        const char *w1 = bench_words[rnd(CS_ARRAY_LEN(bench_words))],
                   *w2 = bench_words[rnd(CS_ARRAY_LEN(bench_words))];
        switch (rnd(4)) {
        case 0:
            snprintf(url, sizeof url, "https://www.example.com/%s/%s/%u.%s", w1, w2, rnd(1000),
                     exts[rnd(CS_ARRAY_LEN(exts))]);
            break;
        case 1:
            snprintf(url, sizeof url, "https://www.example.com/%s/%s?%s=%u&page=%u", w1, w2,
                     bench_words[rnd(CS_ARRAY_LEN(bench_words))], rnd(100), rnd(50));
            break;
        case 2:
            snprintf(url, sizeof url,
                     "https://www.example.com/%s/2024/%02u/%s-%u/%s/photo-%u.jpg?w=%u", w1,
                     1 + rnd(12), w2, rnd(10000), bench_words[rnd(CS_ARRAY_LEN(bench_words))],
                     rnd(100), 320 * (1 + rnd(4)));
            break;
        default:
            snprintf(url, sizeof url, "https://www.example.com/%s-%u.html", w1, rnd(100000));
        }
        urls[i] = strdup(url);
    }
    return urls;
}

/* The baseline: every `*` pattern as a plain prefix, memcmp, no wildcard or group logic. */
typedef struct naive_rule {
    char *prefix;
    size_t len;
    int allow;
} naive_rule;

static int naive_allowed(const naive_rule *rules, size_t n, const char *path)
{
    size_t best_allow = 0, best_disallow = 0, path_len = strlen(path);
    for (size_t i = 0; i < n; i++) {
        if (rules[i].len > path_len || memcmp(rules[i].prefix, path, rules[i].len) != 0) continue;
        size_t *best = rules[i].allow ? &best_allow : &best_disallow;
        if (rules[i].len > *best) *best = rules[i].len;
    }
    return best_disallow <= best_allow;
}

static size_t naive_rules_of_star_group(const char *txt, naive_rule **out)
{
    size_t cap = 1024, n = 0;
    naive_rule *rules = malloc(cap * sizeof *rules);
    const char *line = strstr(txt, "User-agent: *\n");
    while (line && *line) {
        const char *end = strchr(line, '\n');
        if (end == NULL) break;
        if (end == line) break; /* the blank line that ends the `*` group */
        int allow = strncmp(line, "Allow: ", 7) == 0,
            disallow = strncmp(line, "Disallow: ", 10) == 0;
        if (allow || disallow) {
            const char *p = line + (allow ? 7 : 10);
            if (cs_array_reserve((void **)&rules, &cap, n, sizeof *rules, 0) != CS_OK) break;
            rules[n].len = (size_t)(end - p);
            rules[n].prefix = cs_strndup(p, rules[n].len);
            rules[n].allow = allow;
            n++;
        }
        line = end + 1;
    }
    *out = rules;
    return n;
}

static double seconds_since(int64_t start_ns)
{
    return (double)(cs_monotonic_ns() - start_ns) / 1e9;
}

int main(int argc, char **argv)
{
    int groups = argc > 1 ? atoi(argv[1]) : 600;
    int star_rules = argc > 2 ? atoi(argv[2]) : 3000;
    int url_count = argc > 3 ? atoi(argv[3]) : 100000;

    cs_buf txt;
    cs_buf_init(&txt, 0);
    generate(&txt, groups, star_rules);
    if (txt.len > ROBOTS_MAX_BYTES)
        printf("note: generated %zu bytes; only the first %d are parsed\n", txt.len,
               ROBOTS_MAX_BYTES);
    size_t lines = 0, rule_lines = 0;
    for (size_t i = 0; i < txt.len; i++)
        lines += txt.data[i] == '\n';
    for (const char *p = (const char *)txt.data; (p = strstr(p, "llow: ")) != NULL; p++)
        rule_lines++;
    printf("robots.txt: %zu bytes, %zu lines, %d named groups + AI crawler groups, %zu rules "
           "(%d in the * group)\n",
           txt.len, lines, groups, rule_lines, star_rules);

    double best_parse = 1e9;
    robots_rules *rules = NULL;
    for (int run = 0; run < PARSE_RUNS; run++) {
        robots_free(rules);
        int64_t start = cs_monotonic_ns();
        if (robots_parse((const char *)txt.data, txt.len, &rules, NULL) != CS_OK) return 3;
        double t = seconds_since(start);
        if (t < best_parse) best_parse = t;
    }
    printf("parse: %.3f ms (best of %d), %.1f MB/s\n", best_parse * 1e3, PARSE_RUNS,
           (double)CS_MIN(txt.len, (size_t)ROBOTS_MAX_BYTES) / best_parse / 1e6);

    char **urls = make_urls(url_count);
    struct {
        const char *agent, *label;
    } cases[] = {
        {ROBOTS_OWN_AGENT, "clearsetbot (falls to the * group)"},
        {"searchBot-a", "a named crawler with its own small group"},
    };
    for (size_t c = 0; c < CS_ARRAY_LEN(cases); c++) {
        int64_t start = cs_monotonic_ns();
        size_t disallowed = 0;
        for (int i = 0; i < url_count; i++)
            disallowed += !robots_allowed(rules, cases[c].agent, urls[i]);
        double t = seconds_since(start);
        printf("match, %s: %.0f URLs/s (%zu of %d disallowed)\n", cases[c].label, url_count / t,
               disallowed, url_count);
    }

    int signal_urls = url_count / 10 ? url_count / 10 : 1;
    int64_t start = cs_monotonic_ns();
    size_t opt_outs = 0;
    for (int i = 0; i < signal_urls; i++) {
        robots_signal_list list;
        robots_signal_list_init(&list);
        robots_signals_from_ai_crawlers(&list, rules, urls[i], NULL, NULL);
        robots_signals_from_preferences(&list, rules, ROBOTS_OWN_AGENT, urls[i], NULL, NULL);
        opt_outs += list.count;
        robots_signal_list_free(&list);
    }
    double t = seconds_since(start);
    printf("AI crawler rules + Content-Signal per URL (%zu tokens): %.0f URLs/s (%zu signals)\n",
           robots_ai_crawler_count(), signal_urls / t, opt_outs);

    naive_rule *naive = NULL;
    size_t naive_count = naive_rules_of_star_group((const char *)txt.data, &naive);
    start = cs_monotonic_ns();
    size_t naive_disallowed = 0;
    for (int i = 0; i < url_count; i++) {
        const char *path = strchr(urls[i] + 8, '/');
        naive_disallowed += !naive_allowed(naive, naive_count, path ? path : "/");
    }
    double naive_t = seconds_since(start);
    start = cs_monotonic_ns();
    for (int i = 0; i < url_count; i++)
        (void)robots_allowed(rules, ROBOTS_OWN_AGENT, urls[i]);
    double ours_t = seconds_since(start);
    printf("baseline, naive prefix memcmp over the %zu * rules: %.0f URLs/s; clearset matcher "
           "takes %.2fx its time\n",
           naive_count, url_count / naive_t, ours_t / naive_t);
    printf("(baseline disallowed %zu: it ignores wildcards, so it differs)\n", naive_disallowed);

    for (size_t i = 0; i < naive_count; i++)
        free(naive[i].prefix);
    free(naive);
    for (int i = 0; i < url_count; i++)
        free(urls[i]);
    free(urls);
    robots_free(rules);
    cs_buf_free(&txt);
    return 0;
}
