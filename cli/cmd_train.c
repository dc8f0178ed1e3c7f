/*
 * cmd_train.c - `clearset train --dataset DIR --out MODEL [options]` and
 * `clearset train --info MODEL`: trains the GAN on a verified export only
 * (pipeline/train.c holds the gate and the loop; this file reads arguments,
 * shows progress and prints).
 *
 * stdout: one JSON object at the end {"model", "step", "interrupted",
 * "timed_out", "d_loss", "g_loss", "swd", "images", "channels",
 * "manifest_sha256", "signer_fingerprint", "grid", "card"}; with --info the
 * checkpoint's own account (pipeline_train_info).
 * stderr: progress (step, D and G losses, images/s, ETA) through
 * cli_progress: a bar on a terminal, JSON Lines with --json-progress,
 * otherwise one line per checkpoint.
 * SIGINT and SIGTERM stop training after the current step with a checkpoint,
 * grid and model card; the exit status is then 130 (128 + SIGINT, what a
 * shell reports for a job stopped by Ctrl-C), so a script can tell a
 * stopped run from a finished one; --resume continues it.
 * Exit: 0 done (or --time-limit reached), 2 bad usage or a refused dataset
 * (the message names the problem), 3 a runtime failure, 130 stopped by a
 * signal.
 */
#include "cli/cli.h"
#include "pipeline/pipeline.h"

#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#define TRAIN_DEFAULT_STEPS      1000
#define TRAIN_DEFAULT_BATCH      64
#define TRAIN_DEFAULT_CHECKPOINT 500
#define TRAIN_MAX_STEPS          100000000ull /* weeks on two cores; a larger value is a typo */
#define TRAIN_MAX_BATCH          1024 /* 12 MiB of RGB floats per batch and more per layer */
#define TRAIN_EXIT_SIGNAL        130

static void usage(FILE *out)
{
    fprintf(out,
            "usage: clearset train --dataset DIR --out MODEL [--steps N] [--time-limit S]\n"
            "                      [--batch N] [--size 32|64] [--seed N] [--resume]\n"
            "                      [--trusted-keys FILE] [--checkpoint-every N] [--threads N]\n"
            "                      [--json-progress]\n"
            "       clearset train --info MODEL\n\n"
            "Trains the GAN on a clearset export, and only on one that verifies: the same\n"
            "check as `clearset verify` (signature, every file's size and SHA-256, nothing\n"
            "unlisted), a signer in --trusted-keys when given, and every image's verdict\n"
            "`cleared` in metadata.jsonl. Anything else is refused with exit status 2 and\n"
            "a message naming the problem.\n\n"
            "Writes MODEL (the checkpoint: weights, training state, the manifest's SHA-256,\n"
            "the signer's key, the licence summary and these settings), MODEL.grid.png\n"
            "(8 x 8 samples) at every checkpoint, and the model card MODEL.md at the end.\n\n"
            "  --dataset DIR          the export folder (imagefolder format)\n"
            "  --out MODEL            the checkpoint; refused if it exists, unless --resume\n"
            "  --steps N              train until the model has done N steps (default %d)\n"
            "  --time-limit S         stop with a checkpoint after S seconds\n"
            "  --batch N              images per step (default %d; taken from MODEL on\n"
            "                         --resume)\n"
            "  --size 32|64           image size (default 32; 64 adds a layer to each network)\n"
            "  --seed N               weights, noise and batch order (default 1; taken from\n"
            "                         MODEL on --resume)\n"
            "  --resume               continue MODEL: the same result, bit for bit, as one\n"
            "                         uninterrupted run of --steps\n"
            "  --trusted-keys FILE    key fingerprints (SHA-256 hex of the public key, as\n"
            "                         keygen and verify print them), one per line; '#'\n"
            "                         starts a comment; the export's signer must be one\n"
            "  --checkpoint-every N   checkpoint every N steps (default %d; 0: at the end)\n"
            "  --threads N            generator worker threads (default: up to 2)\n"
            "  --json-progress        progress as JSON Lines on stderr, not a bar (see\n"
            "                         'clearset --help')\n"
            "  --info MODEL           print a checkpoint's provenance and metadata as JSON\n\n"
            "Memory: every image is held as 32 x 32 floats (4 KiB grey, 12 KiB RGB), at\n"
            "most %d images.\n"
            "Ctrl-C (SIGINT) or SIGTERM stops after the current step with a checkpoint.\n\n"
            "exit status: 0 trained, 2 bad usage or a refused dataset, 3 runtime failure,\n"
            "130 stopped by a signal (the checkpoint is written; --resume continues)\n",
            TRAIN_DEFAULT_STEPS, TRAIN_DEFAULT_BATCH, TRAIN_DEFAULT_CHECKPOINT,
            PIPELINE_TRAIN_MAX_IMAGES);
}

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* One update: the bar's text and the JSON line's fields. */
static void show(cli_progress *shown, const pipeline_train_progress *p, int final)
{
    char extra[160];
    snprintf(extra, sizeof extra, " D %.3f G %.3f %.0f img/s ETA %.0f s", (double)p->d_loss,
             (double)p->g_loss, p->images_per_s, p->eta_s);
    if (cli_progress_due(shown, final))
        cli_progress_show(shown, p->step, p->steps, final,
                          json_pack("{s:I, s:I, s:f, s:f, s:f, s:f}", "step", (json_int_t)p->step,
                                    "steps", (json_int_t)p->steps, "d_loss", (double)p->d_loss,
                                    "g_loss", (double)p->g_loss, "images_per_s", p->images_per_s,
                                    "eta_s", p->eta_s),
                          extra);
    else if (!shown->json && !shown->bar && p->checkpoint)
        fprintf(stderr, "clearset train: step %llu/%llu%s (checkpoint)\n",
                (unsigned long long)p->step, (unsigned long long)p->steps, extra);
}

static void on_progress(void *arg, const pipeline_train_progress *p)
{
    show(arg, p, 0);
}

static int print_info(const char *model)
{
    cs_error err = {0};
    json_t *info = NULL;
    if (pipeline_train_info(model, &info, &err) != CS_OK) return cli_fail("train", &err);
    return cli_print_json("train", info, JSON_COMPACT | JSON_PRESERVE_ORDER);
}

static json_t *result_json(const pipeline_train_options *opts, const pipeline_train_result *r)
{
    char grid[PATH_MAX], card[PATH_MAX];
    snprintf(grid, sizeof grid, "%s.grid.png", opts->model_path);
    snprintf(card, sizeof card, "%s.md", opts->model_path);
    return json_pack("{s:o, s:I, s:b, s:b, s:f, s:f, s:f, s:f, s:f, s:I, s:i, s:s, s:s, s:o, s:o}",
                     "model", cli_json_text(opts->model_path), "step", (json_int_t)r->step,
                     "interrupted", r->interrupted, "timed_out", r->timed_out, "d_loss",
                     (double)r->d_loss, "g_loss", (double)r->g_loss, "images_per_s",
                     r->images_per_s, "train_seconds", r->train_seconds, "swd", r->swd.mean,
                     "images", (json_int_t)r->images, "channels", r->channels, "manifest_sha256",
                     r->manifest_sha256, "signer_fingerprint", r->fingerprint, "grid",
                     cli_json_text(grid), "card", cli_json_text(card));
}

enum {
    OPT_DATASET,
    OPT_OUT,
    OPT_STEPS,
    OPT_TIME_LIMIT,
    OPT_BATCH,
    OPT_SIZE,
    OPT_SEED,
    OPT_RESUME,
    OPT_TRUSTED_KEYS,
    OPT_CHECKPOINT_EVERY,
    OPT_THREADS,
    OPT_INFO,
    OPT_JSON_PROGRESS,
};

int cmd_train(cli_context *ctx, int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    static const cli_option options[] = {
        {"--dataset", OPT_DATASET, CLI_TEXT, 0, 0},
        {"--out", OPT_OUT, CLI_TEXT, 0, 0},
        {"--steps", OPT_STEPS, CLI_COUNT, 1, TRAIN_MAX_STEPS},
        {"--time-limit", OPT_TIME_LIMIT, CLI_SECONDS, 1, 365ull * 24 * 3600 * 1000},
        {"--batch", OPT_BATCH, CLI_COUNT, 1, TRAIN_MAX_BATCH},
        {"--size", OPT_SIZE, CLI_COUNT, 1, 4096},
        {"--seed", OPT_SEED, CLI_COUNT, 0, UINT64_MAX},
        {"--resume", OPT_RESUME, CLI_FLAG, 0, 0},
        {"--trusted-keys", OPT_TRUSTED_KEYS, CLI_TEXT, 0, 0},
        {"--checkpoint-every", OPT_CHECKPOINT_EVERY, CLI_COUNT, 0, TRAIN_MAX_STEPS},
        {"--threads", OPT_THREADS, CLI_COUNT, 1, 64},
        {"--info", OPT_INFO, CLI_TEXT, 0, 0},
        {"--json-progress", OPT_JSON_PROGRESS, CLI_FLAG, 0, 0},
    };
    pipeline_train_options opts = {
        .steps = TRAIN_DEFAULT_STEPS,
        .checkpoint_every = TRAIN_DEFAULT_CHECKPOINT,
        .batch_size = TRAIN_DEFAULT_BATCH,
        .size = GAN_IMAGE_SIZE,
        .seed = 1,
    };
    const char *info = NULL;
    int kind, json_progress = 0;
    cli_args args = cli_args_start("train", argc, argv, options, CS_ARRAY_LEN(options), 0);
    while ((kind = cli_args_next(&args)) > CLI_ARG_END) {
        if (kind == CLI_ARG_OPERAND)
            return cli_usage_error("train", "unexpected argument '%s'", args.value);
        switch (args.id) {
        case OPT_DATASET:
            opts.dataset_dir = args.value;
            break;
        case OPT_OUT:
            opts.model_path = args.value;
            break;
        case OPT_STEPS:
            opts.steps = args.number;
            break;
        case OPT_TIME_LIMIT:
            opts.time_limit_ms = args.number;
            break;
        case OPT_BATCH:
            opts.batch_size = (int)args.number;
            break;
        case OPT_SIZE:
            opts.size = (int)args.number;
            break;
        case OPT_SEED:
            opts.seed = args.number;
            break;
        case OPT_RESUME:
            opts.resume = 1;
            break;
        case OPT_TRUSTED_KEYS:
            opts.trusted_keys = args.value;
            break;
        case OPT_CHECKPOINT_EVERY:
            opts.checkpoint_every = args.number;
            break;
        case OPT_THREADS:
            opts.threads = (int)args.number;
            break;
        case OPT_INFO:
            info = args.value;
            break;
        case OPT_JSON_PROGRESS:
            json_progress = 1;
            break;
        }
    }
    if (kind == CLI_ARG_ERROR) return CLI_EXIT_USAGE;
    if (info) {
        if (opts.dataset_dir || opts.model_path)
            return cli_usage_error("train", "--info MODEL takes no --dataset or --out");
        return print_info(info);
    }
    if (opts.dataset_dir == NULL || opts.dataset_dir[0] == '\0')
        return cli_usage_error("train", "needs --dataset DIR (a clearset export)");
    if (opts.model_path == NULL || opts.model_path[0] == '\0')
        return cli_usage_error("train", "needs --out MODEL");
    if (opts.size != 32 && opts.size != 64)
        return cli_usage_error("train", "--size %d: the generator is built for 32 or 64 only",
                               opts.size);

    cli_progress progress;
    cli_progress_start(&progress, "train", "steps", ctx, json_progress);
    opts.on_progress = on_progress;
    opts.arg = &progress;
    opts.stop = &stop_requested;
    cli_on_stop_signals(on_signal);

    cs_error err = {0};
    pipeline_train_result result;
    int rc = pipeline_train(&opts, &result, &err);
    if (rc == CS_OK) {
        pipeline_train_progress last = {.step = result.step,
                                        .steps = opts.steps,
                                        .d_loss = result.d_loss,
                                        .g_loss = result.g_loss,
                                        .images_per_s = result.images_per_s};
        show(&progress, &last, 1);
    }
    cli_progress_break(&progress);
    if (rc != CS_OK) return cli_fail("train", &err);
    if (result.interrupted)
        fprintf(stderr,
                "clearset train: stopped at step %llu with a checkpoint; --resume "
                "continues it\n",
                (unsigned long long)result.step);
    int status =
        cli_print_json("train", result_json(&opts, &result), JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (status != CLI_EXIT_OK) return status;
    return result.interrupted ? TRAIN_EXIT_SIGNAL : CLI_EXIT_OK;
}
