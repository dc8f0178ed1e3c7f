/*
 * test_robots_rsl.c - RSL 1.0 (Really Simple Licensing): the parser on real
 * RSL XML bytes (tests/fixtures/rsl/ and documents written here, one field at
 * a time), what a document says about training a URL, the signal and the
 * decision, discovery (robots.txt License lines, the Link header, HTML link
 * and inline script), and what clearance makes of the terms (a licence, or
 * the rule "licence-required").
 */
#include "tests/support/testsupport.h"

#include "crawler/crawler.h"
#include "license/license.h"
#include "robots/robots.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ helpers */

static char *fixture(const char *name, size_t *len)
{
    char path[TS_PATH_MAX];
    char *bytes = ts_read_file(ts_fixture(path, "rsl", name), len);
    assert_non_null(bytes);
    return bytes;
}

static void parse_ok(const char *xml, robots_rsl *out)
{
    cs_error err;
    int rc = robots_rsl_parse(xml, strlen(xml), out, &err);
    if (rc != CS_OK) fail_msg("rsl parse: %s", err.message);
}

static void parse_fixture(const char *name, robots_rsl *out)
{
    size_t len;
    char *xml = fixture(name, &len);
    cs_error err;
    int rc = robots_rsl_parse(xml, len, out, &err);
    free(xml);
    if (rc != CS_OK) fail_msg("%s: %s", name, err.message);
}

/* The answer an RSL document (text) gives about training url. */
static robots_rsl_answer answer_for(const char *xml, const char *url, robots_rsl_terms *terms)
{
    robots_rsl rsl;
    parse_ok(xml, &rsl);
    robots_rsl_terms local;
    if (terms == NULL) terms = &local;
    robots_rsl_training(&rsl, url, terms);
    robots_rsl_answer answer = terms->answer;
    terms->content = NULL; /* it pointed into rsl */
    robots_rsl_free(&rsl);
    return answer;
}

/* One licence in one content entry for "/". */
static char *one_license(char *buf, size_t size, const char *inner)
{
    snprintf(buf, size,
             "<rsl xmlns=\"https://rslstandard.org/rsl\"><content url=\"/\"><license>%s"
             "</license></content></rsl>",
             inner);
    return buf;
}

/* ------------------------------------------------------------------ fields */

static void test_content_url_server_and_licence_fields_are_read(void **state)
{
    (void)state;
    robots_rsl rsl;
    parse_fixture("server-subscription.xml", &rsl);
    assert_int_equal(rsl.content_count, 1);
    assert_string_equal(rsl.contents[0].url, "/");
    assert_string_equal(rsl.contents[0].server, "https://rslcollective.org/api");
    assert_int_equal(rsl.contents[0].license_count, 2);
    const robots_rsl_license *first = &rsl.contents[0].licenses[0];
    assert_true(first->has_permits);
    assert_int_equal(first->permits, ROBOTS_RSL_USAGE_SEARCH);
    assert_int_equal(first->prohibits, 0);
    assert_int_equal(first->payment, ROBOTS_RSL_PAYMENT_SUBSCRIPTION);
    assert_int_equal(rsl.contents[0].licenses[1].permits, ROBOTS_RSL_USAGE_AI_ALL);
    assert_int_equal(rsl.contents[0].licenses[1].payment, ROBOTS_RSL_PAYMENT_TRAINING);
    robots_rsl_free(&rsl);
}

static void test_usage_tokens_each_and_the_train_ai_spelling(void **state)
{
    (void)state;
    robots_rsl rsl;
    parse_ok("<rsl xmlns='https://rslstandard.org/rsl'><content url='/'><license>"
             "<permits type='usage'>all, ai-all ai-train\n ai-input,ai-index search unknown-use"
             "</permits><prohibits type='usage'>train-ai</prohibits></license></content></rsl>",
             &rsl);
    const robots_rsl_license *l = &rsl.contents[0].licenses[0];
    assert_int_equal(l->permits, ROBOTS_RSL_USAGE_ALL | ROBOTS_RSL_USAGE_AI_ALL |
                                     ROBOTS_RSL_USAGE_AI_TRAIN | ROBOTS_RSL_USAGE_AI_INPUT |
                                     ROBOTS_RSL_USAGE_AI_INDEX | ROBOTS_RSL_USAGE_SEARCH);
    assert_int_equal(l->prohibits, ROBOTS_RSL_USAGE_AI_TRAIN);
    robots_rsl_free(&rsl);
    robots_rsl_terms terms;
    robots_rsl train_ai;
    parse_fixture("train-ai.xml", &train_ai);
    robots_rsl_training(&train_ai, "https://photos.example/gallery/1.jpg", &terms);
    assert_int_equal(terms.answer, ROBOTS_RSL_PROHIBITED);
    assert_string_equal(terms.summary, "prohibits ai-train");
    robots_rsl_free(&train_ai);
}

static void test_each_payment_type_is_read(void **state)
{
    (void)state;
    static const struct {
        const char *type;
        robots_rsl_payment payment;
        robots_rsl_answer answer;
    } cases[] = {
        {"free", ROBOTS_RSL_PAYMENT_FREE, ROBOTS_RSL_PERMITTED_FREE},
        {"attribution", ROBOTS_RSL_PAYMENT_ATTRIBUTION, ROBOTS_RSL_PERMITTED_ATTRIBUTION},
        {"purchase", ROBOTS_RSL_PAYMENT_PURCHASE, ROBOTS_RSL_LICENSE_REQUIRED},
        {"subscription", ROBOTS_RSL_PAYMENT_SUBSCRIPTION, ROBOTS_RSL_LICENSE_REQUIRED},
        {"training", ROBOTS_RSL_PAYMENT_TRAINING, ROBOTS_RSL_LICENSE_REQUIRED},
        {"crawl", ROBOTS_RSL_PAYMENT_CRAWL, ROBOTS_RSL_LICENSE_REQUIRED},
        {"inference", ROBOTS_RSL_PAYMENT_INFERENCE, ROBOTS_RSL_LICENSE_REQUIRED},
        {"barter", ROBOTS_RSL_PAYMENT_OTHER, ROBOTS_RSL_LICENSE_REQUIRED},
    };
    for (size_t i = 0; i < CS_ARRAY_LEN(cases); i++) {
        char inner[256], xml[512];
        snprintf(inner, sizeof inner,
                 "<permits type=\"usage\">ai-train</permits><payment type=\"%s\"/>", cases[i].type);
        robots_rsl rsl;
        parse_ok(one_license(xml, sizeof xml, inner), &rsl);
        assert_int_equal(rsl.contents[0].licenses[0].payment, cases[i].payment);
        robots_rsl_free(&rsl);
        robots_rsl_terms terms;
        assert_int_equal(answer_for(xml, "https://h/a.jpg", &terms), cases[i].answer);
        assert_int_equal(terms.payment, cases[i].payment);
    }
    assert_string_equal(robots_rsl_payment_name(ROBOTS_RSL_PAYMENT_ATTRIBUTION), "attribution");
}

static void test_content_url_patterns_use_robots_wildcards_and_dollar(void **state)
{
    (void)state;
    size_t len;
    char *xml = fixture("patterns.xml", &len);
    robots_rsl rsl;
    assert_int_equal(robots_rsl_parse(xml, len, &rsl, NULL), CS_OK);
    free(xml);
    /* the longest matching pattern speaks */
    assert_string_equal(robots_rsl_match(&rsl, "https://h/page.html")->url, "/");
    assert_string_equal(robots_rsl_match(&rsl, "https://h/images/cat.png")->url, "/images/*.png$");
    /* '$' anchors: a query after .png is not the end, "/images/" (longer than "/") speaks */
    assert_string_equal(robots_rsl_match(&rsl, "https://h/images/cat.png?w=10")->url, "/images/");
    assert_string_equal(robots_rsl_match(&rsl, "https://h/images/cat.jpg")->url, "/images/");
    /* an absolute pattern names its host */
    assert_string_equal(robots_rsl_match(&rsl, "https://cdn.example/x.jpg")->url,
                        "https://cdn.example/*");
    assert_string_equal(robots_rsl_match(&rsl, "https://other.example/x.jpg")->url, "/");
    robots_rsl_terms terms;
    robots_rsl_training(&rsl, "https://h/images/cat.png", &terms);
    assert_int_equal(terms.answer, ROBOTS_RSL_PROHIBITED);
    robots_rsl_training(&rsl, "https://h/images/cat.jpg", &terms);
    assert_int_equal(terms.answer, ROBOTS_RSL_LICENSE_REQUIRED);
    assert_int_equal(terms.payment, ROBOTS_RSL_PAYMENT_CRAWL);
    robots_rsl_training(&rsl, "https://cdn.example/x.jpg", &terms);
    assert_int_equal(terms.payment, ROBOTS_RSL_PAYMENT_INFERENCE);
    robots_rsl_training(&rsl, "https://h/page.html", &terms);
    assert_int_equal(terms.answer, ROBOTS_RSL_PERMITTED_FREE);
    robots_rsl_free(&rsl);

    const char *images_only = "<rsl><content url='/images/'><license/></content></rsl>";
    assert_int_equal(answer_for(images_only, "https://h/other/a.jpg", NULL), ROBOTS_RSL_SILENT);
}

static void test_training_answer_rules(void **state)
{
    (void)state;
    char xml[1024];
    /* prohibits wins over any permission */
    one_license(xml, sizeof xml,
                "<permits type='usage'>all</permits><prohibits type='usage'>ai-all</prohibits>");
    assert_int_equal(answer_for(xml, "https://h/a", NULL), ROBOTS_RSL_PROHIBITED);
    /* permits that leave training out: not permitted */
    robots_rsl_terms terms;
    one_license(xml, sizeof xml, "<permits type='usage'>search ai-index</permits>");
    assert_int_equal(answer_for(xml, "https://h/a", &terms), ROBOTS_RSL_PROHIBITED);
    assert_string_equal(terms.summary, "permits only ai-index search");
    /* no permits element permits every usage; no payment element asks nothing */
    one_license(xml, sizeof xml, "");
    assert_int_equal(answer_for(xml, "https://h/a", NULL), ROBOTS_RSL_PERMITTED_FREE);
    /* a licence server makes even a free licence one to obtain */
    snprintf(xml, sizeof xml,
             "<rsl><content url='/' server='https://ls.example/'><license>"
             "<payment type='free'/></license></content></rsl>");
    assert_int_equal(answer_for(xml, "https://h/a", &terms), ROBOTS_RSL_LICENSE_REQUIRED);
    assert_non_null(strstr(terms.summary, "licence server https://ls.example/"));
    /* a free alternative beats a paid one */
    snprintf(xml, sizeof xml,
             "<rsl><content url='/'><license><payment type='purchase'/></license>"
             "<license><permits type='usage'>ai-train</permits><payment type='attribution'/>"
             "</license></content></rsl>");
    assert_int_equal(answer_for(xml, "https://h/a", &terms), ROBOTS_RSL_PERMITTED_ATTRIBUTION);
    assert_string_equal(terms.summary, "permits ai-train; payment attribution");
    /* elements of another namespace are not RSL's */
    snprintf(xml, sizeof xml,
             "<rsl xmlns:x='urn:other'><content url='/'><license>"
             "<x:prohibits type='usage'>all</x:prohibits></license></content></rsl>");
    assert_int_equal(answer_for(xml, "https://h/a", NULL), ROBOTS_RSL_PERMITTED_FREE);
    /* a missing xmlns, as in the wild */
    size_t len;
    char *bytes = fixture("no-namespace.xml", &len);
    robots_rsl rsl;
    assert_int_equal(robots_rsl_parse(bytes, len, &rsl, NULL), CS_OK);
    robots_rsl_training(&rsl, "https://h/x", &terms);
    assert_int_equal(terms.answer, ROBOTS_RSL_PROHIBITED);
    robots_rsl_free(&rsl);
    free(bytes);
}

/* ------------------------------------------------------------------ refusals */

static void test_malformed_oversized_and_hostile_documents_are_refused(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        int rc;
    } files[] = {{"malformed.xml", CS_EFORMAT},
                 {"entity-bomb.xml", CS_EFORMAT},
                 {"external-entity.xml", CS_EFORMAT}};
    for (size_t i = 0; i < CS_ARRAY_LEN(files); i++) {
        size_t len;
        char *bytes = fixture(files[i].name, &len);
        robots_rsl rsl;
        cs_error err;
        assert_int_equal(robots_rsl_parse(bytes, len, &rsl, &err), files[i].rc);
        assert_int_equal(rsl.content_count, 0);
        assert_null(rsl.contents);
        assert_non_null(strstr(err.message, "rsl: "));
        free(bytes);
    }
    robots_rsl rsl;
    cs_error err;
    assert_int_equal(robots_rsl_parse("", 0, &rsl, &err), CS_EFORMAT);
    assert_int_equal(robots_rsl_parse("<html><body/></html>", 20, &rsl, &err), CS_EFORMAT);
    assert_non_null(strstr(err.message, "not <rsl>"));
    /* over the limit: refused before libxml2 sees it */
    size_t big = ROBOTS_RSL_MAX_BYTES + 1;
    char *huge = malloc(big);
    assert_non_null(huge);
    memset(huge, ' ', big);
    memcpy(huge, "<rsl>", 5);
    memcpy(huge + big - 6, "</rsl>", 6);
    assert_int_equal(robots_rsl_parse(huge, big, &rsl, &err), CS_ELIMIT);
    free(huge);
    /* too many content entries */
    cs_buf buf;
    cs_buf_init(&buf, 0);
    assert_int_equal(cs_buf_append_str(&buf, "<rsl>"), CS_OK);
    for (int i = 0; i < 1100; i++)
        assert_int_equal(cs_buf_append_str(&buf, "<content url='/'/>"), CS_OK);
    assert_int_equal(cs_buf_append_str(&buf, "</rsl>"), CS_OK);
    assert_int_equal(robots_rsl_parse((const char *)buf.data, buf.len, &rsl, &err), CS_ELIMIT);
    assert_null(rsl.contents);
    cs_buf_free(&buf);
}

/* ------------------------------------------------------------------ signals */

static void test_signal_kinds_effects_and_source(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        const char *url;
        robots_signal_kind kind;
        robots_effect effect;
        const char *value;
        const char *word;
    } cases[] = {
        {"prohibit-ai-train.xml", "https://h/a.jpg", ROBOTS_SIGNAL_RSL, ROBOTS_EFFECT_OPT_OUT,
         "prohibits ai-train", "rsl"},
        {"payment-purchase.xml", "https://h/images/a.jpg", ROBOTS_SIGNAL_RSL_LICENSE_REQUIRED,
         ROBOTS_EFFECT_OPT_OUT, "permits ai-train; payment purchase", "rsl-licence-required"},
        {"free-attribution.xml", "https://h/a.jpg", ROBOTS_SIGNAL_RSL, ROBOTS_EFFECT_PERMIT,
         "permits ai-train; payment attribution", "rsl"},
    };
    for (size_t i = 0; i < CS_ARRAY_LEN(cases); i++) {
        robots_rsl rsl;
        parse_fixture(cases[i].file, &rsl);
        robots_signal_list list;
        robots_signal_list_init(&list);
        assert_int_equal(robots_signals_from_rsl(&list, &rsl, cases[i].url, "https://h/license.xml",
                                                 "robots.txt License", NULL),
                         CS_OK);
        assert_int_equal(list.count, 1);
        const robots_signal *s = &list.items[0];
        assert_int_equal(s->kind, cases[i].kind);
        assert_int_equal(s->effect, cases[i].effect);
        assert_int_equal(s->source, ROBOTS_SOURCE_RSL);
        assert_string_equal(s->value, cases[i].value);
        assert_string_equal(s->where, "https://h/license.xml");
        assert_non_null(strstr(s->detail, "found via robots.txt License"));
        assert_string_equal(robots_signal_catalog_kind(s), cases[i].word);
        robots_signal_kind kind;
        robots_signal_source source;
        assert_int_equal(robots_signal_from_catalog_kind(cases[i].word, &kind, &source), CS_OK);
        assert_int_equal(kind, cases[i].kind);
        assert_int_equal(source, ROBOTS_SOURCE_RSL);
        robots_decision d;
        assert_int_equal(robots_decide(&list, ROBOTS_OWN_AGENT, NULL, &d, NULL), CS_OK);
        assert_int_equal(d.opted_out, cases[i].effect == ROBOTS_EFFECT_OPT_OUT);
        robots_decision_free(&d);
        robots_signal_list_free(&list);
        robots_rsl_free(&rsl);
    }
    /* no entry for the URL: no signal */
    robots_rsl rsl;
    parse_fixture("payment-purchase.xml", &rsl);
    robots_signal_list list;
    robots_signal_list_init(&list);
    assert_int_equal(robots_signals_from_rsl(&list, &rsl, "https://h/about", NULL, NULL, NULL),
                     CS_OK);
    assert_int_equal(list.count, 0);
    robots_signal_list_free(&list);
    robots_rsl_free(&rsl);
}

static void test_licence_demand_can_be_switched_off_like_payment_required(void **state)
{
    (void)state;
    robots_rsl rsl;
    parse_fixture("payment-purchase.xml", &rsl);
    robots_signal_list list;
    robots_signal_list_init(&list);
    assert_int_equal(
        robots_signals_from_rsl(&list, &rsl, "https://h/images/a.jpg", NULL, NULL, NULL), CS_OK);
    robots_policy policy;
    robots_policy_default(&policy);
    policy.payment_required = 0;
    robots_decision d;
    assert_int_equal(robots_decide(&list, ROBOTS_OWN_AGENT, &policy, &d, NULL), CS_OK);
    assert_false(d.opted_out);
    assert_int_equal(d.verdicts[0], ROBOTS_VERDICT_POLICY_OFF);
    robots_decision_free(&d);
    robots_signal_list_free(&list);
    robots_rsl_free(&rsl);
}

/* ------------------------------------------------------------------ discovery */

static void test_robots_txt_license_lines_are_global_absolute_and_repeat(void **state)
{
    (void)state;
    const char *txt = "License: https://h/license.xml\n"
                      "User-agent: *\n"
                      "Disallow: /private\n"
                      "License: https://licensing.example/rsl/h.xml\n" /* inside a group */
                      "License: /relative/license.xml\n"               /* ignored */
                      "License: license.xml\n"                         /* ignored */
                      "User-agent: FooBot\n"
                      "Disallow: /\n"
                      "LICENSE: HTTPS://H/second.xml#frag\n"
                      "License: ftp://h/license.xml\n"; /* not http(s) */
    robots_rules *rules = NULL;
    assert_int_equal(robots_parse(txt, strlen(txt), &rules, NULL), CS_OK);
    assert_int_equal(robots_license_count(rules), 3);
    assert_string_equal(robots_license(rules, 0), "https://h/license.xml");
    assert_string_equal(robots_license(rules, 1), "https://licensing.example/rsl/h.xml");
    assert_string_equal(robots_license(rules, 2), "https://h/second.xml");
    assert_null(robots_license(rules, 3));
    /* a License line ends no group: FooBot's group still has its rule */
    assert_false(robots_allowed(rules, "FooBot", "https://h/x"));
    assert_false(robots_allowed(rules, ROBOTS_OWN_AGENT, "https://h/private/x"));
    robots_free(rules);
}

static void test_link_header_names_rsl_documents(void **state)
{
    (void)state;
    char out[CRAWLER_MAX_RSL_LINKS][CS_URL_SIZE];
    const char *v = "<https://h/style.css>; rel=preload; as=style, "
                    "</license.xml>; rel=\"license\"; type=\"application/rsl+xml\", "
                    "<https://creativecommons.org/licenses/by/4.0/>; rel=license, "
                    "<https://l.example/a,b.xml>; type=\"Application/RSL+XML; v=1\"; "
                    "rel=\"alternate license\"";
    size_t n = crawler_link_rsl("https://h/page/", v, strlen(v), out, CRAWLER_MAX_RSL_LINKS);
    assert_int_equal(n, 2);
    assert_string_equal(out[0], "https://h/license.xml");
    assert_string_equal(out[1], "https://l.example/a,b.xml");
    /* broken link-values are skipped, the rest still read */
    const char *broken = "<https://h/a.xml; rel=license, garbage; rel=license; "
                         "type=application/rsl+xml, <https://h/b.xml>; rel=license; "
                         "type=\"application/rsl+xml";
    assert_int_equal(crawler_link_rsl("https://h/", broken, strlen(broken), out, 8), 0);
    const char *tail = "x, <https://h/c.xml>;rel=license;type=application/rsl+xml";
    assert_int_equal(crawler_link_rsl("https://h/", tail, strlen(tail), out, 8), 1);
    assert_string_equal(out[0], "https://h/c.xml");
    /* never more than asked for */
    const char *two = "</a.xml>; rel=license; type=application/rsl+xml, "
                      "</b.xml>; rel=license; type=application/rsl+xml";
    assert_int_equal(crawler_link_rsl("https://h/", two, strlen(two), out, 1), 1);
    assert_int_equal(crawler_link_rsl("https://h/", "", 0, out, 8), 0);
}

static void test_html_rsl_link_and_inline_script_are_not_licence_links(void **state)
{
    (void)state;
    const char *html =
        "<html><head>"
        "<link rel=\"license\" type=\"application/rsl+xml\" href=\"/license.xml\">"
        "<link rel=\"license\" href=\"https://creativecommons.org/licenses/by/4.0/\">"
        "<script type=\"application/rsl+xml\"><rsl xmlns=\"https://rslstandard.org/rsl\">"
        "<content url=\"/\"><license><prohibits type=\"usage\">ai-train</prohibits>"
        "</license></content></rsl></script>"
        "</head><body><img src=\"a.jpg\"></body></html>";
    crawler_html_page page;
    assert_int_equal(crawler_html_extract("https://h/p/index.html", (const unsigned char *)html,
                                          strlen(html), &page, NULL),
                     CS_OK);
    assert_int_equal(page.rsl_count, 2);
    assert_string_equal(page.rsl[0].url, "https://h/license.xml");
    assert_null(page.rsl[0].text);
    assert_null(page.rsl[1].url);
    robots_rsl rsl;
    assert_int_equal(robots_rsl_parse(page.rsl[1].text, page.rsl[1].len, &rsl, NULL), CS_OK);
    robots_rsl_terms terms;
    robots_rsl_training(&rsl, "https://h/p/a.jpg", &terms);
    assert_int_equal(terms.answer, ROBOTS_RSL_PROHIBITED);
    robots_rsl_free(&rsl);
    /* only the CC link is a licence link: the RSL URL never reaches the CC/SPDX mapping */
    assert_int_equal(page.license_count, 1);
    assert_string_equal(page.licenses[0].href, "https://creativecommons.org/licenses/by/4.0/");
    crawler_html_page_free(&page);
}

/* ------------------------------------------------------------------ clearance */

static void test_free_terms_are_a_licence_every_preset_accepts(void **state)
{
    (void)state;
    license_info l;
    license_from_rsl(1, &l);
    assert_string_equal(l.spdx, "LicenseRef-RSL-attribution");
    assert_string_equal(l.family, "RSL");
    assert_true(l.attribution);
    assert_string_equal(l.url, "");
    license_info back;
    assert_int_equal(license_from_spdx("LicenseRef-RSL-free", &back), CS_OK);
    assert_false(back.attribution);
    assert_int_equal(license_from_spdx(l.spdx, &back), CS_OK);
    assert_true(back.attribution);
    static const char *const presets[] = {"strict", "open", "research"};
    for (size_t i = 0; i < CS_ARRAY_LEN(presets); i++) {
        license_policy *p = NULL;
        assert_int_equal(license_policy_builtin(presets[i], &p, NULL), CS_OK);
        assert_true(license_policy_accepts(p, &l));
        license_policy_free(p);
    }
    /* an RSL document's URL is no licence URL */
    license_info none;
    assert_int_equal(license_normalize_url("https://h/license.xml", 21, &none), CS_ENOTFOUND);
}

static void test_licence_demand_is_reason_licence_required(void **state)
{
    (void)state;
    license_policy *policy = NULL;
    assert_int_equal(license_policy_builtin("strict", &policy, NULL), CS_OK);
    license_optout demand = {.signal_id = 7,
                             .license_required = 1,
                             .kind = "rsl-licence-required",
                             .raw_value = "permits ai-train; payment purchase",
                             .found_at = "https://h/license.xml"};
    const char *urls[] = {"https://h/a.jpg"};
    license_clearance_input in = {
        .image_urls = urls, .image_url_count = 1, .optouts = &demand, .optout_count = 1};
    license_verdict v;
    assert_int_equal(license_clear(policy, &in, &v, NULL), CS_OK);
    assert_int_equal(v.kind, LICENSE_VERDICT_BLOCKED);
    json_t *reason = json_array_get(v.reasons, 0);
    assert_string_equal(json_string_value(json_object_get(reason, "rule")), "licence-required");
    assert_non_null(
        strstr(json_string_value(json_object_get(reason, "detail")), "https://h/license.xml"));
    license_verdict_free(&v);
    license_policy_free(policy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_content_url_server_and_licence_fields_are_read),
        cmocka_unit_test(test_usage_tokens_each_and_the_train_ai_spelling),
        cmocka_unit_test(test_each_payment_type_is_read),
        cmocka_unit_test(test_content_url_patterns_use_robots_wildcards_and_dollar),
        cmocka_unit_test(test_training_answer_rules),
        cmocka_unit_test(test_malformed_oversized_and_hostile_documents_are_refused),
        cmocka_unit_test(test_signal_kinds_effects_and_source),
        cmocka_unit_test(test_licence_demand_can_be_switched_off_like_payment_required),
        cmocka_unit_test(test_robots_txt_license_lines_are_global_absolute_and_repeat),
        cmocka_unit_test(test_link_header_names_rsl_documents),
        cmocka_unit_test(test_html_rsl_link_and_inline_script_are_not_licence_links),
        cmocka_unit_test(test_free_terms_are_a_licence_every_preset_accepts),
        cmocka_unit_test(test_licence_demand_is_reason_licence_required),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
