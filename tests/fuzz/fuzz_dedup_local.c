/*
 * fuzz_dedup_local.c - libFuzzer target for the serialised local features of
 * the similarity checker (dedup_local_deserialize in dedup/local.c) and for
 * the verification (dedup/verify.c) of whatever it accepts.
 *
 * Input: the bytes of a serialised feature set, as a catalog row or a file
 * would hand them in. Invariants, checked with abort():
 * - an accepted input serialises back to exactly the same bytes, within
 *   DEDUP_LOCAL_MAX_BYTES (the format has one encoding per set);
 * - verifying the set against itself or its mirror never reports more
 *   inliers than points, nor coverages or overlaps outside 0..1;
 * - mirroring twice gives the set back.
 * Seeds (tests/fuzz/corpus/fuzz_dedup_local/): real sets of the PDQ fixture
 * photos and truncated copies, written by tests/test_audit_match.c when
 * CLEARSET_WRITE_LOCAL_SEEDS names a folder (see tests/fuzz/make_corpus.py).
 */
#include "dedup/dedup.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check_match(const dedup_local_match *m, size_t points)
{
    if (m->inliers < 0 || (size_t)m->inliers > points) abort();
    const double measures[] = {m->work_coverage, m->query_coverage, m->work_overlap,
                               m->query_overlap};
    for (size_t i = 0; i < sizeof measures / sizeof *measures; i++)
        if (!(measures[i] >= 0 && measures[i] <= 1)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dedup_local *set = NULL, *mirror = NULL, *twice = NULL;
    cs_error err;
    if (dedup_local_deserialize(data, size, &set, &err) != CS_OK) {
        if (set) abort();
        return 0;
    }
    cs_buf again, back;
    cs_buf_init(&again, 0);
    cs_buf_init(&back, 0);
    if (dedup_local_serialize(set, &again, &err) != CS_OK) abort();
    if (again.len != size || again.len > DEDUP_LOCAL_MAX_BYTES || memcmp(again.data, data, size))
        abort();
    size_t n = dedup_local_count(set);
    dedup_local_match m;
    dedup_local_verify(set, set, &m);
    check_match(&m, n);
    if (dedup_local_mirror(set, &mirror, &err) != CS_OK) abort();
    dedup_local_verify(mirror, set, &m);
    check_match(&m, n);
    if (dedup_local_mirror(mirror, &twice, &err) != CS_OK) abort();
    if (dedup_local_serialize(twice, &back, &err) != CS_OK || back.len != size ||
        memcmp(back.data, data, size))
        abort();
    cs_buf_free(&again);
    cs_buf_free(&back);
    dedup_local_free(set);
    dedup_local_free(mirror);
    dedup_local_free(twice);
    return 0;
}
