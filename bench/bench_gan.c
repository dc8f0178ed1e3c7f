/*
 * bench/bench_gan.c - trains the C DCGAN on Fashion-MNIST and measures it; the
 * driver bench/gan.sh runs it beside the PyTorch baseline (bench/gan_torch.py).
 *
 *   bench_gan train DATA_DIR --steps N [--eval 250,500,...] [--threads T]
 *                            [--d-norm batch|spectral] [--batch B] [--eval-images N]
 *                            [--grid PNG] [--seed S]
 *       trains, printing images/s (training steps only) and the SWD of
 *       --eval-images samples against as many held-out test images at each
 *       --eval step; writes an 8x8 sample grid PNG at the end. Without
 *       --threads, gan_config_default's thread count (cores, at most 2).
 *   bench_gan swd DATA_DIR SAMPLES.f32 [--eval-images N] [--label TEXT]
 *       SWD of samples written by another program (float32 NCHW 1x32x32 in
 *       [-1, 1]) against the same held-out images, with the same seed.
 *   bench_gan swd-model MODEL DATA_DIR [--eval-images N] [--label TEXT] [--grid PNG]
 *       loads a `clearset train` checkpoint (gan_load), draws --eval-images
 *       samples from the fixed latent seed and scores them exactly as `swd`
 *       scores PyTorch's; --grid writes its first 64 samples as a grid.
 *   bench_gan floor DATA_DIR [--eval-images N]
 *       SWD of training images and of uniform noise against the held-out ones.
 *   bench_gan grid SAMPLES.f32 PNG
 *       an 8x8 grid of the first 64 samples.
 *
 * DATA_DIR holds the uncompressed IDX files train-images-idx3-ubyte and
 * t10k-images-idx3-ubyte (bench/gan.sh unpacks Debian's dataset-fashion-mnist).
 * 28x28 images are padded with background (-1) to 32x32, as the PyTorch side does.
 */
#include "common/common.h"
#include "generator/generator.h"

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IDX_MAX_BYTES ((size_t)64 << 20) /* the train set is 47 MB */
#define SWD_SEED      12345              /* the same patches and directions for every set */
#define SAMPLE_SEED   777                /* the same latents at every evaluation */
#define GRID_SIDE     8
#define GRID_SCALE    3
#define IMG           32

typedef struct idx_images {
    int n;
    float *pixels; /* n x 32 x 32, [-1, 1] */
} idx_images;

static int load_idx(const char *dir, const char *name, idx_images *out)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    unsigned char *bytes;
    size_t len;
    cs_error err;
    if (cs_read_file(path, IDX_MAX_BYTES, &bytes, &len, &err) != CS_OK) {
        fprintf(stderr, "bench_gan: %s\n", err.message);
        return -1;
    }
    if (len < 16 || bytes[2] != 0x08 || bytes[3] != 3) {
        fprintf(stderr, "bench_gan: %s: not an IDX file of bytes\n", path);
        free(bytes);
        return -1;
    }
    uint32_t dims[3];
    for (int d = 0; d < 3; d++)
        dims[d] = (uint32_t)bytes[4 + 4 * d] << 24 | (uint32_t)bytes[5 + 4 * d] << 16 |
                  (uint32_t)bytes[6 + 4 * d] << 8 | bytes[7 + 4 * d];
    if (dims[1] != 28 || dims[2] != 28 || len < 16 + (size_t)dims[0] * 784) {
        fprintf(stderr, "bench_gan: %s: expected 28x28 images\n", path);
        free(bytes);
        return -1;
    }
    out->n = (int)dims[0];
    out->pixels = malloc((size_t)out->n * IMG * IMG * sizeof(float));
    for (int i = 0; i < out->n; i++) {
        float *dst = out->pixels + (size_t)i * IMG * IMG;
        for (int p = 0; p < IMG * IMG; p++)
            dst[p] = -1.0f;
        for (int y = 0; y < 28; y++)
            for (int x = 0; x < 28; x++)
                dst[(y + 2) * IMG + x + 2] = bytes[16 + (size_t)i * 784 + y * 28 + x] / 127.5f - 1;
    }
    free(bytes);
    return 0;
}

static int write_grid(const float *samples, int n, const char *path)
{
    const int cell = IMG + 2, side = GRID_SIDE * cell + 2, px = side * GRID_SCALE;
    unsigned char *rgb = malloc((size_t)px * px);
    memset(rgb, 40, (size_t)px * px);
    for (int i = 0; i < n && i < GRID_SIDE * GRID_SIDE; i++) {
        int gx = 2 + (i % GRID_SIDE) * cell, gy = 2 + (i / GRID_SIDE) * cell;
        for (int y = 0; y < IMG * GRID_SCALE; y++)
            for (int x = 0; x < IMG * GRID_SCALE; x++) {
                float v = samples[(size_t)i * IMG * IMG + (y / GRID_SCALE) * IMG + x / GRID_SCALE];
                v = (v + 1) * 127.5f;
                rgb[(size_t)(gy * GRID_SCALE + y) * px + gx * GRID_SCALE + x] =
                    (unsigned char)(v < 0     ? 0
                                    : v > 255 ? 255
                                              : v + 0.5f);
            }
    }
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        perror(path);
        free(rgb);
        return -1;
    }
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        fclose(f);
        free(rgb);
        return -1;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, px, px, 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = 0; y < px; y++)
        png_write_row(png, rgb + (size_t)y * px);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    fclose(f);
    free(rgb);
    return 0;
}

static int swd_against_heldout(const idx_images *heldout, const float *samples, int n,
                               gan_swd_result *r)
{
    cs_error err;
    if (n > heldout->n) n = heldout->n;
    if (gan_swd(samples, heldout->pixels, n, 1, IMG, SWD_SEED, r, &err) != CS_OK) {
        fprintf(stderr, "bench_gan: %s\n", err.message);
        return -1;
    }
    return 0;
}

static void print_swd(const char *who, const char *what, const gan_swd_result *r)
{
    printf("%-8s %-12s swd x1e3: 32px %7.2f  16px %7.2f  mean %7.2f\n", who, what, r->distance[0],
           r->distance[1], r->mean);
    fflush(stdout);
}

static const char *option(int argc, char **argv, const char *name, const char *fallback)
{
    for (int i = 0; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0) return argv[i + 1];
    return fallback;
}

static int cmd_train(const char *data, int argc, char **argv)
{
    int steps = atoi(option(argc, argv, "--steps", "2000"));
    int eval_n = atoi(option(argc, argv, "--eval-images", "2048"));
    const char *evals = option(argc, argv, "--eval", "250,500,1000,2000");
    const char *grid = option(argc, argv, "--grid", NULL);
    gan_config cfg;
    gan_config_default(&cfg);
    const char *threads = option(argc, argv, "--threads", NULL);
    if (threads != NULL) cfg.threads = atoi(threads);
    cfg.batch_size = atoi(option(argc, argv, "--batch", "64"));
    cfg.seed = strtoull(option(argc, argv, "--seed", "1"), NULL, 10);
    cfg.d_norm = strcmp(option(argc, argv, "--d-norm", "batch"), "spectral") == 0
                     ? GAN_DNORM_SPECTRAL
                     : GAN_DNORM_BATCH;
    idx_images train = {0}, heldout = {0};
    if (load_idx(data, "train-images-idx3-ubyte", &train) ||
        load_idx(data, "t10k-images-idx3-ubyte", &heldout))
        return 3;
    gan *g;
    cs_error err;
    if (gan_new(&cfg, &g, &err) != CS_OK) {
        fprintf(stderr, "bench_gan: %s\n", err.message);
        return 2;
    }
    const int B = cfg.batch_size;
    float *batch = malloc((size_t)B * IMG * IMG * sizeof(float));
    float *samples = malloc((size_t)eval_n * IMG * IMG * sizeof(float));
    int *order = malloc((size_t)train.n * sizeof(int));
    for (int i = 0; i < train.n; i++)
        order[i] = i;
    uint64_t shuffle = cfg.seed * 0x9e3779b97f4a7c15ULL + 1;
    int cursor = train.n;
    double train_seconds = 0;
    const char *next_eval = evals;
    printf("C        d_norm=%s batch=%d threads=%d widths=%d/%d latent=%d\n",
           cfg.d_norm == GAN_DNORM_BATCH ? "batch" : "spectral", B, cfg.threads, cfg.g_width,
           cfg.d_width, cfg.latent_dim);
    for (int step = 1; step <= steps; step++) {
        /* Batches drawn without replacement from a reshuffled epoch (Fisher-Yates). */
        for (int b = 0; b < B; b++) {
            if (cursor == train.n) {
                for (int i = train.n - 1; i > 0; i--) {
                    shuffle = shuffle * 6364136223846793005ULL + 1442695040888963407ULL;
                    int j = (int)((shuffle >> 33) % (uint64_t)(i + 1));
                    int t = order[i];
                    order[i] = order[j];
                    order[j] = t;
                }
                cursor = 0;
            }
            memcpy(batch + (size_t)b * IMG * IMG,
                   train.pixels + (size_t)order[cursor++] * IMG * IMG, IMG * IMG * sizeof(float));
        }
        int64_t t0 = cs_monotonic_ns();
        gan_step_stats st;
        gan_train_step(g, batch, NULL, &st);
        train_seconds += (cs_monotonic_ns() - t0) / 1e9;
        if (step % 100 == 0) {
            fprintf(stderr,
                    "C step %d: d_loss %.3f g_loss %.3f D(real) %.2f D(fake) %.2f, %.1f img/s\n",
                    step, st.d_loss, st.g_loss, st.d_real_mean, st.d_fake_mean,
                    step * B / train_seconds);
        }
        if (*next_eval && atoi(next_eval) == step) {
            gan_sample(g, SAMPLE_SEED, eval_n, samples);
            gan_swd_result r;
            char what[32];
            snprintf(what, sizeof what, "step %d", step);
            if (swd_against_heldout(&heldout, samples, eval_n, &r) == 0) print_swd("C", what, &r);
            next_eval = strchr(next_eval, ',');
            next_eval = next_eval ? next_eval + 1 : "";
        }
    }
    printf("C        images/s %.1f  (%d steps of %d in %.1f s)\n", steps * B / train_seconds, steps,
           B, train_seconds);
    if (grid != NULL) {
        gan_sample(g, SAMPLE_SEED, GRID_SIDE * GRID_SIDE, samples);
        if (write_grid(samples, GRID_SIDE * GRID_SIDE, grid) == 0)
            printf("C        grid %s\n", grid);
    }
    free(batch), free(samples), free(order), free(train.pixels), free(heldout.pixels);
    gan_free(g);
    return 0;
}

static float *read_samples(const char *path, int *n)
{
    unsigned char *bytes;
    size_t len;
    cs_error err;
    if (cs_read_file(path, (size_t)1 << 30, &bytes, &len, &err) != CS_OK) {
        fprintf(stderr, "bench_gan: %s\n", err.message);
        return NULL;
    }
    *n = (int)(len / (IMG * IMG * sizeof(float)));
    return (float *)bytes;
}

static int cmd_swd(const char *data, const char *samples_path, int argc, char **argv)
{
    int eval_n = atoi(option(argc, argv, "--eval-images", "2048"));
    const char *label = option(argc, argv, "--label", samples_path);
    idx_images heldout = {0};
    int n;
    float *samples = read_samples(samples_path, &n);
    if (samples == NULL || load_idx(data, "t10k-images-idx3-ubyte", &heldout)) return 3;
    gan_swd_result r;
    int rc = swd_against_heldout(&heldout, samples, CS_MIN(n, eval_n), &r);
    if (rc == 0) print_swd("PyTorch", label, &r);
    free(samples), free(heldout.pixels);
    return rc ? 3 : 0;
}

static int cmd_swd_model(const char *model, const char *data, int argc, char **argv)
{
    int eval_n = atoi(option(argc, argv, "--eval-images", "2048"));
    const char *label = option(argc, argv, "--label", model);
    const char *grid = option(argc, argv, "--grid", NULL);
    gan *g = NULL;
    cs_error err;
    if (gan_load(model, 0, &g, &err) != CS_OK) {
        fprintf(stderr, "bench_gan: %s\n", err.message);
        return 3;
    }
    const gan_config *cfg = gan_get_config(g);
    if (cfg->channels != 1 || cfg->image_size != IMG || eval_n < 1) {
        fprintf(stderr, "bench_gan: %s: a grey %dx%d model and --eval-images >= 1 expected\n",
                model, IMG, IMG);
        gan_free(g);
        return 2;
    }
    idx_images heldout = {0};
    float *samples = malloc((size_t)eval_n * IMG * IMG * sizeof(float));
    int rc = samples == NULL || load_idx(data, "t10k-images-idx3-ubyte", &heldout) ? 3 : 0;
    gan_swd_result r;
    if (rc == 0) gan_sample(g, SAMPLE_SEED, eval_n, samples);
    if (rc == 0 && swd_against_heldout(&heldout, samples, eval_n, &r) != 0) rc = 3;
    if (rc == 0) print_swd("C", label, &r);
    if (rc == 0 && grid != NULL && write_grid(samples, eval_n, grid) != 0) rc = 3;
    free(samples), free(heldout.pixels);
    gan_free(g);
    return rc;
}

static int cmd_floor(const char *data, int argc, char **argv)
{
    int eval_n = atoi(option(argc, argv, "--eval-images", "2048"));
    idx_images train = {0}, heldout = {0};
    if (load_idx(data, "train-images-idx3-ubyte", &train) ||
        load_idx(data, "t10k-images-idx3-ubyte", &heldout))
        return 3;
    gan_swd_result r;
    /* Every 29th training image: a spread sample of the training set. */
    float *subset = malloc((size_t)eval_n * IMG * IMG * sizeof(float));
    for (int i = 0; i < eval_n; i++)
        memcpy(subset + (size_t)i * IMG * IMG,
               train.pixels + (size_t)((i * 29) % train.n) * IMG * IMG, IMG * IMG * sizeof(float));
    if (swd_against_heldout(&heldout, subset, eval_n, &r) == 0)
        print_swd("data", "train floor", &r);
    uint64_t x = 88172645463325252ULL;
    for (size_t i = 0; i < (size_t)eval_n * IMG * IMG; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        subset[i] = (float)((x >> 11) * 0x1.0p-53 * 2 - 1);
    }
    if (swd_against_heldout(&heldout, subset, eval_n, &r) == 0) print_swd("data", "noise", &r);
    free(subset), free(train.pixels), free(heldout.pixels);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "train") == 0) return cmd_train(argv[2], argc, argv);
    if (argc >= 4 && strcmp(argv[1], "swd") == 0) return cmd_swd(argv[2], argv[3], argc, argv);
    if (argc >= 4 && strcmp(argv[1], "swd-model") == 0)
        return cmd_swd_model(argv[2], argv[3], argc, argv);
    if (argc >= 3 && strcmp(argv[1], "floor") == 0) return cmd_floor(argv[2], argc, argv);
    if (argc >= 4 && strcmp(argv[1], "grid") == 0) {
        int n;
        float *samples = read_samples(argv[2], &n);
        int rc = samples && write_grid(samples, n, argv[3]) == 0 ? 0 : 3;
        free(samples);
        return rc;
    }
    fprintf(stderr,
            "usage: bench_gan train|swd|swd-model|floor|grid ... (see bench/bench_gan.c)\n");
    return 2;
}
