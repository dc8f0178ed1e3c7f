/*
 * bench/bench_index.c - queries per second of dedup's multi-index Hamming search
 * against a linear scan, at 1M and 10M PDQ codes, radius 31.
 *
 * Codes: uniformly random 256-bit codes, plus planted near duplicates (1 in
 * 20 codes is a copy of another with 1..40 bits flipped), so queries have
 * real answers. Queries: half are planted codes' originals, half random
 * codes. Every query runs through both methods and the answers are compared;
 * any difference is reported and makes the exit status 1.
 *
 *   bench/run index [SIZES...]        (default: 1000000 10000000)
 *
 * Memory: 10M codes are 320 MB, the index adds 640 MB of ids.
 */
#include "dedup/dedup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BENCH_RADIUS       31
#define BENCH_QUERIES      2000 /* index queries per size */
#define BENCH_LINEAR_LIMIT 300  /* linear-scan queries per size (each touches every code) */
#define BENCH_PLANT_EVERY  20

static uint64_t next_random(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

static double seconds_since(int64_t start)
{
    return (double)(cs_monotonic_ns() - start) / 1e9;
}

static int run_size(size_t n)
{
    pdq_hash *codes = malloc(sizeof(pdq_hash) * n);
    pdq_hash *queries = malloc(sizeof(pdq_hash) * BENCH_QUERIES);
    if (!codes || !queries) {
        fprintf(stderr, "bench_index: out of memory for %zu codes\n", n);
        return 1;
    }
    uint64_t seed = 0x5DEECE66Dull ^ n;
    for (size_t i = 0; i < n; i++) {
        if (i % BENCH_PLANT_EVERY == BENCH_PLANT_EVERY - 1) {
            codes[i] = codes[next_random(&seed) % i];
            int flips = 1 + (int)(next_random(&seed) % 40);
            for (int f = 0; f < flips; f++) {
                unsigned bit = (unsigned)(next_random(&seed) % 256);
                codes[i].w[bit / 64] ^= 1ull << (bit % 64);
            }
        } else {
            for (int w = 0; w < 4; w++)
                codes[i].w[w] = next_random(&seed);
        }
    }
    for (int q = 0; q < BENCH_QUERIES; q++) {
        if (q % 2 == 0) {
            queries[q] = codes[next_random(&seed) % n];
        } else {
            for (int w = 0; w < 4; w++)
                queries[q].w[w] = next_random(&seed);
        }
    }

    int64_t t0 = cs_monotonic_ns();
    dedup_index *ix;
    dedup_searcher *s;
    cs_error err;
    if (dedup_index_build(codes, n, &ix, &err) != CS_OK ||
        dedup_searcher_new(ix, &s, &err) != CS_OK) {
        fprintf(stderr, "bench_index: %s\n", err.message);
        return 1;
    }
    double build = seconds_since(t0);

    /* index answers, kept for comparison */
    size_t *offsets = malloc(sizeof(size_t) * (BENCH_QUERIES + 1));
    size_t cap = 1024, total = 0;
    dedup_match *answers = malloc(sizeof(dedup_match) * cap);
    t0 = cs_monotonic_ns();
    for (int q = 0; q < BENCH_QUERIES; q++) {
        const dedup_match *m;
        long k = dedup_search(s, &queries[q], BENCH_RADIUS, DEDUP_SEARCH_MIH, &m);
        if (k < 0) return 1;
        offsets[q] = total;
        if (cs_array_grow((void **)&answers, &cap, total + (size_t)k, sizeof *answers, 0) != CS_OK)
            return 1;
        memcpy(answers + total, m, sizeof(dedup_match) * (size_t)k);
        total += (size_t)k;
    }
    offsets[BENCH_QUERIES] = total;
    double mih = seconds_since(t0);

    int linear_queries = BENCH_QUERIES < BENCH_LINEAR_LIMIT ? BENCH_QUERIES : BENCH_LINEAR_LIMIT;
    int mismatches = 0;
    t0 = cs_monotonic_ns();
    for (int q = 0; q < linear_queries; q++) {
        const dedup_match *m;
        long k = dedup_search(s, &queries[q], BENCH_RADIUS, DEDUP_SEARCH_LINEAR, &m);
        size_t want = offsets[q + 1] - offsets[q];
        if (k < 0 || (size_t)k != want ||
            memcmp(m, answers + offsets[q], sizeof(dedup_match) * want) != 0)
            mismatches++;
    }
    double linear = seconds_since(t0);

    t0 = cs_monotonic_ns();
    for (int q = 0; q < BENCH_QUERIES; q++) {
        const dedup_match *m;
        long k = dedup_search(s, &queries[q], BENCH_RADIUS, DEDUP_SEARCH_AUTO, &m);
        size_t want = offsets[q + 1] - offsets[q];
        if (k < 0 || (size_t)k != want ||
            memcmp(m, answers + offsets[q], sizeof(dedup_match) * want) != 0)
            mismatches++;
    }
    double autom = seconds_since(t0);

    printf("%zu codes: index built in %.2f s; radius %d: index %.0f queries/s, linear scan "
           "%.1f queries/s (%.0fx), auto %.0f queries/s; %zu matches in %d queries; "
           "%d mismatches against the linear scan (%d compared)\n",
           n, build, BENCH_RADIUS, BENCH_QUERIES / mih, linear_queries / linear,
           (BENCH_QUERIES / mih) / (linear_queries / linear), BENCH_QUERIES / autom, total,
           BENCH_QUERIES, mismatches, linear_queries + BENCH_QUERIES);
    fflush(stdout);
    dedup_searcher_free(s);
    dedup_index_free(ix);
    free(answers);
    free(offsets);
    free(queries);
    free(codes);
    return mismatches ? 1 : 0;
}

int main(int argc, char **argv)
{
    int status = 0;
    if (argc > 1) {
        for (int i = 1; i < argc; i++)
            status |= run_size((size_t)strtoull(argv[i], NULL, 10));
    } else {
        status |= run_size(1000000);
        status |= run_size(10000000);
    }
    return status;
}
