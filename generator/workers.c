/*
 * workers.c - the gan's thread pool: a batch is cut into pieces of images,
 * and T workers take the pieces as they come free, so two cores train one
 * network.
 *
 * How it works: gen_workers_new starts T-1 threads; the thread that calls
 * gen_workers_run is worker 0. A run is published under the mutex with a new
 * generation number and one broadcast wakes the sleeping workers. Every
 * worker, worker 0 included, then claims pieces from one atomic word (the
 * run's generation and its next piece, so a worker that wakes late cannot
 * claim a piece of a later run) and calls task(ctx, piece, pieces) until
 * none is left. Worker 0 returns once every piece is finished; it does not
 * wait for workers that have not woken up yet, which find nothing left. The
 * threads sleep on a condition variable between runs: a training step costs
 * one broadcast per layer call, not one wake-up per GEMM as with OpenBLAS's
 * own threads (which lost to a single thread on a busy machine). No thread
 * is created or joined after gen_workers_new; gen_workers_free stops and
 * joins them. (Spinning a while before sleeping was tried and measured
 * slower: on a shared machine the spinning eats the process's share.)
 *
 * Why pieces rather than one slice per worker: on a shared machine one
 * worker's core is often busy with someone else's process, and with fixed
 * slices every layer waits for the slow one (measured with another process
 * on one core: two threads 590 images/s, one 560). Taken as they come free,
 * the pieces go mostly to the free core (two threads about 850).
 *
 * Determinism: the pieces depend only on the batch (GEN_WORKERS_PIECES of
 * them), never on the thread count or on which worker runs which piece. A
 * piece's share of a weight gradient goes to its own buffer and the shares
 * are added after the run in piece order (gen_workers_sum_grads), so a gan
 * computes the same bits on one thread as on two.
 */
#include "generator/generator_internal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

typedef struct worker_arg {
    gen_workers *pool;
    int index;
} worker_arg;

/* A run as a worker sees it: copied under the lock when it wakes. */
typedef struct run {
    uint64_t generation;
    gen_task task;
    void *ctx;
    int pieces;
} run;

struct gen_workers {
    int count;
    pthread_t *threads; /* count - 1 */
    worker_arg *args;
    float *grads[GEN_WORKERS_PIECES]; /* pieces 1.. : their share of a weight gradient */
    pthread_mutex_t lock;
    pthread_cond_t start; /* a new run (or stop) */
    pthread_cond_t done;  /* every piece of the run finished */
    run current;          /* under lock */
    bool stop;            /* under lock */
    /* The current run's generation (high 32 bits) and next unclaimed piece
     * (low 32): a worker claims a piece only of the run it copied. */
    _Atomic uint64_t claim;
    _Atomic int finished; /* pieces of the current run done */
    bool synced;          /* lock, start and done initialised */
    int started;          /* threads successfully created */
};

/* Claims and runs pieces of r until none is left or another run has begun. */
static void take_pieces(gen_workers *w, const run *r)
{
    uint64_t tag = (uint64_t)(uint32_t)r->generation << 32;
    uint64_t c = atomic_load(&w->claim);
    for (;;) {
        if ((c & ~(uint64_t)UINT32_MAX) != tag || (int)(uint32_t)c >= r->pieces) return;
        if (!atomic_compare_exchange_weak(&w->claim, &c, c + 1)) continue; /* c reloaded */
        r->task(r->ctx, (int)(uint32_t)c, r->pieces);
        if (atomic_fetch_add(&w->finished, 1) + 1 == r->pieces) {
            pthread_mutex_lock(&w->lock);
            pthread_cond_signal(&w->done);
            pthread_mutex_unlock(&w->lock);
        }
        c = atomic_load(&w->claim);
    }
}

static void *worker_main(void *arg)
{
    gen_workers *w = ((const worker_arg *)arg)->pool;
    uint64_t seen = 0;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->stop && w->current.generation == seen)
            pthread_cond_wait(&w->start, &w->lock);
        if (w->stop) break;
        run r = w->current;
        seen = r.generation;
        pthread_mutex_unlock(&w->lock);
        take_pieces(w, &r);
        pthread_mutex_lock(&w->lock);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

int gen_workers_new(int count, size_t grad_floats, gen_workers **out, cs_error *err)
{
    *out = NULL;
    gen_workers *w = calloc(1, sizeof *w);
    if (w == NULL) return cs_error_set(err, CS_ENOMEM, "gan workers: out of memory");
    w->count = count;
    w->threads = calloc((size_t)count, sizeof *w->threads);
    w->args = calloc((size_t)count, sizeof *w->args);
    bool failed = w->threads == NULL || w->args == NULL;
    for (int i = 1; !failed && i < GEN_WORKERS_PIECES; i++) {
        w->grads[i] = calloc(grad_floats ? grad_floats : 1, sizeof(float));
        failed = w->grads[i] == NULL;
    }
    if (failed) {
        gen_workers_free(w);
        return cs_error_set(err, CS_ENOMEM, "gan workers: out of memory");
    }
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->start, NULL);
    pthread_cond_init(&w->done, NULL);
    w->synced = true;
    for (int i = 1; i < count; i++) {
        w->args[i].pool = w;
        w->args[i].index = i;
        if (pthread_create(&w->threads[i - 1], NULL, worker_main, &w->args[i]) != 0) {
            gen_workers_free(w);
            return cs_error_set(err, CS_ENOMEM, "gan workers: cannot start thread %d of %d", i,
                                count - 1);
        }
        w->started++;
    }
    *out = w;
    return CS_OK;
}

void gen_workers_free(gen_workers *w)
{
    if (w == NULL) return;
    if (w->synced) {
        pthread_mutex_lock(&w->lock);
        w->stop = true;
        pthread_cond_broadcast(&w->start);
        pthread_mutex_unlock(&w->lock);
        for (int i = 0; i < w->started; i++)
            pthread_join(w->threads[i], NULL);
        pthread_cond_destroy(&w->start);
        pthread_cond_destroy(&w->done);
        pthread_mutex_destroy(&w->lock);
    }
    for (int i = 0; i < GEN_WORKERS_PIECES; i++)
        free(w->grads[i]);
    free(w->args);
    free(w->threads);
    free(w);
}

int gen_workers_pieces(const gen_workers *w, int n)
{
    return w == NULL ? 1 : CS_MIN(n, GEN_WORKERS_PIECES);
}

void gen_workers_run(gen_workers *w, int pieces, gen_task task, void *ctx)
{
    if (w == NULL || w->count == 1) {
        for (int piece = 0; piece < pieces; piece++)
            task(ctx, piece, pieces);
        return;
    }
    pthread_mutex_lock(&w->lock);
    run r = {w->current.generation + 1, task, ctx, pieces};
    w->current = r;
    atomic_store(&w->finished, 0);
    atomic_store(&w->claim, (uint64_t)(uint32_t)r.generation << 32);
    pthread_cond_broadcast(&w->start);
    pthread_mutex_unlock(&w->lock);
    take_pieces(w, &r);
    /* Wait for pieces still running on other workers, not for workers that
     * have not woken up yet: they will find nothing left of this run. */
    if (atomic_load(&w->finished) < pieces) {
        pthread_mutex_lock(&w->lock);
        while (atomic_load(&w->finished) < pieces)
            pthread_cond_wait(&w->done, &w->lock);
        pthread_mutex_unlock(&w->lock);
    }
}

void gen_workers_slice(int n, int piece, int pieces, int *lo, int *hi)
{
    *lo = (int)((long long)n * piece / pieces);
    *hi = (int)((long long)n * (piece + 1) / pieces);
}

float *gen_workers_grad(gen_workers *w, int piece, float *dweight, size_t n)
{
    if (piece == 0) return dweight;
    memset(w->grads[piece], 0, n * sizeof(float));
    return w->grads[piece];
}

/* [lo, hi) of n floats for one piece of an element-wise job. */
static void float_slice(size_t n, int piece, int pieces, size_t *lo, size_t *hi)
{
    *lo = n * (size_t)piece / (size_t)pieces;
    *hi = n * (size_t)(piece + 1) / (size_t)pieces;
}

typedef struct sum_job {
    gen_workers *w;
    int parts; /* gradient pieces to add */
    float *dweight;
    size_t n;
} sum_job;

/* Each element adds the parts in piece order, whichever worker runs it. */
static void sum_slice(void *ctx, int piece, int pieces)
{
    const sum_job *j = ctx;
    size_t lo, hi;
    float_slice(j->n, piece, pieces, &lo, &hi);
    for (int part = 1; part < j->parts; part++) {
        const float *src = j->w->grads[part];
        for (size_t i = lo; i < hi; i++)
            j->dweight[i] += src[i];
    }
}

void gen_workers_sum_grads(gen_workers *w, int pieces, float *dweight, size_t n)
{
    if (pieces < 2) return;
    sum_job j = {w, pieces, dweight, n};
    gen_workers_run(w, gen_workers_pieces(w, GEN_WORKERS_PIECES), sum_slice, &j);
}

typedef struct map_job {
    size_t n;
    gen_unary unary;
    gen_binary binary;
    const float *a, *b;
    float *out;
} map_job;

static void map_slice(void *ctx, int piece, int pieces)
{
    const map_job *j = ctx;
    size_t lo, hi;
    float_slice(j->n, piece, pieces, &lo, &hi);
    if (j->unary)
        j->unary(hi - lo, j->a + lo, j->out + lo);
    else
        j->binary(hi - lo, j->a + lo, j->b + lo, j->out + lo);
}

void gen_workers_map1(gen_workers *w, size_t n, gen_unary fn, const float *x, float *y)
{
    map_job j = {.n = n, .unary = fn, .a = x, .out = y};
    gen_workers_run(w, gen_workers_pieces(w, GEN_WORKERS_PIECES), map_slice, &j);
}

void gen_workers_map2(gen_workers *w, size_t n, gen_binary fn, const float *a, const float *b,
                      float *y)
{
    map_job j = {.n = n, .binary = fn, .a = a, .b = b, .out = y};
    gen_workers_run(w, gen_workers_pieces(w, GEN_WORKERS_PIECES), map_slice, &j);
}
