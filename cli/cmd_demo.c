/*
 * cmd_demo.c - `clearset demo`: the bundled sample web on loopback.
 *
 *   clearset demo [--serve] [--log FILE] [--site DIR]
 *
 * Starts the sample web (demo/site/scenario.json: a photographer, a museum,
 * a stock agency that opts out of AI training, an image CDN and a blog that
 * re-publishes a stock picture as CC0), one 127.0.0.x address per host, and
 * prints one JSON line per host: its origin and the pages, images and other
 * files it serves. Then it stops, or with --serve keeps serving until
 * Ctrl-C. Later the demo grows into the whole pipeline (crawl, clear, export).
 */
#include "cli/cli.h"
#include "demo/demo.h"

#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static void print_help(void)
{
    printf("usage: clearset demo [--serve] [--log FILE] [--site DIR]\n\n"
           "Starts the bundled sample web on loopback (one 127.0.0.x address per simulated\n"
           "host, free ports) and prints one JSON line per host: its origin and the pages,\n"
           "images and other files it serves.\n\n"
           "options:\n"
           "  --serve     keep serving until Ctrl-C (SIGINT) or SIGTERM\n"
           "  --log FILE  append every request to FILE as JSON Lines\n"
           "  --site DIR  serve DIR/scenario.json instead of the bundled site\n"
           "              (default %s, or $CLEARSET_DEMO_SITE)\n",
           demo_site_dir());
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
static int print_host(const demo_scenario *scenario, demo_server *server, size_t i,
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
    printf("%s\n", text);
    free(text);
    return CS_OK;
}

int cmd_demo(cli_context *ctx, int argc, char **argv)
{
    (void)ctx;
    if (cli_wants_help(argc, argv)) {
        print_help();
        return CLI_EXIT_OK;
    }
    int serve = 0;
    const char *log_path = NULL, *site = demo_site_dir();
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--serve") == 0) {
            serve = 1;
        } else if (strcmp(argv[i], "--log") == 0 || strcmp(argv[i], "--site") == 0) {
            if (i + 1 >= argc) return cli_usage_error("demo", "%s needs a value", argv[i]);
            if (strcmp(argv[i], "--log") == 0)
                log_path = argv[++i];
            else
                site = argv[++i];
        } else {
            return cli_usage_error("demo", "unknown argument '%s'", argv[i]);
        }
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
    for (size_t i = 0; i < hosts && status == CLI_EXIT_OK; i++)
        if (print_host(scenario, server, i, demo_scenario_host_name_at(scenario, i), &err))
            status = cli_fail("demo", &err);
    fflush(stdout);
    if (status == CLI_EXIT_OK && serve) {
        fprintf(stderr, "clearset demo: serving the sample web on %zu hosts until Ctrl-C\n", hosts);
        int sig;
        sigwait(&stop_signals, &sig);
        fprintf(stderr, "clearset demo: stopped; %zu requests served\n",
                demo_server_request_count(server));
    } else if (status == CLI_EXIT_OK) {
        fprintf(stderr,
                "clearset demo: the sample web runs on %zu loopback hosts; add --serve to "
                "keep it running\n",
                hosts);
    }
done:
    demo_server_stop(server);
    demo_scenario_free(scenario);
    return status;
}
