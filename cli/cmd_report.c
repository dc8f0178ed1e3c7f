/*
 * cmd_report.c - `clearset report --out FILE.html [--policy NAME|FILE]
 * [--limit N] [--max-pixels N]`: the catalog as one self-contained HTML page
 * (pipeline_report builds it). The catalog is opened read-only: a report
 * never creates or changes one, and a missing catalog is bad input (exit 2)
 * with no file written.
 *
 * Progress goes to stderr: a bar on a terminal, else a line every
 * REPORT_PROGRESS_EVERY thumbnails. One JSON summary line on stdout.
 */
#include "cli/cli.h"
#include "pipeline/pipeline.h"

#include <string.h>

#define REPORT_PROGRESS_EVERY 100 /* thumbnails between progress lines when stderr is no tty */

static void usage(FILE *out)
{
    fprintf(out,
            "usage: clearset [--catalog PATH] report --out FILE.html [--policy NAME|FILE]\n"
            "       [--limit N] [--max-pixels N]\n\n"
            "Writes one self-contained HTML page over the catalog (no network, no file\n"
            "besides it): per host what its robots.txt, tdmrep.json, ai.txt, RSL documents\n"
            "and the opt-out statements recorded for it said; images per licence and per\n"
            "reason as charts; and thumbnails of the cleared, blocked and unknown images\n"
            "with each verdict's reasons (hover a picture, or open its reasons). The\n"
            "verdicts are those 'clearset clear' stored for the policy; the page says so\n"
            "when there are none. The catalog is only read.\n\n"
            "  --out FILE.html    where the page goes (replaced whole when it exists)\n"
            "  --policy NAME|FILE whose stored verdicts to show (default strict)\n"
            "  --limit N          thumbnails per verdict (default %d, at most %d); the page\n"
            "                     says how many were left out\n"
            "  --max-pixels N     refuse images whose header declares more pixels\n\n"
            "exit status: 0 written, 2 bad usage or no catalog, 3 runtime failure\n",
            PIPELINE_REPORT_DEFAULT_PER_VERDICT, PIPELINE_REPORT_MAX_PER_VERDICT);
}

static void show_progress(void *arg, size_t done, size_t total)
{
    const cli_context *ctx = arg;
    if (ctx->stderr_is_tty)
        cli_progress_bar("report", done, total, "thumbnails");
    else if (done % REPORT_PROGRESS_EVERY == 0 || done == total)
        fprintf(stderr, "clearset report: %zu/%zu thumbnails\n", done, total);
}

enum { OPT_OUT, OPT_POLICY, OPT_LIMIT, OPT_MAX_PIXELS };

int cmd_report(cli_context *ctx, int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    static const cli_option options[] = {
        {"--out", OPT_OUT, CLI_TEXT, 0, 0},
        {"--policy", OPT_POLICY, CLI_TEXT, 0, 0},
        {"--limit", OPT_LIMIT, CLI_COUNT, 1, PIPELINE_REPORT_MAX_PER_VERDICT},
        {"--max-pixels", OPT_MAX_PIXELS, CLI_COUNT, 1, CLI_MAX_PIXELS_LIMIT},
    };
    pipeline_report_options opts = {.on_progress = show_progress, .arg = ctx};
    const char *policy_name = "strict";
    cli_args args = cli_args_start("report", argc, argv, options, CS_ARRAY_LEN(options), 0);
    int kind;
    while ((kind = cli_args_next(&args)) > CLI_ARG_END) {
        if (kind == CLI_ARG_OPERAND)
            return cli_usage_error("report", "unexpected argument '%s'", args.value);
        else if (args.id == OPT_OUT)
            opts.out_path = args.value;
        else if (args.id == OPT_POLICY)
            policy_name = args.value;
        else if (args.id == OPT_LIMIT)
            opts.per_verdict = (size_t)args.number;
        else
            opts.max_pixels = args.number;
    }
    if (kind == CLI_ARG_ERROR) return CLI_EXIT_USAGE;
    if (opts.out_path == NULL || opts.out_path[0] == '\0')
        return cli_usage_error("report", "--out FILE.html is required");
    cs_error err = {0};
    license_policy *policy = NULL;
    if (license_policy_load(policy_name, &policy, &err) != CS_OK) {
        cli_fail("report", &err);
        return CLI_EXIT_USAGE; /* a policy that does not load */
    }
    catalog *cat = NULL;
    if (catalog_open_readonly_at(ctx->catalog_path, ctx->blob_dir, &cat, &err) != CS_OK) {
        license_policy_free(policy);
        return cli_fail("report", &err);
    }
    opts.policy = policy;
    opts.catalog_label = catalog_path(cat); /* a URL without its password */
    pipeline_report_stats stats;
    int status;
    if (pipeline_report(cat, &opts, &stats, &err) != CS_OK) {
        status = cli_fail("report", &err);
    } else {
        fprintf(stderr,
                "clearset report: %zu images (%zu cleared, %zu blocked, %zu unknown, %zu without "
                "a verdict) from %zu hosts, %zu shown, %zu left out; written to %s\n",
                stats.images, stats.verdicts[LICENSE_VERDICT_CLEARED],
                stats.verdicts[LICENSE_VERDICT_BLOCKED], stats.verdicts[LICENSE_VERDICT_UNKNOWN],
                stats.verdicts[PIPELINE_REPORT_NONE], stats.hosts, stats.shown, stats.left_out,
                opts.out_path);
        if (!stats.has_verdicts)
            fprintf(stderr,
                    "clearset report: no verdicts are stored for policy %s: run 'clearset "
                    "clear --policy %s' first\n",
                    license_policy_name(policy), policy_name);
        json_t *summary =
            json_pack("{s:o, s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "report",
                      cli_json_text(opts.out_path), "policy", license_policy_name(policy),
                      "has_verdicts", stats.has_verdicts, "images", (json_int_t)stats.images,
                      "cleared", (json_int_t)stats.verdicts[LICENSE_VERDICT_CLEARED], "blocked",
                      (json_int_t)stats.verdicts[LICENSE_VERDICT_BLOCKED], "unknown",
                      (json_int_t)stats.verdicts[LICENSE_VERDICT_UNKNOWN], "no_verdict",
                      (json_int_t)stats.verdicts[PIPELINE_REPORT_NONE], "hosts",
                      (json_int_t)stats.hosts, "shown", (json_int_t)stats.shown, "left_out",
                      (json_int_t)stats.left_out, "no_thumbnail", (json_int_t)stats.unreadable);
        status = cli_print_json("report", summary, JSON_COMPACT | JSON_PRESERVE_ORDER);
    }
    catalog_close(cat);
    license_policy_free(policy);
    return status;
}
