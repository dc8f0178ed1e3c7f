/*
 * catalog_kind.c - the words the catalog stores for signal kinds
 * (optout_signals.kind in dataset/schema.c), in one table both ways.
 *
 * A catalog word names a kind together with where it was found, because a
 * person reading the catalog cares whether a TDM reservation came from a
 * header, a meta element or tdmrep.json. The crawler writes these words and
 * clearance reads them back into robots_signal records, so the mapping lives
 * here once.
 */
#include "robots/robots.h"

#include <string.h>

typedef struct catalog_kind {
    const char *word;
    robots_signal_kind kind;
    robots_signal_source source; /* 0: any source maps to this word */
} catalog_kind;

/* The first row for a kind with source 0 is that kind's word for every other source. */
static const catalog_kind words[] = {
    {"meta-robots", ROBOTS_SIGNAL_ROBOTS_DIRECTIVE, ROBOTS_SOURCE_META},
    {"x-robots-tag", ROBOTS_SIGNAL_ROBOTS_DIRECTIVE, 0},
    {"tdm-meta", ROBOTS_SIGNAL_TDM_RESERVATION, ROBOTS_SOURCE_META},
    {"tdmrep-json", ROBOTS_SIGNAL_TDM_RESERVATION, ROBOTS_SOURCE_TDMREP_JSON},
    {"tdm-embedded", ROBOTS_SIGNAL_TDM_RESERVATION, ROBOTS_SOURCE_EMBEDDED},
    {"tdm-header", ROBOTS_SIGNAL_TDM_RESERVATION, 0},
    {"content-signal-header", ROBOTS_SIGNAL_CONTENT_SIGNAL, ROBOTS_SOURCE_HEADER},
    {"content-signal", ROBOTS_SIGNAL_CONTENT_SIGNAL, 0},
    {"content-usage-header", ROBOTS_SIGNAL_CONTENT_USAGE, ROBOTS_SOURCE_HEADER},
    {"content-usage", ROBOTS_SIGNAL_CONTENT_USAGE, 0},
    {"ai-txt", ROBOTS_SIGNAL_AI_TXT, 0},
    {"ai-crawler-rule", ROBOTS_SIGNAL_AI_CRAWLER_RULE, 0},
    {"http-402", ROBOTS_SIGNAL_PAYMENT_REQUIRED, ROBOTS_SOURCE_HTTP_STATUS},
    {"crawler-price", ROBOTS_SIGNAL_PAYMENT_REQUIRED, 0},
    {"iptc-data-mining", ROBOTS_SIGNAL_DATA_MINING, 0},
    {"c2pa-training", ROBOTS_SIGNAL_TRAINING_MINING, 0},
    {"rsl", ROBOTS_SIGNAL_RSL, 0},
    {"rsl-licence-required", ROBOTS_SIGNAL_RSL_LICENSE_REQUIRED, 0},
};

/* The source a word stands for when read back: its own, or the kind's usual one. */
static robots_signal_source usual_source(robots_signal_kind kind)
{
    switch (kind) {
    case ROBOTS_SIGNAL_CONTENT_SIGNAL:
    case ROBOTS_SIGNAL_CONTENT_USAGE:
    case ROBOTS_SIGNAL_AI_CRAWLER_RULE:
        return ROBOTS_SOURCE_ROBOTS_TXT;
    case ROBOTS_SIGNAL_AI_TXT:
        return ROBOTS_SOURCE_AI_TXT;
    case ROBOTS_SIGNAL_DATA_MINING:
    case ROBOTS_SIGNAL_TRAINING_MINING:
        return ROBOTS_SOURCE_EMBEDDED;
    case ROBOTS_SIGNAL_RSL:
    case ROBOTS_SIGNAL_RSL_LICENSE_REQUIRED:
        return ROBOTS_SOURCE_RSL;
    default:
        return ROBOTS_SOURCE_HEADER;
    }
}

const char *robots_signal_catalog_kind(const robots_signal *signal)
{
    for (size_t i = 0; i < CS_ARRAY_LEN(words); i++)
        if (words[i].kind == signal->kind &&
            (words[i].source == 0 || words[i].source == signal->source))
            return words[i].word;
    return "unknown";
}

int robots_signal_from_catalog_kind(const char *word, robots_signal_kind *kind,
                                    robots_signal_source *source)
{
    for (size_t i = 0; i < CS_ARRAY_LEN(words); i++) {
        if (strcmp(words[i].word, word) != 0) continue;
        *kind = words[i].kind;
        *source = words[i].source ? words[i].source : usual_source(words[i].kind);
        return CS_OK;
    }
    return CS_ENOTFOUND;
}
