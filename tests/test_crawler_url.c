/*
 * test_crawler_url.c - URL splitting, normalisation and resolution
 * (common/url.c, the crawler's and license/'s one URL parser).
 *
 * The resolution cases are RFC 3986 section 5.4's normal and abnormal examples
 * (base "http://a/b/c/d;p?q"), with the fragment dropped because the crawler
 * never keeps fragments. The normalisation cases are section 6.2's.
 */
#include "tests/support/testsupport.h"

#include "common/url.h"

#include <stdlib.h>
#include <string.h>

static void expect_norm(const char *in, const char *want)
{
    char out[CS_URL_SIZE];
    cs_error err;
    int rc = cs_url_normalize(in, strlen(in), out, &err);
    if (rc != CS_OK) fail_msg("normalize(%s) failed: %s", in, err.message);
    if (strcmp(out, want) != 0) fail_msg("normalize(%s) = %s, want %s", in, out, want);
}

static void expect_norm_error(const char *in, int code)
{
    char out[CS_URL_SIZE];
    int rc = cs_url_normalize(in, strlen(in), out, NULL);
    if (rc != code) fail_msg("normalize(%s) = %d, want %d", in, rc, code);
}

static void expect_resolve(const char *base, const char *ref, const char *want)
{
    char out[CS_URL_SIZE];
    cs_error err;
    int rc = cs_url_resolve(base, ref, strlen(ref), out, &err);
    if (rc != CS_OK) fail_msg("resolve(%s, %s) failed: %s", base, ref, err.message);
    if (strcmp(out, want) != 0) fail_msg("resolve(%s, %s) = %s, want %s", base, ref, out, want);
}

static void rfc3986_examples_resolve(void **state)
{
    const char *b = "http://a/b/c/d;p?q";
    expect_resolve(b, "g", "http://a/b/c/g");
    expect_resolve(b, "./g", "http://a/b/c/g");
    expect_resolve(b, "g/", "http://a/b/c/g/");
    expect_resolve(b, "/g", "http://a/g");
    expect_resolve(b, "//g", "http://g/");
    expect_resolve(b, "?y", "http://a/b/c/d;p?y");
    expect_resolve(b, "g?y", "http://a/b/c/g?y");
    expect_resolve(b, "#s", "http://a/b/c/d;p?q");
    expect_resolve(b, "g#s", "http://a/b/c/g");
    expect_resolve(b, "g?y#s", "http://a/b/c/g?y");
    expect_resolve(b, ";x", "http://a/b/c/;x");
    expect_resolve(b, "g;x", "http://a/b/c/g;x");
    expect_resolve(b, "g;x?y#s", "http://a/b/c/g;x?y");
    expect_resolve(b, "", "http://a/b/c/d;p?q");
    expect_resolve(b, ".", "http://a/b/c/");
    expect_resolve(b, "./", "http://a/b/c/");
    expect_resolve(b, "..", "http://a/b/");
    expect_resolve(b, "../", "http://a/b/");
    expect_resolve(b, "../g", "http://a/b/g");
    expect_resolve(b, "../..", "http://a/");
    expect_resolve(b, "../../", "http://a/");
    expect_resolve(b, "../../g", "http://a/g");
    /* abnormal examples (5.4.2) */
    expect_resolve(b, "../../../g", "http://a/g");
    expect_resolve(b, "../../../../g", "http://a/g");
    expect_resolve(b, "/./g", "http://a/g");
    expect_resolve(b, "/../g", "http://a/g");
    expect_resolve(b, "g.", "http://a/b/c/g.");
    expect_resolve(b, ".g", "http://a/b/c/.g");
    expect_resolve(b, "g..", "http://a/b/c/g..");
    expect_resolve(b, "..g", "http://a/b/c/..g");
    expect_resolve(b, "./../g", "http://a/b/g");
    expect_resolve(b, "./g/.", "http://a/b/c/g/");
    expect_resolve(b, "g/./h", "http://a/b/c/g/h");
    expect_resolve(b, "g/../h", "http://a/b/c/h");
    expect_resolve(b, "g;x=1/./y", "http://a/b/c/g;x=1/y");
    expect_resolve(b, "g;x=1/../y", "http://a/b/c/y");
    expect_resolve(b, "g?y/./x", "http://a/b/c/g?y/./x");
    expect_resolve(b, "g?y/../x", "http://a/b/c/g?y/../x");
}

static void non_http_references_are_unsupported(void **state)
{
    char out[CS_URL_SIZE];
    const char *refs[] = {"mailto:a@b.c", "javascript:alert(1)", "data:image/png;base64,AA",
                          "ftp://a/b",    "file:///etc/passwd",  "g:h"};
    for (size_t i = 0; i < CS_ARRAY_LEN(refs); i++)
        assert_int_equal(cs_url_resolve("http://a/b", refs[i], strlen(refs[i]), out, NULL),
                         CS_EUNSUPPORTED);
}

static void scheme_host_case_and_default_port(void **state)
{
    expect_norm("HTTP://www.Example.COM/", "http://www.example.com/");
    expect_norm("http://example.com:80/a", "http://example.com/a");
    expect_norm("https://example.com:443/a", "https://example.com/a");
    expect_norm("https://example.com:80/a", "https://example.com:80/a");
    expect_norm("http://example.com:8080", "http://example.com:8080/");
    expect_norm("http://example.com:/x", "http://example.com/x");
    expect_norm("http://example.com./x", "http://example.com/x");
    expect_norm("http://[::1]:8080/x", "http://[::1]:8080/x");
    expect_norm("http://127.0.0.1:8000/Path/To", "http://127.0.0.1:8000/Path/To");
}

static void percent_encoding_is_normalised(void **state)
{
    expect_norm("http://example.com/%7Efoo", "http://example.com/~foo");
    expect_norm("http://example.com/a%2fb", "http://example.com/a%2Fb");
    expect_norm("http://example.com/%41%42c", "http://example.com/ABc");
    expect_norm("http://example.com/a b", "http://example.com/a%20b");
    expect_norm("http://example.com/caf\xc3\xa9", "http://example.com/caf%C3%A9");
    expect_norm("http://example.com/100%", "http://example.com/100%25");
    expect_norm("http://example.com/%zz", "http://example.com/%25zz");
    expect_norm("http://example.com/a<b>\"", "http://example.com/a%3Cb%3E%22");
    expect_norm("http://example.com/?q=a%20b&r=%e2%82%ac",
                "http://example.com/?q=a%20b&r=%E2%82%AC");
}

static void nul_bytes_are_escaped_not_truncating(void **state)
{
    /* found by fuzz_crawler_url: a NUL counted as a literal URL character */
    char out[CS_URL_SIZE];
    assert_int_equal(cs_url_resolve("http://h/a/b", "x\0y/.\0z", 7, out, NULL), CS_OK);
    assert_string_equal(out, "http://h/a/x%00y/.%00z");
    assert_int_equal(cs_url_normalize("http://h/\0a", 11, out, NULL), CS_OK);
    assert_string_equal(out, "http://h/%00a");
}

static void dot_segments_and_fragments(void **state)
{
    expect_norm("http://example.com/a/./b/../c", "http://example.com/a/c");
    expect_norm("http://example.com/a/%2E%2E/c", "http://example.com/c");
    expect_norm("http://example.com/../../x", "http://example.com/x");
    expect_norm("http://example.com/a#frag", "http://example.com/a");
    expect_norm("http://example.com", "http://example.com/");
    expect_norm("http://example.com?", "http://example.com/");
    expect_norm("http://example.com/a?b#c?d", "http://example.com/a?b");
}

static void session_ids_are_stripped(void **state)
{
    expect_norm("http://example.com/a;jsessionid=ABC123?x=1", "http://example.com/a?x=1");
    expect_norm("http://example.com/a?PHPSESSID=abc&x=1", "http://example.com/a?x=1");
    expect_norm("http://example.com/a?x=1&sid=99&y=2", "http://example.com/a?x=1&y=2");
    expect_norm("http://example.com/a?sid=99", "http://example.com/a");
    expect_norm("http://example.com/a?ASPSESSIONIDQQGGQGPQ=x&p=2", "http://example.com/a?p=2");
    expect_norm("http://example.com/a?side=1", "http://example.com/a?side=1");
    expect_norm("http://example.com/a;v=2/b", "http://example.com/a;v=2/b");
}

static void whitespace_and_backslashes_like_browsers(void **state)
{
    expect_resolve("http://a/b/c", "  /x\n/y\t ", "http://a/x/y");
    expect_resolve("http://a/b/c", "\\\\evil\\x", "http://evil/x");
    expect_resolve("https://a/b/c", "//cdn.example/i.jpg", "https://cdn.example/i.jpg");
}

static void malformed_urls_are_refused(void **state)
{
    expect_norm_error("", CS_EFORMAT);
    expect_norm_error("/relative", CS_EFORMAT);
    expect_norm_error("http:///nohost", CS_EFORMAT);
    expect_norm_error("http://exa mple.com/", CS_EFORMAT);
    expect_norm_error("http://example.com:99999/", CS_EFORMAT);
    expect_norm_error("http://example.com:8x/", CS_EFORMAT);
    expect_norm_error("http://user:pw@example.com/", CS_EDENIED);
    expect_norm_error("http://[::1/", CS_EFORMAT);
    /* found by fuzz_crawler_url: "h.." lost one dot per normalisation */
    expect_norm_error("http://..../x", CS_EFORMAT);
    expect_norm_error("http://a..b/", CS_EFORMAT);
    expect_norm_error("http://.a/", CS_EFORMAT);
    expect_norm_error("http://a../", CS_EFORMAT);
    expect_norm_error("gopher://example.com/", CS_EUNSUPPORTED);
}

static void length_limit_is_enforced(void **state)
{
    char url[CS_URL_MAX + 64];
    strcpy(url, "http://example.com/");
    size_t n = strlen(url);
    while (n < CS_URL_MAX)
        url[n++] = 'a';
    url[n] = '\0';
    expect_norm_error(url, CS_OK); /* exactly the limit: accepted */
    url[n++] = 'b';
    url[n] = '\0';
    expect_norm_error(url, CS_ELIMIT);
    /* escaping can push a short input over the limit */
    char spaces[1200];
    strcpy(spaces, "http://example.com/");
    n = strlen(spaces);
    while (n < sizeof spaces - 1)
        spaces[n++] = ' ';
    spaces[n - 1] = 'x';
    spaces[n] = '\0';
    expect_norm_error(spaces, CS_ELIMIT);
    /* hugely long input is refused without parsing */
    size_t big = 20 * CS_URL_MAX;
    char *huge = malloc(big + 1);
    memset(huge, 'a', big);
    memcpy(huge, "http://x/", 9);
    huge[big] = '\0';
    expect_norm_error(huge, CS_ELIMIT);
    free(huge);
}

static void normalisation_is_idempotent(void **state)
{
    const char *inputs[] = {"HTTP://A.b:80/./x/../y%7e?sid=1&q=%41#f", "https://h/a b/%zz",
                            "http://h/a;jsessionid=1;x=2/../b?c=d&e"};
    for (size_t i = 0; i < CS_ARRAY_LEN(inputs); i++) {
        char once[CS_URL_SIZE], twice[CS_URL_SIZE];
        assert_int_equal(cs_url_normalize(inputs[i], strlen(inputs[i]), once, NULL), CS_OK);
        assert_int_equal(cs_url_normalize(once, strlen(once), twice, NULL), CS_OK);
        assert_string_equal(once, twice);
    }
}

static void split_gives_origin_host_port(void **state)
{
    cs_url_parts p;
    assert_int_equal(cs_url_split("http://127.0.1.5:8080/a/b?c", &p), CS_OK);
    assert_string_equal(p.host, "127.0.1.5");
    assert_int_equal(p.port, 8080);
    assert_string_equal(p.origin, "http://127.0.1.5:8080");
    assert_string_equal("http://127.0.1.5:8080/a/b?c" + p.path_offset, "/a/b?c");
    assert_int_equal(cs_url_split("https://[::1]/", &p), CS_OK);
    assert_string_equal(p.host, "[::1]");
    assert_int_equal(p.port, 443);
    assert_int_equal(p.https, 1);
}

static void parse_splits_userinfo_host_and_port(void **state)
{
    (void)state;
    const char *u = "http://user:pw@[2001:db8::1]:8080/p?q#f";
    cs_url_ref ref;
    cs_url_parse(u, strlen(u), &ref);
    assert_int_equal(ref.scheme_len, 4);
    assert_true(ref.has_authority);
    assert_int_equal(ref.host_len, strlen("[2001:db8::1]"));
    assert_memory_equal(ref.host, "[2001:db8::1]", ref.host_len);
    assert_int_equal(ref.port_len, 4);
    assert_memory_equal(ref.port, "8080", 4);
    assert_memory_equal(ref.path, "/p", ref.path_len);
    assert_memory_equal(ref.query, "q", ref.query_len);
    cs_url_parse("../img/a.jpg", 12, &ref);
    assert_null(ref.scheme);
    assert_false(ref.has_authority);
    assert_int_equal(ref.path_len, 12);
}

/* Issue 10: hosts were cut at the first ':', so two IPv6 hosts compared equal. */
static void same_host_compares_ipv6_literals_whole(void **state)
{
    (void)state;
    assert_false(cs_url_same_host("http://[2001:db8::1]/", "http://[2001:db8::2]/"));
    assert_true(cs_url_same_host("http://[2001:db8::1]/a", "https://[2001:DB8::1]:8443/b"));
    assert_true(cs_url_same_host("http://Ex.org/a", "https://user@ex.org:81/"));
    assert_false(cs_url_same_host("http://ex.org/", "http://ex.org.evil/"));
    assert_false(cs_url_same_host("/relative", "/relative"));
    assert_false(cs_url_same_host(NULL, "http://ex.org/"));
}

/* Issue 10: JSON-LD's "../img/a.jpg" needs dot segments removed to match the image. */
static void relative_reference_with_dot_segments(void **state)
{
    (void)state;
    expect_resolve("http://h/x/page.html", "../img/a.jpg", "http://h/img/a.jpg");
    expect_resolve("http://[2001:db8::1]/x/y/", "./../z", "http://[2001:db8::1]/x/z");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc3986_examples_resolve),
        cmocka_unit_test(non_http_references_are_unsupported),
        cmocka_unit_test(scheme_host_case_and_default_port),
        cmocka_unit_test(percent_encoding_is_normalised),
        cmocka_unit_test(dot_segments_and_fragments),
        cmocka_unit_test(nul_bytes_are_escaped_not_truncating),
        cmocka_unit_test(session_ids_are_stripped),
        cmocka_unit_test(whitespace_and_backslashes_like_browsers),
        cmocka_unit_test(malformed_urls_are_refused),
        cmocka_unit_test(length_limit_is_enforced),
        cmocka_unit_test(normalisation_is_idempotent),
        cmocka_unit_test(split_gives_origin_host_port),
        cmocka_unit_test(parse_splits_userinfo_host_and_port),
        cmocka_unit_test(same_host_compares_ipv6_literals_whole),
        cmocka_unit_test(relative_reference_with_dot_segments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
