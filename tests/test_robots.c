/*
 * test_robots.c - conformance tests for robots/: the RFC 9309 matcher with
 * the reference parser's behaviour (one test per behaviour, written from RFC
 * 9309, Google's robots.txt documentation and the list), the AI
 * opt-out signals and the decision, and `clearset robots check`.
 */
#include "tests/support/testsupport.h"

#include "robots/robots.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ helpers */

static robots_rules *parse_n(const char *txt, size_t n)
{
    robots_rules *rules = NULL;
    cs_error err;
    assert_int_equal(robots_parse(txt, n, &rules, &err), CS_OK);
    assert_non_null(rules);
    return rules;
}

static robots_rules *parse(const char *txt)
{
    return parse_n(txt, strlen(txt));
}

static int allowed_n(const char *txt, size_t n, const char *agent, const char *url)
{
    robots_rules *rules = parse_n(txt, n);
    int answer = robots_allowed(rules, agent, url);
    robots_free(rules);
    return answer;
}

static int allowed(const char *txt, const char *agent, const char *url)
{
    return allowed_n(txt, strlen(txt), agent, url);
}

static int line_of(const char *txt, const char *agent, const char *url)
{
    robots_rules *rules = parse(txt);
    robots_match m;
    robots_check(rules, agent, url, &m);
    robots_free(rules);
    return m.line;
}

/* ------------------------------------------------------------------ groups */

static void test_several_user_agent_lines_share_one_group(void **state)
{
    const char *txt = "User-agent: FooBot\n"
                      "User-agent: BarBot\n"
                      "Disallow: /private\n";
    assert_false(allowed(txt, "FooBot", "http://h/private/x"));
    assert_false(allowed(txt, "BarBot", "http://h/private/x"));
    assert_true(allowed(txt, "BazBot", "http://h/private/x"));
}

static void test_blank_lines_do_not_separate_user_agents_or_rules(void **state)
{
    const char *txt = "user-agent: FooBot\n"
                      "disallow: /\n"
                      "allow: /x/\n"
                      "user-agent: BarBot\n"
                      "disallow: /\n"
                      "allow: /y/\n"
                      "\n\n"
                      "allow: /w/\n"
                      "user-agent: BazBot\n"
                      "\n"
                      "user-agent: FooBot\n"
                      "allow: /z/\n"
                      "disallow: /\n";
    assert_true(allowed(txt, "BarBot", "http://h/w/a")); /* after blank lines: still BarBot's */
    assert_true(allowed(txt, "BazBot", "http://h/z/d")); /* BazBot shares FooBot's 2nd group */
    assert_false(allowed(txt, "BazBot", "http://h/y/c"));
}

static void test_groups_naming_the_same_agent_merge(void **state)
{
    const char *txt = "user-agent: FooBot\n"
                      "disallow: /\n"
                      "allow: /x/\n"
                      "user-agent: BarBot\n"
                      "disallow: /b/\n"
                      "user-agent: FooBot\n"
                      "allow: /z/\n";
    assert_true(allowed(txt, "FooBot", "http://h/x/b"));
    assert_true(allowed(txt, "FooBot", "http://h/z/d"));
    assert_false(allowed(txt, "FooBot", "http://h/y/c"));
    assert_true(allowed(txt, "BarBot", "http://h/z/d"));
}

static void test_rules_before_the_first_user_agent_are_ignored(void **state)
{
    const char *txt = "disallow: /foo/bar/\n"
                      "\n"
                      "user-agent: FooBot\n"
                      "allow: /\n";
    assert_true(allowed(txt, "FooBot", "http://h/foo/bar/"));
    assert_true(allowed("disallow: /\n", "FooBot", "http://h/x"));
}

static void test_sitemap_line_does_not_end_a_group(void **state)
{
    const char *txt = "User-agent: BarBot\n"
                      "Sitemap: https://h/sitemap.xml\n"
                      "User-agent: *\n"
                      "Disallow: /\n";
    assert_false(allowed(txt, "BarBot", "http://h/"));
    assert_false(allowed(txt, "FooBot", "http://h/"));
}

static void test_unknown_line_does_not_end_a_group(void **state)
{
    const char *txt = "User-agent: FooBot\n"
                      "Invalid-Unknown-Line: unknown\n"
                      "Crawl-delay: 5\n"
                      "User-agent: *\n"
                      "Disallow: /\n";
    assert_false(allowed(txt, "FooBot", "http://h/"));
    assert_false(allowed(txt, "BarBot", "http://h/"));
}

static void test_user_agent_after_rules_starts_a_new_group(void **state)
{
    const char *txt = "User-agent: FooBot\n"
                      "Disallow: /a\n"
                      "User-agent: BarBot\n"
                      "Disallow: /b\n";
    assert_true(allowed(txt, "FooBot", "http://h/b"));
    assert_false(allowed(txt, "FooBot", "http://h/a"));
    assert_true(allowed(txt, "BarBot", "http://h/a"));
}

static void test_specific_group_replaces_the_global_group_entirely(void **state)
{
    const char *txt = "User-agent: *\n"
                      "Disallow: /x/\n"
                      "User-agent: FooBot\n"
                      "Disallow: /y/\n";
    assert_true(allowed(txt, "FooBot", "http://h/x/page"));
    assert_false(allowed(txt, "FooBot", "http://h/y/page"));
    assert_false(allowed(txt, "BarBot", "http://h/x/page"));
}

static void test_specific_group_without_rules_still_replaces_global(void **state)
{
    const char *txt = "User-agent: *\n"
                      "Disallow: /\n"
                      "User-agent: FooBot\n";
    assert_true(allowed(txt, "FooBot", "http://h/anything"));
    assert_true(allowed("User-agent: *\nDisallow: /\nUser-agent: FooBot\nDisallow:\n", "FooBot",
                        "http://h/anything"));
}

static void test_global_group_applies_when_no_group_names_the_agent(void **state)
{
    const char *txt = "user-agent: *\n"
                      "allow: /\n"
                      "user-agent: FooBot\n"
                      "disallow: /\n";
    assert_false(allowed(txt, "FooBot", "http://h/x/y"));
    assert_true(allowed(txt, "BarBot", "http://h/x/y"));
}

static void test_no_matching_group_and_no_global_group_allows(void **state)
{
    const char *txt = "user-agent: FooBot\n"
                      "allow: /\n"
                      "user-agent: BarBot\n"
                      "disallow: /\n"
                      "user-agent: BazBot\n"
                      "disallow: /\n";
    assert_true(allowed(txt, "QuxBot", "http://h/x/y"));
}

static void test_empty_robots_txt_allows_everything(void **state)
{
    assert_true(allowed("", "FooBot", ""));
    assert_true(allowed("", "", ""));
    assert_true(allowed_n(NULL, 0, "FooBot", "http://h/x"));
}

static void test_group_naming_agent_and_star_applies_to_both(void **state)
{
    const char *txt = "User-agent: *\n"
                      "User-agent: FooBot\n"
                      "Disallow: /x\n"
                      "User-agent: BarBot\n"
                      "Allow: /\n";
    assert_false(allowed(txt, "FooBot", "http://h/x"));
    assert_false(allowed(txt, "OtherBot", "http://h/x"));
    assert_true(allowed(txt, "BarBot", "http://h/x"));
}

/* ------------------------------------------------------------------ agents */

static void test_agent_value_is_cut_at_first_character_outside_token_set(void **state)
{
    const char *txt = "User-Agent: *\n"
                      "Disallow: /\n"
                      "User-Agent: Foo Bar\n"
                      "Allow: /x/\n"
                      "Disallow: /\n";
    assert_true(allowed(txt, "Foo", "http://h/x/y"));
    assert_false(allowed(txt, "Foo Bar", "http://h/x/y"));
    assert_true(allowed("User-agent: FooBot/2.1\nDisallow: /\n", "FooBot", "http://h/") == 0);
    assert_false(allowed("User-agent: img2dataset\nDisallow: /\n", "img", "http://h/"));
}

static void test_agent_matching_is_case_insensitive(void **state)
{
    const char *upper = "User-Agent: FOO BAR\nAllow: /x/\nDisallow: /\n";
    const char *camel = "User-Agent: FoO bAr\nAllow: /x/\nDisallow: /\n";
    assert_true(allowed(upper, "foo", "http://h/x/y"));
    assert_false(allowed(upper, "Foo", "http://h/a/b"));
    assert_true(allowed(camel, "FOO", "http://h/x/y"));
    assert_false(allowed(camel, "foo", "http://h/a/b"));
}

static void test_star_followed_by_space_and_text_is_the_global_agent(void **state)
{
    assert_false(allowed("User-agent: * all robots\nDisallow: /\n", "FooBot", "http://h/"));
    /* "*bot" is not the global agent: cut before '*' it is empty. */
    assert_true(allowed("User-agent: *bot\nDisallow: /\n", "FooBot", "http://h/"));
}

static void test_product_token_validity(void **state)
{
    assert_true(robots_agent_is_valid("Foobot"));
    assert_true(robots_agent_is_valid("Foobot-Bar"));
    assert_true(robots_agent_is_valid("Foo_Bar"));
    assert_true(robots_agent_is_valid(ROBOTS_OWN_AGENT));
    assert_false(robots_agent_is_valid(NULL));
    assert_false(robots_agent_is_valid(""));
    assert_false(robots_agent_is_valid("\xe3\x83\x84"));
    assert_false(robots_agent_is_valid("Foobot*"));
    assert_false(robots_agent_is_valid(" Foobot "));
    assert_false(robots_agent_is_valid("Foobot/2.1"));
    assert_false(robots_agent_is_valid("Foobot Bar"));
    assert_false(robots_agent_is_valid("img2dataset"));
}

static void test_invalid_query_agent_is_compared_whole(void **state)
{
    const char *txt = "User-agent: FooBot\nDisallow: /\n"
                      "User-agent: *\nDisallow: /star\n";
    /* "FooBot/2.1" is not cut: it never equals "FooBot", so only '*' applies. */
    assert_true(allowed(txt, "FooBot/2.1", "http://h/x"));
    assert_false(allowed(txt, "FooBot/2.1", "http://h/star"));
}

static void test_empty_agent_matches_only_empty_cut_values(void **state)
{
    assert_true(allowed("user-agent: FooBot\ndisallow: /\n", "", ""));
    /* "2bot" cuts to "", which the empty agent equals, as in the reference. */
    assert_false(allowed("user-agent: 2bot\ndisallow: /\n", "", "/x"));
}

static void test_has_specific_group(void **state)
{
    robots_rules *rules = parse("User-agent: *\nDisallow: /\nUser-agent: GPTBot\nDisallow: /\n");
    assert_true(robots_has_specific_group(rules, "gptbot"));
    assert_false(robots_has_specific_group(rules, "CCBot"));
    robots_free(rules);
}

/* ------------------------------------------------------------------ keys and lines */

static void test_keys_are_case_insensitive(void **state)
{
    const char *upper = "USER-AGENT: FooBot\nALLOW: /x/\nDISALLOW: /\n";
    const char *camel = "uSeR-aGeNt: FooBot\nAlLoW: /x/\ndIsAlLoW: /\n";
    assert_true(allowed(upper, "FooBot", "http://h/x/y"));
    assert_false(allowed(upper, "FooBot", "http://h/a/b"));
    assert_true(allowed(camel, "FooBot", "http://h/x/y"));
    assert_false(allowed(camel, "FooBot", "http://h/a/b"));
}

static void test_missing_colon_is_tolerated_for_two_words(void **state)
{
    assert_false(allowed("user-agent FooBot\ndisallow /\n", "FooBot", "http://h/x/y"));
    assert_false(allowed("user-agent\tFooBot\ndisallow\t/\n", "FooBot", "http://h/x/y"));
    /* Three words without a colon: not a line. */
    assert_true(allowed("user-agent FooBot\ndisallow / x\n", "FooBot", "http://h/x/y"));
    assert_true(allowed("foo: FooBot\nbar: /\n", "FooBot", "http://h/x/y"));
}

static void test_user_agent_misspellings_are_accepted(void **state)
{
    assert_false(allowed("useragent: FooBot\ndisallow: /\n", "FooBot", "http://h/x"));
    assert_false(allowed("user agent: FooBot\ndisallow: /\n", "FooBot", "http://h/x"));
    assert_true(allowed("user_agent: FooBot\ndisallow: /\n", "FooBot", "http://h/x"));
}

static void test_disallow_misspellings_are_accepted(void **state)
{
    static const char *const keys[] = {"dissallow", "dissalow", "disalow", "diasllow", "disallaw"};
    for (size_t i = 0; i < CS_ARRAY_LEN(keys); i++) {
        char txt[128];
        snprintf(txt, sizeof txt, "user-agent: FooBot\n%s: /x\n", keys[i]);
        assert_false(allowed(txt, "FooBot", "http://h/x"));
    }
    assert_true(allowed("user-agent: FooBot\ndisalloww: /x\n", "FooBot", "http://h/y"));
}

static void test_allow_misspellings_are_not_accepted(void **state)
{
    assert_false(allowed("user-agent: FooBot\ndisallow: /\nalow: /x\n", "FooBot", "http://h/x"));
    assert_false(allowed("user-agent: FooBot\ndisallow: /\nallaw: /x\n", "FooBot", "http://h/x"));
}

static void test_keys_are_matched_by_prefix(void **state)
{
    /* The reference accepts any key that starts with a known one. */
    assert_false(allowed("user-agents: FooBot\ndisallowed: /\n", "FooBot", "http://h/x"));
}

static void test_comments_are_stripped(void **state)
{
    const char *txt = "User-agent: FooBot # our bot\n"
                      "# Disallow: /\n"
                      "Disallow: /foo/quz#qux\n"
                      "Allow: /\n";
    assert_true(allowed(txt, "FooBot", "http://h/foo/bar"));
    assert_false(allowed(txt, "FooBot", "http://h/foo/quz"));
}

static void test_whitespace_around_keys_and_values_is_ignored(void **state)
{
    assert_false(
        allowed("  user-agent  :  FooBot  \n\t disallow\t:\t/x \n", "FooBot", "http://h/x"));
}

static void test_nul_byte_ends_the_line(void **state)
{
    static const char txt[] = "user-agent: FooBot\ndisallow: /a\0bc\ndisallow: /z\n";
    assert_false(allowed_n(txt, sizeof txt - 1, "FooBot", "http://h/a"));
    assert_false(allowed_n(txt, sizeof txt - 1, "FooBot", "http://h/z"));
}

/* ------------------------------------------------------------------ paths */

static void test_paths_are_case_sensitive(void **state)
{
    assert_false(allowed("user-agent: FooBot\ndisallow: /x/\n", "FooBot", "http://h/x/y"));
    assert_true(allowed("user-agent: FooBot\ndisallow: /X/\n", "FooBot", "http://h/x/y"));
}

static void test_patterns_match_from_the_first_octet(void **state)
{
    const char *txt = "user-agent: FooBot\ndisallow: /\nallow: /fish\n";
    assert_true(allowed(txt, "FooBot", "http://h/fish"));
    assert_true(allowed(txt, "FooBot", "http://h/fish.html"));
    assert_true(allowed(txt, "FooBot", "http://h/fishheads/yummy.html"));
    assert_true(allowed(txt, "FooBot", "http://h/fish.html?id=anything"));
    assert_false(allowed(txt, "FooBot", "http://h/Fish.asp"));
    assert_false(allowed(txt, "FooBot", "http://h/catfish"));
    assert_false(allowed(txt, "FooBot", "http://h/?id=fish"));
}

static void test_trailing_slash_pattern_does_not_match_without_it(void **state)
{
    const char *txt = "user-agent: FooBot\ndisallow: /\nallow: /fish/\n";
    assert_true(allowed(txt, "FooBot", "http://h/fish/"));
    assert_true(allowed(txt, "FooBot", "http://h/fish/?id=anything"));
    assert_false(allowed(txt, "FooBot", "http://h/fish"));
    assert_false(allowed(txt, "FooBot", "http://h/fish.html"));
}

static void test_longest_match_wins(void **state)
{
    const char *a = "user-agent: FooBot\ndisallow: /x/page.html\nallow: /x/\n";
    assert_false(allowed(a, "FooBot", "http://h/x/page.html"));
    const char *b = "user-agent: FooBot\nallow: /x/page.html\ndisallow: /x/\n";
    assert_true(allowed(b, "FooBot", "http://h/x/page.html"));
    assert_false(allowed(b, "FooBot", "http://h/x/"));
    const char *c = "user-agent: FooBot\ndisallow: /x\nallow: /x/\n";
    assert_false(allowed(c, "FooBot", "http://h/x"));
    assert_true(allowed(c, "FooBot", "http://h/x/"));
    const char *d = "user-agent: FooBot\nallow: /page\ndisallow: /*.html\n";
    assert_false(allowed(d, "FooBot", "http://h/page.html"));
    assert_true(allowed(d, "FooBot", "http://h/page"));
    const char *e = "user-agent: FooBot\nallow: /x/page.\ndisallow: /*.html\n";
    assert_true(allowed(e, "FooBot", "http://h/x/page.html"));
    assert_false(allowed(e, "FooBot", "http://h/x/y.html"));
    assert_true(allowed("user-agent: FooBot\nallow: /p\ndisallow: /\n", "FooBot", "http://h/page"));
}

static void test_longest_match_counts_octets_of_the_normalised_pattern(void **state)
{
    /* "/\xc3\xa9" is 3 octets in the file but 7 once encoded ("/%C3%A9"): it outranks
     * "/%C3%A" (6 octets). */
    const char *txt = "user-agent: FooBot\ndisallow: /%C3%A\nallow: /\xc3\xa9\n";
    assert_true(allowed(txt, "FooBot", "http://h/%C3%A9"));
}

static void test_allow_wins_a_tie(void **state)
{
    assert_true(allowed("user-agent: FooBot\ndisallow: /\nallow: /\n", "FooBot", "http://h/x"));
    assert_true(allowed("user-agent: FooBot\ndisallow: /x/page.html\nallow: /x/page.html\n",
                        "FooBot", "http://h/x/page.html"));
    assert_true(allowed("user-agent: FooBot\nallow: /folder\ndisallow: /folder\n", "FooBot",
                        "http://h/folder/page"));
}

static void test_empty_rules_decide_nothing(void **state)
{
    assert_true(allowed("user-agent: FooBot\ndisallow: \nallow: \n", "FooBot", "http://h/x"));
    assert_true(allowed("user-agent: FooBot\ndisallow:\n", "FooBot", "http://h/x"));
}

static void test_star_matches_any_sequence(void **state)
{
    const char *txt = "User-agent: FooBot\nDisallow: /foo/bar/quz\nAllow: /foo/*/qux\n";
    assert_false(allowed(txt, "FooBot", "http://h/foo/bar/quz"));
    assert_true(allowed(txt, "FooBot", "http://h/foo/quz"));
    assert_true(allowed(txt, "FooBot", "http://h/foo//quz"));
    assert_true(allowed(txt, "FooBot", "http://h/foo/bax/quz"));
    const char *php = "user-agent: FooBot\ndisallow: /\nallow: /*.php\n";
    assert_true(allowed(php, "FooBot", "http://h/folder/filename.php?parameters"));
    assert_true(allowed(php, "FooBot", "http://h//folder/any.php.file.html"));
    assert_true(allowed(php, "FooBot", "http://h/index?f=filename.php/"));
    assert_false(allowed(php, "FooBot", "http://h/php/"));
    assert_false(allowed(php, "FooBot", "http://h/windows.PHP"));
    const char *fish = "user-agent: FooBot\ndisallow: /\nallow: /fish*.php\n";
    assert_true(allowed(fish, "FooBot", "http://h/fishheads/catfish.php?parameters"));
    assert_false(allowed(fish, "FooBot", "http://h/Fish.PHP"));
}

static void test_trailing_star_is_the_same_as_none(void **state)
{
    const char *txt = "user-agent: FooBot\ndisallow: /\nallow: /fish*\n";
    assert_true(allowed(txt, "FooBot", "http://h/fish"));
    assert_true(allowed(txt, "FooBot", "http://h/fishheads"));
    assert_false(allowed(txt, "FooBot", "http://h/catfish"));
}

static void test_dollar_anchors_the_end(void **state)
{
    const char *txt = "user-agent: FooBot\ndisallow: /\nallow: /*.php$\n";
    assert_true(allowed(txt, "FooBot", "http://h/filename.php"));
    assert_true(allowed(txt, "FooBot", "http://h/folder/filename.php"));
    assert_false(allowed(txt, "FooBot", "http://h/filename.php?parameters"));
    assert_false(allowed(txt, "FooBot", "http://h/filename.php/"));
    assert_false(allowed(txt, "FooBot", "http://h/filename.php5"));
    const char *root = "user-agent: FooBot\nallow: /$\ndisallow: /\n";
    assert_true(allowed(root, "FooBot", "http://h/"));
    assert_false(allowed(root, "FooBot", "http://h/page.html"));
    const char *bar = "User-agent: FooBot\nDisallow: /foo/bar$\nAllow: /foo/bar/qux\n";
    assert_false(allowed(bar, "FooBot", "http://h/foo/bar"));
    assert_true(allowed(bar, "FooBot", "http://h/foo/bar/"));
    assert_true(allowed(bar, "FooBot", "http://h/foo/bar/baz"));
}

static void test_dollar_inside_a_pattern_is_literal(void **state)
{
    const char *txt = "user-agent: FooBot\ndisallow: /a$b\n";
    assert_false(allowed(txt, "FooBot", "http://h/a$bc"));
    assert_true(allowed(txt, "FooBot", "http://h/a"));
}

static void test_non_ascii_in_patterns_is_percent_encoded(void **state)
{
    const char *txt = "User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/\xe3\x83\x84\n";
    assert_true(allowed(txt, "FooBot", "http://h/foo/bar/%E3%83%84"));
    /* URLs are compared as given: pass them percent-encoded. */
    assert_false(allowed(txt, "FooBot", "http://h/foo/bar/\xe3\x83\x84"));
    const char *encoded = "User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/%E3%83%84\n";
    assert_true(allowed(encoded, "FooBot", "http://h/foo/bar/%E3%83%84"));
}

static void test_percent_escapes_in_patterns_are_upper_cased(void **state)
{
    const char *txt = "User-agent: FooBot\nDisallow: /\nAllow: /a%aa/%e3%83%84\n";
    assert_true(allowed(txt, "FooBot", "http://h/a%AA/%E3%83%84"));
    robots_rules *rules = parse(txt);
    robots_match m;
    robots_check(rules, "FooBot", "http://h/a%AA/%E3%83%84", &m);
    assert_string_equal(m.pattern, "/a%AA/%E3%83%84");
    robots_free(rules);
}

static void test_percent_encoded_unreserved_octets_are_not_decoded(void **state)
{
    const char *txt = "User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/%62%61%7A\n";
    assert_false(allowed(txt, "FooBot", "http://h/foo/bar/baz"));
    assert_true(allowed(txt, "FooBot", "http://h/foo/bar/%62%61%7A"));
}

static void test_query_strings_are_matched_unencoded(void **state)
{
    const char *txt = "User-agent: FooBot\nDisallow: /\n"
                      "Allow: /foo/bar?qux=taz&baz=http://foo.bar?tar&par\n";
    assert_true(allowed(txt, "FooBot", "http://h/foo/bar?qux=taz&baz=http://foo.bar?tar&par"));
}

static void test_index_html_allow_also_allows_the_directory(void **state)
{
    const char *txt = "User-Agent: *\nAllow: /allowed-slash/index.html\nDisallow: /\n";
    assert_true(allowed(txt, "foobot", "http://h/allowed-slash/"));
    assert_true(allowed(txt, "foobot", "http://h/allowed-slash/index.html"));
    assert_false(allowed(txt, "foobot", "http://h/allowed-slash/index.htm"));
    assert_false(allowed(txt, "foobot", "http://h/allowed-slash/other"));
    assert_false(allowed(txt, "foobot", "http://h/anyother-url"));
}

static void test_index_htm_allow_also_allows_the_directory(void **state)
{
    const char *txt = "User-Agent: *\nAllow: /d/index.htm\nDisallow: /\n";
    assert_true(allowed(txt, "foobot", "http://h/d/"));
    assert_false(allowed(txt, "foobot", "http://h/d"));
    /* Only allow lines get the rule: a disallowed index.html leaves the directory alone. */
    assert_true(allowed("User-Agent: *\nDisallow: /d/index.html\n", "foobot", "http://h/d/"));
}

/* Asserts that url's path, as the matcher sees it, is exactly expected. */
static void assert_path(const char *url, const char *expected)
{
    char txt[512];
    snprintf(txt, sizeof txt, "user-agent: *\ndisallow: /\nallow: %s$\n", expected);
    if (!allowed(txt, "foobot", url)) fail_msg("path of '%s' is not '%s'", url, expected);
}

static void test_url_path_extraction(void **state)
{
    assert_path("http://www.example.com", "/");
    assert_path("http://www.example.com/", "/");
    assert_path("http://www.example.com/a", "/a");
    assert_path("http://www.example.com/a/b?c=http://d.e/", "/a/b?c=http://d.e/");
    assert_path("http://www.example.com/a/b?c=d&e=f#fragment", "/a/b?c=d&e=f");
    assert_path("example.com/a/", "/a/");
    assert_path("example.com?a", "/?a");
    assert_path("example.com/a;b#c", "/a;b");
    assert_path("//a/b/c", "/b/c");
    assert_path("/a", "/a");
    assert_path("a/b", "/b");
    assert_path("http://h#frag/x", "/");
}

static void test_empty_url_path_is_slash(void **state)
{
    const char *txt = "user-agent: FooBot\ndisallow: /\n";
    assert_false(allowed(txt, "FooBot", ""));
    assert_false(allowed(txt, "FooBot", "http://h"));
    assert_true(allowed("user-agent: FooBot\ndisallow: /$\n", "FooBot", "http://h/x"));
    assert_false(allowed("user-agent: FooBot\ndisallow: /$\n", "FooBot", "http://h"));
}

static void test_robots_txt_itself_is_always_allowed(void **state)
{
    const char *txt = "user-agent: *\ndisallow: /\n";
    assert_true(allowed(txt, "FooBot", "http://h/robots.txt"));
    assert_true(allowed(txt, "FooBot", "/robots.txt"));
    assert_false(allowed(txt, "FooBot", "http://h/robots.txt.bak"));
    robots_rules *none = NULL;
    assert_int_equal(robots_new_disallow_all(&none, NULL), CS_OK);
    assert_true(robots_allowed(none, "FooBot", "http://h/robots.txt"));
    assert_false(robots_allowed(none, "FooBot", "http://h/"));
    robots_free(none);
}

static void test_allow_all_and_disallow_all_rules(void **state)
{
    robots_rules *all = NULL;
    assert_int_equal(robots_new_allow_all(&all, NULL), CS_OK);
    assert_true(robots_allowed(all, "FooBot", "http://h/x"));
    robots_free(all);
    assert_true(robots_allowed(NULL, "FooBot", "http://h/x"));
}

/* ------------------------------------------------------------------ input */

static void test_utf8_bom_is_skipped(void **state)
{
    assert_false(
        allowed("\xEF\xBB\xBFUser-Agent: foo\nDisallow: /AnyValue\n", "foo", "http://h/AnyValue"));
}

static void test_partial_bom_is_skipped(void **state)
{
    assert_false(allowed("\xEF\xBBUser-Agent: foo\nDisallow: /x\n", "foo", "http://h/x"));
    assert_false(allowed("\xEFUser-Agent: foo\nDisallow: /x\n", "foo", "http://h/x"));
}

static void test_broken_bom_garbles_the_first_line(void **state)
{
    /* "\xEF\x11\xBF": the first line reads "\x11\xBFUser-Agent: foo" and is unknown. */
    assert_true(allowed("\xEF\x11\xBFUser-Agent: foo\nDisallow: /x\n", "foo", "http://h/x"));
}

static void test_bom_in_the_middle_is_not_skipped(void **state)
{
    assert_true(allowed("User-Agent: foo\n\xEF\xBB\xBF"
                        "Disallow: /x\n",
                        "foo", "http://h/x"));
}

static void test_lf_cr_crlf_and_mixed_line_endings(void **state)
{
    static const char *const files[] = {
        "User-Agent: foo\nAllow: /some/path\nUser-Agent: bar\n\n\nDisallow: /\n",
        "User-Agent: foo\r\nAllow: /some/path\r\nUser-Agent: bar\r\n\r\n\r\nDisallow: /\r\n",
        "User-Agent: foo\rAllow: /some/path\rUser-Agent: bar\r\r\rDisallow: /\r",
        "User-Agent: foo\nAllow: /some/path\nUser-Agent: bar\n\n\nDisallow: /",
        "User-Agent: foo\nAllow: /some/path\r\nUser-Agent: bar\n\r\n\nDisallow: /",
    };
    for (size_t i = 0; i < CS_ARRAY_LEN(files); i++) {
        assert_int_equal(line_of(files[i], "bar", "http://h/x"), 6);
        assert_int_equal(line_of(files[i], "foo", "http://h/some/path"), 2);
        assert_false(allowed(files[i], "bar", "http://h/x"));
        assert_true(allowed(files[i], "foo", "http://h/some/path"));
    }
}

static void test_cr_cr_lf_counts_two_line_ends(void **state)
{
    assert_int_equal(line_of("User-Agent: foo\r\r\nDisallow: /\n", "foo", "http://h/"), 3);
}

/* The reference keeps 2083 * 8 - 1 bytes of a line and drops the rest. */
#define LINE_KEEP (2083 * 8 - 1)

static void test_long_lines_are_truncated_like_the_reference(void **state)
{
    const char *disallow = "disallow: ";
    size_t pattern_len = LINE_KEEP - strlen(disallow); /* what survives of the pattern */
    char *txt = malloc(64 + LINE_KEEP + 16);
    char *url = malloc(32 + LINE_KEEP);
    assert_non_null(txt);
    assert_non_null(url);
    /* pattern: "/x/" then a's up to the cut, then "/qux" that the cut drops. */
    int n = sprintf(txt, "user-agent: FooBot\n%s/x/", disallow);
    memset(txt + n, 'a', pattern_len - 4);
    n += (int)pattern_len - 4;
    n += sprintf(txt + n, "/qux\n");
    /* kept: "/x/aaa...a/" (pattern_len bytes) */
    int u = sprintf(url, "http://h/x/");
    memset(url + u, 'a', pattern_len - 4);
    u += (int)pattern_len - 4;
    sprintf(url + u, "/fux");
    assert_true(allowed(txt, "FooBot", "http://h/fux"));
    assert_false(allowed(txt, "FooBot", url)); /* matches the cut-off rule */
    free(txt);
    free(url);
}

static void test_line_just_within_the_limit_is_kept_whole(void **state)
{
    const char *allow = "allow: ";
    size_t len = LINE_KEEP - strlen(allow);
    char *txt = malloc(64 + LINE_KEEP);
    char *url = malloc(32 + LINE_KEEP);
    int n = sprintf(txt, "user-agent: FooBot\ndisallow: /\n%s/", allow);
    memset(txt + n, 'b', len - 2);
    n += (int)len - 2;
    sprintf(txt + n, "$\n");
    int u = sprintf(url, "http://h/");
    memset(url + u, 'b', len - 2);
    url[u + len - 2] = '\0';
    assert_true(allowed(txt, "FooBot", url));
    /* The final '$' survived: one more octet no longer matches. */
    strcpy(url + u + len - 2, "c");
    assert_false(allowed(txt, "FooBot", url));
    free(txt);
    free(url);
}

static void test_only_the_first_500_kib_are_parsed(void **state)
{
    size_t filler = ROBOTS_MAX_BYTES;
    char *txt = malloc(filler + 64);
    assert_non_null(txt);
    const char *head = "user-agent: FooBot\ndisallow: /a\n";
    size_t n = strlen(head);
    memcpy(txt, head, n);
    for (; n < ROBOTS_MAX_BYTES - 16; n++)
        txt[n] = n % 64 ? '#' : '\n';
    memcpy(txt + n, "\ndisallow: /b\n", 14); /* crosses or passes the limit */
    n += 14;
    memset(txt + n, '\n', 32);
    n += 32;
    memcpy(txt + n, "disallow: /c\n", 13);
    n += 13;
    robots_rules *rules = parse_n(txt, n);
    assert_true(robots_truncated(rules));
    assert_false(robots_allowed(rules, "FooBot", "http://h/a"));
    assert_true(robots_allowed(rules, "FooBot", "http://h/c"));
    robots_free(rules);
    rules = parse_n(txt, ROBOTS_MAX_BYTES);
    assert_false(robots_truncated(rules));
    robots_free(rules);
    free(txt);
}

static void test_parse_rejects_null_bytes_with_length(void **state)
{
    robots_rules *rules = (robots_rules *)1;
    cs_error err;
    assert_int_equal(robots_parse(NULL, 5, &rules, &err), CS_EINVAL);
    assert_null(rules);
    assert_int_equal(robots_parse("", 0, NULL, &err), CS_EINVAL);
}

static void test_deciding_line_and_pattern_are_reported(void **state)
{
    const char *txt = "User-agent: *\n"   /* 1 */
                      "Disallow: /a\n"    /* 2 */
                      "Allow: /a/b\n"     /* 3 */
                      "User-agent: Foo\n" /* 4 */
                      "Disallow: /x\n";   /* 5 */
    robots_rules *rules = parse(txt);
    robots_match m;
    robots_check(rules, "Bar", "http://h/a/b/c", &m);
    assert_true(m.allowed);
    assert_int_equal(m.line, 3);
    assert_true(m.rule_is_allow);
    assert_false(m.specific);
    assert_string_equal(m.pattern, "/a/b");
    robots_check(rules, "foo", "http://h/x", &m);
    assert_false(m.allowed);
    assert_int_equal(m.line, 5);
    assert_true(m.specific);
    robots_check(rules, "foo", "http://h/z", &m);
    assert_true(m.allowed);
    assert_int_equal(m.line, 0);
    assert_null(m.pattern);
    robots_free(rules);
}

/* ------------------------------------------------------------------ other lines */

static void test_sitemaps_are_collected_from_anywhere(void **state)
{
    robots_rules *rules = parse("Sitemap: http://h/a.xml\n"
                                "User-Agent: foo\nAllow: /some/path\n"
                                "site-map: http://h/b.xml\n");
    assert_int_equal(robots_sitemap_count(rules), 2);
    assert_string_equal(robots_sitemap(rules, 0), "http://h/a.xml");
    assert_string_equal(robots_sitemap(rules, 1), "http://h/b.xml");
    assert_null(robots_sitemap(rules, 2));
    robots_free(rules);
}

static void test_license_lines_are_collected(void **state)
{
    robots_rules *rules = parse("License: https://h/license.xml\nUser-agent: *\nAllow: /\n");
    assert_int_equal(robots_license_count(rules), 1);
    assert_string_equal(robots_license(rules, 0), "https://h/license.xml");
    robots_free(rules);
}

static void test_crawl_delay_of_the_applicable_group(void **state)
{
    robots_rules *rules =
        parse("User-agent: *\nCrawl-delay: 2.5\nDisallow: /x\n"
              "User-agent: FooBot\nCrawl-delay: 10\nCrawl-delay: 20\nDisallow: /f\n"
              "User-agent: BarBot\nDisallow: /\n"
              "User-agent: BazBot\nCrawl-delay: soon\n");
    assert_true(robots_crawl_delay(rules, "other") == 2.5);
    assert_true(robots_crawl_delay(rules, "FooBot") == 10.0);
    /* BarBot's group has none and replaces '*' entirely. */
    assert_true(robots_crawl_delay(rules, "BarBot") < 0);
    assert_true(robots_crawl_delay(rules, "BazBot") < 0);
    robots_free(rules);
}

static void test_content_signal_is_read_per_group(void **state)
{
    robots_rules *rules = parse("User-Agent: *\n"
                                "Content-Signal: search=yes, ai-train=no\n"
                                "Allow: /\n"
                                "User-agent: FooBot\n"
                                "Content-signal: ai-input=no, ai-train=yes\n"
                                "Allow: /\n");
    robots_preference prefs[4];
    assert_int_equal(robots_preferences(rules, "clearsetbot", "http://h/x", prefs, 4), 1);
    assert_int_equal(prefs[0].search, ROBOTS_PREF_YES);
    assert_int_equal(prefs[0].ai_train, ROBOTS_PREF_NO);
    assert_int_equal(prefs[0].ai_input, ROBOTS_PREF_UNSET);
    assert_int_equal(prefs[0].line, 2);
    assert_false(prefs[0].is_content_usage);
    assert_int_equal(robots_preferences(rules, "FooBot", "http://h/x", prefs, 4), 1);
    assert_int_equal(prefs[0].ai_train, ROBOTS_PREF_YES);
    assert_int_equal(prefs[0].ai_input, ROBOTS_PREF_NO);
    robots_free(rules);
}

static void test_content_usage_with_and_without_path(void **state)
{
    robots_rules *rules = parse("User-Agent: *\n"
                                "Content-Usage: train-ai=y\n"
                                "Content-Usage: /images/ train-ai=n\n"
                                "Allow: /\n");
    robots_preference prefs[4];
    assert_int_equal(robots_preferences(rules, "clearsetbot", "http://h/page", prefs, 4), 1);
    assert_int_equal(prefs[0].ai_train, ROBOTS_PREF_YES);
    assert_int_equal(robots_preferences(rules, "clearsetbot", "http://h/images/a.jpg", prefs, 4),
                     2);
    assert_true(prefs[1].is_content_usage);
    assert_int_equal(prefs[1].ai_train, ROBOTS_PREF_NO);
    robots_free(rules);
}

static void test_preferences_before_any_group_apply_to_everyone(void **state)
{
    robots_rules *rules = parse("Content-Signal: ai-train=no\nUser-agent: FooBot\nAllow: /\n");
    robots_preference pref;
    assert_int_equal(robots_preferences(rules, "FooBot", "/x", &pref, 1), 1);
    assert_int_equal(pref.ai_train, ROBOTS_PREF_NO);
    robots_free(rules);
}

static void test_preference_lines_do_not_change_groups(void **state)
{
    const char *txt = "User-agent: FooBot\n"
                      "Content-Signal: ai-train=no\n"
                      "User-agent: BarBot\n"
                      "Disallow: /\n";
    assert_false(allowed(txt, "FooBot", "http://h/x"));
}

/* ------------------------------------------------------------------ AI crawler list */

static void test_ai_crawler_list_holds_the_well_known_tokens(void **state)
{
    static const char *const expected[] = {
        "GPTBot",       "CCBot",      "Google-Extended",   "ClaudeBot",
        "anthropic-ai", "Bytespider", "Applebot-Extended", "meta-externalagent",
        "img2dataset"};
    for (size_t i = 0; i < CS_ARRAY_LEN(expected); i++)
        assert_true(robots_is_ai_crawler(expected[i]));
    assert_true(robots_is_ai_crawler("gptbot"));
    assert_false(robots_is_ai_crawler("Googlebot"));
    assert_false(robots_is_ai_crawler(ROBOTS_OWN_AGENT));
    assert_true(robots_ai_crawler_count() >= CS_ARRAY_LEN(expected));
}

static void test_ai_crawler_match_token_is_the_leading_valid_part(void **state)
{
    int found = 0;
    for (size_t i = 0; i < robots_ai_crawler_count(); i++) {
        const char *token = robots_ai_crawler(i), *match = robots_ai_crawler_match_token(i);
        assert_true(strncmp(token, match, strlen(match)) == 0);
        if (robots_agent_is_valid(token)) assert_string_equal(token, match);
        if (strcmp(token, "img2dataset") == 0) {
            assert_string_equal(match, "img");
            found = 1;
        }
    }
    assert_true(found);
    assert_null(robots_ai_crawler(robots_ai_crawler_count()));
}

/* ------------------------------------------------------------------ signals */

typedef struct decided {
    robots_signal_list list;
    robots_decision decision;
} decided;

static void decide(decided *d, const robots_policy *policy)
{
    assert_int_equal(robots_decide(&d->list, ROBOTS_OWN_AGENT, policy, &d->decision, NULL), CS_OK);
}

static void decided_free(decided *d)
{
    robots_decision_free(&d->decision);
    robots_signal_list_free(&d->list);
}

static int xrt(robots_signal_list *list, const char *value)
{
    return robots_signals_from_x_robots_tag(list, value, strlen(value), NULL, NULL);
}

static void test_x_robots_tag_noai_and_noimageai_opt_out(void **state)
{
    decided d = {0};
    assert_int_equal(xrt(&d.list, "noai"), CS_OK);
    assert_int_equal(xrt(&d.list, "noimageai"), CS_OK);
    decide(&d, NULL);
    assert_int_equal(d.list.count, 2);
    assert_true(d.decision.opted_out);
    assert_int_equal(d.decision.verdicts[0], ROBOTS_VERDICT_OPTS_OUT);
    assert_int_equal(d.decision.verdicts[1], ROBOTS_VERDICT_OPTS_OUT);
    assert_int_equal(d.list.items[0].kind, ROBOTS_SIGNAL_ROBOTS_DIRECTIVE);
    assert_int_equal(d.list.items[0].source, ROBOTS_SOURCE_HEADER);
    assert_string_equal(d.list.items[0].value, "noai");
    decided_free(&d);
}

static void test_x_robots_tag_is_comma_separated_and_case_insensitive(void **state)
{
    decided d = {0};
    xrt(&d.list, "NoIndex , NOFOLLOW,  NoImageAI ");
    assert_int_equal(d.list.count, 2); /* nofollow is not a signal */
    assert_string_equal(d.list.items[1].value, "NoImageAI");
    decide(&d, NULL);
    assert_true(d.decision.opted_out);
    assert_int_equal(d.decision.first_reason, 1);
    decided_free(&d);
}

static void test_x_robots_tag_headers_combine(void **state)
{
    decided d = {0};
    xrt(&d.list, "noindex");
    xrt(&d.list, "noai");
    decide(&d, NULL);
    assert_int_equal(d.list.count, 2);
    assert_true(d.decision.opted_out);
    decided_free(&d);
}

static void test_x_robots_tag_agent_prefix_scopes_the_directives(void **state)
{
    decided d = {0};
    xrt(&d.list, "googlebot: noai, noimageai");
    xrt(&d.list, "noindex");
    assert_int_equal(d.list.count, 3);
    assert_string_equal(d.list.items[0].scope, "googlebot");
    assert_string_equal(d.list.items[1].scope, "googlebot");
    assert_string_equal(d.list.items[2].scope, ""); /* a new header starts unscoped */
    decide(&d, NULL);
    assert_false(d.decision.opted_out);
    assert_int_equal(d.decision.verdicts[0], ROBOTS_VERDICT_OTHER_AGENT);
    decided_free(&d);

    decided ours = {0};
    xrt(&ours.list, "ClearSetBot: noai");
    decide(&ours, NULL);
    assert_true(ours.decision.opted_out);
    decided_free(&ours);
}

static void test_directives_scoped_to_an_ai_crawler_count_by_policy(void **state)
{
    decided d = {0};
    xrt(&d.list, "GPTBot: noai");
    decide(&d, NULL);
    assert_true(d.decision.opted_out);
    robots_decision_free(&d.decision);
    robots_policy policy;
    robots_policy_default(&policy);
    policy.ai_crawler_scope = 0;
    decide(&d, &policy);
    assert_false(d.decision.opted_out);
    assert_int_equal(d.decision.verdicts[0], ROBOTS_VERDICT_OTHER_AGENT);
    decided_free(&d);
}

static void test_valued_directives_are_not_agent_prefixes(void **state)
{
    decided d = {0};
    xrt(&d.list, "unavailable_after: 25 Jun 2030 15:00:00 PST, noai");
    xrt(&d.list, "max-image-preview:large, noimageai");
    assert_int_equal(d.list.count, 2);
    assert_string_equal(d.list.items[0].scope, "");
    assert_string_equal(d.list.items[1].scope, "");
    decided_free(&d);
}

static void test_noindex_none_noimageindex_opt_out_only_by_policy(void **state)
{
    decided d = {0};
    xrt(&d.list, "noindex, none, noimageindex");
    assert_int_equal(d.list.count, 3);
    decide(&d, NULL);
    assert_false(d.decision.opted_out);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(d.list.items[i].effect, ROBOTS_EFFECT_POLICY);
        assert_int_equal(d.decision.verdicts[i], ROBOTS_VERDICT_POLICY_OFF);
    }
    robots_decision_free(&d.decision);
    static const unsigned flags[] = {ROBOTS_POLICY_NOINDEX, ROBOTS_POLICY_NONE,
                                     ROBOTS_POLICY_NOIMAGEINDEX};
    for (size_t i = 0; i < 3; i++) {
        robots_policy policy;
        robots_policy_default(&policy);
        policy.flags = flags[i];
        decide(&d, &policy);
        assert_true(d.decision.opted_out);
        assert_int_equal(d.decision.first_reason, i);
        robots_decision_free(&d.decision);
    }
    decided_free(&d);
}

static int meta(robots_signal_list *list, const char *name, const char *content)
{
    return robots_signals_from_meta_robots(list, name, strlen(name), content, strlen(content), NULL,
                                           NULL);
}

static void test_meta_robots_names_that_apply(void **state)
{
    decided d = {0};
    meta(&d.list, "robots", "noai");
    meta(&d.list, "ROBOTS", "noimageai");
    meta(&d.list, "clearsetbot", "noindex, noai");
    meta(&d.list, "description", "noai is a word here");
    meta(&d.list, "googlebot", "noai");
    meta(&d.list, "CCBot", "noai");
    assert_int_equal(d.list.count, 5);
    assert_int_equal(d.list.items[0].source, ROBOTS_SOURCE_META);
    assert_string_equal(d.list.items[0].scope, "");
    assert_string_equal(d.list.items[2].scope, "clearsetbot");
    assert_string_equal(d.list.items[4].scope, "CCBot");
    decide(&d, NULL);
    assert_true(d.decision.opted_out);
    assert_int_equal(d.decision.verdicts[2], ROBOTS_VERDICT_POLICY_OFF);
    assert_int_equal(d.decision.verdicts[3], ROBOTS_VERDICT_OPTS_OUT);
    decided_free(&d);
}

static int tdm(robots_signal_list *list, robots_signal_source source, const char *reservation,
               const char *policy)
{
    return robots_signals_from_tdm(list, source, reservation, reservation ? strlen(reservation) : 0,
                                   policy, policy ? strlen(policy) : 0, NULL, NULL);
}

static void test_tdm_reservation_only_1_reserves(void **state)
{
    decided d = {0};
    tdm(&d.list, ROBOTS_SOURCE_HEADER, " 1 ", "https://h/policy.json");
    decide(&d, NULL);
    assert_true(d.decision.opted_out);
    assert_string_equal(d.list.items[0].value, "1");
    assert_string_equal(d.list.items[0].detail, "https://h/policy.json");
    decided_free(&d);

    decided zero = {0};
    tdm(&zero.list, ROBOTS_SOURCE_HEADER, "0", NULL);
    tdm(&zero.list, ROBOTS_SOURCE_HEADER, "yes", NULL);
    decide(&zero, NULL);
    assert_false(zero.decision.opted_out);
    assert_int_equal(zero.decision.verdicts[0], ROBOTS_VERDICT_PERMITS);
    assert_int_equal(zero.decision.verdicts[1], ROBOTS_VERDICT_NO_EFFECT);
    decided_free(&zero);
}

static void test_tdm_precedence_meta_over_header_over_file(void **state)
{
    const char *json = "[{\"location\": \"/\", \"tdm-reservation\": 1}]";
    /* header 0 overrides file 1 */
    decided a = {0};
    robots_signals_from_tdmrep_json(&a.list, json, strlen(json), "/img/a.jpg", NULL, NULL);
    tdm(&a.list, ROBOTS_SOURCE_HEADER, "0", NULL);
    decide(&a, NULL);
    assert_false(a.decision.opted_out);
    assert_int_equal(a.decision.verdicts[0], ROBOTS_VERDICT_OVERRIDDEN);
    assert_true(a.decision.has_tdm_counted); /* what overrode it: the header */
    assert_int_equal(a.decision.tdm_counted, 1);
    decided_free(&a);
    /* meta 1 overrides header 0 */
    decided b = {0};
    tdm(&b.list, ROBOTS_SOURCE_HEADER, "0", NULL);
    tdm(&b.list, ROBOTS_SOURCE_META, "1", NULL);
    decide(&b, NULL);
    assert_true(b.decision.opted_out);
    assert_int_equal(b.decision.verdicts[0], ROBOTS_VERDICT_OVERRIDDEN);
    decided_free(&b);
    /* meta 0 overrides header 1 and file 1 */
    decided c = {0};
    robots_signals_from_tdmrep_json(&c.list, json, strlen(json), "/img/a.jpg", NULL, NULL);
    tdm(&c.list, ROBOTS_SOURCE_HEADER, "1", NULL);
    tdm(&c.list, ROBOTS_SOURCE_META, "0", NULL);
    decide(&c, NULL);
    assert_false(c.decision.opted_out);
    assert_true(c.decision.has_tdm_counted);
    assert_int_equal(c.decision.tdm_counted, 2);
    decided_free(&c);
    /* a value that is neither 0 nor 1 does not take precedence */
    decided e = {0};
    tdm(&e.list, ROBOTS_SOURCE_META, "maybe", NULL);
    tdm(&e.list, ROBOTS_SOURCE_HEADER, "1", NULL);
    decide(&e, NULL);
    assert_true(e.decision.opted_out);
    decided_free(&e);
}

static void test_tdmrep_json_first_matching_rule_wins(void **state)
{
    const char *json = "[\n"
                       " {\"location\": \"/public/*\", \"tdm-reservation\": 0},\n"
                       " {\"location\": \"/public/secret\", \"tdm-reservation\": 1},\n"
                       " {\"location\": \"/*.jpg$\", \"tdm-reservation\": \"1\",\n"
                       "  \"tdm-policy\": \"https://h/policy.json\"},\n"
                       " {\"location\": \"/\", \"tdm-reservation\": 0}\n"
                       "]";
    decided d = {0};
    assert_int_equal(robots_signals_from_tdmrep_json(&d.list, json, strlen(json),
                                                     "https://h/public/secret", NULL, NULL),
                     CS_OK);
    assert_int_equal(robots_signals_from_tdmrep_json(&d.list, json, strlen(json),
                                                     "https://h/img/a.jpg", NULL, NULL),
                     CS_OK);
    assert_int_equal(
        robots_signals_from_tdmrep_json(&d.list, json, strlen(json), "/img/a.jpg?x", NULL, NULL),
        CS_OK);
    assert_int_equal(d.list.count, 3);
    assert_int_equal(d.list.items[0].effect, ROBOTS_EFFECT_PERMIT);
    assert_int_equal(d.list.items[1].effect, ROBOTS_EFFECT_OPT_OUT);
    assert_int_equal(d.list.items[1].source, ROBOTS_SOURCE_TDMREP_JSON);
    assert_string_equal(d.list.items[1].detail, "https://h/policy.json");
    assert_non_null(strstr(d.list.items[1].where, "[2]"));
    assert_int_equal(d.list.items[2].effect, ROBOTS_EFFECT_PERMIT); /* "$" excluded it */
    decided_free(&d);
}

static void test_tdmrep_json_without_a_match_says_nothing(void **state)
{
    const char *json = "[{\"location\": \"/books/\", \"tdm-reservation\": 1}, 7, {}]";
    robots_signal_list list = {0};
    assert_int_equal(
        robots_signals_from_tdmrep_json(&list, json, strlen(json), "/img/a.jpg", NULL, NULL),
        CS_OK);
    assert_int_equal(list.count, 0);
    robots_signal_list_free(&list);
}

static void test_tdmrep_json_that_is_not_an_array_is_bad_input(void **state)
{
    robots_signal_list list = {0};
    cs_error err;
    assert_int_equal(
        robots_signals_from_tdmrep_json(&list, "{\"location\": \"/\"}", 17, "/", NULL, &err),
        CS_EFORMAT);
    assert_int_equal(robots_signals_from_tdmrep_json(&list, "[{", 2, "/", NULL, &err), CS_EFORMAT);
    assert_int_equal(robots_signals_from_tdmrep_json(&list, "", 0, "/", NULL, &err), CS_EFORMAT);
    assert_int_equal(list.count, 0);
    robots_signal_list_free(&list);
}

static void test_content_signal_ai_train_no_opts_out(void **state)
{
    robots_rules *rules = parse("User-Agent: *\nContent-Signal: search=yes, ai-train=no\n"
                                "Allow: /\n"
                                "User-Agent: FooBot\nContent-Signal: ai-train=yes\n");
    decided d = {0};
    assert_int_equal(robots_signals_from_preferences(&d.list, rules, ROBOTS_OWN_AGENT,
                                                     "https://h/a.jpg", NULL, NULL),
                     CS_OK);
    assert_int_equal(d.list.count, 1);
    assert_int_equal(d.list.items[0].kind, ROBOTS_SIGNAL_CONTENT_SIGNAL);
    assert_int_equal(d.list.items[0].line, 2);
    decide(&d, NULL);
    assert_true(d.decision.opted_out);
    decided_free(&d);
    /* FooBot's own group says yes: only a permission. */
    decided f = {0};
    robots_signals_from_preferences(&f.list, rules, "FooBot", "https://h/a.jpg", NULL, NULL);
    assert_int_equal(f.list.count, 1);
    assert_int_equal(f.list.items[0].effect, ROBOTS_EFFECT_PERMIT);
    decided_free(&f);
    robots_free(rules);
}

static void test_content_usage_train_ai_n_opts_out(void **state)
{
    robots_rules *rules = parse("User-Agent: *\nContent-Usage: train-ai=n\nAllow: /\n");
    decided d = {0};
    robots_signals_from_preferences(&d.list, rules, ROBOTS_OWN_AGENT, "/a.jpg", NULL, NULL);
    assert_int_equal(d.list.count, 1);
    assert_int_equal(d.list.items[0].kind, ROBOTS_SIGNAL_CONTENT_USAGE);
    assert_string_equal(d.list.items[0].value, "train-ai=n");
    decide(&d, NULL);
    assert_true(d.decision.opted_out);
    decided_free(&d);
    robots_free(rules);
}

static void test_ai_txt_disallow_opts_out_and_allow_permits(void **state)
{
    const char *txt = "User-Agent: *\nDisallow: *.jpg\nDisallow: *.png\nAllow: /public/\n";
    decided d = {0};
    assert_int_equal(robots_signals_from_ai_txt(&d.list, txt, strlen(txt), ROBOTS_OWN_AGENT,
                                                "https://h/img/a.jpg", NULL, NULL),
                     CS_OK);
    robots_signals_from_ai_txt(&d.list, txt, strlen(txt), ROBOTS_OWN_AGENT,
                               "https://h/public/a.gif", NULL, NULL);
    robots_signals_from_ai_txt(&d.list, txt, strlen(txt), ROBOTS_OWN_AGENT, "https://h/a.gif", NULL,
                               NULL);
    assert_int_equal(d.list.count, 2);
    assert_int_equal(d.list.items[0].effect, ROBOTS_EFFECT_OPT_OUT);
    assert_int_equal(d.list.items[0].source, ROBOTS_SOURCE_AI_TXT);
    assert_int_equal(d.list.items[0].line, 2);
    assert_int_equal(d.list.items[1].effect, ROBOTS_EFFECT_PERMIT);
    decide(&d, NULL);
    assert_true(d.decision.opted_out);
    decided_free(&d);
}

static void test_ai_crawler_rules_opt_out(void **state)
{
    robots_rules *rules = parse("User-agent: *\nDisallow: /private/\n"
                                "User-agent: GPTBot\nDisallow: /\n"
                                "User-agent: CCBot\nAllow: /\n"
                                "User-agent: Google-Extended\nDisallow: /images/\n");
    decided d = {0};
    assert_int_equal(
        robots_signals_from_ai_crawlers(&d.list, rules, "https://h/images/a.jpg", NULL, NULL),
        CS_OK);
    assert_int_equal(d.list.count, 2);
    assert_string_equal(d.list.items[0].scope, "GPTBot");
    assert_string_equal(d.list.items[1].scope, "Google-Extended");
    assert_int_equal(d.list.items[1].line, 8);
    decide(&d, NULL);
    assert_true(d.decision.opted_out);
    robots_decision_free(&d.decision);
    robots_policy policy;
    robots_policy_default(&policy);
    policy.ai_crawler_rules = 0;
    decide(&d, &policy);
    assert_false(d.decision.opted_out);
    decided_free(&d);
    robots_free(rules);
}

static void test_global_disallow_is_not_an_ai_crawler_rule(void **state)
{
    robots_rules *rules = parse("User-agent: *\nDisallow: /\n");
    robots_signal_list list = {0};
    robots_signals_from_ai_crawlers(&list, rules, "https://h/a.jpg", NULL, NULL);
    assert_int_equal(list.count, 0);
    robots_signal_list_free(&list);
    robots_free(rules);
}

static void test_invalid_ai_tokens_match_by_leading_valid_part(void **state)
{
    robots_rules *rules = parse("User-agent: img2dataset\nDisallow: /\n"
                                "User-agent: Kangaroo Bot\nDisallow: /\n");
    robots_signal_list list = {0};
    robots_signals_from_ai_crawlers(&list, rules, "https://h/a.jpg", NULL, NULL);
    assert_int_equal(list.count, 2); /* in the list's order */
    int img = strcmp(list.items[0].scope, "img2dataset") == 0 ? 0 : 1;
    assert_string_equal(list.items[img].scope, "img2dataset");
    assert_string_equal(list.items[1 - img].scope, "Kangaroo Bot");
    robots_signal_list_free(&list);
    robots_free(rules);
}

static void test_payment_required_is_not_permitted(void **state)
{
    decided d = {0};
    assert_int_equal(robots_signals_from_http(&d.list, 200, NULL, 0, NULL, NULL), CS_OK);
    assert_int_equal(d.list.count, 0);
    robots_signals_from_http(&d.list, 402, NULL, 0, NULL, NULL);
    robots_signals_from_http(&d.list, 200, "USD 0.01", 8, NULL, NULL);
    assert_int_equal(d.list.count, 2);
    assert_string_equal(d.list.items[0].value, "402");
    assert_int_equal(d.list.items[0].source, ROBOTS_SOURCE_HTTP_STATUS);
    assert_string_equal(d.list.items[1].value, "USD 0.01");
    decide(&d, NULL);
    assert_true(d.decision.opted_out);
    robots_decision_free(&d.decision);
    robots_policy policy;
    robots_policy_default(&policy);
    policy.payment_required = 0;
    decide(&d, &policy);
    assert_false(d.decision.opted_out);
    decided_free(&d);
}

static int dmi(robots_signal_list *list, const char *value)
{
    return robots_signals_from_data_mining(list, value, strlen(value), NULL, NULL);
}

static void test_iptc_data_mining_prohibited_values_opt_out(void **state)
{
    static const char *const prohibited[] = {
        "DMI-PROHIBITED",
        "DMI-PROHIBITED-AIMLTRAINING",
        "DMI-PROHIBITED-GENAIMLTRAINING",
        "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING",
        "DMI-PROHIBITED-SEECONSTRAINT",
        "DMI-PROHIBITED-SEEEMBEDDEDRIGHTSEXPR",
        "DMI-PROHIBITED-SEELINKEDRIGHTSEXPR",
        "http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED-AIMLTRAINING",
    };
    for (size_t i = 0; i < CS_ARRAY_LEN(prohibited); i++) {
        decided d = {0};
        dmi(&d.list, prohibited[i]);
        decide(&d, NULL);
        assert_true(d.decision.opted_out);
        assert_int_equal(d.list.items[0].kind, ROBOTS_SIGNAL_DATA_MINING);
        decided_free(&d);
    }
    decided ok = {0};
    dmi(&ok.list, "http://ns.useplus.org/ldf/vocab/DMI-ALLOWED");
    dmi(&ok.list, "DMI-UNSPECIFIED");
    decide(&ok, NULL);
    assert_false(ok.decision.opted_out);
    assert_int_equal(ok.decision.verdicts[0], ROBOTS_VERDICT_PERMITS);
    assert_int_equal(ok.decision.verdicts[1], ROBOTS_VERDICT_NO_EFFECT);
    decided_free(&ok);
}

static void test_c2pa_training_mining_not_allowed_and_constrained_opt_out(void **state)
{
    decided d = {0};
    robots_signals_from_training_mining(&d.list, "c2pa.ai_training", 16, "notAllowed", 10, NULL,
                                        NULL);
    robots_signals_from_training_mining(&d.list, "cawg.data_mining", 16, "constrained", 11, NULL,
                                        NULL);
    robots_signals_from_training_mining(&d.list, NULL, 0, "allowed", 7, NULL, NULL);
    decide(&d, NULL);
    assert_int_equal(d.decision.verdicts[0], ROBOTS_VERDICT_OPTS_OUT);
    assert_int_equal(d.decision.verdicts[1], ROBOTS_VERDICT_OPTS_OUT);
    assert_int_equal(d.decision.verdicts[2], ROBOTS_VERDICT_PERMITS);
    assert_string_equal(d.list.items[0].detail, "c2pa.ai_training");
    decided_free(&d);
}

static void test_a_permission_does_not_cancel_an_opt_out(void **state)
{
    decided d = {0};
    dmi(&d.list, "DMI-ALLOWED");
    xrt(&d.list, "noai");
    decide(&d, NULL);
    assert_true(d.decision.opted_out);
    assert_int_equal(d.decision.first_reason, 1);
    decided_free(&d);
}

static void test_no_signals_means_no_opt_out(void **state)
{
    decided d = {0};
    decide(&d, NULL);
    assert_false(d.decision.opted_out);
    assert_int_equal(d.decision.count, 0);
    decided_free(&d);
}

static void test_signal_description_names_kind_value_and_place(void **state)
{
    robots_signal_list list = {0};
    robots_signals_from_x_robots_tag(&list, "noai", 4, "https://h/a.jpg", NULL);
    char text[256];
    robots_signal_describe(&list.items[0], text, sizeof text);
    assert_non_null(strstr(text, "noai"));
    assert_non_null(strstr(text, "https://h/a.jpg"));
    assert_string_equal(robots_signal_kind_name(list.items[0].kind), "robots-directive");
    assert_string_equal(robots_effect_name(list.items[0].effect), "opt-out");
    assert_string_equal(robots_signal_source_name(list.items[0].source), "header");
    robots_signal_list_free(&list);
}

static void test_signal_list_is_bounded(void **state)
{
    robots_signal_list list = {0};
    robots_signal s;
    memset(&s, 0, sizeof s);
    for (int i = 0; i < ROBOTS_MAX_SIGNALS; i++)
        assert_int_equal(robots_signal_list_add(&list, &s), CS_OK);
    assert_int_equal(robots_signal_list_add(&list, &s), CS_ELIMIT);
    cs_error err;
    assert_int_equal(robots_signals_from_x_robots_tag(&list, "noai", 4, NULL, &err), CS_ELIMIT);
    robots_signal_list_free(&list);
}

/* ------------------------------------------------------------------ CLI */

static void test_cli_robots_check_exit_codes_and_output(void **state)
{
    char dir[TS_PATH_MAX], path[TS_PATH_MAX];
    ts_tempdir(dir);
    const char *txt = "User-agent: *\nDisallow: /private/\nUser-agent: FooBot\nDisallow: /\n";
    ts_write_file(ts_join(path, dir, "robots.txt"), txt, strlen(txt));

    ts_run_result r;
    const char *all_ok[] = {"clearset",    "robots",      "check",       path,
                            "clearsetbot", "https://h/a", "https://h/b", NULL};
    ts_run_clearset(&r, dir, all_ok);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "allowed\thttps://h/a\nallowed\thttps://h/b\n");
    assert_int_equal(r.err_len, 0);
    ts_run_result_free(&r);

    const char *some_no[] = {
        "clearset", "robots", "check", path, "clearsetbot", "https://h/a", "https://h/private/x",
        NULL};
    ts_run_clearset(&r, dir, some_no);
    assert_int_equal(r.status, 1);
    assert_string_equal(r.out, "allowed\thttps://h/a\ndisallowed\thttps://h/private/x\n");
    ts_run_result_free(&r);

    const char *missing[] = {"clearset", "robots", "check", path, "clearsetbot", NULL};
    ts_run_clearset(&r, dir, missing);
    assert_int_equal(r.status, 2);
    ts_run_result_free(&r);

    const char *no_file[] = {"clearset",    "robots",      "check", "/nonexistent/robots.txt",
                             "clearsetbot", "https://h/a", NULL};
    ts_run_clearset(&r, dir, no_file);
    assert_int_equal(r.status, 2);
    ts_run_result_free(&r);

    const char *bad_sub[] = {"clearset", "robots", "frobnicate", NULL};
    ts_run_clearset(&r, dir, bad_sub);
    assert_int_equal(r.status, 2);
    ts_run_result_free(&r);

    const char *help[] = {"clearset", "robots", "--help", NULL};
    ts_run_clearset(&r, dir, help);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "robots check"));
    ts_run_result_free(&r);
    ts_rmtree(dir);
}

static void test_cli_robots_check_warns_about_invalid_agents_but_answers(void **state)
{
    char dir[TS_PATH_MAX], path[TS_PATH_MAX];
    ts_tempdir(dir);
    const char *txt = "User-agent: FooBot\nDisallow: /\nUser-agent: *\nDisallow: /star\n";
    ts_write_file(ts_join(path, dir, "robots.txt"), txt, strlen(txt));
    ts_run_result r;
    const char *argv[] = {"clearset",   "robots",      "check",          path,
                          "FooBot/2.1", "https://h/x", "https://h/star", NULL};
    ts_run_clearset(&r, dir, argv);
    assert_int_equal(r.status, 1);
    assert_string_equal(r.out, "allowed\thttps://h/x\ndisallowed\thttps://h/star\n");
    assert_non_null(strstr(r.err, "warning"));
    assert_non_null(strstr(r.err, "FooBot/2.1"));
    ts_run_result_free(&r);

    const char *empty[] = {"clearset", "robots", "check", path, "", "https://h/x", NULL};
    ts_run_clearset(&r, dir, empty);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.err, "warning"));
    ts_run_result_free(&r);

    const char *valid[] = {"clearset", "robots", "check", path, "foobot", "https://h/x", NULL};
    ts_run_clearset(&r, dir, valid);
    assert_int_equal(r.status, 1);
    assert_int_equal(r.err_len, 0);
    ts_run_result_free(&r);
    ts_rmtree(dir);
}

/* The catalog stores kind+source as one word; every signal the producers make
 * must survive the round trip, and distinct sources must keep distinct words. */
static void test_catalog_kind_words_round_trip(void **state)
{
    (void)state;
    static const struct {
        robots_signal_kind kind;
        robots_signal_source source;
        const char *word;
    } cases[] = {
        {ROBOTS_SIGNAL_ROBOTS_DIRECTIVE, ROBOTS_SOURCE_HEADER, "x-robots-tag"},
        {ROBOTS_SIGNAL_ROBOTS_DIRECTIVE, ROBOTS_SOURCE_META, "meta-robots"},
        {ROBOTS_SIGNAL_TDM_RESERVATION, ROBOTS_SOURCE_HEADER, "tdm-header"},
        {ROBOTS_SIGNAL_TDM_RESERVATION, ROBOTS_SOURCE_META, "tdm-meta"},
        {ROBOTS_SIGNAL_TDM_RESERVATION, ROBOTS_SOURCE_TDMREP_JSON, "tdmrep-json"},
        {ROBOTS_SIGNAL_CONTENT_SIGNAL, ROBOTS_SOURCE_ROBOTS_TXT, "content-signal"},
        {ROBOTS_SIGNAL_CONTENT_USAGE, ROBOTS_SOURCE_ROBOTS_TXT, "content-usage"},
        {ROBOTS_SIGNAL_AI_TXT, ROBOTS_SOURCE_AI_TXT, "ai-txt"},
        {ROBOTS_SIGNAL_AI_CRAWLER_RULE, ROBOTS_SOURCE_ROBOTS_TXT, "ai-crawler-rule"},
        {ROBOTS_SIGNAL_PAYMENT_REQUIRED, ROBOTS_SOURCE_HTTP_STATUS, "http-402"},
        {ROBOTS_SIGNAL_PAYMENT_REQUIRED, ROBOTS_SOURCE_HEADER, "crawler-price"},
        {ROBOTS_SIGNAL_DATA_MINING, ROBOTS_SOURCE_EMBEDDED, "iptc-data-mining"},
        {ROBOTS_SIGNAL_TRAINING_MINING, ROBOTS_SOURCE_EMBEDDED, "c2pa-training"},
    };
    for (size_t i = 0; i < CS_ARRAY_LEN(cases); i++) {
        robots_signal s = {.kind = cases[i].kind, .source = cases[i].source};
        assert_string_equal(robots_signal_catalog_kind(&s), cases[i].word);
        robots_signal_kind kind = 0;
        robots_signal_source source = 0;
        assert_int_equal(robots_signal_from_catalog_kind(cases[i].word, &kind, &source), CS_OK);
        assert_int_equal(kind, cases[i].kind);
        assert_int_equal(source, cases[i].source);
    }
    robots_signal_kind kind;
    robots_signal_source source;
    assert_int_equal(robots_signal_from_catalog_kind("no-such-kind", &kind, &source), CS_ENOTFOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_several_user_agent_lines_share_one_group),
        cmocka_unit_test(test_blank_lines_do_not_separate_user_agents_or_rules),
        cmocka_unit_test(test_groups_naming_the_same_agent_merge),
        cmocka_unit_test(test_rules_before_the_first_user_agent_are_ignored),
        cmocka_unit_test(test_sitemap_line_does_not_end_a_group),
        cmocka_unit_test(test_unknown_line_does_not_end_a_group),
        cmocka_unit_test(test_user_agent_after_rules_starts_a_new_group),
        cmocka_unit_test(test_specific_group_replaces_the_global_group_entirely),
        cmocka_unit_test(test_specific_group_without_rules_still_replaces_global),
        cmocka_unit_test(test_global_group_applies_when_no_group_names_the_agent),
        cmocka_unit_test(test_no_matching_group_and_no_global_group_allows),
        cmocka_unit_test(test_empty_robots_txt_allows_everything),
        cmocka_unit_test(test_group_naming_agent_and_star_applies_to_both),
        cmocka_unit_test(test_agent_value_is_cut_at_first_character_outside_token_set),
        cmocka_unit_test(test_agent_matching_is_case_insensitive),
        cmocka_unit_test(test_star_followed_by_space_and_text_is_the_global_agent),
        cmocka_unit_test(test_product_token_validity),
        cmocka_unit_test(test_invalid_query_agent_is_compared_whole),
        cmocka_unit_test(test_empty_agent_matches_only_empty_cut_values),
        cmocka_unit_test(test_has_specific_group),
        cmocka_unit_test(test_keys_are_case_insensitive),
        cmocka_unit_test(test_missing_colon_is_tolerated_for_two_words),
        cmocka_unit_test(test_user_agent_misspellings_are_accepted),
        cmocka_unit_test(test_disallow_misspellings_are_accepted),
        cmocka_unit_test(test_allow_misspellings_are_not_accepted),
        cmocka_unit_test(test_keys_are_matched_by_prefix),
        cmocka_unit_test(test_comments_are_stripped),
        cmocka_unit_test(test_whitespace_around_keys_and_values_is_ignored),
        cmocka_unit_test(test_nul_byte_ends_the_line),
        cmocka_unit_test(test_paths_are_case_sensitive),
        cmocka_unit_test(test_patterns_match_from_the_first_octet),
        cmocka_unit_test(test_trailing_slash_pattern_does_not_match_without_it),
        cmocka_unit_test(test_longest_match_wins),
        cmocka_unit_test(test_longest_match_counts_octets_of_the_normalised_pattern),
        cmocka_unit_test(test_allow_wins_a_tie),
        cmocka_unit_test(test_empty_rules_decide_nothing),
        cmocka_unit_test(test_star_matches_any_sequence),
        cmocka_unit_test(test_trailing_star_is_the_same_as_none),
        cmocka_unit_test(test_dollar_anchors_the_end),
        cmocka_unit_test(test_dollar_inside_a_pattern_is_literal),
        cmocka_unit_test(test_non_ascii_in_patterns_is_percent_encoded),
        cmocka_unit_test(test_percent_escapes_in_patterns_are_upper_cased),
        cmocka_unit_test(test_percent_encoded_unreserved_octets_are_not_decoded),
        cmocka_unit_test(test_query_strings_are_matched_unencoded),
        cmocka_unit_test(test_index_html_allow_also_allows_the_directory),
        cmocka_unit_test(test_index_htm_allow_also_allows_the_directory),
        cmocka_unit_test(test_url_path_extraction),
        cmocka_unit_test(test_empty_url_path_is_slash),
        cmocka_unit_test(test_robots_txt_itself_is_always_allowed),
        cmocka_unit_test(test_allow_all_and_disallow_all_rules),
        cmocka_unit_test(test_utf8_bom_is_skipped),
        cmocka_unit_test(test_partial_bom_is_skipped),
        cmocka_unit_test(test_broken_bom_garbles_the_first_line),
        cmocka_unit_test(test_bom_in_the_middle_is_not_skipped),
        cmocka_unit_test(test_lf_cr_crlf_and_mixed_line_endings),
        cmocka_unit_test(test_cr_cr_lf_counts_two_line_ends),
        cmocka_unit_test(test_long_lines_are_truncated_like_the_reference),
        cmocka_unit_test(test_line_just_within_the_limit_is_kept_whole),
        cmocka_unit_test(test_only_the_first_500_kib_are_parsed),
        cmocka_unit_test(test_parse_rejects_null_bytes_with_length),
        cmocka_unit_test(test_deciding_line_and_pattern_are_reported),
        cmocka_unit_test(test_sitemaps_are_collected_from_anywhere),
        cmocka_unit_test(test_license_lines_are_collected),
        cmocka_unit_test(test_crawl_delay_of_the_applicable_group),
        cmocka_unit_test(test_content_signal_is_read_per_group),
        cmocka_unit_test(test_content_usage_with_and_without_path),
        cmocka_unit_test(test_preferences_before_any_group_apply_to_everyone),
        cmocka_unit_test(test_preference_lines_do_not_change_groups),
        cmocka_unit_test(test_ai_crawler_list_holds_the_well_known_tokens),
        cmocka_unit_test(test_ai_crawler_match_token_is_the_leading_valid_part),
        cmocka_unit_test(test_x_robots_tag_noai_and_noimageai_opt_out),
        cmocka_unit_test(test_x_robots_tag_is_comma_separated_and_case_insensitive),
        cmocka_unit_test(test_x_robots_tag_headers_combine),
        cmocka_unit_test(test_x_robots_tag_agent_prefix_scopes_the_directives),
        cmocka_unit_test(test_directives_scoped_to_an_ai_crawler_count_by_policy),
        cmocka_unit_test(test_valued_directives_are_not_agent_prefixes),
        cmocka_unit_test(test_noindex_none_noimageindex_opt_out_only_by_policy),
        cmocka_unit_test(test_meta_robots_names_that_apply),
        cmocka_unit_test(test_tdm_reservation_only_1_reserves),
        cmocka_unit_test(test_tdm_precedence_meta_over_header_over_file),
        cmocka_unit_test(test_tdmrep_json_first_matching_rule_wins),
        cmocka_unit_test(test_tdmrep_json_without_a_match_says_nothing),
        cmocka_unit_test(test_tdmrep_json_that_is_not_an_array_is_bad_input),
        cmocka_unit_test(test_content_signal_ai_train_no_opts_out),
        cmocka_unit_test(test_content_usage_train_ai_n_opts_out),
        cmocka_unit_test(test_ai_txt_disallow_opts_out_and_allow_permits),
        cmocka_unit_test(test_ai_crawler_rules_opt_out),
        cmocka_unit_test(test_global_disallow_is_not_an_ai_crawler_rule),
        cmocka_unit_test(test_invalid_ai_tokens_match_by_leading_valid_part),
        cmocka_unit_test(test_payment_required_is_not_permitted),
        cmocka_unit_test(test_iptc_data_mining_prohibited_values_opt_out),
        cmocka_unit_test(test_c2pa_training_mining_not_allowed_and_constrained_opt_out),
        cmocka_unit_test(test_a_permission_does_not_cancel_an_opt_out),
        cmocka_unit_test(test_no_signals_means_no_opt_out),
        cmocka_unit_test(test_signal_description_names_kind_value_and_place),
        cmocka_unit_test(test_signal_list_is_bounded),
        cmocka_unit_test(test_catalog_kind_words_round_trip),
        cmocka_unit_test(test_cli_robots_check_exit_codes_and_output),
        cmocka_unit_test(test_cli_robots_check_warns_about_invalid_agents_but_answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
