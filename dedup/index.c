/*
 * index.c - an exact Hamming-radius index over 256-bit PDQ codes, by
 * multi-index hashing (Norouzi, Punjani, Fleet 2012).
 *
 * Each code is cut into 16 slots of 16 bits; slot s is a table (CSR layout:
 * offsets[65537] and ids[n]) from the slot's value to the codes holding it. If
 * two codes are within distance d, the 16 slot distances sum to at most d, so
 * at least one slot is within floor(d/16): probing every value within that
 * radius in every slot finds every answer. Candidates are verified with a
 * full popcount distance (codes prefetched a few candidates ahead, since each
 * is a cache miss); a true match can be found through several slots, so the
 * answer is sorted by id and de-duplicated: exactly the linear scan's answer.
 *
 * A query first counts how many candidates the probes would touch (reading
 * only the offsets) and falls back to a linear scan when that is cheaper:
 * small collections, or large radii on clustered data.
 */
#include "dedup/dedup_internal.h"

#include <stdlib.h>
#include <string.h>

#define MIH_SLOTS       16
#define MIH_SLOT_BITS   16
#define MIH_SLOT_VALUES (1u << MIH_SLOT_BITS)
/* Ids are uint32_t: 4 billion codes is far past one machine's catalog. */
#define MIH_MAX_CODES 0xFFFFFFFFull
/*
 * Cost model, in units of one sequential code comparison: a random candidate
 * verification costs about a cache miss, a bucket probe about as much.
 */
#define MIH_COST_PER_CANDIDATE 4
#define MIH_COST_PER_PROBE     4
/* Candidates ahead whose codes are prefetched while one is verified. */
#define MIH_PREFETCH 16

struct dedup_index {
    size_t n;
    pdq_hash *codes;
    uint32_t *offsets[MIH_SLOTS]; /* MIH_SLOT_VALUES + 1 entries each */
    uint32_t *ids[MIH_SLOTS];     /* n entries each, grouped by slot value */
};

struct dedup_searcher {
    const dedup_index *index;
    dedup_match *matches;
    size_t count, cap;
    uint32_t *cand; /* candidate ids gathered from the probed buckets */
    size_t ncand, candcap;
};

/* Verification is popcount-bound: DEDUP_POPCOUNT_HOT (dedup_internal.h). */
#define MIH_HOT DEDUP_POPCOUNT_HOT

static inline int distance256(const pdq_hash *a, const pdq_hash *b)
{
    return __builtin_popcountll(a->w[0] ^ b->w[0]) + __builtin_popcountll(a->w[1] ^ b->w[1]) +
           __builtin_popcountll(a->w[2] ^ b->w[2]) + __builtin_popcountll(a->w[3] ^ b->w[3]);
}

static inline unsigned slot_value(const pdq_hash *h, int slot)
{
    return (unsigned)(h->w[slot >> 2] >> ((slot & 3) * MIH_SLOT_BITS)) & 0xFFFFu;
}

int dedup_index_build(const pdq_hash *codes, size_t n, dedup_index **out, cs_error *err)
{
    *out = NULL;
    if (n > MIH_MAX_CODES)
        return cs_error_set(err, CS_ELIMIT, "%zu codes exceed the index limit", n);
    dedup_index *ix = calloc(1, sizeof(*ix));
    if (!ix) return cs_error_set(err, CS_ENOMEM, "out of memory for the index");
    ix->n = n;
    ix->codes = malloc(sizeof(pdq_hash) * (n ? n : 1));
    if (!ix->codes) goto nomem;
    if (n) memcpy(ix->codes, codes, sizeof(pdq_hash) * n);
    for (int s = 0; s < MIH_SLOTS; s++) {
        uint32_t *off = calloc(MIH_SLOT_VALUES + 1, sizeof(uint32_t));
        uint32_t *ids = malloc(sizeof(uint32_t) * (n ? n : 1));
        ix->offsets[s] = off;
        ix->ids[s] = ids;
        if (!off || !ids) goto nomem;
        for (size_t i = 0; i < n; i++)
            off[slot_value(&codes[i], s) + 1]++;
        for (unsigned v = 0; v < MIH_SLOT_VALUES; v++)
            off[v + 1] += off[v];
        /* counting sort: fill with a moving cursor per value, then restore offsets */
        for (size_t i = 0; i < n; i++)
            ids[off[slot_value(&codes[i], s)]++] = (uint32_t)i;
        for (unsigned v = MIH_SLOT_VALUES; v > 0; v--)
            off[v] = off[v - 1];
        off[0] = 0;
    }
    *out = ix;
    return CS_OK;
nomem:
    dedup_index_free(ix);
    return cs_error_set(err, CS_ENOMEM, "out of memory indexing %zu codes", n);
}

size_t dedup_index_memory(const dedup_index *ix)
{
    if (!ix) return 0;
    return sizeof *ix + ix->n * sizeof(pdq_hash) +
           MIH_SLOTS * ((MIH_SLOT_VALUES + 1) * sizeof(uint32_t) + ix->n * sizeof(uint32_t));
}

void dedup_index_free(dedup_index *ix)
{
    if (!ix) return;
    for (int s = 0; s < MIH_SLOTS; s++) {
        free(ix->offsets[s]);
        free(ix->ids[s]);
    }
    free(ix->codes);
    free(ix);
}

int dedup_searcher_new(const dedup_index *ix, dedup_searcher **out, cs_error *err)
{
    dedup_searcher *s = calloc(1, sizeof(*s));
    if (s) {
        s->cap = 64; /* never NULL, so an empty answer is still a valid array */
        s->matches = malloc(sizeof(dedup_match) * s->cap);
    }
    if (!s || !s->matches) {
        if (s) free(s->matches);
        free(s);
        *out = NULL;
        return cs_error_set(err, CS_ENOMEM, "out of memory for an index searcher");
    }
    s->index = ix;
    *out = s;
    return CS_OK;
}

void dedup_searcher_free(dedup_searcher *s)
{
    if (!s) return;
    free(s->matches);
    free(s->cand);
    free(s);
}

static int push_match(dedup_searcher *s, uint32_t id, int distance)
{
    int rc = cs_array_reserve((void **)&s->matches, &s->cap, s->count, sizeof *s->matches, 0);
    if (rc != CS_OK) return rc;
    s->matches[s->count].id = id;
    s->matches[s->count].distance = distance;
    s->count++;
    return CS_OK;
}

static int match_cmp(const void *a, const void *b)
{
    uint32_t x = ((const dedup_match *)a)->id, y = ((const dedup_match *)b)->id;
    return (x > y) - (x < y);
}

/* Next 16-bit mask with the same number of set bits (Gosper's hack); 0 when done. */
static unsigned next_same_popcount(unsigned v)
{
    unsigned t = v | (v - 1);
    unsigned next = (t + 1) | (((~t & -~t) - 1) >> (__builtin_ctz(v) + 1));
    return next < MIH_SLOT_VALUES ? next : 0;
}

/* Calls visit(value) for every 16-bit value within r bits of center; stops on non-zero. */
typedef int (*probe_fn)(dedup_searcher *s, const pdq_hash *q, int radius, int slot, unsigned value,
                        size_t *acc);

static int probe_slot(dedup_searcher *s, const pdq_hash *q, int radius, int slot, int r,
                      probe_fn visit, size_t *acc)
{
    unsigned center = slot_value(q, slot);
    int rc = visit(s, q, radius, slot, center, acc);
    for (int k = 1; k <= r && rc == CS_OK; k++)
        for (unsigned mask = (1u << k) - 1; mask && rc == CS_OK; mask = next_same_popcount(mask))
            rc = visit(s, q, radius, slot, center ^ mask, acc);
    return rc;
}

static int count_bucket(dedup_searcher *s, const pdq_hash *q, int radius, int slot, unsigned value,
                        size_t *acc)
{
    (void)q;
    (void)radius;
    const uint32_t *off = s->index->offsets[slot];
    *acc += off[value + 1] - off[value] + MIH_COST_PER_PROBE;
    return CS_OK;
}

/* Appends a bucket's ids to the candidate list (sequential reads only). */
static int gather_bucket(dedup_searcher *s, const pdq_hash *q, int radius, int slot, unsigned value,
                         size_t *acc)
{
    (void)q;
    (void)radius;
    (void)acc;
    const uint32_t *off = s->index->offsets[slot];
    size_t n = off[value + 1] - off[value];
    if (n == 0) return CS_OK;
    int rc = cs_array_grow((void **)&s->cand, &s->candcap, s->ncand + n, sizeof *s->cand, 0);
    if (rc != CS_OK) return rc;
    memcpy(s->cand + s->ncand, s->index->ids[slot] + off[value], n * sizeof(uint32_t));
    s->ncand += n;
    return CS_OK;
}

/* Verifies every candidate; each is a cache miss, so codes are fetched ahead. */
MIH_HOT static int verify_candidates(dedup_searcher *s, const pdq_hash *q, int radius)
{
    const pdq_hash *codes = s->index->codes;
    const uint32_t *cand = s->cand;
    size_t n = s->ncand;
    for (size_t k = 0; k < n; k++) {
        if (k + MIH_PREFETCH < n) __builtin_prefetch(&codes[cand[k + MIH_PREFETCH]]);
        int d = distance256(q, &codes[cand[k]]);
        if (d <= radius && push_match(s, cand[k], d) != CS_OK) return CS_ENOMEM;
    }
    return CS_OK;
}

MIH_HOT static int linear_scan(dedup_searcher *s, const pdq_hash *q, int radius)
{
    const dedup_index *ix = s->index;
    for (size_t i = 0; i < ix->n; i++) {
        int d = distance256(q, &ix->codes[i]);
        if (d <= radius && push_match(s, (uint32_t)i, d) != CS_OK) return CS_ENOMEM;
    }
    return CS_OK;
}

static size_t binomial16(int k)
{
    size_t c = 1;
    for (int i = 0; i < k; i++)
        c = c * (size_t)(16 - i) / (size_t)(i + 1);
    return c;
}

long dedup_search(dedup_searcher *s, const pdq_hash *query, int radius, dedup_search_mode mode,
                  const dedup_match **matches)
{
    *matches = NULL;
    s->count = 0;
    if (radius < 0 || radius > 256) return CS_EINVAL;
    if (mode == DEDUP_SEARCH_MIH && radius > DEDUP_INDEX_MAX_RADIUS) return CS_EINVAL;
    const dedup_index *ix = s->index;
    int r = radius / MIH_SLOTS; /* per-slot radius, by the pigeonhole principle */
    int use_mih = mode == DEDUP_SEARCH_MIH;
    if (mode == DEDUP_SEARCH_AUTO && radius <= DEDUP_INDEX_MAX_RADIUS) {
        size_t probes = 0;
        for (int k = 0; k <= r; k++)
            probes += binomial16(k);
        probes *= MIH_SLOTS;
        if (probes * MIH_COST_PER_PROBE < ix->n) {
            size_t touched = 0; /* exact bucket sizes, from the offsets alone */
            for (int slot = 0; slot < MIH_SLOTS; slot++)
                probe_slot(s, query, radius, slot, r, count_bucket, &touched);
            size_t cost = touched * MIH_COST_PER_CANDIDATE;
            use_mih = cost < ix->n;
        }
    }
    int rc;
    if (use_mih) {
        rc = CS_OK;
        s->ncand = 0;
        for (int slot = 0; slot < MIH_SLOTS && rc == CS_OK; slot++)
            rc = probe_slot(s, query, radius, slot, r, gather_bucket, NULL);
        if (rc == CS_OK) rc = verify_candidates(s, query, radius);
        if (rc == CS_OK && s->count > 1) {
            qsort(s->matches, s->count, sizeof(dedup_match), match_cmp);
            size_t kept = 1; /* drop the same code found through another slot */
            for (size_t k = 1; k < s->count; k++)
                if (s->matches[k].id != s->matches[kept - 1].id) s->matches[kept++] = s->matches[k];
            s->count = kept;
        }
    } else {
        rc = linear_scan(s, query, radius);
    }
    if (rc != CS_OK) return rc;
    *matches = s->matches;
    return (long)s->count;
}
