/*
 * fuzz_robots.c - libFuzzer target for the robots.txt parser and matcher.
 *
 * Input layout: the first byte gives the length of a URL taken from the
 * bytes that follow it (capped by what is there); everything after the URL is
 * the robots.txt. The URL is checked for several agents (valid, invalid,
 * empty, and the AI crawler list), and every accessor is exercised, so that
 * ASan/UBSan see each code path on hostile bytes. Invariants that must hold
 * for any input are checked with abort().
 */
#include "robots/robots.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    size_t url_len = data[0];
    if (url_len > size - 1) url_len = size - 1;
    char *url = malloc(url_len + 1);
    if (url == NULL) return 0;
    memcpy(url, data + 1, url_len);
    url[url_len] = '\0';
    const char *txt = (const char *)data + 1 + url_len;
    size_t txt_len = size - 1 - url_len;

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
