/*
 * cmd_explain.c - `clearset explain IMAGE_ID|SHA256|URL [--policy NAME|FILE]
 * [--json]`: the evidence chain behind one image's verdict, in words (the
 * default) or as one JSON object (which carries the words too).
 *
 * pipeline_explain builds the explanation; this file parses the arguments and
 * prints it.
 */
#include "cli/cli.h"
#include "pipeline/pipeline.h"
#include "robots/robots.h"

#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: clearset [--catalog PATH] explain IMAGE_ID|SHA256|URL [--policy NAME|FILE] "
            "[--json]\n"
            "                                 [--ai-crawlers FILE]\n\n"
            "Shows the evidence and reasoning behind one image's verdict: where it was\n"
            "found, every rights statement (embedded and page-side), the opt-out signals\n"
            "that apply, near duplicates, and the rules that decided. --json prints one\n"
            "JSON object instead (with the same sentences under \"words\").\n"
            "It also lists the protocols the crawl checked for the image. The policy\n"
            "defaults to strict; --ai-crawlers FILE judges robots.txt AI crawler rules\n"
            "with that list, as `clear --ai-crawlers` does.\n");
}

int cmd_explain(cli_context *ctx, int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    const char *policy_name = "strict", *key = NULL, *crawlers_file = NULL;
    int as_json = 0;
    enum { OPT_POLICY, OPT_JSON, OPT_AI_CRAWLERS };
    static const cli_option options[] = {
        {"--policy", OPT_POLICY, CLI_TEXT, 0, 0},
        {"--ai-crawlers", OPT_AI_CRAWLERS, CLI_TEXT, 0, 0},
        {"--json", OPT_JSON, CLI_FLAG, 0, 0},
    };
    cli_args args = cli_args_start("explain", argc, argv, options, CS_ARRAY_LEN(options), 0);
    int kind;
    while ((kind = cli_args_next(&args)) > CLI_ARG_END) {
        if (kind == CLI_ARG_OPERAND && key)
            return cli_usage_error("explain", "unexpected argument '%s'", args.value);
        else if (kind == CLI_ARG_OPERAND)
            key = args.value;
        else if (args.id == OPT_POLICY)
            policy_name = args.value;
        else if (args.id == OPT_AI_CRAWLERS)
            crawlers_file = args.value;
        else
            as_json = 1;
    }
    if (kind == CLI_ARG_ERROR) return CLI_EXIT_USAGE;
    if (!key) return cli_usage_error("explain", "needs an IMAGE_ID, SHA256 or URL");
    cs_error err = {0};
    robots_ai_crawlers *crawlers = NULL;
    if (crawlers_file && cli_load_ai_crawlers(crawlers_file, &crawlers, &err) != CS_OK)
        return cli_fail("explain", &err);
    license_policy *policy = NULL;
    if (license_policy_load(policy_name, &policy, &err) != CS_OK) {
        robots_ai_crawlers_free(crawlers);
        return cli_fail("explain", &err);
    }
    license_policy_set_ai_crawlers(policy, crawlers);
    catalog *cat = NULL;
    if (catalog_open_readonly_at(ctx->catalog_path, ctx->blob_dir, &cat, &err) != CS_OK) {
        license_policy_free(policy);
        robots_ai_crawlers_free(crawlers);
        return cli_fail("explain", &err);
    }
    json_t *obj = NULL;
    int rc = pipeline_explain(cat, policy, key, &obj, &err);
    if (rc == CS_OK) {
        if (as_json) {
            char *text = json_dumps(obj, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
            if (text) printf("%s\n", text);
            free(text);
        } else {
            size_t i;
            json_t *line;
            json_array_foreach(json_object_get(obj, "words"), i, line)
                printf("%s\n", json_string_value(line));
        }
    }
    json_decref(obj);
    catalog_close(cat);
    license_policy_free(policy);
    robots_ai_crawlers_free(crawlers);
    return rc == CS_OK ? CLI_EXIT_OK : cli_fail("explain", &err);
}
