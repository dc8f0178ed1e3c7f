/*
 * train.c - `clearset train`: the one training loop. The GAN of generator/
 * learns from a verified export (train_data.c is the gate) and the model
 * leaves with its provenance: the checkpoint, a sample grid and a model card.
 *
 * How it works:
 * - Batches are a pure function of (seed, step): the images are visited in a
 *   fresh permutation per epoch, drawn from the seed and the epoch number
 *   (splitmix64 below, which only orders images; the GAN's own noise stream
 *   lives in the checkpoint). So a run stopped at step k and resumed makes
 *   the same batches an uninterrupted run makes, and with gan_save's
 *   training-stream position the final weights are bit-identical.
 * - Checkpoints (gan_save, atomic) every checkpoint_every steps, at the end,
 *   and when *stop is set or the time limit passes. Each records, besides
 *   gan_set_provenance's manifest hash and signer key, gan_set_metadata's
 *   JSON text:
 *     {"format": "clearset-model", "format_version": 1,
 *      "data": {"export", "manifest_sha256", "signer_fingerprint", "policy",
 *               "images", "channels", "size"},
 *      "licences": [{"spdx", "images", "attribution", "share_alike"}, ...],
 *      "obligations": {"attribution_images": N, "share_alike": [SPDX...],
 *                      "attribution_file": "ATTRIBUTION.md"},
 *      "settings": {"steps", "batch", "seed", "checkpoint_every",
 *                   "time_limit_s", "latent_dim", "g_width", "d_width",
 *                   "lr", "beta1", "beta2", "loss", "d_norm"}}
 *   (compact, keys in this order; no clock, so the same run gives the same
 *   bytes). `clearset generate` reads it back with gan_metadata.
 * - MODEL.grid.png: 8 x 8 samples from a fixed seed, so grids of successive
 *   checkpoints show the same latents, encoded with dedup_encode.
 * - MODEL.md at the end: provenance, licences and obligations (the export's
 *   ATTRIBUTION.md carried over verbatim), settings, final losses and the
 *   SWD of PIPELINE_TRAIN_SWD_IMAGES samples against as many training images.
 */
#include "pipeline/pipeline_internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Samples in the grid: 8 x 8 tiles. */
#define TRAIN_GRID_SIDE 8
/* Images per side of the SWD comparison; gan_swd takes 128 patches of each,
 * enough for a trend at this size, and costs well under a second. */
#define PIPELINE_TRAIN_SWD_IMAGES 64
/* ATTRIBUTION.md copied into the card up to this size; past it, referenced. */
#define TRAIN_ATTRIBUTION_MAX_BYTES (1024 * 1024)
/* Latent seeds of the grid and the SWD samples, and the SWD's own seed. */
#define TRAIN_GRID_SEED 0x6772696400000001ull
#define TRAIN_SWD_SEED  0x7377640000000001ull

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* The visiting order of epoch `epoch`: a Fisher-Yates shuffle from (seed, epoch). */
static void epoch_order(uint64_t seed, uint64_t epoch, size_t count, size_t *order)
{
    uint64_t state = seed ^ (epoch * 0xd1b54a32d192ed03ull);
    for (size_t i = 0; i < count; i++)
        order[i] = i;
    for (size_t i = count; i > 1; i--) {
        size_t j = (size_t)(splitmix64(&state) % i);
        size_t t = order[i - 1];
        order[i - 1] = order[j];
        order[j] = t;
    }
}

typedef struct train_batches {
    const pipeline_train_data *data;
    uint64_t seed;
    size_t *order;
    uint64_t epoch; /* of order; UINT64_MAX before the first */
} train_batches;

/* The real batch of step `step` (0-based) into out. */
static void batch_at(train_batches *b, uint64_t step, int batch_size, float *out)
{
    const pipeline_train_data *d = b->data;
    size_t per = (size_t)d->channels * (size_t)d->size * (size_t)d->size;
    for (int j = 0; j < batch_size; j++) {
        uint64_t k = step * (uint64_t)batch_size + (uint64_t)j;
        uint64_t epoch = k / d->count;
        if (epoch != b->epoch) {
            epoch_order(b->seed, epoch, d->count, b->order);
            b->epoch = epoch;
        }
        memcpy(out + (size_t)j * per, d->images + b->order[k % d->count] * per,
               per * sizeof(float));
    }
}

static const char *loss_name(gan_loss loss)
{
    return loss == GAN_LOSS_HINGE ? "hinge" : "nonsaturating";
}

static const char *dnorm_name(gan_dnorm norm)
{
    return norm == GAN_DNORM_SPECTRAL ? "spectral" : "batch";
}

/* The metadata text of the checkpoint (see the top of the file); malloc'd. */
static char *metadata_text(const pipeline_train_options *opts, const pipeline_train_data *d,
                           const gan_config *c)
{
    json_t *licences = json_array(), *share_alike = json_array();
    size_t attribution_images = 0;
    for (size_t i = 0; licences && share_alike && i < d->licence_count; i++) {
        const pipeline_train_licence *l = &d->licences[i];
        json_array_append_new(licences, json_pack("{s:s, s:I, s:b, s:b}", "spdx", l->spdx, "images",
                                                  (json_int_t)l->count, "attribution",
                                                  l->attribution, "share_alike", l->share_alike));
        if (l->attribution) attribution_images += l->count;
        if (l->share_alike) json_array_append_new(share_alike, json_string(l->spdx));
    }
    json_t *doc = json_pack(
        "{s:s, s:i, s:{s:o, s:s, s:s, s:s, s:I, s:i, s:i}, s:o, s:{s:I, s:o, s:s}, "
        "s:{s:I, s:i, s:I, s:I, s:f, s:i, s:i, s:i, s:f, s:f, s:f, s:s, s:s}}",
        "format", "clearset-model", "format_version", 1, "data", "export",
        pipeline_json_text(opts->dataset_dir), "manifest_sha256", d->manifest_sha256,
        "signer_fingerprint", d->fingerprint, "policy", d->policy, "images", (json_int_t)d->count,
        "channels", d->channels, "size", d->size, "licences", licences, "obligations",
        "attribution_images", (json_int_t)attribution_images, "share_alike", share_alike,
        "attribution_file", "ATTRIBUTION.md", "settings", "steps", (json_int_t)opts->steps, "batch",
        c->batch_size, "seed", (json_int_t)c->seed, "checkpoint_every",
        (json_int_t)opts->checkpoint_every, "time_limit_s", (double)opts->time_limit_ms / 1000.0,
        "latent_dim", c->latent_dim, "g_width", c->g_width, "d_width", c->d_width, "lr",
        (double)c->lr, "beta1", (double)c->beta1, "beta2", (double)c->beta2, "loss",
        loss_name(c->loss), "d_norm", dnorm_name(c->d_norm));
    char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    return text;
}

static int path_with_suffix(char *out, const char *path, const char *suffix, cs_error *err)
{
    if ((size_t)snprintf(out, PATH_MAX, "%s%s", path, suffix) >= PATH_MAX)
        return cs_error_set(err, CS_ELIMIT, "%s%s: path too long", path, suffix);
    return CS_OK;
}

/* n images of the gan (NCHW, [-1, 1]) from the fixed sample seed; malloc'd. */
static float *samples(gan *g, uint64_t seed, int n)
{
    const gan_config *c = gan_get_config(g);
    float *out = malloc((size_t)n * (size_t)c->channels * (size_t)c->image_size *
                        (size_t)c->image_size * sizeof(float));
    if (out) gan_sample(g, seed, n, out);
    return out;
}

/* MODEL.grid.png: 8 x 8 samples side by side. */
static int write_grid(gan *g, const char *model_path, cs_error *err)
{
    char path[PATH_MAX];
    int rc = path_with_suffix(path, model_path, ".grid.png", err);
    if (rc != CS_OK) return rc;
    const int n = TRAIN_GRID_SIDE * TRAIN_GRID_SIDE;
    const int channels = gan_get_config(g)->channels;
    float *images = samples(g, TRAIN_GRID_SEED, n);
    dedup_image grid = {.channels = channels, .format = CS_IMAGE_PNG};
    rc = images ? gan_tile_pixels(images, n, channels, gan_get_config(g)->image_size,
                                  TRAIN_GRID_SIDE, 0, &grid.pixels, &grid.width, &grid.height)
                : CS_ENOMEM;
    if (rc != CS_OK) {
        free(images);
        return cs_error_set(err, rc, "%s: out of memory", path);
    }
    free(images);
    cs_buf png;
    cs_buf_init(&png, 0);
    cs_error why;
    cs_error_clear(&why);
    rc = dedup_encode(&grid, CS_IMAGE_PNG, &png, &why);
    free(grid.pixels);
    if (rc != CS_OK)
        cs_error_set(err, rc, "%s: %s", path, why.message);
    else
        rc = cs_write_file_atomic(path, png.data, png.len, err);
    cs_buf_free(&png);
    return rc;
}

static int save(gan *g, const pipeline_train_options *opts, const char *metadata, cs_error *err)
{
    int rc = gan_set_metadata(g, metadata, err);
    if (rc == CS_OK) rc = gan_save(g, opts->model_path, err);
    if (rc == CS_OK) rc = write_grid(g, opts->model_path, err);
    return rc;
}

/* SWD of PIPELINE_TRAIN_SWD_IMAGES samples against as many training images
 * (the first of epoch 0's order, repeated when the export is smaller). */
static int measure(gan *g, train_batches *batches, gan_swd_result *swd, cs_error *err)
{
    const pipeline_train_data *d = batches->data;
    int n = PIPELINE_TRAIN_SWD_IMAGES;
    size_t per = (size_t)d->channels * (size_t)d->size * (size_t)d->size;
    float *real = malloc((size_t)n * per * sizeof(float));
    float *fake = samples(g, TRAIN_SWD_SEED, n);
    int rc = CS_OK;
    if (real == NULL || fake == NULL) {
        rc = cs_error_set(err, CS_ENOMEM, "out of memory for the SWD");
    } else {
        batch_at(batches, 0, n, real);
        rc = gan_swd(real, fake, n, d->channels, d->size, TRAIN_SWD_SEED, swd, err);
    }
    free(real);
    free(fake);
    return rc;
}

/* MODEL.md: the model card. */
static int write_card(const pipeline_train_options *opts, const pipeline_train_data *d,
                      const gan_config *c, const pipeline_train_result *r, cs_error *err)
{
    char path[PATH_MAX], attribution_path[PATH_MAX];
    int rc = path_with_suffix(path, opts->model_path, ".md", err);
    if (rc != CS_OK) return rc;
    if ((size_t)snprintf(attribution_path, sizeof attribution_path, "%s/ATTRIBUTION.md",
                         opts->dataset_dir) >= sizeof attribution_path)
        return cs_error_set(err, CS_ELIMIT, "%s: path too long", opts->dataset_dir);
    const char *slash = strrchr(opts->model_path, '/');
    const char *model_name = slash ? slash + 1 : opts->model_path;
    cs_buf md;
    cs_buf_init(&md, 0);
    int bad = 0;
    bad |= cs_buf_printf(
        &md,
        "# Model card: %s\n\n"
        "A DCGAN (clearset's generator/) trained by `clearset train` on a signed, verified "
        "clearset export of images cleared for training. Its images are synthetic; "
        "`clearset generate` labels them as AI-generated.\n\n"
        "## Data provenance\n\n"
        "| | |\n|---|---|\n"
        "| export folder | `%s` |\n"
        "| manifest SHA-256 | `%s` |\n"
        "| signer key fingerprint | `%s` |\n"
        "| clearance policy | `%s` |\n"
        "| images | %zu (%s, resized to %d x %d) |\n\n"
        "The checkpoint records the manifest's SHA-256 and the signer's public key; "
        "`clearset train --info %s` prints them.\n\n"
        "## Licences\n\n"
        "| licence | images | attribution | ShareAlike |\n|---|---:|---|---|\n",
        model_name, opts->dataset_dir, d->manifest_sha256, d->fingerprint, d->policy, d->count,
        d->channels == 1 ? "grey" : "RGB", d->size, d->size, model_name);
    size_t attribution_images = 0, share_alike = 0;
    for (size_t i = 0; i < d->licence_count; i++) {
        const pipeline_train_licence *l = &d->licences[i];
        bad |= cs_buf_printf(&md, "| %s | %zu | %s | %s |\n", l->spdx, l->count,
                             l->attribution ? "required" : "no", l->share_alike ? "yes" : "no");
        attribution_images += l->attribution ? l->count : 0;
        share_alike += l->share_alike ? l->count : 0;
    }
    bad |= cs_buf_printf(
        &md,
        "\n## Obligations carried over\n\n"
        "- Attribution: %zu of the %zu images are under licences that require credit. "
        "Whoever publishes this model or its outputs as an adaptation of the data should "
        "credit those works as below.\n"
        "- ShareAlike: %s\n\n",
        attribution_images, d->count,
        share_alike ? "some training images are under ShareAlike licences (see the table); if "
                      "the model or its outputs are adaptations of them, they must be shared "
                      "under the same or a compatible licence."
                    : "none of the training images is under a ShareAlike licence.");
    unsigned char *attribution = NULL;
    size_t attribution_len = 0;
    if (cs_read_regular_file(attribution_path, TRAIN_ATTRIBUTION_MAX_BYTES, &attribution,
                             &attribution_len, NULL) == CS_OK) {
        bad |= cs_buf_append_str(&md, "### The export's ATTRIBUTION.md\n\n");
        /* One heading level down, so it nests under this card's headings. */
        for (size_t at = 0; at < attribution_len;) {
            const unsigned char *nl = memchr(attribution + at, '\n', attribution_len - at);
            size_t end = nl ? (size_t)(nl - attribution) + 1 : attribution_len;
            if (attribution[at] == '#') bad |= cs_buf_append_str(&md, "###");
            bad |= cs_buf_append(&md, attribution + at, end - at);
            at = end;
        }
        bad |= cs_buf_append_str(&md, "\n");
    } else {
        bad |= cs_buf_printf(&md, "The credits are in the export's `ATTRIBUTION.md`.\n\n");
    }
    free(attribution);
    bad |= cs_buf_printf(
        &md,
        "## Training settings\n\n"
        "| setting | value |\n|---|---|\n"
        "| steps done | %llu (asked: %llu%s) |\n"
        "| batch | %d |\n| seed | %llu |\n| image size | %d |\n| channels | %d |\n"
        "| latent size | %d |\n| G width / D width | %d / %d |\n"
        "| Adam lr, beta1, beta2 | %g, %g, %g |\n| loss | %s |\n| D normalisation | %s |\n"
        "| checkpoint every | %llu steps |\n\n"
        "## Results\n\n"
        "- Final losses: D %.4f, G %.4f (last step).\n"
        "- SWD (x 1e3, Karras et al. 2018) of %d samples against %d training images: mean "
        "%.2f",
        (unsigned long long)r->step, (unsigned long long)opts->steps,
        r->interrupted ? "; stopped by Ctrl-C"
        : r->timed_out ? "; stopped by the time limit"
                       : "",
        c->batch_size, (unsigned long long)c->seed, d->size, d->channels, c->latent_dim, c->g_width,
        c->d_width, (double)c->lr, (double)c->beta1, (double)c->beta2, loss_name(c->loss),
        dnorm_name(c->d_norm), (unsigned long long)opts->checkpoint_every, (double)r->d_loss,
        (double)r->g_loss, PIPELINE_TRAIN_SWD_IMAGES, PIPELINE_TRAIN_SWD_IMAGES, r->swd.mean);
    for (int l = 0; l < r->swd.levels; l++)
        bad |= cs_buf_printf(&md, "%s%d px %.2f", l == 0 ? " (" : ", ", r->swd.resolution[l],
                             r->swd.distance[l]);
    bad |= cs_buf_printf(&md,
                         "%s. Lower is closer to the data; the training images are "
                         "not held out, so this measures fit, not generalisation.\n",
                         r->swd.levels > 0 ? ")" : "");
    if (bad) rc = cs_error_set(err, CS_ENOMEM, "%s: out of memory", path);
    if (rc == CS_OK) rc = cs_write_file_atomic(path, md.data, md.len, err);
    cs_buf_free(&md);
    return rc;
}

/* The gan to train: a new one, or model_path's with resume. */
static int open_model(const pipeline_train_options *opts, const pipeline_train_data *d, gan **out,
                      cs_error *err)
{
    FILE *exists = fopen(opts->model_path, "rb");
    if (exists) fclose(exists);
    if (!opts->resume && exists)
        return cs_error_set(err, CS_EEXIST, "%s exists; pass --resume to continue training it",
                            opts->model_path);
    if (opts->resume && exists) {
        int rc = gan_load(opts->model_path, opts->threads, out, err);
        if (rc != CS_OK) return rc;
        unsigned char manifest[CS_SHA256_BYTES], signer[GAN_SIGNER_BYTES];
        gan_get_provenance(*out, manifest, signer);
        char hex[CS_SHA256_HEX];
        cs_hex_encode(manifest, CS_SHA256_BYTES, hex);
        if (gan_get_config(*out)->image_size != d->size)
            return cs_error_set(err, CS_EINVAL, "%s is a %d x %d model; resume it with --size %d",
                                opts->model_path, gan_get_config(*out)->image_size,
                                gan_get_config(*out)->image_size, gan_get_config(*out)->image_size);
        if (strcmp(hex, d->manifest_sha256) != 0 || gan_get_config(*out)->channels != d->channels)
            return cs_error_set(err, CS_EINVAL,
                                "%s was trained on another export (manifest %s), not on %s "
                                "(manifest %s)",
                                opts->model_path, hex, opts->dataset_dir, d->manifest_sha256);
        return CS_OK;
    }
    gan_config cfg;
    gan_config_default(&cfg);
    cfg.channels = d->channels;
    cfg.image_size = d->size;
    cfg.batch_size = opts->batch_size;
    cfg.seed = opts->seed;
    if (opts->threads > 0) cfg.threads = opts->threads;
    int rc = gan_new(&cfg, out, err);
    if (rc != CS_OK) return rc;
    unsigned char manifest[CS_SHA256_BYTES];
    cs_hex_decode(d->manifest_sha256, CS_SHA256_BYTES * 2, manifest, CS_SHA256_BYTES);
    gan_set_provenance(*out, manifest, d->signer);
    return CS_OK;
}

static int train_loop(const pipeline_train_options *opts, gan *g, train_batches *batches,
                      const char *metadata, pipeline_train_result *r, cs_error *err)
{
    const gan_config *c = gan_get_config(g);
    const pipeline_train_data *d = batches->data;
    size_t per = (size_t)d->channels * (size_t)d->size * (size_t)d->size;
    float *real = malloc((size_t)c->batch_size * per * sizeof(float));
    if (real == NULL) return cs_error_set(err, CS_ENOMEM, "out of memory for a batch");
    int64_t started = cs_monotonic_ns(), stepping_ns = 0;
    uint64_t first = gan_step_count(g);
    int rc = CS_OK;
    while (rc == CS_OK && gan_step_count(g) < opts->steps) {
        uint64_t step = gan_step_count(g);
        int64_t t0 = cs_monotonic_ns();
        batch_at(batches, step, c->batch_size, real);
        gan_step_stats stats;
        gan_train_step(g, real, NULL, &stats);
        stepping_ns += cs_monotonic_ns() - t0;
        r->d_loss = stats.d_loss;
        r->g_loss = stats.g_loss;
        double elapsed = (double)(cs_monotonic_ns() - started) / 1e9;
        uint64_t done = gan_step_count(g);
        r->interrupted = opts->stop && *opts->stop;
        r->timed_out = opts->time_limit_ms > 0 && elapsed * 1000.0 >= (double)opts->time_limit_ms;
        int checkpoint = done == opts->steps || r->interrupted || r->timed_out ||
                         (opts->checkpoint_every > 0 && done % opts->checkpoint_every == 0);
        if (checkpoint) rc = save(g, opts, metadata, err);
        if (opts->on_progress) {
            double rate = elapsed > 0 ? (double)(done - first) * c->batch_size / elapsed : 0;
            pipeline_train_progress p = {
                .step = done,
                .steps = opts->steps,
                .d_loss = stats.d_loss,
                .g_loss = stats.g_loss,
                .images_per_s = rate,
                .eta_s = rate > 0 ? (double)(opts->steps - done) * c->batch_size / rate : 0,
                .checkpoint = checkpoint,
            };
            opts->on_progress(opts->arg, &p);
        }
        if (r->interrupted || r->timed_out) break;
    }
    r->train_seconds = (double)stepping_ns / 1e9;
    if (stepping_ns > 0)
        r->images_per_s = (double)(gan_step_count(g) - first) * c->batch_size / r->train_seconds;
    /* Nothing to do (already at --steps): the checkpoint still gets today's metadata. */
    if (rc == CS_OK && gan_step_count(g) == first) rc = save(g, opts, metadata, err);
    free(real);
    return rc;
}

int pipeline_train(const pipeline_train_options *opts, pipeline_train_result *result, cs_error *err)
{
    memset(result, 0, sizeof *result);
    if (opts->size != 32 && opts->size != 64)
        return cs_error_set(err, CS_EUNSUPPORTED,
                            "--size %d: the generator is built for 32 x 32 and 64 x 64 images",
                            opts->size);
    pipeline_train_data data;
    int rc = pipeline_train_load(opts->dataset_dir, opts->trusted_keys, opts->size, &data, err);
    if (rc != CS_OK) {
        pipeline_train_data_free(&data);
        return rc;
    }
    result->images = data.count;
    result->channels = data.channels;
    memcpy(result->manifest_sha256, data.manifest_sha256, sizeof result->manifest_sha256);
    memcpy(result->fingerprint, data.fingerprint, sizeof result->fingerprint);
    gan *g = NULL;
    char *metadata = NULL;
    train_batches batches = {.data = &data, .epoch = UINT64_MAX};
    rc = open_model(opts, &data, &g, err);
    if (rc == CS_OK) {
        batches.seed = gan_get_config(g)->seed;
        batches.order = malloc(data.count * sizeof *batches.order);
        metadata = metadata_text(opts, &data, gan_get_config(g));
        if (batches.order == NULL || metadata == NULL)
            rc = cs_error_set(err, CS_ENOMEM, "out of memory");
    }
    if (rc == CS_OK) rc = train_loop(opts, g, &batches, metadata, result, err);
    if (rc == CS_OK) {
        result->step = gan_step_count(g);
        rc = measure(g, &batches, &result->swd, err);
    }
    if (rc == CS_OK) rc = write_card(opts, &data, gan_get_config(g), result, err);
    free(batches.order);
    free(metadata);
    gan_free(g);
    pipeline_train_data_free(&data);
    return rc;
}

int pipeline_train_info(const char *model_path, json_t **out, cs_error *err)
{
    *out = NULL;
    gan *g = NULL;
    int rc = gan_load(model_path, 1, &g, err);
    if (rc != CS_OK) return rc;
    unsigned char manifest[CS_SHA256_BYTES], signer[GAN_SIGNER_BYTES];
    gan_get_provenance(g, manifest, signer);
    char manifest_hex[CS_SHA256_HEX], signer_hex[GAN_SIGNER_BYTES * 2 + 1];
    cs_hex_encode(manifest, CS_SHA256_BYTES, manifest_hex);
    cs_hex_encode(signer, GAN_SIGNER_BYTES, signer_hex);
    const char *text = gan_metadata(g);
    json_t *metadata = text ? json_loads(text, 0, NULL) : json_null();
    *out = json_pack("{s:o, s:I, s:s, s:s, s:o}", "model", pipeline_json_text(model_path), "step",
                     (json_int_t)gan_step_count(g), "manifest_sha256", manifest_hex, "signer",
                     signer_hex, "metadata", metadata ? metadata : json_null());
    gan_free(g);
    if (*out == NULL) return cs_error_set(err, CS_ENOMEM, "%s: out of memory", model_path);
    return CS_OK;
}
