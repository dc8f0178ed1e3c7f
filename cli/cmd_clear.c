/*
 * cmd_clear.c - `clearset clear [--policy NAME|FILE]`: decides every image in
 * the catalog (cleared, blocked or unknown), stores each verdict with its
 * reasons (pipeline_clear_catalog) and prints the verdicts it stored, one
 * JSON line per image.
 */
#include "cli/cli.h"
#include "pipeline/pipeline.h"

#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out, "usage: clearset [--catalog PATH] clear [--policy NAME|FILE]\n\n"
                 "Decides every image in the catalog: cleared, blocked or unknown, with reasons,\n"
                 "and stores the verdicts. One JSON object per image on stdout. An image that\n"
                 "shows a blocked image or a registered protected work (a crop, an edit, a\n"
                 "collage: local features verified on one transform, see `clearset audit`) is\n"
                 "blocked for laundering; run `clearset dedup` first so every image has them.\n\n"
                 "  --policy NAME|FILE  strict (default: CC0, PDM, CC-PDDC, CC BY), open (adds CC\n"
                 "                      BY-SA),\n"
                 "                      research (adds the NC variants), or a JSON policy file:\n"
                 "                      {\"accept\": [\"CC-BY\", \"MIT\", ...], \"page_wide\":\n"
                 "                      \"same-host\"|\"any\"|\"never\", "
                 "\"require_attribution_name\": false,\n"
                 "                      \"opt_out_directives\": [\"noindex\", \"none\", "
                 "\"noimageindex\"],\n"
                 "                      \"training_mining_constrained\": false}\n"
                 "                      (opt_out_directives: robots directives that block an\n"
                 "                      image too; no preset counts them; noml blocks anyway.\n"
                 "                      training_mining_constrained: true takes a C2PA/CAWG\n"
                 "                      training-mining \"constrained\" as permission)\n");
}

/* Prints one verdict as it was stored: one JSON line. */
static void print_verdict(void *arg, const pipeline_verdict *v)
{
    const license_policy *policy = arg;
    json_t *obj = pipeline_verdict_json(v, policy);
    char *line = obj ? json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    if (line) printf("%s\n", line);
    free(line);
    json_decref(obj);
}

int cmd_clear(cli_context *ctx, int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    const char *policy_name = "strict";
    static const cli_option options[] = {{"--policy", 0, CLI_TEXT, 0, 0}};
    cli_args args = cli_args_start("clear", argc, argv, options, CS_ARRAY_LEN(options), 0);
    int kind;
    while ((kind = cli_args_next(&args)) == CLI_ARG_OPTION)
        policy_name = args.value;
    if (kind == CLI_ARG_ERROR) return CLI_EXIT_USAGE;
    if (kind == CLI_ARG_OPERAND)
        return cli_usage_error("clear", "unexpected argument '%s'", args.value);
    cs_error err = {0};
    license_policy *policy = NULL;
    if (license_policy_load(policy_name, &policy, &err) != CS_OK) return cli_fail("clear", &err);
    catalog *cat = NULL;
    if (catalog_open(ctx->catalog_path, &cat, &err) != CS_OK) {
        license_policy_free(policy);
        return cli_fail("clear", &err);
    }
    pipeline_clear_stats stats;
    int rc = pipeline_clear_catalog(cat, policy, print_verdict, policy, &stats, &err);
    if (rc == CS_OK)
        fprintf(stderr,
                "clearset clear: %zu images under policy %s: %zu cleared, %zu blocked, "
                "%zu unknown; %zu show a blocked image or protected work beyond PDQ's reach\n",
                stats.images, license_policy_name(policy), stats.verdicts[LICENSE_VERDICT_CLEARED],
                stats.verdicts[LICENSE_VERDICT_BLOCKED], stats.verdicts[LICENSE_VERDICT_UNKNOWN],
                stats.local_matches);
    catalog_close(cat);
    license_policy_free(policy);
    return rc == CS_OK ? CLI_EXIT_OK : cli_fail("clear", &err);
}
