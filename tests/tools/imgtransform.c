/*
 * imgtransform.c - the image edits of tests/imagegen/imagegen.h from the shell,
 * for the integration tests (tests/it_audit.sh): a protected photo cropped,
 * rotated, mirrored, re-compressed or pasted into a collage, and procedural
 * images unrelated to any work. Also finds a colour in an image (a browser
 * screenshot), so a shell test can tell where something was drawn.
 *
 *   imgtransform OP IN OUT [ARGS...]    writes OUT: PNG when it ends in .png,
 *                                       else JPEG (quality 90, or jpeg's Q)
 *     crop PERCENT | rotate DEGREES | rotate90 QUARTER_TURNS | flip-lr | flip-tb |
 *     jpeg QUALITY | resize FACTOR | tone BRIGHTNESS CONTRAST | caption SEED |
 *     logo SEED | collage BACKGROUND COVER SEED
 *   imgtransform generate SEED OUT WIDTH HEIGHT
 *   imgtransform find IN R G B TOLERANCE [X0 Y0 X1 Y1]
 *       prints "COUNT X0 Y0 X1 Y1": the pixels (inside the box, when given)
 *       within TOLERANCE of R G B on every channel, and their bounding box
 *
 * A test tool, not part of clearset: it decodes with dedup_decode (EXIF
 * orientation applied) and exits 2 on bad usage, 1 on any failure.
 */
#include "tests/imagegen/imagegen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(void)
{
    fprintf(stderr, "usage: imgtransform OP IN OUT [ARGS...] | generate SEED OUT W H |\n"
                    "       find IN R G B TOLERANCE [X0 Y0 X1 Y1]\n");
    return 2;
}

static int load(const char *path, dedup_image *out)
{
    unsigned char *bytes = NULL;
    size_t len = 0;
    cs_error err = {0};
    dedup_decode_options options = {.apply_orientation = 1};
    int rc = cs_read_file(path, 1u << 28, &bytes, &len, &err);
    if (rc == CS_OK) rc = dedup_decode(bytes, len, &options, out, &err);
    free(bytes);
    if (rc != CS_OK) fprintf(stderr, "imgtransform: %s: %s\n", path, err.message);
    return rc;
}

static int save(const dedup_image *img, const char *path, int quality)
{
    size_t n = strlen(path);
    int png = n > 4 && strcmp(path + n - 4, ".png") == 0;
    cs_buf buf;
    cs_buf_init(&buf, 0);
    cs_error err = {0};
    int rc = png ? dedup_encode(img, CS_IMAGE_PNG, &buf, &err)
                 : dedup_encode_jpeg(img, quality, &buf, &err);
    if (rc == CS_OK) rc = cs_write_file_atomic(path, buf.data, buf.len, &err);
    cs_buf_free(&buf);
    if (rc != CS_OK) fprintf(stderr, "imgtransform: %s: %s\n", path, err.message);
    return rc;
}

static int find(int argc, char **argv)
{
    if (argc != 7 && argc != 11) return usage();
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
    if (argc < 3) return usage();
    const char *op = argv[1];
    if (strcmp(op, "find") == 0) return find(argc, argv);
    dedup_image out = {0};
    int rc;
    if (strcmp(op, "generate") == 0) {
        if (argc != 6) return usage();
        rc = ig_generate(strtoull(argv[2], NULL, 10), atoi(argv[4]), atoi(argv[5]), &out);
        if (rc == CS_OK) rc = save(&out, argv[3], 90);
        dedup_image_free(&out);
        return rc == CS_OK ? 0 : 1;
    }
    if (argc < 4) return usage();
    dedup_image in, background = {0};
    if (load(argv[2], &in) != CS_OK) return 1;
    int quality = 90;
    char **arg = argv + 4;
    int args = argc - 4;
    if (strcmp(op, "crop") == 0 && args == 1)
        rc = ig_crop(&in, atof(arg[0]), &out);
    else if (strcmp(op, "rotate") == 0 && args == 1)
        rc = ig_rotate(&in, atof(arg[0]), &out);
    else if (strcmp(op, "rotate90") == 0 && args == 1)
        rc = ig_rotate90(&in, atoi(arg[0]), &out);
    else if (strcmp(op, "flip-lr") == 0 && args == 0)
        rc = ig_flip_lr(&in, &out);
    else if (strcmp(op, "flip-tb") == 0 && args == 0)
        rc = ig_flip_tb(&in, &out);
    else if (strcmp(op, "jpeg") == 0 && args == 1)
        quality = atoi(arg[0]), rc = ig_rgb(&in, &out);
    else if (strcmp(op, "resize") == 0 && args == 1)
        rc = ig_resize(&in, atof(arg[0]), &out);
    else if (strcmp(op, "tone") == 0 && args == 2)
        rc = ig_tone(&in, atof(arg[0]), atof(arg[1]), &out);
    else if (strcmp(op, "caption") == 0 && args == 1)
        rc = ig_caption(&in, strtoull(arg[0], NULL, 10), &out);
    else if (strcmp(op, "logo") == 0 && args == 1)
        rc = ig_logo(&in, strtoull(arg[0], NULL, 10), &out);
    else if (strcmp(op, "collage") == 0 && args == 3)
        rc = load(arg[0], &background) == CS_OK
                 ? ig_collage(&in, &background, atof(arg[1]), strtoull(arg[2], NULL, 10), &out)
                 : CS_EFORMAT;
    else {
        dedup_image_free(&in);
        return usage();
    }
    if (rc == CS_OK)
        rc = save(&out, argv[3], quality);
    else
        fprintf(stderr, "imgtransform: %s failed: %s\n", op, cs_strerror(rc));
    dedup_image_free(&in);
    dedup_image_free(&background);
    dedup_image_free(&out);
    return rc == CS_OK ? 0 : 1;
}
