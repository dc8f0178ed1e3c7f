/*
 * generate.c - `clearset generate`: a model's samples, labelled, then audited.
 *
 * 1. The checkpoint: gan_load checks its SHA-256 (CS_ECORRUPT); one without
 *    provenance (an all-zero manifest hash: trained on data nobody verified)
 *    is refused, and so is a --dataset whose manifest.json does not hash to
 *    the one the checkpoint records: the memorisation check must compare with
 *    the data the model saw. The checkpoint does not store the export's path
 *    (it can move), so the caller names it; its hash ties it to the model.
 * 2. The samples: gan_sample(seed), each written as DIR/NNNN.png with the
 *    XMP label (generate_label.c, dedup_encode_png_xmp) and DIR/NNNN.json
 *    (the same facts as JSON); with --grid, DIR/grid.png of them all.
 * 3. The audit is pipeline_audit, exactly as `clearset audit` runs it (same
 *    works, same report), with one second check per image: the
 *    nearest-neighbour distance ratio against the training images
 *    (gan_nn_ratios, Carlini et al. 2023) in pixels at the model's
 *    resolution, the training images read by pipeline_train_load exactly as
 *    `clearset train` read them. A ratio under GAN_MEMORISE_COPY_RATIO
 *    rates the image copy; its entry in the report says which training image
 *    it copies and by how much.
 * 4. Every image rated copy (by the works or by memorisation) moves with its
 *    sidecar to DIR/quarantine/ under the same name.
 */
#include "generator/generator.h"
#include "pipeline/pipeline_internal.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define GENERATE_MAX_IMAGES     100000 /* NNNN.png with 5 digits at most; a run, not a dataset */
#define GENERATE_MAX_CHECKPOINT (1024u * 1024 * 1024) /* hashed in memory */

typedef struct generate_run {
    const pipeline_generate_options *opts;
    pipeline_generate_stats *stats;
    cs_error *err;
    int channels;
    int size; /* the model's image side */
    size_t dim;
    float *samples;               /* count x dim */
    char **paths;                 /* DIR/NNNN.png */
    pipeline_train_data training; /* the export the model was trained on, as train read it */
    gan_nn_ratio *ratios;
    dedup_risk *risks;
    json_t *section;   /* the current image's memorisation entry */
    json_t *licences;  /* the checkpoint metadata's "licences" (train.c), or NULL */
    char *obligations; /* the label's obligations text, or NULL */
    char text[512];
    int next_index; /* where index_of looks first */
} generate_run;

static int hash_file(const char *path, char hex[CS_SHA256_HEX], cs_error *err)
{
    unsigned char *bytes = NULL;
    size_t len = 0;
    int rc = cs_read_regular_file(path, GENERATE_MAX_CHECKPOINT, &bytes, &len, err);
    if (rc == CS_OK) cs_sha256_hex(bytes, len, hex);
    free(bytes);
    return rc;
}

/*
 * The export the model names: its manifest must be the one the checkpoint
 * records (checked first, for a message that says so), and then it is read
 * exactly as `clearset train` read it (pipeline_train_load: verified,
 * decoded and resized the same way), so the memorisation check compares
 * with the pixels the model saw.
 */
static int load_training(generate_run *run)
{
    const char *dir = run->opts->dataset_dir;
    char *manifest_path = NULL;
    if (asprintf(&manifest_path, "%s/manifest.json", dir) < 0) manifest_path = NULL;
    char hex[CS_SHA256_HEX];
    int rc = manifest_path ? hash_file(manifest_path, hex, run->err)
                           : cs_error_set(run->err, CS_ENOMEM, "generate: out of memory");
    free(manifest_path);
    if (rc == CS_OK && strcmp(hex, run->stats->label.manifest_sha256) != 0)
        rc = cs_error_set(run->err, CS_EINVAL,
                          "%s: its manifest.json (sha256 %s) is not the one the model was trained "
                          "on (sha256 %s)",
                          dir, hex, run->stats->label.manifest_sha256);
    if (rc == CS_OK) rc = pipeline_train_load(dir, NULL, run->size, &run->training, run->err);
    if (rc == CS_OK && run->training.channels != run->channels)
        rc = cs_error_set(run->err, CS_EINVAL,
                          "%s: its images have %d channels, the model %d: not its training data",
                          dir, run->training.channels, run->channels);
    run->stats->training = run->training.count;
    return rc;
}

/* DIR/NNNN.png -> DIR/NNNN.json (new string; NULL when out of memory). */
static char *sidecar_path(const char *png_path)
{
    char *path = NULL;
    if (asprintf(&path, "%.*s.json", (int)(strlen(png_path) - 4), png_path) < 0) return NULL;
    return path;
}

static int write_sidecar(generate_run *run, size_t index, cs_error *err)
{
    const pipeline_generated_label *l = &run->stats->label;
    char *path = sidecar_path(run->paths[index]);
    json_t *o =
        path ? json_pack("{s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:o, s:O?, s:s}", "file",
                         strrchr(run->paths[index], '/') + 1, "index", (json_int_t)index, "seed",
                         (json_int_t)run->opts->seed, "model_sha256", l->model_sha256,
                         "manifest_sha256", l->manifest_sha256, "signer", l->signer,
                         "digital_source_type", PIPELINE_DIGITAL_SOURCE_TYPE, "obligations",
                         l->obligations && l->obligations[0] ? json_string(l->obligations)
                                                             : json_null(),
                         "licences", run->licences, "label",
                         "AI-generated by clearset generate (trainedAlgorithmicMedia)")
             : NULL;
    char *text = o ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    int rc = text ? cs_write_file_atomic(path, text, strlen(text), err)
                  : cs_error_set(err, CS_ENOMEM, "generate: out of memory");
    free(text);
    json_decref(o);
    free(path);
    return rc;
}

static int write_png(const char *path, const dedup_image *img, const cs_buf *xmp, cs_error *err)
{
    cs_buf png;
    cs_buf_init(&png, 0);
    int rc = xmp ? dedup_encode_png_xmp(img, (const char *)xmp->data, xmp->len, &png, err)
                 : dedup_encode(img, CS_IMAGE_PNG, &png, err);
    if (rc == CS_OK) rc = cs_write_file_atomic(path, png.data, png.len, err);
    cs_buf_free(&png);
    return rc;
}

static int write_samples(generate_run *run)
{
    const pipeline_generate_options *o = run->opts;
    int side = run->size, c = run->channels;
    cs_buf xmp;
    cs_buf_init(&xmp, 0);
    int rc = pipeline_generated_xmp(&run->stats->label, &xmp);
    if (rc != CS_OK) rc = cs_error_set(run->err, CS_ENOMEM, "generate: out of memory");
    for (int i = 0; rc == CS_OK && i < o->count; i++) {
        dedup_image img = {.channels = c};
        if (gan_tile_pixels(run->samples + (size_t)i * run->dim, 1, c, side, 1, 0, &img.pixels,
                            &img.width, &img.height) != CS_OK)
            rc = cs_error_set(run->err, CS_ENOMEM, "generate: out of memory");
        if (rc == CS_OK) rc = write_png(run->paths[i], &img, &xmp, run->err);
        if (rc == CS_OK) rc = write_sidecar(run, (size_t)i, run->err);
        if (rc == CS_OK) run->stats->images++;
        free(img.pixels);
    }
    if (rc == CS_OK && o->grid) { /* a near-square grid, in sample order, 2 px gaps */
        int cols = (int)ceil(sqrt((double)o->count));
        dedup_image img = {.channels = c};
        char *path = NULL;
        if (gan_tile_pixels(run->samples, o->count, c, side, cols, 2, &img.pixels, &img.width,
                            &img.height) != CS_OK ||
            asprintf(&path, "%s/grid.png", o->out_dir) < 0) {
            path = NULL;
            rc = cs_error_set(run->err, CS_ENOMEM, "generate: out of memory");
        }
        if (rc == CS_OK) rc = write_png(path, &img, &xmp, run->err);
        free(path);
        free(img.pixels);
    }
    cs_buf_free(&xmp);
    return rc;
}

/* The sample path names: the audit takes the queries in order, so the one after the last
 * found is tried first (a linear pass over the run, not a scan per image). */
static long index_of(generate_run *run, const char *path)
{
    for (int tried = 0; tried < run->opts->count; tried++) {
        int i = (run->next_index + tried) % run->opts->count;
        if (strcmp(run->paths[i], path) == 0) {
            run->next_index = i;
            return i;
        }
    }
    return -1;
}

/* The audit's second check: this image's memorisation ratio, computed up front. */
static int memorisation(void *arg, const char *path, pipeline_audit_extra *out, cs_error *err)
{
    generate_run *run = arg;
    json_decref(run->section);
    run->section = NULL;
    long i = index_of(run, path);
    if (i < 0) return CS_OK;
    const gan_nn_ratio *r = &run->ratios[i];
    int copy = r->k >= 2 && r->ratio < GAN_MEMORISE_COPY_RATIO;
    char nearest_path[PATH_MAX];
    const char *nearest = NULL;
    if (run->training.count > 0) {
        snprintf(nearest_path, sizeof nearest_path, "%s/%s", run->opts->dataset_dir,
                 run->training.files[r->nearest]);
        nearest = nearest_path;
    }
    char space[64];
    snprintf(space, sizeof space, "pixels, %dx%d %s, [-1, 1]", run->size, run->size,
             run->channels == 1 ? "grey" : "RGB");
    run->section = json_pack(
        "{s:s, s:s, s:i, s:o, s:f, s:f, s:f, s:f, s:b}", "measure",
        "l2 nearest-neighbour distance / mean l2 distance to the k nearest training images "
        "(Carlini et al. 2023)",
        "space", space, "k", r->k, "nearest", pipeline_json_text(nearest), "distance", r->distance,
        "mean_distance", r->mean_distance, "ratio", r->ratio, "threshold", GAN_MEMORISE_COPY_RATIO,
        "memorised", copy);
    if (!run->section) return cs_error_set(err, CS_ENOMEM, "generate: out of memory");
    if (copy) {
        run->stats->memorised++;
        snprintf(run->text, sizeof run->text,
                 "Memorised: a copy of the training image %s (nearest-neighbour distance ratio "
                 "%.3f < %.3f over its %d nearest training images); quarantined.",
                 nearest, r->ratio, GAN_MEMORISE_COPY_RATIO, r->k);
    } else if (r->k >= 2) {
        snprintf(run->text, sizeof run->text,
                 "Not memorised: nearest-neighbour distance ratio %.3f (a copy is under %.3f); "
                 "nearest training image %s.",
                 r->ratio, GAN_MEMORISE_COPY_RATIO, nearest);
    } else {
        snprintf(run->text, sizeof run->text,
                 "Memorisation not measured: the ratio needs at least 2 training images.");
    }
    *out = (pipeline_audit_extra){.section = run->section, .text = run->text, .copy = copy};
    return CS_OK;
}

static void record_risk(void *arg, const char *path, dedup_risk risk)
{
    generate_run *run = arg;
    long i = index_of(run, path);
    if (i >= 0) run->risks[i] = risk;
}

static int move_into(const char *from, const char *dir, cs_error *err)
{
    const char *name = strrchr(from, '/');
    char *to = NULL;
    if (asprintf(&to, "%s%s", dir, name ? name : "/") < 0)
        return cs_error_set(err, CS_ENOMEM, "generate: out of memory");
    int rc = rename(from, to) == 0 ? CS_OK
                                   : cs_error_set(err, CS_EIO, "%s: cannot move into %s: %s", from,
                                                  dir, strerror(errno));
    free(to);
    return rc;
}

static int quarantine(generate_run *run)
{
    char *dir = NULL;
    if (asprintf(&dir, "%s/quarantine", run->opts->out_dir) < 0)
        return cs_error_set(run->err, CS_ENOMEM, "generate: out of memory");
    int rc = CS_OK;
    for (int i = 0; rc == CS_OK && i < run->opts->count; i++) {
        if (run->risks[i] != DEDUP_RISK_COPY) continue;
        rc = cs_mkdir_p(dir, run->err);
        char *sidecar = rc == CS_OK ? sidecar_path(run->paths[i]) : NULL;
        if (rc == CS_OK && !sidecar) rc = cs_error_set(run->err, CS_ENOMEM, "out of memory");
        if (rc == CS_OK) rc = move_into(run->paths[i], dir, run->err);
        if (rc == CS_OK) rc = move_into(sidecar, dir, run->err);
        free(sidecar);
        if (rc == CS_OK) run->stats->quarantined++;
    }
    free(dir);
    return rc;
}

/*
 * The licence obligations text from the checkpoint's metadata (train.c writes
 * "licences" and "obligations"), e.g. "Trained on CC-BY-4.0 (3 images,
 * attribution required) and CC0-1.0 (1 image) images; attribution: see
 * ATTRIBUTION.md of the training export". A checkpoint without metadata
 * (format 1, or not made by `clearset train`) gives no text.
 */
static int read_obligations(generate_run *run, const gan *model)
{
    const char *metadata = gan_metadata(model);
    if (!metadata) return CS_OK;
    json_t *m = json_loads(metadata, 0, NULL);
    json_t *licences = json_object_get(m, "licences");
    json_t *obligations = json_object_get(m, "obligations");
    if (!json_is_array(licences) || json_array_size(licences) == 0) {
        json_decref(m);
        return CS_OK;
    }
    cs_buf text;
    cs_buf_init(&text, 0);
    int rc = cs_buf_append_str(&text, "Trained on ");
    size_t i, n = json_array_size(licences);
    json_t *l;
    json_array_foreach(licences, i, l)
    {
        json_int_t images = json_integer_value(json_object_get(l, "images"));
        const char *spdx = json_string_value(json_object_get(l, "spdx"));
        if (rc == CS_OK)
            rc = cs_buf_printf(
                &text, "%s%s (%lld image%s%s%s)",
                i == 0       ? ""
                : i == n - 1 ? " and "
                             : ", ",
                spdx ? spdx : "unknown", (long long)images, images == 1 ? "" : "s",
                json_is_true(json_object_get(l, "attribution")) ? ", attribution required" : "",
                json_is_true(json_object_get(l, "share_alike")) ? ", ShareAlike" : "");
    }
    const char *file = json_string_value(json_object_get(obligations, "attribution_file"));
    if (rc == CS_OK) rc = cs_buf_append_str(&text, " images");
    if (rc == CS_OK && file)
        rc = cs_buf_printf(&text, "; attribution: see %s of the training export", file);
    if (rc == CS_OK) rc = cs_buf_append(&text, "", 1);
    if (rc == CS_OK) {
        run->obligations = (char *)cs_buf_take(&text, NULL);
        run->licences = json_incref(licences);
        run->stats->label.obligations = run->obligations;
    }
    cs_buf_free(&text);
    json_decref(m);
    return rc == CS_OK ? CS_OK : cs_error_set(run->err, CS_ENOMEM, "generate: out of memory");
}

static int load_model(generate_run *run, gan **model, unsigned char manifest[CS_SHA256_BYTES])
{
    const pipeline_generate_options *o = run->opts;
    struct stat st;
    if (stat(o->model_path, &st) != 0) /* a wrong name is the user's to fix: usage, not runtime */
        return cs_error_set(run->err, errno == ENOENT ? CS_ENOTFOUND : CS_EIO, "%s: %s",
                            o->model_path, strerror(errno));
    int rc = gan_load(o->model_path, 0, model, run->err);
    if (rc != CS_OK) return rc;
    unsigned char signer[GAN_SIGNER_BYTES];
    gan_get_provenance(*model, manifest, signer);
    static const unsigned char zero[CS_SHA256_BYTES];
    if (memcmp(manifest, zero, sizeof zero) == 0)
        return cs_error_set(run->err, CS_EINVAL,
                            "%s: the model has no provenance (no training manifest hash): it was "
                            "not trained on a verified export",
                            o->model_path);
    pipeline_generated_label *l = &run->stats->label;
    cs_hex_encode(manifest, CS_SHA256_BYTES, l->manifest_sha256);
    cs_hex_encode(signer, GAN_SIGNER_BYTES, l->signer);
    rc = read_obligations(run, *model);
    if (rc != CS_OK) return rc;
    run->channels = gan_get_config(*model)->channels;
    run->size = gan_get_config(*model)->image_size;
    run->dim = (size_t)run->channels * (size_t)run->size * (size_t)run->size;
    return hash_file(o->model_path, l->model_sha256, run->err);
}

static void free_run(generate_run *run)
{
    for (int i = 0; run->paths && i < run->opts->count; i++)
        free(run->paths[i]);
    free(run->paths);
    pipeline_train_data_free(&run->training);
    free(run->samples);
    free(run->ratios);
    free(run->risks);
    json_decref(run->section);
    json_decref(run->licences);
    free(run->obligations);
    run->stats->label.obligations = NULL; /* it pointed into the run */
}

int pipeline_generate(catalog *cat, const pipeline_generate_options *opts,
                      pipeline_generate_stats *stats, cs_error *err)
{
    memset(stats, 0, sizeof *stats);
    if (opts->count < 1 || opts->count > GENERATE_MAX_IMAGES)
        return cs_error_set(err, CS_EINVAL, "generate: -n must be 1..%d", GENERATE_MAX_IMAGES);
    generate_run run = {.opts = opts, .stats = stats, .err = err};
    gan *model = NULL;
    unsigned char manifest[CS_SHA256_BYTES];
    int rc = load_model(&run, &model, manifest);
    if (rc == CS_OK) rc = load_training(&run);
    size_t n = (size_t)opts->count;
    if (rc == CS_OK) {
        run.samples = malloc(n * run.dim * sizeof(float));
        run.paths = calloc(n, sizeof *run.paths);
        run.ratios = calloc(n, sizeof *run.ratios);
        run.risks = calloc(n, sizeof *run.risks);
        if (!run.samples || !run.paths || !run.ratios || !run.risks)
            rc = cs_error_set(err, CS_ENOMEM, "generate: out of memory");
    }
    for (size_t i = 0; rc == CS_OK && i < n; i++)
        if (asprintf(&run.paths[i], "%s/%04zu.png", opts->out_dir, i) < 0) {
            run.paths[i] = NULL;
            rc = cs_error_set(err, CS_ENOMEM, "generate: out of memory");
        }
    if (rc == CS_OK) rc = cs_mkdir_p(opts->out_dir, err);
    if (rc == CS_OK) {
        gan_sample(model, opts->seed, opts->count, run.samples);
        rc = write_samples(&run);
    }
    if (rc == CS_OK)
        rc = gan_nn_ratios(run.samples, n, run.training.images, run.training.count, run.dim,
                           GAN_MEMORISE_K, run.ratios, err);
    if (rc == CS_OK) {
        pipeline_audit_options audit = opts->audit;
        audit.report_dir = opts->out_dir;
        audit.queries = (const char *const *)run.paths;
        audit.query_count = n;
        audit.extra = memorisation;
        audit.on_image = record_risk;
        audit.allow_no_works = 1;
        /* progress and file errors go to the caller's arg; the two hooks need the run */
        audit.arg = &run;
        audit.on_progress = NULL;
        audit.on_file_error = NULL;
        rc = pipeline_audit(cat, &audit, &stats->audit, err);
    }
    if (rc == CS_OK) rc = quarantine(&run);
    gan_free(model);
    free_run(&run);
    return rc;
}
