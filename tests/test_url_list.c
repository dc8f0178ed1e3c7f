/*
 * test_url_list.c - crawler/url_list.c: image URL lists as img2dataset takes
 * them (txt, CSV, TSV, JSON Lines), written to files byte for byte, plain and
 * gzip (made with zlib here, and cut short), with RFC 4180 quoting, CRLF line
 * ends, a UTF-8 BOM, missing columns and bad lines in between good ones.
 */
#include "tests/support/testsupport.h"

#include "crawler/crawler.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define MAX_ENTRIES 16

typedef struct listed {
    crawler_url_list_entry entries[MAX_ENTRIES];
    size_t count;
    char bad[MAX_ENTRIES][CS_ERROR_MESSAGE_MAX];
    size_t bad_count;
    int end; /* 0 at the end; CS_EINVAL for a list that cannot be read */
} listed;

static void write_gzip(const char *path, const char *text, size_t cut)
{
    gzFile gz = gzopen(path, "wb");
    assert_non_null(gz);
    assert_int_equal(gzwrite(gz, text, (unsigned)strlen(text)), (int)strlen(text));
    gzclose(gz);
    if (cut == 0) return;
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    assert_int_equal(truncate(path, size - (long)cut), 0);
}

static listed *read_list(const char *path, crawler_url_list_format format, const char *url_col,
                         const char *caption_col)
{
    listed *out = calloc(1, sizeof *out);
    assert_non_null(out);
    crawler_url_list *l = NULL;
    cs_error err;
    assert_int_equal(crawler_url_list_open(path, format, url_col, caption_col, &l, &err), CS_OK);
    for (;;) {
        crawler_url_list_entry e;
        int rc = crawler_url_list_next(l, &e, &err);
        if (rc == 1) {
            assert_true(out->count < MAX_ENTRIES);
            out->entries[out->count++] = e;
        } else if (rc == CS_EFORMAT) {
            assert_true(out->bad_count < MAX_ENTRIES);
            snprintf(out->bad[out->bad_count++], CS_ERROR_MESSAGE_MAX, "%s", err.message);
        } else {
            out->end = rc;
            break;
        }
    }
    crawler_url_list_close(l);
    return out;
}

static void test_format_follows_the_name_gz_aside(void **state)
{
    (void)state;
    assert_int_equal(crawler_url_list_format_of("a.csv"), CRAWLER_URL_LIST_CSV);
    assert_int_equal(crawler_url_list_format_of("a.tsv.gz"), CRAWLER_URL_LIST_TSV);
    assert_int_equal(crawler_url_list_format_of("dir/a.jsonl.gz"), CRAWLER_URL_LIST_JSONL);
    assert_int_equal(crawler_url_list_format_of("a.json"), CRAWLER_URL_LIST_JSONL);
    assert_int_equal(crawler_url_list_format_of("a.txt"), CRAWLER_URL_LIST_TXT);
    assert_int_equal(crawler_url_list_format_of("-"), CRAWLER_URL_LIST_TXT);
}

static void test_txt_skips_blanks_and_comments_and_reports_bad_urls(void **state)
{
    (void)state;
    const char text[] = "# images\nhttp://a.example/1.jpg\n\n  \nftp://a.example/x\n"
                        "HTTP://A.example/2.jpg  \nhttp://a.example/3.jpg";
    ts_write_file("l.txt", text, sizeof text - 1);
    listed *r = read_list("l.txt", CRAWLER_URL_LIST_AUTO, NULL, NULL);
    assert_int_equal(r->end, 0);
    assert_int_equal(r->count, 3);
    assert_string_equal(r->entries[0].url, "http://a.example/1.jpg");
    assert_int_equal(r->entries[0].line, 2);
    assert_string_equal(r->entries[1].url, "http://a.example/2.jpg");
    assert_string_equal(r->entries[2].url, "http://a.example/3.jpg"); /* no newline at the end */
    assert_int_equal(r->entries[2].line, 7);
    assert_int_equal(r->bad_count, 1);
    assert_non_null(strstr(r->bad[0], "l.txt:5: "));
    free(r);
}

static void test_csv_quoting_of_rfc_4180(void **state)
{
    (void)state;
    const char text[] = "\xEF\xBB\xBF"
                        "caption,url,other\r\n"
                        "\"a, b\",http://a.example/1.jpg,x\r\n"
                        "\"say \"\"hi\"\"\",\"http://a.example/2.jpg\",\r\n"
                        "\"two\nlines\",http://a.example/3.jpg,\"x,\ny\"\r\n"
                        ",http://a.example/4.jpg\r\n";
    ts_write_file("l.csv", text, sizeof text - 1);
    listed *r = read_list("l.csv", CRAWLER_URL_LIST_AUTO, NULL, NULL);
    assert_int_equal(r->end, 0);
    assert_int_equal(r->bad_count, 0);
    assert_int_equal(r->count, 4);
    assert_string_equal(r->entries[0].caption, "a, b");
    assert_string_equal(r->entries[1].caption, "say \"hi\"");
    assert_string_equal(r->entries[1].url, "http://a.example/2.jpg");
    assert_string_equal(r->entries[2].caption, "two\nlines");
    assert_int_equal(r->entries[2].line, 4);
    assert_string_equal(r->entries[3].url, "http://a.example/4.jpg");
    assert_int_equal(r->entries[3].line, 7); /* the two quoted newlines count as lines */
    assert_string_equal(r->entries[3].caption, "");
    free(r);
}

static void test_csv_missing_column_and_unclosed_quote_are_bad_lines(void **state)
{
    (void)state;
    const char text[] = "id,url\n1\n2,http://a.example/2.jpg\n3,\"http://a.example/3.jpg\n";
    ts_write_file("l.csv", text, sizeof text - 1);
    listed *r = read_list("l.csv", CRAWLER_URL_LIST_AUTO, NULL, NULL);
    assert_int_equal(r->end, 0);
    assert_int_equal(r->count, 1);
    assert_string_equal(r->entries[0].url, "http://a.example/2.jpg");
    assert_int_equal(r->bad_count, 2);
    assert_string_equal(r->bad[0], "l.csv:2: no URL column");
    assert_string_equal(r->bad[1], "l.csv:4: unclosed quote");
    free(r);
}

static void test_csv_quote_inside_an_unquoted_field_is_a_plain_byte(void **state)
{
    (void)state;
    const char text[] = "url,caption\nhttp://a.example/1.jpg,5\" tall\nhttp://a.example/2.jpg,b\n";
    ts_write_file("l.csv", text, sizeof text - 1);
    listed *r = read_list("l.csv", CRAWLER_URL_LIST_AUTO, NULL, NULL);
    assert_int_equal(r->bad_count, 0);
    assert_int_equal(r->count, 2);
    assert_string_equal(r->entries[0].caption, "5\" tall");
    assert_int_equal(r->entries[1].line, 3);
    free(r);
}

static void test_header_without_the_url_column_stops_the_list(void **state)
{
    (void)state;
    const char text[] = "link,caption\nhttp://a.example/1.jpg,x\n";
    ts_write_file("l.csv", text, sizeof text - 1);
    listed *r = read_list("l.csv", CRAWLER_URL_LIST_AUTO, NULL, NULL);
    assert_int_equal(r->end, CS_EINVAL);
    free(r);
    r = read_list("l.csv", CRAWLER_URL_LIST_AUTO, "link", "caption");
    assert_int_equal(r->end, 0);
    assert_int_equal(r->count, 1);
    assert_string_equal(r->entries[0].caption, "x");
    free(r);
}

static void test_tsv_with_named_columns_and_crlf(void **state)
{
    (void)state;
    const char text[] = "TEXT\tURL\r\na \"quoted\" caption\thttp://a.example/1.jpg\r\n"
                        "no url here\r\n";
    ts_write_file("l.tsv", text, sizeof text - 1);
    listed *r = read_list("l.tsv", CRAWLER_URL_LIST_AUTO, "URL", "TEXT");
    assert_int_equal(r->count, 1);
    assert_string_equal(r->entries[0].caption, "a \"quoted\" caption"); /* TSV: no quoting */
    assert_string_equal(r->entries[0].url, "http://a.example/1.jpg");
    assert_int_equal(r->bad_count, 1);
    assert_string_equal(r->bad[0], "l.tsv:3: no URL column");
    free(r);
}

static void test_jsonl_objects_and_bad_json(void **state)
{
    (void)state;
    const char text[] = "{\"url\": \"http://a.example/1.jpg\", \"caption\": \"caf\\u00e9\"}\r\n"
                        "[1, 2]\n{\"url\": 3}\n{\"url\": \"http://a.example/2.jpg\"\n"
                        "{\"url\": \"http://a.example/3.jpg\", \"caption\": null}\n";
    ts_write_file("l.jsonl", text, sizeof text - 1);
    listed *r = read_list("l.jsonl", CRAWLER_URL_LIST_AUTO, NULL, NULL);
    assert_int_equal(r->end, 0);
    assert_int_equal(r->count, 2);
    assert_string_equal(r->entries[0].caption, "caf\xC3\xA9");
    assert_string_equal(r->entries[1].url, "http://a.example/3.jpg");
    assert_string_equal(r->entries[1].caption, "");
    assert_int_equal(r->bad_count, 3);
    assert_string_equal(r->bad[0], "l.jsonl:2: not a JSON object");
    assert_string_equal(r->bad[1], "l.jsonl:3: no URL field");
    assert_string_equal(r->bad[2], "l.jsonl:4: not a JSON object");
    free(r);
}

static void test_long_caption_is_cut_at_a_character_boundary(void **state)
{
    (void)state;
    static char text[8192];
    size_t n = (size_t)snprintf(text, sizeof text, "url\tcaption\nhttp://a.example/1.jpg\t");
    for (int i = 0; i < 2000; i++) { /* 4000 bytes of two-byte characters */
        text[n++] = '\xC3';
        text[n++] = '\xA9';
    }
    text[n++] = '\n';
    ts_write_file("l.tsv", text, n);
    listed *r = read_list("l.tsv", CRAWLER_URL_LIST_AUTO, NULL, NULL);
    assert_int_equal(r->count, 1);
    size_t len = strlen(r->entries[0].caption);
    assert_int_equal(len, sizeof r->entries[0].caption - 2); /* 2047 would split one: 2 * 1023 */
    assert_int_equal((unsigned char)r->entries[0].caption[len - 1], 0xA9);
    free(r);
}

static void test_gzip_is_found_by_content(void **state)
{
    (void)state;
    write_gzip("list.data", "url,caption\nhttp://a.example/1.jpg,one\n", 0);
    listed *r = read_list("list.data", CRAWLER_URL_LIST_CSV, NULL, NULL);
    assert_int_equal(r->count, 1);
    assert_string_equal(r->entries[0].caption, "one");
    free(r);
}

static void test_truncated_gzip_keeps_what_came_before(void **state)
{
    (void)state;
    char text[64 * 1024] = "";
    size_t n = 0;
    for (int i = 0; i < 1000; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "http://a.example/%d.jpg\n", i);
    write_gzip("l.txt.gz", text, 40);
    crawler_url_list *l = NULL;
    cs_error err;
    assert_int_equal(crawler_url_list_open("l.txt.gz", CRAWLER_URL_LIST_AUTO, NULL, NULL, &l, &err),
                     CS_OK);
    crawler_url_list_entry e;
    int good = 0, bad = 0, rc;
    while ((rc = crawler_url_list_next(l, &e, &err)) != 0) {
        if (rc == 1) good++;
        if (rc == CS_EFORMAT) {
            bad++;
            assert_non_null(strstr(err.message, "gzip data"));
        }
    }
    crawler_url_list_close(l);
    assert_int_equal(bad, 1);
    assert_true(good > 0 && good < 1000);
}

static void test_missing_file_is_an_io_error(void **state)
{
    (void)state;
    crawler_url_list *l = NULL;
    cs_error err;
    assert_int_equal(crawler_url_list_open("nope.txt", CRAWLER_URL_LIST_AUTO, NULL, NULL, &l, &err),
                     CS_EIO);
    assert_null(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_follows_the_name_gz_aside),
        cmocka_unit_test(test_txt_skips_blanks_and_comments_and_reports_bad_urls),
        cmocka_unit_test(test_csv_quoting_of_rfc_4180),
        cmocka_unit_test(test_csv_missing_column_and_unclosed_quote_are_bad_lines),
        cmocka_unit_test(test_csv_quote_inside_an_unquoted_field_is_a_plain_byte),
        cmocka_unit_test(test_header_without_the_url_column_stops_the_list),
        cmocka_unit_test(test_tsv_with_named_columns_and_crlf),
        cmocka_unit_test(test_jsonl_objects_and_bad_json),
        cmocka_unit_test(test_long_caption_is_cut_at_a_character_boundary),
        cmocka_unit_test(test_gzip_is_found_by_content),
        cmocka_unit_test(test_truncated_gzip_keeps_what_came_before),
        cmocka_unit_test(test_missing_file_is_an_io_error),
    };
    char dir[TS_PATH_MAX]; /* the lists are written here */
    ts_tempdir(dir);
    if (chdir(dir) != 0) return 1;
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    ts_rmtree(dir);
    return failed;
}
