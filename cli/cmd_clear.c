/*
 * cmd_clear.c - `clearset clear [--policy NAME|FILE]`: decides every image in
 * the catalog (cleared, blocked or unknown), stores each verdict with its
 * reasons (pipeline_clear_catalog) and prints the verdicts it stored, one
 * JSON line per image.
 */
#include "cli/cli.h"
#include "pipeline/pipeline.h"
#include "robots/robots.h"

#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: clearset [--catalog PATH] clear [--policy NAME|FILE] [--ai-crawlers FILE]\n\n"
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
            "                      training-mining \"constrained\" as permission)\n"
            "  --ai-crawlers FILE  judge robots.txt AI crawler rules with this list (the\n"
            "                      format of robots/ai_crawlers.txt; default: built in):\n"
            "                      only a training crawler's disallow blocks\n");
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
    const char *policy_name = "strict", *crawlers_file = NULL;
    enum { OPT_POLICY, OPT_AI_CRAWLERS };
    static const cli_option options[] = {{"--policy", OPT_POLICY, CLI_TEXT, 0, 0},
                                         {"--ai-crawlers", OPT_AI_CRAWLERS, CLI_TEXT, 0, 0}};
    cli_args args = cli_args_start("clear", argc, argv, options, CS_ARRAY_LEN(options), 0);
    int kind;
    while ((kind = cli_args_next(&args)) == CLI_ARG_OPTION) {
        if (args.id == OPT_POLICY)
            policy_name = args.value;
        else
            crawlers_file = args.value;
    }
    if (kind == CLI_ARG_ERROR) return CLI_EXIT_USAGE;
    if (kind == CLI_ARG_OPERAND)
        return cli_usage_error("clear", "unexpected argument '%s'", args.value);
    cs_error err = {0};
    robots_ai_crawlers *crawlers = NULL;
    if (crawlers_file && cli_load_ai_crawlers(crawlers_file, &crawlers, &err) != CS_OK)
        return cli_fail("clear", &err);
    license_policy *policy = NULL;
    if (license_policy_load(policy_name, &policy, &err) != CS_OK) {
        robots_ai_crawlers_free(crawlers);
        return cli_fail("clear", &err);
    }
    license_policy_set_ai_crawlers(policy, crawlers);
    catalog *cat = NULL;
    if (catalog_open_at(ctx->catalog_path, ctx->blob_dir, &cat, &err) != CS_OK) {
        license_policy_free(policy);
        robots_ai_crawlers_free(crawlers);
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
    robots_ai_crawlers_free(crawlers);
    return rc == CS_OK ? CLI_EXIT_OK : cli_fail("clear", &err);
}
