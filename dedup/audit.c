/*
 * audit.c - the similarity check of one image against a set of protected
 * works, and that set (dedup_works).
 *
 * Stage 1 (PDQ): the query's eight dihedral PDQ hashes are looked up in the
 * multi-index over the works' PDQ hashes (index.c) within
 * PDQ_DEFAULT_NEAR_DISTANCE; a hit where both hashes have quality >=
 * PDQ_MIN_TRUSTED_QUALITY is a copy. The pHash distance is reported beside it
 * as a second opinion (meaningful for the untransformed variant only, since
 * pHash has no dihedral form); it never overrules PDQ.
 *
 * Stage 2 (local features): the works the feature index (local_index.c) votes
 * for most, DEDUP_AUDIT_CANDIDATES of them (dedup.h), are verified (verify.c) against the
 * query's keypoints and against its mirror's. A verified work is a copy when
 * the query as a whole is the work: the work, mapped by the verified
 * transform, covers at least AUDIT_COPY_QUERY_OVERLAP of the query, and the
 * query shows at least AUDIT_COPY_WORK_OVERLAP of the work (a crop, a
 * rotation, a caption or a logo leave most of both). Otherwise it is a partial
 * match: a region only, as in a collage or a small crop of the work.
 * A work stage 1 already found is not verified again.
 *
 * A match found through the mirror is reported in the query's own
 * coordinates (the transform, box and outline are mirrored back).
 */
#include "dedup/dedup_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Stage 2 copy: the mapped work covers this much of the query (1 for a copy or
 * a crop, about 0.9 after a 10 degree rotation on the same canvas; a collage's
 * work covers 0.25-0.5 of it), and the query shows this much of the work (0.49
 * after cropping 30% of each side; below that, a small crop is a region).
 */
#define AUDIT_COPY_QUERY_OVERLAP 0.70
#define AUDIT_COPY_WORK_OVERLAP  0.35
/* pHash "agrees" within this many bits of 64 (its usual near-duplicate radius). */
#define AUDIT_PHASH_AGREE 12
/* Matches reported when the caller asks for 0. */
#define AUDIT_DEFAULT_MATCHES 5
/* Works a set holds: ids are uint32_t. */
#define AUDIT_MAX_WORKS 0xFFFFFFF0u

struct dedup_works {
    dedup_work_desc *descs;
    dedup_local **locals;
    size_t count, cap, locals_cap;
    int built;
    dedup_index *pdq;
    local_index *features;
};

int dedup_works_new(dedup_works **out, cs_error *err)
{
    *out = calloc(1, sizeof **out);
    return *out ? CS_OK : cs_error_set(err, CS_ENOMEM, "out of memory for the protected works");
}

int dedup_works_add(dedup_works *w, const dedup_work_desc *desc, dedup_local *local, uint32_t *id,
                    cs_error *err)
{
    if (w->built) {
        dedup_local_free(local);
        return cs_error_set(err, CS_EINVAL, "protected works: add after build");
    }
    int rc =
        cs_array_reserve((void **)&w->descs, &w->cap, w->count, sizeof *w->descs, AUDIT_MAX_WORKS);
    if (rc == CS_OK)
        rc = cs_array_reserve((void **)&w->locals, &w->locals_cap, w->count, sizeof *w->locals,
                              AUDIT_MAX_WORKS);
    if (rc != CS_OK) {
        dedup_local_free(local);
        return cs_error_set(err, rc, "protected works: cannot add work %zu", w->count);
    }
    if (id) *id = (uint32_t)w->count;
    w->descs[w->count] = *desc;
    w->locals[w->count] = local;
    w->count++;
    return CS_OK;
}

int dedup_works_build(dedup_works *w, cs_error *err)
{
    if (w->built) return CS_OK;
    pdq_hash *codes = malloc(sizeof *codes * (w->count ? w->count : 1));
    if (!codes) return cs_error_set(err, CS_ENOMEM, "out of memory building the works' index");
    for (size_t i = 0; i < w->count; i++)
        codes[i] = w->descs[i].pdq;
    int rc = dedup_index_build(codes, w->count, &w->pdq, err);
    free(codes);
    if (rc == CS_OK)
        rc = local_index_build((const dedup_local *const *)w->locals, w->count, &w->features, err);
    if (rc == CS_OK) w->built = 1;
    return rc;
}

size_t dedup_works_count(const dedup_works *w)
{
    return w ? w->count : 0;
}

size_t dedup_works_memory(const dedup_works *w)
{
    if (!w) return 0;
    size_t bytes = sizeof *w + w->cap * sizeof *w->descs + w->locals_cap * sizeof *w->locals;
    for (size_t i = 0; i < w->count; i++)
        if (w->locals[i]) bytes += sizeof *w->locals[i] + w->locals[i]->count * sizeof(local_point);
    if (w->pdq) /* index.c: the codes and 16 slot tables */
        bytes +=
            w->count * (sizeof(pdq_hash) + 16 * sizeof(uint32_t)) + 16 * (65537 * sizeof(uint32_t));
    return bytes + local_index_memory(w->features);
}

void dedup_works_free(dedup_works *w)
{
    if (!w) return;
    for (size_t i = 0; i < w->count; i++)
        dedup_local_free(w->locals[i]);
    free(w->locals);
    free(w->descs);
    dedup_index_free(w->pdq);
    local_index_free(w->features);
    free(w);
}

const char *dedup_risk_name(dedup_risk risk)
{
    switch (risk) {
    case DEDUP_RISK_PARTIAL:
        return "partial";
    case DEDUP_RISK_COPY:
        return "copy";
    default:
        return "none";
    }
}

const char *dedup_stage_name(dedup_stage stage)
{
    return stage == DEDUP_STAGE_LOCAL ? "local" : "pdq";
}

static const char *dihedral_words(int d)
{
    static const char *const words[PDQ_DIH_COUNT] = {"as it is",
                                                     "rotated 90 degrees",
                                                     "rotated 180 degrees",
                                                     "rotated 270 degrees",
                                                     "flipped top to bottom",
                                                     "mirrored left to right",
                                                     "transposed",
                                                     "anti-transposed"};
    return d >= 0 && d < PDQ_DIH_COUNT ? words[d] : "transformed";
}

/* The match list being gathered: at most one entry per work. */
typedef struct found {
    dedup_similarity *items;
    size_t count, cap;
} found;

static dedup_similarity *found_get(found *f, uint32_t work, int *fresh)
{
    for (size_t i = 0; i < f->count; i++)
        if (f->items[i].work == work) {
            *fresh = 0;
            return &f->items[i];
        }
    if (cs_array_reserve((void **)&f->items, &f->cap, f->count, sizeof *f->items, 0) != CS_OK)
        return NULL;
    *fresh = 1;
    dedup_similarity *s = &f->items[f->count++];
    memset(s, 0, sizeof *s);
    s->work = work;
    s->pdq_distance = 256;
    s->phash_distance = 64;
    return s;
}

static int stage1(const dedup_works *w, const dedup_hashes *h, found *f, cs_error *err)
{
    if (!w->count || h->pdq_quality < PDQ_MIN_TRUSTED_QUALITY) return CS_OK;
    dedup_searcher *s;
    int rc = dedup_searcher_new(w->pdq, &s, err);
    for (int d = 0; rc == CS_OK && d < PDQ_DIH_COUNT; d++) {
        const dedup_match *m;
        long n = dedup_search(s, &h->dihedral[d], PDQ_DEFAULT_NEAR_DISTANCE, DEDUP_SEARCH_AUTO, &m);
        if (n < 0) rc = cs_error_set(err, (int)n, "audit: PDQ search failed");
        for (long i = 0; rc == CS_OK && i < n; i++) {
            const dedup_work_desc *desc = &w->descs[m[i].id];
            if (desc->pdq_quality < PDQ_MIN_TRUSTED_QUALITY) continue;
            int fresh;
            dedup_similarity *sim = found_get(f, m[i].id, &fresh);
            if (!sim) {
                rc = cs_error_set(err, CS_ENOMEM, "audit: out of memory");
                break;
            }
            if (m[i].distance >= sim->pdq_distance) continue;
            sim->stage = DEDUP_STAGE_PDQ;
            sim->risk = DEDUP_RISK_COPY;
            sim->pdq_distance = m[i].distance;
            sim->dihedral = d;
            sim->phash_distance = phash_distance(h->phash, desc->phash);
            if (d == PDQ_DIH_ORIGINAL)
                snprintf(sim->why, sizeof sim->why,
                         "PDQ hashes differ by %d of 256 bits as it is; pHash %s (%d of 64 bits)",
                         m[i].distance,
                         sim->phash_distance <= AUDIT_PHASH_AGREE ? "agrees" : "disagrees",
                         sim->phash_distance);
            else
                snprintf(sim->why, sizeof sim->why,
                         "PDQ hashes differ by %d of 256 bits once %s (pHash, %d of 64 bits, "
                         "cannot see rotations or flips)",
                         m[i].distance, dihedral_words(d), sim->phash_distance);
        }
    }
    dedup_searcher_free(s);
    return rc;
}

/* The match m of the mirrored query, in the query's own coordinates (width qw). */
static void unmirror(dedup_local_match *m, int qw)
{
    m->transform[0] = -m->transform[0];
    m->transform[1] = -m->transform[1];
    m->transform[2] = qw - m->transform[2];
    double x0 = m->query_box[0], x1 = m->query_box[2];
    m->query_box[0] = qw - x1;
    m->query_box[2] = qw - x0;
    for (int c = 0; c < 4; c++)
        m->outline[c][0] = qw - m->outline[c][0];
}

static int stage2(const dedup_works *w, const dedup_local *query, int mirrored, found *f,
                  cs_error *err)
{
    uint32_t ids[DEDUP_AUDIT_CANDIDATES];
    long n = local_index_candidates(w->features, query, ids, DEDUP_AUDIT_CANDIDATES);
    if (n < 0) return cs_error_set(err, (int)n, "audit: out of memory searching features");
    for (long i = 0; i < n; i++) {
        const dedup_local *work = w->locals[ids[i]];
        dedup_local_match m;
        if (!work || !dedup_local_verify(query, work, &m)) continue;
        int fresh;
        dedup_similarity *sim = found_get(f, ids[i], &fresh);
        if (!sim) return cs_error_set(err, CS_ENOMEM, "audit: out of memory");
        if (!fresh && (sim->stage == DEDUP_STAGE_PDQ || sim->local.inliers >= m.inliers)) continue;
        if (mirrored) unmirror(&m, query->width);
        sim->stage = DEDUP_STAGE_LOCAL;
        sim->mirrored = mirrored;
        sim->local = m;
        sim->risk =
            m.query_overlap >= AUDIT_COPY_QUERY_OVERLAP && m.work_overlap >= AUDIT_COPY_WORK_OVERLAP
                ? DEDUP_RISK_COPY
                : DEDUP_RISK_PARTIAL;
        snprintf(sim->why, sizeof sim->why,
                 "%d keypoints%s agree on one transform; they span %.0f%% of the work and "
                 "%.0f%% of this image, which the work fills to %.0f%%",
                 m.inliers, mirrored ? " of the mirrored image" : "", 100 * m.work_coverage,
                 100 * m.query_coverage, 100 * m.query_overlap);
    }
    return CS_OK;
}

static int by_strength(const void *pa, const void *pb)
{
    const dedup_similarity *a = pa, *b = pb;
    if (a->risk != b->risk) return a->risk > b->risk ? -1 : 1;
    if (a->stage != b->stage) return a->stage == DEDUP_STAGE_PDQ ? -1 : 1;
    if (a->stage == DEDUP_STAGE_PDQ && a->pdq_distance != b->pdq_distance)
        return a->pdq_distance < b->pdq_distance ? -1 : 1;
    if (a->local.inliers != b->local.inliers) return a->local.inliers > b->local.inliers ? -1 : 1;
    return (a->work > b->work) - (a->work < b->work);
}

int dedup_audit(const dedup_works *w, const dedup_query *q, size_t max_matches,
                dedup_audit_result *out, cs_error *err)
{
    memset(out, 0, sizeof *out);
    if (!w || !w->built || !q)
        return cs_error_set(err, CS_EINVAL, "audit: the protected works are not built");
    found f = {0};
    int rc = q->hashes ? stage1(w, q->hashes, &f, err) : CS_OK;
    if (rc == CS_OK && q->local && q->local->count) {
        dedup_local *mirror = NULL;
        rc = stage2(w, q->local, 0, &f, err);
        if (rc == CS_OK) rc = dedup_local_mirror(q->local, &mirror, err);
        if (rc == CS_OK) rc = stage2(w, mirror, 1, &f, err);
        dedup_local_free(mirror);
    }
    /* a work only stage 2 found still gets its hash distances, for the report */
    for (size_t i = 0; rc == CS_OK && q->hashes && i < f.count; i++) {
        dedup_similarity *s = &f.items[i];
        if (s->stage != DEDUP_STAGE_LOCAL) continue;
        const dedup_work_desc *desc = &w->descs[s->work];
        s->pdq_distance = 256;
        for (int d = 0; d < PDQ_DIH_COUNT; d++) {
            int dist = pdq_distance(&q->hashes->dihedral[d], &desc->pdq);
            if (dist < s->pdq_distance) s->pdq_distance = dist, s->dihedral = d;
        }
        s->phash_distance = phash_distance(q->hashes->phash, desc->phash);
    }
    if (rc != CS_OK) {
        free(f.items);
        return rc;
    }
    if (f.count > 1) qsort(f.items, f.count, sizeof *f.items, by_strength); /* items NULL when 0 */
    size_t limit = max_matches ? max_matches : AUDIT_DEFAULT_MATCHES;
    out->count = f.count < limit ? f.count : limit;
    out->matches = f.items;
    out->risk = f.count ? f.items[0].risk : DEDUP_RISK_NONE;
    return CS_OK;
}

void dedup_audit_result_free(dedup_audit_result *r)
{
    if (!r) return;
    free(r->matches);
    memset(r, 0, sizeof *r);
}
