/*
 * cmd_demo.c - `clearset demo`: the whole pipeline on the bundled sample web,
 * on loopback.
 *
 *   clearset demo [--delay SECONDS] [--policy NAME|FILE] [--site DIR] [--log FILE]
 *   clearset demo --list | --serve
 *
 * Starts the sample web (demo/site/scenario.json: a photographer, a museum,
 * a stock agency that opts out of AI training, an image CDN and a blog that
 * re-publishes a stock picture as CC0), one 127.0.0.x address per host, then
 * runs the commands a user would run, in order, and says each one on stderr:
 * `clearset crawl` from every host's front page, `clearset dedup`, `clearset
 * clear` and `clearset status --text`. The verdicts (clear's JSON lines) are
 * the demo's stdout; the other commands' output goes to stderr. The demo
 * calls the command functions themselves, so it shows exactly what the
 * commands do and holds no pipeline logic of its own.
 *
 * The catalog must be new or empty: the sample web's ports change from run
 * to run, so an old demo catalog would mix dead origins with live ones.
 *
 * --list prints one JSON line per host (origin, pages, images, other files)
 * and stops; --serve prints the same and keeps serving until Ctrl-C.
 */
#include "cli/cli.h"
#include "cli/commands.h"
#include "dataset/catalog.h"
#include "demo/demo.h"

#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEMO_DEFAULT_DELAY "0.2" /* seconds between requests to one (loopback) host */
#define DEMO_MAX_ARGS      (8 + DEMO_MAX_LISTENERS)
#define DEMO_MAX_DELAY_MS  (10000000ull * 1000) /* crawl's own limit; crawl reads it again */

static void print_help(void)
{
    printf("usage: clearset [--catalog PATH] demo [--delay SECONDS] [--policy NAME|FILE]\n"
           "                                     [--site DIR] [--log FILE]\n"
           "       clearset demo --list | --serve\n\n"
           "Runs the whole pipeline on the bundled sample web: starts it on loopback (one\n"
           "127.0.0.x address per simulated host, free ports), then runs and shows\n"
           "  clearset crawl --allow-loopback --delay SECONDS SEED...   (every host's front page)\n"
           "  clearset dedup\n"
           "  clearset clear --policy NAME\n"
           "  clearset status --text\n"
           "  clearset keygen --out CATALOG.key --force\n"
           "  clearset export --out CATALOG.export --key CATALOG.key --policy NAME --force\n"
           "  clearset verify CATALOG.export --pubkey CATALOG.key.pub\n"
           "(CATALOG is the catalog's path without its .db ending.) The verdicts (clear's\n"
           "JSON lines) go to stdout; everything else to stderr. The catalog must be new or\n"
           "empty.\n\n"
           "options:\n"
           "  --delay SECONDS  minimum time between requests to one host (default %s)\n"
           "  --policy NAME    clearance policy: strict (default), open, research, or a file\n"
           "  --list           only print one JSON line per host (origin, pages, images,\n"
           "                   files) and stop\n"
           "  --serve          print the same and keep serving until Ctrl-C or SIGTERM\n"
           "  --log FILE       append every request the sample web answers to FILE (JSON Lines)\n"
           "  --site DIR       serve DIR/scenario.json instead of the bundled site\n"
           "                   (default %s, or $CLEARSET_DEMO_SITE)\n",
           DEMO_DEFAULT_DELAY, demo_site_dir());
}

static int is_image(const char *path)
{
    static const char *const exts[] = {".jpg", ".jpeg", ".png", ".webp", ".gif"};
    size_t n = strlen(path);
    for (size_t i = 0; i < CS_ARRAY_LEN(exts); i++) {
        size_t e = strlen(exts[i]);
        if (n > e && cs_ascii_ieq(path + n - e, e, exts[i])) return 1;
    }
    return 0;
}

/* "/a/index.html" is served as "/a/"; other pages as they are. */
static json_t *page_path(const char *path)
{
    size_t n = strlen(path);
    if (n >= 11 && strcmp(path + n - 11, "/index.html") == 0) return json_stringn(path, n - 10);
    return json_string(path);
}

/* One JSON line describing host i of the running server. */
static int print_host(FILE *out, const demo_scenario *scenario, demo_server *server, size_t i,
                      const char *name, cs_error *err)
{
    char **paths;
    size_t n;
    int rc = demo_scenario_host_files(scenario, name, &paths, &n, err);
    if (rc) return rc;
    json_t *pages = json_array(), *images = json_array(), *other = json_array();
    for (size_t p = 0; p < n; p++) {
        size_t len = strlen(paths[p]);
        if (len > 5 && strcmp(paths[p] + len - 5, ".html") == 0)
            json_array_append_new(pages, page_path(paths[p]));
        else if (is_image(paths[p]))
            json_array_append_new(images, json_string(paths[p]));
        else
            json_array_append_new(other, json_string(paths[p]));
    }
    demo_paths_free(paths, n);
    char origin[64];
    snprintf(origin, sizeof origin, "http://%s", demo_server_address(server, i));
    json_t *line = json_pack("{s:s, s:s, s:o, s:o, s:o}", "host", name, "origin", origin, "pages",
                             pages, "images", images, "files", other);
    if (line == NULL) return cs_error_set(err, CS_ENOMEM, "out of memory");
    char *text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(line);
    if (text == NULL) return cs_error_set(err, CS_ENOMEM, "out of memory");
    fprintf(out, "%s\n", text);
    free(text);
    return CS_OK;
}

/* Runs one command as a user would type it, saying it on stderr first. With
 * stdout_to_stderr, the command's stdout goes to stderr too. */
static int run_step(cli_context *ctx, cli_command_fn command, int stdout_to_stderr,
                    const char *const *argv)
{
    int argc = 0;
    fprintf(stderr, "\n$ clearset");
    for (; argv[argc]; argc++)
        fprintf(stderr, " %s", argv[argc]);
    fprintf(stderr, "\n");
    fflush(stdout);
    int saved_stdout = -1;
    if (stdout_to_stderr) {
        saved_stdout = dup(STDOUT_FILENO);
        if (saved_stdout < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
            fprintf(stderr, "clearset demo: cannot redirect output\n");
            return CLI_EXIT_RUNTIME;
        }
    }
    int status = command(ctx, argc, (char **)argv);
    fflush(stdout);
    if (saved_stdout >= 0) {
        dup2(saved_stdout, STDOUT_FILENO);
        close(saved_stdout);
    }
    return status;
}

/* Refuses a catalog that already holds URLs: the demo needs a fresh one. */
static int check_catalog_is_fresh(const cli_context *ctx)
{
    const char *path = ctx->catalog_path;
    if (!catalog_exists(path)) return CLI_EXIT_OK;
    cs_error err;
    cs_error_clear(&err);
    catalog *cat = NULL;
    catalog_status *status = NULL;
    int rc = catalog_open_at(path, ctx->blob_dir, &cat, &err);
    if (rc == CS_OK) rc = catalog_status_read(cat, &status, &err);
    int64_t urls = status ? status->urls : 0;
    catalog_status_free(status);
    catalog_close(cat);
    if (rc != CS_OK) return cli_fail("demo", &err);
    if (urls > 0)
        return cli_usage_error("demo",
                               "catalog %s already holds %lld URLs; the demo needs a new or "
                               "empty catalog (remove it or pass --catalog NEW_PATH)",
                               path, (long long)urls);
    return CLI_EXIT_OK;
}

/* crawl, dedup, clear, status against the running sample web. */
static int run_pipeline(cli_context *ctx, const demo_scenario *scenario, demo_server *server,
                        const char *delay, const char *policy)
{
    size_t hosts = demo_scenario_host_count(scenario);
    char seeds[DEMO_MAX_LISTENERS][80];
    const char *crawl[DEMO_MAX_ARGS] = {"crawl", "--allow-loopback", "--delay", delay};
    size_t n = 4;
    for (size_t i = 0; i < hosts; i++) {
        char **paths;
        size_t count;
        cs_error err;
        if (demo_scenario_host_files(scenario, demo_scenario_host_name_at(scenario, i), &paths,
                                     &count, &err) != CS_OK)
            return cli_fail("demo", &err);
        int has_front_page = 0;
        for (size_t p = 0; p < count; p++)
            if (strcmp(paths[p], "/index.html") == 0) has_front_page = 1;
        demo_paths_free(paths, count);
        if (!has_front_page) continue; /* a CDN: reached through the pages that embed it */
        snprintf(seeds[i], sizeof seeds[i], "http://%s/", demo_server_address(server, i));
        crawl[n++] = seeds[i];
    }
    crawl[n] = NULL;
    const char *dedup[] = {"dedup", NULL};
    const char *clear[] = {"clear", "--policy", policy, NULL};
    const char *status[] = {"status", "--text", NULL};
    /* The export and its key sit beside the catalog: x.db -> x.export, x.key; beside a
       shared (PostgreSQL) catalog there is no "beside": ./clearset.export, ./clearset.key. */
    char stem[4096], key[4200], pub[4200], out[4200];
    const char *named = catalog_is_shared(ctx->catalog_path) ? "clearset" : ctx->catalog_path;
    size_t len = strlen(named);
    if (len >= 3 && strcmp(named + len - 3, ".db") == 0) len -= 3;
    if (len >= sizeof stem) return cli_usage_error("demo", "catalog path too long");
    memcpy(stem, named, len);
    stem[len] = '\0';
    snprintf(key, sizeof key, "%s.key", stem);
    snprintf(pub, sizeof pub, "%s.key.pub", stem);
    snprintf(out, sizeof out, "%s.export", stem);
    const char *keygen[] = {"keygen", "--out", key, "--force", NULL};
    const char *export[] = {"export",   "--out", out,       "--key", key,
                            "--policy", policy,  "--force", NULL};
    const char *verify[] = {"verify", out, "--pubkey", pub, NULL};
    int rc = run_step(ctx, cmd_crawl, 1, crawl);
    if (rc == CLI_EXIT_OK) rc = run_step(ctx, cmd_dedup, 1, dedup);
    if (rc == CLI_EXIT_OK) rc = run_step(ctx, cmd_clear, 0, clear);
    if (rc == CLI_EXIT_OK) rc = run_step(ctx, cmd_status, 1, status);
    if (rc == CLI_EXIT_OK) rc = run_step(ctx, cmd_keygen, 1, keygen);
    if (rc == CLI_EXIT_OK) rc = run_step(ctx, cmd_export, 1, export);
    if (rc == CLI_EXIT_OK) rc = run_step(ctx, cmd_verify, 1, verify);
    if (rc == CLI_EXIT_OK)
        fprintf(stderr,
                "\nclearset demo: done. The cleared images, signed: %s (its card: %s/README.md).\n"
                "Ask why with: clearset --catalog %s explain IMAGE_ID\n",
                out, out, ctx->catalog_path);
    return rc;
}

int cmd_demo(cli_context *ctx, int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        print_help();
        return CLI_EXIT_OK;
    }
    int serve = 0, list = 0;
    const char *log_path = NULL, *site = demo_site_dir();
    const char *delay = DEMO_DEFAULT_DELAY, *policy = "strict";
    enum { OPT_SERVE, OPT_LIST, OPT_LOG, OPT_SITE, OPT_DELAY, OPT_POLICY };
    static const cli_option options[] = {
        {"--serve", OPT_SERVE, CLI_FLAG, 0, 0},
        {"--list", OPT_LIST, CLI_FLAG, 0, 0},
        {"--log", OPT_LOG, CLI_TEXT, 0, 0},
        {"--site", OPT_SITE, CLI_TEXT, 0, 0},
        {"--delay", OPT_DELAY, CLI_SECONDS, 0, DEMO_MAX_DELAY_MS},
        {"--policy", OPT_POLICY, CLI_TEXT, 0, 0},
    };
    cli_args args = cli_args_start("demo", argc, argv, options, CS_ARRAY_LEN(options), 0);
    int kind;
    while ((kind = cli_args_next(&args)) == CLI_ARG_OPTION) {
        if (args.id == OPT_SERVE)
            serve = 1;
        else if (args.id == OPT_LIST)
            list = 1;
        else if (args.id == OPT_LOG)
            log_path = args.value;
        else if (args.id == OPT_SITE)
            site = args.value;
        else if (args.id == OPT_POLICY)
            policy = args.value;
        else
            delay = args.value; /* checked here; crawl reads it again, as a user's command line */
    }
    if (kind == CLI_ARG_ERROR) return CLI_EXIT_USAGE;
    if (kind == CLI_ARG_OPERAND)
        return cli_usage_error("demo", "unknown argument '%s'", args.value);

    if (!serve && !list) {
        int fresh = check_catalog_is_fresh(ctx);
        if (fresh != CLI_EXIT_OK) return fresh;
    }

    /* Block the stop signals before the server's threads start, so only sigwait sees them. */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    if (serve) pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    cs_error err;
    cs_error_clear(&err);
    char scenario_path[4096];
    snprintf(scenario_path, sizeof scenario_path, "%s/scenario.json", site);
    demo_scenario *scenario = NULL;
    if (demo_scenario_load(scenario_path, &scenario, &err)) return cli_fail("demo", &err);
    size_t hosts = demo_scenario_host_count(scenario);
    if (hosts == 0 || hosts > DEMO_MAX_LISTENERS) {
        cs_error_set(&err, CS_EFORMAT, "%s: needs 1 to %d \"hosts\"", scenario_path,
                     DEMO_MAX_LISTENERS);
        demo_scenario_free(scenario);
        return cli_fail("demo", &err);
    }
    const char *addresses[DEMO_MAX_LISTENERS];
    for (size_t i = 0; i < hosts; i++)
        addresses[i] = demo_scenario_host_address(scenario, i);
    demo_server *server = NULL;
    int status = CLI_EXIT_OK;
    if (demo_server_start(scenario, addresses, hosts, log_path, &server, &err)) {
        status = cli_fail("demo", &err);
        goto done;
    }
    FILE *host_lines = serve || list ? stdout : stderr;
    if (!serve && !list)
        fprintf(stderr, "clearset demo: the sample web runs on %zu loopback hosts:\n", hosts);
    for (size_t i = 0; i < hosts && status == CLI_EXIT_OK; i++)
        if (print_host(host_lines, scenario, server, i, demo_scenario_host_name_at(scenario, i),
                       &err))
            status = cli_fail("demo", &err);
    fflush(stdout);
    if (status == CLI_EXIT_OK && !serve && !list) {
        status = run_pipeline(ctx, scenario, server, delay, policy);
    } else if (status == CLI_EXIT_OK && serve) {
        fprintf(stderr, "clearset demo: serving the sample web on %zu hosts until Ctrl-C\n", hosts);
        int sig;
        sigwait(&stop_signals, &sig);
        fprintf(stderr, "clearset demo: stopped; %zu requests served\n",
                demo_server_request_count(server));
    }
done:
    demo_server_stop(server);
    demo_scenario_free(scenario);
    return status;
}
