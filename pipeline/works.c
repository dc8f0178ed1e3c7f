/*
 * works.c - the protected works an audit or clearance compares against,
 * gathered into dedup/'s searchable set with what a report says about each.
 *
 * From the catalog the works stream in one row at a time
 * (catalog_each_work): each row's stored PDQ and pHash become the work's
 * stage-1 description and its stored local features (dedup_local_serialize's
 * form) its stage-2 keypoints. A row whose features do not read back is kept
 * for stage 1 and counted, never fatal: a catalog written by an older build
 * is still usable. Files under --protected are analysed by the caller and
 * added with pipeline_works_add.
 */
#include "pipeline/pipeline_internal.h"

#include <stdlib.h>
#include <string.h>

int pipeline_works_init(pipeline_works *w, cs_error *err)
{
    memset(w, 0, sizeof *w);
    return dedup_works_new(&w->set, err);
}

static char *dup_or_null(const char *s, int *failed)
{
    if (!s) return NULL;
    char *copy = strdup(s);
    if (!copy) *failed = 1;
    return copy;
}

static void work_info_clear(pipeline_work_info *info)
{
    free(info->kind), free(info->label), free(info->owner), free(info->why);
}

int pipeline_works_add(pipeline_works *w, const pipeline_work_info *info,
                       const dedup_hashes *hashes, dedup_local *local, cs_error *err)
{
    if (cs_array_reserve((void **)&w->info, &w->capacity, w->count, sizeof *w->info, 0) != CS_OK) {
        dedup_local_free(local);
        return cs_error_set(err, CS_ENOMEM, "out of memory for %zu protected works", w->count);
    }
    pipeline_work_info *copy = &w->info[w->count];
    *copy = *info;
    int failed = 0;
    copy->kind = dup_or_null(info->kind, &failed);
    copy->label = dup_or_null(info->label, &failed);
    copy->owner = dup_or_null(info->owner, &failed);
    copy->why = dup_or_null(info->why, &failed);
    if (failed) {
        work_info_clear(copy);
        dedup_local_free(local);
        return cs_error_set(err, CS_ENOMEM, "out of memory for protected work %s", info->sha256);
    }
    if (!local) w->without_features++;
    dedup_work_desc desc = {.pdq = hashes->pdq,
                            .pdq_quality = hashes->pdq_quality,
                            .phash = hashes->phash,
                            .width = hashes->width,
                            .height = hashes->height};
    int rc = dedup_works_add(w->set, &desc, local, NULL, err);
    if (rc != CS_OK) {
        work_info_clear(copy);
        return rc;
    }
    w->count++;
    return CS_OK;
}

int pipeline_stored_hashes(const char *pdq_hex, int pdq_quality, const char *phash_hex, int width,
                           int height, dedup_hashes *out)
{
    memset(out, 0, sizeof *out);
    if (!pdq_hex || pdq_hash_from_hex(pdq_hex, strlen(pdq_hex), &out->pdq) != CS_OK)
        return CS_EFORMAT;
    for (int d = 0; d < PDQ_DIH_COUNT; d++)
        out->dihedral[d] = out->pdq;
    out->pdq_quality = pdq_quality;
    if (!phash_hex || phash_from_hex(phash_hex, strlen(phash_hex), &out->phash) != CS_OK)
        out->phash = 0;
    out->width = width;
    out->height = height;
    return CS_OK;
}

typedef struct catalog_walk {
    pipeline_works *works;
    cs_error *err;
} catalog_walk;

static int add_catalog_work(void *arg, const catalog_work_row *row)
{
    catalog_walk *walk = arg;
    dedup_hashes h;
    if (pipeline_stored_hashes(row->pdq, row->pdq_quality, row->phash, row->width, row->height,
                               &h) != CS_OK)
        return CS_OK; /* not hashed yet: `clearset dedup` has not seen it */
    dedup_local *local = NULL;
    if (row->local && dedup_local_deserialize(row->local, row->local_len, &local, NULL) != CS_OK)
        local = NULL;
    pipeline_work_info info = {.image_id = row->image_id,
                               .kind = (char *)row->kind,
                               .label = (char *)row->label,
                               .owner = (char *)row->owner,
                               .why = (char *)row->why,
                               .width = row->width,
                               .height = row->height};
    cs_strlcpy(info.sha256, row->sha256, sizeof info.sha256);
    return pipeline_works_add(walk->works, &info, &h, local, walk->err);
}

int pipeline_works_add_catalog(pipeline_works *w, catalog *cat, const char *policy, cs_error *err)
{
    catalog_walk walk = {w, err};
    return catalog_each_work(cat, policy, add_catalog_work, &walk, err);
}

void pipeline_works_free(pipeline_works *w)
{
    if (!w) return;
    for (size_t i = 0; i < w->count; i++)
        work_info_clear(&w->info[i]);
    free(w->info);
    dedup_works_free(w->set);
    memset(w, 0, sizeof *w);
}
