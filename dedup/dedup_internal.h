/*
 * dedup_internal.h - what the files of dedup/ share and nothing else includes:
 * the per-format decoders, EXIF orientation, and pixel helpers.
 */
#ifndef CLEARSET_DEDUP_INTERNAL_H
#define CLEARSET_DEDUP_INTERNAL_H

#include "dedup/dedup.h"

/*
 * Each decoder fills img (pixels, width, height, channels, source size; the
 * orientation is dedup_decode's, from dedup_exif_orientation) or returns a CS_E* code with err
 * filled. The caller has already sniffed the format and resolved opts (max_pixels non-zero).
 */
int dedup_decode_jpeg(const unsigned char *bytes, size_t len, const dedup_decode_options *opts,
                      dedup_image *img, cs_error *err);
int dedup_decode_png(const unsigned char *bytes, size_t len, const dedup_decode_options *opts,
                     dedup_image *img, cs_error *err);
int dedup_decode_webp(const unsigned char *bytes, size_t len, const dedup_decode_options *opts,
                      dedup_image *img, cs_error *err);

/* Orientation (1..8) from the first EXIF block of a JPEG, PNG or WebP file; 1 if absent. */
int dedup_exif_orientation(const unsigned char *bytes, size_t len);

/* Checks width x height against max_pixels; CS_ELIMIT or CS_EFORMAT (zero size). */
int dedup_check_pixels(long width, long height, uint64_t max_pixels, const char *what,
                       cs_error *err);

/* Composites interleaved pixels with alpha (last channel) onto white, in place to out. */
void dedup_composite_on_white(const unsigned char *in, int color_channels, size_t pixels,
                              unsigned char *out);

/* Applies EXIF orientation o (2..8) to img's pixels (allocates a new buffer). */
int dedup_apply_orientation(dedup_image *img, int orientation, cs_error *err);

#endif
