/*
 * cmd_dedup.c - `clearset dedup [--threshold N] [--min-quality N] [--jobs N]`:
 * hashes the catalog's new images, rebuilds duplicate clusters and flags
 * licence conflicts (pipeline_dedup), then prints one JSON summary line on
 * stdout. Images that cannot be decoded are logged on stderr and do not stop
 * the run; but when every image failed, so that the catalog holds no hashes at
 * all, the run did nothing and the exit status says so (3, a runtime
 * failure). A rerun that retries only images that failed before, beside
 * images hashed earlier, still succeeds. Progress (images analysed of those
 * to hash) goes to stderr through cli_progress: a bar on a terminal, JSON
 * Lines with --json-progress.
 */
#include "cli/cli.h"
#include "pipeline/pipeline.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: clearset [--catalog PATH] dedup [--threshold N] [--min-quality N]\n"
            "                [--jobs N] [--max-pixels N] [--json-progress]\n\n"
            "Hashes every catalog image not hashed yet (SHA-256, PDQ, pHash), groups near\n"
            "duplicates and identical bytes served at several URLs into clusters, and marks\n"
            "clusters whose members' rights evidence disagrees (licence-laundering suspects).\n"
            "Prints a JSON summary. Images that cannot be decoded are reported on stderr;\n"
            "when none of the images could be hashed the exit status is 3.\n\n"
            "  --threshold N    PDQ distance for near duplicates (default %d)\n"
            "  --min-quality N  PDQ quality below which a hash is not near-matched (default %d)\n"
            "  --jobs N         hashing threads (default: one per core)\n"
            "  --max-pixels N   refuse images whose header declares more pixels\n"
            "  --json-progress  progress as JSON Lines on stderr, not a bar ('clearset --help')\n",
            PDQ_DEFAULT_NEAR_DISTANCE, PDQ_MIN_TRUSTED_QUALITY);
}

/* What the last update said, for the final line. */
typedef struct dedup_progress {
    cli_progress shown;
    size_t total;
} dedup_progress;

static void show_progress(void *arg, size_t done, size_t total, size_t failed)
{
    dedup_progress *d = arg;
    d->total = total;
    if (!cli_progress_due(&d->shown, 0)) return;
    char extra[48];
    snprintf(extra, sizeof extra, " images hashed, %zu failed", failed);
    cli_progress_show(&d->shown, done, total, 0,
                      json_pack("{s:I, s:I}", "hashed", (json_int_t)(done - CS_MIN(done, failed)),
                                "failed", (json_int_t)failed),
                      extra);
}

static void log_image_error(void *arg, int64_t image_id, const cs_error *err)
{
    cli_progress_break(&((dedup_progress *)arg)->shown);
    fprintf(stderr, "clearset dedup: image %" PRId64 ": %s\n", image_id,
            err->message[0] ? err->message : cs_strerror(err->code));
}

int cmd_dedup(cli_context *ctx, int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    pipeline_dedup_options opts = {.threshold = -1, .min_quality = -1};
    enum { OPT_THRESHOLD, OPT_MIN_QUALITY, OPT_JOBS, OPT_MAX_PIXELS, OPT_JSON_PROGRESS };
    static const cli_option options[] = {
        {"--threshold", OPT_THRESHOLD, CLI_COUNT, 0, DEDUP_INDEX_MAX_RADIUS},
        {"--min-quality", OPT_MIN_QUALITY, CLI_COUNT, 0, 100},
        {"--jobs", OPT_JOBS, CLI_COUNT, 1, 64},
        {"--max-pixels", OPT_MAX_PIXELS, CLI_COUNT, 1, CLI_MAX_PIXELS_LIMIT},
        {"--json-progress", OPT_JSON_PROGRESS, CLI_FLAG, 0, 0},
    };
    int json_progress = 0;
    cli_args args = cli_args_start("dedup", argc, argv, options, CS_ARRAY_LEN(options), 0);
    int kind;
    while ((kind = cli_args_next(&args)) == CLI_ARG_OPTION) {
        if (args.id == OPT_THRESHOLD)
            opts.threshold = (int)args.number;
        else if (args.id == OPT_MIN_QUALITY)
            opts.min_quality = (int)args.number;
        else if (args.id == OPT_JOBS)
            opts.jobs = (int)args.number;
        else if (args.id == OPT_JSON_PROGRESS)
            json_progress = 1;
        else
            opts.max_pixels = args.number;
    }
    if (kind == CLI_ARG_ERROR) return CLI_EXIT_USAGE;
    if (kind == CLI_ARG_OPERAND)
        return cli_usage_error("dedup", "unexpected argument '%s'", args.value);
    dedup_progress progress = {0};
    cli_progress_start(&progress.shown, "dedup", "images", ctx, json_progress);
    opts.on_image_error = log_image_error;
    opts.on_progress = show_progress;
    opts.arg = &progress;

    cs_error err;
    cs_error_clear(&err);
    catalog *cat = NULL;
    int rc = catalog_open_at(ctx->catalog_path, ctx->blob_dir, &cat, &err);
    if (rc != CS_OK) return cli_fail("dedup", &err);
    pipeline_dedup_stats st;
    rc = pipeline_dedup(cat, &opts, &st, &err);
    catalog_close(cat);
    if (rc == CS_OK) {
        size_t done = st.hashed + st.failed, clusters = st.near_clusters + st.exact_clusters;
        char extra[80];
        snprintf(extra, sizeof extra, " images hashed, %zu failed, %zu clusters", st.failed,
                 clusters);
        cli_progress_show(&progress.shown, done, CS_MAX(done, progress.total), 1,
                          json_pack("{s:I, s:I, s:I, s:I}", "hashed", (json_int_t)st.hashed,
                                    "failed", (json_int_t)st.failed, "images",
                                    (json_int_t)st.images, "clusters", (json_int_t)clusters),
                          extra);
    }
    cli_progress_break(&progress.shown);
    if (rc != CS_OK) return cli_fail("dedup", &err);

    json_t *o = json_object();
    json_object_set_new(o, "hashed", json_integer((json_int_t)st.hashed));
    json_object_set_new(o, "failed", json_integer((json_int_t)st.failed));
    json_object_set_new(o, "images", json_integer((json_int_t)st.images));
    json_object_set_new(o, "untrusted", json_integer((json_int_t)st.untrusted));
    json_object_set_new(o, "near_clusters", json_integer((json_int_t)st.near_clusters));
    json_object_set_new(o, "near_members", json_integer((json_int_t)st.near_members));
    json_object_set_new(o, "exact_clusters", json_integer((json_int_t)st.exact_clusters));
    json_object_set_new(o, "license_conflicts", json_integer((json_int_t)st.conflicts));
    json_object_set_new(
        o, "threshold",
        json_integer(opts.threshold < 0 ? PDQ_DEFAULT_NEAR_DISTANCE : opts.threshold));
    char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (line) printf("%s\n", line);
    free(line);
    if (!line) return CLI_EXIT_RUNTIME;
    if (st.failed > 0 && st.images == 0) {
        fprintf(stderr, "clearset dedup: none of the %zu images could be hashed\n", st.failed);
        return CLI_EXIT_RUNTIME;
    }
    return CLI_EXIT_OK;
}
