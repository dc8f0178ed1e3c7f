/*
 * cmd_generate.c - `clearset generate --model MODEL --dataset DIR -n N --out DIR
 * [--seed N] [--grid] [--protected DIR] [--policy NAME|FILE]`: samples a
 * trained model, labels every image as AI-generated and audits it against the
 * protected works and the training set (pipeline_generate does the work).
 *
 * The catalog, when it exists, is opened read-only for its protected works, as
 * `clearset audit` does. One JSON summary line on stdout.
 *
 * Exit status: 3 a runtime failure; 2 bad usage or a model refused (no
 * provenance, a wrong checksum, a missing file, a dataset that is not the one
 * it was trained on); 1 an image was quarantined as a copy; 0 none was.
 */
#include "cli/cli.h"
#include "pipeline/pipeline.h"

#include <stdlib.h>

#define GENERATE_MAX_COUNT 100000 /* pipeline_generate's limit: NNNN.png names */

static void usage(FILE *out)
{
    fprintf(out,
            "usage: clearset [--catalog PATH] generate --model MODEL --dataset DIR -n N --out DIR\n"
            "       [--seed N] [--grid] [--protected DIR] [--policy NAME|FILE]\n\n"
            "Samples N images from a checkpoint trained on a verified export and writes\n"
            "DIR/NNNN.png, each labelled in XMP as AI-generated (IPTC DigitalSourceType\n"
            "trainedAlgorithmicMedia) with the model's and the training manifest's SHA-256,\n"
            "and DIR/NNNN.json with the same facts. Then audits them as 'clearset audit'\n"
            "does (DIR/report.json, DIR/report.html) and, for memorisation, against the\n"
            "training images: an image whose nearest training image is under 1/3 of the\n"
            "mean distance to its 50 nearest (Carlini et al. 2023) is a copy. Copies, of a\n"
            "work or of a training image, move to DIR/quarantine/ with their sidecars.\n\n"
            "  --model MODEL      the checkpoint; refused without provenance or when damaged\n"
            "  --dataset DIR      the export it was trained on (its manifest.json must be the\n"
            "                     one the checkpoint records)\n"
            "  -n N               images to make (1..%d)\n"
            "  --out DIR          where they go (created if missing)\n"
            "  --seed N           the latents' seed (default 1)\n"
            "  --grid             also DIR/grid.png of all samples\n"
            "  --protected DIR    more protected works, as for 'clearset audit'\n"
            "  --policy NAME|FILE whose blocked images count as works (default strict)\n\n"
            "exit status: 0 nothing quarantined, 1 an image was quarantined, 2 bad usage or a\n"
            "model or dataset refused, 3 runtime failure\n",
            GENERATE_MAX_COUNT);
}

enum { OPT_MODEL, OPT_DATASET, OPT_COUNT, OPT_OUT, OPT_SEED, OPT_GRID, OPT_PROTECTED, OPT_POLICY };

int cmd_generate(cli_context *ctx, int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    static const cli_option options[] = {
        {"--model", OPT_MODEL, CLI_TEXT, 0, 0},
        {"--dataset", OPT_DATASET, CLI_TEXT, 0, 0},
        {"-n", OPT_COUNT, CLI_COUNT, 1, GENERATE_MAX_COUNT},
        {"--out", OPT_OUT, CLI_TEXT, 0, 0},
        {"--seed", OPT_SEED, CLI_COUNT, 0, UINT64_MAX},
        {"--grid", OPT_GRID, CLI_FLAG, 0, 0},
        {"--protected", OPT_PROTECTED, CLI_TEXT, 0, 0},
        {"--policy", OPT_POLICY, CLI_TEXT, 0, 0},
    };
    pipeline_generate_options opts = {.seed = 1};
    const char *policy_name = "strict";
    cli_args args = cli_args_start("generate", argc, argv, options, CS_ARRAY_LEN(options), 0);
    int kind;
    while ((kind = cli_args_next(&args)) > CLI_ARG_END) {
        if (kind == CLI_ARG_OPERAND) {
            return cli_usage_error("generate", "unexpected operand '%s'", args.value);
        } else if (args.id == OPT_MODEL) {
            opts.model_path = args.value;
        } else if (args.id == OPT_DATASET) {
            opts.dataset_dir = args.value;
        } else if (args.id == OPT_COUNT) {
            opts.count = (int)args.number;
        } else if (args.id == OPT_OUT) {
            opts.out_dir = args.value;
        } else if (args.id == OPT_SEED) {
            opts.seed = args.number;
        } else if (args.id == OPT_GRID) {
            opts.grid = 1;
        } else if (args.id == OPT_PROTECTED) {
            opts.audit.protected_dir = args.value;
        } else {
            policy_name = args.value;
        }
    }
    if (kind == CLI_ARG_ERROR) return CLI_EXIT_USAGE;
    if (!opts.model_path || !opts.model_path[0])
        return cli_usage_error("generate", "--model MODEL is required");
    if (!opts.dataset_dir || !opts.dataset_dir[0])
        return cli_usage_error("generate", "--dataset DIR (the export the model was trained on) "
                                           "is required: the memorisation check compares with it");
    if (opts.count == 0) return cli_usage_error("generate", "-n N is required");
    if (!opts.out_dir || !opts.out_dir[0])
        return cli_usage_error("generate", "--out DIR is required");

    cs_error err = {0};
    license_policy *policy = NULL;
    catalog *cat = NULL;
    int rc = cli_open_works(ctx, policy_name, &policy, &cat, &err);
    pipeline_generate_stats stats;
    if (rc == CS_OK) {
        opts.audit.policy = policy;
        opts.audit.catalog_label = cat ? ctx->catalog_path : NULL;
        rc = pipeline_generate(cat, &opts, &stats, &err);
    }
    int status;
    if (rc != CS_OK) {
        status = cli_fail("generate", &err);
    } else {
        const pipeline_audit_stats *a = &stats.audit;
        fprintf(stderr,
                "clearset generate: %zu images; against %zu works and %zu training images: "
                "%zu copy (%zu memorised), %zu partial, %zu none; %zu quarantined; report in %s\n",
                stats.images, a->works, stats.training, a->risk[DEDUP_RISK_COPY], stats.memorised,
                a->risk[DEDUP_RISK_PARTIAL], a->risk[DEDUP_RISK_NONE], stats.quarantined,
                opts.out_dir);
        status = stats.quarantined ? CLI_EXIT_FOUND : CLI_EXIT_OK;
        json_t *summary = json_pack(
            "{s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:s}", "out", cli_json_text(opts.out_dir),
            "images", (json_int_t)stats.images, "quarantined", (json_int_t)stats.quarantined,
            "memorised", (json_int_t)stats.memorised, "partial",
            (json_int_t)a->risk[DEDUP_RISK_PARTIAL], "works", (json_int_t)a->works, "training",
            (json_int_t)stats.training, "model_sha256", stats.label.model_sha256, "manifest_sha256",
            stats.label.manifest_sha256);
        if (cli_print_json("generate", summary, JSON_COMPACT | JSON_PRESERVE_ORDER) != CLI_EXIT_OK)
            status = CLI_EXIT_RUNTIME;
    }
    catalog_close(cat);
    license_policy_free(policy);
    return status;
}
