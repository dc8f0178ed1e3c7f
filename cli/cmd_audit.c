/*
 * cmd_audit.c - `clearset audit IMAGE_OR_DIR... [--protected DIR]
 * [--policy NAME|FILE] --report DIR`: each image checked against the protected
 * works, with DIR/report.json and DIR/report.html (pipeline_audit does the
 * work). The works are the catalog's (registered with `protect`, and images
 * blocked under the policy) when a catalog exists, opened read-only (an audit
 * never creates or changes one), plus the images of --protected DIR.
 *
 * Progress goes to stderr: a bar on a terminal, else a line every
 * AUDIT_PROGRESS_EVERY images. One JSON summary line on stdout.
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
    fprintf(out,
            "usage: clearset [--catalog PATH] audit IMAGE_OR_DIR... --report DIR\n"
            "       [--protected DIR] [--policy NAME|FILE] [--max-pixels N]\n\n"
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
            "  --model MODEL      the generator's memorisation check: run 'clearset generate'\n\n"
            "exit status: 0 no image is a copy, 1 an image is a copy or partial copy of a\n"
            "work, 2 bad usage, no works, or a file that could not be read (listed in the\n"
            "report; the others are audited), 3 runtime failure\n");
}

static void show_progress(void *arg, size_t done, size_t total, size_t risky)
{
    const cli_context *ctx = arg;
    if (ctx->stderr_is_tty) {
        char extra[48];
        snprintf(extra, sizeof extra, ", %zu risky", risky);
        cli_progress_bar("audit", done, total, extra);
    } else if (done % AUDIT_PROGRESS_EVERY == 0 || done == total) {
        fprintf(stderr, "clearset audit: %zu/%zu images, %zu copy or partial\n", done, total,
                risky);
    }
}

static void log_file_error(void *arg, const char *path, const cs_error *err)
{
    const cli_context *ctx = arg;
    if (ctx->stderr_is_tty) fputc('\n', stderr);
    cli_log_file_error("audit", path, err->message[0] ? err->message : cs_strerror(err->code));
}

enum { OPT_PROTECTED, OPT_MODEL, OPT_REPORT, OPT_POLICY, OPT_MAX_PIXELS };

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
    };
    pipeline_audit_options opts = {
        .on_progress = show_progress, .on_file_error = log_file_error, .arg = ctx};
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
        else
            opts.max_pixels = args.number;
    }
    opts.queries = queries;
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
