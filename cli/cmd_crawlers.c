/*
 * cmd_crawlers.c - `clearset crawlers ACCESS_LOG... [--robots FILE_OR_URL]
 * [--text] [--html FILE]`: which AI crawlers came to a site, how much they
 * took, and which of them fetched what robots.txt disallowed for them.
 *
 * pipeline/crawlers.c reads the logs and counts; this file reads the
 * arguments, reports bad lines (the first CRAWLERS_SHOWN_BAD_LINES of each
 * file, then one count per file, so a junk file cannot flood the terminal)
 * and prints: JSON Lines by default (one object per crawler seen, most
 * requests first, then {"summary": true, ...}), a table with --text, and
 * with --html a self-contained page (inline CSS and SVG, no script, nothing
 * fetched; every text escaped).
 *
 * Exit status: 0 the logs were read; 1 with --robots, when some AI crawler
 * made a request robots.txt disallowed for it; 2 bad usage, or a log or the
 * robots file that could not be read (the other logs still count); 3 a
 * runtime failure (robots.txt URL unreachable, out of memory). Bad lines do
 * not change the status: they are reported and counted.
 */
#include "cli/cli.h"
#include "pipeline/pipeline.h"
#include "robots/robots.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CRAWLERS_SHOWN_BAD_LINES 10 /* per file; the rest are counted in one line */
#define CRAWLERS_MAX_SECONDS_MS  (1000000ull * 1000)
#define CRAWLERS_CHART_WIDTH     480 /* px of the longest bar in a chart */

static void print_help(void)
{
    printf(
        "usage: clearset crawlers ACCESS_LOG... [--robots FILE_OR_URL] [--text] [--html FILE]\n"
        "                         [--ai-crawlers FILE] [--allow-loopback] [--timeout SECONDS]\n\n"
        "Reads web server access logs (nginx/Apache common or combined format; gzip\n"
        "too, recognised by its bytes; '-' is stdin), finds the requests of known AI\n"
        "crawlers by their User-Agent tokens and prints, per crawler seen: its operator\n"
        "and function (training, ai-search, user-fetch, ...), requests,\n"
        "bytes, first_seen and last_seen (ISO 8601 UTC), status classes, and with\n"
        "--robots how many requests robots.txt disallowed for that crawler's token\n"
        "(it ignored the rules). JSON Lines: one object per crawler, most requests\n"
        "first, then one {\"summary\": true, ...} object.\n\n"
        "  --robots FILE_OR_URL  the robots.txt to judge by: a file, or an http(s) URL\n"
        "                        whose origin's /robots.txt is fetched once (the\n"
        "                        crawler's safety rules apply; 5xx or unreachable is\n"
        "                        an error, 4xx means nothing is disallowed)\n"
        "  --text                a table for people instead of JSON\n"
        "  --html FILE           also write a self-contained HTML page with a chart\n"
        "                        per crawler\n"
        "  --ai-crawlers FILE    the crawler list to look for (robots/ai_crawlers.txt's\n"
        "                        format; default: the built-in list)\n"
        "  --allow-loopback      let a --robots URL reach 127.0.0.0/8 and ::1\n"
        "  --timeout SECONDS     for the --robots URL (default 60)\n\n"
        "A bad line (not a log line, huge, binary, invalid UTF-8, a cut gzip stream)\n"
        "is reported on stderr as FILE:LINE (the first %d per file, then a count) and\n"
        "skipped; the run goes on.\n\n"
        "exit status: 0 read, 1 an AI crawler fetched what robots.txt disallowed for\n"
        "it, 2 bad usage or a file that could not be read, 3 failure.\n",
        CRAWLERS_SHOWN_BAD_LINES);
}

/* Bad lines of the file being read: shown up to the limit, then counted. */
typedef struct bad_lines {
    const char *file;
    uint64_t count;
} bad_lines;

static void on_bad_line(void *arg, const char *file, uint64_t line, const cs_error *why)
{
    bad_lines *b = arg;
    if (b->count++ < CRAWLERS_SHOWN_BAD_LINES)
        fprintf(stderr, "clearset crawlers: %s:%llu: %s\n", file, (unsigned long long)line,
                why->message);
}

static void iso_time(int64_t seconds, char out[32])
{
    time_t t = (time_t)seconds;
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        cs_strlcpy(out, "?", 32);
}

/* Crawlers seen, most requests first (then list order). */
typedef struct seen {
    size_t index;
    const pipeline_crawler_stats *stats;
    const char *token, *operator_name, *function; /* from the crawler list */
} seen;

static int by_requests(const void *a, const void *b)
{
    const seen *x = a, *y = b;
    if (x->stats->requests != y->stats->requests)
        return x->stats->requests > y->stats->requests ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static size_t crawlers_seen(const pipeline_crawlers_report *rep, const robots_ai_crawlers *crawlers,
                            seen *out)
{
    size_t n = 0;
    for (size_t i = 0; i < rep->crawler_count; i++)
        if (rep->crawlers[i].requests > 0)
            out[n++] = (seen){i, &rep->crawlers[i], robots_ai_crawlers_token(crawlers, i),
                              robots_ai_crawlers_operator(crawlers, i),
                              robots_ai_crawlers_function(crawlers, i)};
    qsort(out, n, sizeof *out, by_requests);
    return n;
}

static const char *const class_names[6] = {"other", "1xx", "2xx", "3xx", "4xx", "5xx"};

static int print_json(const pipeline_crawlers_report *rep, const seen *list, size_t n,
                      const char *robots)
{
    uint64_t disallowed = 0;
    json_t *ignoring = json_array();
    for (size_t k = 0; k < n; k++) {
        const pipeline_crawler_stats *c = list[k].stats;
        char first[32], last[32];
        iso_time(c->first_seen, first);
        iso_time(c->last_seen, last);
        json_t *status = json_object();
        for (int s = 1; s <= 6; s++)
            json_object_set_new(status, class_names[s % 6],
                                json_integer((json_int_t)c->status_class[s % 6]));
        json_t *o = json_pack(
            "{s:o, s:o, s:o, s:I, s:I, s:s, s:s, s:o}", "crawler", cli_json_text(list[k].token),
            "operator", list[k].operator_name ? cli_json_text(list[k].operator_name) : json_null(),
            "function", list[k].function ? cli_json_text(list[k].function) : json_null(),
            "requests", (json_int_t)c->requests, "bytes", (json_int_t)c->bytes, "first_seen", first,
            "last_seen", last, "status", status);
        if (o && rep->robots_checked) {
            json_object_set_new(o, "robots_disallowed", json_integer((json_int_t)c->disallowed));
            json_object_set_new(o, "ignored_robots", json_boolean(c->disallowed > 0));
            json_object_set_new(o, "example_disallowed",
                                c->disallowed ? cli_json_text(c->example) : json_null());
            if (c->disallowed) json_array_append_new(ignoring, cli_json_text(list[k].token));
            disallowed += c->disallowed;
        }
        int rc = cli_print_json("crawlers", o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (rc != CLI_EXIT_OK) {
            json_decref(ignoring);
            return rc;
        }
    }
    json_t *summary = json_pack(
        "{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "summary", 1, "files",
        (json_int_t)rep->files, "lines", (json_int_t)rep->lines, "bad_lines",
        (json_int_t)rep->bad_lines, "requests", (json_int_t)rep->requests, "ai_requests",
        (json_int_t)rep->ai_requests, "without_user_agent", (json_int_t)rep->without_agent,
        "ai_crawlers", (json_int_t)n, "robots", robots ? cli_json_text(robots) : json_null());
    if (summary && rep->robots_checked) {
        json_object_set_new(summary, "robots_disallowed", json_integer((json_int_t)disallowed));
        json_object_set_new(summary, "ignoring_robots", ignoring);
    } else {
        json_decref(ignoring);
    }
    return cli_print_json("crawlers", summary, JSON_COMPACT | JSON_PRESERVE_ORDER);
}

static void print_text(const pipeline_crawlers_report *rep, const seen *list, size_t n,
                       const char *robots)
{
    printf("%-28s %-22s %-11s %10s %14s %-20s %-20s %8s %8s %8s %8s %10s\n", "CRAWLER", "OPERATOR",
           "FUNCTION", "REQUESTS", "BYTES", "FIRST SEEN", "LAST SEEN", "2XX", "3XX", "4XX", "5XX",
           "DISALLOWED");
    for (size_t k = 0; k < n; k++) {
        const pipeline_crawler_stats *c = list[k].stats;
        char first[32], last[32], dis[24];
        iso_time(c->first_seen, first);
        iso_time(c->last_seen, last);
        if (rep->robots_checked)
            snprintf(dis, sizeof dis, "%llu", (unsigned long long)c->disallowed);
        else
            cs_strlcpy(dis, "-", sizeof dis);
        printf("%-28s %-22s %-11s %10llu %14llu %-20s %-20s %8llu %8llu %8llu %8llu %10s\n",
               list[k].token, list[k].operator_name ? list[k].operator_name : "-",
               list[k].function ? list[k].function : "-", (unsigned long long)c->requests,
               (unsigned long long)c->bytes, first, last, (unsigned long long)c->status_class[2],
               (unsigned long long)c->status_class[3], (unsigned long long)c->status_class[4],
               (unsigned long long)c->status_class[5], dis);
    }
    printf("\n%llu lines in %llu file(s): %llu requests, %llu by %zu AI crawler(s), %llu bad "
           "line(s)\n",
           (unsigned long long)rep->lines, (unsigned long long)rep->files,
           (unsigned long long)rep->requests, (unsigned long long)rep->ai_requests, n,
           (unsigned long long)rep->bad_lines);
    if (!rep->robots_checked) {
        printf("robots.txt: not checked (see --robots)\n");
        return;
    }
    printf("robots.txt: %s\n", robots);
    for (size_t k = 0; k < n; k++)
        if (list[k].stats->disallowed)
            printf("  %s ignored it: %llu disallowed request(s), e.g. %s\n", list[k].token,
                   (unsigned long long)list[k].stats->disallowed, list[k].stats->example);
}

/* ---- --html ----------------------------------------------------------------------- */

static int html_text(cs_buf *b, const char *s)
{
    return cs_buf_append_html(b, s, strlen(s));
}

/* One crawler's chart: a bar per status class and one for disallowed requests. */
static int html_chart(cs_buf *b, const pipeline_crawler_stats *c, const char *token,
                      int robots_checked)
{
    const char *labels[7] = {"1xx", "2xx", "3xx", "4xx", "5xx", "other", "disallowed"};
    uint64_t values[7] = {c->status_class[1], c->status_class[2], c->status_class[3],
                          c->status_class[4], c->status_class[5], c->status_class[0],
                          c->disallowed};
    int bars = robots_checked ? 7 : 6;
    int rc = cs_buf_printf(b,
                           "<svg class=\"chart\" role=\"img\" width=\"%d\" height=\"%d\" "
                           "viewBox=\"0 0 %d %d\" xmlns=\"http://www.w3.org/2000/svg\">"
                           "<title>",
                           CRAWLERS_CHART_WIDTH + 200, bars * 22 + 4, CRAWLERS_CHART_WIDTH + 200,
                           bars * 22 + 4);
    if (rc == CS_OK) rc = html_text(b, token);
    if (rc == CS_OK) rc = cs_buf_append_str(b, ": requests by status</title>");
    for (int i = 0; i < bars && rc == CS_OK; i++) {
        double width =
            c->requests ? (double)values[i] * CRAWLERS_CHART_WIDTH / (double)c->requests : 0.0;
        rc = cs_buf_printf(b,
                           "<g class=\"bar%s\"><text x=\"0\" y=\"%d\">%s</text>"
                           "<rect x=\"80\" y=\"%d\" width=\"%.1f\" height=\"16\"/>"
                           "<text x=\"%.1f\" y=\"%d\">%llu</text></g>",
                           i == 6 ? " ignored" : "", i * 22 + 15, labels[i], i * 22 + 3, width,
                           86.0 + width, i * 22 + 15, (unsigned long long)values[i]);
    }
    return rc == CS_OK ? cs_buf_append_str(b, "</svg>") : rc;
}

static int write_html(const char *path, const pipeline_crawlers_report *rep, const seen *list,
                      size_t n, const char *robots, cs_error *err)
{
    cs_buf b;
    cs_buf_init(&b, 0);
    int rc = cs_buf_append_str(
        &b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'\">"
            "<title>AI crawlers in access logs</title><style>"
            "body{font:14px system-ui,sans-serif;margin:2em;max-width:60em}"
            "table{border-collapse:collapse}td,th{padding:2px 8px;text-align:right}"
            "td:first-child,th:first-child{text-align:left}"
            "section.crawler{margin:1.5em 0}rect{fill:#4a7ab5}.ignored rect{fill:#c0392b}"
            "svg text{font:12px system-ui,sans-serif}"
            "</style></head><body><h1>AI crawlers in access logs</h1>\n");
    if (rc == CS_OK)
        rc = cs_buf_printf(&b,
                           "<p class=\"summary\">%llu lines in %llu file(s): %llu requests, "
                           "%llu by %zu AI crawler(s), %llu bad line(s). robots.txt: ",
                           (unsigned long long)rep->lines, (unsigned long long)rep->files,
                           (unsigned long long)rep->requests, (unsigned long long)rep->ai_requests,
                           n, (unsigned long long)rep->bad_lines);
    if (rc == CS_OK) rc = html_text(&b, robots ? robots : "not checked");
    if (rc == CS_OK)
        rc = cs_buf_append_str(
            &b,
            ".</p>\n<table><tr><th>crawler</th><th>operator</th><th>function</th><th>requests</th>"
            "<th>bytes</th><th>first seen</th><th>last seen</th>"
            "<th>disallowed</th></tr>\n");
    for (size_t k = 0; k < n && rc == CS_OK; k++) {
        const pipeline_crawler_stats *c = list[k].stats;
        char first[32], last[32];
        iso_time(c->first_seen, first);
        iso_time(c->last_seen, last);
        rc = cs_buf_append_str(&b, "<tr><td>");
        if (rc == CS_OK) rc = html_text(&b, list[k].token);
        if (rc == CS_OK) rc = cs_buf_append_str(&b, "</td><td>");
        if (rc == CS_OK) rc = html_text(&b, list[k].operator_name ? list[k].operator_name : "-");
        if (rc == CS_OK) rc = cs_buf_append_str(&b, "</td><td>");
        if (rc == CS_OK) rc = html_text(&b, list[k].function ? list[k].function : "-");
        if (rc == CS_OK)
            rc = cs_buf_printf(&b, "</td><td>%llu</td><td>%llu</td><td>%s</td><td>%s</td><td>",
                               (unsigned long long)c->requests, (unsigned long long)c->bytes, first,
                               last);
        if (rc == CS_OK && rep->robots_checked)
            rc = cs_buf_printf(&b, "%llu", (unsigned long long)c->disallowed);
        else if (rc == CS_OK)
            rc = cs_buf_append_str(&b, "-");
        if (rc == CS_OK) rc = cs_buf_append_str(&b, "</td></tr>\n");
    }
    if (rc == CS_OK) rc = cs_buf_append_str(&b, "</table>\n");
    for (size_t k = 0; k < n && rc == CS_OK; k++) {
        const char *token = list[k].token;
        rc = cs_buf_append_str(&b, "<section class=\"crawler\" data-crawler=\"");
        if (rc == CS_OK) rc = html_text(&b, token);
        if (rc == CS_OK) rc = cs_buf_append_str(&b, "\"><h2>");
        if (rc == CS_OK) rc = html_text(&b, token);
        if (rc == CS_OK) rc = cs_buf_append_str(&b, "</h2>");
        if (rc == CS_OK && list[k].stats->disallowed) {
            rc = cs_buf_append_str(&b, "<p class=\"ignored\">Fetched what robots.txt disallowed, "
                                       "e.g. <code>");
            if (rc == CS_OK) rc = html_text(&b, list[k].stats->example);
            if (rc == CS_OK) rc = cs_buf_append_str(&b, "</code></p>");
        }
        if (rc == CS_OK) rc = html_chart(&b, list[k].stats, token, rep->robots_checked);
        if (rc == CS_OK) rc = cs_buf_append_str(&b, "</section>\n");
    }
    if (rc == CS_OK) rc = cs_buf_append_str(&b, "</body></html>\n");
    if (rc != CS_OK) {
        cs_buf_free(&b);
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    }
    rc = cs_write_file_atomic(path, b.data, b.len, err);
    cs_buf_free(&b);
    return rc;
}

int cmd_crawlers(cli_context *ctx, int argc, char **argv)
{
    (void)ctx;
    if (cli_wants_help(argc, argv)) {
        print_help();
        return CLI_EXIT_OK;
    }
    enum { OPT_ROBOTS, OPT_TEXT, OPT_HTML, OPT_ALLOW_LOOPBACK, OPT_TIMEOUT, OPT_AI_CRAWLERS };
    static const cli_option options[] = {
        {"--robots", OPT_ROBOTS, CLI_TEXT, 0, 0},
        {"--ai-crawlers", OPT_AI_CRAWLERS, CLI_TEXT, 0, 0},
        {"--text", OPT_TEXT, CLI_FLAG, 0, 0},
        {"--html", OPT_HTML, CLI_TEXT, 0, 0},
        {"--allow-loopback", OPT_ALLOW_LOOPBACK, CLI_FLAG, 0, 0},
        {"--timeout", OPT_TIMEOUT, CLI_SECONDS, 0, CRAWLERS_MAX_SECONDS_MS},
    };
    const char *robots = NULL, *html = NULL, *crawlers_file = NULL;
    int text = 0;
    crawler_fetch_options fetch = {0};
    char **files = calloc((size_t)argc, sizeof *files);
    if (files == NULL) {
        fprintf(stderr, "clearset crawlers: out of memory\n");
        return CLI_EXIT_RUNTIME;
    }
    size_t file_count = 0;
    cli_args args = cli_args_start("crawlers", argc, argv, options, CS_ARRAY_LEN(options), 0);
    int kind;
    while ((kind = cli_args_next(&args)) > CLI_ARG_END) {
        if (kind == CLI_ARG_OPERAND)
            files[file_count++] = (char *)args.value;
        else if (args.id == OPT_ROBOTS)
            robots = args.value;
        else if (args.id == OPT_TEXT)
            text = 1;
        else if (args.id == OPT_HTML)
            html = args.value;
        else if (args.id == OPT_ALLOW_LOOPBACK)
            fetch.allow_loopback = 1;
        else if (args.id == OPT_AI_CRAWLERS)
            crawlers_file = args.value;
        else
            fetch.total_timeout_ms = args.number > 0 ? (long)args.number : 1;
    }
    int status = CLI_EXIT_OK;
    if (kind == CLI_ARG_ERROR)
        status = CLI_EXIT_USAGE;
    else if (file_count == 0)
        status = cli_usage_error("crawlers", "needs at least one ACCESS_LOG ('-' for stdin)");
    else if (robots && robots[0] == '\0')
        status = cli_usage_error("crawlers", "--robots needs a file or a URL");
    else if (html && html[0] == '\0')
        status = cli_usage_error("crawlers", "--html needs a file name");
    if (status != CLI_EXIT_OK) {
        free(files);
        return status;
    }

    cs_error err;
    cs_error_clear(&err);
    robots_ai_crawlers *crawlers = NULL;
    if (crawlers_file && cli_load_ai_crawlers(crawlers_file, &crawlers, &err) != CS_OK) {
        free(files);
        return cli_fail("crawlers", &err);
    }
    robots_rules *rules = NULL;
    if (robots) {
        int rc = pipeline_crawlers_robots(robots, &fetch, &rules, &err);
        if (rc != CS_OK) {
            robots_ai_crawlers_free(crawlers);
            free(files);
            return cli_fail("crawlers", &err);
        }
    }
    bad_lines bad = {0};
    pipeline_crawlers_options opts = {
        .rules = rules, .crawlers = crawlers, .on_bad_line = on_bad_line, .arg = &bad};
    pipeline_log_reader *reader = NULL;
    int rc = pipeline_log_reader_new(&opts, &reader, &err);
    for (size_t i = 0; i < file_count && rc == CS_OK; i++) {
        bad = (bad_lines){.file = files[i]};
        rc = pipeline_log_reader_read(reader, files[i], &err);
        if (bad.count > CRAWLERS_SHOWN_BAD_LINES)
            fprintf(stderr, "clearset crawlers: %s: %llu more bad line(s) not shown\n", files[i],
                    (unsigned long long)(bad.count - CRAWLERS_SHOWN_BAD_LINES));
        if (rc == CS_EIO) { /* this file is unreadable; the others still count */
            fprintf(stderr, "clearset crawlers: %s\n", err.message);
            status = CLI_EXIT_USAGE;
            rc = CS_OK;
        }
    }
    if (rc != CS_OK) {
        status = cli_fail("crawlers", &err);
    } else {
        const pipeline_crawlers_report *rep = pipeline_log_reader_report(reader);
        seen *list = calloc(rep->crawler_count ? rep->crawler_count : 1, sizeof *list);
        if (list == NULL) {
            fprintf(stderr, "clearset crawlers: out of memory\n");
            status = CLI_EXIT_RUNTIME;
        } else {
            size_t n = crawlers_seen(rep, crawlers, list);
            int printed = CLI_EXIT_OK;
            if (text) {
                print_text(rep, list, n, robots);
                if (fflush(stdout) != 0) printed = CLI_EXIT_RUNTIME;
            } else {
                printed = print_json(rep, list, n, robots);
            }
            if (printed == CLI_EXIT_OK && html &&
                write_html(html, rep, list, n, robots, &err) != CS_OK)
                printed = cli_fail("crawlers", &err);
            int ignored = 0;
            for (size_t k = 0; k < n; k++)
                ignored |= list[k].stats->disallowed > 0;
            if (printed != CLI_EXIT_OK)
                status = printed;
            else if (status == CLI_EXIT_OK && ignored)
                status = CLI_EXIT_FOUND;
            free(list);
        }
    }
    pipeline_log_reader_free(reader);
    robots_free(rules);
    robots_ai_crawlers_free(crawlers);
    free(files);
    return status;
}
