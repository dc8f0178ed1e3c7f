/*
 * generator_internal.h - the building blocks behind generator.h: the seeded
 * random stream, the parameter store, and one forward and one backward
 * function per layer. Only generator/ and its unit tests include this.
 *
 * Activations are stored channel-major, [C][B][H][W] ("CNHW"): a convolution
 * over the whole batch is then one GEMM whose output is already in that
 * layout, and batch norm reads each channel as one contiguous run. For one
 * channel this is the same as NCHW.
 *
 * Backward functions accumulate parameter gradients (+=) and overwrite input
 * gradients, so a network can be run forward and backward twice (real and
 * fake batch) with the weight gradients summing up, as PyTorch's do.
 */
#ifndef CLEARSET_GENERATOR_INTERNAL_H
#define CLEARSET_GENERATOR_INTERNAL_H

#include "generator/generator.h"

#include <cblas.h> /* the types and enums; the functions come through blas.c */
#include <stdbool.h>

/* --- blas.c: OpenBLAS, loaded on first use -------------------------------- */

/* Loads OpenBLAS once (CS_EUNSUPPORTED naming why it cannot be); before gen_sgemm. */
int gen_blas_open(cs_error *err);
/* cblas_sgemm and cblas_sgemv. Entry points call gen_blas_open first, for an error
 * they can report; otherwise the first call loads OpenBLAS or aborts saying why. */
void gen_sgemm(enum CBLAS_ORDER order, enum CBLAS_TRANSPOSE ta, enum CBLAS_TRANSPOSE tb, blasint m,
               blasint n, blasint k, float alpha, const float *a, blasint lda, const float *b,
               blasint ldb, float beta, float *c, blasint ldc);
void gen_sgemv(enum CBLAS_ORDER order, enum CBLAS_TRANSPOSE t, blasint m, blasint n, float alpha,
               const float *a, blasint lda, const float *x, blasint incx, float beta, float *y,
               blasint incy);

/* --- rng.c: xoshiro256** seeded through splitmix64 ---------------------- */

typedef struct gen_rng {
    uint64_t s[4];
} gen_rng;

void gen_rng_seed(gen_rng *rng, uint64_t seed);
uint64_t gen_rng_u64(gen_rng *rng);
/* Uniform in [0, 1). */
double gen_rng_uniform(gen_rng *rng);
/* Uniform integer in [0, n). */
uint32_t gen_rng_below(gen_rng *rng, uint32_t n);
/* n draws from N(mean, std) (Box-Muller, pairs). */
void gen_rng_normal(gen_rng *rng, float *out, size_t n, float mean, float std);

/* --- tensor.c: a network's parameters in contiguous buffers ------------- */

#define GEN_MAX_TENSORS 24

typedef struct gen_store {
    gan_tensor tensors[GEN_MAX_TENSORS];
    char names[GEN_MAX_TENSORS][32];
    size_t offset[GEN_MAX_TENSORS]; /* into params or state */
    bool trainable[GEN_MAX_TENSORS];
    int count;
    size_t param_count;            /* floats in params (and grads, m, v) */
    size_t state_count;            /* floats in state */
    float *params, *grads, *m, *v; /* one allocation each, in tensor order */
    float *state;                  /* non-trainable buffers (spectral norm's u) */
    uint64_t adam_step;
} gen_store;

/* Declares a tensor (before gen_store_alloc); returns its index. */
int gen_store_add(gen_store *st, const char *name, bool trainable, int rank, const int *shape);
/* Allocates the buffers (zeroed) and points every tensor into them. */
int gen_store_alloc(gen_store *st);
void gen_store_free(gen_store *st);
void gen_store_zero_grad(gen_store *st);

/* --- workers.c: the thread pool that splits a batch ---------------------- */

/* A job is cut into at most this many pieces, whatever the thread count, so
 * results do not depend on it; at most this many threads are kept busy. */
#define GEN_WORKERS_PIECES 8

/* One piece of a job: piece is 0 .. pieces-1. */
typedef void (*gen_task)(void *ctx, int piece, int pieces);
typedef struct gen_workers gen_workers;

/* count workers: the calling thread is worker 0, so count-1 threads start
 * here. grad_floats: the largest weight gradient a piece will hold. */
int gen_workers_new(int count, size_t grad_floats, gen_workers **out, cs_error *err);
/* Stops and joins the threads; accepts NULL. */
void gen_workers_free(gen_workers *w);
/* How many pieces to cut n items into: 1 for NULL (the calling thread, no
 * gradient buffers), else min(n, GEN_WORKERS_PIECES). */
int gen_workers_pieces(const gen_workers *w, int n);
/* Runs task(ctx, piece, pieces) for every piece, each on whichever worker
 * (the calling thread is one) comes free first, and returns once all are
 * done. Pieces must not depend on the worker that runs them. */
void gen_workers_run(gen_workers *w, int pieces, gen_task task, void *ctx);
/* Piece's contiguous share [lo, hi) of n items. */
void gen_workers_slice(int n, int piece, int pieces, int *lo, int *hi);
/* Where a piece accumulates (+=) its share of a weight gradient of n floats:
 * dweight itself for piece 0, its own buffer (zeroed here) for the others. */
float *gen_workers_grad(gen_workers *w, int piece, float *dweight, size_t n);
/* After a run: dweight += the buffers of pieces 1, 2, ... in that order (each
 * element in that order, the elements shared out among the workers). */
void gen_workers_sum_grads(gen_workers *w, int pieces, float *dweight, size_t n);
/* Element-wise functions run on n floats in slices, one per piece: each
 * element is computed by the same code whichever worker runs it. */
typedef void (*gen_unary)(size_t n, const float *x, float *y);
typedef void (*gen_binary)(size_t n, const float *a, const float *b, float *y);
void gen_workers_map1(gen_workers *w, size_t n, gen_unary fn, const float *x, float *y);
void gen_workers_map2(gen_workers *w, size_t n, gen_binary fn, const float *a, const float *b,
                      float *y);

/* --- conv.c, convt.c: convolutions as im2col + SGEMM --------------------- */

/* A convolution's shapes. For a transposed convolution `in` is its (small)
 * input and `out` its (large) output. */
typedef struct gen_conv {
    int in_c, in_h, in_w;
    int out_c, out_h, out_w;
    int k, stride, pad;
} gen_conv;

/* The patches of an image batch [c][batch][h][w]: k x k windows at stride and
 * padding, on an oh x ow grid. */
typedef struct gen_patches {
    int c, batch, h, w;
    int k, stride, pad;
    int oh, ow;
} gen_patches;

/* For images b0 .. b0+nb-1: col[(ch*k+i)*k+j][(b-b0)*oh*ow + y*ow + x] =
 * image[ch][b][y*stride-pad+i][x*stride-pad+j] (0 outside); rows of col are ld
 * floats apart. */
void gen_im2col(const gen_patches *p, const float *image, int b0, int nb, float *col, size_t ld);
/* The adjoint: zeroes images b0 .. b0+nb-1, then adds every column into them. */
void gen_col2im(const gen_patches *p, const float *col, size_t ld, int b0, int nb, float *image);
/* The patches a convolution reads from its input, or (transposed) the ones a
 * transposed convolution writes into its output. */
gen_patches gen_conv_patches(const gen_conv *cv, int batch, bool transposed);
/* im2col and col2im work through a zero-padded copy of one image plane on the
 * stack: at most this many floats (a 64 x 64 plane padded by 1 needs 4356). */
#define GEN_PLANE_FLOATS 8192
/* Whether p's padded planes fit GEN_PLANE_FLOATS; gen_gan_build checks every layer. */
bool gen_patches_fit(const gen_patches *p);
/* How many images of a batch to process at once when each needs that many column floats. */
int gen_chunk_images(size_t floats_per_image, int batch);

/* The convolutions cut the batch into pieces of contiguous images for the
 * workers of pool (NULL: the calling thread alone, in one piece). */

/* col: in_c*k*k x batch*out_h*out_w, the input's patches, kept for the backward pass. */
void gen_conv_forward(gen_workers *pool, const gen_conv *cv, int batch, const float *weight,
                      const float *x, float *col, float *out);
/* dweight (may be NULL) += ...; dx (may be NULL) = ...; dcol: scratch as large as col. */
void gen_conv_backward(gen_workers *pool, const gen_conv *cv, int batch, const float *weight,
                       const float *col, const float *dout, float *dweight, float *dcol, float *dx);

/* col: scratch of out_c*k*k x batch*in_h*in_w (dcol likewise). */
void gen_convt_forward(gen_workers *pool, const gen_conv *cv, int batch, const float *weight,
                       const float *x, float *col, float *out);
void gen_convt_backward(gen_workers *pool, const gen_conv *cv, int batch, const float *weight,
                        const float *x, const float *dout, float *dweight, float *dcol, float *dx);

/* --- batchnorm.c: training-mode batch norm over [C][n] ------------------ */

#define GEN_BN_EPS 1e-5f /* PyTorch's default */

/* xhat (n per channel) and invstd (one per channel) are kept for backward;
 * dgamma and dbeta (accumulated) may be NULL. */
/* pool (may be NULL) splits the channels; the result does not depend on it. */
void gen_batchnorm_forward(gen_workers *pool, int c, size_t n, const float *x, const float *gamma,
                           const float *beta, float *xhat, float *invstd, float *y);
void gen_batchnorm_backward(gen_workers *pool, int c, size_t n, const float *xhat,
                            const float *invstd, const float *gamma, const float *dy, float *dgamma,
                            float *dbeta, float *dx);

/* --- spectral.c: spectral normalisation of a [rows][cols] weight --------- */

#define GEN_SN_EPS 1e-12f /* PyTorch's normalize() eps */

typedef struct gen_spectral {
    int rows, cols;
    float *u;    /* rows, persistent (the gan's state buffer) */
    float *v;    /* cols, from the last power iteration */
    float sigma; /* of the last forward */
    float *w_sn; /* rows*cols: weight / sigma */
} gen_spectral;

/* One power iteration (updates u and v), then w_sn = weight / sigma. */
void gen_spectral_forward(gen_spectral *sn, const float *weight);
/* dweight += dL/dweight given dw_sn = dL/dw_sn (u and v held constant, as PyTorch). */
void gen_spectral_backward(const gen_spectral *sn, const float *dw_sn, float *dweight);

/* --- activations.c ------------------------------------------------------ */

#define GEN_LRELU_SLOPE 0.2f

void gen_relu_forward(size_t n, const float *x, float *y);
void gen_relu_backward(size_t n, const float *y, const float *dy, float *dx);
void gen_lrelu_forward(size_t n, const float *x, float *y);
void gen_lrelu_backward(size_t n, const float *y, const float *dy, float *dx);
void gen_tanh_forward(size_t n, const float *x, float *y);
void gen_tanh_backward(size_t n, const float *y, const float *dy, float *dx);

/* --- loss.c: losses on D's logits, mean over the batch ------------------ */

/* target_real: the loss for logits that should say "real". Returns the mean
 * loss and writes dlogits = d(mean loss)/d(logit). */
float gen_d_loss(gan_loss kind, int n, const float *logits, bool target_real, float *dlogits);
float gen_g_loss(gan_loss kind, int n, const float *logits, float *dlogits);

/* --- adam.c ------------------------------------------------------------- */

/* One Adam step over every trainable float of st (PyTorch's formula), the
 * floats shared out among pool's workers (NULL: the calling thread). */
void gen_adam_step(gen_workers *pool, gen_store *st, float lr, float beta1, float beta2, float eps);

/* --- gan.c: the model --------------------------------------------------- */

/* Layers per network: 4 at 32x32, 5 at 64x64 (gen_gan_layers). */
#define GEN_G_LAYERS 5
#define GEN_D_LAYERS 5
int gen_gan_layers(int image_size);

/* Activations and scratch of one network for one batch. */
struct gan {
    gan_config cfg;
    gen_store gen, disc;
    gen_rng rng; /* the training stream: latents */
    uint64_t step;
    unsigned char manifest_sha256[CS_SHA256_BYTES];
    unsigned char signer[GAN_SIGNER_BYTES];
    char *metadata; /* the caller's JSON text, NUL-terminated; NULL until set */

    /* layer geometry and the indices of their tensors; g_layers and
     * d_layers of the GEN_*_LAYERS slots are used */
    int g_layers, d_layers;
    gen_conv g_conv[GEN_G_LAYERS], d_conv[GEN_D_LAYERS];
    int g_w[GEN_G_LAYERS], g_gamma[GEN_G_LAYERS], g_beta[GEN_G_LAYERS];
    int d_w[GEN_D_LAYERS], d_gamma[GEN_D_LAYERS], d_beta[GEN_D_LAYERS], d_u[GEN_D_LAYERS];
    gen_spectral d_sn[GEN_D_LAYERS];

    /* G: z -> [convt -> bn -> relu] x (g_layers - 1) -> convt -> tanh */
    float *z;                   /* [latent][B] */
    float *g_pre[GEN_G_LAYERS]; /* convt outputs */
    float *g_xhat[GEN_G_LAYERS], *g_invstd[GEN_G_LAYERS];
    float *g_act[GEN_G_LAYERS]; /* relu outputs; g_act[g_layers - 1] = tanh = fake */
    float *g_dpre, *g_dact;     /* gradient scratch, largest layer */

    /* D: x -> conv -> lrelu -> [conv -> norm -> lrelu] x (d_layers - 2) -> conv -> logit */
    float *real;                /* the real batch in CNHW */
    float *d_col[GEN_D_LAYERS]; /* im2col of each conv's input */
    float *d_pre[GEN_D_LAYERS]; /* conv outputs; d_pre[d_layers - 1] = logits */
    float *d_xhat[GEN_D_LAYERS], *d_invstd[GEN_D_LAYERS];
    float *d_act[GEN_D_LAYERS]; /* lrelu outputs */
    float *d_dimage;            /* dL/d(D's input) for G's step */
    float *d_dlogits;
    float *d_da, *d_db; /* gradient scratch, largest layer */

    gen_workers *workers; /* cfg.threads of them, taking pieces of each batch */
    float *col;           /* scratch for im2col/col2im */
    float *dweight;       /* scratch: dL/dw_sn, largest D weight */
};

/* Makes the layers, tensors and buffers of an empty gan (weights zero). */
int gen_gan_build(gan *g, const gan_config *cfg, cs_error *err);

#endif
