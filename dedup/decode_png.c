/*
 * decode_png.c - PNG through libpng's classic API, from memory.
 *
 * libpng transforms do the format work: palette and low bit depths expand to
 * 8-bit, tRNS becomes an alpha channel, 16-bit samples are scaled (rounded)
 * to 8, interlacing is undone. Alpha is then composited on white here. The
 * IHDR size is checked against the pixel limit before libpng even starts,
 * and ancillary chunks are capped so a zTXt/iCCP bomb cannot balloon memory.
 *
 * libpng reports errors by longjmp. Everything that must survive the jump
 * lives in png_state (in the caller's frame, reached through a pointer), so
 * no local of the setjmp frame is modified after setjmp.
 */
#include "dedup/dedup_internal.h"

#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

/* Largest ancillary chunk libpng may allocate (text, ICC profile, EXIF): 8 MiB. */
#define PNG_MAX_CHUNK_BYTES (8u * 1024 * 1024)
/* Ancillary chunks kept at most; more is an attack, not a picture. */
#define PNG_MAX_CHUNK_CACHE 1000

typedef struct png_state {
    const unsigned char *bytes;
    size_t len, pos;
    png_structp png;
    png_infop info;
    unsigned char *rowbuf; /* decoded rows as libpng delivers them */
    png_bytep *rows;
    unsigned char *pixels; /* result: grey or RGB */
    char message[200];
} png_state;

static void png_on_error(png_structp png, png_const_charp msg)
{
    png_state *st = png_get_error_ptr(png);
    cs_strlcpy(st->message, msg ? msg : "error", sizeof(st->message));
    png_longjmp(png, 1);
}

static void png_on_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

static void png_read_from_memory(png_structp png, png_bytep out, size_t n)
{
    png_state *st = png_get_io_ptr(png);
    if (n > st->len - st->pos) png_error(png, "file is truncated");
    memcpy(out, st->bytes + st->pos, n);
    st->pos += n;
}

/* Runs inside setjmp: may longjmp out from any libpng call. */
static int png_decode_body(png_state *st, const dedup_decode_options *opts, dedup_image *img,
                           cs_error *err)
{
    png_structp png = st->png;
    png_infop info = st->info;
    png_set_read_fn(png, st, png_read_from_memory);
    png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
    png_set_chunk_malloc_max(png, PNG_MAX_CHUNK_BYTES);
    png_set_chunk_cache_max(png, PNG_MAX_CHUNK_CACHE);
    png_read_info(png, info);

    png_uint_32 width = png_get_image_width(png, info);
    png_uint_32 height = png_get_image_height(png, info);
    int rc = dedup_check_pixels((long)width, (long)height, opts->max_pixels, "PNG", err);
    if (rc != CS_OK) return rc;

    png_bytep exif = NULL;
    png_uint_32 exif_len = 0;
    if (png_get_eXIf_1(png, info, &exif_len, &exif) && exif)
        img->orientation = dedup_exif_orientation(exif, exif_len);

    png_set_expand(png);
    if (png_get_bit_depth(png, info) == 16) png_set_scale_16(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    int in_channels = png_get_channels(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    if (png_get_bit_depth(png, info) != 8 || in_channels < 1 || in_channels > 4 ||
        rowbytes != (size_t)width * in_channels)
        return cs_error_set(err, CS_EUNSUPPORTED, "PNG layout not handled (%d channels)",
                            in_channels);
    st->rowbuf = malloc(rowbytes * height);
    st->rows = malloc(sizeof(png_bytep) * height);
    if (!st->rowbuf || !st->rows)
        return cs_error_set(err, CS_ENOMEM, "out of memory for a %ux%u PNG", (unsigned)width,
                            (unsigned)height);
    for (png_uint_32 y = 0; y < height; y++)
        st->rows[y] = st->rowbuf + y * rowbytes;
    png_read_image(png, st->rows);

    int color = in_channels >= 3 ? 3 : 1;
    size_t npix = (size_t)width * height;
    if (in_channels == color) { /* no alpha: hand the buffer over */
        st->pixels = st->rowbuf;
        st->rowbuf = NULL;
    } else {
        st->pixels = malloc(npix * color);
        if (!st->pixels)
            return cs_error_set(err, CS_ENOMEM, "out of memory for a %ux%u PNG", (unsigned)width,
                                (unsigned)height);
        dedup_composite_on_white(st->rowbuf, color, npix, st->pixels);
    }
    img->width = img->source_width = (int)width;
    img->height = img->source_height = (int)height;
    img->channels = color;
    return CS_OK;
}

int dedup_decode_png(const unsigned char *bytes, size_t len, const dedup_decode_options *opts,
                     dedup_image *img, cs_error *err)
{
    /* IHDR is the first chunk by the PNG spec: check its size before libpng runs. */
    if (len >= 24 && memcmp(bytes + 12, "IHDR", 4) == 0) {
        uint32_t w = (uint32_t)bytes[16] << 24 | (uint32_t)bytes[17] << 16 |
                     (uint32_t)bytes[18] << 8 | bytes[19];
        uint32_t h = (uint32_t)bytes[20] << 24 | (uint32_t)bytes[21] << 16 |
                     (uint32_t)bytes[22] << 8 | bytes[23];
        if (w > 0 && h > 0 && (uint64_t)w * h > opts->max_pixels)
            return dedup_check_pixels((long)w, (long)h, opts->max_pixels, "PNG", err);
    }
    png_state st;
    memset(&st, 0, sizeof(st));
    st.bytes = bytes;
    st.len = len;
    int rc;
    st.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &st, png_on_error, png_on_warning);
    if (st.png) st.info = png_create_info_struct(st.png);
    if (!st.png || !st.info) {
        rc = cs_error_set(err, CS_ENOMEM, "cannot start the PNG decoder");
    } else if (setjmp(png_jmpbuf(st.png))) {
        rc = cs_error_set(err, CS_EFORMAT, "corrupt PNG: %s", st.message);
    } else {
        rc = png_decode_body(&st, opts, img, err);
    }
    png_destroy_read_struct(st.png ? &st.png : NULL, st.info ? &st.info : NULL, NULL);
    free(st.rowbuf);
    free(st.rows);
    if (rc == CS_OK) {
        img->pixels = st.pixels;
        if (img->orientation == 0) img->orientation = 1;
    } else {
        free(st.pixels);
    }
    return rc;
}
