/*
 * cmd_demo.c - `clearset demo`: the whole pipeline on the bundled sample web,
 * on loopback, from the crawl to a trained model and the reports to look at.
 *
 *   clearset demo [--workdir DIR] [--quick] [--steps N] [--sample-web-only]
 *                 [--delay SECONDS] [--policy NAME|FILE] [--site DIR] [--log FILE]
 *   clearset demo --list | --serve
 *
 * Starts the sample web (demo/site/scenario.json: a photographer, a museum,
 * a stock agency that opts out of AI training, an image CDN and a blog that
 * re-publishes a stock picture as CC0), one 127.0.0.x address per host, and
 * beside it the training set: Fashion-MNIST from Debian's
 * dataset-fashion-mnist, published into the work folder (demo_fashion_ensure:
 * at the first run, reused after) and served by a second server on
 * DEMO_TRAIN_ADDRESS. Then runs the commands a user would run, in order
 * (demo_run.c): crawl, dedup, clear, status, keygen, export, verify, train,
 * generate, audit, report, and prints a summary table.
 *
 * The work folder (--workdir, default ./clearset-demo) holds everything the
 * run makes; the catalog too (clearset.db), unless --catalog names another.
 * The demo's own catalog there is started afresh each run (the sample web's
 * ports change from run to run, so an old catalog would mix dead origins with
 * live ones); a catalog named with --catalog must be new or empty.
 *
 * Stopping: SIGINT and SIGTERM set a flag the run checks after each command
 * (crawl and train stop early on them by themselves); the demo then stops its
 * servers and exits 130. Both servers are stopped on every way out.
 *
 * --list prints one JSON line per host (origin, pages, images, other files)
 * and stops; --serve prints the same and keeps serving until Ctrl-C.
 */
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/demo_run.h"
#include "dataset/catalog.h"
#include "demo/demo.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEMO_DEFAULT_DELAY   "0.2" /* seconds between requests to one (loopback) host */
#define DEMO_DEFAULT_WORKDIR "clearset-demo"
#define DEMO_TRAIN_ADDRESS   "127.0.0.20" /* the training set's host (no test uses it) */
#define DEMO_TRAIN_IMAGES    2000         /* Fashion-MNIST images published */
#define DEMO_STEPS           "3000"       /* train steps: about 3 minutes on two idle cores */
#define DEMO_QUICK_STEPS     "300"        /* --quick: well under a minute */
#define DEMO_SAMPLES         "64"         /* generated images: an 8 x 8 grid */
#define DEMO_MAX_STEPS       1000000
#define DEMO_MAX_DELAY_MS    (10000000ull * 1000) /* crawl's own limit; crawl reads it again */
#define DEMO_PATH_MAX        4096

static void print_help(void)
{
    printf("usage: clearset [--catalog PATH] demo [--workdir DIR] [--quick] [--steps N]\n"
           "                     [--sample-web-only] [--delay SECONDS] [--policy NAME|FILE]\n"
           "                     [--site DIR] [--log FILE] [--json-progress]\n"
           "       clearset demo --list | --serve\n\n"
           "Runs the whole pipeline on the bundled sample web, on loopback only: starts it\n"
           "(one 127.0.0.x address per simulated host, free ports) and beside it a training\n"
           "set (%d Fashion-MNIST images from Debian's dataset-fashion-mnist, MIT licence,\n"
           "(c) 2017 Zalando SE, published in the work folder at the first run) on %s,\n"
           "then runs and shows\n"
           "  clearset crawl --allow-loopback --delay SECONDS SEED...   (the sample web)\n"
           "  clearset crawl --allow-loopback --delay 0 TRAINING_SET    (our own host)\n"
           "  clearset dedup\n"
           "  clearset clear --policy POLICY\n"
           "  clearset status --text\n"
           "  clearset keygen --out W/signing.key --force\n"
           "  clearset export --out W/export --key W/signing.key --policy POLICY --force\n"
           "  clearset verify W/export --pubkey W/signing.key.pub\n"
           "  clearset train --dataset W/export --out W/model.ckpt --size 32 --steps N\n"
           "  clearset generate --model W/model.ckpt --dataset W/export -n %s --out W/generated\n"
           "                    --grid --policy POLICY\n"
           "  clearset audit W/generated W/planted --report W/audit --policy POLICY\n"
           "  clearset report --out W/report.html --policy POLICY\n"
           "and ends with a summary table on stderr (also W/summary.json): pages, images,\n"
           "verdicts per reason, what was never fetched and why, exported images per\n"
           "licence, the model, the audit, and the reports and sample grid to look at.\n"
           "W/planted holds the images clear blocked as laundering (a copy of a blocked\n"
           "picture re-published under a free licence), for the audit to check as files.\n"
           "The verdicts (clear's JSON lines) go to stdout; everything else to stderr.\n\n"
           "options:\n"
           "  --workdir DIR    where everything goes (created if missing; default ./%s):\n"
           "                   the catalog clearset.db (started afresh each run), the\n"
           "                   training set trainset/ (kept), and what the commands above make\n"
           "  --quick          train %s steps instead of %s (under a minute)\n"
           "  --steps N        train N steps (overrides --quick)\n"
           "  --json-progress  pass --json-progress to crawl, dedup, export, train and audit:\n"
           "                   their progress as JSON lines on stderr (no bars)\n"
           "  --sample-web-only  no training set, so no train and generate: the sample web's\n"
           "                   crawl, verdicts, export, audit of the planted copies and report\n"
           "  --delay SECONDS  minimum time between requests to one host of the sample web\n"
           "                   (default %s)\n"
           "  --policy NAME    clearance policy: a preset or a file (default: the demo's,\n"
           "                   %s: strict plus MIT, the training set's licence)\n"
           "  --list           only print one JSON line per host (origin, pages, images,\n"
           "                   files) and stop\n"
           "  --serve          print the same and keep serving until Ctrl-C or SIGTERM\n"
           "  --log FILE       append every request the sample web answers to FILE (JSON Lines)\n"
           "  --site DIR       serve DIR/scenario.json instead of the bundled site\n"
           "                   (default %s, or $CLEARSET_DEMO_SITE)\n\n"
           "With --catalog PATH the catalog is PATH (it must be new or empty) and the rest\n"
           "still goes to the work folder. Without dataset-fashion-mnist (scripts/setup\n"
           "installs it) the demo runs as with --sample-web-only and says so.\n"
           "Ctrl-C or SIGTERM stops it after the current command (crawl and train stop at\n"
           "once, cleanly); every server it started is stopped; exit status 130.\n\n"
           "exit status: 0 done, 2 bad usage or a used catalog, 3 runtime failure, 130\n"
           "stopped by a signal; else the failing command's\n",
           DEMO_TRAIN_IMAGES, DEMO_TRAIN_ADDRESS, DEMO_SAMPLES, DEMO_DEFAULT_WORKDIR,
           DEMO_QUICK_STEPS, DEMO_STEPS, DEMO_DEFAULT_DELAY, demo_policy_path(), demo_site_dir());
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

/*
 * The work folder, created if missing; with the demo's own catalog in it, what
 * an earlier run made there is removed (the training set stays).
 */
static int prepare_workdir(const char *workdir, int own_catalog, char *catalog_path, size_t size)
{
    cs_error err;
    cs_error_clear(&err);
    if (cs_mkdir_p(workdir, &err) != CS_OK) return cli_fail("demo", &err);
    if ((size_t)snprintf(catalog_path, size, "%s/clearset.db", workdir) >= size)
        return cli_usage_error("demo", "work folder path too long");
    if (!own_catalog) return CLI_EXIT_OK;
    static const char *const made[] = {"clearset.db",    "clearset.db-wal", "clearset.db-shm",
                                       "clearset.blobs", "signing.key",     "signing.key.pub",
                                       "export",         "model.ckpt",      "model.ckpt.grid.png",
                                       "model.ckpt.md",  "generated",       "planted",
                                       "audit",          "report.html",     "summary.json"};
    int removed = 0;
    for (size_t i = 0; i < CS_ARRAY_LEN(made); i++) {
        char path[DEMO_PATH_MAX];
        struct stat st;
        if ((size_t)snprintf(path, sizeof path, "%s/%s", workdir, made[i]) >= sizeof path)
            return cli_usage_error("demo", "work folder path too long");
        if (lstat(path, &st) != 0) continue;
        if (cs_remove_tree(path, &err) != CS_OK) return cli_fail("demo", &err);
        removed++;
    }
    if (removed)
        fprintf(stderr,
                "clearset demo: starting afresh in %s (an earlier run's catalog and "
                "results removed; the training set kept)\n",
                workdir);
    return CLI_EXIT_OK;
}

/* The sample web's seeds: every host's front page (a CDN is reached through the pages). */
static int sample_seeds(const demo_scenario *scenario, demo_server *server, char seeds[][80],
                        const char **list, size_t *n)
{
    size_t hosts = demo_scenario_host_count(scenario);
    *n = 0;
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
        if (!has_front_page) continue;
        snprintf(seeds[i], 80, "http://%s/", demo_server_address(server, i));
        list[(*n)++] = seeds[i];
    }
    return CLI_EXIT_OK;
}

/* The training set: published into WORKDIR/trainset, served on DEMO_TRAIN_ADDRESS.
 * *scenario stays NULL (and CLI_EXIT_OK) when dataset-fashion-mnist is not installed. */
static int start_training_set(const char *workdir, demo_scenario **scenario, demo_server **server)
{
    char dir[DEMO_PATH_MAX], path[DEMO_PATH_MAX + 32];
    snprintf(dir, sizeof dir, "%s/trainset", workdir);
    snprintf(path, sizeof path, "%s/train-images-idx3-ubyte.gz", DEMO_FASHION_DIR);
    if (access(path, R_OK) != 0) {
        fprintf(stderr, "clearset demo: %s: %s; running without a training set\n", path,
                strerror(errno));
        return CLI_EXIT_OK;
    }
    cs_error err;
    cs_error_clear(&err);
    demo_fashion_options opts = {.count = DEMO_TRAIN_IMAGES};
    int reused = 0;
    int rc = demo_fashion_ensure(&opts, dir, &reused, &err);
    fprintf(stderr,
            "clearset demo: the training set: %d Fashion-MNIST images (MIT, Zalando SE) "
            "%s %s\n",
            DEMO_TRAIN_IMAGES, reused ? "already published in" : "published to", dir);
    snprintf(path, sizeof path, "%s/scenario.json", dir);
    if (rc == CS_OK) rc = demo_scenario_load(path, scenario, &err);
    const char *address = DEMO_TRAIN_ADDRESS;
    if (rc == CS_OK) rc = demo_server_start(*scenario, &address, 1, NULL, server, &err);
    return rc == CS_OK ? CLI_EXIT_OK : cli_fail("demo", &err);
}

static volatile sig_atomic_t demo_stop;

static void on_stop_signal(int sig)
{
    (void)sig;
    demo_stop = 1;
}

int cmd_demo(cli_context *ctx, int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        print_help();
        return CLI_EXIT_OK;
    }
    int serve = 0, list = 0, quick = 0, sample_web_only = 0, json_progress = 0;
    const char *log_path = NULL, *site = demo_site_dir(), *workdir = DEMO_DEFAULT_WORKDIR;
    const char *delay = DEMO_DEFAULT_DELAY, *policy = demo_policy_path(), *steps = NULL;
    enum {
        OPT_SERVE,
        OPT_LIST,
        OPT_LOG,
        OPT_SITE,
        OPT_DELAY,
        OPT_POLICY,
        OPT_WORKDIR,
        OPT_QUICK,
        OPT_STEPS,
        OPT_SAMPLE_WEB_ONLY,
        OPT_JSON_PROGRESS
    };
    static const cli_option options[] = {
        {"--serve", OPT_SERVE, CLI_FLAG, 0, 0},
        {"--list", OPT_LIST, CLI_FLAG, 0, 0},
        {"--log", OPT_LOG, CLI_TEXT, 0, 0},
        {"--site", OPT_SITE, CLI_TEXT, 0, 0},
        {"--delay", OPT_DELAY, CLI_SECONDS, 0, DEMO_MAX_DELAY_MS},
        {"--policy", OPT_POLICY, CLI_TEXT, 0, 0},
        {"--workdir", OPT_WORKDIR, CLI_TEXT, 0, 0},
        {"--quick", OPT_QUICK, CLI_FLAG, 0, 0},
        {"--steps", OPT_STEPS, CLI_COUNT, 1, DEMO_MAX_STEPS},
        {"--sample-web-only", OPT_SAMPLE_WEB_ONLY, CLI_FLAG, 0, 0},
        {"--json-progress", OPT_JSON_PROGRESS, CLI_FLAG, 0, 0},
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
        else if (args.id == OPT_WORKDIR)
            workdir = args.value;
        else if (args.id == OPT_QUICK)
            quick = 1;
        else if (args.id == OPT_SAMPLE_WEB_ONLY)
            sample_web_only = 1;
        else if (args.id == OPT_JSON_PROGRESS)
            json_progress = 1;
        else if (args.id == OPT_STEPS)
            steps = args.value; /* checked here; train reads it again */
        else
            delay = args.value; /* checked here; crawl reads it again, as a user's command line */
    }
    if (kind == CLI_ARG_ERROR) return CLI_EXIT_USAGE;
    if (kind == CLI_ARG_OPERAND)
        return cli_usage_error("demo", "unknown argument '%s'", args.value);
    if (workdir[0] == '\0') return cli_usage_error("demo", "--workdir needs a folder");
    if (steps == NULL) steps = quick ? DEMO_QUICK_STEPS : DEMO_STEPS;

    demo_run run = {.ctx = *ctx,
                    .workdir = workdir,
                    .policy = policy,
                    .delay = delay,
                    .steps = steps,
                    .samples = DEMO_SAMPLES,
                    .json_progress = json_progress,
                    .stop = &demo_stop,
                    .on_signal = on_stop_signal};
    char own_catalog[DEMO_PATH_MAX];
    if (!serve && !list) {
        /* the demo's own catalog in the work folder, unless --catalog named one */
        int own = strcmp(ctx->catalog_path, CLI_DEFAULT_CATALOG) == 0;
        int status = prepare_workdir(workdir, own, own_catalog, sizeof own_catalog);
        if (status != CLI_EXIT_OK) return status;
        if (own) run.ctx.catalog_path = own_catalog;
        status = check_catalog_is_fresh(&run.ctx);
        if (status != CLI_EXIT_OK) return status;
        fprintf(stderr, "clearset demo: catalog %s, work folder %s\n", run.ctx.catalog_path,
                workdir);
    }

    /* Block the stop signals before the server's threads start, so only sigwait sees them. */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    if (serve)
        pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    else if (!list)
        cli_on_stop_signals(on_stop_signal);
    signal(SIGPIPE, SIG_IGN);

    cs_error err;
    cs_error_clear(&err);
    char scenario_path[DEMO_PATH_MAX];
    snprintf(scenario_path, sizeof scenario_path, "%s/scenario.json", site);
    demo_scenario *scenario = NULL, *train_scenario = NULL;
    demo_server *server = NULL, *train_server = NULL;
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
        static char seeds[DEMO_MAX_LISTENERS][80];
        const char *seed_list[DEMO_MAX_LISTENERS];
        char train_seed[80];
        status = sample_seeds(scenario, server, seeds, seed_list, &run.seed_count);
        run.seeds = seed_list;
        if (status == CLI_EXIT_OK && !sample_web_only)
            status = start_training_set(workdir, &train_scenario, &train_server);
        if (!train_server)
            run.no_training_set = sample_web_only ? "--sample-web-only"
                                                  : "dataset-fashion-mnist is not installed "
                                                    "(scripts/setup installs it)";
        if (status == CLI_EXIT_OK && train_server) {
            snprintf(train_seed, sizeof train_seed, "http://%s/",
                     demo_server_address(train_server, 0));
            run.train_seed = train_seed;
            fprintf(stderr, "{\"host\":\"trainset\",\"origin\":\"http://%s\",\"images\":%d}\n",
                    demo_server_address(train_server, 0), DEMO_TRAIN_IMAGES);
        }
        if (status == CLI_EXIT_OK && demo_stop) status = DEMO_EXIT_STOPPED;
        if (status == CLI_EXIT_OK) status = demo_run_pipeline(&run);
    } else if (status == CLI_EXIT_OK && serve) {
        fprintf(stderr, "clearset demo: serving the sample web on %zu hosts until Ctrl-C\n", hosts);
        int sig;
        sigwait(&stop_signals, &sig);
        fprintf(stderr, "clearset demo: stopped; %zu requests served\n",
                demo_server_request_count(server));
    }
done:
    demo_server_stop(train_server);
    demo_server_stop(server);
    demo_scenario_free(train_scenario);
    demo_scenario_free(scenario);
    if (status == DEMO_EXIT_STOPPED)
        fprintf(stderr, "clearset demo: every server it started is stopped\n");
    return status;
}
