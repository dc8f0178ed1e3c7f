/*
 * gen_images.c - draws the sample web's pictures (demo/site/make.sh builds
 * and runs it; the images it wrote are committed, so a build never needs it).
 *
 *   gen_images OUTDIR
 *
 * Each picture is a small procedural scene (gradients, shapes, value noise
 * for texture, so perceptual hashes have something to hold on to), written
 * as JPEG through TurboJPEG or PNG through libpng. One is a near-duplicate
 * on purpose: the lighthouse, scaled to 75 %, brightened and recompressed,
 * is what the "free wallpapers" blog re-publishes as CC0 (licence
 * laundering); the stock skyline, cropped to its middle, scaled and
 * recompressed, is a second laundered copy (local features must catch it:
 * PDQ does not). The other hosts' pictures are scene(seed): a sky, hills and
 * a few bold shapes, all chosen by the seed, so each is far from the others
 * in PDQ. Two files are broken on purpose: sunset-truncated.jpg (cut after
 * 40 % of its bytes, the frame header intact) and panorama-bomb.png (a real
 * 16x16 PNG whose IHDR, CRC recomputed, claims 100000 x 100000 pixels: a
 * decompression bomb). Deterministic: the same bytes on every run with the
 * same libraries. Rights metadata is added afterwards by make.sh with exiftool.
 */
#include <math.h>
#include <png.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>
#include <zlib.h>

typedef struct image {
    int w, h;
    unsigned char *rgb;
} image;

static image image_new(int w, int h)
{
    image im = {w, h, calloc((size_t)w * h * 3, 1)};
    if (im.rgb == NULL) exit(3);
    return im;
}

static void put(image *im, int x, int y, double r, double g, double b)
{
    if (x < 0 || y < 0 || x >= im->w || y >= im->h) return;
    unsigned char *p = im->rgb + ((size_t)y * im->w + x) * 3;
    double c[3] = {r, g, b};
    for (int i = 0; i < 3; i++)
        p[i] = (unsigned char)(c[i] < 0 ? 0 : c[i] > 255 ? 255 : c[i] + 0.5);
}

static void get(const image *im, int x, int y, double *c)
{
    const unsigned char *p = im->rgb + ((size_t)y * im->w + x) * 3;
    for (int i = 0; i < 3; i++)
        c[i] = p[i];
}

/* Deterministic value noise in [0, 1), smooth at the given cell size. */
static double hash01(int x, int y, int seed)
{
    uint32_t h = (uint32_t)x * 374761393u + (uint32_t)y * 668265263u + (uint32_t)seed * 2246822519u;
    h = (h ^ (h >> 13)) * 1274126177u;
    return (double)((h ^ (h >> 16)) & 0xffffff) / 16777216.0;
}

static double noise(double x, double y, int seed)
{
    int xi = (int)floor(x), yi = (int)floor(y);
    double fx = x - xi, fy = y - yi;
    fx = fx * fx * (3 - 2 * fx);
    fy = fy * fy * (3 - 2 * fy);
    double a = hash01(xi, yi, seed), b = hash01(xi + 1, yi, seed);
    double c = hash01(xi, yi + 1, seed), d = hash01(xi + 1, yi + 1, seed);
    return (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
}

static double fbm(double x, double y, int seed)
{
    return 0.5 * noise(x, y, seed) + 0.25 * noise(2 * x, 2 * y, seed + 1) +
           0.125 * noise(4 * x, 4 * y, seed + 2);
}

static double mix(double a, double b, double t)
{
    return a + (b - a) * t;
}

static image harbour(void)
{
    image im = image_new(320, 240);
    for (int y = 0; y < im.h; y++)
        for (int x = 0; x < im.w; x++) {
            double t = (double)y / im.h;
            double r = mix(90, 200, t), g = mix(140, 220, t), b = mix(220, 240, t);
            double sun = hypot(x - 240, y - 60);
            if (sun < 22) r = 255, g = 230, b = 140;
            double sea = 150 + 4 * sin(x / 9.0 + y / 5.0);
            if (y > sea) {
                double w = fbm(x / 12.0, y / 4.0, 7);
                r = 20 + 40 * w, g = 70 + 60 * w, b = 120 + 70 * w;
            }
            /* two boats: a hull and a sail */
            for (int k = 0; k < 2; k++) {
                int bx = 70 + k * 110, by = 158 + k * 14;
                if (y > by - 6 && y < by && abs(x - bx) < 22 - (by - y)) r = 120, g = 60, b = 30;
                if (y <= by - 6 && y > by - 40 && x > bx - 2 && x < bx + (y - (by - 40)) / 2)
                    r = 245, g = 245, b = 235;
            }
            put(&im, x, y, r, g, b);
        }
    return im;
}

static image dunes(void)
{
    image im = image_new(320, 240);
    for (int y = 0; y < im.h; y++)
        for (int x = 0; x < im.w; x++) {
            double t = (double)y / im.h;
            double r = mix(250, 240, t), g = mix(180, 120, t), b = mix(90, 60, t);
            for (int layer = 0; layer < 4; layer++) {
                double top = 110 + layer * 30 + 18 * sin(x / (30.0 + layer * 9) + layer * 1.7);
                if (y > top) {
                    double shade = 0.55 + 0.45 * sin(x / (30.0 + layer * 9) + layer * 1.7 + 0.8);
                    double grain = fbm(x / 3.0, y / 3.0, 20 + layer);
                    r = (200 - layer * 25) * shade + 30 * grain;
                    g = (130 - layer * 20) * shade + 20 * grain;
                    b = (70 - layer * 10) * shade + 10 * grain;
                }
            }
            put(&im, x, y, r, g, b);
        }
    return im;
}

static image fern(void)
{
    image im = image_new(192, 192);
    for (int y = 0; y < im.h; y++)
        for (int x = 0; x < im.w; x++) {
            double n = fbm(x / 20.0, y / 20.0, 3);
            put(&im, x, y, 30 + 30 * n, 45 + 40 * n, 30 + 20 * n);
        }
    /* a curved stem with leaflets on both sides */
    for (double s = 0; s < 1; s += 0.002) {
        double cx = 96 + 40 * sin(s * 2.2) - 20, cy = 180 - s * 170;
        for (int d = -1; d <= 1; d++)
            put(&im, (int)cx + d, (int)cy, 90, 160, 60);
        if (fmod(s, 0.05) < 0.002) {
            double len = 45 * (1 - s) + 6;
            for (int side = -1; side <= 1; side += 2)
                for (double u = 0; u < len; u += 0.5)
                    for (double v = -3 * (1 - u / len); v <= 3 * (1 - u / len); v += 0.5)
                        put(&im, (int)(cx + side * u), (int)(cy - u * 0.35 + v), 80 + u,
                            170 + u / 2, 70);
        }
    }
    return im;
}

static image vase(void)
{
    image im = image_new(240, 320);
    for (int y = 0; y < im.h; y++)
        for (int x = 0; x < im.w; x++) {
            double n = fbm(x / 30.0, y / 30.0, 11);
            double r = 40 + 25 * n, g = 30 + 20 * n, b = 28 + 15 * n;
            double v = (y - 40) / 260.0; /* 0 at the rim, 1 at the foot */
            if (v >= 0 && v <= 1) {
                double half = 30 + 60 * sin(v * 3.1) * (0.4 + 0.6 * v) + (v < 0.08 ? 12 : 0);
                double dx = x - 120;
                if (fabs(dx) < half) {
                    double light = 0.45 + 0.55 * cos(dx / half * 1.4 - 0.5);
                    double band = (fmod(v * 10, 1) < 0.1) ? 0.6 : 1.0;
                    r = 200 * light * band, g = 150 * light * band, b = 70 * light * band;
                }
            }
            put(&im, x, y, r, g, b);
        }
    return im;
}

static image old_map(void)
{
    image im = image_new(224, 160);
    for (int y = 0; y < im.h; y++)
        for (int x = 0; x < im.w; x++) {
            double h = fbm(x / 40.0, y / 40.0, 42);
            double paper = 0.9 + 0.1 * noise(x / 4.0, y / 4.0, 5);
            double r = 235 * paper, g = 220 * paper, b = 180 * paper;
            if (h > 0.5) r *= 0.85, g *= 0.8, b *= 0.6;                  /* land */
            if (fabs(h - 0.5) < 0.008) r = 90, g = 60, b = 40;           /* coast */
            if (h > 0.62 && fmod(h * 60, 1) < 0.15) r *= 0.7, g *= 0.65; /* hills */
            if ((x % 56 == 0) || (y % 40 == 0)) r *= 0.8, g *= 0.8, b *= 0.8;
            put(&im, x, y, r, g, b);
        }
    return im;
}

static image lighthouse(void)
{
    image im = image_new(320, 240);
    for (int y = 0; y < im.h; y++)
        for (int x = 0; x < im.w; x++) {
            double t = (double)y / im.h;
            double r = mix(10, 40, t), g = mix(15, 50, t), b = mix(50, 110, t);
            if (hash01(x, y, 99) > 0.995 && y < 150) r = g = b = 230; /* stars */
            /* the beam: a wedge from the lamp to the right */
            double ang = atan2(y - 70.0, x - 110.0);
            if (x > 110 && fabs(ang - 0.12) < 0.1) r += 90, g += 85, b += 40;
            if (y > 190 - 6 * sin(x / 14.0)) { /* rocks and sea */
                double w = fbm(x / 8.0, y / 8.0, 13);
                r = 20 + 30 * w, g = 30 + 40 * w, b = 60 + 50 * w;
            }
            double half = 14 + (y - 80) * 0.08;
            if (y > 80 && y < 200 && fabs(x - 110.0) < half) { /* striped tower */
                int stripe = ((y - 80) / 20) % 2;
                r = stripe ? 200 : 230, g = stripe ? 40 : 230, b = stripe ? 40 : 225;
            }
            if (y > 60 && y <= 80 && fabs(x - 110.0) < 12) r = 255, g = 240, b = 150; /* lamp */
            put(&im, x, y, r, g, b);
        }
    return im;
}

static image skyline(void)
{
    image im = image_new(320, 200);
    for (int y = 0; y < im.h; y++)
        for (int x = 0; x < im.w; x++) {
            double t = (double)y / im.h;
            double r = mix(250, 120, t), g = mix(140, 60, t), b = mix(80, 110, t);
            int block = x / 22;
            double top = 60 + 90 * hash01(block, 0, 77);
            if (y > top) {
                int lit =
                    (x % 22 > 3) && (x % 6 < 3) && (y % 9 < 4) && hash01(x / 6, y / 9, 5) > 0.5;
                r = lit ? 250 : 30, g = lit ? 220 : 30, b = lit ? 120 : 45;
            }
            put(&im, x, y, r, g, b);
        }
    return im;
}

/* Bilinear resize plus a brightness lift: a typical re-upload. */
static image rework(const image *src, double scale, double lift)
{
    image im = image_new((int)(src->w * scale), (int)(src->h * scale));
    for (int y = 0; y < im.h; y++)
        for (int x = 0; x < im.w; x++) {
            double sx = (x + 0.5) / scale - 0.5, sy = (y + 0.5) / scale - 0.5;
            int x0 = (int)floor(sx), y0 = (int)floor(sy);
            double fx = sx - x0, fy = sy - y0, c[4][3], out[3];
            int xs[2] = {x0 < 0 ? 0 : x0, x0 + 1 >= src->w ? src->w - 1 : x0 + 1};
            int ys[2] = {y0 < 0 ? 0 : y0, y0 + 1 >= src->h ? src->h - 1 : y0 + 1};
            get(src, xs[0], ys[0], c[0]);
            get(src, xs[1], ys[0], c[1]);
            get(src, xs[0], ys[1], c[2]);
            get(src, xs[1], ys[1], c[3]);
            for (int i = 0; i < 3; i++)
                out[i] = mix(mix(c[0][i], c[1][i], fx), mix(c[2][i], c[3][i], fx), fy) + lift;
            put(&im, x, y, out[0], out[1], out[2]);
        }
    return im;
}

/* The rectangle (x, y, w, h) of src: a crop. */
static image crop(const image *src, int x0, int y0, int w, int h)
{
    image im = image_new(w, h);
    for (int y = 0; y < h; y++)
        memcpy(im.rgb + (size_t)y * w * 3, src->rgb + ((size_t)(y0 + y) * src->w + x0) * 3,
               (size_t)w * 3);
    return im;
}

/* A generic scene for seed: sky, textured hills and a few bold shapes. */
static image scene(int seed, int w, int h)
{
    image im = image_new(w, h);
    double sky[2][3], land[3];
    for (int i = 0; i < 3; i++) {
        sky[0][i] = 40 + 200 * hash01(i, 1, seed);
        sky[1][i] = 40 + 200 * hash01(i, 2, seed);
        land[i] = 30 + 160 * hash01(i, 3, seed);
    }
    double horizon = h * (0.35 + 0.35 * hash01(0, 4, seed));
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double t = (double)y / h, c[3];
            for (int i = 0; i < 3; i++)
                c[i] = mix(sky[0][i], sky[1][i], t);
            double ridge = horizon + h * 0.15 * (fbm(x / 25.0, 0.5, seed) - 0.5);
            if (y > ridge) {
                double g = fbm(x / 7.0, y / 7.0, seed + 1);
                for (int i = 0; i < 3; i++)
                    c[i] = land[i] * (0.6 + 0.6 * g);
            }
            put(&im, x, y, c[0], c[1], c[2]);
        }
    int shapes = 3 + (int)(4 * hash01(0, 5, seed));
    for (int k = 0; k < shapes; k++) {
        double cx = w * hash01(k, 6, seed), cy = h * hash01(k, 7, seed);
        double r = 8 + (w / 5.0) * hash01(k, 8, seed);
        double col[3] = {255 * hash01(k, 9, seed), 255 * hash01(k, 10, seed),
                         255 * hash01(k, 11, seed)};
        int kind = (int)(3 * hash01(k, 12, seed));
        for (int y = (int)(cy - r); y <= (int)(cy + r); y++)
            for (int x = (int)(cx - r); x <= (int)(cx + r); x++) {
                double dx = x - cx, dy = y - cy;
                int in = kind == 0   ? dx * dx + dy * dy < r * r
                         : kind == 1 ? fabs(dx) < r && fabs(dy) < r * 0.6
                                     : dy > -r && fabs(dx) < (dy + r) / 2;
                double stripe = (kind == 1 && ((int)(dy + r) / 5) % 2) ? 0.7 : 1.0;
                if (in) put(&im, x, y, col[0] * stripe, col[1] * stripe, col[2] * stripe);
            }
    }
    return im;
}

static void write_jpeg(const char *dir, const char *name, const image *im, int quality)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    tjhandle tj = tjInitCompress();
    unsigned char *jpeg = NULL;
    unsigned long size = 0;
    if (tjCompress2(tj, im->rgb, im->w, 0, im->h, TJPF_RGB, &jpeg, &size, TJSAMP_420, quality,
                    TJFLAG_ACCURATEDCT) != 0) {
        fprintf(stderr, "gen_images: %s: %s\n", name, tjGetErrorStr2(tj));
        exit(3);
    }
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(jpeg, 1, size, f) != size || fclose(f) != 0) {
        fprintf(stderr, "gen_images: cannot write %s\n", path);
        exit(3);
    }
    tjFree(jpeg);
    tjDestroy(tj);
}

static void write_png(const char *dir, const char *name, const image *im)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    png_image png;
    memset(&png, 0, sizeof png);
    png.version = PNG_IMAGE_VERSION;
    png.width = (png_uint_32)im->w;
    png.height = (png_uint_32)im->h;
    png.format = PNG_FORMAT_RGB;
    if (!png_image_write_to_file(&png, path, 0, im->rgb, 0, NULL)) {
        fprintf(stderr, "gen_images: %s: %s\n", path, png.message);
        exit(3);
    }
}

/* Cuts path to keep / 100 of its bytes: the header stays, the image data ends early. */
static void truncate_file(const char *dir, const char *name, int keep)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL) exit(3);
    unsigned char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    f = fopen(path, "wb");
    if (f == NULL || fwrite(buf, 1, n * keep / 100, f) != n * keep / 100 || fclose(f) != 0) exit(3);
}

static void be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

/* A real small PNG whose IHDR (CRC recomputed) claims side x side pixels. */
static void png_bomb(const char *dir, const char *name, uint32_t side)
{
    image im = scene(900, 16, 16);
    write_png(dir, name, &im);
    free(im.rgb);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r+b");
    unsigned char ihdr[4 + 13];
    if (f == NULL || fseek(f, 12, SEEK_SET) != 0 || fread(ihdr, 1, sizeof ihdr, f) != sizeof ihdr)
        exit(3);
    be32(ihdr + 4, side);
    be32(ihdr + 8, side);
    unsigned char crc[4];
    be32(crc, (uint32_t)crc32(crc32(0, NULL, 0), ihdr, sizeof ihdr));
    if (fseek(f, 12, SEEK_SET) != 0 || fwrite(ihdr, 1, sizeof ihdr, f) != sizeof ihdr ||
        fwrite(crc, 1, 4, f) != 4 || fclose(f) != 0)
        exit(3);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_images OUTDIR\n");
        return 2;
    }
    const char *out = argv[1];
    struct {
        const char *name;
        image (*draw)(void);
        int quality; /* 0: PNG */
    } pictures[] = {
        {"harbour.jpg", harbour, 80}, {"dunes.jpg", dunes, 80}, {"fern.png", fern, 0},
        {"vase.jpg", vase, 80},       {"map.png", old_map, 0},  {"lighthouse.jpg", lighthouse, 82},
        {"skyline.jpg", skyline, 80},
    };
    for (size_t i = 0; i < sizeof pictures / sizeof pictures[0]; i++) {
        image im = pictures[i].draw();
        if (pictures[i].quality)
            write_jpeg(out, pictures[i].name, &im, pictures[i].quality);
        else
            write_png(out, pictures[i].name, &im);
        if (strcmp(pictures[i].name, "lighthouse.jpg") == 0) {
            image copy = rework(&im, 0.75, 6);
            write_jpeg(out, "lighthouse-wallpaper.jpg", &copy, 70);
            free(copy.rgb);
        }
        if (strcmp(pictures[i].name, "skyline.jpg") == 0) { /* the middle 60 %, at 80 % */
            image middle = crop(&im, 64, 30, 192, 150);
            image copy = rework(&middle, 0.8, 0);
            write_jpeg(out, "skyline-wallpaper.jpg", &copy, 75);
            free(middle.rgb);
            free(copy.rgb);
        }
        if (strcmp(pictures[i].name, "harbour.jpg") == 0) { /* a content farm's thumbnail */
            image copy = rework(&im, 0.6, 0);
            write_jpeg(out, "harbour-small.jpg", &copy, 60);
            free(copy.rgb);
        }
        free(im.rgb);
    }
    /* The other hosts' pictures: one scene each (make.sh says who publishes which). */
    static const char *const scenes[] = {
        "glacier.jpg",    "market.jpg", "sculpture.jpg",
        "bridge.jpg",     "tram.jpg",   "heron.jpg",
        "orchard.jpg",    "kite.png",   "attic.jpg",
        "secret.jpg",     "storm.jpg",  "bike.jpg",
        "microscope.jpg", "fox.jpg",    "owl.jpg",
        "deer.jpg",       "hare.jpg",   "wolf.png",
        "bear.jpg",       "lynx.jpg",   "seal.jpg",
        "violin.jpg",     "chess.jpg",  "premium.jpg",
        "queue.jpg",      "snail.jpg",  "sunset-truncated.jpg",
    };
    for (size_t i = 0; i < sizeof scenes / sizeof scenes[0]; i++) {
        image im = scene(100 + (int)i * 7, 192, 144);
        if (strstr(scenes[i], ".png"))
            write_png(out, scenes[i], &im);
        else
            write_jpeg(out, scenes[i], &im, 78);
        free(im.rgb);
    }
    truncate_file(out, "sunset-truncated.jpg", 40);
    png_bomb(out, "panorama-bomb.png", 100000);
    return 0;
}
