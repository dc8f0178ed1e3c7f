/*
 * launder.c - clearance's stage 2: finds images that show a blocked image or
 * a registered protected work although PDQ does not say so (a crop, a small
 * rotation, a caption, the work inside a collage), so that a copy of an
 * all-rights-reserved picture republished as CC0 is not cleared.
 *
 * Bounded by the works, not by pairs: the works are the registered protected
 * works and the images blocked under the policy for a rights claim or an
 * opt-out (pipeline_works_add_catalog); only the images that are not blocked
 * are checked, each once, with the local features `clearset dedup` stored
 * (no image is decoded here), through dedup_audit's index. A match of the
 * local stage is recorded in local_matches; PDQ near copies are already
 * clusters, so stage-1 matches are not recorded twice. The clearance rounds
 * (clear.c) then see each match as a near relation and block with a
 * "laundering" reason that names the inliers and coverage.
 */
#include "pipeline/pipeline_internal.h"

#include <stdlib.h>
#include <string.h>

/* The hashes row of image_id in rows sorted by image id, or NULL. */
static const catalog_hash_row *find_hashes(const catalog_hash_row *rows, size_t n, int64_t image_id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (rows[mid].image_id < image_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && rows[lo].image_id == image_id ? &rows[lo] : NULL;
}

/* Checks one image; records its local matches. */
static int check_image(catalog *cat, const char *policy, const pipeline_works *works,
                       const catalog_hash_row *row, int *matched, cs_error *err)
{
    *matched = 0;
    dedup_hashes h;
    if (pipeline_stored_hashes(row->pdq, row->pdq_quality, row->phash, row->width, row->height,
                               &h) != CS_OK)
        return CS_OK;
    unsigned char *data = NULL;
    size_t len = 0;
    int rc = catalog_get_local_features(cat, row->image_id, &data, &len, err);
    if (rc == CS_ENOTFOUND) return CS_OK; /* not analysed: dedup has not run since */
    if (rc != CS_OK) return rc;
    dedup_local *local = NULL;
    int readable = dedup_local_deserialize(data, len, &local, NULL) == CS_OK;
    free(data);
    if (!readable) return CS_OK;
    dedup_query q = {.hashes = &h, .local = local};
    dedup_audit_result result;
    rc = dedup_audit(works->set, &q, 0, &result, err);
    dedup_local_free(local);
    if (rc != CS_OK) return rc;
    for (size_t m = 0; rc == CS_OK && m < result.count; m++) {
        const dedup_similarity *s = &result.matches[m];
        const pipeline_work_info *work = &works->info[s->work];
        if (s->stage != DEDUP_STAGE_LOCAL || s->risk == DEDUP_RISK_NONE ||
            work->image_id == row->image_id)
            continue;
        catalog_local_match lm = {.image_id = row->image_id,
                                  .work_image_id = work->image_id,
                                  .inliers = s->local.inliers,
                                  .work_coverage = s->local.work_coverage,
                                  .query_coverage = s->local.query_coverage,
                                  .pdq_distance = s->pdq_distance};
        rc = catalog_add_local_match(cat, policy, &lm, err);
        *matched = 1;
    }
    dedup_audit_result_free(&result);
    return rc;
}

int pipeline_find_laundering(catalog *cat, const license_policy *policy, const int64_t *ids,
                             const license_verdict_kind *verdicts, size_t count,
                             unsigned char *matched, size_t *found, cs_error *err)
{
    *found = 0;
    const char *name = license_policy_name(policy);
    pipeline_works works;
    int rc = pipeline_works_init(&works, err);
    if (rc == CS_OK) rc = pipeline_works_add_catalog(&works, cat, name, err);
    if (rc == CS_OK) rc = dedup_works_build(works.set, err);
    catalog_hash_row *rows = NULL;
    size_t nrows = 0;
    if (rc == CS_OK) rc = catalog_list_hashes(cat, &rows, &nrows, err);
    if (rc == CS_OK) rc = catalog_begin(cat, err);
    if (rc != CS_OK) goto done;
    rc = catalog_clear_local_matches(cat, name, err);
    for (size_t i = 0; rc == CS_OK && works.count > 0 && i < count; i++) {
        matched[i] = 0;
        if (verdicts[i] == LICENSE_VERDICT_BLOCKED) continue;
        const catalog_hash_row *row = find_hashes(rows, nrows, ids[i]);
        if (!row) continue;
        int hit = 0;
        rc = check_image(cat, name, &works, row, &hit, err);
        matched[i] = (unsigned char)hit;
        *found += (size_t)hit;
    }
    if (rc == CS_OK)
        rc = catalog_commit(cat, err);
    else
        catalog_rollback(cat);
done:
    free(rows);
    pipeline_works_free(&works);
    return rc;
}
