/*
 * train_data.c - the gate in front of `clearset train`: a folder becomes
 * training data only when it is a signed clearset export that verifies, and
 * then its images become the float tensor generator/ trains on.
 *
 * How it works:
 * 1. manifest_verify_dir, the same check as `clearset verify`: the signature
 *    over manifest.json, every listed file's size and SHA-256, nothing
 *    unlisted. Any problem refuses the folder, naming the first one.
 * 2. With a trusted-keys file, the signer's fingerprint (manifest.h's format:
 *    SHA-256 hex of the public key's DER, what `keygen` and `verify` print)
 *    must be one of its lines; blank lines and lines starting with '#' are
 *    skipped, and a line may carry a comment after the fingerprint.
 * 3. manifest.json (manifest_parse for the listing; its "policy" field for
 *    the model card) and metadata.jsonl (covered by the manifest's hash):
 *    every line must say "verdict": "cleared" (export writes it per image)
 *    and name a file the manifest lists; every listed image must have a line.
 *    Only imagefolder exports are read (webdataset shards are refused as
 *    unsupported).
 * 4. Every image is decoded (dedup_decode), its largest centred square
 *    resampled to size x size (dedup_square_resize), and stored as bytes;
 *    when every image is grey the tensor has one channel, else three (grey
 *    images repeated). Memory: at most PIPELINE_TRAIN_MAX_IMAGES images,
 *    3 bytes + channels x 4 bytes per pixel: 32x32 RGB is 15 KiB an image,
 *    1.5 GB at the limit; one decoded original at a time besides.
 */
#include "pipeline/pipeline_internal.h"

#include "dataset/manifest.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The trusted-keys file lists fingerprints; a few KiB in practice. */
#define TRAIN_KEYS_MAX_BYTES (1024 * 1024)
/* metadata.jsonl: one short line per image. */
#define TRAIN_METADATA_MAX_BYTES (512u * 1024 * 1024)
/* An export image: export copies originals, which the crawler bounds far lower. */
#define TRAIN_IMAGE_MAX_BYTES (64u * 1024 * 1024)
/* Decoding bound (as the crawler's): refuses decompression bombs. */
#define TRAIN_MAX_PIXELS (64u * 1024 * 1024)

void pipeline_train_data_free(pipeline_train_data *d)
{
    if (d == NULL) return;
    free(d->images);
    for (size_t i = 0; d->files && i < d->count; i++)
        free(d->files[i]);
    free(d->files);
    free(d->policy);
    for (size_t i = 0; i < d->licence_count; i++)
        free(d->licences[i].spdx);
    free(d->licences);
    memset(d, 0, sizeof *d);
}

/* Is fingerprint one of the lines of the trusted-keys file? */
static int check_trusted(const char *keys_path, const char *fingerprint, cs_error *err)
{
    unsigned char *bytes = NULL;
    size_t len = 0;
    int rc = cs_read_regular_file(keys_path, TRAIN_KEYS_MAX_BYTES, &bytes, &len, err);
    if (rc != CS_OK) return rc;
    size_t fp_len = strlen(fingerprint);
    int found = 0;
    for (size_t at = 0; at < len && !found;) {
        const unsigned char *nl = memchr(bytes + at, '\n', len - at);
        size_t end = nl ? (size_t)(nl - bytes) : len, i = at;
        while (i < end && (bytes[i] == ' ' || bytes[i] == '\t'))
            i++;
        if (end - i >= fp_len && strncasecmp((const char *)bytes + i, fingerprint, fp_len) == 0 &&
            (end - i == fp_len || bytes[i + fp_len] == ' ' || bytes[i + fp_len] == '\t' ||
             bytes[i + fp_len] == '\r' || bytes[i + fp_len] == '#'))
            found = 1;
        at = end + 1;
    }
    free(bytes);
    if (!found)
        return cs_error_set(err, CS_EINVAL,
                            "untrusted signer: key fingerprint %s is not in --trusted-keys %s",
                            fingerprint, keys_path);
    return CS_OK;
}

static int add_licence(pipeline_train_data *d, const char *spdx)
{
    for (size_t i = 0; i < d->licence_count; i++)
        if (strcmp(d->licences[i].spdx, spdx) == 0) {
            d->licences[i].count++;
            return CS_OK;
        }
    int rc = cs_array_reserve((void **)&d->licences, &d->licence_cap, d->licence_count,
                              sizeof *d->licences, PIPELINE_TRAIN_MAX_IMAGES);
    if (rc != CS_OK) return rc;
    pipeline_train_licence *l = &d->licences[d->licence_count];
    memset(l, 0, sizeof *l);
    l->spdx = strdup(spdx);
    if (l->spdx == NULL) return CS_ENOMEM;
    license_info info;
    if (license_from_spdx(spdx, &info) == CS_OK) {
        l->attribution = info.attribution;
        l->share_alike = info.share_alike;
    } else {
        l->attribution = 1; /* an unknown licence: credit the author to be safe */
    }
    l->count = 1;
    d->licence_count++;
    return CS_OK;
}

static const manifest_file *listed(const manifest_listing *listing, const char *path)
{
    size_t lo = 0, hi = listing->file_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(listing->files[mid].path, path);
        if (c == 0) return &listing->files[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* One image file: decoded, squared and resized into pixels (size x size x 3). */
static int load_image(const char *dir, const manifest_file *file, int size, unsigned char *pixels,
                      int *grey, cs_error *err)
{
    const char *file_name = file->path;
    char path[PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, file_name) >= sizeof path)
        return cs_error_set(err, CS_ELIMIT, "%s/%s: path too long", dir, file_name);
    unsigned char *bytes = NULL;
    size_t len = 0;
    int rc = cs_read_regular_file(path, TRAIN_IMAGE_MAX_BYTES, &bytes, &len, err);
    if (rc != CS_OK) return rc;
    char sha256[CS_SHA256_HEX];
    cs_sha256_hex(bytes, len, sha256);
    if (strcmp(sha256, file->sha256) != 0) {
        free(bytes);
        return cs_error_set(err, CS_ECORRUPT, "%s: content differs from the manifest", path);
    }
    dedup_decode_options opts = {.max_pixels = TRAIN_MAX_PIXELS};
    dedup_image img = {0}, small = {0};
    cs_error why;
    cs_error_clear(&why);
    rc = dedup_decode(bytes, len, &opts, &img, &why);
    free(bytes);
    if (rc == CS_OK) rc = dedup_square_resize(&img, size, &small, &why);
    dedup_image_free(&img);
    if (rc != CS_OK) {
        dedup_image_free(&small);
        return cs_error_set(err, rc, "%s: %s", path, why.message);
    }
    *grey = small.channels == 1;
    size_t n = (size_t)size * (size_t)size;
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < 3; c++)
            pixels[i * 3 + (size_t)c] =
                small.pixels[i * (size_t)small.channels + (size_t)(small.channels == 1 ? 0 : c)];
    dedup_image_free(&small);
    return CS_OK;
}

/* bytes (count x size x size x 3, interleaved) into d->images (NCHW in [-1, 1]). */
static int to_tensor(pipeline_train_data *d, const unsigned char *bytes, cs_error *err)
{
    size_t plane = (size_t)d->size * (size_t)d->size, per = plane * (size_t)d->channels;
    d->images = malloc(d->count * per * sizeof(float));
    if (d->images == NULL)
        return cs_error_set(err, CS_ENOMEM, "out of memory for %zu training images", d->count);
    for (size_t k = 0; k < d->count; k++)
        for (int c = 0; c < d->channels; c++)
            for (size_t i = 0; i < plane; i++)
                d->images[k * per + (size_t)c * plane + i] =
                    gan_pixel_to_value(bytes[(k * plane + i) * 3 + (size_t)c]);
    return CS_OK;
}

/* Step 3 and 4 over metadata.jsonl's lines. */
static int read_metadata(const char *dir, const manifest_listing *listing, int size,
                         pipeline_train_data *d, cs_error *err)
{
    char path[PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s/metadata.jsonl", dir) >= sizeof path)
        return cs_error_set(err, CS_ELIMIT, "%s: path too long", dir);
    if (!listed(listing, "metadata.jsonl"))
        return cs_error_set(err, listed(listing, "ATTRIBUTION.md") ? CS_EUNSUPPORTED : CS_EFORMAT,
                            "%s: no metadata.jsonl in the manifest (train reads imagefolder "
                            "exports only)",
                            dir);
    unsigned char *bytes = NULL;
    size_t len = 0;
    int rc = cs_read_regular_file(path, TRAIN_METADATA_MAX_BYTES, &bytes, &len, err);
    if (rc != CS_OK) return rc;
    unsigned char *pixels = NULL;
    size_t cap = 0, files_cap = 0, image_files = 0, line_no = 0;
    for (size_t i = 0; i < listing->file_count; i++)
        image_files += strncmp(listing->files[i].path, "images/", 7) == 0;
    int all_grey = 1;
    d->size = size;
    for (size_t at = 0; at < len && rc == CS_OK;) {
        const unsigned char *nl = memchr(bytes + at, '\n', len - at);
        size_t end = nl ? (size_t)(nl - bytes) : len;
        line_no++;
        if (end == at) {
            at = end + 1;
            continue;
        }
        json_error_t jerr;
        json_t *o = json_loadb((const char *)bytes + at, end - at, JSON_REJECT_DUPLICATES, &jerr);
        at = end + 1;
        const char *file = json_string_value(json_object_get(o, "file_name"));
        const char *verdict = json_string_value(json_object_get(o, "verdict"));
        const char *spdx = json_string_value(json_object_get(o, "license"));
        if (o == NULL || file == NULL)
            rc = cs_error_set(err, CS_EFORMAT, "%s line %zu: not an export metadata line", path,
                              line_no);
        else if (verdict == NULL || strcmp(verdict, "cleared") != 0)
            rc = cs_error_set(err, CS_EINVAL,
                              "%s line %zu: image %s is not cleared (verdict: %s); train uses "
                              "cleared images only",
                              path, line_no, file, verdict ? verdict : "none recorded");
        else if (!listed(listing, file))
            rc = cs_error_set(err, CS_EFORMAT, "%s line %zu: %s is not in the manifest", path,
                              line_no, file);
        else if (d->count >= PIPELINE_TRAIN_MAX_IMAGES)
            rc = cs_error_set(err, CS_ELIMIT, "%s: more than %d images", path,
                              PIPELINE_TRAIN_MAX_IMAGES);
        else if ((rc = cs_array_reserve((void **)&pixels, &cap, d->count,
                                        (size_t)size * (size_t)size * 3,
                                        PIPELINE_TRAIN_MAX_IMAGES)) != CS_OK)
            cs_error_set(err, rc, "out of memory for %zu images", d->count + 1);
        else if ((rc = cs_array_reserve((void **)&d->files, &files_cap, d->count, sizeof(char *),
                                        PIPELINE_TRAIN_MAX_IMAGES)) != CS_OK ||
                 (rc = add_licence(d, spdx ? spdx : "unknown")) != CS_OK ||
                 (d->files[d->count] = strdup(file)) == NULL)
            rc = cs_error_set(err, CS_ENOMEM, "out of memory");
        else {
            int grey = 0;
            d->count++; /* files[count - 1] is owned from here on */
            rc = load_image(dir, listed(listing, file), size,
                            pixels + (d->count - 1) * (size_t)size * (size_t)size * 3, &grey, err);
            all_grey &= grey;
        }
        json_decref(o);
    }
    free(bytes);
    if (rc == CS_OK && d->count != image_files)
        rc = cs_error_set(err, CS_EFORMAT,
                          "%s: lists %zu images but the manifest lists %zu files under images/",
                          path, d->count, image_files);
    if (rc == CS_OK && d->count == 0)
        rc = cs_error_set(err, CS_EINVAL, "%s: the export holds no images", dir);
    if (rc == CS_OK) {
        d->channels = all_grey ? 1 : 3;
        rc = to_tensor(d, pixels, err);
    }
    free(pixels);
    return rc;
}

int pipeline_train_load(const char *dir, const char *trusted_keys, int size,
                        pipeline_train_data *out, cs_error *err)
{
    memset(out, 0, sizeof *out);
    manifest_report report;
    cs_error why;
    cs_error_clear(&why);
    int rc = manifest_verify_dir(dir, NULL, &report, &why);
    if (rc == CS_ENOTFOUND)
        rc = cs_error_set(err, CS_ENOTFOUND, "%s is not a clearset export: %s", dir, why.message);
    else if (rc != CS_OK)
        cs_error_set(err, rc, "%s", why.message);
    else if (!report.signature_ok)
        rc = cs_error_set(err, CS_ECORRUPT,
                          "%s: bad signature: manifest.sig does not verify over manifest.json "
                          "with signer.pub",
                          dir);
    else if (report.problem_count > 0)
        rc = cs_error_set(err, CS_ECORRUPT,
                          "%s: %s: %s (and %zu more problems); run clearset "
                          "verify for all of them",
                          dir, report.problems[0].path, report.problems[0].message,
                          report.problem_count - 1);
    if (rc == CS_OK) {
        memcpy(out->fingerprint, report.fingerprint, sizeof out->fingerprint);
        if (trusted_keys) rc = check_trusted(trusted_keys, report.fingerprint, err);
    }
    manifest_report_free(&report);
    if (rc != CS_OK) return rc;

    char path[PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s/signer.pub", dir) >= sizeof path)
        return cs_error_set(err, CS_ELIMIT, "%s: path too long", dir);
    rc = manifest_public_key_raw(path, out->signer, err);
    if (rc != CS_OK) return rc;
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    unsigned char *bytes = NULL;
    size_t len = 0;
    /* manifest_verify_dir checked it; the hash recorded is of the bytes read
     * here, and each image is checked again against this listing as it is
     * read, so an image swapped after the check is still refused. */
    rc = cs_read_regular_file(path, PIPELINE_TRAIN_MANIFEST_MAX_BYTES, &bytes, &len, err);
    if (rc != CS_OK) return rc;
    cs_sha256_hex(bytes, len, out->manifest_sha256);
    manifest_listing listing;
    rc = manifest_parse(bytes, len, &listing, &why);
    if (rc != CS_OK) cs_error_set(err, rc, "%s: %s", path, why.message);
    json_t *doc = rc == CS_OK ? json_loadb((const char *)bytes, len, 0, NULL) : NULL;
    free(bytes);
    const char *policy = json_string_value(json_object_get(json_object_get(doc, "policy"), "name"));
    if (rc == CS_OK && policy == NULL)
        rc = cs_error_set(err, CS_EFORMAT, "%s: records no clearance policy", path);
    if (rc == CS_OK && (out->policy = strdup(policy)) == NULL)
        rc = cs_error_set(err, CS_ENOMEM, "out of memory");
    json_decref(doc);
    if (rc == CS_OK) rc = read_metadata(dir, &listing, size, out, err);
    manifest_listing_free(&listing);
    if (rc != CS_OK) pipeline_train_data_free(out);
    return rc;
}
