/*
 * export_webdataset.c - the webdataset format of `clearset export`: tar
 * shards as img2dataset writes them. Shard NNNNN.tar holds up to
 * shard_size samples in key order, each three members: KEY.EXT (the original
 * bytes), KEY.txt (the caption, empty when there is none) and KEY.json (the
 * image's metadata object); NNNNN_stats.json beside it lists the shard's
 * count and keys.
 *
 * Tars are POSIX ustar written with libarchive, straight into DIR.partial
 * (which is thrown away whole if anything fails, and synced once before it
 * is renamed).
 * Every member is dated with the catalog's snapshot time, owned by 0:0 with
 * no user or group names and mode 0644, so the same samples give the same
 * bytes. Keys are 9 digits, so member names fit ustar's 100 bytes.
 */
#include "pipeline/pipeline_internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct export_shards {
    const char *dir;
    size_t shard_size;
    int64_t mtime_s;
    struct archive *tar; /* the open shard, or NULL */
    size_t shard;        /* its number */
    json_t *keys;        /* its keys so far */
    int64_t bytes;       /* of the shards and stats finished so far */
};

static int tar_error(export_shards *s, cs_error *err)
{
    return cs_error_set(err, CS_EIO, "%s/%05zu.tar: %s", s->dir, s->shard,
                        s->tar ? archive_error_string(s->tar) : "cannot write");
}

static int add_member(export_shards *s, const char *name, const void *bytes, size_t n,
                      cs_error *err)
{
    struct archive_entry *entry = archive_entry_new();
    if (!entry) return cs_error_set(err, CS_ENOMEM, "export: out of memory");
    archive_entry_set_pathname(entry, name);
    archive_entry_set_size(entry, (la_int64_t)n);
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, 0644);
    archive_entry_set_mtime(entry, (time_t)s->mtime_s, 0);
    archive_entry_set_uid(entry, 0);
    archive_entry_set_gid(entry, 0);
    int rc = CS_OK;
    if (archive_write_header(s->tar, entry) != ARCHIVE_OK)
        rc = tar_error(s, err);
    else if (n > 0 && archive_write_data(s->tar, bytes, n) != (la_ssize_t)n)
        rc = tar_error(s, err);
    archive_entry_free(entry);
    return rc;
}

static void shard_path(const export_shards *s, const char *suffix, char *out, size_t size)
{
    snprintf(out, size, "%s/%05zu%s", s->dir, s->shard, suffix);
}

static int open_shard(export_shards *s, cs_error *err)
{
    char path[PATH_MAX];
    shard_path(s, ".tar", path, sizeof path);
    s->tar = archive_write_new();
    s->keys = json_array();
    if (!s->tar || !s->keys) return cs_error_set(err, CS_ENOMEM, "export: out of memory");
    if (archive_write_set_format_ustar(s->tar) != ARCHIVE_OK ||
        archive_write_open_filename(s->tar, path) != ARCHIVE_OK)
        return tar_error(s, err);
    return CS_OK;
}

/* Closes the open shard, writes its _stats.json, counts their bytes. */
static int close_shard(export_shards *s, cs_error *err)
{
    char path[PATH_MAX];
    shard_path(s, ".tar", path, sizeof path);
    int rc = archive_write_close(s->tar) == ARCHIVE_OK ? CS_OK : tar_error(s, err);
    archive_write_free(s->tar);
    s->tar = NULL;
    struct stat st;
    if (rc == CS_OK && stat(path, &st) != 0)
        rc = cs_error_set(err, CS_EIO, "%s: %s", path, strerror(errno));
    if (rc == CS_OK) s->bytes += (int64_t)st.st_size;
    char name[32];
    snprintf(name, sizeof name, "%05zu.tar", s->shard);
    json_t *stats = rc == CS_OK ? json_pack("{s:s, s:I, s:O}", "shard", name, "count",
                                            (json_int_t)json_array_size(s->keys), "keys", s->keys)
                                : NULL;
    char *text = stats ? json_dumps(stats, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(stats);
    cs_buf file;
    cs_buf_init(&file, 0);
    if (rc == CS_OK && (!text || cs_buf_printf(&file, "%s\n", text) != CS_OK))
        rc = cs_error_set(err, CS_ENOMEM, "export: out of memory");
    shard_path(s, "_stats.json", path, sizeof path);
    if (rc == CS_OK) rc = export_write_file(path, file.data, file.len, err);
    if (rc == CS_OK) s->bytes += (int64_t)file.len;
    cs_buf_free(&file);
    free(text);
    json_decref(s->keys);
    s->keys = NULL;
    return rc;
}

int export_shards_open(const char *dir, const export_set *set, int64_t mtime_s, export_shards **out,
                       cs_error *err)
{
    export_shards *s = calloc(1, sizeof *s);
    if (!s) return cs_error_set(err, CS_ENOMEM, "export: out of memory");
    s->dir = dir;
    s->shard_size = set->shard_size ? set->shard_size : PIPELINE_EXPORT_DEFAULT_SHARD;
    s->mtime_s = mtime_s > 0 ? mtime_s : 0;
    *out = s;
    return CS_OK;
}

int export_shards_add(export_shards *s, const export_item *item, const void *bytes, size_t n,
                      cs_error *err)
{
    int rc = CS_OK;
    if (s->tar && json_array_size(s->keys) >= s->shard_size) {
        rc = close_shard(s, err);
        s->shard++;
    }
    if (rc == CS_OK && !s->tar) rc = open_shard(s, err);
    const char *member = strchr(item->file_name, '/'); /* "00000.tar/KEY.EXT" */
    member = member ? member + 1 : item->file_name;
    char name[64];
    if (rc == CS_OK) rc = add_member(s, member, bytes, n, err);
    snprintf(name, sizeof name, "%s.txt", item->key);
    const char *caption = item->caption ? item->caption : "";
    if (rc == CS_OK) rc = add_member(s, name, caption, strlen(caption), err);
    json_t *meta = rc == CS_OK ? export_metadata_json(item) : NULL;
    char *text = meta ? json_dumps(meta, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(meta);
    if (rc == CS_OK && !text) rc = cs_error_set(err, CS_ENOMEM, "export: out of memory");
    snprintf(name, sizeof name, "%s.json", item->key);
    if (rc == CS_OK) rc = add_member(s, name, text, strlen(text), err);
    free(text);
    if (rc == CS_OK && json_array_append_new(s->keys, json_string(item->key)) != 0)
        rc = cs_error_set(err, CS_ENOMEM, "export: out of memory");
    return rc;
}

int export_shards_finish(export_shards *s, int64_t *bytes, cs_error *err)
{
    int rc = s->tar ? close_shard(s, err) : CS_OK;
    *bytes = s->bytes;
    export_shards_free(s);
    return rc;
}

void export_shards_free(export_shards *s)
{
    if (!s) return;
    if (s->tar) archive_write_free(s->tar);
    json_decref(s->keys);
    free(s);
}
