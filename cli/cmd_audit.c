/*
 * cmd_audit.c - `clearset audit IMAGE_OR_DIR... [--protected DIR]
 * [--policy NAME|FILE] --report DIR`: each image checked against the protected
 * works, with DIR/report.json and DIR/report.html (pipeline_audit does the
 * work). The works are the catalog's (registered with `protect`, and images
 * blocked under the policy) when a catalog exists, opened read-only (an audit
 * never creates or changes one), plus the images of --protected DIR.
 *
 * Progress goes to stderr through cli_progress: a bar on a terminal, JSON
 * Lines with --json-progress, else a line every AUDIT_PROGRESS_EVERY images.
 * One JSON summary line on stdout.
 *
 * Exit status: the worst of what happened, as `hash` does: 3 a runtime
 * failure; 2 bad usage, no works at all, or a file (query or work) that could
 * not be read or decoded (named in the report's "unreadable" list and on
 * stderr, the others audited all the same); 1 an image is a copy or a partial
 * copy of a work; 0 none is.
 */
#include "cli/cli.h"
#include "pipeline/pipeline.h"

#include <stdlib.h>
#include <string.h>

#define AUDIT_PROGRESS_EVERY 100 /* images between progress lines when stderr is no terminal */

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: clearset [--catalog PATH] audit IMAGE_OR_DIR... --report DIR\n"
        "       [--protected DIR] [--policy NAME|FILE] [--max-pixels N] [--json-progress]\n\n"
        "Checks each image (folders are walked for JPEG, PNG and WebP files) against\n"
        "the protected works: PDQ near copies of the image or its rotations and flips,\n"
        "then local features verified geometrically (crops, rotations, collages).\n"
        "Writes DIR/report.json (images, with risk copy|partial|none and the closest\n"
        "works, best first) and DIR/report.html (thumbnails side by side, the matched\n"
        "region outlined, filterable by risk; one self-contained file). Memory grows\n"
        "with the works, not with the images. One JSON summary on stdout.\n\n"
        "The works: the catalog's registered works ('clearset protect') and the images\n"
        "blocked under the policy, when the catalog exists (it is only read), plus:\n"
        "  --protected DIR    every image in DIR, analysed on the fly (not stored)\n"
        "  --policy NAME|FILE whose blocked images count as works (default strict)\n"
        "  --report DIR       where the reports go (created if missing)\n"
        "  --max-pixels N     refuse images whose header declares more pixels\n"
        "  --model MODEL      the generator's memorisation check: run 'clearset generate'\n"
        "  --json-progress    progress as JSON Lines on stderr, not a bar ('clearset --help')\n\n"
        "exit status: 0 no image is a copy, 1 an image is a copy or partial copy of a\n"
        "work, 2 bad usage, no works, or a file that could not be read (listed in the\n"
        "report; the others are audited), 3 runtime failure\n");
}

/* The query files walked so far (unreadable ones too) and found in all, for the last line. */
typedef struct audit_progress {
    cli_progress shown;
    size_t done, total;
} audit_progress;

static void show_progress(void *arg, size_t done, size_t total, size_t risky)
{
    audit_progress *a = arg;
    cli_progress *p = &a->shown;
    a->done = done;
    a->total = total;
    if (cli_progress_due(p, 0)) {
        char extra[48];
        snprintf(extra, sizeof extra, ", %zu risky", risky);
        cli_progress_show(
            p, done, total, 0,
            json_pack("{s:I, s:I}", "checked", (json_int_t)done, "risky", (json_int_t)risky),
            extra);
    } else if (!p->json && !p->bar && (done % AUDIT_PROGRESS_EVERY == 0 || done == total)) {
        fprintf(stderr, "clearset audit: %zu/%zu images, %zu copy or partial\n", done, total,
                risky);
    }
}

static void log_file_error(void *arg, const char *path, const cs_error *err)
{
    cli_progress_break(&((audit_progress *)arg)->shown);
    cli_log_file_error("audit", path, err->message[0] ? err->message : cs_strerror(err->code));
}

enum { OPT_PROTECTED, OPT_MODEL, OPT_REPORT, OPT_POLICY, OPT_MAX_PIXELS, OPT_JSON_PROGRESS };

int cmd_audit(cli_context *ctx, int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    static const cli_option options[] = {
        {"--protected", OPT_PROTECTED, CLI_TEXT, 0, 0},
        {"--model", OPT_MODEL, CLI_TEXT, 0, 0},
        {"--report", OPT_REPORT, CLI_TEXT, 0, 0},
        {"--policy", OPT_POLICY, CLI_TEXT, 0, 0},
        {"--max-pixels", OPT_MAX_PIXELS, CLI_COUNT, 1, CLI_MAX_PIXELS_LIMIT},
        {"--json-progress", OPT_JSON_PROGRESS, CLI_FLAG, 0, 0},
    };
    audit_progress progress = {0};
    int json_progress = 0;
    pipeline_audit_options opts = {
        .on_progress = show_progress, .on_file_error = log_file_error, .arg = &progress};
    const char *policy_name = "strict", *model = NULL;
    const char **queries = calloc((size_t)argc, sizeof *queries);
    if (queries == NULL) return cli_print_json("audit", NULL, 0);
    cli_args args = cli_args_start("audit", argc, argv, options, CS_ARRAY_LEN(options), 0);
    int kind;
    while ((kind = cli_args_next(&args)) > CLI_ARG_END) {
        if (kind == CLI_ARG_OPERAND)
            queries[opts.query_count++] = args.value;
        else if (args.id == OPT_PROTECTED)
            opts.protected_dir = args.value;
        else if (args.id == OPT_MODEL)
            model = args.value;
        else if (args.id == OPT_REPORT)
            opts.report_dir = args.value;
        else if (args.id == OPT_POLICY)
            policy_name = args.value;
        else if (args.id == OPT_JSON_PROGRESS)
            json_progress = 1;
        else
            opts.max_pixels = args.number;
    }
    opts.queries = queries;
    cli_progress_start(&progress.shown, "audit", "images", ctx, json_progress);
    int status = CLI_EXIT_USAGE;
    if (kind == CLI_ARG_ERROR) {
        /* the message is printed */
    } else if (model) {
        fprintf(stderr, "clearset audit: --model (the generator's memorisation check against "
                        "its training set) is part of 'clearset generate', which audits what "
                        "it makes\n");
    } else if (opts.report_dir == NULL || opts.report_dir[0] == '\0') {
        cli_usage_error("audit", "--report DIR is required");
    } else if (opts.query_count == 0) {
        cli_usage_error("audit", "no IMAGE_OR_DIR given");
    } else {
        cs_error err = {0};
        license_policy *policy = NULL;
        catalog *cat = NULL;
        int rc = cli_open_works(ctx, policy_name, &policy, &cat, &err);
        pipeline_audit_stats stats;
        if (rc == CS_OK) {
            opts.policy = policy;
            opts.catalog_label = cat ? ctx->catalog_path : NULL;
            rc = pipeline_audit(cat, &opts, &stats, &err);
        }
        if (rc == CS_OK) {
            size_t risky = stats.risk[DEDUP_RISK_COPY] + stats.risk[DEDUP_RISK_PARTIAL];
            char extra[48];
            snprintf(extra, sizeof extra, ", %zu risky", risky);
            cli_progress_show(&progress.shown, progress.done, progress.total, 1,
                              json_pack("{s:I, s:I, s:I}", "checked", (json_int_t)stats.images,
                                        "risky", (json_int_t)risky, "unreadable",
                                        (json_int_t)stats.unreadable),
                              extra);
        }
        cli_progress_break(&progress.shown);
        if (rc != CS_OK) {
            status = cli_fail("audit", &err);
            if (policy == NULL) status = CLI_EXIT_USAGE; /* a policy that does not load */
        } else {
            size_t risky = stats.risk[DEDUP_RISK_COPY] + stats.risk[DEDUP_RISK_PARTIAL];
            fprintf(stderr,
                    "clearset audit: %zu images against %zu works: %zu copy, %zu partial, "
                    "%zu none, %zu unreadable; report in %s\n",
                    stats.images, stats.works, stats.risk[DEDUP_RISK_COPY],
                    stats.risk[DEDUP_RISK_PARTIAL], stats.risk[DEDUP_RISK_NONE], stats.unreadable,
                    opts.report_dir);
            status = stats.unreadable ? CLI_EXIT_USAGE : risky ? CLI_EXIT_FOUND : CLI_EXIT_OK;
            json_t *summary = json_pack(
                "{s:o, s:I, s:I, s:I, s:I, s:I, s:I}", "report", cli_json_text(opts.report_dir),
                "images", (json_int_t)stats.images, "copy", (json_int_t)stats.risk[DEDUP_RISK_COPY],
                "partial", (json_int_t)stats.risk[DEDUP_RISK_PARTIAL], "none",
                (json_int_t)stats.risk[DEDUP_RISK_NONE], "unreadable", (json_int_t)stats.unreadable,
                "works", (json_int_t)stats.works);
            if (cli_print_json("audit", summary, JSON_COMPACT | JSON_PRESERVE_ORDER) != CLI_EXIT_OK)
                status = CLI_EXIT_RUNTIME;
        }
        catalog_close(cat);
        license_policy_free(policy);
    }
    free(queries);
    return status;
}
