/*
 * generator.h - the GAN: a DCGAN generator and discriminator for 32x32 or 64x64 images,
 * trained in plain C (GEMM through OpenBLAS), its checkpoints, and the sliced
 * Wasserstein distance that measures its samples.
 *
 * Promise:
 *  - No function prints or exits. Functions that can fail return CS_OK (0) or a
 *    negative CS_E* code and fill the caller's cs_error (which may be NULL).
 *  - Ownership: gan_new and gan_load create a gan that the caller releases with
 *    gan_free (which accepts NULL). Every pointer passed in stays the caller's;
 *    pointers handed out (gan_tensor_at) point into the gan and live until
 *    gan_free.
 *  - Determinism: for a given configuration the same calls give bit-identical
 *    weights, losses and samples, whatever the thread count: every batch is
 *    cut into the same pieces however many threads share them out, and the
 *    pieces' weight gradients are added in a fixed order.
 *  - Threads: a gan is not safe to use from two threads at once; distinct gans
 *    are. Each gan has `threads` workers of its own (the calling thread and
 *    threads-1 threads started by gan_new or gan_load and joined by gan_free)
 *    that take pieces of every convolution, batch norm, activation, gradient
 *    sum and Adam step as they come free.
 *    gan_new and gan_load set OpenBLAS to one thread (process-wide state in
 *    OpenBLAS), so each GEMM runs on the worker that calls it. Measured on two
 *    cores (bench_gan, 200 steps, medians of 3 alternating runs, otherwise
 *    idle): 935 images/s on two threads against 590 on one (1.58x). Before,
 *    with OpenBLAS's own threads waking for every GEMM, it was 745 against
 *    620, from 578 to 813 run to run, and below one thread when the machine
 *    was busy. Pieces taken as they come free keep two threads ahead while
 *    another process holds one of the cores (about 850 against 560). Now,
 *    with faster im2col/col2im and nothing left on one thread alone
 *    (bench/gan, `clearset train` on a Fashion-MNIST export, 200 steps,
 *    medians of 5 rounds alternating with PyTorch, otherwise idle): 1100 and
 *    1110 images/s on two threads, 640 on one.
 *  - Images cross this header as float32 in NCHW order (image, channel, row,
 *    column), values in [-1, 1].
 */
#ifndef CLEARSET_GENERATOR_H
#define CLEARSET_GENERATOR_H

#include <stddef.h>
#include <stdint.h>

#include "common/common.h"

/* The resolutions the architecture is built for: 32 (four layers each side)
 * and 64 (five, as in the DCGAN paper); 32 is the default. */
#define GAN_IMAGE_SIZE     32
#define GAN_MAX_IMAGE_SIZE 64

/* Normalisation between the discriminator's convolutions. */
typedef enum gan_dnorm {
    GAN_DNORM_SPECTRAL = 0, /* spectral normalisation of every D weight */
    GAN_DNORM_BATCH = 1,    /* batch normalisation after D's 2nd and 3rd conv (default) */
} gan_dnorm;

typedef enum gan_loss {
    GAN_LOSS_NONSATURATING = 0, /* D: BCE on logits; G: -log D(G(z)) */
    GAN_LOSS_HINGE = 1,         /* D: relu(1-r)+relu(1+f); G: -D(G(z)) */
} gan_loss;

typedef struct gan_config {
    int channels;   /* 1 (grey) or 3 (RGB) */
    int image_size; /* 32 or 64: images are image_size x image_size */
    int latent_dim; /* length of z */
    int g_width;    /* generator channels of its last hidden layer; 2x, 4x (8x) below */
    int d_width;    /* discriminator channels of its first layer; 2x, 4x (8x) after */
    int batch_size; /* images per training step and per sampling pass */
    gan_dnorm d_norm;
    gan_loss loss;
    float lr, beta1, beta2, adam_eps; /* Adam, the same for G and D */
    uint64_t seed;                    /* initial weights and the training noise */
    int threads;                      /* workers per gan; not stored in checkpoints */
} gan_config;

/* Fills cfg with the defaults: grey 32x32, z of 100, widths 32, batch 64, batch norm
 * in D, non-saturating loss, Adam(2e-4, 0.5, 0.999, 1e-8), seed 1, and as
 * many threads as there are online cores, at most 2 (measured faster than
 * one on two cores; more have not been measured, and a batch is cut into 8
 * pieces, so more than 8 threads never help). */
void gan_config_default(gan_config *cfg);

/* CS_OK if cfg describes a network this build can make; otherwise CS_EINVAL
 * with the offending field named in err. */
int gan_config_check(const gan_config *cfg, cs_error *err);

typedef struct gan gan;

/* A new network with weights drawn from cfg->seed (DCGAN init: N(0, 0.02)
 * convolutions, N(1, 0.02) batch-norm scales). */
int gan_new(const gan_config *cfg, gan **out, cs_error *err);
void gan_free(gan *g);
const gan_config *gan_get_config(const gan *g);
/* Training steps done so far. */
uint64_t gan_step_count(const gan *g);

typedef struct gan_step_stats {
    float d_loss;      /* D's loss on the real and the fake batch (sum of the two means) */
    float g_loss;      /* G's loss after D's update */
    float d_real_mean; /* mean logit on the real batch */
    float d_fake_mean; /* mean logit on the fake batch, before D's update */
} gan_step_stats;

/*
 * One training step on `real` (batch_size images, NCHW in [-1, 1]): D's Adam
 * step on the real batch and a fake batch, then G's Adam step through the
 * updated D on the same fake batch. z (batch_size x latent_dim, row-major) is
 * the latent input; NULL draws it from the gan's own seeded stream. stats may
 * be NULL. Never fails once the gan exists.
 */
void gan_train_step(gan *g, const float *real, const float *z, gan_step_stats *stats);

/*
 * Writes n samples to out (n x channels x size x size) from latents drawn with
 * `seed` (independent of the training stream). Batch norm uses the statistics
 * of each sampling batch (batch_size latents, as in training), so a given seed
 * and n always give the same images. Does not change the gan's weights.
 */
void gan_sample(gan *g, uint64_t seed, int n, float *out);

/* The same from given latents (n x latent_dim, row-major). A last batch shorter
 * than batch_size is filled up with its own latents repeated. */
void gan_generate(gan *g, const float *z, int n, float *out);

/* --- parameters, for checkpoints, tools and the reference tests -------- */

typedef enum gan_net_id { GAN_NET_G = 0, GAN_NET_D = 1 } gan_net_id;

/* One named tensor of a network: a trainable parameter (with its gradient and
 * Adam moments) or a state buffer such as spectral norm's u (grad, m and v
 * NULL). Shapes follow PyTorch: Conv2d [out, in, kh, kw], ConvTranspose2d
 * [in, out, kh, kw]. */
typedef struct gan_tensor {
    const char *name; /* e.g. "convt2.weight", "bn2.bias", "conv3.u" */
    int rank;
    int shape[4];
    size_t count;
    float *value;
    float *grad; /* gradient of the last training step */
    float *m, *v;
} gan_tensor;

int gan_tensor_count(const gan *g, gan_net_id net);
/* NULL when index is out of range. */
const gan_tensor *gan_tensor_at(const gan *g, gan_net_id net, int index);

/* --- pixels (pixels.c) ------------------------------------------------ */

/* One 8-bit sample value as the model's value in [-1, 1], and back (rounded, clamped). */
float gan_pixel_to_value(unsigned char byte);
unsigned char gan_value_to_pixel(float v);
/*
 * n images (NCHW floats in [-1, 1], size x size) tiled into one 8-bit
 * interleaved image, cols per row in order, gap pixels of 0 between. *out is
 * new (free), *width x *height x channels bytes. CS_EINVAL, CS_ENOMEM.
 */
int gan_tile_pixels(const float *images, int n, int channels, int size, int cols, int gap,
                    unsigned char **out, int *width, int *height);

/* --- checkpoints ------------------------------------------------------- */

/* 2 added the metadata text, 3 the image size; older files still load (without
 * metadata, at 32x32). */
#define GAN_CHECKPOINT_VERSION 3
#define GAN_SIGNER_BYTES       32 /* an Ed25519 public key */
/* Metadata is a model card's worth of JSON (licence counts, settings); 1 MiB
 * is far above that and keeps a bad checkpoint from asking for much memory. */
#define GAN_METADATA_MAX_BYTES (1024 * 1024)

/* Provenance recorded in checkpoints: the SHA-256 of the training data's
 * manifest and the public key that signed it (all zero until set). */
void gan_set_provenance(gan *g, const unsigned char manifest_sha256[CS_SHA256_BYTES],
                        const unsigned char signer[GAN_SIGNER_BYTES]);
void gan_get_provenance(const gan *g, unsigned char manifest_sha256[CS_SHA256_BYTES],
                        unsigned char signer[GAN_SIGNER_BYTES]);

/*
 * Opaque metadata recorded in checkpoints (format 2 on): a NUL-terminated
 * text the caller chooses; `clearset train` stores a JSON object with the
 * data's licence summary and the training settings (see pipeline/train.c).
 * The library never parses it. gan_set_metadata copies json (NULL clears it);
 * CS_EINVAL when it is longer than GAN_METADATA_MAX_BYTES. gan_metadata
 * returns NULL until set, else a pointer owned by the gan, valid until the
 * next gan_set_metadata or gan_free. The checkpoint's SHA-256 covers it.
 */
int gan_set_metadata(gan *g, const char *json, cs_error *err);
const char *gan_metadata(const gan *g);

/*
 * Writes architecture, step, provenance, metadata, weights, Adam state, spectral-norm
 * state and the training stream's position, followed by the SHA-256 of all of
 * it, atomically (a crash leaves the old file or the new one).
 */
int gan_save(const gan *g, const char *path, cs_error *err);
/*
 * Reads a checkpoint back; training continues exactly where it stopped.
 * `threads` replaces the stored thread count (0 keeps the default).
 * CS_ECORRUPT for a damaged or truncated file, CS_EFORMAT for something that
 * is not a checkpoint or is inconsistent, CS_EVERSION for a newer format.
 */
int gan_load(const char *path, int threads, gan **out, cs_error *err);

/* --- memorisation ------------------------------------------------------ */

/* Neighbours the ratio averages over: Carlini et al. 2023 use n = 50. */
#define GAN_MEMORISE_K 50
/*
 * Below this ratio a generated image is a memorised copy. Carlini et al. call
 * an image extracted at l2(x, nn) < 1/3 of its (alpha-scaled) neighbourhood;
 * we keep 1/3 on the plain ratio, which is stricter than theirs by alpha = 0.5
 * (fewer findings, each a near pixel copy): in pixel space a GAN's new images
 * sit at 0.7..1 and a copy, even with a GAN's noise on it, well under 0.3.
 */
#define GAN_MEMORISE_COPY_RATIO (1.0 / 3.0)

typedef struct gan_nn_ratio {
    size_t nearest;       /* index of the nearest training image */
    double distance;      /* l2 distance to it */
    double mean_distance; /* mean l2 distance to the k nearest (0 when k < 2) */
    double ratio;         /* distance / mean_distance; 1 when there are fewer than 2 */
    int k;                /* neighbours averaged: min(k, training_count) */
} gan_nn_ratio;

/*
 * Carlini et al.'s nearest-neighbour distance ratio (memorise.c) of each of
 * query_count images against training_count images, all dim floats long in
 * the same space (here: NCHW pixels at the model's resolution). out has
 * query_count entries. CS_EINVAL for dim 0 or k < 1, CS_ENOMEM.
 */
int gan_nn_ratios(const float *queries, size_t query_count, const float *training,
                  size_t training_count, size_t dim, int k, gan_nn_ratio *out, cs_error *err);

/* --- sample quality ---------------------------------------------------- */

#define GAN_SWD_MAX_LEVELS 8

typedef struct gan_swd_result {
    int levels;                          /* Laplacian pyramid levels used */
    int resolution[GAN_SWD_MAX_LEVELS];  /* 32, 16, ... */
    double distance[GAN_SWD_MAX_LEVELS]; /* SWD x 1e3 per level */
    double mean;                         /* their average */
} gan_swd_result;

/*
 * Sliced Wasserstein distance between two equally large sets of n images
 * (NCHW, any value range, size x size, size >= 16) after Karras et al. 2018:
 * Laplacian pyramid down to 16x16, 128 random 7x7 patches per image and level,
 * each set's patches normalised per channel, 512 random directions; x 1e3.
 * seed fixes the patches and directions.
 */
int gan_swd(const float *images_a, const float *images_b, int n, int channels, int size,
            uint64_t seed, gan_swd_result *out, cs_error *err);

#endif
