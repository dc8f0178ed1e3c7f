/*
 * imgtransform.c - the shell tests' way to make edited copies of an image
 * with the one implementation of those edits (tests/imagegen/imagegen.h):
 *
 *   imgtransform IN OUT EDIT...      IN decoded (JPEG, PNG, WebP), edits applied
 *                                    left to right, OUT encoded by its extension
 *   imgtransform - OUT generate SEED W H [EDIT...]   a procedural image instead of IN
 *
 * EDIT is one of: crop PERCENT | rotate DEGREES | rotate90 TURNS | flip-lr |
 * flip-tb | grey | jpeg QUALITY | resize FACTOR | tone BRIGHTNESS CONTRAST |
 * caption SEED | logo SEED | collage BACKGROUND COVER SEED.
 * OUT ending in .jpg/.jpeg is JPEG at quality 90, .png PNG, .webp WebP.
 *
 *   imgtransform --find IN R G B TOLERANCE [X0 Y0 X1 Y1]
 *
 * prints "COUNT X0 Y0 X1 Y1": how many pixels of IN (inside the box, when
 * given) are within TOLERANCE of R G B on every channel, and their bounding
 * box; it_audit.sh finds the report's outline colour in a browser screenshot
 * with it (the project's own PNG decoder, so the test needs no image tool).
 * A test tool: it exits 2 with a message on bad usage, 1 on a failed edit.
 */
#include "tests/imagegen/imagegen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Test inputs are small; this bounds what the tool reads. */
#define IMGTRANSFORM_MAX_INPUT (64u * 1024 * 1024)

static int usage(const char *why)
{
    fprintf(stderr, "imgtransform: %s\nusage: imgtransform IN|- OUT [generate SEED W H] EDIT...\n",
            why);
    return 2;
}

static int load(const char *path, dedup_image *out)
{
    unsigned char *bytes = NULL;
    size_t len = 0;
    cs_error err = {0};
    int rc = cs_read_file(path, IMGTRANSFORM_MAX_INPUT, &bytes, &len, &err);
    if (rc == CS_OK) rc = dedup_decode(bytes, len, NULL, out, &err);
    free(bytes);
    if (rc != CS_OK) fprintf(stderr, "imgtransform: %s: %s\n", path, err.message);
    return rc;
}

static int save(const dedup_image *img, const char *path)
{
    const char *dot = strrchr(path, '.');
    cs_image_format format = CS_IMAGE_PNG;
    if (dot && (!strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg"))) format = CS_IMAGE_JPEG;
    if (dot && !strcasecmp(dot, ".webp")) format = CS_IMAGE_WEBP;
    cs_buf buf;
    cs_buf_init(&buf, 0);
    cs_error err = {0};
    int rc = dedup_encode(img, format, &buf, &err);
    if (rc == CS_OK) rc = cs_write_file_atomic(path, buf.data, buf.len, &err);
    cs_buf_free(&buf);
    if (rc != CS_OK) fprintf(stderr, "imgtransform: %s: %s\n", path, err.message);
    return rc;
}

/* Applies argv[*i] with its arguments to *img (replaced); advances *i. */
static int edit(int argc, char **argv, int *i, dedup_image *img)
{
    const char *name = argv[(*i)++];
    static const struct {
        const char *name;
        int nargs;
    } edits[] = {{"crop", 1},    {"rotate", 1},  {"rotate90", 1}, {"flip-lr", 0},
                 {"flip-tb", 0}, {"grey", 0},    {"jpeg", 1},     {"resize", 1},
                 {"tone", 2},    {"caption", 1}, {"logo", 1},     {"collage", 3}};
    int nargs = -1;
    for (size_t k = 0; k < CS_ARRAY_LEN(edits); k++)
        if (strcmp(name, edits[k].name) == 0) nargs = edits[k].nargs;
    if (nargs < 0) return usage("unknown edit");
    if (*i + nargs > argc) return usage("an edit is missing its arguments");
    char **a = argv + *i;
    *i += nargs;
    dedup_image out = {0}, background = {0};
    int rc;
    if (!strcmp(name, "crop"))
        rc = ig_crop(img, atof(a[0]), &out);
    else if (!strcmp(name, "rotate"))
        rc = ig_rotate(img, atof(a[0]), &out);
    else if (!strcmp(name, "rotate90"))
        rc = ig_rotate90(img, atoi(a[0]), &out);
    else if (!strcmp(name, "flip-lr"))
        rc = ig_flip_lr(img, &out);
    else if (!strcmp(name, "flip-tb"))
        rc = ig_flip_tb(img, &out);
    else if (!strcmp(name, "grey"))
        rc = ig_grey(img, &out);
    else if (!strcmp(name, "jpeg"))
        rc = ig_jpeg(img, atoi(a[0]), &out);
    else if (!strcmp(name, "resize"))
        rc = ig_resize(img, atof(a[0]), &out);
    else if (!strcmp(name, "tone"))
        rc = ig_tone(img, atof(a[0]), atof(a[1]), &out);
    else if (!strcmp(name, "caption"))
        rc = ig_caption(img, strtoull(a[0], NULL, 10), &out);
    else if (!strcmp(name, "logo"))
        rc = ig_logo(img, strtoull(a[0], NULL, 10), &out);
    else {
        rc = load(a[0], &background);
        if (rc == CS_OK)
            rc = ig_collage(img, &background, atof(a[1]), strtoull(a[2], NULL, 10), &out);
        dedup_image_free(&background);
    }
    if (rc != CS_OK) {
        fprintf(stderr, "imgtransform: %s failed: %s\n", name, cs_strerror(rc));
        return 1;
    }
    dedup_image_free(img);
    *img = out;
    return 0;
}

/* --find: counts the pixels near one colour, and their bounding box. */
static int find_colour(int argc, char **argv)
{
    if (argc != 7 && argc != 11) return usage("--find needs IN R G B TOLERANCE [X0 Y0 X1 Y1]");
    dedup_image img;
    if (load(argv[2], &img) != CS_OK) return 1;
    int colour[3] = {atoi(argv[3]), atoi(argv[4]), atoi(argv[5])}, tolerance = atoi(argv[6]);
    int bx0 = 0, by0 = 0, bx1 = img.width, by1 = img.height;
    if (argc == 11) {
        bx0 = CS_MAX(atoi(argv[7]), 0), by0 = CS_MAX(atoi(argv[8]), 0);
        bx1 = CS_MIN(atoi(argv[9]), img.width), by1 = CS_MIN(atoi(argv[10]), img.height);
    }
    long count = 0;
    int x0 = img.width, y0 = img.height, x1 = -1, y1 = -1;
    for (int y = by0; y < by1; y++)
        for (int x = bx0; x < bx1; x++) {
            const unsigned char *p =
                img.pixels + ((size_t)y * (size_t)img.width + (size_t)x) * (size_t)img.channels;
            int near = 1;
            for (int c = 0; c < 3; c++)
                if (abs(p[img.channels == 3 ? c : 0] - colour[c]) > tolerance) near = 0;
            if (!near) continue;
            count++;
            x0 = CS_MIN(x0, x), y0 = CS_MIN(y0, y), x1 = CS_MAX(x1, x), y1 = CS_MAX(y1, y);
        }
    printf("%ld %d %d %d %d\n", count, x0, y0, x1, y1);
    dedup_image_free(&img);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--find") == 0) return find_colour(argc, argv);
    if (argc < 3) return usage("needs IN and OUT");
    dedup_image img = {0};
    int i = 3;
    if (strcmp(argv[1], "-") == 0) {
        if (argc < 7 || strcmp(argv[3], "generate") != 0)
            return usage("'-' needs: generate SEED W H");
        if (ig_generate(strtoull(argv[4], NULL, 10), atoi(argv[5]), atoi(argv[6]), &img) != CS_OK)
            return usage("cannot generate that image");
        i = 7;
    } else if (load(argv[1], &img) != CS_OK) {
        return 1;
    }
    int rc = 0;
    while (rc == 0 && i < argc)
        rc = edit(argc, argv, &i, &img);
    if (rc == 0 && save(&img, argv[2]) != CS_OK) rc = 1;
    dedup_image_free(&img);
    return rc;
}
