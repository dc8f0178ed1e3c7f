/*
 * audit.c - `clearset audit`: each image checked against the protected works,
 * with a report a person and a program can read (audit_report.c).
 *
 * 1. The works. From the catalog, when there is one (read only):
 *    catalog_each_work streams the registered works and the images blocked
 *    under the policy, with their stored hashes and local features; one whose
 *    hashes or features are not stored (a blocked image `dedup` has not seen
 *    since features came in) is analysed from its blob for this run, and
 *    nothing is written back. Then every image file of --protected DIR,
 *    analysed on the fly. Each goes into a dedup_works set (about 4 KiB a
 *    work) with what the report says about it (audit_work).
 * 2. The queries. Counted first (a cheap walk: names and signatures), so
 *    progress can say "n of N"; then each image file is read, analysed
 *    (dedup_analyze: one decode for hashes and local features), checked
 *    (dedup_audit: PDQ of the dihedral variants, then verified local
 *    features) and written to both reports at once, with thumbnails of it and
 *    of the works it matched (a work's thumbnail is made the first time it
 *    matches, and kept). Memory grows with the works, never with the queries.
 * A file that cannot be read or decoded, query or work, is listed in the
 * report as unreadable and counted; the run goes on.
 */
#include "pipeline/pipeline_internal.h"

#include <stdlib.h>
#include <string.h>

/* A work file that failed before the report was open, kept until it is. */
typedef struct pending_error {
    char *path, *why;
} pending_error;

typedef struct audit_run {
    catalog *cat;
    const pipeline_audit_options *opts;
    pipeline_audit_stats *stats;
    cs_error *err; /* a failure that ends the run */
    dedup_works *set;
    audit_work *works; /* parallel to the set's ids; stats->works of them */
    size_t work_cap;
    pending_error *pending;
    size_t pending_count, pending_cap;
    audit_report *report;
    size_t total, done;
} audit_run;

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void work_clear(audit_work *w)
{
    free(w->label);
    free(w->owner);
    free(w->why);
    audit_thumbnail_free(&w->thumbnail);
}

/* 16 hex digits, most significant first (phash_to_hex's form). */
static int phash_from_hex(const char *hex, uint64_t *out)
{
    unsigned char bytes[8];
    if (hex == NULL || strlen(hex) != 16 || cs_hex_decode(hex, 16, bytes, 8) != CS_OK)
        return CS_EFORMAT;
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | bytes[i];
    *out = v;
    return CS_OK;
}

static const char *message_of(const cs_error *e, int rc)
{
    return e->message[0] ? e->message : cs_strerror(rc);
}

/* A file (query or work) that could not be read or decoded: counted, told, reported. */
static int unreadable(audit_run *run, const char *path, const char *role, const cs_error *why)
{
    run->stats->unreadable++;
    if (run->opts->on_file_error) run->opts->on_file_error(run->opts->arg, path, why);
    const char *message = message_of(why, why->code);
    if (run->report) return audit_report_unreadable(run->report, path, role, message, run->err);
    int rc = cs_array_reserve((void **)&run->pending, &run->pending_cap, run->pending_count,
                              sizeof *run->pending, 0);
    pending_error *p = rc == CS_OK ? &run->pending[run->pending_count] : NULL;
    if (p && (p->path = strdup(path)) != NULL && (p->why = strdup(message)) != NULL) {
        run->pending_count++;
        return CS_OK;
    }
    if (p) free(p->path);
    return cs_error_set(run->err, CS_ENOMEM, "audit: out of memory");
}

/* A file read and analysed: its bytes (for the thumbnail), hashes and features. */
typedef struct analysed {
    unsigned char *bytes;
    size_t len;
    dedup_hashes hashes;
    dedup_local *local;
} analysed;

/*
 * Reads path and analyses it: CS_OK with *a filled (free a->bytes and a->local);
 * 1 when it could not be read or decoded (or the walk had a problem with it), which is
 * reported as unreadable in role; or a failure that ends the run.
 */
static int analyse_file(audit_run *run, const char *path, const cs_error *problem, const char *role,
                        analysed *a)
{
    memset(a, 0, sizeof *a);
    cs_error why;
    cs_error_clear(&why);
    int rc = CS_EIO;
    if (problem) {
        why = *problem;
    } else {
        rc = cs_read_regular_file(path, PIPELINE_MAX_IMAGE_BYTES, &a->bytes, &a->len, &why);
        if (rc == CS_OK)
            rc =
                dedup_analyze(a->bytes, a->len, run->opts->max_pixels, &a->hashes, &a->local, &why);
        if (rc == CS_OK) return CS_OK;
        free(a->bytes);
        a->bytes = NULL;
        if (rc == CS_ENOMEM) return cs_error_set(run->err, rc, "audit: out of memory");
        if (why.message[0] == '\0') cs_error_set(&why, rc, "%s: %s", path, cs_strerror(rc));
        why.code = rc;
    }
    rc = unreadable(run, path, role, &why);
    return rc == CS_OK ? 1 : rc;
}

/* Adds one work to the set (local taken over) and what the report says about it. */
static int add_work(audit_run *run, const dedup_work_desc *desc, dedup_local *local,
                    const audit_work *about)
{
    int rc = cs_array_reserve((void **)&run->works, &run->work_cap, run->stats->works,
                              sizeof *run->works, UINT32_MAX);
    if (rc != CS_OK) {
        dedup_local_free(local);
        return cs_error_set(run->err, rc, "audit: too many works or out of memory");
    }
    uint32_t id = 0;
    rc = dedup_works_add(run->set, desc, local, &id, run->err);
    if (rc != CS_OK) return rc;
    audit_work *w = &run->works[run->stats->works];
    *w = *about;
    w->label = dup_or_null(about->label);
    w->owner = dup_or_null(about->owner);
    w->why = dup_or_null(about->why);
    run->stats->works++;
    if (!w->label || (about->owner && !w->owner) || (about->why && !w->why) ||
        id != run->stats->works - 1)
        return cs_error_set(run->err, CS_ENOMEM, "audit: out of memory");
    return CS_OK;
}

static void desc_from_hashes(const dedup_hashes *h, dedup_work_desc *desc)
{
    *desc = (dedup_work_desc){.pdq = h->pdq,
                              .pdq_quality = h->pdq_quality,
                              .phash = h->phash,
                              .width = h->width,
                              .height = h->height};
}

static int add_catalog_work(void *arg, const catalog_work_row *row)
{
    audit_run *run = arg;
    dedup_work_desc desc = {
        .pdq_quality = row->pdq_quality, .width = row->width, .height = row->height};
    dedup_local *local = NULL;
    int stored = row->pdq && row->local &&
                 pdq_hash_from_hex(row->pdq, strlen(row->pdq), &desc.pdq) == CS_OK &&
                 phash_from_hex(row->phash, &desc.phash) == CS_OK &&
                 dedup_local_deserialize(row->local, row->local_len, &local, NULL) == CS_OK;
    if (!stored) { /* not hashed or without features yet: analysed from the blob */
        dedup_local_free(local);
        local = NULL;
        cs_error why;
        cs_error_clear(&why);
        unsigned char *bytes = NULL;
        size_t len = 0;
        dedup_hashes h;
        int rc = blob_store_get(catalog_blobs(run->cat), row->sha256, PIPELINE_MAX_IMAGE_BYTES,
                                &bytes, &len, &why);
        if (rc == CS_OK) rc = dedup_analyze(bytes, len, run->opts->max_pixels, &h, &local, &why);
        free(bytes);
        if (rc == CS_ENOMEM) return cs_error_set(run->err, rc, "audit: out of memory");
        if (rc != CS_OK) {
            why.code = rc;
            return unreadable(run, row->label ? row->label : row->sha256, "work", &why);
        }
        desc_from_hashes(&h, &desc);
    }
    audit_work about = {.image_id = row->image_id,
                        .kind = strcmp(row->kind, "blocked") == 0 ? "blocked" : "protected",
                        .label = (char *)(row->label ? row->label : row->sha256),
                        .owner = (char *)row->owner,
                        .why = (char *)row->why,
                        .width = desc.width,
                        .height = desc.height};
    cs_strlcpy(about.sha256, row->sha256, sizeof about.sha256);
    int rc = add_work(run, &desc, local, &about);
    if (rc == CS_OK) run->stats->works_catalog++;
    return rc;
}

static int add_file_work(void *arg, const char *path, const cs_error *problem)
{
    audit_run *run = arg;
    analysed a;
    int rc = analyse_file(run, path, problem, "work", &a);
    if (rc != CS_OK) return rc > 0 ? CS_OK : rc;
    free(a.bytes);
    dedup_work_desc desc;
    desc_from_hashes(&a.hashes, &desc);
    audit_work about = {
        .kind = "file", .label = (char *)path, .width = desc.width, .height = desc.height};
    cs_strlcpy(about.sha256, a.hashes.sha256, sizeof about.sha256);
    return add_work(run, &desc, a.local, &about);
}

static int count_file(void *arg, const char *path, const cs_error *problem)
{
    (void)path, (void)problem;
    ((audit_run *)arg)->total++;
    return CS_OK;
}

/* The work's thumbnail, made once: from its blob or its file. */
static void work_thumbnail(audit_run *run, audit_work *w)
{
    if (w->thumbnail_tried) return;
    w->thumbnail_tried = 1;
    unsigned char *bytes = NULL;
    size_t len = 0;
    int rc = w->image_id > 0
                 ? blob_store_get(catalog_blobs(run->cat), w->sha256, PIPELINE_MAX_IMAGE_BYTES,
                                  &bytes, &len, NULL)
                 : cs_read_regular_file(w->label, PIPELINE_MAX_IMAGE_BYTES, &bytes, &len, NULL);
    if (rc == CS_OK) audit_thumbnail_make(bytes, len, run->opts->max_pixels, &w->thumbnail, NULL);
    free(bytes);
}

static void progress(audit_run *run)
{
    run->done++;
    if (run->opts->on_progress)
        run->opts->on_progress(run->opts->arg, run->done, CS_MAX(run->total, run->done),
                               run->stats->risk[DEDUP_RISK_COPY] +
                                   run->stats->risk[DEDUP_RISK_PARTIAL]);
}

static int audit_file(void *arg, const char *path, const cs_error *problem)
{
    audit_run *run = arg;
    analysed a;
    int rc = analyse_file(run, path, problem, "query", &a);
    if (rc > 0) progress(run);
    if (rc != CS_OK) return rc > 0 ? CS_OK : rc;
    dedup_query query = {.hashes = &a.hashes, .local = a.local};
    dedup_audit_result result = {0};
    rc = dedup_audit(run->set, &query, PIPELINE_AUDIT_MAX_MATCHES, &result, run->err);
    audit_thumbnail thumbnail = {0};
    if (rc == CS_OK) {
        audit_thumbnail_make(a.bytes, a.len, run->opts->max_pixels, &thumbnail, NULL);
        for (size_t i = 0; i < result.count; i++)
            work_thumbnail(run, &run->works[result.matches[i].work]);
        audit_entry entry = {.path = path,
                             .hashes = &a.hashes,
                             .result = &result,
                             .works = run->works,
                             .thumbnail = &thumbnail};
        rc = audit_report_image(run->report, &entry, run->err);
    }
    if (rc == CS_OK) {
        run->stats->images++;
        run->stats->risk[result.risk]++;
        progress(run);
    }
    audit_thumbnail_free(&thumbnail);
    dedup_audit_result_free(&result);
    dedup_local_free(a.local);
    free(a.bytes);
    return rc;
}

static int collect_works(audit_run *run)
{
    const pipeline_audit_options *o = run->opts;
    int rc = dedup_works_new(&run->set, run->err);
    if (rc == CS_OK && run->cat)
        rc = catalog_each_work(run->cat, o->policy ? license_policy_name(o->policy) : NULL,
                               add_catalog_work, run, run->err);
    if (rc == CS_OK && o->protected_dir)
        rc = pipeline_each_image_file(&o->protected_dir, 1, add_file_work, run);
    if (rc != CS_OK) return rc;
    if (run->stats->works == 0)
        return cs_error_set(run->err, CS_ENOTFOUND,
                            "no protected works to compare with: register some with 'clearset "
                            "protect'%s, or name a folder of them with --protected DIR",
                            run->cat ? "" : " (there is no catalog)");
    return dedup_works_build(run->set, run->err);
}

int pipeline_audit(catalog *cat, const pipeline_audit_options *opts, pipeline_audit_stats *stats,
                   cs_error *err)
{
    memset(stats, 0, sizeof *stats);
    audit_run run = {.cat = cat, .opts = opts, .stats = stats, .err = err};
    int rc = collect_works(&run);
    if (rc == CS_OK)
        rc = pipeline_each_image_file(opts->queries, opts->query_count, count_file, &run);
    if (rc == CS_OK) rc = audit_report_open(opts->report_dir, &run.report, err);
    for (size_t i = 0; rc == CS_OK && i < run.pending_count; i++)
        rc = audit_report_unreadable(run.report, run.pending[i].path, "work", run.pending[i].why,
                                     err);
    if (rc == CS_OK)
        rc = pipeline_each_image_file(opts->queries, opts->query_count, audit_file, &run);
    if (rc == CS_OK) {
        audit_summary summary = {.stats = stats,
                                 .policy =
                                     cat && opts->policy ? license_policy_name(opts->policy) : NULL,
                                 .catalog = opts->catalog_label,
                                 .protected_dir = opts->protected_dir};
        rc = audit_report_finish(run.report, &summary, err);
    }
    if (rc != CS_OK && err && err->code == CS_OK) cs_error_set(err, rc, "audit: out of memory");
    audit_report_free(run.report);
    for (size_t i = 0; i < run.pending_count; i++) {
        free(run.pending[i].path);
        free(run.pending[i].why);
    }
    free(run.pending);
    for (size_t i = 0; i < stats->works; i++)
        work_clear(&run.works[i]);
    free(run.works);
    dedup_works_free(run.set);
    return rc;
}
