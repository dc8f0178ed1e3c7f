/*
 * test_access_log.c - robots/access_log.c: access-log lines as nginx and
 * Apache write them (the examples of Apache's mod_log_config documentation,
 * nginx's escaping of quotes as \x22, Apache's as \"), hostile lines, the
 * timestamp arithmetic, and which AI crawler a User-Agent names.
 */
#include "tests/support/testsupport.h"

#include "robots/robots.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse(const char *line, robots_log_entry *e, cs_error *err)
{
    return robots_log_parse(NULL, line, strlen(line), e, err);
}

static int field_is(const char *field, size_t len, const char *want)
{
    return field != NULL && len == strlen(want) && memcmp(field, want, len) == 0;
}

/* 2000-10-10T20:55:36Z, the instant of Apache's documentation example. */
#define APACHE_EXAMPLE_TIME 971211336

static void test_common_format_line_from_apache_docs(void **state)
{
    (void)state;
    robots_log_entry e;
    cs_error err;
    assert_int_equal(
        parse("127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif HTTP/1.0\" "
              "200 2326",
              &e, &err),
        CS_OK);
    assert_true(field_is(e.client, e.client_len, "127.0.0.1"));
    assert_true(field_is(e.user, e.user_len, "frank"));
    assert_int_equal(e.time, APACHE_EXAMPLE_TIME);
    assert_true(field_is(e.method, e.method_len, "GET"));
    assert_true(field_is(e.target, e.target_len, "/apache_pb.gif"));
    assert_true(field_is(e.protocol, e.protocol_len, "HTTP/1.0"));
    assert_int_equal(e.status, 200);
    assert_int_equal(e.bytes, 2326);
    assert_int_equal(e.combined, 0);
    assert_null(e.user_agent);
}

static void test_combined_format_line_from_apache_docs(void **state)
{
    (void)state;
    robots_log_entry e;
    cs_error err;
    assert_int_equal(
        parse(
            "127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif HTTP/1.0\" "
            "200 2326 \"http://www.example.com/start.html\" \"Mozilla/4.08 [en] (Win98; I ;Nav)\"",
            &e, &err),
        CS_OK);
    assert_int_equal(e.combined, 1);
    assert_true(field_is(e.referer, e.referer_len, "http://www.example.com/start.html"));
    assert_true(field_is(e.user_agent, e.user_agent_len, "Mozilla/4.08 [en] (Win98; I ;Nav)"));
}

static void test_escaped_quotes_stay_inside_the_field(void **state)
{
    (void)state;
    robots_log_entry e;
    cs_error err;
    /* Apache: \" and \\ ; the quote after an escaped backslash closes the field */
    assert_int_equal(parse("192.0.2.1 - - [01/Jan/2026:00:00:00 +0000] \"GET /a?q=\\\"x\\\" "
                           "HTTP/1.1\" 200 5 \"-\" \"Bot \\\"quoted\\\" \\\\\"",
                           &e, &err),
                     CS_OK);
    assert_true(field_is(e.target, e.target_len, "/a?q=\\\"x\\\""));
    assert_true(field_is(e.user_agent, e.user_agent_len, "Bot \\\"quoted\\\" \\\\"));
    /* nginx: \x22 */
    assert_int_equal(parse("192.0.2.1 - - [01/Jan/2026:00:00:00 +0000] \"GET / HTTP/1.1\" 200 5 "
                           "\"-\" \"Mozilla/5.0 \\x22GPTBot\\x22/1.0\"",
                           &e, &err),
                     CS_OK);
    assert_true(field_is(e.user_agent, e.user_agent_len, "Mozilla/5.0 \\x22GPTBot\\x22/1.0"));
    /* an unescaped quote not followed by a space does not end the field */
    assert_int_equal(parse("192.0.2.1 - - [01/Jan/2026:00:00:00 +0000] \"GET /a\"b HTTP/1.1\" 200 "
                           "5 \"-\" \"UA\"",
                           &e, &err),
                     CS_OK);
    assert_true(field_is(e.target, e.target_len, "/a\"b"));
}

static void test_ipv6_client_and_extra_fields_after_the_user_agent(void **state)
{
    (void)state;
    robots_log_entry e;
    cs_error err;
    assert_int_equal(parse("2001:db8::42 - - [04/Dec/2026:21:30:06 +0100] \"HEAD /robots.txt "
                           "HTTP/2.0\" 404 0 \"-\" \"CCBot/2.0 (https://commoncrawl.org/faq/)\" "
                           "\"203.0.113.9\" 0.004",
                           &e, &err),
                     CS_OK);
    assert_true(field_is(e.client, e.client_len, "2001:db8::42"));
    assert_true(field_is(e.method, e.method_len, "HEAD"));
    assert_int_equal(e.status, 404);
    assert_int_equal(e.time, 1796416206); /* 2026-12-04T20:30:06Z */
    assert_true(
        field_is(e.user_agent, e.user_agent_len, "CCBot/2.0 (https://commoncrawl.org/faq/)"));
}

static void test_missing_fields_written_as_dash(void **state)
{
    (void)state;
    robots_log_entry e;
    cs_error err;
    assert_int_equal(
        parse("10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"-\" - - \"-\" \"-\"", &e, &err), CS_OK);
    assert_int_equal(e.status, 0);
    assert_int_equal(e.bytes, 0);
    assert_null(e.method);
    assert_null(e.target);
    assert_int_equal(e.combined, 1);
    assert_true(field_is(e.user_agent, e.user_agent_len, "-"));
    /* a TLS handshake sent to a plain-HTTP port, as nginx logs it: no request line */
    assert_int_equal(parse("10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "
                           "\"\\x16\\x03\\x01\\x02\\x00\\x01\\x00\" 400 157 \"-\" \"-\"",
                           &e, &err),
                     CS_OK);
    assert_null(e.target);
    assert_int_equal(e.status, 400);
    /* HTTP/0.9: no protocol */
    assert_int_equal(
        parse("10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET /old\" 200 9", &e, &err), CS_OK);
    assert_true(field_is(e.target, e.target_len, "/old"));
    assert_null(e.protocol);
}

static void expect_bad(const char *line, const char *words)
{
    robots_log_entry e;
    cs_error err;
    cs_error_clear(&err);
    int rc = robots_log_parse(NULL, line, strlen(line), &e, &err);
    if (rc != CS_EFORMAT || strstr(err.message, words) == NULL)
        fail_msg("'%s': got %d '%s', want CS_EFORMAT with '%s'", line, rc, err.message, words);
}

static void test_bad_dates_are_refused(void **state)
{
    (void)state;
    const char *prefix = "1.2.3.4 - - ";
    const char *suffix = " \"GET / HTTP/1.1\" 200 1";
    const char *dates[] = {
        "[31/Apr/2026:00:00:00 +0000]", "[29/Feb/2023:00:00:00 +0000]",
        "[29/Feb/1900:00:00:00 +0000]", "[10/Foo/2026:00:00:00 +0000]",
        "[10/oct/2026:00:00:00 +0000]", "[10/Oct/2026:24:00:00 +0000]",
        "[10/Oct/2026:23:60:00 +0000]", "[10/Oct/2026:23:00:61 +0000]",
        "[10/Oct/2026:23:00:00 +9900]", "[10/Oct/2026:23:00:00 0000]",
        "[1/Oct/2026:23:00:00 +0000]",  "[10/Oct/2026 23:00:00 +0000]",
        "[00/Oct/2026:23:00:00 +0000]", "[10/Oct/2026:23:00:00 +0000",
    };
    for (size_t i = 0; i < CS_ARRAY_LEN(dates); i++) {
        char line[256];
        snprintf(line, sizeof line, "%s%s%s", prefix, dates[i], suffix);
        expect_bad(line, "column");
    }
    int64_t t;
    assert_int_equal(robots_log_parse_time("[29/Feb/2024:12:00:00 +0000]", 28, &t), CS_OK);
    assert_int_equal(t, 1709208000);
    assert_int_equal(robots_log_parse_time("[29/Feb/2000:00:00:00 +1400]", 28, &t), CS_OK);
    assert_int_equal(t, 951782400 - 14 * 3600);
    assert_int_equal(robots_log_parse_time("[01/Jan/1970:00:00:00 -0000]", 28, &t), CS_OK);
    assert_int_equal(t, 0);
    assert_int_equal(robots_log_parse_time("[31/Dec/1969:23:59:59 +0000]", 28, &t), CS_OK);
    assert_int_equal(t, -1);
}

static void test_junk_lines_are_refused_with_the_column(void **state)
{
    (void)state;
    expect_bad("", "empty");
    expect_bad("just some words here", "no [timestamp]");
    expect_bad("1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 2000 1", "status");
    expect_bad("1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 12x", "byte");
    expect_bad("1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1 200 1", "request");
    expect_bad("1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 1 \"-\"",
               "user agent");
    expect_bad("1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 1 \"-\" \"UA",
               "user agent");
    expect_bad("1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 "
               "99999999999999999999999",
               "too large");
    /* control bytes, NUL and invalid UTF-8 make a line junk wherever they are */
    static const char nul[] = "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET /\0 HTTP/1.1\" 200 1";
    robots_log_entry e;
    cs_error err;
    assert_int_equal(robots_log_parse(NULL, nul, sizeof nul - 1, &e, &err), CS_EFORMAT);
    assert_non_null(strstr(err.message, "column 48: NUL byte"));
    expect_bad("1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET /\x1b[31m HTTP/1.1\" 200 1",
               "control byte");
    expect_bad("1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET /\xff HTTP/1.1\" 200 1",
               "invalid UTF-8");
    expect_bad("1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET /\xc3 HTTP/1.1\" 200 1",
               "invalid UTF-8");
    expect_bad("1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET /\xed\xa0\x80 HTTP/1.1\" 200 1",
               "invalid UTF-8");
    /* valid UTF-8 is a valid line; a final CR is dropped */
    const char *ok =
        "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET /caf\xc3\xa9 HTTP/1.1\" 200 1\r";
    assert_int_equal(parse(ok, &e, &err), CS_OK);
    assert_true(field_is(e.target, e.target_len, "/caf\xc3\xa9"));
}

static void test_huge_lines_are_refused_without_reading_them(void **state)
{
    (void)state;
    size_t n = ROBOTS_LOG_MAX_LINE + 1;
    char *line = malloc(n);
    assert_non_null(line);
    memset(line, 'a', n);
    robots_log_entry e;
    cs_error err;
    assert_int_equal(robots_log_parse(NULL, line, n, &e, &err), CS_ELIMIT);
    /* the longest line read: a User-Agent that fills it */
    static const char head[] = "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 1 "
                               "\"-\" \"";
    n = ROBOTS_LOG_MAX_LINE;
    memcpy(line, head, sizeof head - 1);
    line[n - 1] = '"';
    assert_int_equal(robots_log_parse(NULL, line, n, &e, &err), CS_OK);
    assert_int_equal(e.user_agent_len, n - sizeof head);
    free(line);
}

static void test_parser_remembers_the_last_timestamp_only_when_equal(void **state)
{
    (void)state;
    robots_log_parser parser = {0};
    robots_log_entry e;
    const char *a = "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 1";
    const char *b = "1.2.3.4 - - [10/Oct/2000:13:55:37 -0700] \"GET / HTTP/1.1\" 200 1";
    const char *bad = "1.2.3.4 - - [31/Oct/2000:13:55:3x -0700] \"GET / HTTP/1.1\" 200 1";
    assert_int_equal(robots_log_parse(&parser, a, strlen(a), &e, NULL), CS_OK);
    assert_int_equal(e.time, APACHE_EXAMPLE_TIME);
    assert_int_equal(robots_log_parse(&parser, a, strlen(a), &e, NULL), CS_OK);
    assert_int_equal(e.time, APACHE_EXAMPLE_TIME);
    assert_int_equal(robots_log_parse(&parser, b, strlen(b), &e, NULL), CS_OK);
    assert_int_equal(e.time, APACHE_EXAMPLE_TIME + 1);
    assert_int_equal(robots_log_parse(&parser, bad, strlen(bad), &e, NULL), CS_EFORMAT);
    assert_int_equal(robots_log_parse(&parser, b, strlen(b), &e, NULL), CS_OK);
    assert_int_equal(e.time, APACHE_EXAMPLE_TIME + 1);
}

static const char *crawler_in(const char *ua)
{
    int i = robots_ai_crawler_in_user_agent(ua, strlen(ua));
    return i < 0 ? NULL : robots_ai_crawler((size_t)i);
}

static void test_user_agents_name_crawlers_as_whole_words(void **state)
{
    (void)state;
    assert_string_equal(crawler_in("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; "
                                   "compatible; GPTBot/1.2; +https://openai.com/gptbot)"),
                        "GPTBot");
    assert_string_equal(crawler_in("gptbot"), "GPTBot"); /* case-insensitive */
    assert_string_equal(crawler_in("CCBot/2.0 (https://commoncrawl.org/faq/)"), "CCBot");
    assert_string_equal(crawler_in("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); "
                                   "compatible; ChatGPT-User/1.0; +https://openai.com/bot"),
                        "ChatGPT-User");
    assert_string_equal(crawler_in("Mozilla/5.0 (compatible; GoogleOther-Image/1.0)"),
                        "GoogleOther-Image"); /* the longer token wins */
    assert_string_equal(crawler_in("omgilibot/0.3 +http://omgili.com"), "omgilibot");
    assert_string_equal(crawler_in("img2dataset"), "img2dataset");
    assert_null(crawler_in("XGPTBot/1.0"));
    assert_null(crawler_in("GPTBotanist"));
    assert_null(crawler_in("FacebookBotany/1.0")); /* FacebookBot, but not as a word */
    assert_string_equal(crawler_in("facebookexternalhit/1.1"), "facebookexternalhit");
    assert_null(
        crawler_in("Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"));
    assert_null(crawler_in(""));
    assert_int_equal(robots_ai_crawler_in_user_agent(NULL, 0), -1);
}

static void test_user_agents_are_read_with_the_list_given(void **state)
{
    (void)state;
    static const char text[] = "ExampleBot | Example | training\nGPTBot | OpenAI | training\n";
    robots_ai_crawlers *list = NULL;
    assert_int_equal(robots_ai_crawlers_parse(text, sizeof text - 1, &list, NULL), CS_OK);
    const char *ua = "Mozilla/5.0 (compatible; ExampleBot/3.1)";
    assert_int_equal(robots_ai_crawlers_in_user_agent(list, ua, strlen(ua)), 0);
    assert_int_equal(robots_ai_crawler_in_user_agent(ua, strlen(ua)), -1); /* not built in */
    ua = "CCBot/2.0";
    assert_int_equal(robots_ai_crawlers_in_user_agent(list, ua, strlen(ua)), -1);
    assert_true(robots_ai_crawler_in_user_agent(ua, strlen(ua)) >= 0);
    robots_ai_crawlers_free(list);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_common_format_line_from_apache_docs),
        cmocka_unit_test(test_combined_format_line_from_apache_docs),
        cmocka_unit_test(test_escaped_quotes_stay_inside_the_field),
        cmocka_unit_test(test_ipv6_client_and_extra_fields_after_the_user_agent),
        cmocka_unit_test(test_missing_fields_written_as_dash),
        cmocka_unit_test(test_bad_dates_are_refused),
        cmocka_unit_test(test_junk_lines_are_refused_with_the_column),
        cmocka_unit_test(test_huge_lines_are_refused_without_reading_them),
        cmocka_unit_test(test_parser_remembers_the_last_timestamp_only_when_equal),
        cmocka_unit_test(test_user_agents_name_crawlers_as_whole_words),
        cmocka_unit_test(test_user_agents_are_read_with_the_list_given),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
