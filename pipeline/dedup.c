/*
 * dedup.c - `clearset dedup` over the catalog: hash what is new, then rebuild
 * the duplicate clusters and flag licence conflicts.
 *
 * Analysis runs in batches of DEDUP_RUN_BATCH images: worker threads (one per
 * core) take images from a shared counter, read the blob, check it still has
 * the SHA-256 that names it, and decode it once with dedup/'s fast path for
 * both its hashes and its local features (SIFT keypoints, the audit's stage
 * 2, which clearance uses to find laundered crops); the calling thread then
 * writes the batch's rows in one transaction. While the workers run, the
 * calling thread waits on a condition variable each worker signals after
 * each image, and reports progress (on_progress) as images finish. An
 * image hashed by an older
 * clearset gets its features on the next run. The catalog handle
 * is only ever touched by the calling thread (a handle is single-threaded);
 * the blob store is plain file reads.
 *
 * Clustering reads every hashes row, hands the codes of quality >=
 * min_quality to dedup_near_clusters (the connected components of the
 * "within threshold" graph) and writes each component of 2+ images as a
 * cluster. A cluster's member distance is to its lowest image id. A cluster
 * is a licence-laundering suspect when its members with rights evidence do
 * not all carry the same set of statements (SPDX id or rights claim).
 */
#include "pipeline/pipeline.h"

#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Images hashed between commits: bounds the work an interruption loses. */
#define DEDUP_RUN_BATCH 256
/* A blob larger than this is not an image we hash (the crawler caps downloads lower). */
#define DEDUP_RUN_MAX_BLOB_BYTES (256u * 1024 * 1024)
/* Threads beyond this bring no gain on one machine and cost memory per decode. */
#define DEDUP_RUN_MAX_JOBS 64

typedef struct hash_job {
    const catalog_unhashed *items;
    size_t count;
    blob_store *blobs;
    uint64_t max_pixels;
    atomic_size_t next;
    /* images finished, under lock; signals done_cond after each (for progress) */
    pthread_mutex_t lock;
    pthread_cond_t done_cond;
    size_t finished;
    dedup_hashes *results;
    cs_buf *features; /* serialised local features, per item */
    int *keypoints;
    int *status;
    cs_error *errors;
} hash_job;

static void *hash_worker(void *arg)
{
    hash_job *job = arg;
    for (;;) {
        size_t i = atomic_fetch_add(&job->next, 1);
        if (i >= job->count) break;
        unsigned char *bytes = NULL;
        size_t len = 0;
        cs_error *err = &job->errors[i];
        int rc = blob_store_get(job->blobs, job->items[i].sha256, DEDUP_RUN_MAX_BLOB_BYTES, &bytes,
                                &len, err);
        dedup_local *local = NULL;
        if (rc == CS_OK)
            rc = dedup_analyze(bytes, len, job->max_pixels, &job->results[i], &local, err);
        job->features[i].len = 0;
        if (rc == CS_OK) {
            job->keypoints[i] = (int)dedup_local_count(local);
            rc = dedup_local_serialize(local, &job->features[i], err);
        }
        dedup_local_free(local);
        if (rc == CS_OK && strcmp(job->results[i].sha256, job->items[i].sha256) != 0)
            rc = cs_error_set(err, CS_ECORRUPT, "blob %s holds bytes with SHA-256 %s",
                              job->items[i].sha256, job->results[i].sha256);
        free(bytes);
        job->status[i] = rc;
        pthread_mutex_lock(&job->lock);
        job->finished++;
        pthread_cond_signal(&job->done_cond);
        pthread_mutex_unlock(&job->lock);
    }
    return NULL;
}

/* In the calling thread while started workers run: progress as images finish. */
static void report_while_hashing(hash_job *job, const pipeline_dedup_options *o, size_t start,
                                 size_t total, size_t failed)
{
    size_t seen = 0;
    pthread_mutex_lock(&job->lock);
    while (seen < job->count) {
        while (job->finished == seen)
            pthread_cond_wait(&job->done_cond, &job->lock);
        seen = job->finished;
        pthread_mutex_unlock(&job->lock);
        o->on_progress(o->arg, start + seen, total, failed);
        pthread_mutex_lock(&job->lock);
    }
    pthread_mutex_unlock(&job->lock);
}

static int online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > DEDUP_RUN_MAX_JOBS ? DEDUP_RUN_MAX_JOBS : (int)n;
}

static int hash_new_images(catalog *cat, const pipeline_dedup_options *o,
                           pipeline_dedup_stats *stats, cs_error *err)
{
    catalog_unhashed *todo = NULL;
    size_t ntodo = 0;
    int rc = catalog_list_unhashed(cat, &todo, &ntodo, err);
    if (rc != CS_OK) return rc;
    int jobs = o->jobs > 0 ? CS_MIN(o->jobs, DEDUP_RUN_MAX_JOBS) : online_cpus();
    dedup_hashes *results = malloc(sizeof(dedup_hashes) * DEDUP_RUN_BATCH);
    cs_buf *features = calloc(DEDUP_RUN_BATCH, sizeof(cs_buf));
    int *keypoints = malloc(sizeof(int) * DEDUP_RUN_BATCH);
    int *status = malloc(sizeof(int) * DEDUP_RUN_BATCH);
    cs_error *errors = malloc(sizeof(cs_error) * DEDUP_RUN_BATCH);
    pthread_t *threads = malloc(sizeof(pthread_t) * (size_t)jobs);
    if (!results || !features || !keypoints || !status || !errors || !threads) {
        rc = cs_error_set(err, CS_ENOMEM, "out of memory for hashing");
        goto done;
    }
    for (size_t i = 0; i < DEDUP_RUN_BATCH; i++)
        cs_buf_init(&features[i], DEDUP_LOCAL_MAX_BYTES);
    for (size_t start = 0; start < ntodo && rc == CS_OK; start += DEDUP_RUN_BATCH) {
        hash_job job = {.items = todo + start,
                        .count = CS_MIN((size_t)DEDUP_RUN_BATCH, ntodo - start),
                        .blobs = catalog_blobs(cat),
                        .max_pixels = o->max_pixels,
                        .results = results,
                        .features = features,
                        .keypoints = keypoints,
                        .status = status,
                        .errors = errors};
        atomic_init(&job.next, 0);
        pthread_mutex_init(&job.lock, NULL);
        pthread_cond_init(&job.done_cond, NULL);
        for (size_t i = 0; i < job.count; i++)
            cs_error_clear(&errors[i]);
        int started = 0;
        for (; started < jobs && (size_t)started < job.count; started++)
            if (pthread_create(&threads[started], NULL, hash_worker, &job) != 0) break;
        if (started == 0) hash_worker(&job); /* no thread could start: do it here */
        if (started > 0 && o->on_progress)
            report_while_hashing(&job, o, start, ntodo, stats->failed);
        for (int t = 0; t < started; t++)
            pthread_join(threads[t], NULL);
        pthread_cond_destroy(&job.done_cond);
        pthread_mutex_destroy(&job.lock);

        rc = catalog_begin(cat, err);
        for (size_t i = 0; i < job.count && rc == CS_OK; i++) {
            if (status[i] != CS_OK) {
                stats->failed++;
                if (o->on_image_error) o->on_image_error(o->arg, job.items[i].image_id, &errors[i]);
                continue;
            }
            catalog_hash_row row = {.image_id = job.items[i].image_id,
                                    .pdq_quality = results[i].pdq_quality,
                                    .width = results[i].width,
                                    .height = results[i].height};
            pdq_hash_to_hex(&results[i].pdq, row.pdq);
            phash_to_hex(results[i].phash, row.phash);
            rc = catalog_put_hashes(cat, &row, err);
            if (rc == CS_OK)
                rc = catalog_put_local_features(cat, row.image_id, features[i].data,
                                                features[i].len, keypoints[i], err);
            if (rc == CS_OK) stats->hashed++;
        }
        if (rc == CS_OK)
            rc = catalog_commit(cat, err);
        else
            catalog_rollback(cat);
        if (rc == CS_OK && o->on_progress)
            o->on_progress(o->arg, start + job.count, ntodo, stats->failed);
    }
done:
    free(todo);
    free(results);
    for (size_t i = 0; features && i < DEDUP_RUN_BATCH; i++)
        cs_buf_free(&features[i]);
    free(features);
    free(keypoints);
    free(status);
    free(errors);
    free(threads);
    return rc;
}

/* The members' rights statements as JSON, and whether they disagree. */
static int rights_of_members(catalog *cat, const int64_t *ids, size_t n, int exact, char **reason,
                             cs_error *err)
{
    *reason = NULL;
    json_t *members = json_array();
    json_t *first = NULL; /* the statements of the first member with any */
    int conflict = 0;
    int rc = CS_OK;
    for (size_t m = 0; m < n && rc == CS_OK; m++) {
        char **rights = NULL;
        size_t count = 0;
        rc = catalog_image_rights(cat, ids[m], &rights, &count, err);
        if (rc != CS_OK) break;
        if (count == 0) continue; /* no evidence: unknown, not a disagreement */
        json_t *list = json_array();
        for (size_t k = 0; k < count; k++)
            json_array_append_new(list, json_string(rights[k]));
        catalog_strings_free(rights, count);
        if (exact && count > 1) conflict = 1;
        if (!first)
            first = list;
        else if (!json_equal(first, list))
            conflict = 1;
        json_t *entry = json_object();
        json_object_set_new(entry, "image_id", json_integer(ids[m]));
        json_object_set(entry, "rights", list);
        json_array_append_new(members, entry);
        if (list != first) json_decref(list);
    }
    if (first) json_decref(first);
    if (rc == CS_OK && conflict) {
        json_t *o = json_object();
        json_object_set_new(o, "why",
                            json_string(exact ? "the same bytes carry different "
                                                "rights statements at different URLs"
                                              : "near-duplicate images carry "
                                                "different rights statements"));
        json_object_set_new(o, "members", members);
        *reason = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(o);
        if (!*reason) rc = cs_error_set(err, CS_ENOMEM, "out of memory");
    } else {
        json_decref(members);
    }
    return rc;
}

static int write_cluster(catalog *cat, const char *kind, int threshold, const int64_t *ids,
                         const int *distances, size_t n, pipeline_dedup_stats *stats, cs_error *err)
{
    int64_t cluster_id;
    int rc = catalog_add_cluster(cat, kind, threshold, &cluster_id, err);
    for (size_t m = 0; m < n && rc == CS_OK; m++)
        rc = catalog_add_cluster_member(cat, cluster_id, ids[m], distances[m], err);
    char *reason = NULL;
    if (rc == CS_OK) rc = rights_of_members(cat, ids, n, strcmp(kind, "exact") == 0, &reason, err);
    if (rc == CS_OK && reason) {
        rc = catalog_set_cluster_conflict(cat, cluster_id, reason, err);
        stats->conflicts++;
    }
    free(reason);
    return rc;
}

typedef struct member {
    size_t root;
    size_t row;
} member;

static int member_cmp(const void *a, const void *b)
{
    const member *x = a, *y = b;
    if (x->root != y->root) return x->root < y->root ? -1 : 1;
    return (x->row > y->row) - (x->row < y->row);
}

static int build_clusters(catalog *cat, const pipeline_dedup_options *o,
                          pipeline_dedup_stats *stats, cs_error *err)
{
    catalog_hash_row *rows = NULL;
    size_t nrows = 0;
    int rc = catalog_list_hashes(cat, &rows, &nrows, err);
    if (rc != CS_OK) return rc;
    stats->images = nrows;
    pdq_hash *codes = malloc(sizeof(pdq_hash) * (nrows ? nrows : 1));
    size_t *row_of = malloc(sizeof(size_t) * (nrows ? nrows : 1)); /* index id -> row */
    member *members = malloc(sizeof(member) * (nrows ? nrows : 1));
    int64_t *ids = malloc(sizeof(int64_t) * (nrows ? nrows : 1));
    int *distances = malloc(sizeof(int) * (nrows ? nrows : 1));
    dedup_clusters *uf = NULL;
    int64_t *multi = NULL;
    size_t nmulti = 0, ncodes = 0, nmembers = 0;
    if (!codes || !row_of || !members || !ids || !distances) {
        rc = cs_error_set(err, CS_ENOMEM, "out of memory clustering %zu images", nrows);
        goto done;
    }
    for (size_t r = 0; r < nrows; r++) {
        pdq_hash h;
        if (pdq_hash_from_hex(rows[r].pdq, strlen(rows[r].pdq), &h) != CS_OK ||
            rows[r].pdq_quality < o->min_quality) {
            stats->untrusted++;
            continue;
        }
        codes[ncodes] = h;
        row_of[ncodes++] = r;
    }
    int jobs = o->jobs > 0 ? CS_MIN(o->jobs, DEDUP_RUN_MAX_JOBS) : online_cpus();
    rc = dedup_near_clusters(codes, ncodes, o->threshold, jobs, &uf, err);
    if (rc != CS_OK) goto done;
    for (size_t i = 0; i < ncodes; i++) {
        members[i].root = dedup_clusters_find(uf, i);
        members[i].row = i;
    }
    qsort(members, ncodes, sizeof(member), member_cmp);
    rc = catalog_list_multi_url_images(cat, &multi, &nmulti, err);
    if (rc != CS_OK) goto done;

    if ((rc = catalog_begin(cat, err)) != CS_OK) goto done;
    rc = catalog_clear_clusters(cat, err);
    for (size_t a = 0; a < ncodes && rc == CS_OK;) {
        size_t b = a;
        while (b < ncodes && members[b].root == members[a].root)
            b++;
        if (b - a >= 2) { /* rows ascend by image id, so a's is the lowest */
            nmembers = b - a;
            for (size_t k = 0; k < nmembers; k++) {
                size_t idx = members[a + k].row;
                ids[k] = rows[row_of[idx]].image_id;
                distances[k] = pdq_distance(&codes[members[a].row], &codes[idx]);
            }
            rc = write_cluster(cat, "near", o->threshold, ids, distances, nmembers, stats, err);
            stats->near_clusters++;
            stats->near_members += nmembers;
        }
        a = b;
    }
    for (size_t k = 0; k < nmulti && rc == CS_OK; k++) {
        int zero = 0;
        rc = write_cluster(cat, "exact", 0, &multi[k], &zero, 1, stats, err);
        stats->exact_clusters++;
    }
    if (rc == CS_OK)
        rc = catalog_commit(cat, err);
    else
        catalog_rollback(cat);
done:
    dedup_clusters_free(uf);
    free(rows);
    free(codes);
    free(row_of);
    free(members);
    free(ids);
    free(distances);
    free(multi);
    return rc;
}

int pipeline_dedup(catalog *cat, const pipeline_dedup_options *opts, pipeline_dedup_stats *stats,
                   cs_error *err)
{
    pipeline_dedup_options o = {.threshold = -1, .min_quality = -1};
    if (opts) o = *opts;
    if (o.threshold < 0) o.threshold = PDQ_DEFAULT_NEAR_DISTANCE;
    if (o.min_quality < 0) o.min_quality = PDQ_MIN_TRUSTED_QUALITY;
    if (o.threshold > 256)
        return cs_error_set(err, CS_EINVAL, "threshold %d is beyond 256 bits", o.threshold);
    memset(stats, 0, sizeof(*stats));
    int rc = hash_new_images(cat, &o, stats, err);
    if (rc == CS_OK) rc = build_clusters(cat, &o, stats, err);
    return rc;
}
