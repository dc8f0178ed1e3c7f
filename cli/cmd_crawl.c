/*
 * cmd_crawl.c - `clearset crawl [SEED_URL...] [--seeds FILE] [options]`: a
 * polite crawl into the catalog. Run it again to continue where it stopped.
 * `--url-list FILE` adds image URLs from a list (crawler/url_list.c) as the
 * crawl needs them; a second run reads the list again from its start and the
 * frontier, which remembers every URL, fetches none of them twice.
 *
 * Prints one JSON summary line on stdout at the end ("event":"done").
 * Progress, every --progress-interval seconds, goes to stderr through
 * cli_progress: a bar on a terminal (requests made of requests made plus
 * URLs queued), JSON Lines with --json-progress. SIGINT and
 * SIGTERM stop the crawl cleanly; what is in flight is fetched next run.
 * `--worker` makes it one of many crawls sharing the catalog through host
 * leases (crawler/worker.c) instead of the one crawl a lock file allows.
 */
#include "cli/cli.h"
#include "crawler/crawler.h"
#include "dataset/catalog.h"
#include "pipeline/pipeline.h"

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#define SEEDS_FILE_MAX  (64 * 1024 * 1024) /* a seed list larger than this is a mistake */
#define BAD_LINES_SHOWN 20 /* --url-list: bad lines printed one by one, then only counted */

static volatile int stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void print_help(void)
{
    printf("usage: clearset [--catalog PATH] crawl [SEED_URL...] [--seeds FILE] [options]\n\n"
           "Crawls politely from the seeds into the catalog: robots.txt first (RFC 9309),\n"
           "one request at a time per host with a minimum delay, opt-out signals and\n"
           "rights hints recorded, images stored by content. Resumable: run it again\n"
           "(with or without seeds) to continue; nothing done is fetched again.\n\n"
           "options:\n"
           "  --seeds FILE              more seed URLs, one per line (# comments)\n"
           "  --url-list FILE           image URLs to fetch directly (img2dataset's inputs):\n"
           "                            txt, csv, tsv or jsonl, plain or gzip; - is stdin.\n"
           "                            Read as a stream; bad lines reported and skipped\n"
           "  --input-format F          txt|csv|tsv|jsonl (default: from the name, .gz aside)\n"
           "  --url-col NAME            the list's URL column or key (default url)\n"
           "  --caption-col NAME        its caption column or key, kept as a sighting\n"
           "                            without a page (default caption, when present)\n"
           "  --hosts H1,H2             more hosts whose pages are in scope (default: the\n"
           "                            seeds' hosts; images come from any host)\n"
           "  --max-depth N             link hops from a seed for pages (default 3)\n"
           "  --max-pages-per-host N    (default: no limit)\n"
           "  --max-images N            stop after N images stored\n"
           "  --time-limit SECONDS      stop after this long; the rest stays queued\n"
           "  --delay SECONDS           minimum time between requests to one host (default 1)\n"
           "  --max-crawl-delay SECONDS robots.txt Crawl-delay honoured up to this (default 30)\n"
           "  --concurrency N           requests in parallel, to distinct hosts (default 16)\n"
           "  --max-attempts N          tries per URL after timeouts, 5xx, 429 (default 3)\n"
           "  --max-outlinks N          page links queued per page, a trap guard (default 200)\n"
           "  --timeout SECONDS         total time per request (default 60)\n"
           "  --connect-timeout SECONDS (default 10)\n"
           "  --allow-loopback          permit 127.0.0.0/8 and ::1 (tests, the demo)\n"
           "  --exclude-domains FILE    domains never to be requested, one per line (#\n"
           "                            comments; subdomains count): their URLs are recorded\n"
           "                            as skipped with the reason \"excluded\", nothing is\n"
           "                            sent to them (not even a robots.txt request)\n"
           "  --ai-crawlers FILE        the AI crawler list to read robots.txt rules with, in\n"
           "                            the format of robots/ai_crawlers.txt (default: the\n"
           "                            list built in)\n"
           "  --worker                  one of many crawls sharing this catalog (on\n"
           "                            PostgreSQL: from any number of machines): crawls\n"
           "                            only hosts whose lease it holds, so each host has\n"
           "                            one worker at a time and its delays hold across\n"
           "                            workers; ends when no host has work left. Not with\n"
           "                            --url-list\n"
           "  --lease SECONDS           how long a worker's host lease lasts unrenewed: how\n"
           "                            soon a dead worker's hosts pass on (default 30)\n"
           "  --json-progress           progress as JSON Lines on stderr, not a bar (see\n"
           "                            'clearset --help'): done is requests made, total\n"
           "                            requests made plus URLs queued (it moves:\n"
           "                            pages add URLs, skipped ones leave)\n"
           "  --progress-interval SECONDS  how often progress is taken (default 1; at\n"
           "                            most 4 updates a second are shown)\n\n"
           "prints one JSON line: requests, pages, images, bytes, errors, refused, disallowed,\n"
           "excluded, hosts, queued, conflicts_retried, elapsed_s, stopped_by (with --url-list\n"
           "also list_read, list_queued, list_bad). A request refused for its address "
           "(private,\n"
           "reserved, or loopback without --allow-loopback) is also reported on stderr; its\n"
           "host is left for a run allowed to reach it. conflicts_retried counts a worker's\n"
           "transactions PostgreSQL ended for another's sake (a deadlock, a serialization\n"
           "failure) and that ran again; after 5 in a row the worker fails.\n");
}

static const char *stopped_name(crawler_stop stop)
{
    switch (stop) {
    case CRAWLER_STOP_FRONTIER_EMPTY:
        return "frontier-empty";
    case CRAWLER_STOP_TIME_LIMIT:
        return "time-limit";
    case CRAWLER_STOP_MAX_IMAGES:
        return "max-images";
    case CRAWLER_STOP_SIGNAL:
        return "signal";
    }
    return "unknown";
}

/* The crawl's counters, for the summary and the progress lines. */
static json_t *stats_counters(const crawler_stats *s)
{
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "requests",
                     (json_int_t)s->requests, "pages", (json_int_t)s->pages, "images",
                     (json_int_t)s->images, "bytes", (json_int_t)s->bytes, "errors",
                     (json_int_t)s->errors, "refused", (json_int_t)s->refused, "disallowed",
                     (json_int_t)s->disallowed, "excluded", (json_int_t)s->excluded, "hosts",
                     (json_int_t)s->hosts, "hosts_active", (json_int_t)s->hosts_active, "queued",
                     (json_int_t)s->queued, "conflicts_retried", (json_int_t)s->conflicts_retried);
}

/* The summary line: {"event":"done", the counters, "elapsed_s"}. */
static json_t *summary_json(const crawler_stats *s)
{
    json_t *line = json_pack("{s:s}", "event", "done");
    if (line && (json_object_update_new(line, stats_counters(s)) != 0 ||
                 json_object_set_new(line, "elapsed_s", json_real(s->elapsed_ms / 1000.0)) != 0)) {
        json_decref(line);
        line = NULL;
    }
    return line;
}

/* The crawler's figures (every progress_interval_ms, and final = 1 once at the end, with
 * the summary's figures) as a bar or a JSON line. */
static void on_progress(void *arg, const crawler_stats *s, int final)
{
    cli_progress *p = arg;
    if (!cli_progress_due(p, final)) return;
    char extra[160];
    snprintf(extra, sizeof extra,
             " requests, %lld images, %lld queued, %lld errors, %.1f MB, %lld hosts active",
             (long long)s->images, (long long)s->queued, (long long)s->errors, s->bytes / 1e6,
             (long long)s->hosts_active);
    cli_progress_show(p, (uint64_t)s->requests, (uint64_t)(s->requests + s->queued), final,
                      stats_counters(s), extra);
}

/* Appends each non-empty, non-comment line of the file to *list (seeds, excluded domains). */
static int read_lines(const char *path, char ***list, size_t *n, size_t *cap, cs_error *err)
{
    unsigned char *bytes;
    size_t len;
    int rc = cs_read_file(path, SEEDS_FILE_MAX, &bytes, &len, err);
    if (rc != CS_OK) return rc;
    for (size_t i = 0; i < len;) {
        size_t end = i;
        while (end < len && bytes[end] != '\n')
            end++;
        size_t a = i, b = end;
        while (a < b && (bytes[a] == ' ' || bytes[a] == '\t' || bytes[a] == '\r'))
            a++;
        while (b > a && (bytes[b - 1] == ' ' || bytes[b - 1] == '\t' || bytes[b - 1] == '\r'))
            b--;
        if (b > a && bytes[a] != '#') {
            char *seed = NULL;
            if (cs_array_reserve((void **)list, cap, *n, sizeof **list, 0) != CS_OK ||
                (seed = cs_strndup((const char *)bytes + a, b - a)) == NULL) {
                free(bytes);
                return cs_error_set(err, CS_ENOMEM, "%s: out of memory", path);
            }
            (*list)[(*n)++] = seed;
        }
        i = end + 1;
    }
    free(bytes);
    return CS_OK;
}

/* Appends a copy of text[0..n) to *list. */
static int add_copy(char ***list, size_t *count, size_t *cap, const char *text, size_t n,
                    cs_error *err)
{
    char *copy = NULL;
    if (cs_array_reserve((void **)list, cap, *count, sizeof **list, 0) != CS_OK ||
        (copy = cs_strndup(text, n)) == NULL)
        return cs_error_set(err, CS_ENOMEM, "out of memory reading the arguments");
    (*list)[(*count)++] = copy;
    return CS_OK;
}

/* Appends each non-empty name of a comma-separated list to *list. */
static int add_hosts(const char *value, char ***list, size_t *count, size_t *cap, cs_error *err)
{
    for (const char *p = value; *p;) {
        size_t n = strcspn(p, ",");
        if (n > 0 && add_copy(list, count, cap, p, n, err) != CS_OK) return err->code;
        p += n;
        if (*p == ',') p++;
    }
    return CS_OK;
}

enum {
    OPT_SEEDS,
    OPT_URL_LIST,
    OPT_INPUT_FORMAT,
    OPT_URL_COL,
    OPT_CAPTION_COL,
    OPT_HOSTS,
    OPT_EXCLUDE_DOMAINS,
    OPT_AI_CRAWLERS,
    OPT_MAX_DEPTH,
    OPT_MAX_PAGES_PER_HOST,
    OPT_MAX_IMAGES,
    OPT_MAX_OUTLINKS,
    OPT_MAX_ATTEMPTS,
    OPT_CONCURRENCY,
    OPT_TIME_LIMIT,
    OPT_DELAY,
    OPT_MAX_CRAWL_DELAY,
    OPT_TIMEOUT,
    OPT_CONNECT_TIMEOUT,
    OPT_PROGRESS_INTERVAL,
    OPT_ALLOW_LOOPBACK,
    OPT_JSON_PROGRESS,
    OPT_WORKER,
    OPT_LEASE,
};

#define CRAWL_MAX_SECONDS_MS (10000000ull * 1000) /* ten million seconds: about 16 weeks */

static const cli_option crawl_options[] = {
    {"--seeds", OPT_SEEDS, CLI_TEXT, 0, 0},
    {"--url-list", OPT_URL_LIST, CLI_TEXT, 0, 0},
    {"--input-format", OPT_INPUT_FORMAT, CLI_TEXT, 0, 0},
    {"--url-col", OPT_URL_COL, CLI_TEXT, 0, 0},
    {"--caption-col", OPT_CAPTION_COL, CLI_TEXT, 0, 0},
    {"--hosts", OPT_HOSTS, CLI_TEXT, 0, 0},
    {"--exclude-domains", OPT_EXCLUDE_DOMAINS, CLI_TEXT, 0, 0},
    {"--ai-crawlers", OPT_AI_CRAWLERS, CLI_TEXT, 0, 0},
    {"--max-depth", OPT_MAX_DEPTH, CLI_COUNT, 0, INT64_MAX},
    {"--max-pages-per-host", OPT_MAX_PAGES_PER_HOST, CLI_COUNT, 0, INT64_MAX},
    {"--max-images", OPT_MAX_IMAGES, CLI_COUNT, 0, INT64_MAX},
    {"--max-outlinks", OPT_MAX_OUTLINKS, CLI_COUNT, 0, INT64_MAX},
    {"--max-attempts", OPT_MAX_ATTEMPTS, CLI_COUNT, 1, INT64_MAX},
    {"--concurrency", OPT_CONCURRENCY, CLI_COUNT, 1, INT64_MAX},
    {"--time-limit", OPT_TIME_LIMIT, CLI_SECONDS, 0, CRAWL_MAX_SECONDS_MS},
    {"--delay", OPT_DELAY, CLI_SECONDS, 0, CRAWL_MAX_SECONDS_MS},
    {"--max-crawl-delay", OPT_MAX_CRAWL_DELAY, CLI_SECONDS, 0, CRAWL_MAX_SECONDS_MS},
    {"--timeout", OPT_TIMEOUT, CLI_SECONDS, 1, CRAWL_MAX_SECONDS_MS},
    {"--connect-timeout", OPT_CONNECT_TIMEOUT, CLI_SECONDS, 1, CRAWL_MAX_SECONDS_MS},
    {"--progress-interval", OPT_PROGRESS_INTERVAL, CLI_SECONDS, 1, CRAWL_MAX_SECONDS_MS},
    {"--allow-loopback", OPT_ALLOW_LOOPBACK, CLI_FLAG, 0, 0},
    {"--json-progress", OPT_JSON_PROGRESS, CLI_FLAG, 0, 0},
    {"--worker", OPT_WORKER, CLI_FLAG, 0, 0},
    {"--lease", OPT_LEASE, CLI_SECONDS, 500, CRAWL_MAX_SECONDS_MS},
};

/* A numeric option's value (ms for seconds) into opts; counts above a sane cap are
 * clamped to it, as they always were. */
static void set_number(crawler_options *opts, int id, uint64_t n)
{
    switch (id) {
    case OPT_MAX_DEPTH:
        opts->max_depth = (int)CS_MIN(n, 1000);
        break;
    case OPT_MAX_PAGES_PER_HOST:
        opts->max_pages_per_host = (int64_t)n;
        break;
    case OPT_MAX_IMAGES:
        opts->max_images = (int64_t)n;
        break;
    case OPT_MAX_OUTLINKS:
        opts->max_outlinks = (int)CS_MIN(n, 100000);
        break;
    case OPT_MAX_ATTEMPTS:
        opts->max_attempts = (int)CS_MIN(n, 100);
        break;
    case OPT_CONCURRENCY:
        opts->concurrency = (int)CS_MIN(n, 1024);
        break;
    case OPT_TIME_LIMIT:
        opts->time_limit_ms = (int64_t)n;
        break;
    case OPT_DELAY:
        opts->delay_ms = (int64_t)n;
        break;
    case OPT_MAX_CRAWL_DELAY:
        opts->max_crawl_delay_ms = (int64_t)n;
        break;
    case OPT_TIMEOUT:
        opts->fetch.total_timeout_ms = (long)n;
        break;
    case OPT_CONNECT_TIMEOUT:
        opts->fetch.connect_timeout_ms = (long)n;
        break;
    case OPT_PROGRESS_INTERVAL:
        opts->progress_interval_ms = (int64_t)n;
        break;
    case OPT_LEASE:
        opts->lease_ms = (int64_t)n;
        break;
    }
}

/* --url-list: a bad line on stderr, the first BAD_LINES_SHOWN of them. */
static void on_bad_line(void *arg, const cs_error *why)
{
    int64_t *shown = arg;
    if (++*shown <= BAD_LINES_SHOWN)
        fprintf(stderr, "clearset crawl: %s, skipped\n", why->message);
    else if (*shown == BAD_LINES_SHOWN + 1)
        fprintf(stderr, "clearset crawl: more bad lines; only counted (list_bad)\n");
}

static int parse_list_format(const char *name, crawler_url_list_format *out)
{
    static const char *const names[] = {"txt", "csv", "tsv", "jsonl"};
    static const crawler_url_list_format formats[] = {CRAWLER_URL_LIST_TXT, CRAWLER_URL_LIST_CSV,
                                                      CRAWLER_URL_LIST_TSV, CRAWLER_URL_LIST_JSONL};
    for (size_t i = 0; i < CS_ARRAY_LEN(names); i++)
        if (strcmp(name, names[i]) == 0) {
            *out = formats[i];
            return 1;
        }
    return 0;
}

int cmd_crawl(cli_context *ctx, int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        print_help();
        return CLI_EXIT_OK;
    }
    crawler_options opts;
    crawler_options_default(&opts);
    char **seeds = NULL, **hosts = NULL, **excluded = NULL;
    size_t seed_count = 0, seed_cap = 0, host_count = 0, host_cap = 0;
    size_t excluded_count = 0, excluded_cap = 0;
    robots_ai_crawlers *ai_crawlers = NULL;
    cli_progress progress;
    int json_progress = 0;
    const char *list_path = NULL, *url_col = NULL, *caption_col = NULL;
    crawler_url_list_format list_format = CRAWLER_URL_LIST_AUTO;
    crawler_url_list *list = NULL;
    int64_t bad_lines_shown = 0;
    int status = CLI_EXIT_OK;
    cs_error err;
    cs_error_clear(&err);
    cli_args args =
        cli_args_start("crawl", argc, argv, crawl_options, CS_ARRAY_LEN(crawl_options), 0);
    int kind;
    while (status == CLI_EXIT_OK && (kind = cli_args_next(&args)) != CLI_ARG_END) {
        if (kind == CLI_ARG_ERROR) {
            status = CLI_EXIT_USAGE;
        } else if (kind == CLI_ARG_OPERAND) {
            if (add_copy(&seeds, &seed_count, &seed_cap, args.value, strlen(args.value), &err) !=
                CS_OK)
                status = cli_fail("crawl", &err);
        } else if (args.id == OPT_ALLOW_LOOPBACK) {
            opts.fetch.allow_loopback = 1;
        } else if (args.id == OPT_JSON_PROGRESS) {
            json_progress = 1;
        } else if (args.id == OPT_WORKER) {
            opts.worker = 1;
        } else if (args.id == OPT_URL_LIST) {
            list_path = args.value;
        } else if (args.id == OPT_URL_COL) {
            url_col = args.value;
        } else if (args.id == OPT_CAPTION_COL) {
            caption_col = args.value;
        } else if (args.id == OPT_INPUT_FORMAT) {
            if (!parse_list_format(args.value, &list_format)) {
                fprintf(stderr,
                        "clearset crawl: --input-format: '%s' is not txt, csv, tsv or jsonl\n",
                        args.value);
                status = CLI_EXIT_USAGE;
            }
        } else if (args.id == OPT_SEEDS) {
            if (read_lines(args.value, &seeds, &seed_count, &seed_cap, &err) != CS_OK)
                status = cli_fail("crawl", &err);
        } else if (args.id == OPT_HOSTS) {
            if (add_hosts(args.value, &hosts, &host_count, &host_cap, &err) != CS_OK)
                status = cli_fail("crawl", &err);
        } else if (args.id == OPT_EXCLUDE_DOMAINS) {
            size_t from = excluded_count;
            if (read_lines(args.value, &excluded, &excluded_count, &excluded_cap, &err) != CS_OK)
                status = cli_fail("crawl", &err);
            for (size_t i = from; i < excluded_count; i++) { /* "example.org  # why" */
                char *d = excluded[i];
                d[strcspn(d, "#")] = '\0';
                size_t n = strlen(d);
                while (n > 0 && (d[n - 1] == ' ' || d[n - 1] == '\t'))
                    d[--n] = '\0';
            }
        } else if (args.id == OPT_AI_CRAWLERS) {
            robots_ai_crawlers_free(ai_crawlers);
            ai_crawlers = NULL;
            if (cli_load_ai_crawlers(args.value, &ai_crawlers, &err) != CS_OK)
                status = cli_fail("crawl", &err);
        } else {
            set_number(&opts, args.id, args.number);
        }
    }
    catalog *cat = NULL;
    pipeline_crawl_lock *lock = NULL;
    if (status == CLI_EXIT_OK && opts.worker && list_path)
        status = cli_usage_error("crawl", "--worker does not read --url-list");
    /* one plain crawl, or any number of workers (they share hosts through leases); a lock
       file beside a catalog file, an advisory lock in a shared (PostgreSQL) catalog */
    if (status == CLI_EXIT_OK && !catalog_is_shared(ctx->catalog_path) &&
        pipeline_crawl_lock_acquire(ctx->catalog_path, opts.worker, &lock, &err) != CS_OK)
        status = cli_fail("crawl", &err);
    if (status == CLI_EXIT_OK &&
        (catalog_open_at(ctx->catalog_path, ctx->blob_dir, &cat, &err) != CS_OK ||
         catalog_claim_crawl(cat, opts.worker, &err) != CS_OK))
        status = cli_fail("crawl", &err);
    if (status == CLI_EXIT_OK && list_path &&
        crawler_url_list_open(list_path, list_format, url_col, caption_col, &list, &err) != CS_OK)
        status = cli_fail("crawl", &err);
    if (status == CLI_EXIT_OK) {
        opts.url_list = list;
        opts.list_bad_line = on_bad_line;
        opts.list_bad_line_ctx = &bad_lines_shown;
        opts.seeds = (const char *const *)seeds;
        opts.seed_count = seed_count;
        opts.hosts = (const char *const *)hosts;
        opts.host_count = host_count;
        opts.exclude_domains = (const char *const *)excluded;
        opts.exclude_domain_count = excluded_count;
        opts.ai_crawlers = ai_crawlers;
        cli_progress_start(&progress, "crawl", "requests", ctx, json_progress);
        opts.progress = on_progress;
        opts.progress_ctx = &progress;
        opts.stop = &stop_requested;
        cli_on_stop_signals(on_signal);
        crawler_stats stats;
        int rc = crawler_crawl(cat, &opts, &stats, &err);
        cli_progress_break(&progress);
        if (rc != CS_OK) {
            status = cli_fail("crawl", &err);
        } else {
            json_t *line = summary_json(&stats);
            if (line && json_object_set_new(line, "stopped_by",
                                            json_string(stopped_name(stats.stopped_by))) != 0) {
                json_decref(line);
                line = NULL;
            }
            if (line && list &&
                json_object_update_new(line, json_pack("{s:I, s:I, s:I}", "list_read",
                                                       (json_int_t)stats.list_read, "list_queued",
                                                       (json_int_t)stats.list_queued, "list_bad",
                                                       (json_int_t)stats.list_bad)) != 0) {
                json_decref(line);
                line = NULL;
            }
            status = cli_print_json("crawl", line, JSON_COMPACT | JSON_REAL_PRECISION(6));
            if (stats.refused > 0)
                fprintf(stderr,
                        "clearset crawl: %lld request%s refused for the address, the first: %s%s\n",
                        (long long)stats.refused, stats.refused == 1 ? "" : "s",
                        stats.first_refused,
                        opts.fetch.allow_loopback ? "" : "; loopback needs --allow-loopback");
        }
    }
    crawler_url_list_close(list);
    catalog_close(cat);
    pipeline_crawl_lock_release(lock);
    for (size_t i = 0; i < seed_count; i++)
        free(seeds[i]);
    free(seeds);
    for (size_t i = 0; i < host_count; i++)
        free(hosts[i]);
    free(hosts);
    for (size_t i = 0; i < excluded_count; i++)
        free(excluded[i]);
    free(excluded);
    robots_ai_crawlers_free(ai_crawlers);
    return status;
}
