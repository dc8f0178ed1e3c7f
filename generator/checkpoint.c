/*
 * checkpoint.c - the GAN's versioned binary checkpoint.
 *
 * Layout (all integers little-endian, floats IEEE-754 binary32 little-endian):
 *
 *   "CLEARGAN"            8-byte magic
 *   u32 version           GAN_CHECKPOINT_VERSION
 *   u32 header_bytes      offset of the payload
 *   i32 channels, latent_dim, g_width, d_width, batch_size, d_norm, loss
 *   i32 image_size        (version 3 on) 32 or 64
 *   f32 lr, beta1, beta2, adam_eps
 *   u64 seed, step, G's Adam step, D's Adam step
 *   u64 rng[4]            the training stream's state, so training resumes exactly
 *   u8  manifest_sha256[32], signer[32]   provenance (zero until the train command sets it)
 *   u64 G params, G state, D params, D state   float counts, checked against the architecture
 *   u64 metadata_bytes    (version 2 on) length of the metadata text
 *   payload               per network (G, then D): params, Adam m, Adam v, state
 *   metadata              (version 2 on) the gan_set_metadata text, no NUL
 *   u8  sha256[32]        of every byte before it
 *
 * Version 2 is version 3 without image_size (always 32); version 1 is
 * version 2 without metadata_bytes and metadata. Both still load, with
 * gan_metadata NULL for version 1. The header size field tells them apart too.
 *
 * A file is refused unless its magic, hash, version, architecture and length
 * all check out, so a truncated or flipped byte is never loaded as weights.
 * Writes go through cs_write_file_atomic.
 */
#include "generator/generator_internal.h"

#include <stdlib.h>
#include <string.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "checkpoint.c copies floats as little-endian bytes"
#endif

#define CKPT_MAGIC       "CLEARGAN"
#define CKPT_MAGIC_BYTES 8
/* magic, version, header size, 7 i32, 4 f32, 4 u64, rng, provenance, 4 counts */
#define CKPT_HEADER_V1_BYTES                                                                       \
    (CKPT_MAGIC_BYTES + 4 + 4 + 7 * 4 + 4 * 4 + 4 * 8 + 4 * 8 + CS_SHA256_BYTES +                  \
     GAN_SIGNER_BYTES + 4 * 8)
/* version 2 adds the metadata length, version 3 the image size */
#define CKPT_HEADER_V2_BYTES (CKPT_HEADER_V1_BYTES + 8)
#define CKPT_HEADER_BYTES    (CKPT_HEADER_V2_BYTES + 4)
/* Refuse to read more than this: the largest configuration anyone trains here
 * is a few MiB; 1 GiB leaves room without letting a bad path eat memory. */
#define CKPT_MAX_BYTES ((size_t)1 << 30)

typedef struct writer {
    unsigned char *p;
} writer;

static void put_bytes(writer *w, const void *bytes, size_t n)
{
    memcpy(w->p, bytes, n);
    w->p += n;
}
static void put_u32(writer *w, uint32_t x)
{
    put_bytes(w, &x, 4);
}
static void put_u64(writer *w, uint64_t x)
{
    put_bytes(w, &x, 8);
}
static void put_f32(writer *w, float x)
{
    put_bytes(w, &x, 4);
}

typedef struct reader {
    const unsigned char *p;
} reader;

static void get_bytes(reader *r, void *bytes, size_t n)
{
    memcpy(bytes, r->p, n);
    r->p += n;
}
static uint32_t get_u32(reader *r)
{
    uint32_t x;
    get_bytes(r, &x, 4);
    return x;
}
static uint64_t get_u64(reader *r)
{
    uint64_t x;
    get_bytes(r, &x, 8);
    return x;
}
static float get_f32(reader *r)
{
    float x;
    get_bytes(r, &x, 4);
    return x;
}

static size_t store_bytes(const gen_store *st)
{
    return (3 * st->param_count + st->state_count) * sizeof(float);
}

int gan_save(const gan *g, const char *path, cs_error *err)
{
    size_t meta_len = g->metadata == NULL ? 0 : strlen(g->metadata);
    size_t total = CKPT_HEADER_BYTES + store_bytes(&g->gen) + store_bytes(&g->disc) + meta_len +
                   CS_SHA256_BYTES;
    unsigned char *bytes = malloc(total);
    if (bytes == NULL) return cs_error_set(err, CS_ENOMEM, "%s: out of memory", path);
    writer w = {bytes};
    const gan_config *c = &g->cfg;
    put_bytes(&w, CKPT_MAGIC, CKPT_MAGIC_BYTES);
    put_u32(&w, GAN_CHECKPOINT_VERSION);
    put_u32(&w, CKPT_HEADER_BYTES);
    int32_t ints[7] = {c->channels,   c->latent_dim,      c->g_width,      c->d_width,
                       c->batch_size, (int32_t)c->d_norm, (int32_t)c->loss};
    for (int i = 0; i < 7; i++)
        put_u32(&w, (uint32_t)ints[i]);
    put_u32(&w, (uint32_t)c->image_size);
    put_f32(&w, c->lr);
    put_f32(&w, c->beta1);
    put_f32(&w, c->beta2);
    put_f32(&w, c->adam_eps);
    put_u64(&w, c->seed);
    put_u64(&w, g->step);
    put_u64(&w, g->gen.adam_step);
    put_u64(&w, g->disc.adam_step);
    for (int i = 0; i < 4; i++)
        put_u64(&w, g->rng.s[i]);
    put_bytes(&w, g->manifest_sha256, CS_SHA256_BYTES);
    put_bytes(&w, g->signer, GAN_SIGNER_BYTES);
    const gen_store *stores[2] = {&g->gen, &g->disc};
    for (int s = 0; s < 2; s++) {
        put_u64(&w, stores[s]->param_count);
        put_u64(&w, stores[s]->state_count);
    }
    put_u64(&w, meta_len);
    for (int s = 0; s < 2; s++) {
        const gen_store *st = stores[s];
        put_bytes(&w, st->params, st->param_count * sizeof(float));
        put_bytes(&w, st->m, st->param_count * sizeof(float));
        put_bytes(&w, st->v, st->param_count * sizeof(float));
        put_bytes(&w, st->state, st->state_count * sizeof(float));
    }
    if (meta_len > 0) put_bytes(&w, g->metadata, meta_len);
    cs_sha256(bytes, total - CS_SHA256_BYTES, w.p);
    int rc = cs_write_file_atomic(path, bytes, total, err);
    free(bytes);
    return rc;
}

static int parse(const unsigned char *bytes, size_t len, int threads, const char *path, gan *g,
                 cs_error *err)
{
    if (len < CKPT_MAGIC_BYTES || memcmp(bytes, CKPT_MAGIC, CKPT_MAGIC_BYTES) != 0)
        return cs_error_set(err, CS_EFORMAT, "%s: not a clearset GAN checkpoint", path);
    if (len < CKPT_HEADER_V1_BYTES + CS_SHA256_BYTES)
        return cs_error_set(err, CS_ECORRUPT, "%s: truncated checkpoint (%zu bytes)", path, len);
    unsigned char digest[CS_SHA256_BYTES];
    cs_sha256(bytes, len - CS_SHA256_BYTES, digest);
    if (memcmp(digest, bytes + len - CS_SHA256_BYTES, CS_SHA256_BYTES) != 0)
        return cs_error_set(err, CS_ECORRUPT,
                            "%s: checkpoint is damaged (SHA-256 does not match its content)", path);
    reader r = {bytes + CKPT_MAGIC_BYTES};
    uint32_t version = get_u32(&r), header = get_u32(&r);
    if (version > GAN_CHECKPOINT_VERSION)
        return cs_error_set(err, CS_EVERSION, "%s: checkpoint version %u is newer than %d", path,
                            version, GAN_CHECKPOINT_VERSION);
    size_t header_expected = version == 1   ? CKPT_HEADER_V1_BYTES
                             : version == 2 ? CKPT_HEADER_V2_BYTES
                                            : CKPT_HEADER_BYTES;
    if (version < 1 || header != header_expected || len < header + CS_SHA256_BYTES)
        return cs_error_set(err, CS_EFORMAT, "%s: unknown checkpoint version %u", path, version);

    gan_config c;
    gan_config_default(&c);
    c.channels = (int32_t)get_u32(&r);
    c.latent_dim = (int32_t)get_u32(&r);
    c.g_width = (int32_t)get_u32(&r);
    c.d_width = (int32_t)get_u32(&r);
    c.batch_size = (int32_t)get_u32(&r);
    c.d_norm = (gan_dnorm)(int32_t)get_u32(&r);
    c.loss = (gan_loss)(int32_t)get_u32(&r);
    c.image_size = version >= 3 ? (int32_t)get_u32(&r) : 32;
    c.lr = get_f32(&r);
    c.beta1 = get_f32(&r);
    c.beta2 = get_f32(&r);
    c.adam_eps = get_f32(&r);
    c.seed = get_u64(&r);
    if (threads > 0) c.threads = threads;
    cs_error why;
    if (gan_config_check(&c, &why) != CS_OK)
        return cs_error_set(err, CS_EFORMAT, "%s: %s", path, why.message);
    int rc = gen_gan_build(g, &c, err);
    if (rc != CS_OK) return rc;
    g->step = get_u64(&r);
    g->gen.adam_step = get_u64(&r);
    g->disc.adam_step = get_u64(&r);
    for (int i = 0; i < 4; i++)
        g->rng.s[i] = get_u64(&r);
    get_bytes(&r, g->manifest_sha256, CS_SHA256_BYTES);
    get_bytes(&r, g->signer, GAN_SIGNER_BYTES);
    gen_store *stores[2] = {&g->gen, &g->disc};
    for (int s = 0; s < 2; s++) {
        uint64_t params = get_u64(&r), state = get_u64(&r);
        if (params != stores[s]->param_count || state != stores[s]->state_count)
            return cs_error_set(err, CS_EFORMAT,
                                "%s: tensor sizes do not match the architecture in the header",
                                path);
    }
    uint64_t meta_len = version >= 2 ? get_u64(&r) : 0;
    if (meta_len > GAN_METADATA_MAX_BYTES ||
        len != header + store_bytes(&g->gen) + store_bytes(&g->disc) + meta_len + CS_SHA256_BYTES)
        return cs_error_set(err, CS_EFORMAT, "%s: checkpoint length does not match its header",
                            path);
    for (int s = 0; s < 2; s++) {
        gen_store *st = stores[s];
        get_bytes(&r, st->params, st->param_count * sizeof(float));
        get_bytes(&r, st->m, st->param_count * sizeof(float));
        get_bytes(&r, st->v, st->param_count * sizeof(float));
        get_bytes(&r, st->state, st->state_count * sizeof(float));
    }
    if (meta_len > 0) {
        g->metadata = malloc(meta_len + 1);
        if (g->metadata == NULL) return cs_error_set(err, CS_ENOMEM, "%s: out of memory", path);
        get_bytes(&r, g->metadata, meta_len);
        g->metadata[meta_len] = '\0';
        if (strlen(g->metadata) != meta_len)
            return cs_error_set(err, CS_EFORMAT, "%s: checkpoint metadata holds a NUL byte", path);
    }
    return CS_OK;
}

int gan_load(const char *path, int threads, gan **out, cs_error *err)
{
    *out = NULL;
    unsigned char *bytes;
    size_t len;
    int rc = cs_read_file(path, CKPT_MAX_BYTES, &bytes, &len, err);
    if (rc != CS_OK) return rc;
    gan *g = calloc(1, sizeof *g);
    if (g == NULL) {
        free(bytes);
        return cs_error_set(err, CS_ENOMEM, "%s: out of memory", path);
    }
    rc = parse(bytes, len, threads, path, g, err);
    free(bytes);
    if (rc != CS_OK) {
        gan_free(g);
        return rc;
    }
    *out = g;
    return CS_OK;
}
