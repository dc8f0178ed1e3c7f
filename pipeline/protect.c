/*
 * protect.c - `clearset protect`: registering the works whose owners say no,
 * so that `audit` flags copies of them and clearance blocks their launderings.
 *
 * Each image file of the PATHs (pipeline_each_image_file: files as given,
 * folders walked) is read and decoded once (dedup_analyze: hashes and local
 * features together), then written in one transaction: the bytes as an image
 * registered as a protected work (catalog_protect), its hashes row and its
 * serialised local features. Storing the hashes and features here, not in a
 * later `dedup` run, lets `audit` compare against a work the moment it is
 * registered, and a transaction per work means a registered work always has
 * both. A file that cannot be read or decoded is reported and skipped; the
 * rest are registered (the caller decides the exit status).
 */
#include "pipeline/pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct protect_run {
    catalog *cat;
    const pipeline_protect_options *opts;
    pipeline_protect_stats *stats;
    cs_error *err; /* the catalog's failure, which ends the run */
} protect_run;

static void file_failed(protect_run *run, const char *path, const cs_error *why)
{
    run->stats->failed++;
    if (run->opts->on_file_error) run->opts->on_file_error(run->opts->arg, path, why);
}

/* Registers one analysed work: catalog_protect, hashes, local features, one transaction. */
static int store_work(protect_run *run, const char *path, const unsigned char *bytes, size_t len,
                      const dedup_hashes *h, const dedup_local *local, pipeline_protected_work *out)
{
    char media_type[32];
    snprintf(media_type, sizeof media_type, "image/%s", dedup_format_name(h->format));
    /* the catalog outlives the working directory: keep where the file really is */
    char *absolute = realpath(path, NULL);
    catalog_protect_info info = {.path = absolute ? absolute : path,
                                 .owner = run->opts->owner,
                                 .note = run->opts->note,
                                 .width = h->width,
                                 .height = h->height,
                                 .media_type = media_type};
    cs_buf features;
    cs_buf_init(&features, DEDUP_LOCAL_MAX_BYTES);
    int rc = dedup_local_serialize(local, &features, run->err);
    if (rc != CS_OK) {
        cs_buf_free(&features);
        free(absolute);
        return rc;
    }
    int64_t image_id = 0;
    int added = 0;
    rc = catalog_begin(run->cat, run->err);
    if (rc != CS_OK) {
        cs_buf_free(&features);
        free(absolute);
        return rc;
    }
    rc = catalog_protect(run->cat, bytes, len, &info, &image_id, &added, run->err);
    if (rc == CS_OK) {
        catalog_hash_row row = {.image_id = image_id,
                                .pdq_quality = h->pdq_quality,
                                .width = h->width,
                                .height = h->height};
        pdq_hash_to_hex(&h->pdq, row.pdq);
        phash_to_hex(h->phash, row.phash);
        rc = catalog_put_hashes(run->cat, &row, run->err);
    }
    int keypoints = (int)dedup_local_count(local);
    if (rc == CS_OK)
        rc = catalog_put_local_features(run->cat, image_id, features.data, features.len, keypoints,
                                        run->err);
    cs_buf_free(&features);
    free(absolute);
    if (rc == CS_OK)
        rc = catalog_commit(run->cat, run->err);
    else
        catalog_rollback(run->cat);
    if (rc != CS_OK) return rc;
    *out = (pipeline_protected_work){.image_id = image_id,
                                     .path = path,
                                     .sha256 = h->sha256,
                                     .owner = run->opts->owner,
                                     .note = run->opts->note,
                                     .keypoints = keypoints,
                                     .width = h->width,
                                     .height = h->height,
                                     .added = added};
    return CS_OK;
}

static int protect_file(void *arg, const char *path, const cs_error *problem)
{
    protect_run *run = arg;
    if (problem) {
        file_failed(run, path, problem);
        return CS_OK;
    }
    cs_error why;
    cs_error_clear(&why);
    unsigned char *bytes = NULL;
    size_t len = 0;
    dedup_hashes h;
    dedup_local *local = NULL;
    int rc = cs_read_regular_file(path, PIPELINE_MAX_IMAGE_BYTES, &bytes, &len, &why);
    if (rc == CS_OK) rc = dedup_analyze(bytes, len, run->opts->max_pixels, &h, &local, &why);
    if (rc == CS_ENOMEM) {
        free(bytes);
        return cs_error_set(run->err, rc, "%s: out of memory", path);
    }
    if (rc != CS_OK) {
        if (why.message[0] == '\0') cs_error_set(&why, rc, "%s", cs_strerror(rc));
        file_failed(run, path, &why);
        free(bytes);
        return CS_OK;
    }
    pipeline_protected_work work;
    rc = store_work(run, path, bytes, len, &h, local, &work);
    free(bytes);
    dedup_local_free(local);
    if (rc != CS_OK) return rc;
    run->stats->registered++;
    if (run->opts->on_work) run->opts->on_work(run->opts->arg, &work);
    return CS_OK;
}

int pipeline_protect(catalog *cat, const char *const *paths, size_t count,
                     const pipeline_protect_options *opts, pipeline_protect_stats *stats,
                     cs_error *err)
{
    memset(stats, 0, sizeof *stats);
    protect_run run = {cat, opts, stats, err};
    int rc = pipeline_each_image_file(paths, count, protect_file, &run);
    if (rc != CS_OK && err && err->code == CS_OK) cs_error_set(err, rc, "protect: out of memory");
    return rc;
}

/* The keypoints stored for image_id: -1 when none are (or they do not read). */
static int stored_keypoints(catalog *cat, int64_t image_id, cs_error *err)
{
    unsigned char *data = NULL;
    size_t n = 0;
    int rc = catalog_get_local_features(cat, image_id, &data, &n, err);
    if (rc == CS_ENOTFOUND) {
        cs_error_clear(err);
        return -1;
    }
    if (rc != CS_OK) return rc;
    dedup_local *local = NULL;
    int keypoints = -1;
    if (dedup_local_deserialize(data, n, &local, NULL) == CS_OK)
        keypoints = (int)dedup_local_count(local);
    dedup_local_free(local);
    free(data);
    return keypoints;
}

int pipeline_protected_list(catalog *cat,
                            void (*each)(void *arg, const pipeline_protected_work *work), void *arg,
                            cs_error *err)
{
    catalog_protected_work *works = NULL;
    size_t count = 0;
    int rc = catalog_protected_list(cat, &works, &count, err);
    for (size_t i = 0; rc == CS_OK && i < count; i++) {
        int keypoints = stored_keypoints(cat, works[i].image_id, err);
        if (keypoints < -1) {
            rc = keypoints;
            break;
        }
        pipeline_protected_work w = {.image_id = works[i].image_id,
                                     .path = works[i].path,
                                     .sha256 = works[i].sha256,
                                     .owner = works[i].owner,
                                     .note = works[i].note,
                                     .keypoints = keypoints,
                                     .added = 1,
                                     .registered_at = works[i].registered_at};
        each(arg, &w);
    }
    catalog_protected_works_free(works, count);
    return rc;
}
