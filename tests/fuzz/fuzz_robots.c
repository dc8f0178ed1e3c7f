/*
 * fuzz_robots.c - libFuzzer target for the robots.txt parser and matcher.
 *
 * Input layout: the first byte gives the length of a URL taken from the
 * bytes that follow it (capped by what is there); everything after the URL is
 * the robots.txt. The URL is checked for several agents (valid, invalid,
 * empty, and the AI crawler list), and every accessor is exercised, so that
 * ASan/UBSan see each code path on hostile bytes. Invariants that must hold
 * for any input are checked with abort().
 *
 * It also checks the matcher differentially: the same bytes, mapped onto a
 * small alphabet that normalisation leaves alone, become a disallow pattern
 * and a path, and the answer must equal a straightforward position-set
 * matcher written here from RFC 9309 2.2.3 (the algorithm the reference
 * uses), which is slow but obviously right.
 */
#include "robots/robots.h"
#include "tests/fuzz/fuzz_url_prefix.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* RFC 9309 matching by the set of path positions the pattern prefix can reach. */
static int slow_matches(const char *pattern, size_t plen, const char *path, size_t len)
{
    char *reach = calloc(len + 1, 1), *next = calloc(len + 1, 1);
    if (reach == NULL || next == NULL) abort();
    reach[0] = 1;
    int result = -1;
    for (size_t p = 0; p < plen && result < 0; p++) {
        if (pattern[p] == '$' && p + 1 == plen) {
            result = reach[len];
            break;
        }
        memset(next, 0, len + 1);
        int any = 0;
        for (size_t i = 0; i <= len; i++) {
            if (!reach[i]) continue;
            if (pattern[p] == '*') {
                for (size_t j = i; j <= len; j++)
                    next[j] = 1;
                any = 1;
                break;
            }
            if (i < len && path[i] == pattern[p]) next[i + 1] = 1, any = 1;
        }
        memcpy(reach, next, len + 1);
        if (!any) result = 0;
    }
    free(reach);
    free(next);
    return result < 0 ? 1 : result;
}

static void differential(const uint8_t *data, size_t size)
{
    static const char alphabet[] = "/xy*$?.";
    size_t plen = size / 2 < 40 ? size / 2 : 40, len = size - plen < 60 ? size - plen : 60;
    char pattern[48], path[64], txt[96];
    for (size_t i = 0; i < plen; i++)
        pattern[i] = alphabet[data[i] % 7];
    path[0] = '/'; /* and never "//", which would read as an authority */
    for (size_t i = 0; i < len; i++)
        path[i + 1] = alphabet[data[plen + i] % 7] == '*' ? 'x' : alphabet[data[plen + i] % 7];
    if (len > 0 && path[1] == '/') path[1] = 'z';
    path[len + 1] = '\0';
    int n = snprintf(txt, sizeof txt, "user-agent: a\ndisallow: %.*s\n", (int)plen, pattern);
    robots_rules *rules = NULL;
    if (robots_parse(txt, (size_t)n, &rules, NULL) != CS_OK) abort();
    int expect = plen == 0 ? 1 : !slow_matches(pattern, plen, path, len + 1);
    if (robots_allowed(rules, "a", path) != expect) abort();
    robots_free(rules);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    differential(data, size);
    const char *txt;
    size_t txt_len;
    char *url = fuzz_url_prefix(data, size, &txt, &txt_len);
    if (url == NULL) return 0;

    robots_rules *rules = NULL;
    if (robots_parse(txt, txt_len, &rules, NULL) != CS_OK) abort();

    static const char *const agents[] = {ROBOTS_OWN_AGENT, "FooBot",     "*",     "",
                                         "Foo Bar",        "FooBot/2.1", "GPTBot"};
    for (size_t i = 0; i < sizeof agents / sizeof agents[0]; i++) {
        robots_match m;
        robots_check(rules, agents[i], url, &m);
        if (m.allowed != 0 && m.allowed != 1) abort();
        if (m.line > 0 && m.pattern == NULL) abort();
        if (!robots_allowed(rules, agents[i], "https://h/robots.txt")) abort();
        if (robots_crawl_delay(rules, agents[i]) < -1.0) abort();
        robots_preference prefs[4];
        size_t n = robots_preferences(rules, agents[i], url, prefs, 4);
        for (size_t p = 0; p < n && p < 4; p++)
            if (prefs[p].value == NULL) abort();
    }
    for (size_t i = 0; i < robots_sitemap_count(rules); i++)
        if (robots_sitemap(rules, i) == NULL) abort();
    for (size_t i = 0; i < robots_license_count(rules); i++)
        if (robots_license(rules, i) == NULL) abort();

    robots_signal_list list;
    robots_signal_list_init(&list);
    robots_signals_from_ai_crawlers(&list, rules, url, NULL, NULL);
    robots_signals_from_preferences(&list, rules, ROBOTS_OWN_AGENT, url, NULL, NULL);
    robots_signals_from_ai_txt(&list, txt, txt_len, ROBOTS_OWN_AGENT, url, NULL, NULL);
    robots_decision decision;
    if (robots_decide(&list, ROBOTS_OWN_AGENT, NULL, &decision, NULL) != CS_OK) abort();
    if (decision.count != list.count) abort();
    robots_decision_free(&decision);
    robots_signal_list_free(&list);

    robots_free(rules);
    free(url);
    return 0;
}
