/*
 * export.c - `clearset export`: the cleared images leave the catalog as a
 * dataset folder a trainer can load.
 *
 * How it works:
 * 1. Selection. catalog_export_rows lists every image whose stored verdict
 *    under the policy is cleared (what `clear` stored; nothing is decided
 *    again here). Near-duplicate clusters then keep one image each: an image
 *    is left out when a cleared image sharing a near cluster with it is
 *    better (more pixels, then higher PDQ quality, then lower id). Keys are
 *    the survivors' positions in image id order, zero-padded to nine digits
 *    as img2dataset writes them.
 * 2. Writing. Everything goes into DIR.partial/ (a stale one, left by an
 *    export that was killed, is removed first): images/KEY.EXT with the
 *    original bytes read from the blob store (their SHA-256 checked against
 *    the catalog; with --size N, a centre-cropped N x N area-resampled copy
 *    re-encoded in the same format, the original's hash kept as provenance
 *    in original_sha256), or webdataset tar shards instead
 *    (export_webdataset.c).
 *    metadata.jsonl (one object per image, file_name first, as Hugging
 *    Face's imagefolder loader expects), then ATTRIBUTION.md, the
 *    dataset card README.md and croissant.json (export_card.c). Files are
 *    written plainly (the folder is thrown away whole if anything fails) and
 *    made durable together with one syncfs before the rename.
 * 3. Signing, when a key is given, signs DIR.partial (one call, sign_dir:
 *    dataset/manifest.h's manifest.json, manifest.sig and signer.pub, with
 *    the policy, catalog, snapshot and counts as the manifest's fields).
 * 4. DIR.partial becomes DIR with one rename (with --force, renameat2's
 *    RENAME_EXCHANGE swaps it with the old DIR, which is then removed), so a
 *    crash at any point leaves either no DIR or a complete one; DIR.partial
 *    is removed on any failure.
 * No clock is read: times in the card and croissant.json come from the
 * catalog (fetch times, verdict times), so two exports of the same catalog
 * are byte-identical.
 */
#include "pipeline/pipeline_internal.h"

#include "dataset/manifest.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------ helpers */

static const char *extension_of(const char *media_type)
{
    if (media_type == NULL) return "bin";
    if (strcmp(media_type, "image/jpeg") == 0) return "jpg";
    if (strcmp(media_type, "image/png") == 0) return "png";
    if (strcmp(media_type, "image/webp") == 0) return "webp";
    if (strcmp(media_type, "image/gif") == 0) return "gif";
    return "bin";
}

void export_license_name(const license_info *license, char *out, size_t size)
{
    const char *family = license->family;
    char name[LICENSE_FAMILY_MAX + 32];
    if (strcmp(family, "CC-PDM") == 0) {
        cs_strlcpy(name, "Public Domain Mark", sizeof name);
    } else if (strcmp(family, "CC0") == 0) {
        cs_strlcpy(name, "CC0", sizeof name);
    } else if (strncmp(family, "CC-", 3) == 0) {
        snprintf(name, sizeof name, "CC %s", family + 3); /* CC-BY-SA -> CC BY-SA */
    } else {
        cs_strlcpy(out, license->spdx, size);
        return;
    }
    char jurisdiction[LICENSE_JURISDICTION_MAX];
    size_t j = 0;
    for (; license->jurisdiction[j] && j + 1 < sizeof jurisdiction; j++)
        jurisdiction[j] = (char)(license->jurisdiction[j] >= 'a' && license->jurisdiction[j] <= 'z'
                                     ? license->jurisdiction[j] - 'a' + 'A'
                                     : license->jurisdiction[j]);
    jurisdiction[j] = '\0';
    snprintf(out, size, "%s%s%s%s%s", name, license->version[0] ? " " : "", license->version,
             jurisdiction[0] ? " " : "", jurisdiction);
}

void export_iso_time(int64_t ms, char *out, size_t size)
{
    time_t seconds = (time_t)(ms / 1000);
    struct tm tm;
    if (ms <= 0 || gmtime_r(&seconds, &tm) == NULL) {
        cs_strlcpy(out, "", size);
        return;
    }
    strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *json_text(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s && s[0] ? s : NULL;
}

/*
 * The TASL line (Title, Author, Source, Licence) CC recommends:
 * "Title" by Author (source) is licensed under CC BY 4.0 (licence URL).
 * The source is the page that shows the work, else the image URL.
 */
static char *credit_line(const export_item *item)
{
    const json_t *a = item->attribution;
    const char *title = json_text(a, "title"), *author = json_text(a, "name");
    const char *source = json_text(a, "page");
    if (source == NULL) source = item->row->page_url ? item->row->page_url : item->row->image_url;
    char licence[96];
    export_license_name(&item->license, licence, sizeof licence);
    cs_buf line;
    cs_buf_init(&line, 0);
    int rc =
        title ? cs_buf_printf(&line, "\"%s\"", title) : cs_buf_printf(&line, "Image %s", item->key);
    if (rc == CS_OK) rc = cs_buf_printf(&line, " by %s", author ? author : "an unnamed author");
    if (rc == CS_OK && source) rc = cs_buf_printf(&line, " (%s)", source);
    if (rc == CS_OK) rc = cs_buf_printf(&line, " is licensed under %s", licence);
    if (rc == CS_OK && item->license.url[0]) rc = cs_buf_printf(&line, " (%s)", item->license.url);
    if (rc != CS_OK) {
        cs_buf_free(&line);
        return NULL;
    }
    return (char *)cs_buf_take(&line, NULL);
}

/* ---------------------------------------------------------------- selection */

/* 1 when a is a better copy than b: more pixels, then PDQ quality, then lower id. */
static int better(const catalog_export_row *a, const catalog_export_row *b)
{
    int64_t pa = (int64_t)a->width * a->height, pb = (int64_t)b->width * b->height;
    if (pa != pb) return pa > pb;
    if (a->pdq_quality != b->pdq_quality) return a->pdq_quality > b->pdq_quality;
    return a->image_id < b->image_id;
}

static const catalog_export_row *find_row(const export_set *set, int64_t image_id)
{
    size_t lo = 0, hi = set->row_count; /* rows are by id */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (set->rows[mid].image_id == image_id) return &set->rows[mid];
        if (set->rows[mid].image_id < image_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static void export_set_free(export_set *set)
{
    for (size_t i = 0; set->items && i < set->count; i++) {
        json_decref(set->items[i].attribution);
        json_decref(set->items[i].reasons);
        free(set->items[i].credit);
    }
    free(set->items);
    catalog_export_rows_free(set->rows, set->row_count);
    catalog_counts_free(set->exclusions, set->exclusion_count);
    memset(set, 0, sizeof *set);
}

static int fill_item(const export_set *set, export_item *item, const catalog_export_row *row,
                     size_t index)
{
    item->row = row;
    snprintf(item->key, sizeof item->key, "%0*zu", PIPELINE_EXPORT_KEY_DIGITS, index);
    if (set->webdataset)
        snprintf(item->file_name, sizeof item->file_name, "%05zu.tar/%s.%s",
                 index / set->shard_size, item->key, extension_of(row->media_type));
    else
        snprintf(item->file_name, sizeof item->file_name, "images/%s.%s", item->key,
                 extension_of(row->media_type));
    item->has_license =
        row->license_spdx && license_from_spdx(row->license_spdx, &item->license) == CS_OK;
    if (!item->has_license && row->license_spdx)
        cs_strlcpy(item->license.spdx, row->license_spdx, sizeof item->license.spdx);
    if (row->attribution) item->attribution = json_loads(row->attribution, 0, NULL);
    if (item->attribution && !json_is_object(item->attribution)) {
        json_decref(item->attribution);
        item->attribution = NULL;
    }
    item->reasons = row->reasons ? json_loads(row->reasons, 0, NULL) : NULL;
    if (!json_is_array(item->reasons)) {
        json_decref(item->reasons);
        item->reasons = json_array();
    }
    item->caption = row->caption ? row->caption : row->alt;
    if (item->attribution) {
        item->credit = credit_line(item);
        if (item->credit == NULL) return CS_ENOMEM;
    }
    return item->reasons ? CS_OK : CS_ENOMEM;
}

static int select_images(catalog *cat, const pipeline_export_options *opts, export_set *set,
                         cs_error *err)
{
    const license_policy *policy = opts->policy;
    memset(set, 0, sizeof *set);
    set->policy = policy;
    set->webdataset = opts->format == PIPELINE_EXPORT_WEBDATASET;
    set->shard_size = opts->shard_size ? opts->shard_size : PIPELINE_EXPORT_DEFAULT_SHARD;
    set->size = opts->size;
    const char *name = license_policy_name(policy);
    int rc = catalog_export_rows(cat, name, &set->rows, &set->row_count, err);
    catalog_cluster_member *members = NULL;
    size_t member_count = 0;
    if (rc == CS_OK) rc = catalog_export_near_members(cat, name, &members, &member_count, err);
    if (rc == CS_OK)
        rc = catalog_export_exclusions(cat, name, &set->exclusions, &set->exclusion_count, err);
    if (rc == CS_OK) rc = catalog_export_snapshot(cat, name, &set->snapshot_ms, err);
    unsigned char *dropped = NULL;
    if (rc == CS_OK) {
        dropped = calloc(set->row_count ? set->row_count : 1, 1);
        set->items = calloc(set->row_count ? set->row_count : 1, sizeof *set->items);
        if (!dropped || !set->items) rc = cs_error_set(err, CS_ENOMEM, "export: out of memory");
    }
    /* members are by cluster: within each cluster, all but the best are dropped */
    for (size_t start = 0; rc == CS_OK && start < member_count;) {
        size_t end = start;
        while (end < member_count && members[end].cluster_id == members[start].cluster_id)
            end++;
        const catalog_export_row *best = NULL;
        for (size_t k = start; k < end; k++) {
            const catalog_export_row *r = find_row(set, members[k].image_id);
            if (r && (best == NULL || better(r, best))) best = r;
        }
        for (size_t k = start; k < end; k++) {
            const catalog_export_row *r = find_row(set, members[k].image_id);
            if (r && r != best) dropped[r - set->rows] = 1;
        }
        start = end;
    }
    for (size_t i = 0; rc == CS_OK && i < set->row_count; i++) {
        if (dropped[i]) {
            set->duplicates++;
            continue;
        }
        const catalog_export_row *r = &set->rows[i];
        export_item *item = &set->items[set->count++];
        if (fill_item(set, item, r, set->count - 1) != CS_OK)
            rc = cs_error_set(err, CS_ENOMEM, "export: out of memory");
        if (r->fetched_at > 0 && (set->first_fetch_ms == 0 || r->fetched_at < set->first_fetch_ms))
            set->first_fetch_ms = r->fetched_at;
        if (r->fetched_at > set->last_fetch_ms) set->last_fetch_ms = r->fetched_at;
    }
    free(dropped);
    free(members);
    if (rc != CS_OK) export_set_free(set);
    return rc;
}

/* ------------------------------------------------------------------ writing */

typedef struct export_writer {
    const char *dir; /* DIR.partial */
    int64_t bytes;
} export_writer;

int export_write_file(const char *path, const void *bytes, size_t n, cs_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return cs_error_set(err, CS_EIO, "%s: cannot create: %s", path, strerror(errno));
    int rc = CS_OK;
    if (cs_write_all(fd, bytes, n) != CS_OK)
        rc = cs_error_set(err, CS_EIO, "%s: write failed: %s", path, strerror(errno));
    if (close(fd) != 0 && rc == CS_OK)
        rc = cs_error_set(err, CS_EIO, "%s: close failed: %s", path, strerror(errno));
    return rc;
}

static int write_file(export_writer *w, const char *relative, const void *bytes, size_t n,
                      cs_error *err)
{
    size_t len = strlen(w->dir) + strlen(relative) + 2;
    char *path = malloc(len);
    if (!path) return cs_error_set(err, CS_ENOMEM, "export: out of memory");
    snprintf(path, len, "%s/%s", w->dir, relative);
    int rc = export_write_file(path, bytes, n, err);
    free(path);
    if (rc == CS_OK) w->bytes += (int64_t)n;
    return rc;
}

static int write_buf(export_writer *w, const char *relative, cs_buf *buf, cs_error *err)
{
    int rc = write_file(w, relative, buf->data ? (const void *)buf->data : "", buf->len, err);
    cs_buf_free(buf);
    return rc;
}

static json_t *nullable(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *export_metadata_json(const export_item *item)
{
    const catalog_export_row *r = item->row;
    json_t *o = json_object();
    if (!o) return NULL;
    const char *spdx = item->license.spdx[0] ? item->license.spdx : NULL;
    int bad = 0;
    bad |= json_object_set_new(o, "file_name", json_string(item->file_name));
    bad |= json_object_set_new(o, "key", json_string(item->key));
    bad |= json_object_set_new(o, "sha256",
                               json_string(item->resized ? item->file_sha256 : r->sha256));
    if (item->resized) bad |= json_object_set_new(o, "original_sha256", json_string(r->sha256));
    bad |= json_object_set_new(o, "url", nullable(r->image_url));
    bad |= json_object_set_new(o, "page_url", nullable(r->page_url));
    bad |= json_object_set_new(o, "caption", nullable(item->caption));
    bad |= json_object_set_new(o, "license", nullable(spdx));
    bad |= json_object_set_new(o, "license_url",
                               nullable(item->license.url[0] ? item->license.url : NULL));
    bad |= json_object_set_new(o, "title", nullable(json_text(item->attribution, "title")));
    bad |= json_object_set_new(o, "author", nullable(json_text(item->attribution, "name")));
    bad |= json_object_set_new(o, "attribution", nullable(item->credit));
    /* Only cleared images are exported; saying so per image lets a trainer
     * refuse a metadata file that lists anything else (pipeline/train.c). */
    bad |= json_object_set_new(o, "verdict", json_string("cleared"));
    bad |= json_object_set_new(o, "reasons", json_incref(item->reasons));
    bad |=
        json_object_set_new(o, "width", json_integer(item->resized ? item->file_width : r->width));
    bad |= json_object_set_new(o, "height",
                               json_integer(item->resized ? item->file_height : r->height));
    if (item->resized) {
        bad |= json_object_set_new(o, "original_width", json_integer(r->width));
        bad |= json_object_set_new(o, "original_height", json_integer(r->height));
    }
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The image's original bytes from the blob store, checked against its SHA-256. */
static int read_image(catalog *cat, const export_item *item, unsigned char **out, size_t *out_len,
                      cs_error *err)
{
    unsigned char *bytes = NULL;
    size_t n = 0;
    cs_error read_err = {0};
    int rc = blob_store_get(catalog_blobs(cat), item->row->sha256, PIPELINE_EXPORT_MAX_BLOB, &bytes,
                            &n, &read_err);
    if (rc != CS_OK)
        return cs_error_set(err, rc == CS_ENOMEM ? rc : CS_ENOTFOUND,
                            "image %lld (sha256 %s): its blob cannot be read: %s",
                            (long long)item->row->image_id, item->row->sha256, read_err.message);
    char actual[CS_SHA256_HEX];
    cs_sha256_hex(bytes, n, actual);
    if (strcmp(actual, item->row->sha256) != 0)
        rc = cs_error_set(err, CS_ECORRUPT,
                          "image %lld: its blob's bytes hash to %s, not to %s: the blob store "
                          "is damaged",
                          (long long)item->row->image_id, actual, item->row->sha256);
    if (rc != CS_OK) {
        free(bytes);
        return rc;
    }
    *out = bytes;
    *out_len = n;
    return CS_OK;
}

/*
 * --size: replaces *bytes with a side x side centre-cropped, area-resampled
 * copy in the original's format, and records the copy's hash and size.
 */
static int resize_image(export_item *item, int side, unsigned char **bytes, size_t *n,
                        cs_error *err)
{
    dedup_decode_options decode = {.min_short_side = side, .apply_orientation = 1};
    dedup_image img = {0}, square = {0};
    cs_error why = {0};
    int rc = dedup_decode(*bytes, *n, &decode, &img, &why);
    if (rc == CS_OK) rc = dedup_square_resize(&img, side, &square, &why);
    cs_buf out;
    cs_buf_init(&out, 0);
    if (rc == CS_OK) rc = dedup_encode(&square, img.format, &out, &why);
    dedup_image_free(&img);
    dedup_image_free(&square);
    if (rc != CS_OK) {
        cs_buf_free(&out);
        return cs_error_set(err, rc, "image %lld (sha256 %s): --size %d: %s",
                            (long long)item->row->image_id, item->row->sha256, side, why.message);
    }
    free(*bytes);
    *bytes = cs_buf_take(&out, n);
    cs_sha256_hex(*bytes, *n, item->file_sha256);
    item->resized = 1;
    item->file_width = item->file_height = side;
    return CS_OK;
}

static int write_dataset(catalog *cat, const pipeline_export_options *opts, export_set *set,
                         export_writer *w, cs_error *err)
{
    char images[PATH_MAX];
    snprintf(images, sizeof images, "%s/images", w->dir);
    export_shards *shards = NULL;
    int rc = set->webdataset
                 ? export_shards_open(w->dir, set, set->snapshot_ms / 1000, &shards, err)
                 : cs_mkdir_p(images, err);
    cs_buf metadata;
    cs_buf_init(&metadata, 0);
    for (size_t i = 0; rc == CS_OK && i < set->count; i++) {
        unsigned char *bytes = NULL;
        size_t n = 0;
        rc = read_image(cat, &set->items[i], &bytes, &n, err);
        if (rc == CS_OK && set->size > 0)
            rc = resize_image(&set->items[i], set->size, &bytes, &n, err);
        if (rc == CS_OK && shards)
            rc = export_shards_add(shards, &set->items[i], bytes, n, err);
        else if (rc == CS_OK)
            rc = write_file(w, set->items[i].file_name, bytes, n, err);
        free(bytes);
        json_t *line = rc == CS_OK ? export_metadata_json(&set->items[i]) : NULL;
        char *text = line ? json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(line);
        if (rc == CS_OK && (!text || cs_buf_printf(&metadata, "%s\n", text) != CS_OK))
            rc = cs_error_set(err, CS_ENOMEM, "export: out of memory");
        free(text);
        if (rc == CS_OK && opts->on_progress) opts->on_progress(opts->arg, i + 1, set->count);
    }
    if (shards) {
        int64_t shard_bytes = 0;
        if (rc == CS_OK)
            rc = export_shards_finish(shards, &shard_bytes, err);
        else
            export_shards_free(shards);
        w->bytes += shard_bytes;
    }
    if (rc == CS_OK) {
        cs_sha256_hex(metadata.data ? (const void *)metadata.data : "", metadata.len,
                      set->metadata_sha256);
        set->metadata_bytes = (int64_t)metadata.len;
        rc = write_buf(w, "metadata.jsonl", &metadata, err);
    }
    cs_buf_free(&metadata);
    cs_buf out;
    const struct {
        const char *name;
        int (*make)(const export_set *, cs_buf *);
    } documents[] = {{"ATTRIBUTION.md", export_attribution_md},
                     {"README.md", export_card_md},
                     {"croissant.json", export_croissant_json}};
    for (size_t i = 0; rc == CS_OK && i < CS_ARRAY_LEN(documents); i++) {
        cs_buf_init(&out, 0);
        if (documents[i].make(set, &out) != CS_OK) {
            cs_buf_free(&out);
            rc = cs_error_set(err, CS_ENOMEM, "export: %s: out of memory", documents[i].name);
        } else {
            rc = write_buf(w, documents[i].name, &out, err);
        }
    }
    return rc;
}

/*
 * What the signed manifest says about the export besides its files: the
 * policy (and its file's SHA-256 when it is a file), the catalog it came
 * from, the catalog's snapshot time, and the counts per licence and per
 * reason for leaving an image out. All from the catalog: deterministic.
 */
static json_t *manifest_fields(catalog *cat, const export_set *set,
                               const pipeline_export_options *opts)
{
    const char *policy = license_policy_name(set->policy);
    license_policy *builtin = NULL;
    char policy_sha256[CS_SHA256_HEX] = "";
    if (license_policy_builtin(policy, &builtin, NULL) == CS_OK) {
        license_policy_free(builtin);
    } else {
        unsigned char *bytes = NULL;
        size_t n = 0;
        if (cs_read_regular_file(policy, PIPELINE_EXPORT_MAX_BLOB, &bytes, &n, NULL) == CS_OK)
            cs_sha256_hex(bytes, n, policy_sha256);
        free(bytes);
    }
    const char *path = catalog_path(cat), *slash = strrchr(path, '/');
    char snapshot[32];
    export_iso_time(set->snapshot_ms, snapshot, sizeof snapshot);
    json_t *excluded = json_object();
    for (size_t i = 0; excluded && i < set->exclusion_count; i++)
        json_object_set_new(excluded, set->exclusions[i].name,
                            json_integer(set->exclusions[i].count));
    return json_pack(
        "{s:{s:s, s:o}, s:{s:s, s:i}, s:s, s:{s:s, s:o, s:I}, s:{s:o, s:o, s:I}}", "policy", "name",
        policy, "sha256", policy_sha256[0] ? json_string(policy_sha256) : json_null(), "catalog",
        "file", slash ? slash + 1 : path, "schema_version", catalog_schema_version(cat), "snapshot",
        snapshot, "export", "format", set->webdataset ? "webdataset" : "imagefolder", "size",
        set->size > 0 ? json_integer(set->size) : json_null(), "images", (json_int_t)set->count,
        "counts", "licences", export_licence_counts(set), "excluded", excluded,
        "near_duplicates_left_out", (json_int_t)set->duplicates);
}

/* Whether --key can be used: checked before anything is written. */
static int check_key(const char *key_path, cs_error *err)
{
    struct stat st;
    if (stat(key_path, &st) != 0)
        return cs_error_set(err, errno == ENOENT ? CS_ENOTFOUND : CS_EIO, "--key %s: %s", key_path,
                            strerror(errno));
    if (!S_ISREG(st.st_mode))
        return cs_error_set(err, CS_EINVAL, "--key %s: not a key file", key_path);
    if (access(key_path, R_OK) != 0)
        return cs_error_set(err, CS_EIO, "--key %s: cannot read it: %s", key_path, strerror(errno));
    return CS_OK;
}

/*
 * Signs the finished folder (dataset/manifest.h): manifest.json lists every
 * file with its SHA-256 and the export's fields, manifest.sig and signer.pub
 * beside it. Paths are relative, so DIR.partial's manifest holds for DIR.
 */
static int sign_dir(catalog *cat, const char *dir, const export_set *set,
                    const pipeline_export_options *opts, pipeline_export_stats *stats,
                    cs_error *err)
{
    json_t *fields = manifest_fields(cat, set, opts);
    if (!fields) return cs_error_set(err, CS_ENOMEM, "export: out of memory");
    int rc = manifest_sign_dir(dir, opts->key_path, fields, stats->fingerprint, err);
    json_decref(fields);
    stats->is_signed = rc == CS_OK;
    static const char *const signing_files[] = {"manifest.json", "manifest.sig", "signer.pub"};
    for (size_t i = 0; rc == CS_OK && i < CS_ARRAY_LEN(signing_files); i++) {
        char path[PATH_MAX];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, signing_files[i]);
        if (stat(path, &st) == 0) stats->bytes += (int64_t)st.st_size;
    }
    return rc;
}

/* DIR.partial becomes DIR; with force an existing DIR is swapped out and removed. */
static int publish(const char *partial, const char *out_dir, int force, cs_error *err)
{
    /* every file of DIR.partial reaches the disk before the rename makes it DIR: one
     * syncfs for the lot, not an fsync per file (which halved --size 256's speed) */
    int fd = open(partial, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int synced = fd >= 0 && syncfs(fd) == 0 && fsync(fd) == 0;
    if (fd >= 0) close(fd);
    if (!synced) return cs_error_set(err, CS_EIO, "%s: sync failed: %s", partial, strerror(errno));
    struct stat st;
    if (force && lstat(out_dir, &st) == 0) {
        if (renameat2(AT_FDCWD, partial, AT_FDCWD, out_dir, RENAME_EXCHANGE) != 0)
            return cs_error_set(err, CS_EIO, "%s: cannot replace it: %s", out_dir, strerror(errno));
        int rc = cs_remove_tree(partial, err); /* now the old DIR */
        if (rc != CS_OK) return rc;
    } else if (rename(partial, out_dir) != 0) {
        return cs_error_set(err, CS_EIO, "%s: cannot rename %s to it: %s", out_dir, partial,
                            strerror(errno));
    }
    if (cs_fsync_directory_of(out_dir) != CS_OK)
        return cs_error_set(err, CS_EIO, "%s: fsync of its folder failed: %s", out_dir,
                            strerror(errno));
    return CS_OK;
}

static int licence_counts(const export_set *set, json_t **out)
{
    *out = export_licence_counts(set);
    return *out ? CS_OK : CS_ENOMEM;
}

int pipeline_export(catalog *cat, const pipeline_export_options *opts, pipeline_export_stats *stats,
                    cs_error *err)
{
    memset(stats, 0, sizeof *stats);
    /* "out/" names the folder out: its partial twin is out.partial, not out/.partial */
    char out_dir[PATH_MAX], partial[PATH_MAX];
    if (cs_strlcpy(out_dir, opts->out_dir, sizeof out_dir) >= sizeof out_dir ||
        (size_t)snprintf(partial, sizeof partial, "%s.partial", opts->out_dir) >= sizeof partial)
        return cs_error_set(err, CS_EINVAL, "%s: path too long", opts->out_dir);
    for (size_t n = strlen(out_dir); n > 1 && out_dir[n - 1] == '/'; n--)
        out_dir[n - 1] = '\0';
    if (out_dir[0] == '\0' || strcmp(out_dir, "/") == 0 || strcmp(out_dir, ".") == 0 ||
        strcmp(out_dir, "..") == 0)
        return cs_error_set(err, CS_EINVAL, "--out %s: name a folder to create", opts->out_dir);
    snprintf(partial, sizeof partial, "%s.partial", out_dir);
    struct stat st;
    if (!opts->force && lstat(out_dir, &st) == 0)
        return cs_error_set(err, CS_EEXIST, "%s already exists (--force replaces it)", out_dir);
    int rc = opts->key_path ? check_key(opts->key_path, err) : CS_OK;
    if (rc != CS_OK) return rc;

    export_set set;
    rc = select_images(cat, opts, &set, err);
    if (rc != CS_OK) return rc;
    stats->cleared = set.row_count;
    stats->duplicates = set.duplicates;
    if (set.count == 0) { /* nothing cleared: nothing written, the caller says so */
        export_set_free(&set);
        return CS_OK;
    }
    rc = cs_remove_tree(partial, err); /* left by an export that was killed */
    if (rc == CS_OK && mkdir(partial, 0755) != 0)
        rc = cs_error_set(err, CS_EIO, "%s: cannot create: %s", partial, strerror(errno));
    export_writer w = {.dir = partial};
    int made = rc == CS_OK;
    if (rc == CS_OK) rc = write_dataset(cat, opts, &set, &w, err);
    if (rc == CS_OK && opts->key_path) rc = sign_dir(cat, partial, &set, opts, stats, err);
    if (rc == CS_OK && licence_counts(&set, &stats->licences) != CS_OK)
        rc = cs_error_set(err, CS_ENOMEM, "export: out of memory");
    if (rc == CS_OK) rc = publish(partial, out_dir, opts->force, err);
    if (rc != CS_OK) {
        json_decref(stats->licences);
        stats->licences = NULL;
    }
    if (rc == CS_OK) {
        stats->images = set.count;
        stats->bytes += w.bytes; /* plus the signing files, counted by sign_dir */
    } else if (made) {
        cs_remove_tree(partial, NULL);
    }
    export_set_free(&set);
    return rc;
}

void pipeline_export_stats_free(pipeline_export_stats *stats)
{
    if (!stats) return;
    json_decref(stats->licences);
    stats->licences = NULL;
}
