/*
 * near.c - near-duplicate clusters of PDQ codes: the connected components of
 * the "within threshold" graph.
 *
 * The codes go into one multi-index (read-only once built); each thread takes
 * every jobs-th code, queries it at the threshold with its own searcher and
 * keeps the pairs (i, j) with i < j it finds. The calling thread then unions
 * every pair in a dedup_clusters. A thread that cannot start has its share run
 * on the calling thread, so the result never depends on how many started.
 */
#include "dedup/dedup_internal.h"

#include <pthread.h>
#include <stdlib.h>

/* One thread's share of the all-pairs search: codes i = first, first + step, ... */
typedef struct pair_job {
    const dedup_index *index;
    const pdq_hash *codes;
    size_t ncodes, first, step;
    int threshold;
    uint32_t (*pairs)[2]; /* (i, j) with i < j */
    size_t npairs, cap;
    int rc;
} pair_job;

static void *pair_worker(void *arg)
{
    pair_job *job = arg;
    dedup_searcher *s;
    if (dedup_searcher_new(job->index, &s, NULL) != CS_OK) {
        job->rc = CS_ENOMEM;
        return NULL;
    }
    for (size_t i = job->first; i < job->ncodes && job->rc == CS_OK; i += job->step) {
        const dedup_match *m;
        long found = dedup_search(s, &job->codes[i], job->threshold, DEDUP_SEARCH_AUTO, &m);
        if (found < 0) {
            job->rc = (int)found;
            break;
        }
        for (long k = 0; k < found; k++) {
            if (m[k].id <= i) continue;
            job->rc = cs_array_reserve((void **)&job->pairs, &job->cap, job->npairs,
                                       sizeof *job->pairs, 0);
            if (job->rc != CS_OK) break;
            job->pairs[job->npairs][0] = (uint32_t)i;
            job->pairs[job->npairs][1] = m[k].id;
            job->npairs++;
        }
    }
    dedup_searcher_free(s);
    return NULL;
}

/* Every pair within the threshold, searched on `jobs` threads, joined in uf. */
static int find_pairs(const dedup_index *ix, const pdq_hash *codes, size_t ncodes, int threshold,
                      int jobs, dedup_clusters *uf, cs_error *err)
{
    pair_job *pj = calloc((size_t)jobs, sizeof(pair_job));
    pthread_t *threads = calloc((size_t)jobs, sizeof(pthread_t));
    int *started = calloc((size_t)jobs, sizeof(int));
    int rc = CS_OK;
    if (!pj || !threads || !started) {
        rc = cs_error_set(err, CS_ENOMEM, "out of memory for the pair search");
        goto done;
    }
    for (int t = 0; t < jobs; t++) {
        pj[t] = (pair_job){.index = ix,
                           .codes = codes,
                           .ncodes = ncodes,
                           .first = (size_t)t,
                           .step = (size_t)jobs,
                           .threshold = threshold};
        started[t] = pthread_create(&threads[t], NULL, pair_worker, &pj[t]) == 0;
        if (!started[t]) pair_worker(&pj[t]); /* no thread: do its share here */
    }
    for (int t = 0; t < jobs; t++) {
        if (started[t]) pthread_join(threads[t], NULL);
        if (pj[t].rc != CS_OK && rc == CS_OK)
            rc = cs_error_set(err, pj[t].rc, "near-duplicate search failed: %s",
                              cs_strerror(pj[t].rc));
        for (size_t k = 0; k < pj[t].npairs; k++)
            dedup_clusters_union(uf, pj[t].pairs[k][0], pj[t].pairs[k][1]);
    }
done:
    if (pj)
        for (int t = 0; t < jobs; t++)
            free(pj[t].pairs);
    free(pj);
    free(threads);
    free(started);
    return rc;
}

int dedup_near_clusters(const pdq_hash *codes, size_t n, int threshold, int jobs,
                        dedup_clusters **out, cs_error *err)
{
    *out = NULL;
    if (threshold < 0 || threshold > 256)
        return cs_error_set(err, CS_EINVAL, "threshold %d is outside 0..256 bits", threshold);
    if (jobs < 1) jobs = 1;
    dedup_index *ix = NULL;
    dedup_clusters *uf = NULL;
    int rc = dedup_index_build(codes, n, &ix, err);
    if (rc != CS_OK) return rc;
    if (dedup_clusters_new(n, &uf) != CS_OK)
        rc = cs_error_set(err, CS_ENOMEM, "out of memory clustering %zu images", n);
    if (rc == CS_OK) rc = find_pairs(ix, codes, n, threshold, jobs, uf, err);
    dedup_index_free(ix);
    if (rc != CS_OK) {
        dedup_clusters_free(uf);
        return rc;
    }
    *out = uf;
    return CS_OK;
}
