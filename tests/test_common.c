/*
 * test_common.c - common/: the one way arrays grow (cs_array_reserve and
 * cs_array_grow), with the limits untrusted input relies on; base64 as RFC
 * 4648 gives it; HTML text escaping and the UTF-8 check.
 */
#include "common/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

static void array_reserve_appends_one_at_a_time_and_doubles(void **state)
{
    int *items = NULL;
    size_t cap = 0;
    for (size_t i = 0; i < 1000; i++) {
        assert_int_equal(cs_array_reserve((void **)&items, &cap, i, sizeof *items, 0), CS_OK);
        assert_true(cap > i);
        items[i] = (int)i;
    }
    assert_true(cap < 2 * 1000); /* doubling, not one slot per append */
    for (size_t i = 0; i < 1000; i++)
        assert_int_equal(items[i], (int)i);
    free(items);
}

static void array_reserve_stops_at_the_maximum_count(void **state)
{
    int *items = NULL;
    size_t cap = 0, count = 0;
    while (cs_array_reserve((void **)&items, &cap, count, sizeof *items, 20) == CS_OK)
        items[count++] = 1;
    assert_int_equal(count, 20);
    assert_int_equal(cap, 20); /* never allocates past the cap */
    assert_int_equal(cs_array_reserve((void **)&items, &cap, count, sizeof *items, 20), CS_ELIMIT);
    free(items);
}

static void array_grow_makes_room_for_many_at_once(void **state)
{
    uint32_t *items = NULL;
    size_t cap = 0;
    assert_int_equal(cs_array_grow((void **)&items, &cap, 3, sizeof *items, 0), CS_OK);
    assert_true(cap >= 3);
    assert_int_equal(cs_array_grow((void **)&items, &cap, 5000, sizeof *items, 0), CS_OK);
    assert_true(cap >= 5000);
    items[4999] = 7;
    size_t before = cap;
    assert_int_equal(cs_array_grow((void **)&items, &cap, 10, sizeof *items, 0), CS_OK);
    assert_int_equal(cap, before); /* never shrinks */
    assert_int_equal(cs_array_grow((void **)&items, &cap, 101, sizeof *items, 100), CS_ELIMIT);
    free(items);
}

static void array_grow_refuses_a_size_that_overflows(void **state)
{
    char *items = NULL;
    size_t cap = 0;
    assert_int_equal(cs_array_grow((void **)&items, &cap, SIZE_MAX / 2 + 2, 4, 0), CS_ENOMEM);
    assert_null(items);
    assert_int_equal(cap, 0);
    assert_int_equal(cs_array_reserve((void **)&items, &cap, SIZE_MAX, 1, 0), CS_ENOMEM);
}

static void base64_matches_the_rfc_4648_vectors(void **state)
{
    (void)state;
    static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const coded[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
                                        "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (size_t i = 0; i < CS_ARRAY_LEN(plain); i++) {
        cs_buf b;
        cs_buf_init(&b, 0);
        assert_int_equal(cs_buf_append_str(&b, "<"), CS_OK);
        assert_int_equal(cs_base64_append(&b, (const unsigned char *)plain[i], strlen(plain[i])),
                         CS_OK);
        assert_int_equal(b.len, 1 + strlen(coded[i]));
        assert_memory_equal(b.data + 1, coded[i], strlen(coded[i]));
        cs_buf_free(&b);
    }
    const unsigned char every[3] = {0xfb, 0xff, 0xbf}; /* the last two letters, + and / */
    cs_buf b;
    cs_buf_init(&b, 0);
    assert_int_equal(cs_base64_append(&b, every, 3), CS_OK);
    assert_memory_equal(b.data, "+/+/", 4);
    cs_buf_free(&b);
}

static void html_text_escapes_markup_and_replaces_invalid_utf8(void **state)
{
    cs_buf b;
    cs_buf_init(&b, 0);
    static const char text[] = "<a href=\"x\">R&D's</a> caf\xc3\xa9 \xff\0end";
    assert_int_equal(cs_buf_append_html(&b, text, sizeof text - 1), CS_OK);
    assert_string_equal((const char *)b.data,
                        "&lt;a href=&quot;x&quot;&gt;R&amp;D&#39;s&lt;/a&gt; caf\xc3\xa9 ?end");
    cs_buf_free(&b);
}

static void json_string_escapes_and_replaces_invalid_utf8(void **state)
{
    cs_buf b;
    cs_buf_init(&b, 0);
    static const char text[] = "say \"hi\"\\ \t\x01 caf\xc3\xa9 caf\xe9 \xf0\x9f\x98\x80"
                               "\0end";
    assert_int_equal(cs_buf_append_json_string(&b, text, sizeof text - 1), CS_OK);
    assert_int_equal(cs_buf_append(&b, "", 1), CS_OK);
    assert_string_equal((const char *)b.data,
                        "\"say \\\"hi\\\"\\\\ \\u0009\\u0001 caf\xc3\xa9 caf? "
                        "\xf0\x9f\x98\x80"
                        "end\"");
    /* what jansson reads back is the text, made valid */
    json_error_t error;
    json_t *back = json_loads((const char *)b.data, JSON_DECODE_ANY, &error);
    assert_non_null(back);
    assert_string_equal(json_string_value(back), "say \"hi\"\\ \t\x01 caf\xc3\xa9 caf? "
                                                 "\xf0\x9f\x98\x80"
                                                 "end");
    json_decref(back);
    cs_buf_free(&b);
}

static void utf8_valid_is_what_utf8_dup_keeps(void **state)
{
    static const char *const texts[] = {"",
                                        "plain",
                                        "caf\xc3\xa9",
                                        "\xf0\x9f\x98\x80 end",
                                        "caf\xe9",
                                        "\xc3",
                                        "\xed\xa0\x80",
                                        "a\x80"
                                        "b"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        char *dup = cs_utf8_dup(texts[i], strlen(texts[i]));
        assert_int_equal(cs_utf8_valid(texts[i], strlen(texts[i])), strcmp(dup, texts[i]) == 0);
        free(dup);
    }
    assert_int_equal(cs_utf8_valid("a\0b", 3), 0); /* a NUL is not kept either */
    assert_int_equal(cs_utf8_valid("caf\xc3\xa9", 5), 1);
    assert_int_equal(cs_utf8_valid("caf\xe9", 4), 0);
}

static void utf8_sequence_accepts_only_shortest_forms(void **state)
{
    assert_int_equal(cs_utf8_sequence((const unsigned char *)"a", 1), 1);
    assert_int_equal(cs_utf8_sequence((const unsigned char *)"\xc3\xa9", 2), 2);
    assert_int_equal(cs_utf8_sequence((const unsigned char *)"\xf0\x9f\x98\x80", 4), 4);
    assert_int_equal(cs_utf8_sequence((const unsigned char *)"\xc3", 1), 0);         /* cut */
    assert_int_equal(cs_utf8_sequence((const unsigned char *)"\xc0\xaf", 2), 0);     /* overlong */
    assert_int_equal(cs_utf8_sequence((const unsigned char *)"\xed\xa0\x80", 3), 0); /* surrogate */
    assert_int_equal(cs_utf8_sequence((const unsigned char *)"\x80", 1), 0);
    assert_int_equal(cs_utf8_sequence((const unsigned char *)"\xf4\x90\x80\x80", 4), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(array_reserve_appends_one_at_a_time_and_doubles),
        cmocka_unit_test(array_reserve_stops_at_the_maximum_count),
        cmocka_unit_test(array_grow_makes_room_for_many_at_once),
        cmocka_unit_test(array_grow_refuses_a_size_that_overflows),
        cmocka_unit_test(base64_matches_the_rfc_4648_vectors),
        cmocka_unit_test(html_text_escapes_markup_and_replaces_invalid_utf8),
        cmocka_unit_test(json_string_escapes_and_replaces_invalid_utf8),
        cmocka_unit_test(utf8_valid_is_what_utf8_dup_keeps),
        cmocka_unit_test(utf8_sequence_accepts_only_shortest_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
