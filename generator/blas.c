/*
 * blas.c - OpenBLAS, loaded the first time the generator needs it.
 *
 * Linked in, OpenBLAS made every clearset command start 4.5 ms later: its
 * constructor reads the CPU, allocates its buffers and starts a thread pool,
 * which main then had to stop again. Only training, generating and the
 * sample-quality distance multiply matrices. So gan_new and gan_swd call
 * gen_blas_open, which dlopens the library the build found
 * (CLEARSET_OPENBLAS_LIBRARY, from pkg-config), resolves the four functions
 * once (pthread_once), and sets OpenBLAS to run each GEMM on its caller's
 * thread: the generator's workers are the only parallelism, and the pool
 * OpenBLAS started is shut down. gen_sgemm and gen_sgemv are then
 * cblas_sgemm and cblas_sgemv, called through a pointer (loading it first,
 * or stopping the process with the reason, for a caller that did not ask).
 */
#include "generator/generator_internal.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef CLEARSET_OPENBLAS_LIBRARY
#define CLEARSET_OPENBLAS_LIBRARY "libopenblas.so.0"
#endif

typedef void (*sgemm_fn)(enum CBLAS_ORDER, enum CBLAS_TRANSPOSE, enum CBLAS_TRANSPOSE, blasint,
                         blasint, blasint, float, const float *, blasint, const float *, blasint,
                         float, float *, blasint);
typedef void (*sgemv_fn)(enum CBLAS_ORDER, enum CBLAS_TRANSPOSE, blasint, blasint, float,
                         const float *, blasint, const float *, blasint, float, float *, blasint);

static struct {
    sgemm_fn sgemm;
    sgemv_fn sgemv;
    char why[256]; /* when the library or a function was not found */
} blas;

static pthread_once_t blas_once = PTHREAD_ONCE_INIT;

static void load(void)
{
    void *lib = dlopen(CLEARSET_OPENBLAS_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        snprintf(blas.why, sizeof blas.why, "%s", dlerror());
        return;
    }
    void (*set_threads)(int) = (void (*)(int))dlsym(lib, "openblas_set_num_threads");
    /* the pthread build's fork handler: stops the pool (cblas.h leaves it out) */
    int (*shutdown)(void) = (int (*)(void))dlsym(lib, "blas_thread_shutdown_");
    sgemm_fn sgemm = (sgemm_fn)dlsym(lib, "cblas_sgemm");
    sgemv_fn sgemv = (sgemv_fn)dlsym(lib, "cblas_sgemv");
    if (set_threads == NULL || sgemm == NULL || sgemv == NULL) {
        snprintf(blas.why, sizeof blas.why,
                 "%s lacks cblas_sgemm, cblas_sgemv or "
                 "openblas_set_num_threads",
                 CLEARSET_OPENBLAS_LIBRARY);
        dlclose(lib);
        return;
    }
    set_threads(1); /* never starts the pool again */
    if (shutdown) shutdown();
    blas.sgemv = sgemv;
    blas.sgemm = sgemm; /* kept loaded for the rest of the process */
}

int gen_blas_open(cs_error *err)
{
    pthread_once(&blas_once, load);
    if (blas.sgemm == NULL)
        return cs_error_set(err, CS_EUNSUPPORTED, "OpenBLAS cannot be loaded: %s", blas.why);
    return CS_OK;
}

/* For a caller that did not ask gen_blas_open first (a layer's own unit test): loads
 * OpenBLAS now, and stops the process with the reason when it cannot. */
static void need_blas(void)
{
    cs_error err;
    if (gen_blas_open(&err) == CS_OK) return;
    fprintf(stderr, "clearset: %s\n", err.message);
    abort();
}

void gen_sgemm(enum CBLAS_ORDER order, enum CBLAS_TRANSPOSE ta, enum CBLAS_TRANSPOSE tb, blasint m,
               blasint n, blasint k, float alpha, const float *a, blasint lda, const float *b,
               blasint ldb, float beta, float *c, blasint ldc)
{
    if (blas.sgemm == NULL) need_blas();
    blas.sgemm(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void gen_sgemv(enum CBLAS_ORDER order, enum CBLAS_TRANSPOSE t, blasint m, blasint n, float alpha,
               const float *a, blasint lda, const float *x, blasint incx, float beta, float *y,
               blasint incy)
{
    if (blas.sgemv == NULL) need_blas();
    blas.sgemv(order, t, m, n, alpha, a, lda, x, incx, beta, y, incy);
}
