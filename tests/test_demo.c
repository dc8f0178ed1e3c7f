/*
 * test_demo.c - the sample-web server over real HTTP on 127.0.0.1-3.
 *
 * A tiny socket client (HTTP/1.0, read until close, optional byte cap) makes
 * the requests so that timing and cut-off are under the test's control; the
 * server's in-memory request log and its JSON Lines file are checked against
 * what the client did. clearset-fixture is tested as a separate process.
 */
#include "tests/support/testsupport.h"

#include "demo/demo.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

/* ---- a minimal HTTP client ----------------------------------------------------- */

typedef struct http_reply {
    int status; /* 0 when no status line came */
    char *head; /* status line and headers, NUL-terminated */
    unsigned char *body;
    size_t body_len;
    int64_t elapsed_ms;
    int closed_early; /* the client stopped reading at max_bytes */
} http_reply;

static void http_reply_free(http_reply *r)
{
    free(r->head);
    free(r->body);
    memset(r, 0, sizeof *r);
}

static int connect_to(const char *address)
{
    char ip[32];
    const char *colon = strrchr(address, ':');
    assert_non_null(colon);
    snprintf(ip, sizeof ip, "%.*s", (int)(colon - address), address);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1))};
    assert_int_equal(inet_pton(AF_INET, ip, &sin.sin_addr), 1);
    /* The tests contact loopback only. */
    assert_int_equal(ntohl(sin.sin_addr.s_addr) >> 24, 127);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
    return fd;
}

/* Sends raw request bytes and reads the answer until close, timeout or max_bytes. */
static void http_raw(const char *address, const void *request, size_t request_len, size_t max_bytes,
                     int timeout_ms, http_reply *reply)
{
    memset(reply, 0, sizeof *reply);
    int64_t start = cs_monotonic_ns();
    int fd = connect_to(address);
    const char *p = request;
    size_t left = request_len;
    while (left > 0) {
        ssize_t w = send(fd, p, left, MSG_NOSIGNAL);
        if (w <= 0) break; /* the server may close early on a bad request */
        p += w;
        left -= (size_t)w;
    }
    cs_buf in;
    cs_buf_init(&in, 0);
    char chunk[65536];
    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int64_t waited_ms = (cs_monotonic_ns() - start) / 1000000;
        if (waited_ms >= timeout_ms || poll(&pfd, 1, (int)(timeout_ms - waited_ms)) <= 0) break;
        ssize_t n = recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) break;
        assert_int_equal(cs_buf_append(&in, chunk, (size_t)n), CS_OK);
        if (max_bytes && in.len >= max_bytes) {
            reply->closed_early = 1;
            break;
        }
    }
    close(fd);
    reply->elapsed_ms = (cs_monotonic_ns() - start) / 1000000;
    const char *text = (const char *)in.data;
    const char *end = in.data ? memmem(in.data, in.len, "\r\n\r\n", 4) : NULL;
    if (end) {
        size_t head_len = (size_t)(end - text);
        reply->head = cs_strndup(text, head_len);
        reply->body_len = in.len - head_len - 4;
        reply->body = malloc(reply->body_len + 1);
        memcpy(reply->body, end + 4, reply->body_len);
        reply->body[reply->body_len] = '\0';
        sscanf(text, "HTTP/%*s %d", &reply->status);
    } else {
        reply->head = cs_strndup(text ? text : "", in.len);
    }
    cs_buf_free(&in);
}

static void http_get(const char *address, const char *target, size_t max_bytes, http_reply *reply)
{
    char request[2048];
    int n = snprintf(request, sizeof request,
                     "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: clearset-test/1\r\n\r\n", target,
                     address);
    http_raw(address, request, (size_t)n, max_bytes, 10000, reply);
}

/* The value of header name in a reply's head, copied into out; NULL if absent. */
static const char *reply_header(const http_reply *r, const char *name, char *out, size_t size)
{
    const char *line = r->head;
    size_t n = strlen(name);
    while ((line = strstr(line, "\r\n")) != NULL) {
        line += 2;
        if (strncasecmp(line, name, n) == 0 && line[n] == ':') {
            const char *v = line + n + 1;
            while (*v == ' ')
                v++;
            size_t len = strcspn(v, "\r\n");
            snprintf(out, size, "%.*s", (int)len, v);
            return out;
        }
    }
    return NULL;
}

/* ---- helpers ------------------------------------------------------------------- */

static demo_scenario *scenario_from(const char *json, const char *base_dir)
{
    demo_scenario *s = NULL;
    cs_error err;
    int rc = demo_scenario_parse(json, strlen(json), base_dir, &s, &err);
    if (rc) fail_msg("scenario: %s", err.message);
    return s;
}

static const char *const three_hosts[] = {"127.0.0.1:0", "127.0.0.2:0", "127.0.0.3:0"};

static demo_server *start(const demo_scenario *s, const char *log_path)
{
    demo_server *server = NULL;
    cs_error err;
    int rc = demo_server_start(s, three_hosts, 3, log_path, &server, &err);
    if (rc) fail_msg("start: %s", err.message);
    return server;
}

/* ---- tests --------------------------------------------------------------------- */

static void three_hosts_answer_and_log_per_host(void **state)
{
    (void)state;
    char dir[TS_PATH_MAX], log_path[TS_PATH_MAX];
    ts_tempdir(dir);
    ts_join(log_path, dir, "requests.jsonl");
    demo_scenario *s = scenario_from(
        "{\"hosts\": {\"127.0.0.1\": \"alpha\"},"
        " \"routes\": ["
        "  {\"host\": \"alpha\", \"path\": \"/who\", \"body\": \"alpha at {{host}}\"},"
        "  {\"host\": \"127.0.0.2\", \"path\": \"/who\", \"body\": \"two, beside "
        "{{origin:alpha}}\"},"
        "  {\"path\": \"/who\", \"body\": \"someone at {{host}}\"}]}",
        NULL);
    demo_server *server = start(s, log_path);
    assert_int_equal(demo_server_listener_count(server), 3);
    char expected[3][128];
    snprintf(expected[0], sizeof expected[0], "alpha at %s", demo_server_address(server, 0));
    snprintf(expected[1], sizeof expected[1], "two, beside http://%s",
             demo_server_address(server, 0));
    snprintf(expected[2], sizeof expected[2], "someone at %s", demo_server_address(server, 2));
    for (int round = 0; round < 2; round++)
        for (size_t i = 0; i < 3; i++) {
            assert_true(demo_server_port(server, i) > 0);
            http_reply r;
            http_get(demo_server_address(server, i), "/who?round=1", 0, &r);
            assert_int_equal(r.status, 200);
            assert_string_equal((char *)r.body, expected[i]);
            http_reply_free(&r);
        }
    demo_request *log;
    size_t n;
    assert_int_equal(demo_server_requests(server, 0, &log, &n), CS_OK);
    assert_int_equal(n, 6);
    for (size_t i = 0; i < n; i++) {
        size_t host = i % 3;
        char ip[16];
        snprintf(ip, sizeof ip, "127.0.0.%zu", host + 1);
        assert_int_equal(log[i].seq, i + 1);
        assert_int_equal(log[i].listener, host);
        assert_string_equal(log[i].host, ip);
        assert_int_equal(log[i].port, demo_server_port(server, host));
        assert_string_equal(log[i].method, "GET");
        assert_string_equal(log[i].target, "/who?round=1");
        assert_string_equal(log[i].user_agent, "clearset-test/1");
        assert_string_equal(demo_request_header(&log[i], "HOST"),
                            demo_server_address(server, host));
        assert_int_equal(log[i].status, 200);
        assert_int_equal(log[i].route, (int)host);
        assert_true(log[i].respond_mono_ns >= log[i].mono_ns);
        assert_true(strncmp(log[i].remote, "127.", 4) == 0);
        if (i > 0) {
            assert_true(log[i].mono_ns > log[i - 1].mono_ns);
            assert_true(log[i].time_ns >= log[i - 1].time_ns);
        }
    }
    /* The file holds the same requests, one JSON object per line. */
    size_t len;
    char *text = ts_read_file(log_path, &len);
    size_t lines = 0;
    for (char *line = text, *nl; (nl = strchr(line, '\n')) != NULL; line = nl + 1, lines++) {
        json_error_t jerr;
        json_t *o = json_loadb(line, (size_t)(nl - line), 0, &jerr);
        assert_non_null(o);
        assert_int_equal(json_integer_value(json_object_get(o, "seq")), (json_int_t)lines + 1);
        assert_int_equal(json_integer_value(json_object_get(o, "mono_ns")), log[lines].mono_ns);
        assert_string_equal(json_string_value(json_object_get(o, "host")), log[lines].host);
        assert_int_equal(json_integer_value(json_object_get(o, "port")), log[lines].port);
        assert_string_equal(
            json_string_value(json_object_get(json_object_get(o, "headers"), "user-agent")),
            "clearset-test/1");
        if (lines % 3 == 0)
            assert_string_equal(json_string_value(json_object_get(o, "name")), "alpha");
        json_decref(o);
    }
    assert_int_equal(lines, 6);
    free(text);
    demo_requests_free(log, n);
    demo_server_stop(server);
    demo_scenario_free(s);
    ts_rmtree(dir);
}

static void delay_and_trickle_are_honoured(void **state)
{
    (void)state;
    demo_scenario *s =
        scenario_from("{\"routes\": ["
                      "  {\"path\": \"/slow\", \"body\": \"late\", \"delay_ms\": 300},"
                      "  {\"path\": \"/drip\", \"generate\": 40, \"pattern\": \"0123456789\","
                      "   \"trickle_bytes\": 10, \"trickle_interval_ms\": 100}]}",
                      NULL);
    demo_server *server = start(s, NULL);
    http_reply r;
    http_get(demo_server_address(server, 1), "/slow", 0, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal((char *)r.body, "late");
    assert_true(r.elapsed_ms >= 300);
    http_reply_free(&r);

    http_get(demo_server_address(server, 2), "/drip", 0, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 40);
    assert_memory_equal(r.body, "0123456789012345678901234567890123456789", 40);
    assert_true(r.elapsed_ms >= 400); /* four pieces, each after a 100 ms pause */
    char value[64];
    assert_string_equal(reply_header(&r, "Content-Length", value, sizeof value), "40");
    http_reply_free(&r);

    demo_request *log;
    size_t n;
    assert_int_equal(demo_server_requests(server, 0, &log, &n), CS_OK);
    assert_int_equal(n, 2);
    assert_true(log[0].respond_mono_ns - log[0].mono_ns >= 300 * 1000000LL);
    assert_true(log[1].mono_ns - log[0].mono_ns >= 300 * 1000000LL);
    demo_requests_free(log, n);
    demo_server_stop(server);
    demo_scenario_free(s);
}

/* A status-only answer is not delayed: the status code once leaked into delay_ms
   (a 404 waited 404 ms). 999 ms would be the leak; the answer takes microseconds. */
static void a_status_is_not_a_delay(void **state)
{
    (void)state;
    demo_scenario *s =
        scenario_from("{\"routes\": [{\"path\": \"/gone\", \"status\": 999},"
                      "  {\"path\": \"/big\", \"generate\": 1500, \"status\": 200}]}",
                      NULL);
    demo_server *server = start(s, NULL);
    http_reply r;
    http_get(demo_server_address(server, 0), "/gone", 0, &r);
    assert_int_equal(r.status, 999);
    http_reply_free(&r);
    http_get(demo_server_address(server, 0), "/big", 0, &r);
    assert_int_equal(r.body_len, 1500);
    http_reply_free(&r);
    demo_request *log;
    size_t n;
    assert_int_equal(demo_server_requests(server, 0, &log, &n), CS_OK);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < n; i++)
        assert_true(log[i].respond_mono_ns - log[i].mono_ns < 900 * 1000000LL);
    demo_requests_free(log, n);
    demo_server_stop(server);
    demo_scenario_free(s);
}

static void redirect_sequence_and_404(void **state)
{
    (void)state;
    demo_scenario *s = scenario_from(
        "{\"routes\": ["
        "  {\"path\": \"/old\", \"redirect\": \"{{origin:127.0.0.3}}/new\", \"status\": 301},"
        "  {\"path\": \"/temp\", \"redirect\": \"/x\"},"
        "  {\"host\": \"127.0.0.2\", \"path\": \"/flaky\", \"sequence\": ["
        "    {\"status\": 503, \"headers\": {\"Retry-After\": \"2\"}},"
        "    {\"status\": 429, \"headers\": {\"Retry-After\": \"1\"}},"
        "    {\"body\": \"fine\", \"content_type\": \"text/plain\"}]},"
        "  {\"prefix\": \"/api/\", \"method\": \"POST\", \"status\": 201, \"body\": \"made\"}]}",
        NULL);
    demo_server *server = start(s, NULL);
    const char *two = demo_server_address(server, 1);
    http_reply r;
    char value[128], expected[128];
    http_get(two, "/old", 0, &r);
    assert_int_equal(r.status, 301);
    snprintf(expected, sizeof expected, "http://%s/new", demo_server_address(server, 2));
    assert_string_equal(reply_header(&r, "Location", value, sizeof value), expected);
    http_reply_free(&r);
    http_get(two, "/temp", 0, &r);
    assert_int_equal(r.status, 302);
    assert_string_equal(reply_header(&r, "Location", value, sizeof value), "/x");
    http_reply_free(&r);

    /* The sequence counts per route; the last answer repeats. Host 1 does not match. */
    int expected_status[] = {503, 429, 200, 200};
    for (size_t i = 0; i < CS_ARRAY_LEN(expected_status); i++) {
        http_get(two, "/flaky", 0, &r);
        assert_int_equal(r.status, expected_status[i]);
        if (i == 0) assert_string_equal(reply_header(&r, "Retry-After", value, sizeof value), "2");
        if (i >= 2) assert_string_equal((char *)r.body, "fine");
        http_reply_free(&r);
    }
    http_get(demo_server_address(server, 0), "/flaky", 0, &r);
    assert_int_equal(r.status, 404);
    http_reply_free(&r);

    /* Method matching: a GET to /api/ is no match, a POST (with a body) is. */
    http_get(two, "/api/items", 0, &r);
    assert_int_equal(r.status, 404);
    http_reply_free(&r);
    const char post[] = "POST /api/items HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello";
    http_raw(two, post, sizeof post - 1, 0, 5000, &r);
    assert_int_equal(r.status, 201);
    assert_string_equal((char *)r.body, "made");
    http_reply_free(&r);

    demo_request *log;
    size_t n;
    assert_int_equal(demo_server_requests(server, 0, &log, &n), CS_OK);
    assert_int_equal(n, 9);
    assert_int_equal(log[6].status, 404);
    assert_string_equal(log[6].source, "none");
    assert_int_equal(log[6].route, -1);
    assert_int_equal(log[2].route, 2);
    assert_string_equal(log[8].method, "POST");
    demo_requests_free(log, n);
    demo_server_stop(server);
    demo_scenario_free(s);
}

static void endless_body_is_cut_by_the_client(void **state)
{
    (void)state;
    demo_scenario *s =
        scenario_from("{\"routes\": [{\"path\": \"/forever\", \"endless\": true, \"pattern\": "
                      "\"ab\"}, {\"path\": \"/ok\", \"body\": \"ok\"}]}",
                      NULL);
    demo_server *server = start(s, NULL);
    http_reply r;
    http_get(demo_server_address(server, 0), "/forever", 4 * 1024 * 1024, &r);
    assert_int_equal(r.status, 200);
    assert_true(r.closed_early);
    assert_true(r.body_len > 1024 * 1024);
    assert_memory_equal(r.body, "abababab", 8);
    char value[64];
    assert_null(reply_header(&r, "Content-Length", value, sizeof value));
    http_reply_free(&r);
    /* The server goes on serving. */
    http_get(demo_server_address(server, 0), "/ok", 0, &r);
    assert_int_equal(r.status, 200);
    http_reply_free(&r);
    /* And an endless body still being sent does not hold up the stop. */
    int fd = connect_to(demo_server_address(server, 1));
    const char req[] = "GET /forever HTTP/1.1\r\nHost: x\r\n\r\n";
    assert_int_equal(send(fd, req, sizeof req - 1, 0), (ssize_t)(sizeof req - 1));
    assert_int_equal(demo_server_wait_requests(server, 3, 5000), CS_OK);
    int64_t before = cs_monotonic_ns();
    demo_server_stop(server);
    assert_true(cs_monotonic_ns() - before < 5000 * 1000000LL);
    close(fd);
    demo_scenario_free(s);
}

/* Inflates a gzip body (checking its CRC and length) and returns the raw size; calls check. */
static uint64_t gunzip(const unsigned char *body, size_t len, const char *pattern, size_t plen)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
    z.next_in = (unsigned char *)body;
    z.avail_in = (uInt)len;
    static unsigned char out[1 << 20];
    uint64_t total = 0;
    int rc;
    do {
        z.next_out = out;
        z.avail_out = sizeof out;
        rc = inflate(&z, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END)
            fail_msg("inflate: %d after %llu bytes", rc, (unsigned long long)total);
        size_t got = sizeof out - z.avail_out;
        for (size_t i = 0; i < got; i++)
            if (out[i] != (unsigned char)pattern[(total + i) % plen])
                fail_msg("wrong byte at %llu", (unsigned long long)(total + i));
        total += got;
    } while (rc != Z_STREAM_END);
    assert_int_equal(z.avail_in, 0);
    inflateEnd(&z);
    return total;
}

static void gzip_bodies_inflate_exactly_and_the_bomb_is_small(void **state)
{
    (void)state;
    demo_scenario *s = scenario_from(
        "{\"routes\": [{\"path\": \"/bomb\", \"generate\": 1073741824, \"pattern\": \"\\u0000\","
        " \"gzip\": true},"
        " {\"path\": \"/zeros\", \"generate\": 67108864, \"pattern\": \"\\u0000\", \"gzip\": true},"
        " {\"path\": \"/odd\", \"generate\": 3000001, \"pattern\": \"abc\\u0000defg\", \"gzip\": "
        "true},"
        " {\"path\": \"/none\", \"generate\": 0, \"gzip\": true},"
        " {\"path\": \"/text\", \"body\": \"hello, hello\", \"gzip\": true}]}",
        NULL);
    demo_server *server = start(s, NULL);
    const char *a = demo_server_address(server, 0);
    http_reply r;
    char value[64];
    /* 1 GiB of zeros: about 1 MiB on the wire, promptly; the trailer says 2^30 bytes. */
    http_get(a, "/bomb", 0, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(reply_header(&r, "Content-Encoding", value, sizeof value), "gzip");
    assert_true(r.body_len > 100 * 1024 && r.body_len < 2 * 1024 * 1024);
    assert_true(r.elapsed_ms < 5000);
    const unsigned char *isize = r.body + r.body_len - 4;
    assert_int_equal(isize[0] | isize[1] << 8 | isize[2] << 16 | (uint32_t)isize[3] << 24,
                     1073741824u);
    http_reply_free(&r);
    http_get(a, "/zeros", 0, &r);
    assert_int_equal(gunzip(r.body, r.body_len, "", 1), 67108864);
    http_reply_free(&r);
    http_get(a, "/odd", 0, &r);
    assert_int_equal(gunzip(r.body, r.body_len, "abc\0defg", 8), 3000001);
    http_reply_free(&r);
    http_get(a, "/none", 0, &r);
    assert_int_equal(gunzip(r.body, r.body_len, "x", 1), 0);
    http_reply_free(&r);
    http_get(a, "/text", 0, &r);
    assert_int_equal(gunzip(r.body, r.body_len, "hello, ", 7), 12);
    http_reply_free(&r);
    demo_server_stop(server);
    demo_scenario_free(s);
}

static void static_files_per_host_with_templates(void **state)
{
    (void)state;
    char dir[TS_PATH_MAX], path[TS_PATH_MAX];
    ts_tempdir(dir);
    ts_join(path, dir, "www");
    assert_int_equal(cs_mkdir_p(path, NULL), CS_OK);
    ts_join(path, dir, "www/museum/img");
    assert_int_equal(cs_mkdir_p(path, NULL), CS_OK);
    ts_join(path, dir, "www/museum/index.html");
    const char page[] = "<a href=\"{{origin}}/img/a.png\">{{origin:shared}}</a>";
    ts_write_file(path, page, sizeof page - 1);
    ts_join(path, dir, "www/museum/img/a.png");
    ts_write_file(path, "\x89PNG{{origin}}", 13);
    ts_join(path, dir, "www/robots.txt");
    ts_write_file(path, "User-agent: *\nDisallow:\n", 24);
    demo_scenario *s =
        scenario_from("{\"root\": \"www\", \"hosts\": {\"127.0.0.2\": \"museum\", \"127.0.0.3\": "
                      "\"shared\"}, \"routes\": [{\"host\": \"museum\", \"prefix\": \"/img/\","
                      " \"headers\": {\"X-Robots-Tag\": [\"noai\", \"noimageai\"]}}]}",
                      dir);
    demo_server *server = start(s, NULL);
    const char *museum = demo_server_address(server, 1);
    http_reply r;
    char value[128], expected[256];
    http_get(museum, "/", 0, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(reply_header(&r, "Content-Type", value, sizeof value),
                        "text/html; charset=utf-8");
    snprintf(expected, sizeof expected, "<a href=\"http://%s/img/a.png\">http://%s</a>", museum,
             demo_server_address(server, 2));
    assert_string_equal((char *)r.body, expected);
    http_reply_free(&r);
    /* Images are not templated; the route adds its headers to the file. */
    http_get(museum, "/img/a.png", 0, &r);
    assert_int_equal(r.status, 200);
    assert_memory_equal(r.body, "\x89PNG{{origin}}", 13);
    assert_string_equal(reply_header(&r, "Content-Type", value, sizeof value), "image/png");
    assert_non_null(strstr(r.head, "X-Robots-Tag: noai"));
    assert_non_null(strstr(r.head, "X-Robots-Tag: noimageai"));
    http_reply_free(&r);
    /* The museum has its own directory: the shared robots.txt is not its. */
    http_get(museum, "/robots.txt", 0, &r);
    assert_int_equal(r.status, 404);
    http_reply_free(&r);
    http_get(demo_server_address(server, 2), "/robots.txt", 0, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(reply_header(&r, "Content-Type", value, sizeof value),
                        "text/plain; charset=utf-8");
    http_reply_free(&r);
    /* No way out of the root. */
    http_get(demo_server_address(server, 2), "/../www/robots.txt", 0, &r);
    assert_int_equal(r.status, 400);
    http_reply_free(&r);
    http_get(demo_server_address(server, 2), "/%2e%2e/www/robots.txt", 0, &r);
    assert_int_equal(r.status, 400);
    http_reply_free(&r);
    demo_server_stop(server);
    demo_scenario_free(s);
    ts_rmtree(dir);
}

static void odd_requests_do_not_hurt_the_server(void **state)
{
    (void)state;
    char dir[TS_PATH_MAX], log_path[TS_PATH_MAX];
    ts_tempdir(dir);
    ts_join(log_path, dir, "log.jsonl");
    demo_scenario *s = scenario_from("{\"routes\": [{\"path\": \"/ok\", \"body\": \"ok\"},"
                                     " {\"path\": \"/gone\", \"drop\": true}]}",
                                     NULL);
    demo_server *server = start(s, log_path);
    const char *a = demo_server_address(server, 0);
    http_reply r;
    static const char *const odd[] = {
        "garbage\r\n\r\n",
        "GET\r\n\r\n",
        "GET /\xff\xfe\x80 HTTP/1.0\r\nUser-Agent: \xc3\x28\r\n\r\n",
        "GET http://example.invalid/ HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET / HTTP/9.9\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\nContent-Length: -5\r\n\r\n",
        "GET /%00 HTTP/1.0\r\n\r\n",
        "",
    };
    for (size_t i = 0; i < CS_ARRAY_LEN(odd); i++) {
        http_raw(a, odd[i], strlen(odd[i]), 0, 500, &r);
        http_reply_free(&r);
    }
    /* Headers far beyond the limit. */
    size_t big = 200 * 1024;
    char *huge = malloc(big + 64);
    int n = snprintf(huge, 64, "GET /ok HTTP/1.0\r\nX-Big: ");
    memset(huge + n, 'a', big);
    memcpy(huge + n + big, "\r\n\r\n", 4);
    size_t before = demo_server_request_count(server);
    http_raw(a, huge, (size_t)n + big + 4, 0, 5000, &r);
    assert_true(r.status == 0 || r.status >= 400);
    if (r.status) { /* MHD answered it itself; the log says what it sent (when it completes) */
        int found = 0;
        for (int tries = 0; tries < 200 && !found; tries++) {
            demo_request *tail;
            size_t got;
            assert_int_equal(demo_server_requests(server, before, &tail, &got), CS_OK);
            for (size_t i = 0; i < got; i++)
                found |= tail[i].status == r.status && strcmp(tail[i].source, "server") == 0 &&
                         strcmp(tail[i].target, "/ok") == 0;
            demo_requests_free(tail, got);
            if (!found) usleep(10000);
        }
        assert_true(found);
    }
    http_reply_free(&r);
    free(huge);
    /* A body larger than announced, and a dropped connection. */
    http_raw(a, "POST /ok HTTP/1.0\r\nContent-Length: 2\r\n\r\nabcdef", 45, 0, 2000, &r);
    http_reply_free(&r);
    http_get(a, "/gone", 0, &r);
    assert_int_equal(r.status, 0);
    http_reply_free(&r);
    /* Still serving, and every log line is JSON. */
    http_get(a, "/ok", 0, &r);
    assert_int_equal(r.status, 200);
    http_reply_free(&r);
    /* Requests MHD refused are logged when they complete: stop first, then count. */
    demo_server_stop(server);
    size_t len;
    char *text = ts_read_file(log_path, &len);
    size_t lines = 0;
    for (char *line = text, *nl; (nl = strchr(line, '\n')) != NULL; line = nl + 1, lines++) {
        json_error_t jerr;
        json_t *o = json_loadb(line, (size_t)(nl - line), 0, &jerr);
        if (o == NULL) fail_msg("log line %zu is not JSON: %s", lines + 1, jerr.text);
        json_decref(o);
    }
    assert_true(lines >= 5);
    free(text);
    demo_scenario_free(s);
    ts_rmtree(dir);
}

static void only_loopback_addresses_are_accepted(void **state)
{
    (void)state;
    demo_scenario *s = scenario_from("{}", NULL);
    static const struct {
        const char *address;
        int code;
    } cases[] = {
        {"10.0.0.1:0", CS_EDENIED},  {"0.0.0.0:0", CS_EDENIED},   {"192.168.1.1", CS_EDENIED},
        {"128.0.0.1:0", CS_EDENIED}, {"localhost:80", CS_EINVAL}, {"127.0.0.1:70000", CS_EINVAL},
        {"127.0.0.1:", CS_EINVAL},   {"::1", CS_EINVAL},          {"", CS_EINVAL},
    };
    for (size_t i = 0; i < CS_ARRAY_LEN(cases); i++) {
        const char *addresses[] = {"127.0.0.1:0", cases[i].address};
        demo_server *server = (demo_server *)1;
        cs_error err;
        assert_int_equal(demo_server_start(s, addresses, 2, NULL, &server, &err), cases[i].code);
        assert_null(server);
        assert_non_null(strstr(err.message, cases[i].address));
    }
    /* Two listeners on one explicit port: the second bind fails, clearly. */
    demo_server *first = NULL;
    const char *one[] = {"127.0.0.1:0"};
    assert_int_equal(demo_server_start(s, one, 1, NULL, &first, NULL), CS_OK);
    char taken[32];
    snprintf(taken, sizeof taken, "%s", demo_server_address(first, 0));
    const char *again[] = {taken};
    demo_server *second = NULL;
    cs_error err;
    assert_int_equal(demo_server_start(s, again, 1, NULL, &second, &err), CS_EIO);
    assert_non_null(strstr(err.message, taken));
    demo_server_stop(first);
    demo_server_stop(NULL);
    demo_scenario_free(s);
}

static void bad_scenarios_are_refused_with_the_key_named(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        const char *message_part;
    } cases[] = {
        {"{\"routes\": [{\"path\": \"/\", \"bodyy\": \"x\"}]}", "bodyy"},
        {"{\"routes\": [{\"path\": \"/\", \"body\": \"x\", \"generate\": 5}]}", "only one"},
        {"{\"routes\": [{\"path\": \"/\", \"status\": 42}]}", "status"},
        {"{\"routes\": [{\"path\": \"/\", \"delay_ms\": -1}]}", "delay_ms"},
        {"{\"routes\": [{\"path\": \"/\", \"headers\": {\"X\": \"a\\r\\nB: c\"}}]}", "CR or LF"},
        {"{\"routes\": [{\"sequence\": [], \"path\": \"/\"}]}", "sequence"},
        {"{\"routes\": [{\"sequence\": [{}], \"status\": 200}]}", "inside"},
        {"{\"routes\": [{\"path\": \"/\", \"body_file\": \"/nonexistent/x\"}]}", "body_file"},
        {"{\"hosts\": {\"localhost\": \"a\"}}", "localhost"},
        {"{\"rootz\": 1}", "rootz"},
        {"[1]", "object"},
        {"{", "line"},
    };
    for (size_t i = 0; i < CS_ARRAY_LEN(cases); i++) {
        demo_scenario *s = (demo_scenario *)1;
        cs_error err;
        int rc = demo_scenario_parse(cases[i].json, strlen(cases[i].json), NULL, &s, &err);
        assert_true(rc == CS_EFORMAT || rc == CS_EIO);
        assert_null(s);
        if (strstr(err.message, cases[i].message_part) == NULL)
            fail_msg("case %zu: message '%s' lacks '%s'", i, err.message, cases[i].message_part);
    }
}

/* clearset-fixture as its own process: ready file, requests, log file, SIGTERM. */
static void fixture_process_serves_logs_and_stops(void **state)
{
    (void)state;
    char dir[TS_PATH_MAX], scenario[TS_PATH_MAX], log_path[TS_PATH_MAX], ready[TS_PATH_MAX];
    char fixture[TS_PATH_MAX];
    ts_tempdir(dir);
    ts_join(scenario, dir, "scenario.json");
    ts_join(log_path, dir, "log.jsonl");
    ts_join(ready, dir, "ready");
    snprintf(fixture, sizeof fixture, "%s/demo/clearset-fixture", CLEARSET_BINARY_DIR);
    const char json[] =
        "{\"routes\": [{\"path\": \"/robots.txt\", \"body\": \"User-agent: *\\n\"}]}";
    ts_write_file(scenario, json, sizeof json - 1);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 1);
        execl(fixture, fixture, "--scenario", scenario, "--listen", "127.0.0.2:0", "--listen",
              "127.0.0.3:0", "--log", log_path, "--ready-file", ready, (char *)NULL);
        _exit(127);
    }
    char *text = NULL;
    for (int i = 0; i < 500 && text == NULL; i++) {
        if (access(ready, F_OK) == 0) {
            size_t len;
            text = ts_read_file(ready, &len);
        } else {
            usleep(10000);
        }
    }
    if (text == NULL) {
        kill(pid, SIGKILL);
        fail_msg("clearset-fixture did not become ready");
    }
    char addresses[2][32];
    assert_int_equal(sscanf(text, "%31s %31s", addresses[0], addresses[1]), 2);
    free(text);
    assert_true(strncmp(addresses[0], "127.0.0.2:", 10) == 0);
    assert_true(strncmp(addresses[1], "127.0.0.3:", 10) == 0);
    for (int i = 0; i < 2; i++) {
        http_reply r;
        http_get(addresses[i], "/robots.txt", 0, &r);
        assert_int_equal(r.status, 200);
        assert_string_equal((char *)r.body, "User-agent: *\n");
        http_reply_free(&r);
    }
    /* The log is readable while the server runs. */
    size_t len;
    text = ts_read_file(log_path, &len);
    assert_non_null(strstr(text, "\"host\":\"127.0.0.2\""));
    assert_non_null(strstr(text, "\"host\":\"127.0.0.3\""));
    free(text);
    assert_int_equal(kill(pid, SIGTERM), 0);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);

    /* A non-loopback address is refused with exit 2. */
    ts_run_result run;
    const char *argv[] = {fixture, "--listen", "10.1.2.3:0", NULL};
    ts_run(&run, NULL, argv);
    assert_int_equal(run.status, 2);
    assert_non_null(strstr(run.err, "loopback"));
    ts_run_result_free(&run);
    ts_rmtree(dir);
}

/* The bundled sample web: its hosts, templated cross-host links, the stock site's opt-outs. */
static void bundled_sample_web_serves_its_hosts(void **state)
{
    (void)state;
    char path[TS_PATH_MAX];
    snprintf(path, sizeof path, "%s/scenario.json", demo_site_dir());
    demo_scenario *s = NULL;
    cs_error err;
    if (demo_scenario_load(path, &s, &err)) fail_msg("%s", err.message);
    size_t hosts = demo_scenario_host_count(s);
    assert_true(hosts >= 5 && hosts <= DEMO_MAX_LISTENERS);
    const char *addresses[DEMO_MAX_LISTENERS];
    for (size_t i = 0; i < hosts; i++)
        addresses[i] = demo_scenario_host_address(s, i);
    demo_server *server = NULL;
    if (demo_server_start(s, addresses, hosts, NULL, &server, &err)) fail_msg("%s", err.message);
    const char *names[] = {"photo", "museum", "stock", "cdn", "blog", "paywall", "flaky", "busy"};
    const char *by_name[CS_ARRAY_LEN(names)] = {0};
    for (size_t i = 0; i < hosts; i++) {
        const char *name = demo_scenario_host_name_at(s, i);
        for (size_t k = 0; k < CS_ARRAY_LEN(names); k++)
            if (strcmp(name, names[k]) == 0) by_name[k] = demo_server_address(server, i);
    }
    for (size_t k = 0; k < CS_ARRAY_LEN(names); k++)
        assert_non_null(by_name[k]);
    http_reply r;
    char value[256], expected[256];
    /* The photographer's page points at the CDN's actual port. */
    http_get(by_name[0], "/harbour.html", 0, &r);
    assert_int_equal(r.status, 200);
    snprintf(expected, sizeof expected, "<img src=\"http://%s/ana/harbour.jpg\"", by_name[3]);
    assert_non_null(strstr((char *)r.body, expected));
    assert_non_null(strstr((char *)r.body, "rel=\"license\""));
    assert_null(strstr((char *)r.body, "{{"));
    http_reply_free(&r);
    /* The CDN serves the JPEG byte for byte. */
    http_get(by_name[3], "/ana/harbour.jpg", 0, &r);
    assert_int_equal(r.status, 200);
    snprintf(path, sizeof path, "%s/www/cdn/ana/harbour.jpg", demo_site_dir());
    size_t len;
    char *file = ts_read_file(path, &len);
    assert_int_equal(r.body_len, len);
    assert_memory_equal(r.body, file, len);
    assert_memory_equal(r.body, "\xff\xd8", 2);
    free(file);
    assert_string_equal(reply_header(&r, "Content-Type", value, sizeof value), "image/jpeg");
    http_reply_free(&r);
    /* The stock site opts out everywhere it can. */
    http_get(by_name[2], "/photos/lighthouse.jpg", 0, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(reply_header(&r, "X-Robots-Tag", value, sizeof value), "noai, noimageai");
    assert_string_equal(reply_header(&r, "tdm-reservation", value, sizeof value), "1");
    http_reply_free(&r);
    http_get(by_name[2], "/robots.txt", 0, &r);
    assert_non_null(strstr((char *)r.body, "User-agent: GPTBot\nDisallow: /"));
    http_reply_free(&r);
    http_get(by_name[2], "/.well-known/tdmrep.json", 0, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(reply_header(&r, "Content-Type", value, sizeof value), "application/json");
    http_reply_free(&r);
    /* The photographer's moved page, and the blog without robots.txt. */
    http_get(by_name[0], "/old-gallery", 0, &r);
    assert_int_equal(r.status, 301);
    http_reply_free(&r);
    http_get(by_name[4], "/robots.txt", 0, &r);
    assert_int_equal(r.status, 404);
    http_reply_free(&r);
    /* The hosts that are hard to crawl: paid pictures, robots.txt down, a 429 once. */
    http_get(by_name[5], "/premium/sunrise.jpg", 0, &r);
    assert_int_equal(r.status, 402);
    http_reply_free(&r);
    http_get(by_name[6], "/robots.txt", 0, &r);
    assert_int_equal(r.status, 503);
    http_reply_free(&r);
    http_get(by_name[7], "/", 0, &r);
    assert_int_equal(r.status, 429);
    assert_string_equal(reply_header(&r, "Retry-After", value, sizeof value), "1");
    http_reply_free(&r);
    http_get(by_name[7], "/", 0, &r);
    assert_int_equal(r.status, 200);
    http_reply_free(&r);
    demo_server_stop(server);
    demo_scenario_free(s);
}

static void clearset_demo_lists_what_it_serves(void **state)
{
    (void)state;
    ts_run_result run;
    const char *argv[] = {"clearset", "demo", "--list", NULL};
    ts_run_clearset(&run, NULL, argv);
    assert_int_equal(run.status, 0);
    size_t lines = 0, images = 0;
    for (char *line = run.out, *nl; (nl = strchr(line, '\n')) != NULL; line = nl + 1, lines++) {
        json_error_t jerr;
        json_t *o = json_loadb(line, (size_t)(nl - line), 0, &jerr);
        assert_non_null(o);
        const char *origin = json_string_value(json_object_get(o, "origin"));
        assert_non_null(origin);
        assert_true(strncmp(origin, "http://127.0.0.", 15) == 0);
        images += json_array_size(json_object_get(o, "images"));
        json_decref(o);
    }
    /* one line per host of the bundled site, every .jpg and .png it has listed as an image */
    char path[TS_PATH_MAX];
    snprintf(path, sizeof path, "%s/scenario.json", demo_site_dir());
    demo_scenario *s = NULL;
    cs_error err;
    if (demo_scenario_load(path, &s, &err)) fail_msg("%s", err.message);
    size_t files = 0;
    for (size_t i = 0; i < demo_scenario_host_count(s); i++) {
        char **paths;
        size_t n;
        assert_int_equal(
            demo_scenario_host_files(s, demo_scenario_host_name_at(s, i), &paths, &n, &err), CS_OK);
        for (size_t p = 0; p < n; p++) {
            const char *dot = strrchr(paths[p], '.');
            files += dot && (strcmp(dot, ".jpg") == 0 || strcmp(dot, ".png") == 0);
        }
        demo_paths_free(paths, n);
    }
    assert_int_equal(lines, demo_scenario_host_count(s));
    assert_true(files > 8);
    assert_int_equal(images, files);
    demo_scenario_free(s);
    ts_run_result_free(&run);

    const char *help[] = {"clearset", "demo", "--help", NULL};
    ts_run_clearset(&run, NULL, help);
    assert_int_equal(run.status, 0);
    assert_non_null(strstr(run.out, "--serve"));
    ts_run_result_free(&run);
    const char *bad[] = {"clearset", "demo", "--bogus", NULL};
    ts_run_clearset(&run, NULL, bad);
    assert_int_equal(run.status, 2);
    ts_run_result_free(&run);
}

static void stop_is_prompt_while_an_answer_is_delayed(void **state)
{
    (void)state;
    demo_scenario *s = scenario_from(
        "{\"routes\": [{\"path\": \"/never\", \"body\": \"x\", \"delay_ms\": 60000}]}", NULL);
    demo_server *server = start(s, NULL);
    int fd = connect_to(demo_server_address(server, 0));
    const char req[] = "GET /never HTTP/1.0\r\n\r\n";
    assert_int_equal(send(fd, req, sizeof req - 1, 0), (ssize_t)(sizeof req - 1));
    usleep(200 * 1000);
    int64_t before = cs_monotonic_ns();
    demo_server_stop(server);
    assert_true(cs_monotonic_ns() - before < 3000 * 1000000LL);
    close(fd);
    demo_scenario_free(s);
}

typedef struct client_job {
    const char *address;
    int ok;
} client_job;

static void *client_thread(void *arg)
{
    client_job *job = arg;
    for (int i = 0; i < 20; i++) {
        http_reply r;
        http_get(job->address, "/n", 0, &r);
        job->ok += r.status == 200 && r.body_len == 1;
        http_reply_free(&r);
    }
    return NULL;
}

static void concurrent_clients_are_all_logged_once(void **state)
{
    (void)state;
    demo_scenario *s = scenario_from("{\"routes\": [{\"path\": \"/n\", \"body\": \"n\"}]}", NULL);
    demo_server *server = start(s, NULL);
    pthread_t threads[6];
    client_job jobs[6];
    for (size_t i = 0; i < 6; i++) {
        jobs[i] = (client_job){demo_server_address(server, i % 3), 0};
        assert_int_equal(pthread_create(&threads[i], NULL, client_thread, &jobs[i]), 0);
    }
    for (size_t i = 0; i < 6; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(jobs[i].ok, 20);
    }
    demo_request *log;
    size_t n;
    assert_int_equal(demo_server_requests(server, 0, &log, &n), CS_OK);
    assert_int_equal(n, 120);
    size_t per_host[3] = {0};
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(log[i].seq, i + 1);
        per_host[log[i].listener]++;
    }
    assert_int_equal(per_host[0], 40);
    assert_int_equal(per_host[1], 40);
    assert_int_equal(per_host[2], 40);
    demo_requests_free(log, n);
    /* Reading from an offset returns the tail only. */
    assert_int_equal(demo_server_requests(server, 118, &log, &n), CS_OK);
    assert_int_equal(n, 2);
    assert_int_equal(log[0].seq, 119);
    demo_requests_free(log, n);
    demo_server_stop(server);
    demo_scenario_free(s);
}

static void a_hundred_hosts_at_once(void **state)
{
    (void)state;
    demo_scenario *s =
        scenario_from("{\"routes\": [{\"path\": \"/\", \"body\": \"{{host}}\"}]}", NULL);
    char text[100][32];
    const char *addresses[100];
    for (int i = 0; i < 100; i++) {
        snprintf(text[i], sizeof text[i], "127.0.5.%d:0", i + 1);
        addresses[i] = text[i];
    }
    demo_server *server = NULL;
    cs_error err;
    if (demo_server_start(s, addresses, 100, NULL, &server, &err)) fail_msg("%s", err.message);
    for (size_t i = 0; i < 100; i += 33) {
        http_reply r;
        http_get(demo_server_address(server, i), "/", 0, &r);
        assert_string_equal((char *)r.body, demo_server_address(server, i));
        http_reply_free(&r);
    }
    demo_server_stop(server);
    demo_scenario_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(three_hosts_answer_and_log_per_host),
        cmocka_unit_test(delay_and_trickle_are_honoured),
        cmocka_unit_test(a_status_is_not_a_delay),
        cmocka_unit_test(redirect_sequence_and_404),
        cmocka_unit_test(endless_body_is_cut_by_the_client),
        cmocka_unit_test(gzip_bodies_inflate_exactly_and_the_bomb_is_small),
        cmocka_unit_test(static_files_per_host_with_templates),
        cmocka_unit_test(odd_requests_do_not_hurt_the_server),
        cmocka_unit_test(only_loopback_addresses_are_accepted),
        cmocka_unit_test(bad_scenarios_are_refused_with_the_key_named),
        cmocka_unit_test(fixture_process_serves_logs_and_stops),
        cmocka_unit_test(stop_is_prompt_while_an_answer_is_delayed),
        cmocka_unit_test(concurrent_clients_are_all_logged_once),
        cmocka_unit_test(a_hundred_hosts_at_once),
        cmocka_unit_test(bundled_sample_web_serves_its_hosts),
        cmocka_unit_test(clearset_demo_lists_what_it_serves),
    };
    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
