/*
 * fuzz_rsl.c - libFuzzer target for the RSL 1.0 parser (robots/rsl.c) and
 * what is read from a parsed document.
 *
 * Input layout, as fuzz_robots: the first byte gives the length of a URL
 * taken from the bytes that follow it (capped by what is there); the rest is
 * the RSL document. A document that parses is asked about that URL and a few
 * fixed ones (robots_rsl_match, robots_rsl_training, robots_signals_from_rsl),
 * and its invariants are checked with abort(): every content entry has its
 * licences, an answer names the entry it rests on, and a signal's effect
 * agrees with the answer.
 */
#include "robots/robots.h"
#include "tests/fuzz/fuzz_url_prefix.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void ask(const robots_rsl *rsl, const char *url)
{
    robots_rsl_terms terms;
    robots_rsl_training(rsl, url, &terms);
    if (terms.answer != ROBOTS_RSL_SILENT && terms.content == NULL) abort();
    if (terms.content && robots_rsl_match(rsl, url) != terms.content) abort();
    if (memchr(terms.summary, '\0', sizeof terms.summary) == NULL) abort();
    robots_signal_list list;
    robots_signal_list_init(&list);
    if (robots_signals_from_rsl(&list, rsl, url, "https://h/rsl.xml", "fuzz", NULL) != CS_OK)
        abort();
    if ((terms.answer == ROBOTS_RSL_SILENT) != (list.count == 0)) abort();
    if (list.count == 1) {
        int permit = list.items[0].effect == ROBOTS_EFFECT_PERMIT;
        if (permit != (terms.answer == ROBOTS_RSL_PERMITTED_FREE ||
                       terms.answer == ROBOTS_RSL_PERMITTED_ATTRIBUTION))
            abort();
    }
    robots_signal_list_free(&list);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *doc;
    size_t doc_len;
    char *url = fuzz_url_prefix(data, size, &doc, &doc_len);
    if (url == NULL) return 0;

    robots_rsl rsl;
    int rc = robots_rsl_parse(doc, doc_len, &rsl, NULL);
    if (rc == CS_OK) {
        for (size_t i = 0; i < rsl.content_count; i++)
            if (rsl.contents[i].license_count > 0 && rsl.contents[i].licenses == NULL) abort();
        ask(&rsl, url);
        ask(&rsl, "https://h/");
        ask(&rsl, "https://h/images/a.png");
        ask(&rsl, "https://cdn.example/x?q=1");
    } else if (rsl.content_count != 0 || rsl.contents != NULL) {
        abort(); /* a refused document leaves nothing behind */
    }
    robots_rsl_free(&rsl);
    free(url);
    return 0;
}
