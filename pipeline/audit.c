/*
 * audit.c - `clearset audit`: each image checked against the protected works,
 * with a report a person and a program can read (audit_report.c).
 *
 * 1. The works (pipeline_works, works.c, the set clearance uses too): from the
 *    catalog when there is one (read only), the registered works and the
 *    images blocked under the policy that `dedup` has hashed, with their
 *    stored hashes and local features; then every image file of --protected
 *    DIR, analysed on the fly. About 4 KiB a work.
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
    pipeline_works works;
    audit_thumbnail *thumbnails; /* per work, made when it first matches */
    unsigned char *thumbnail_tried;
    pending_error *pending;
    size_t pending_count, pending_cap;
    audit_report *report;
    size_t total, done;
} audit_run;

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

static int add_file_work(void *arg, const char *path, const cs_error *problem)
{
    audit_run *run = arg;
    analysed a;
    int rc = analyse_file(run, path, problem, "work", &a);
    if (rc != CS_OK) return rc > 0 ? CS_OK : rc;
    free(a.bytes);
    pipeline_work_info info = {.kind = (char *)"file",
                               .label = (char *)path,
                               .width = a.hashes.width,
                               .height = a.hashes.height};
    cs_strlcpy(info.sha256, a.hashes.sha256, sizeof info.sha256);
    return pipeline_works_add(&run->works, &info, &a.hashes, a.local, run->err);
}

static int count_file(void *arg, const char *path, const cs_error *problem)
{
    (void)path, (void)problem;
    ((audit_run *)arg)->total++;
    return CS_OK;
}

/* Work id's thumbnail, made once: from its blob or its file. */
static void work_thumbnail(audit_run *run, uint32_t id)
{
    if (run->thumbnail_tried[id]) return;
    run->thumbnail_tried[id] = 1;
    const pipeline_work_info *w = &run->works.info[id];
    unsigned char *bytes = NULL;
    size_t len = 0;
    int rc = w->image_id > 0
                 ? blob_store_get(catalog_blobs(run->cat), w->sha256, PIPELINE_MAX_IMAGE_BYTES,
                                  &bytes, &len, NULL)
                 : cs_read_regular_file(w->label, PIPELINE_MAX_IMAGE_BYTES, &bytes, &len, NULL);
    if (rc == CS_OK)
        audit_thumbnail_make(bytes, len, run->opts->max_pixels, &run->thumbnails[id], NULL);
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
    rc = dedup_audit(run->works.set, &query, PIPELINE_AUDIT_MAX_MATCHES, &result, run->err);
    pipeline_audit_extra extra = {0};
    if (rc == CS_OK && run->opts->extra)
        rc = run->opts->extra(run->opts->arg, path, &extra, run->err);
    if (rc == CS_OK && extra.copy) result.risk = DEDUP_RISK_COPY;
    audit_thumbnail thumbnail = {0};
    if (rc == CS_OK) {
        audit_thumbnail_make(a.bytes, a.len, run->opts->max_pixels, &thumbnail, NULL);
        for (size_t i = 0; i < result.count; i++)
            work_thumbnail(run, result.matches[i].work);
        audit_entry entry = {.path = path,
                             .hashes = &a.hashes,
                             .result = &result,
                             .works = run->works.info,
                             .work_thumbnails = run->thumbnails,
                             .thumbnail = &thumbnail,
                             .extra = run->opts->extra ? &extra : NULL};
        rc = audit_report_image(run->report, &entry, run->err);
    }
    if (rc == CS_OK) {
        if (run->opts->on_image) run->opts->on_image(run->opts->arg, path, result.risk);
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
    int rc = pipeline_works_init(&run->works, run->err);
    if (rc == CS_OK && run->cat)
        rc = pipeline_works_add_catalog(
            &run->works, run->cat, o->policy ? license_policy_name(o->policy) : NULL, run->err);
    run->stats->works_catalog = run->works.count;
    if (rc == CS_OK && o->protected_dir)
        rc = pipeline_each_image_file(&o->protected_dir, 1, add_file_work, run);
    run->stats->works = run->works.count;
    if (rc != CS_OK) return rc;
    if (run->works.count == 0 && !o->allow_no_works)
        return cs_error_set(run->err, CS_ENOTFOUND,
                            "no protected works to compare with: register some with 'clearset "
                            "protect'%s, or name a folder of them with --protected DIR",
                            run->cat ? "" : " (there is no catalog)");
    size_t n = run->works.count;
    run->thumbnails = calloc(n ? n : 1, sizeof *run->thumbnails);
    run->thumbnail_tried = calloc(n ? n : 1, 1);
    if (!run->thumbnails || !run->thumbnail_tried)
        return cs_error_set(run->err, CS_ENOMEM, "audit: out of memory");
    return dedup_works_build(run->works.set, run->err);
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
    for (size_t i = 0; run.thumbnails && i < run.works.count; i++)
        audit_thumbnail_free(&run.thumbnails[i]);
    free(run.thumbnails);
    free(run.thumbnail_tried);
    pipeline_works_free(&run.works);
    return rc;
}
