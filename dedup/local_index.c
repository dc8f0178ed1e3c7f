/*
 * local_index.c - finds the works worth verifying against a query without
 * looking at every work: an inverted file over the keypoints' 64-bit codes.
 *
 * Each code is cut into LOCAL_INDEX_PARTS parts of 16 bits; part p is a table
 * (CSR layout: offsets[65537], then per posting the work id and 32 more bits
 * of the code: parts p+1 and p+2) from the part's value to the works holding
 * a keypoint with it. Two codes of one physical point differ in a few bits
 * (on photos rotated, re-encoded, cropped or resized, 69% of true pairs were
 * within 3 bits of 64 and 89% within 7), and within 3
 * bits one of the four parts is equal for certain (multi-index hashing's
 * pigeonhole). A query looks up each of its keypoints' parts; a posting whose
 * other 32 bits are within LOCAL_INDEX_REST_MAX of the query's is a likely
 * correspondence (an unrelated code passes 0.35% of the time), and its work
 * gets one vote per query keypoint (however many parts or points agree). The
 * works with the most votes are the candidates dedup_audit verifies.
 *
 * Cost: a query reads its 4 x 256 buckets, whose length grows with the number
 * of works, but each posting is a popcount: at 10k works about 40 thousand
 * per query side, far under the verification's cost. Buckets longer than
 * LOCAL_INDEX_STOP_FACTOR times the mean are stop words (codes of flat or
 * common patterns that many images have) and are skipped.
 */
#include "dedup/dedup_internal.h"

#include <stdlib.h>
#include <string.h>

#define LOCAL_INDEX_PARTS  4
#define LOCAL_INDEX_BITS   16
#define LOCAL_INDEX_VALUES (1u << LOCAL_INDEX_BITS)
/* A bucket this many times the mean length (and at least LOCAL_INDEX_STOP_MIN) is skipped:
 * at 10k works buckets up to 50x the mean made retrieval 4 ms a query (bench_audit), and a
 * code that common votes for little; the other three parts still vote. */
#define LOCAL_INDEX_STOP_FACTOR 10
#define LOCAL_INDEX_STOP_MIN    256
/* Of the 32 more bits kept per posting, at most this many may differ (a true pair's whole
 * 64-bit code is within 8 bits 92% of the time). */
#define LOCAL_INDEX_REST_MAX 8
/* Work ids are uint32_t, and the postings of all works must fit one allocation. */
#define LOCAL_INDEX_MAX_POSTINGS 0xFFFFFFFFull

struct local_index {
    size_t works;
    size_t stop; /* bucket length from which a bucket is skipped */
    uint32_t *offsets[LOCAL_INDEX_PARTS];
    uint32_t *ids[LOCAL_INDEX_PARTS];
    uint32_t *rest[LOCAL_INDEX_PARTS]; /* parts p+1 and p+2 of each posting's code */
    size_t postings;
};

static unsigned part_of(uint64_t code, int part)
{
    return (unsigned)(code >> (part * LOCAL_INDEX_BITS)) & (LOCAL_INDEX_VALUES - 1);
}

static uint32_t rest_of(uint64_t code, int part)
{
    return (uint32_t)part_of(code, (part + 1) % LOCAL_INDEX_PARTS) |
           (uint32_t)part_of(code, (part + 2) % LOCAL_INDEX_PARTS) << LOCAL_INDEX_BITS;
}

int local_index_build(const dedup_local *const *sets, size_t n, local_index **out, cs_error *err)
{
    *out = NULL;
    size_t postings = 0;
    for (size_t i = 0; i < n; i++)
        postings += sets[i] ? sets[i]->count : 0;
    if (n > 0xFFFFFFFFull || postings > LOCAL_INDEX_MAX_POSTINGS)
        return cs_error_set(err, CS_ELIMIT, "%zu works exceed the feature index's limit", n);
    local_index *ix = calloc(1, sizeof *ix);
    if (!ix) return cs_error_set(err, CS_ENOMEM, "out of memory for the feature index");
    ix->works = n;
    ix->postings = postings;
    size_t mean = postings / LOCAL_INDEX_VALUES;
    ix->stop = CS_MAX((size_t)LOCAL_INDEX_STOP_MIN, mean * LOCAL_INDEX_STOP_FACTOR);
    for (int p = 0; p < LOCAL_INDEX_PARTS; p++) {
        uint32_t *off = calloc(LOCAL_INDEX_VALUES + 1, sizeof *off);
        uint32_t *ids = malloc(sizeof *ids * (postings ? postings : 1));
        uint32_t *rest = malloc(sizeof *rest * (postings ? postings : 1));
        ix->offsets[p] = off;
        ix->ids[p] = ids;
        ix->rest[p] = rest;
        if (!off || !ids || !rest) {
            local_index_free(ix);
            return cs_error_set(err, CS_ENOMEM, "out of memory indexing %zu works", n);
        }
        for (size_t i = 0; i < n; i++)
            for (size_t k = 0; sets[i] && k < sets[i]->count; k++)
                off[part_of(sets[i]->points[k].code, p) + 1]++;
        for (unsigned v = 0; v < LOCAL_INDEX_VALUES; v++)
            off[v + 1] += off[v];
        /* counting sort with a moving cursor per value, then the offsets restored */
        for (size_t i = 0; i < n; i++)
            for (size_t k = 0; sets[i] && k < sets[i]->count; k++) {
                uint64_t code = sets[i]->points[k].code;
                uint32_t at = off[part_of(code, p)]++;
                ids[at] = (uint32_t)i;
                rest[at] = rest_of(code, p);
            }
        for (unsigned v = LOCAL_INDEX_VALUES; v > 0; v--)
            off[v] = off[v - 1];
        off[0] = 0;
    }
    *out = ix;
    return CS_OK;
}

void local_index_free(local_index *ix)
{
    if (!ix) return;
    for (int p = 0; p < LOCAL_INDEX_PARTS; p++) {
        free(ix->offsets[p]);
        free(ix->ids[p]);
        free(ix->rest[p]);
    }
    free(ix);
}

size_t local_index_memory(const local_index *ix)
{
    if (!ix) return 0;
    return sizeof *ix + LOCAL_INDEX_PARTS * ((LOCAL_INDEX_VALUES + 1) * sizeof(uint32_t) +
                                             ix->postings * 2 * sizeof(uint32_t));
}

typedef struct vote {
    uint32_t id, votes;
} vote;

static int by_votes(const void *a, const void *b)
{
    const vote *x = a, *y = b;
    if (x->votes != y->votes) return x->votes > y->votes ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

DEDUP_POPCOUNT_HOT long local_index_candidates(const local_index *ix, const dedup_local *query,
                                               uint32_t *ids, size_t max)
{
    if (!ix || !ix->works || !query || !query->count || !max) return 0;
    /* per work: the last query point that voted for it (+1), and its votes */
    uint32_t *last = calloc(ix->works, sizeof *last), *votes = calloc(ix->works, sizeof *votes);
    uint32_t *touched = NULL;
    size_t ntouched = 0, cap = 0;
    long rc = 0;
    if (!last || !votes) rc = CS_ENOMEM;
    for (size_t i = 0; rc == 0 && i < query->count; i++) {
        uint64_t code = query->points[i].code;
        for (int p = 0; rc == 0 && p < LOCAL_INDEX_PARTS; p++) {
            unsigned v = part_of(code, p);
            uint32_t from = ix->offsets[p][v], to = ix->offsets[p][v + 1], rest = rest_of(code, p);
            if (to - from >= ix->stop) continue;
            for (uint32_t k = from; k < to; k++) {
                if (__builtin_popcount(ix->rest[p][k] ^ rest) > LOCAL_INDEX_REST_MAX) continue;
                uint32_t id = ix->ids[p][k];
                if (last[id] == i + 1) continue;
                last[id] = (uint32_t)(i + 1);
                if (votes[id]++ == 0) {
                    if (cs_array_reserve((void **)&touched, &cap, ntouched, sizeof *touched, 0) !=
                        CS_OK) {
                        rc = CS_ENOMEM;
                        break;
                    }
                    touched[ntouched++] = id;
                }
            }
        }
    }
    vote *ranked = rc == 0 && ntouched ? malloc(ntouched * sizeof *ranked) : NULL;
    if (rc == 0 && ntouched && !ranked) rc = CS_ENOMEM;
    if (rc == 0 && ntouched) {
        for (size_t k = 0; k < ntouched; k++)
            ranked[k] = (vote){touched[k], votes[touched[k]]};
        qsort(ranked, ntouched, sizeof *ranked, by_votes);
        size_t m = ntouched < max ? ntouched : max;
        for (size_t k = 0; k < m; k++)
            ids[k] = ranked[k].id;
        rc = (long)m;
    }
    free(ranked);
    free(touched);
    free(last);
    free(votes);
    return rc;
}
