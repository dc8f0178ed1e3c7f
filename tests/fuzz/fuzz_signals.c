/*
 * fuzz_signals.c - libFuzzer target for header, meta and tdmrep.json parsing
 * (robots_signals_from_* producers) and the decision.
 *
 * Input layout: fields separated by 0xFF bytes, in order: X-Robots-Tag value,
 * meta name, meta content, tdm-reservation, tdm-policy, tdmrep.json bytes,
 * resource URL, plus:DataMining value, training-mining use, crawler-price,
 * Content-Usage header (RFC 9651 dictionary), Content-Signal header, an AI
 * crawler list file (robots/ai_crawlers.txt's format; when it parses, the
 * decision judges with it).
 * Missing fields are absent (NULL), so both "absent" and "empty" are tried.
 * Fields are passed as pointer plus length, not NUL-terminated, except the
 * URL, which the API takes as a C string.
 */
#include "robots/robots.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FIELDS 13

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *field[FIELDS] = {0};
    size_t len[FIELDS] = {0};
    size_t start = 0, f = 0;
    for (size_t i = 0; i <= size && f < FIELDS; i++) {
        if (i == size || data[i] == 0xFF) {
            field[f] = (const char *)data + start;
            len[f] = i - start;
            f++;
            start = i + 1;
        }
    }
    char *url = malloc(len[6] + 1);
    if (url == NULL) return 0;
    if (field[6]) memcpy(url, field[6], len[6]);
    url[len[6]] = '\0';

    robots_signal_list list;
    robots_signal_list_init(&list);
    if (field[0]) robots_signals_from_x_robots_tag(&list, field[0], len[0], NULL, NULL);
    if (field[1] && field[2])
        robots_signals_from_meta_robots(&list, field[1], len[1], field[2], len[2], NULL, NULL);
    robots_signals_from_tdm(&list, ROBOTS_SOURCE_HEADER, field[3], len[3], field[4], len[4], NULL,
                            NULL);
    robots_signals_from_tdm(&list, ROBOTS_SOURCE_META, field[4], len[4], field[3], len[3], NULL,
                            NULL);
    if (field[5]) robots_signals_from_tdmrep_json(&list, field[5], len[5], url, NULL, NULL);
    if (field[7]) robots_signals_from_data_mining(&list, field[7], len[7], NULL, NULL);
    if (field[8])
        robots_signals_from_training_mining(&list, field[1], len[1], field[8], len[8], NULL, NULL);
    robots_signals_from_http(&list, size % 2 ? 402 : 200, field[9], len[9], NULL, NULL);
    if (field[10]) robots_signals_from_content_usage_header(&list, field[10], len[10], NULL, NULL);
    if (field[11]) robots_signals_from_content_signal_header(&list, field[11], len[11], NULL, NULL);
    robots_ai_crawlers *crawlers = NULL;
    if (field[12] && robots_ai_crawlers_parse(field[12], len[12], &crawlers, NULL) == CS_OK) {
        for (size_t i = 0; i < robots_ai_crawlers_count(crawlers); i++)
            if (!robots_ai_crawlers_token(crawlers, i) || !robots_ai_crawlers_function(crawlers, i))
                abort();
        if (robots_ai_crawlers_token(crawlers, robots_ai_crawlers_count(crawlers))) abort();
    }

    robots_policy policy;
    robots_policy_default(&policy);
    policy.ai_crawlers = crawlers;
    policy.flags = (unsigned)size & 15u;
    robots_decision decision;
    if (robots_decide(&list, ROBOTS_OWN_AGENT, &policy, &decision, NULL) != CS_OK) abort();
    if (decision.count != list.count) abort();
    if (decision.opted_out && decision.verdicts[decision.first_reason] != ROBOTS_VERDICT_OPTS_OUT)
        abort();
    char text[1024];
    for (size_t i = 0; i < list.count; i++) {
        robots_signal_describe(&list.items[i], text, sizeof text);
        if (memchr(list.items[i].value, '\0', sizeof list.items[i].value) == NULL) abort();
    }
    robots_decision_free(&decision);
    robots_signal_list_free(&list);
    robots_ai_crawlers_free(crawlers);
    free(url);
    return 0;
}
