/*
 * test_standards.c - the opt-out and licensing standards of late 2026
 * (issue 13): IETF AIPREF Content-Usage in headers and robots.txt lines,
 * Content-Signal as a header, noml, TDMRep's layer order including metadata
 * embedded in the file, ai.txt wildcards over file names, and the AI crawler
 * list with each token's operator and function.
 */
#include "tests/support/testsupport.h"

#include "common/url.h"
#include "dataset/catalog.h"
#include "license/license.h"
#include "robots/robots.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct decided {
    robots_signal_list list;
    robots_decision decision;
} decided;

static void decide(decided *d)
{
    assert_int_equal(robots_decide(&d->list, ROBOTS_OWN_AGENT, NULL, &d->decision, NULL), CS_OK);
}

static void decided_free(decided *d)
{
    robots_decision_free(&d->decision);
    robots_signal_list_free(&d->list);
}

static robots_rules *parse(const char *txt)
{
    robots_rules *rules = NULL;
    assert_int_equal(robots_parse(txt, strlen(txt), &rules, NULL), CS_OK);
    return rules;
}

static void usage_header(decided *d, const char *value)
{
    assert_int_equal(
        robots_signals_from_content_usage_header(&d->list, value, strlen(value), "h", NULL), CS_OK);
}

static void signal_header(decided *d, const char *value)
{
    assert_int_equal(
        robots_signals_from_content_signal_header(&d->list, value, strlen(value), "h", NULL),
        CS_OK);
}

/* the preferences robots.txt states for url, as signals, decided */
static void from_robots(decided *d, const char *txt, const char *url)
{
    robots_rules *rules = parse(txt);
    assert_int_equal(
        robots_signals_from_preferences(&d->list, rules, ROBOTS_OWN_AGENT, url, NULL, NULL), CS_OK);
    robots_free(rules);
    decide(d);
}

/* ------------------------------------------------------------------ AIPREF header */

static void test_content_usage_header_train_ai_n_opts_out(void **state)
{
    decided d = {0};
    usage_header(&d, "train-ai=n, search=y");
    decide(&d);
    assert_int_equal(d.list.count, 1);
    assert_int_equal(d.list.items[0].kind, ROBOTS_SIGNAL_CONTENT_USAGE);
    assert_int_equal(d.list.items[0].source, ROBOTS_SOURCE_HEADER);
    assert_string_equal(robots_signal_catalog_kind(&d.list.items[0]), "content-usage-header");
    assert_true(d.decision.opted_out);
    decided_free(&d);
}

static void test_content_usage_header_y_permits_and_search_n_says_nothing(void **state)
{
    decided d = {0};
    usage_header(&d, "train-ai=y");
    usage_header(&d, "search=n");
    decide(&d);
    assert_int_equal(d.list.items[0].effect, ROBOTS_EFFECT_PERMIT);
    assert_int_equal(d.list.items[1].effect, ROBOTS_EFFECT_NONE);
    assert_false(d.decision.opted_out);
    decided_free(&d);
}

static void test_content_usage_labels_are_case_sensitive(void **state)
{
    decided d = {0};
    usage_header(&d, "Train-AI=n"); /* upper case is no RFC 9651 key: the field fails */
    usage_header(&d, "train-ai=N"); /* a token N is not n */
    usage_header(&d, "train-ai=no");
    decide(&d);
    assert_int_equal(d.list.items[0].effect, ROBOTS_EFFECT_NONE);
    assert_string_equal(d.list.items[0].detail, "not an RFC 9651 dictionary: no preference");
    assert_int_equal(d.list.items[1].effect, ROBOTS_EFFECT_NONE);
    assert_int_equal(d.list.items[2].effect, ROBOTS_EFFECT_NONE);
    assert_false(d.decision.opted_out);
    decided_free(&d);
}

static void test_content_usage_parse_failure_is_no_preference(void **state)
{
    static const char *const broken[] = {"train-ai=n,",         "train-ai=n;;", "train-ai=\"n",
                                         "train-ai=n search=y", "=n",           "train-ai=n, ,a=y",
                                         "train-ai=(n"};
    for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
        decided d = {0};
        usage_header(&d, broken[i]);
        decide(&d);
        assert_int_equal(d.list.count, 1);
        assert_int_equal(d.list.items[0].effect, ROBOTS_EFFECT_NONE);
        assert_false(d.decision.opted_out);
        decided_free(&d);
    }
}

static void test_content_usage_dictionary_syntax_accepted(void **state)
{
    static const char *const good[] = {
        "train-ai=n;why=\"policy\"", "search=y,train-ai=n", "train-ai=?0, train-ai=n",
        "x=(a b), train-ai=n",       "  train-ai=n  ",      "foo, train-ai=n, bar=1.5"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        decided d = {0};
        usage_header(&d, good[i]);
        decide(&d);
        assert_int_equal(d.list.items[0].effect, ROBOTS_EFFECT_OPT_OUT);
        decided_free(&d);
    }
    decided d = {0}; /* a repeated key keeps its last value (RFC 9651 4.2.2) */
    usage_header(&d, "train-ai=n, train-ai=y");
    assert_int_equal(d.list.items[0].effect, ROBOTS_EFFECT_PERMIT);
    decided_free(&d);
}

static void test_content_usage_legacy_labels_block_when_n(void **state)
{
    static const char *const legacy[] = {"train-genai", "ai-use", "tdm", "genai",
                                         "ai",          "all",    "bots"};
    for (size_t i = 0; i < sizeof legacy / sizeof legacy[0]; i++) {
        char value[64];
        decided d = {0};
        snprintf(value, sizeof value, "%s=n", legacy[i]);
        usage_header(&d, value);
        snprintf(value, sizeof value, "%s=y", legacy[i]);
        usage_header(&d, value);
        decide(&d);
        assert_int_equal(d.list.items[0].effect, ROBOTS_EFFECT_OPT_OUT);
        assert_string_equal(d.list.items[0].detail, "legacy-label");
        assert_int_equal(d.list.items[1].effect, ROBOTS_EFFECT_NONE); /* only n counts */
        assert_true(d.decision.opted_out);
        decided_free(&d);
    }
    decided d = {0}; /* the current label said n itself: not a legacy reservation */
    usage_header(&d, "train-ai=n, genai=n");
    assert_string_equal(d.list.items[0].detail, "");
    decided_free(&d);
}

/* ------------------------------------------------------------------ AIPREF robots.txt */

static void test_content_usage_robots_longest_path_applies(void **state)
{
    const char *txt = "User-Agent: *\n"
                      "Content-Usage: train-ai=n\n"
                      "Content-Usage: /images/ train-ai=y\n"
                      "Content-Usage: /images/private/ train-ai=n\n"
                      "Allow: /\n";
    decided d = {0};
    from_robots(&d, txt, "http://h/images/a.jpg");
    assert_int_equal(d.list.count, 2);
    assert_int_equal(d.list.items[0].effect, ROBOTS_EFFECT_NONE); /* shorter: overridden */
    assert_string_equal(d.list.items[0].detail, "overridden by line 3 (a longer path)");
    assert_int_equal(d.list.items[1].effect, ROBOTS_EFFECT_PERMIT);
    assert_false(d.decision.opted_out);
    decided_free(&d);

    decided p = {0};
    from_robots(&p, txt, "http://h/images/private/b.jpg");
    assert_int_equal(p.list.count, 3);
    assert_int_equal(p.list.items[2].effect, ROBOTS_EFFECT_OPT_OUT);
    assert_true(p.decision.opted_out);
    assert_int_equal(p.decision.first_reason, 2);
    decided_free(&p);

    decided o = {0};
    from_robots(&o, txt, "http://h/other.jpg");
    assert_int_equal(o.list.count, 1);
    assert_true(o.decision.opted_out);
    decided_free(&o);
}

static void test_content_usage_robots_equal_paths_most_restrictive_wins(void **state)
{
    decided d = {0};
    from_robots(&d,
                "User-Agent: *\n"
                "Content-Usage: /images/ train-ai=y\n"
                "Content-Usage: /images/ train-ai=n\n"
                "Allow: /\n",
                "http://h/images/a.jpg");
    assert_int_equal(d.list.count, 2);
    assert_int_equal(d.list.items[0].effect, ROBOTS_EFFECT_PERMIT);
    assert_int_equal(d.list.items[1].effect, ROBOTS_EFFECT_OPT_OUT);
    assert_true(d.decision.opted_out);
    decided_free(&d);
}

static void test_content_usage_robots_case_failure_and_legacy(void **state)
{
    decided d = {0};
    from_robots(&d,
                "User-Agent: *\n"
                "Content-Usage: /a/ TRAIN-AI=n\n"   /* not a dictionary: no preference */
                "Content-Usage: /a/x train-ai=n;\n" /* broken parameters */
                "Content-Usage: train-genai=n\n"
                "Allow: /\n",
                "http://h/a/x.jpg");
    assert_int_equal(d.list.count, 3);
    assert_int_equal(d.list.items[0].effect, ROBOTS_EFFECT_NONE);
    assert_int_equal(d.list.items[1].effect, ROBOTS_EFFECT_NONE);
    /* the only valid line applies: failed lines shadow nothing */
    assert_int_equal(d.list.items[2].effect, ROBOTS_EFFECT_OPT_OUT);
    assert_string_equal(d.list.items[2].detail, "legacy-label");
    assert_true(d.decision.opted_out);
    decided_free(&d);
}

/* ------------------------------------------------------------------ Content-Signal header */

static void test_content_signal_header_no_opts_out(void **state)
{
    decided d = {0};
    signal_header(&d, "search=yes, ai-train=no");
    decide(&d);
    assert_int_equal(d.list.items[0].kind, ROBOTS_SIGNAL_CONTENT_SIGNAL);
    assert_int_equal(d.list.items[0].source, ROBOTS_SOURCE_HEADER);
    assert_string_equal(robots_signal_catalog_kind(&d.list.items[0]), "content-signal-header");
    assert_true(d.decision.opted_out);
    decided_free(&d);
}

static void test_edge_default_yes_never_overrides_site_no(void **state)
{
    decided d = {0};
    from_robots(&d, "Content-Signal: ai-train=no\nUser-Agent: *\nAllow: /\n", "http://h/a.jpg");
    robots_decision_free(&d.decision);
    signal_header(&d, "search=yes, ai-input=yes, ai-train=yes"); /* a CDN's default */
    decide(&d);
    assert_int_equal(d.list.items[1].effect, ROBOTS_EFFECT_PERMIT);
    assert_true(d.decision.opted_out);
    assert_int_equal(d.decision.first_reason, 0);
    decided_free(&d);
}

static void test_content_signal_allow_disallow_recorded_as_such(void **state)
{
    decided d = {0};
    signal_header(&d, "ai-train=disallow");
    signal_header(&d, "ai-train=allow");
    decide(&d);
    assert_string_equal(d.list.items[0].value, "ai-train=disallow");
    assert_string_equal(d.list.items[0].detail, "non-standard value");
    assert_int_equal(d.list.items[0].effect, ROBOTS_EFFECT_OPT_OUT);
    assert_string_equal(d.list.items[1].detail, "non-standard value");
    assert_int_equal(d.list.items[1].effect, ROBOTS_EFFECT_PERMIT);
    assert_true(d.decision.opted_out);
    decided_free(&d);
}

/* ------------------------------------------------------------------ noml, TDMRep layers */

static void test_noml_blocks_by_default(void **state)
{
    decided d = {0};
    assert_int_equal(robots_signals_from_x_robots_tag(&d.list, "noml", 4, NULL, NULL), CS_OK);
    assert_int_equal(
        robots_signals_from_meta_robots(&d.list, "robots", 6, "index, NoML", 11, NULL, NULL),
        CS_OK);
    decide(&d);
    assert_int_equal(d.list.count, 2);
    assert_int_equal(d.decision.verdicts[0], ROBOTS_VERDICT_OPTS_OUT);
    assert_int_equal(d.decision.verdicts[1], ROBOTS_VERDICT_OPTS_OUT);
    decided_free(&d);
}

static void tdm(decided *d, robots_signal_source source, const char *reservation)
{
    assert_int_equal(robots_signals_from_tdm(&d->list, source, reservation,
                                             reservation ? strlen(reservation) : 0,
                                             "https://p/policy.json", 21, NULL, NULL),
                     CS_OK);
}

static void test_tdm_embedded_is_the_last_layer(void **state)
{
    decided d = {0}; /* json 1, header 1, meta 1, embedded 0: the file's own word wins */
    const char *json = "[{\"location\":\"/\",\"tdm-reservation\":1}]";
    assert_int_equal(
        robots_signals_from_tdmrep_json(&d.list, json, strlen(json), "/a.jpg", NULL, NULL), CS_OK);
    tdm(&d, ROBOTS_SOURCE_HEADER, "1");
    tdm(&d, ROBOTS_SOURCE_META, "1");
    tdm(&d, ROBOTS_SOURCE_EMBEDDED, "0");
    decide(&d);
    assert_false(d.decision.opted_out);
    for (int i = 0; i < 3; i++)
        assert_int_equal(d.decision.verdicts[i], ROBOTS_VERDICT_OVERRIDDEN);
    assert_int_equal(d.decision.verdicts[3], ROBOTS_VERDICT_PERMITS);
    assert_string_equal(robots_signal_catalog_kind(&d.list.items[3]), "tdm-embedded");
    decided_free(&d);

    decided r = {0}; /* header 0, embedded 1 */
    tdm(&r, ROBOTS_SOURCE_HEADER, "0");
    tdm(&r, ROBOTS_SOURCE_EMBEDDED, "1");
    decide(&r);
    assert_true(r.decision.opted_out);
    assert_int_equal(r.decision.first_reason, 1);
    decided_free(&r);
}

static void test_tdm_missing_value_does_not_reset(void **state)
{
    decided d = {0}; /* the file names a policy but no reservation: the header's 1 stands */
    tdm(&d, ROBOTS_SOURCE_HEADER, "1");
    tdm(&d, ROBOTS_SOURCE_EMBEDDED, NULL);
    decide(&d);
    assert_true(d.decision.opted_out);
    assert_int_equal(d.decision.verdicts[1], ROBOTS_VERDICT_NO_EFFECT);
    decided_free(&d);
}

/* tests/fixtures/license/jpeg-tdm-reservation.jpg: XMP written by ExifTool (make.sh, 11.) */
static void test_tdm_reservation_in_image_xmp(void **state)
{
    char path[TS_PATH_MAX];
    size_t len = 0;
    char *bytes = ts_read_file(ts_fixture(path, "license", "jpeg-tdm-reservation.jpg"), &len);
    assert_non_null(bytes);
    license_embedded emb;
    assert_int_equal(license_read_embedded((const unsigned char *)bytes, len, &emb, NULL), CS_OK);
    assert_string_equal(emb.tdm_reservation, "1");
    assert_string_equal(emb.tdm_policy, "https://example.org/tdm-policy.json");
    decided d = {0};
    assert_int_equal(license_embedded_signals(&emb, &d.list, "http://h/a.jpg", NULL), CS_OK);
    assert_int_equal(d.list.count, 1);
    assert_int_equal(d.list.items[0].kind, ROBOTS_SIGNAL_TDM_RESERVATION);
    assert_int_equal(d.list.items[0].source, ROBOTS_SOURCE_EMBEDDED);
    assert_string_equal(d.list.items[0].detail, "https://example.org/tdm-policy.json");
    /* the site's header said 0: the file's own reservation is the later layer */
    tdm(&d, ROBOTS_SOURCE_HEADER, "0");
    decide(&d);
    assert_true(d.decision.opted_out);
    assert_int_equal(d.decision.verdicts[1], ROBOTS_VERDICT_OVERRIDDEN);
    decided_free(&d);
    license_embedded_free(&emb);
    free(bytes);
}

static void test_cawg_constrained_is_not_a_permission(void **state)
{
    decided d = {0};
    assert_int_equal(robots_signals_from_training_mining(&d.list, "cawg.ai_generative_training", 27,
                                                         "constrained", 11, NULL, NULL),
                     CS_OK);
    decide(&d);
    assert_true(d.decision.opted_out);
    assert_non_null(strstr(d.list.items[0].detail, "constrained is not a permission"));
    robots_decision_free(&d.decision);
    /* a policy file may say the constraints are the user's to honour */
    const char *json = "{\"accept\": [\"CC0\"], \"training_mining_constrained\": true}";
    license_policy *policy = NULL;
    assert_int_equal(license_policy_parse(json, strlen(json), "p", &policy, NULL), CS_OK);
    robots_policy counted;
    license_policy_robots(policy, &counted);
    assert_true(counted.training_constrained);
    assert_int_equal(robots_decide(&d.list, ROBOTS_OWN_AGENT, &counted, &d.decision, NULL), CS_OK);
    assert_false(d.decision.opted_out);
    assert_int_equal(d.decision.verdicts[0], ROBOTS_VERDICT_PERMITS);
    license_policy_free(policy);
    decided_free(&d);
    const char *bad = "{\"accept\": [\"CC0\"], \"training_mining_constrained\": 1}";
    assert_int_equal(license_policy_parse(bad, strlen(bad), "p", &policy, NULL), CS_EFORMAT);
}

/* ------------------------------------------------------------------ ai.txt */

/* the effect ai.txt has on url, or -1 when no rule decides */
static int ai_txt(const char *txt, const char *url, int *line)
{
    robots_signal_list list;
    robots_signal_list_init(&list);
    assert_int_equal(
        robots_signals_from_ai_txt(&list, txt, strlen(txt), ROBOTS_OWN_AGENT, url, NULL, NULL),
        CS_OK);
    int effect = list.count ? (int)list.items[0].effect : -1;
    if (line) *line = list.count ? list.items[0].line : 0;
    robots_signal_list_free(&list);
    return effect;
}

static void test_ai_txt_wildcards_over_file_names(void **state)
{
    const char *txt = "# Spawning AI\n"
                      "User-Agent: *\n"
                      "Disallow: *.jpg\n"
                      "Disallow: /*.png$\n"
                      "Allow: /\n";
    int line = 0;
    assert_int_equal(ai_txt(txt, "https://h/a/b/photo.jpg", &line), ROBOTS_EFFECT_OPT_OUT);
    assert_int_equal(line, 3);
    assert_int_equal(ai_txt(txt, "https://h/photo.jpg?w=200", NULL), ROBOTS_EFFECT_OPT_OUT);
    assert_int_equal(ai_txt(txt, "https://h/x/y.png", &line), ROBOTS_EFFECT_OPT_OUT);
    assert_int_equal(line, 4);
    /* '$' anchors: a query after .png is another path, as in robots.txt */
    assert_int_equal(ai_txt(txt, "https://h/x/y.png?v=2", NULL), ROBOTS_EFFECT_PERMIT);
    assert_int_equal(ai_txt(txt, "https://h/x/y.gif", NULL), ROBOTS_EFFECT_PERMIT);
    /* paths are case-sensitive, as in robots.txt */
    assert_int_equal(ai_txt(txt, "https://h/x/y.JPG", NULL), ROBOTS_EFFECT_PERMIT);
}

static void test_ai_txt_rules_without_user_agent_apply_to_all(void **state)
{
    const char *txt = "Disallow: *.jpg\nDisallow: *.webp\n";
    int line = 0;
    assert_int_equal(ai_txt(txt, "https://h/a.webp", &line), ROBOTS_EFFECT_OPT_OUT);
    assert_int_equal(line, 2);
    assert_int_equal(ai_txt(txt, "https://h/a.gif", NULL), -1);
    /* a group for our token still takes precedence, as in robots.txt */
    assert_int_equal(
        ai_txt("Disallow: *.jpg\nUser-Agent: clearsetbot\nAllow: /\n", "https://h/a.jpg", NULL),
        ROBOTS_EFFECT_PERMIT);
}

/* ------------------------------------------------------------------ AI crawler list */

static void test_ai_crawler_list_has_operator_and_function(void **state)
{
    static const struct {
        const char *token, *operator, * function;
    } known[] = {
        {"GPTBot", "OpenAI", "training"},
        {"ChatGPT-User", "OpenAI", "user-fetch"},
        {"OAI-SearchBot", "OpenAI", "ai-search"},
        {"ClaudeBot", "Anthropic", "training"},
        {"Claude-User", "Anthropic", "user-fetch"},
        {"CCBot", "Common Crawl", "training"},
        {"Google-Extended", "Google", "training"},
        {"PerplexityBot", "Perplexity", "ai-search"},
        {"NovaAct", "Amazon", "ai-agent"},
        {"img2dataset", "img2dataset (LAION)", "training"},
    };
    assert_true(robots_ai_crawler_count() >= 100);
    for (size_t k = 0; k < sizeof known / sizeof known[0]; k++) {
        long i = robots_ai_crawlers_find(NULL, known[k].token);
        assert_true(i >= 0);
        assert_string_equal(robots_ai_crawler((size_t)i), known[k].token);
        assert_string_equal(robots_ai_crawler_operator((size_t)i), known[k].operator);
        assert_string_equal(robots_ai_crawler_function((size_t)i), known[k].function);
    }
    for (size_t i = 0; i < robots_ai_crawler_count(); i++) {
        assert_true(robots_ai_crawler_operator(i)[0] != '\0');
        const char *f = robots_ai_crawler_function(i);
        assert_true(strcmp(f, "training") == 0 || strcmp(f, "ai-search") == 0 ||
                    strcmp(f, "user-fetch") == 0 || strcmp(f, "ai-agent") == 0 ||
                    strcmp(f, "ai-data") == 0);
        for (size_t j = 0; j < i; j++) /* no token twice, whatever its case */
            assert_true(strcasecmp(robots_ai_crawler(i), robots_ai_crawler(j)) != 0);
    }
    assert_null(robots_ai_crawler_operator(robots_ai_crawler_count()));
    assert_null(robots_ai_crawler_function(robots_ai_crawler_count()));
}

/* The file in the tree, read at run time, is the list the build compiled in. */
static void test_ai_crawler_file_reads_as_the_compiled_list(void **state)
{
    size_t len = 0;
    char *bytes = ts_read_file(CLEARSET_SOURCE_DIR "/robots/ai_crawlers.txt", &len);
    assert_non_null(bytes);
    robots_ai_crawlers *list = NULL;
    cs_error err;
    assert_int_equal(robots_ai_crawlers_parse(bytes, len, &list, &err), CS_OK);
    assert_int_equal(robots_ai_crawlers_count(list), robots_ai_crawler_count());
    for (size_t i = 0; i < robots_ai_crawler_count(); i++) {
        assert_string_equal(robots_ai_crawlers_token(list, i), robots_ai_crawler(i));
        assert_string_equal(robots_ai_crawlers_match_token(list, i),
                            robots_ai_crawler_match_token(i));
        assert_string_equal(robots_ai_crawlers_operator(list, i), robots_ai_crawler_operator(i));
        assert_string_equal(robots_ai_crawlers_function(list, i), robots_ai_crawler_function(i));
    }
    robots_ai_crawlers_free(list);
    free(bytes);
}

static void test_ai_crawler_file_errors_name_the_line(void **state)
{
    static const char *const bad[] = {"# ok\nGPTBot | OpenAI\n", "A | B | C | training\n",
                                      "GPTBot | OpenAI | scraping\n", " | OpenAI | training\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        robots_ai_crawlers *list = (robots_ai_crawlers *)1;
        cs_error err;
        assert_int_equal(robots_ai_crawlers_parse(bad[i], strlen(bad[i]), &list, &err), CS_EFORMAT);
        assert_null(list);
        assert_non_null(strstr(err.message, i == 0 ? "line 2" : "line 1"));
    }
    robots_ai_crawlers *empty = NULL;
    assert_int_equal(robots_ai_crawlers_parse("", 0, &empty, NULL), CS_OK);
    assert_int_equal(robots_ai_crawlers_count(empty), 0);
    robots_ai_crawlers_free(empty);
    robots_ai_crawlers_free((robots_ai_crawlers *)robots_ai_crawlers_builtin()); /* no-op */
}

static void test_only_training_crawlers_disallows_reserve_training(void **state)
{
    robots_rules *rules = parse("User-agent: PerplexityBot\nDisallow: /\n"
                                "User-agent: ChatGPT-User\nDisallow: /\n"
                                "User-agent: *\nAllow: /\n");
    decided d = {0};
    assert_int_equal(robots_signals_from_ai_crawlers(&d.list, rules, "https://h/a.jpg", NULL, NULL),
                     CS_OK);
    assert_int_equal(d.list.count, 2);
    for (size_t i = 0; i < 2; i++)
        assert_int_equal(d.list.items[i].effect, ROBOTS_EFFECT_NONE);
    int perplexity = strcmp(d.list.items[0].scope, "PerplexityBot") == 0 ? 0 : 1;
    assert_string_equal(d.list.items[perplexity].detail, "PerplexityBot (Perplexity, ai-search)");
    decide(&d);
    assert_false(d.decision.opted_out);
    decided_free(&d);
    robots_free(rules);

    rules = parse("User-agent: GPTBot\nDisallow: /\n");
    decided t = {0};
    robots_signals_from_ai_crawlers(&t.list, rules, "https://h/a.jpg", NULL, NULL);
    assert_int_equal(t.list.count, 1);
    assert_string_equal(t.list.items[0].detail, "GPTBot (OpenAI, training)");
    decide(&t);
    assert_true(t.decision.opted_out);
    decided_free(&t);
    robots_free(rules);
}

static void test_ai_crawler_list_refreshed_at_run_time(void **state)
{
    const char *file = "# a refreshed list\n"
                       "NewAIBot | New AI Lab | training\n"
                       "PerplexityBot | Perplexity | training # reclassified\n"
                       "GPTBot | OpenAI | ai-search\n";
    robots_ai_crawlers *list = NULL;
    assert_int_equal(robots_ai_crawlers_parse(file, strlen(file), &list, NULL), CS_OK);
    assert_int_equal(robots_ai_crawlers_count(list), 3);
    assert_string_equal(robots_ai_crawlers_operator(list, 0), "New AI Lab");
    robots_rules *rules = parse("User-agent: NewAIBot\nDisallow: /img/\n"
                                "User-agent: PerplexityBot\nDisallow: /\n"
                                "User-agent: GPTBot\nDisallow: /\n");
    decided d = {0};
    assert_int_equal(robots_signals_from_ai_crawler_list(&d.list, rules, list,
                                                         "https://h/img/a.jpg", NULL, NULL),
                     CS_OK);
    assert_int_equal(d.list.count, 3);
    assert_int_equal(d.list.items[0].effect, ROBOTS_EFFECT_OPT_OUT);
    assert_int_equal(d.list.items[1].effect, ROBOTS_EFFECT_OPT_OUT);
    assert_int_equal(d.list.items[2].effect, ROBOTS_EFFECT_NONE);
    /* the decision judges crawler rules with the same list */
    robots_policy policy;
    robots_policy_default(&policy);
    policy.ai_crawlers = list;
    d.list.items[2].effect = ROBOTS_EFFECT_OPT_OUT; /* as a catalog row from another run */
    assert_int_equal(robots_decide(&d.list, ROBOTS_OWN_AGENT, &policy, &d.decision, NULL), CS_OK);
    assert_int_equal(d.decision.verdicts[0], ROBOTS_VERDICT_OPTS_OUT);
    assert_int_equal(d.decision.verdicts[2], ROBOTS_VERDICT_NO_EFFECT);
    decided_free(&d);
    robots_free(rules);
    robots_ai_crawlers_free(list);
}

/* ------------------------------------------------------------------ CC-PDDC */

static void test_cc_pddc_accepted_by_every_preset(void **state)
{
    static const char *const urls[] = {"http://web.resource.org/cc/PublicDomain",
                                       "https://creativecommons.org/licenses/publicdomain/"};
    static const char *const presets[] = {"strict", "open", "research"};
    for (size_t u = 0; u < 2; u++) {
        license_info info;
        assert_int_equal(license_normalize_url(urls[u], strlen(urls[u]), &info), CS_OK);
        assert_string_equal(info.spdx, "CC-PDDC");
        assert_false(info.attribution);
        for (size_t p = 0; p < 3; p++) {
            license_policy *policy = NULL;
            assert_int_equal(license_policy_builtin(presets[p], &policy, NULL), CS_OK);
            assert_true(license_policy_accepts(policy, &info));
            license_policy_free(policy);
        }
    }
}

/* ------------------------------------------------------------------ excluded domains */

static void test_excluded_domain_covers_its_subdomains(void **state)
{
    assert_true(cs_url_host_in_domain("example.org", "example.org"));
    assert_true(cs_url_host_in_domain("img.cdn.example.org", "example.org"));
    assert_true(cs_url_host_in_domain("IMG.Example.ORG", "example.org."));
    assert_true(cs_url_host_in_domain("example.org.", ".example.org"));
    assert_true(cs_url_host_in_domain("127.0.4.93", "127.0.4.93"));
    assert_false(cs_url_host_in_domain("badexample.org", "example.org"));
    assert_false(cs_url_host_in_domain("example.org.evil.net", "example.org"));
    assert_false(cs_url_host_in_domain("org", "example.org"));
    assert_false(cs_url_host_in_domain("example.org", ""));
    assert_false(cs_url_host_in_domain("example.org", "."));
    assert_false(cs_url_host_in_domain(NULL, "example.org"));
}

/* ------------------------------------------------------------------ checked protocols */

static void test_catalog_keeps_the_protocols_checked_per_image(void **state)
{
    char dir[TS_PATH_MAX], path[TS_PATH_MAX];
    catalog *cat = ts_catalog_temp(dir, path);
    assert_true(catalog_schema_version(cat) >= 6); /* image_checks came with 6 */
    catalog_image_info info = {.media_type = "image/png", .width = 1, .height = 1, .source = "t"};
    int64_t id = 0;
    int is_new = 0;
    assert_int_equal(
        catalog_add_image(cat, (const unsigned char *)"x", 1, &info, &id, &is_new, NULL), CS_OK);
    static const char *const first[] = {"robots", "ai-crawlers", "tdmrep"};
    static const char *const second[] = {"tdmrep", "iptc", "c2pa"};
    assert_int_equal(catalog_record_checks(cat, id, first, 3, NULL), CS_OK);
    assert_int_equal(catalog_record_checks(cat, id, second, 3, NULL), CS_OK);
    char **checks = NULL;
    size_t n = 0;
    assert_int_equal(catalog_image_checks(cat, id, &checks, &n, NULL), CS_OK);
    assert_int_equal(n, 5); /* each once, in the order first recorded */
    static const char *const want[] = {"robots", "ai-crawlers", "tdmrep", "iptc", "c2pa"};
    for (size_t i = 0; i < n; i++)
        assert_string_equal(checks[i], want[i]);
    catalog_strings_free(checks, n);
    /* more names than one statement takes (12): split, still each once, in order */
    static const char *const many[] = {"p1", "p2", "p3",  "p4",  "p5",  "p6",     "p7",
                                       "p8", "p9", "p10", "p11", "p12", "robots", "p13"};
    assert_int_equal(catalog_record_checks(cat, id, many, CS_ARRAY_LEN(many), NULL), CS_OK);
    assert_int_equal(catalog_image_checks(cat, id, &checks, &n, NULL), CS_OK);
    assert_int_equal(n, 5 + 13);
    assert_string_equal(checks[5], "p1");
    assert_string_equal(checks[16], "p12");
    assert_string_equal(checks[17], "p13");
    catalog_strings_free(checks, n);
    catalog_close(cat);
    ts_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_content_usage_header_train_ai_n_opts_out),
        cmocka_unit_test(test_content_usage_header_y_permits_and_search_n_says_nothing),
        cmocka_unit_test(test_content_usage_labels_are_case_sensitive),
        cmocka_unit_test(test_content_usage_parse_failure_is_no_preference),
        cmocka_unit_test(test_content_usage_dictionary_syntax_accepted),
        cmocka_unit_test(test_content_usage_legacy_labels_block_when_n),
        cmocka_unit_test(test_content_usage_robots_longest_path_applies),
        cmocka_unit_test(test_content_usage_robots_equal_paths_most_restrictive_wins),
        cmocka_unit_test(test_content_usage_robots_case_failure_and_legacy),
        cmocka_unit_test(test_content_signal_header_no_opts_out),
        cmocka_unit_test(test_edge_default_yes_never_overrides_site_no),
        cmocka_unit_test(test_content_signal_allow_disallow_recorded_as_such),
        cmocka_unit_test(test_noml_blocks_by_default),
        cmocka_unit_test(test_tdm_embedded_is_the_last_layer),
        cmocka_unit_test(test_tdm_missing_value_does_not_reset),
        cmocka_unit_test(test_tdm_reservation_in_image_xmp),
        cmocka_unit_test(test_cawg_constrained_is_not_a_permission),
        cmocka_unit_test(test_ai_txt_wildcards_over_file_names),
        cmocka_unit_test(test_ai_txt_rules_without_user_agent_apply_to_all),
        cmocka_unit_test(test_cc_pddc_accepted_by_every_preset),
        cmocka_unit_test(test_ai_crawler_list_has_operator_and_function),
        cmocka_unit_test(test_ai_crawler_file_reads_as_the_compiled_list),
        cmocka_unit_test(test_ai_crawler_file_errors_name_the_line),
        cmocka_unit_test(test_only_training_crawlers_disallows_reserve_training),
        cmocka_unit_test(test_ai_crawler_list_refreshed_at_run_time),
        cmocka_unit_test(test_excluded_domain_covers_its_subdomains),
        cmocka_unit_test(test_catalog_keeps_the_protocols_checked_per_image),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
