/*
 * test_crawler_fetch.c - crawler/fetch.c and crawler/sniff.c against the
 * loopback fixture server: limits on hostile responses, the address check,
 * no redirect following, responses cut off inside their headers, and image
 * headers read without decoding.
 *
 * Image dimensions are the ones tests/fixtures/crawler/make_fixtures.sh asks
 * the encoders for (and exiftool reports).
 */
#include "tests/support/testsupport.h"

#include "crawler/crawler.h"
#include "demo/demo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void probe_fixture(const char *name, const char *type, int w, int h)
{
    char path[TS_PATH_MAX];
    size_t len;
    char *bytes = ts_read_file(ts_fixture(path, "crawler", name), &len);
    crawler_image_probe probe;
    assert_int_equal(crawler_sniff_image((unsigned char *)bytes, len, &probe), CS_OK);
    assert_string_equal(probe.media_type, type);
    assert_int_equal(probe.width, w);
    assert_int_equal(probe.height, h);
    /* every prefix either needs more bytes or already knows the answer */
    for (size_t n = 0; n < len; n++) {
        int rc = crawler_sniff_image((unsigned char *)bytes, n, &probe);
        assert_true(rc == CS_OK || rc == CS_ENOTFOUND);
    }
    free(bytes);
}

static void sniff_reads_dimensions_from_headers(void **state)
{
    probe_fixture("red.jpg", "image/jpeg", 24, 16);
    probe_fixture("plasma.jpg", "image/jpeg", 20, 20);
    probe_fixture("blue.png", "image/png", 12, 10);
    probe_fixture("bomb-60000.jpg", "image/jpeg", 60000, 60000);
    crawler_image_probe probe;
    assert_int_equal(
        crawler_sniff_image((const unsigned char *)"GIF89a\x05\x00\x03\x00", 10, &probe), CS_OK);
    assert_int_equal(probe.width * probe.height, 15);
    const char html[] = "<!doctype html><html>";
    assert_int_equal(crawler_sniff_image((const unsigned char *)html, sizeof html - 1, &probe),
                     CS_EUNSUPPORTED);
}

/* A file that stops before its format's end is incomplete, at every length short of it. */
static void complete_only_up_to_the_format_end(const char *dir, const char *name)
{
    char path[TS_PATH_MAX];
    size_t len;
    char *bytes;
    if (dir) {
        snprintf(path, sizeof path, "%s/%s", dir, name);
        bytes = ts_read_file(path, &len);
    } else {
        bytes = ts_read_file(ts_fixture(path, "crawler", name), &len);
    }
    const unsigned char *b = (unsigned char *)bytes;
    assert_int_equal(crawler_image_complete(b, len), CS_OK);
    for (size_t n = 0; n < len; n++)
        assert_int_not_equal(crawler_image_complete(b, n), CS_OK);
    free(bytes);
}

static void truncated_images_are_told_from_whole_ones(void **state)
{
    complete_only_up_to_the_format_end(NULL, "red.jpg");
    complete_only_up_to_the_format_end(NULL, "plasma.jpg");
    complete_only_up_to_the_format_end(NULL, "blue.png");
    char dir[TS_PATH_MAX];
    snprintf(dir, sizeof dir, "%s/www/cdn/ana", demo_site_dir());
    complete_only_up_to_the_format_end(dir, "harbour.jpg"); /* EXIF, XMP, IPTC before the scan */
    /* the sample web's truncated JPEG: its header reads fine, its scan data stops */
    char path[TS_PATH_MAX];
    size_t len;
    snprintf(path, sizeof path, "%s/www/farm/img/sunset.jpg", demo_site_dir());
    char *cut = ts_read_file(path, &len);
    crawler_image_probe probe;
    assert_int_equal(crawler_sniff_image((unsigned char *)cut, len, &probe), CS_OK);
    assert_int_equal(crawler_image_complete((unsigned char *)cut, len), CS_ENOTFOUND);
    free(cut);
    /* a JPEG whose first frame ends at EOI, before any scan, holds no image */
    static const unsigned char no_scan[] = {
        0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x10, 0x00,
        0x10, 0x01, 0x01, 0x11, 0x00, 0xFF, 0xD9, 0x00, 0x00}; /* (two bytes of trailer) */
    assert_int_equal(crawler_image_complete(no_scan, sizeof no_scan), CS_EFORMAT);
    /* GIF has no end the crawler checks */
    assert_int_equal(crawler_image_complete((const unsigned char *)"GIF89a\x05\x00\x03\x00", 10),
                     CS_OK);
}

static void address_check_refuses_private_ranges(void **state)
{
    const char *refused[] = {"10.0.0.1",
                             "172.16.5.4",
                             "192.168.1.1",
                             "169.254.169.254",
                             "100.100.100.200",
                             "0.0.0.0",
                             "224.0.0.1",
                             "255.255.255.255",
                             "fd00:ec2::254",
                             "fe80::1",
                             "ff02::1",
                             "::ffff:10.0.0.1",
                             "::",
                             "198.18.0.1",
                             "not-an-ip"};
    for (size_t i = 0; i < CS_ARRAY_LEN(refused); i++) {
        if (crawler_address_allowed(refused[i], 1)) fail_msg("%s allowed", refused[i]);
    }
    assert_false(crawler_address_allowed("127.0.0.1", 0));
    assert_false(crawler_address_allowed("::1", 0));
    assert_false(crawler_address_allowed("::ffff:127.0.0.1", 0));
    assert_true(crawler_address_allowed("127.0.1.7", 1));
    assert_true(crawler_address_allowed("::1", 1));
    assert_true(crawler_address_allowed("93.184.216.34", 0));
    assert_true(crawler_address_allowed("2606:2800:220:1:248:1893:25c8:1946", 0));
}

typedef struct collected {
    crawler_response resp[16];
    size_t n;
} collected;

static void collect(void *ctx, crawler_response *resp)
{
    collected *c = ctx;
    crawler_response *r = &c->resp[c->n++];
    *r = *resp;
    /* take ownership of the heap parts */
    resp->headers = NULL;
    resp->header_count = 0;
    resp->body = NULL;
    resp->body_len = 0;
}

static const char scenario_json[] =
    "{\"routes\": ["
    " {\"path\": \"/ok.html\", \"content_type\": \"text/html\", \"body\": \"<p>hi</p>\","
    "  \"headers\": {\"X-Robots-Tag\": \"noai\"}},"
    " {\"path\": \"/moved\", \"redirect\": \"/ok.html\", \"status\": 301},"
    " {\"path\": \"/endless\", \"content_type\": \"text/html\", \"endless\": true},"
    " {\"path\": \"/trickle\", \"content_type\": \"text/html\", \"generate\": 100000,"
    "  \"trickle_bytes\": 1, \"trickle_interval_ms\": 300},"
    " {\"path\": \"/bomb\", \"content_type\": \"text/html\", \"gzip\": true,"
    "  \"generate\": 1073741824, \"pattern\": \"\\u0000\"},"
    " {\"path\": \"/small.gz\", \"content_type\": \"text/html\", \"gzip\": true,"
    "  \"generate\": 5000, \"pattern\": \"ab\"},"
    " {\"path\": \"/bomb.jpg\", \"content_type\": \"image/jpeg\", \"body_file\": "
    "\"bomb-60000.jpg\"},"
    " {\"path\": \"/red.jpg\", \"content_type\": \"image/jpeg\", \"body_file\": \"red.jpg\"},"
    " {\"path\": \"/robots.txt\", \"content_type\": \"text/plain\", \"generate\": 600000,"
    "  \"pattern\": \"# comment line\\n\"},"
    " {\"path\": \"/file.zip\", \"content_type\": \"application/zip\", \"generate\": 1000}"
    "]}";

typedef struct fixture {
    demo_scenario *scenario;
    demo_server *server;
    char origin[64];
} fixture;

/* Serves the scenario json (files relative to tests/fixtures/crawler) on address. */
static void serve(fixture *fx, const char *json, const char *address)
{
    char dir[TS_PATH_MAX];
    ts_fixture(dir, "crawler", "");
    cs_error err;
    if (demo_scenario_parse(json, strlen(json), dir, &fx->scenario, &err))
        fail_msg("scenario: %s", err.message);
    if (demo_server_start(fx->scenario, &address, 1, NULL, &fx->server, &err))
        fail_msg("server: %s", err.message);
    snprintf(fx->origin, sizeof fx->origin, "http://%s", demo_server_address(fx->server, 0));
}

static void start_server(fixture *fx)
{
    serve(fx, scenario_json, "127.0.0.2");
}

static void stop_server(fixture *fx)
{
    demo_server_stop(fx->server);
    demo_scenario_free(fx->scenario);
}

/* Fetches paths (with kinds) concurrently and returns responses in completion order. */
static void fetch_all(const crawler_fetch_options *opts, const char *origin, const char **paths,
                      const crawler_kind *kinds, size_t n, collected *out)
{
    crawler_fetcher *f;
    assert_int_equal(crawler_fetcher_new(opts, &f, NULL), CS_OK);
    for (size_t i = 0; i < n; i++) {
        char url[512];
        snprintf(url, sizeof url, "%s%s", strncmp(paths[i], "http", 4) ? origin : "", paths[i]);
        assert_int_equal(crawler_fetcher_add(f, url, kinds[i], (void *)paths[i], NULL), CS_OK);
    }
    memset(out, 0, sizeof *out);
    int64_t deadline = cs_monotonic_ns() + 20 * 1000000000LL;
    while (crawler_fetcher_active(f) > 0 && cs_monotonic_ns() < deadline)
        assert_int_equal(crawler_fetcher_run(f, 100, collect, out, NULL), CS_OK);
    assert_int_equal(out->n, n);
    crawler_fetcher_free(f);
}

static crawler_response *by_path(collected *c, const char *path)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp((const char *)c->resp[i].user, path) == 0) return &c->resp[i];
    fail_msg("no response for %s", path);
    return NULL;
}

static void free_collected(collected *c)
{
    for (size_t i = 0; i < c->n; i++)
        crawler_response_free(&c->resp[i]);
}

static void hostile_responses_end_with_recorded_errors(void **state)
{
    fixture fx;
    start_server(&fx);
    crawler_fetch_options opts = {.allow_loopback = 1,
                                  .max_page_bytes = 64 * 1024,
                                  .low_speed_bytes = 100,
                                  .low_speed_seconds = 1,
                                  .total_timeout_ms = 10000};
    const char *paths[] = {"/ok.html",  "/moved",    "/endless", "/trickle",    "/bomb",
                           "/small.gz", "/bomb.jpg", "/red.jpg", "/robots.txt", "/file.zip"};
    crawler_kind kinds[] = {CRAWLER_KIND_PAGE,  CRAWLER_KIND_PAGE,  CRAWLER_KIND_PAGE,
                            CRAWLER_KIND_PAGE,  CRAWLER_KIND_PAGE,  CRAWLER_KIND_PAGE,
                            CRAWLER_KIND_IMAGE, CRAWLER_KIND_IMAGE, CRAWLER_KIND_ROBOTS,
                            CRAWLER_KIND_PAGE};
    collected c;
    int64_t start = cs_monotonic_ns();
    fetch_all(&opts, fx.origin, paths, kinds, CS_ARRAY_LEN(paths), &c);
    int64_t elapsed_ms = (cs_monotonic_ns() - start) / 1000000;

    crawler_response *r = by_path(&c, "/ok.html");
    assert_int_equal(r->error, CS_OK);
    assert_int_equal(r->status, 200);
    assert_string_equal((char *)r->body, "<p>hi</p>");
    assert_string_equal(crawler_response_header(r, "x-robots-tag"), "noai");
    assert_string_equal(r->remote_ip, "127.0.0.2");

    r = by_path(&c, "/moved");
    assert_int_equal(r->error, CS_OK);
    assert_int_equal(r->status, 301);
    assert_non_null(strstr(crawler_response_header(r, "Location"), "/ok.html"));

    r = by_path(&c, "/endless");
    assert_int_equal(r->error, CS_ELIMIT);
    assert_string_equal(r->error_code, "too_large");

    r = by_path(&c, "/trickle");
    assert_int_equal(r->error, CS_ENET);
    assert_string_equal(r->error_code, "timeout");

    /* The fixture server compresses the bomb slowly; the low-speed limit may end it first.
       Either way it ends with bounded memory; gzip_bomb_stops_at_decoded_limit pins the limit. */
    r = by_path(&c, "/bomb");
    assert_int_not_equal(r->error, CS_OK);
    assert_true(r->body_len <= 64 * 1024);

    r = by_path(&c, "/small.gz");
    assert_int_equal(r->error, CS_OK);
    assert_int_equal(r->body_len, 5000); /* decoded */

    r = by_path(&c, "/bomb.jpg");
    assert_int_equal(r->error, CS_ELIMIT);
    assert_string_equal(r->error_code, "too_many_pixels");

    r = by_path(&c, "/red.jpg");
    assert_int_equal(r->error, CS_OK);
    assert_int_equal(r->body_len, 763);

    r = by_path(&c, "/robots.txt");
    assert_int_equal(r->error, CS_OK);
    assert_int_equal(r->truncated, 1);
    assert_int_equal(r->body_len, 500 * 1024);

    r = by_path(&c, "/file.zip");
    assert_int_equal(r->error, CS_EFORMAT);
    assert_string_equal(r->error_code, "unwanted_type");

    /* the trickle ends by the low-speed limit, long before the body could arrive */
    assert_true(elapsed_ms < 9000);
    free_collected(&c);
    stop_server(&fx);
}

static void gzip_bomb_stops_at_decoded_limit(void **state)
{
    fixture fx;
    start_server(&fx);
    crawler_fetch_options opts = {.allow_loopback = 1, .max_page_bytes = 64 * 1024};
    const char *paths[] = {"/bomb"};
    crawler_kind kinds[] = {CRAWLER_KIND_PAGE};
    collected c;
    fetch_all(&opts, fx.origin, paths, kinds, 1, &c);
    assert_int_equal(c.resp[0].error, CS_ELIMIT);
    assert_string_equal(c.resp[0].error_code, "too_large");
    assert_true(c.resp[0].body_len <= 64 * 1024);
    free_collected(&c);
    stop_server(&fx);
}

static void loopback_needs_permission_and_private_is_never_contacted(void **state)
{
    fixture fx;
    start_server(&fx);
    crawler_fetch_options opts = {.allow_loopback = 0};
    const char *paths[] = {"/ok.html", "http://10.255.255.1/", "http://169.254.169.254/latest"};
    crawler_kind kinds[] = {CRAWLER_KIND_PAGE, CRAWLER_KIND_PAGE, CRAWLER_KIND_PAGE};
    collected c;
    fetch_all(&opts, fx.origin, paths, kinds, 3, &c);
    for (size_t i = 0; i < c.n; i++) {
        assert_int_equal(c.resp[i].error, CS_EDENIED);
        assert_string_equal(c.resp[i].error_code, "denied_address");
    }
    assert_int_equal(demo_server_request_count(fx.server), 0);
    free_collected(&c);
    stop_server(&fx);
}

/*
 * curl 7.88 returns CURLE_OK for a connection closed after the status line or
 * inside the header block; a robots.txt cut like that must not read as an
 * empty 200 (allow all). Every kind of request gets the same network error.
 */
static void response_cut_inside_headers_is_a_network_error(void **state)
{
    static const char json[] =
        "{\"routes\": ["
        " {\"path\": \"/robots.txt\", \"raw\": \"HTTP/1.1 200 OK\\r\\n\"},"
        " {\"path\": \"/.well-known/tdmrep.json\","
        "  \"raw\": \"HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\n\"},"
        " {\"path\": \"/ai.txt\", \"raw\": \"HTTP/1.1 200 OK\\r\\nContent-Ty\"},"
        " {\"path\": \"/page.html\","
        "  \"raw\": \"HTTP/1.1 200 OK\\r\\nContent-Type: text/html\\r\\nX-A: 1\\r\\n\"},"
        " {\"path\": \"/a.jpg\", \"raw\": \"HTTP/1.1 200 OK\\r\\n\"},"
        " {\"path\": \"/whole.txt\", \"raw\": \"HTTP/1.1 200 OK\\r\\nContent-Type: "
        "text/plain\\r\\nConnection: close\\r\\n\\r\\nUser-agent: *\\nDisallow: /\\n\"}"
        "]}";
    fixture fx;
    serve(&fx, json, "127.0.0.3");
    crawler_fetch_options opts = {.allow_loopback = 1};
    const char *paths[] = {
        "/robots.txt", "/.well-known/tdmrep.json", "/ai.txt", "/page.html", "/a.jpg", "/whole.txt"};
    crawler_kind kinds[] = {CRAWLER_KIND_ROBOTS, CRAWLER_KIND_TDMREP, CRAWLER_KIND_AI_TXT,
                            CRAWLER_KIND_PAGE,   CRAWLER_KIND_IMAGE,  CRAWLER_KIND_ROBOTS};
    collected c;
    fetch_all(&opts, fx.origin, paths, kinds, CS_ARRAY_LEN(paths), &c);
    for (size_t i = 0; i + 1 < CS_ARRAY_LEN(paths); i++) {
        crawler_response *r = by_path(&c, paths[i]);
        if (r->error != CS_ENET || r->status != 0)
            fail_msg("%s: error %d status %ld, expected a network error with status 0", paths[i],
                     r->error, r->status);
        assert_string_equal(r->error_code, "incomplete_headers");
        assert_int_equal(r->body_len, 0);
    }
    /* a body ended by closing the connection is complete once the headers were */
    crawler_response *r = by_path(&c, "/whole.txt");
    assert_int_equal(r->error, CS_OK);
    assert_int_equal(r->status, 200);
    assert_string_equal((char *)r->body, "User-agent: *\nDisallow: /\n");
    free_collected(&c);
    stop_server(&fx);
}

/* curl refuses a header line over 100 KiB as "out of memory": a limit, not a network error. */
static void one_megabyte_header_is_headers_too_large(void **state)
{
    const char head[] = "{\"routes\": [{\"path\": \"/big\", \"raw\": \"HTTP/1.1 200 "
                        "OK\\r\\nContent-Type: text/html\\r\\nX-Big: ";
    const char tail[] = "\\r\\nContent-Length: 2\\r\\n\\r\\nhi\"}, "
                        "{\"path\": \"/many\", \"raw\": \"HTTP/1.1 200 OK\\r\\n";
    const char line[] = "X-Many: 0123456789012345678901234567890123456789\\r\\n";
    const char end[] = "Content-Length: 2\\r\\n\\r\\nhi\"}]}";
    size_t big = 1024 * 1024, lines = 2000;
    size_t cap = sizeof head + big + sizeof tail + lines * sizeof line + sizeof end;
    char *json = malloc(cap);
    assert_non_null(json);
    char *p = json;
    p += sprintf(p, "%s", head);
    memset(p, 'a', big);
    p += big;
    p += sprintf(p, "%s", tail);
    for (size_t i = 0; i < lines; i++)
        p += sprintf(p, "%s", line);
    sprintf(p, "%s", end);
    fixture fx;
    serve(&fx, json, "127.0.0.3");
    free(json);
    crawler_fetch_options opts = {.allow_loopback = 1};
    const char *paths[] = {"/big", "/many"};
    crawler_kind kinds[] = {CRAWLER_KIND_PAGE, CRAWLER_KIND_ROBOTS};
    collected c;
    fetch_all(&opts, fx.origin, paths, kinds, CS_ARRAY_LEN(paths), &c);
    for (size_t i = 0; i < c.n; i++) {
        if (c.resp[i].error != CS_ELIMIT)
            fail_msg("%s: error %d (%s: %s), expected CS_ELIMIT", (const char *)c.resp[i].user,
                     c.resp[i].error, c.resp[i].error_code ? c.resp[i].error_code : "-",
                     c.resp[i].error_message);
        assert_string_equal(c.resp[i].error_code, "headers_too_large");
    }
    free_collected(&c);
    stop_server(&fx);
}

static void user_agent_names_the_product_token(void **state)
{
    fixture fx;
    start_server(&fx);
    crawler_fetch_options opts = {.allow_loopback = 1};
    const char *paths[] = {"/ok.html"};
    crawler_kind kinds[] = {CRAWLER_KIND_PAGE};
    collected c;
    fetch_all(&opts, fx.origin, paths, kinds, 1, &c);
    demo_request *reqs;
    size_t n;
    assert_int_equal(demo_server_requests(fx.server, 0, &reqs, &n), CS_OK);
    assert_int_equal(n, 1);
    assert_non_null(reqs[0].user_agent);
    assert_memory_equal(reqs[0].user_agent, "clearsetbot/", 12);
    assert_non_null(strstr(reqs[0].user_agent, "(+http"));
    demo_requests_free(reqs, n);
    free_collected(&c);
    stop_server(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sniff_reads_dimensions_from_headers),
        cmocka_unit_test(truncated_images_are_told_from_whole_ones),
        cmocka_unit_test(address_check_refuses_private_ranges),
        cmocka_unit_test(hostile_responses_end_with_recorded_errors),
        cmocka_unit_test(gzip_bomb_stops_at_decoded_limit),
        cmocka_unit_test(loopback_needs_permission_and_private_is_never_contacted),
        cmocka_unit_test(user_agent_names_the_product_token),
        cmocka_unit_test(response_cut_inside_headers_is_a_network_error),
        cmocka_unit_test(one_megabyte_header_is_headers_too_large),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
