/*
 * tinygan.c - a small checkpoint for the generate tests, until `clearset train`
 * lands: tinygan EXPORT_DIR MODEL STEPS [--no-provenance].
 *
 * Trains a narrow grey GAN (batch 16, widths 16, z of 32, Adam at 1e-3 so a
 * few hundred steps are enough to collapse onto a handful of images) on the
 * images under EXPORT_DIR/images, resized to 32 x 32 with dedup's area filter
 * as generate resizes them, and saves it with provenance: the SHA-256 of
 * EXPORT_DIR/manifest.json and the signer fingerprint it names. STEPS 0 saves
 * the untrained network (its samples are noise, unlike any image).
 */
#include "dataset/manifest.h"
#include "dedup/dedup.h"
#include "generator/generator.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TINYGAN_MAX_IMAGES 64

static int fail(const char *what, const cs_error *err)
{
    fprintf(stderr, "tinygan: %s: %s\n", what, err->message);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: tinygan EXPORT_DIR MODEL STEPS [--no-provenance]\n");
        return 2;
    }
    int provenance = !(argc > 4 && strcmp(argv[4], "--no-provenance") == 0);
    cs_error err = {0};
    char path[4096];
    snprintf(path, sizeof path, "%s/images", argv[1]);
    DIR *dir = opendir(path);
    if (!dir) return perror(path), 1;
    static float images[TINYGAN_MAX_IMAGES][GAN_IMAGE_SIZE * GAN_IMAGE_SIZE];
    int count = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL && count < TINYGAN_MAX_IMAGES) {
        if (e->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/images/%s", argv[1], e->d_name);
        unsigned char *bytes = NULL;
        size_t len = 0;
        dedup_image img = {0}, small = {0};
        if (cs_read_file(path, 1u << 26, &bytes, &len, &err) != CS_OK ||
            dedup_decode(bytes, len, NULL, &img, &err) != CS_OK ||
            dedup_square_resize(&img, GAN_IMAGE_SIZE, &small, &err) != CS_OK)
            return fail(path, &err);
        for (int i = 0; i < GAN_IMAGE_SIZE * GAN_IMAGE_SIZE; i++) {
            const unsigned char *p = small.pixels + i * small.channels;
            double v = small.channels == 1 ? p[0] : 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
            images[count][i] = (float)(v / 127.5 - 1.0);
        }
        count++;
        free(bytes);
        dedup_image_free(&img);
        dedup_image_free(&small);
    }
    closedir(dir);
    if (count == 0) return fprintf(stderr, "tinygan: no images in %s/images\n", argv[1]), 1;

    gan_config cfg;
    gan_config_default(&cfg);
    cfg.channels = 1;
    cfg.latent_dim = 32;
    cfg.g_width = cfg.d_width = 16;
    cfg.batch_size = 16;
    cfg.lr = 1e-3f;
    gan *g = NULL;
    if (gan_new(&cfg, &g, &err) != CS_OK) return fail("gan_new", &err);
    float *batch = malloc(sizeof images[0] * (size_t)cfg.batch_size);
    long steps = atol(argv[3]);
    for (long s = 0; s < steps; s++) {
        for (int b = 0; b < cfg.batch_size; b++)
            memcpy(batch + (size_t)b * GAN_IMAGE_SIZE * GAN_IMAGE_SIZE, images[(s + b) % count],
                   sizeof images[0]);
        gan_train_step(g, batch, NULL, NULL);
    }
    free(batch);
    if (provenance) {
        snprintf(path, sizeof path, "%s/manifest.json", argv[1]);
        unsigned char *bytes = NULL;
        size_t len = 0;
        if (cs_read_file(path, 1u << 26, &bytes, &len, &err) != CS_OK) return fail(path, &err);
        unsigned char hash[CS_SHA256_BYTES], signer[GAN_SIGNER_BYTES] = {0};
        cs_sha256(bytes, len, hash);
        manifest_listing listing = {0};
        if (manifest_parse(bytes, len, &listing, &err) == CS_OK)
            cs_hex_decode(listing.signer_fingerprint, strlen(listing.signer_fingerprint), signer,
                          sizeof signer);
        manifest_listing_free(&listing);
        free(bytes);
        gan_set_provenance(g, hash, signer);
    }
    int rc = gan_save(g, argv[2], &err);
    gan_free(g);
    return rc == CS_OK ? 0 : fail("gan_save", &err);
}
