/*
 * decode_png.c - PNG through libpng's classic API, from memory.
 *
 * libpng transforms do the format work: palette and low bit depths expand to
 * 8-bit, tRNS becomes an alpha channel, 16-bit samples are scaled (rounded)
 * to 8, interlacing is undone. Alpha is then composited on white here. The
 * IHDR size is checked against the pixel limit before libpng even starts,
 * and ancillary chunks are capped so a zTXt/iCCP bomb cannot balloon memory.
 * libpng allocates through png_bounded_malloc, which refuses any one block
 * larger than a few of the image's rows or the chunk cap: libpng 1.6.39 sizes
 * a text chunk's buffer from the length the chunk declares, before reading
 * it, so without this a 439-byte file claiming a 1.9 GB iTXt chunk made it
 * allocate and fill 1.9 GB (found by fuzz_decode_png; its input is in the
 * corpus).
 *
 * With opts->min_short_side > 0 (the fast path) an image whose short side is
 * at least twice that is shrunk by the largest integer factor f keeping the
 * short side >= min_short_side: each output pixel is the rounded mean of an
 * f x f block of the composited 8-bit pixels (blocks at the right and bottom
 * edges are cut short). Non-interlaced files are read and averaged row by
 * row, so only one full-width row is held; interlaced ones (Adam7 needs every
 * pass) are decoded whole, then averaged the same way, giving the same pixels.
 *
 * libpng reports errors by longjmp. Everything that must survive the jump
 * lives in png_state (in the caller's frame, reached through a pointer), so
 * no local of the setjmp frame is modified after setjmp.
 */
#include "common/imagemeta.h"
#include "dedup/dedup_internal.h"

#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

/* Largest ancillary chunk libpng may allocate (text, ICC profile, EXIF): 8 MiB. */
#define PNG_MAX_CHUNK_BYTES (8u * 1024 * 1024)
/* Ancillary chunks kept at most; more is an attack, not a picture. */
#define PNG_MAX_CHUNK_CACHE 1000
/*
 * Largest box factor of the fast path: a box's sum (factor^2 * 255) stays in
 * uint32 and its mean can be taken by the exact reciprocal below (which needs
 * factor^2 <= 2^16); only a short side past 131072 px would want more.
 */
#define PNG_MAX_BOX_FACTOR 256

typedef struct png_state {
    const unsigned char *bytes;
    size_t len, pos;
    png_structp png;
    png_infop info;
    unsigned char *rowbuf;   /* decoded rows as libpng delivers them */
    unsigned char *colorrow; /* one row composited on white (shrinking, with alpha) */
    uint32_t *sums;          /* box sums of the output row being built (shrinking) */
    png_bytep *rows;
    unsigned char *pixels; /* result: grey or RGB */
    size_t alloc_limit;    /* largest block libpng may allocate at once */
    char message[200];
} png_state;

/* libpng's row buffers hold at most 8 bytes a pixel (16-bit RGBA) plus a filter byte and
 * some alignment; the chunk cap bounds everything else it keeps. */
#define PNG_ROW_BYTES_MAX(width) ((size_t)(width)*8 + 64)

static png_voidp png_bounded_malloc(png_structp png, png_alloc_size_t size)
{
    png_state *st = png_get_mem_ptr(png);
    return size <= st->alloc_limit ? malloc(size) : NULL;
}

static void png_bounded_free(png_structp png, png_voidp p)
{
    (void)png;
    free(p);
}

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

/*
 * The box factor for the fast path: the largest integer f with
 * short side / f >= min_short (1 when min_short is 0 or the image is small).
 */
static int png_box_factor(png_uint_32 width, png_uint_32 height, int min_short)
{
    png_uint_32 short_side = width < height ? width : height;
    if (min_short <= 0 || short_side < 2 * (png_uint_32)min_short) return 1;
    png_uint_32 factor = short_side / (png_uint_32)min_short;
    return factor > PNG_MAX_BOX_FACTOR ? PNG_MAX_BOX_FACTOR : (int)factor;
}

/* Adds one row of width pixels (channels samples each) to the band's box sums. */
static inline void png_box_add(uint32_t *sums, const unsigned char *row, int width, int channels,
                               int factor)
{
    for (int x0 = 0; x0 < width; x0 += factor, sums += channels) {
        int x1 = x0 + factor < width ? x0 + factor : width;
        for (int x = x0; x < x1; x++)
            for (int c = 0; c < channels; c++)
                sums[c] += row[(size_t)x * channels + c];
    }
}

/* The same, with the channel count a constant the compiler can unroll (the hot loop). */
static void png_box_add_row(uint32_t *sums, const unsigned char *row, int width, int channels,
                            int factor)
{
    if (channels == 3)
        png_box_add(sums, row, width, 3, factor);
    else
        png_box_add(sums, row, width, 1, factor);
}

/*
 * Box means without a division per sample: for x < 256 n and n <= 2^16,
 * (x * (2^40 / n + 1)) >> 40 == x / n exactly (the error x * n / 2^40 stays
 * below 1/n), and the product fits in 64 bits.
 */
#define PNG_BOX_SHIFT 40
_Static_assert(PNG_MAX_BOX_FACTOR <= 256, "box means need n = factor^2 <= 2^16");

static void png_box_mean(uint32_t *sums, unsigned char *out, size_t samples, uint32_t n)
{
    uint64_t reciprocal = ((uint64_t)1 << PNG_BOX_SHIFT) / n + 1;
    for (size_t i = 0; i < samples; i++) {
        out[i] = (unsigned char)(((uint64_t)(sums[i] + n / 2) * reciprocal) >> PNG_BOX_SHIFT);
        sums[i] = 0;
    }
}

/* Writes the band's rounded box means as one output row, then clears the sums. */
static void png_box_emit_row(uint32_t *sums, unsigned char *out, int width, int channels,
                             int factor, int band_rows)
{
    int out_w = (width + factor - 1) / factor;
    int last_cols = width - (out_w - 1) * factor; /* the right-edge box may be narrower */
    size_t full = (size_t)(out_w - 1) * channels;
    png_box_mean(sums, out, full, (uint32_t)(factor * band_rows));
    png_box_mean(sums + full, out + full, (size_t)channels, (uint32_t)(last_cols * band_rows));
}

/*
 * Non-interlaced, factor > 1: reads row by row, composites each row on white
 * (as the full decode does) and box-averages factor x factor blocks into
 * img's size. Only one source row is ever held. Runs inside setjmp.
 */
static int png_read_shrunk(png_state *st, int width, int height, int in_channels, int factor,
                           const dedup_image *img, cs_error *err)
{
    int color = img->channels;
    size_t out_row = (size_t)img->width * color;
    st->rowbuf = malloc((size_t)width * in_channels);
    st->colorrow = in_channels != color ? malloc((size_t)width * color) : NULL;
    st->sums = calloc(out_row, sizeof(uint32_t));
    st->pixels = malloc(out_row * img->height);
    if (!st->rowbuf || (in_channels != color && !st->colorrow) || !st->sums || !st->pixels)
        return cs_error_set(err, CS_ENOMEM, "out of memory for a %dx%d PNG", width, height);
    const unsigned char *row = in_channels != color ? st->colorrow : st->rowbuf;
    for (int y = 0, band_rows = 0, oy = 0; y < height; y++) {
        png_read_row(st->png, st->rowbuf, NULL);
        if (in_channels != color)
            dedup_composite_on_white(st->rowbuf, color, (size_t)width, st->colorrow);
        png_box_add_row(st->sums, row, width, color, factor);
        if (++band_rows == factor || y == height - 1) {
            png_box_emit_row(st->sums, st->pixels + oy++ * out_row, width, color, factor,
                             band_rows);
            band_rows = 0;
        }
    }
    return CS_OK;
}

/* Interlaced, factor > 1: box-averages the fully decoded st->pixels into img's size. */
static int png_shrink_decoded(png_state *st, int width, int height, int color, int factor,
                              const dedup_image *img, cs_error *err)
{
    size_t out_row = (size_t)img->width * color;
    st->sums = calloc(out_row, sizeof(uint32_t));
    unsigned char *small = malloc(out_row * img->height);
    if (!st->sums || !small) {
        free(small);
        return cs_error_set(err, CS_ENOMEM, "out of memory for a %dx%d PNG", width, height);
    }
    for (int y = 0, band_rows = 0, oy = 0; y < height; y++) {
        png_box_add_row(st->sums, st->pixels + (size_t)y * width * color, width, color, factor);
        if (++band_rows == factor || y == height - 1) {
            png_box_emit_row(st->sums, small + oy++ * out_row, width, color, factor, band_rows);
            band_rows = 0;
        }
    }
    free(st->pixels);
    st->pixels = small;
    return CS_OK;
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

    png_set_expand(png);
    if (png_get_bit_depth(png, info) == 16) png_set_scale_16(png);
    int passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);

    int in_channels = png_get_channels(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    if (png_get_bit_depth(png, info) != 8 || in_channels < 1 || in_channels > 4 ||
        rowbytes != (size_t)width * in_channels)
        return cs_error_set(err, CS_EUNSUPPORTED, "PNG layout not handled (%d channels)",
                            in_channels);
    int color = in_channels >= 3 ? 3 : 1;
    int factor = png_box_factor(width, height, opts->min_short_side);
    img->width = (int)((width + factor - 1) / factor);
    img->height = (int)((height + factor - 1) / factor);
    img->source_width = (int)width;
    img->source_height = (int)height;
    img->channels = color;
    if (factor > 1 && passes == 1)
        return png_read_shrunk(st, (int)width, (int)height, in_channels, factor, img, err);

    st->rowbuf = malloc(rowbytes * height);
    st->rows = malloc(sizeof(png_bytep) * height);
    if (!st->rowbuf || !st->rows)
        return cs_error_set(err, CS_ENOMEM, "out of memory for a %ux%u PNG", (unsigned)width,
                            (unsigned)height);
    for (png_uint_32 y = 0; y < height; y++)
        st->rows[y] = st->rowbuf + y * rowbytes;
    png_read_image(png, st->rows);

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
    if (factor > 1) /* interlaced: the whole image is here now; shrink it the same way */
        return png_shrink_decoded(st, (int)width, (int)height, color, factor, img, err);
    return CS_OK;
}

int dedup_decode_png(const unsigned char *bytes, size_t len, const dedup_decode_options *opts,
                     dedup_image *img, cs_error *err)
{
    png_state st;
    memset(&st, 0, sizeof(st));
    st.bytes = bytes;
    st.len = len;
    st.alloc_limit = PNG_MAX_CHUNK_BYTES;
    /* IHDR is the first chunk by the PNG spec: check its size before libpng runs. */
    if (len >= 24 && memcmp(bytes + 12, "IHDR", 4) == 0) {
        uint32_t w = cs_be32(bytes + 16), h = cs_be32(bytes + 20);
        if (w > 0 && h > 0 && (uint64_t)w * h > opts->max_pixels)
            return dedup_check_pixels((long)w, (long)h, opts->max_pixels, "PNG", err);
        st.alloc_limit = CS_MAX(st.alloc_limit, 2 * PNG_ROW_BYTES_MAX(w));
    }
    int rc;
    st.png = png_create_read_struct_2(PNG_LIBPNG_VER_STRING, &st, png_on_error, png_on_warning, &st,
                                      png_bounded_malloc, png_bounded_free);
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
    free(st.colorrow);
    free(st.sums);
    free(st.rows);
    if (rc == CS_OK) {
        img->pixels = st.pixels;
    } else {
        free(st.pixels);
        memset(img, 0, sizeof(*img));
    }
    return rc;
}
