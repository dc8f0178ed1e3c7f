/*
 * cmd_export.c - `clearset export --out DIR [--key KEY] [--policy NAME|FILE]
 * [--format imagefolder|webdataset] [--size N] [--shard-size N] [--force]`:
 * the images cleared under the policy leave the catalog as a dataset folder
 * (pipeline_export does the work). Prints one JSON summary on stdout; progress
 * on stderr through cli_progress (a bar on a terminal, JSON Lines with
 * --json-progress). The catalog is opened read-only: an export changes
 * nothing in it.
 *
 * Exit status: 0 exported; 1 nothing is cleared under the policy (nothing
 * written); 2 bad usage, an existing DIR without --force, a policy that
 * does not load; 3 a runtime failure (a blob that cannot be read, a full disk).
 */
#include "cli/cli.h"
#include "pipeline/pipeline.h"

#include <stdlib.h>
#include <string.h>

#define EXPORT_MAX_SIZE       16384   /* --size: pixels on a side */
#define EXPORT_MAX_SHARD_SIZE 1000000 /* --shard-size: samples per shard */

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: clearset [--catalog PATH] export --out DIR [--key KEY] [--policy NAME|FILE]\n"
        "       [--format imagefolder|webdataset] [--size N] [--shard-size N] [--force]\n"
        "       [--json-progress]\n\n"
        "Writes the images whose stored verdict under the policy is cleared (run 'clearset\n"
        "clear' first), one per near-duplicate cluster, as a dataset folder DIR:\n"
        "images/KEY.EXT (original bytes), metadata.jsonl (one JSON object per image, as\n"
        "Hugging Face's imagefolder loads it), ATTRIBUTION.md, a dataset card README.md and\n"
        "croissant.json (webdataset: tar shards instead of images/). Built in DIR.partial and "
        "renamed at the end; the same catalog and\n"
        "options give the same bytes. One JSON summary on stdout.\n\n"
        "  --out DIR          the folder to write (refused if it exists, unless --force)\n"
        "  --policy NAME|FILE the policy whose verdicts select the images (default strict)\n"
        "  --format F         imagefolder (default) or webdataset: tar shards NNNNN.tar of\n"
        "                     KEY.EXT, KEY.txt (caption), KEY.json, and NNNNN_stats.json\n"
        "  --key KEY          sign the export with this Ed25519 key ('clearset keygen'):\n"
        "                     manifest.json, manifest.sig, signer.pub ('clearset verify')\n"
        "  --size N           N x N copies (centre crop, area filter, same format) instead\n"
        "                     of the originals; metadata keeps the original's sha256\n"
        "  --shard-size N     webdataset samples per shard (default %d)\n"
        "  --force            replace DIR if it exists\n"
        "  --json-progress    progress as JSON Lines on stderr, not a bar ('clearset --help')\n\n"
        "exit status: 0 exported, 1 nothing is cleared under the policy (nothing written),\n"
        "2 bad usage or input (DIR exists), 3 runtime failure (a blob cannot be read)\n",
        PIPELINE_EXPORT_DEFAULT_SHARD);
}

static void show_progress(void *arg, size_t done, size_t total)
{
    cli_progress *p = arg;
    if (cli_progress_due(p, 0))
        cli_progress_show(p, done, total, 0, json_pack("{s:I}", "images", (json_int_t)done), NULL);
}

enum {
    OPT_OUT,
    OPT_KEY,
    OPT_POLICY,
    OPT_FORMAT,
    OPT_SIZE,
    OPT_SHARD_SIZE,
    OPT_FORCE,
    OPT_JSON_PROGRESS
};

int cmd_export(cli_context *ctx, int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    static const cli_option options[] = {
        {"--out", OPT_OUT, CLI_TEXT, 0, 0},
        {"--key", OPT_KEY, CLI_TEXT, 0, 0},
        {"--policy", OPT_POLICY, CLI_TEXT, 0, 0},
        {"--format", OPT_FORMAT, CLI_TEXT, 0, 0},
        {"--size", OPT_SIZE, CLI_COUNT, 1, EXPORT_MAX_SIZE},
        {"--shard-size", OPT_SHARD_SIZE, CLI_COUNT, 1, EXPORT_MAX_SHARD_SIZE},
        {"--force", OPT_FORCE, CLI_FLAG, 0, 0},
        {"--json-progress", OPT_JSON_PROGRESS, CLI_FLAG, 0, 0},
    };
    pipeline_export_options opts = {.shard_size = PIPELINE_EXPORT_DEFAULT_SHARD};
    const char *policy_name = "strict", *format = "imagefolder";
    int json_progress = 0;
    cli_args args = cli_args_start("export", argc, argv, options, CS_ARRAY_LEN(options), 0);
    int kind;
    while ((kind = cli_args_next(&args)) == CLI_ARG_OPTION) {
        switch (args.id) {
        case OPT_OUT:
            opts.out_dir = args.value;
            break;
        case OPT_KEY:
            opts.key_path = args.value;
            break;
        case OPT_POLICY:
            policy_name = args.value;
            break;
        case OPT_FORMAT:
            format = args.value;
            break;
        case OPT_SIZE:
            opts.size = (int)args.number;
            break;
        case OPT_SHARD_SIZE:
            opts.shard_size = (size_t)args.number;
            break;
        case OPT_FORCE:
            opts.force = 1;
            break;
        case OPT_JSON_PROGRESS:
            json_progress = 1;
            break;
        }
    }
    if (kind == CLI_ARG_ERROR) return CLI_EXIT_USAGE;
    if (kind == CLI_ARG_OPERAND)
        return cli_usage_error("export", "unexpected argument '%s'", args.value);
    if (opts.out_dir == NULL || opts.out_dir[0] == '\0')
        return cli_usage_error("export", "--out DIR is required");
    if (strcmp(format, "imagefolder") == 0)
        opts.format = PIPELINE_EXPORT_IMAGEFOLDER;
    else if (strcmp(format, "webdataset") == 0)
        opts.format = PIPELINE_EXPORT_WEBDATASET;
    else
        return cli_usage_error("export", "--format is imagefolder or webdataset, not '%s'", format);

    cs_error err = {0};
    license_policy *policy = NULL;
    if (license_policy_load(policy_name, &policy, &err) != CS_OK) return cli_fail("export", &err);
    catalog *cat = NULL;
    if (catalog_open_readonly_at(ctx->catalog_path, ctx->blob_dir, &cat, &err) != CS_OK) {
        license_policy_free(policy);
        return cli_fail("export", &err);
    }
    opts.policy = policy;
    cli_progress progress;
    cli_progress_start(&progress, "export", "images", ctx, json_progress);
    opts.on_progress = show_progress;
    opts.arg = &progress;
    pipeline_export_stats stats;
    int rc = pipeline_export(cat, &opts, &stats, &err);
    if (rc == CS_OK)
        cli_progress_show(&progress, stats.images, stats.images, 1,
                          json_pack("{s:I, s:I, s:I, s:I}", "images", (json_int_t)stats.images,
                                    "cleared", (json_int_t)stats.cleared, "duplicates",
                                    (json_int_t)stats.duplicates, "bytes", (json_int_t)stats.bytes),
                          NULL);
    cli_progress_break(&progress);
    int status;
    if (rc != CS_OK) {
        status = cli_fail("export", &err);
    } else if (stats.images == 0) {
        fprintf(stderr,
                "clearset export: no image is cleared under policy %s: nothing to export "
                "(run 'clearset clear --policy %s' first?); nothing was written\n",
                license_policy_name(policy), license_policy_name(policy));
        status = CLI_EXIT_FOUND;
    } else {
        fprintf(stderr,
                "clearset export: %zu images to %s (%zu cleared, %zu near duplicates left out)\n",
                stats.images, opts.out_dir, stats.cleared, stats.duplicates);
        status = cli_print_json(
            "export",
            json_pack("{s:s, s:s, s:I, s:I, s:O, s:b, s:o}", "out", opts.out_dir, "format", format,
                      "images", (json_int_t)stats.images, "bytes", (json_int_t)stats.bytes,
                      "licences", stats.licences, "signed", stats.is_signed, "fingerprint",
                      stats.is_signed ? json_string(stats.fingerprint) : json_null()),
            JSON_COMPACT | JSON_PRESERVE_ORDER);
    }
    pipeline_export_stats_free(&stats);
    catalog_close(cat);
    license_policy_free(policy);
    return status;
}
