/*
 * encode.c - decoded pixels back to file bytes: JPEG with TurboJPEG, PNG
 * with libpng, WebP with libwebp, into memory. The export's --size copies
 * are made with these.
 *
 * Same pixels and settings give the same bytes (none of these encoders
 * writes a time or a random value): JPEG at DEDUP_ENCODE_JPEG_QUALITY (or
 * the quality dedup_encode_jpeg is given; the audit tests re-encode at 30) with
 * 4:2:0 chroma (grey stays grey), PNG at zlib's default level with no text
 * chunks (dedup_encode_png_xmp adds one: an XMP packet in an uncompressed
 * iTXt chunk before the image data, libpng computing its CRC), WebP lossy at
 * DEDUP_ENCODE_WEBP_QUALITY. libpng reports errors by longjmp, caught here and returned as
 * CS_EFORMAT.
 */
#include "dedup/dedup_internal.h"

#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>
#include <webp/encode.h>

#define DEDUP_ENCODE_JPEG_QUALITY 90 /* visually lossless for training copies */
#define DEDUP_ENCODE_WEBP_QUALITY 90.0f

int dedup_encode_jpeg(const dedup_image *img, int quality, cs_buf *out, cs_error *err)
{
    if (!img->pixels || img->width <= 0 || img->height <= 0 ||
        (img->channels != 1 && img->channels != 3))
        return cs_error_set(err, CS_EINVAL, "encode: no pixels");
    if (quality < 1 || quality > 100)
        return cs_error_set(err, CS_EINVAL, "encode: JPEG quality %d is not 1..100", quality);
    tjhandle tj = tjInitCompress();
    if (!tj) return cs_error_set(err, CS_ENOMEM, "encode: TurboJPEG: out of memory");
    unsigned char *jpeg = NULL;
    unsigned long n = 0;
    int grey = img->channels == 1;
    int rc = tjCompress2(tj, img->pixels, img->width, 0, img->height, grey ? TJPF_GRAY : TJPF_RGB,
                         &jpeg, &n, grey ? TJSAMP_GRAY : TJSAMP_420, quality, TJFLAG_ACCURATEDCT)
                 ? cs_error_set(err, CS_EFORMAT, "encode: JPEG: %s", tjGetErrorStr2(tj))
                 : cs_buf_append(out, jpeg, n);
    tjFree(jpeg);
    tjDestroy(tj);
    return rc;
}

typedef struct png_sink {
    cs_buf *out;
    int failed;
} png_sink;

static void png_write_bytes(png_structp png, png_bytep data, png_size_t n)
{
    png_sink *sink = png_get_io_ptr(png);
    if (cs_buf_append(sink->out, data, n) != CS_OK) sink->failed = 1;
}

static void png_flush_nothing(png_structp png)
{
    (void)png;
}

/* The iTXt keyword XMP lives under in PNG (XMP Specification Part 3, 1.1.5). */
#define DEDUP_PNG_XMP_KEYWORD "XML:com.adobe.xmp"

static int encode_png(const dedup_image *img, const char *xmp, size_t xmp_len, cs_buf *out,
                      cs_error *err)
{
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        png_destroy_write_struct(&png, &info);
        return cs_error_set(err, CS_ENOMEM, "encode: libpng: out of memory");
    }
    png_sink sink = {.out = out};
    png_bytep *rows = calloc((size_t)img->height, sizeof *rows);
    if (!rows) {
        png_destroy_write_struct(&png, &info);
        return cs_error_set(err, CS_ENOMEM, "encode: out of memory");
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(rows);
        return cs_error_set(err, CS_EFORMAT, "encode: PNG: libpng failed");
    }
    png_set_write_fn(png, &sink, png_write_bytes, png_flush_nothing);
    png_set_IHDR(png, info, (png_uint_32)img->width, (png_uint_32)img->height, 8,
                 img->channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (xmp) {
        /* XMP asks for no compression, so a reader can find the packet by scanning */
        png_text text = {.compression = PNG_ITXT_COMPRESSION_NONE,
                         .key = (png_charp)DEDUP_PNG_XMP_KEYWORD,
                         .text = (png_charp)xmp,
                         .itxt_length = xmp_len,
                         .lang = (png_charp) "",
                         .lang_key = (png_charp) ""};
        png_set_text(png, info, &text, 1);
    }
    for (int y = 0; y < img->height; y++)
        rows[y] = img->pixels + (size_t)y * (size_t)img->width * (size_t)img->channels;
    png_write_info(png, info);
    png_write_image(png, rows);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(rows);
    return sink.failed ? cs_error_set(err, CS_ENOMEM, "encode: PNG: out of memory") : CS_OK;
}

static int encode_webp(const dedup_image *img, cs_buf *out, cs_error *err)
{
    unsigned char *rgb = img->pixels, *expanded = NULL;
    size_t pixels = (size_t)img->width * (size_t)img->height;
    if (img->channels == 1) { /* libwebp takes RGB */
        expanded = malloc(pixels * 3);
        if (!expanded) return cs_error_set(err, CS_ENOMEM, "encode: out of memory");
        for (size_t i = 0; i < pixels; i++)
            memset(expanded + 3 * i, img->pixels[i], 3);
        rgb = expanded;
    }
    uint8_t *webp = NULL;
    size_t n = WebPEncodeRGB(rgb, img->width, img->height, img->width * 3,
                             DEDUP_ENCODE_WEBP_QUALITY, &webp);
    free(expanded);
    int rc = n ? cs_buf_append(out, webp, n)
               : cs_error_set(err, CS_EFORMAT, "encode: WebP: libwebp failed");
    WebPFree(webp);
    return rc;
}

int dedup_encode(const dedup_image *img, cs_image_format format, cs_buf *out, cs_error *err)
{
    if (!img->pixels || img->width <= 0 || img->height <= 0 ||
        (img->channels != 1 && img->channels != 3))
        return cs_error_set(err, CS_EINVAL, "encode: no pixels");
    switch (format) {
    case CS_IMAGE_JPEG:
        return dedup_encode_jpeg(img, DEDUP_ENCODE_JPEG_QUALITY, out, err);
    case CS_IMAGE_PNG:
        return encode_png(img, NULL, 0, out, err);
    case CS_IMAGE_WEBP:
        return encode_webp(img, out, err);
    default:
        return cs_error_set(err, CS_EUNSUPPORTED, "encode: %s is not a format clearset writes",
                            dedup_format_name(format));
    }
}

int dedup_encode_png_xmp(const dedup_image *img, const char *xmp, size_t xmp_len, cs_buf *out,
                         cs_error *err)
{
    if (!img->pixels || img->width <= 0 || img->height <= 0 ||
        (img->channels != 1 && img->channels != 3))
        return cs_error_set(err, CS_EINVAL, "encode: no pixels");
    if (!xmp || xmp_len == 0 || memchr(xmp, '\0', xmp_len))
        return cs_error_set(err, CS_EINVAL, "encode: an XMP packet must be non-empty text");
    return encode_png(img, xmp, xmp_len, out, err);
}
