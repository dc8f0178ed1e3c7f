/*
 * imagegen.h - edits a person makes to a protected image before passing it
 * off (crops, rotations, flips, re-encoding, resizing, colour changes, a
 * caption, a logo, pasting it into a collage), and procedural images with
 * real keypoints (for negatives and for filling an index with distractors).
 * One implementation, shared by tests/test_audit_match.c and
 * bench/bench_audit.c; not part of any product library.
 *
 * Every function takes an 8-bit dedup_image (grey or RGB) and returns a new
 * RGB one in *out (free with dedup_image_free): CS_OK, or CS_ENOMEM /
 * CS_EINVAL. The result's source size is its own size. Deterministic: the
 * same input and seed give the same pixels.
 */
#ifndef CLEARSET_IMAGEGEN_H
#define CLEARSET_IMAGEGEN_H

#include "dedup/dedup.h"

#include <stdint.h>

/* A copy as RGB (grey expanded). */
int ig_rgb(const dedup_image *in, dedup_image *out);
/* A one-channel copy: Rec. 601 luma of RGB, grey copied. */
int ig_grey(const dedup_image *in, dedup_image *out);
/* Removes percent (0..90) of the width and of the height: a third of it from
 * the left and top, two thirds from the right and bottom. */
int ig_crop(const dedup_image *in, double percent, dedup_image *out);
/* Rotated counter-clockwise by degrees about the centre, bilinear, same canvas
 * size; the corners the image leaves are filled with mid grey. */
int ig_rotate(const dedup_image *in, double degrees, dedup_image *out);
/* Rotated counter-clockwise by quarter_turns * 90 degrees, exactly (canvas turns too). */
int ig_rotate90(const dedup_image *in, int quarter_turns, dedup_image *out);
int ig_flip_lr(const dedup_image *in, dedup_image *out); /* mirrored left to right */
int ig_flip_tb(const dedup_image *in, dedup_image *out); /* mirrored top to bottom */
/* Encoded as JPEG at quality (dedup_encode_jpeg) and decoded back. */
int ig_jpeg(const dedup_image *in, int quality, dedup_image *out);
/* Resized by factor (0.25: a quarter of each side) with dedup_resize's area filter. */
int ig_resize(const dedup_image *in, double factor, dedup_image *out);
/* v' = (v - 128) * contrast + 128 + brightness, clamped. */
int ig_tone(const dedup_image *in, double brightness, double contrast, dedup_image *out);
/* A solid light band over the bottom seventh with rows of dark text-like blocks. */
int ig_caption(const dedup_image *in, uint64_t seed, dedup_image *out);
/* An opaque logo (a disc on a square plate) over about 7% of the area, bottom right. */
int ig_logo(const dedup_image *in, uint64_t seed, dedup_image *out);
/*
 * in pasted at its own size into background resized around it, so that in
 * covers `cover` (0.05..1) of the result; the position is chosen by seed.
 */
int ig_collage(const dedup_image *in, const dedup_image *background, double cover, uint64_t seed,
               dedup_image *out);
/*
 * A width x height image of overlapping shapes (discs, boxes, bars) in random
 * colours over a gradient, with fine noise: corners and blobs at many scales,
 * so SIFT finds keypoints as on a photo. Different seeds, unrelated images.
 */
int ig_generate(uint64_t seed, int width, int height, dedup_image *out);

/* The splitmix64 stream both files draw from. */
uint64_t ig_random(uint64_t *state);
/* Uniform in 0..1. */
double ig_uniform(uint64_t *state);

#endif
