/*
 * tinygan.c - a small memorising checkpoint for the generate tests:
 * tinygan EXPORT_DIR MODEL STEPS [--no-provenance].
 *
 * Reads EXPORT_DIR exactly as `clearset train` does (pipeline_train_load:
 * verified, decoded, 32 x 32, grey only when every image is grey), then
 * trains a narrow GAN (batch 16, widths 16, z of 32, Adam at 1e-3, so a few
 * hundred steps collapse it onto a handful of images, which `clearset train`
 * with its DCGAN settings would take far longer to do) and saves it with the
 * export's provenance: the SHA-256 of manifest.json and the signer's key.
 * STEPS 0 saves the untrained network (its samples are noise, unlike any
 * image).
 */
#include "generator/generator.h"
#include "pipeline/pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    pipeline_train_data data;
    if (pipeline_train_load(argv[1], NULL, GAN_IMAGE_SIZE, &data, &err) != CS_OK)
        return fail(argv[1], &err);

    gan_config cfg;
    gan_config_default(&cfg);
    cfg.channels = data.channels;
    cfg.latent_dim = 32;
    cfg.g_width = cfg.d_width = 16;
    cfg.batch_size = 16;
    cfg.lr = 1e-3f;
    gan *g = NULL;
    if (gan_new(&cfg, &g, &err) != CS_OK) return fail("gan_new", &err);
    const size_t per = (size_t)data.channels * GAN_IMAGE_SIZE * GAN_IMAGE_SIZE;
    float *batch = malloc(per * sizeof(float) * (size_t)cfg.batch_size);
    if (batch == NULL) return fprintf(stderr, "tinygan: out of memory\n"), 1;
    long steps = atol(argv[3]);
    for (long s = 0; s < steps; s++) {
        for (int b = 0; b < cfg.batch_size; b++)
            memcpy(batch + (size_t)b * per, data.images + (size_t)(s + b) % data.count * per,
                   per * sizeof(float));
        gan_train_step(g, batch, NULL, NULL);
    }
    free(batch);
    if (provenance) {
        unsigned char hash[CS_SHA256_BYTES];
        cs_hex_decode(data.manifest_sha256, CS_SHA256_BYTES * 2, hash, CS_SHA256_BYTES);
        gan_set_provenance(g, hash, data.signer);
    }
    pipeline_train_data_free(&data);
    int rc = gan_save(g, argv[2], &err);
    gan_free(g);
    return rc == CS_OK ? 0 : fail("gan_save", &err);
}
