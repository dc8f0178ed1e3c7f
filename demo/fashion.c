/*
 * fashion.c - publishes Fashion-MNIST (Debian's dataset-fashion-mnist: 70,000
 * 28x28 grey garments, MIT licence, (c) 2017 Zalando SE) as a small website
 * the fixture server can serve: the demo's training set and bench/gan's.
 *
 * How it works: the IDX file (gzip, read as a stream with cs_stream) gives
 * count images from first on. Each becomes a 32x32 grey PNG: the original
 * 28x28 pixels centred on a 2-pixel border of background (0), the padding the
 * DCGAN literature and bench/gan always used, so `clearset train` (which
 * squares and resizes to 32) gets the original pixels unresampled. The PNG
 * carries the dataset's real rights in XMP (dedup_encode_png_xmp writes the
 * iTXt chunk): xmpRights:WebStatement and cc:license naming the MIT licence,
 * dc:rights the copyright line, dc:creator and cc:attributionName Zalando SE,
 * dc:source the dataset. Gallery pages (per_page images each, listed on
 * index.html) state the licence page-wide with rel=license; robots.txt allows
 * everything. scenario.json serves it all as static files (demo.h's format).
 *
 * Files are written plainly, not atomically: the site is regenerated from the
 * package at will, and an fsync per image would make 60,000 images slow.
 */
#include "demo/demo.h"

#include "dedup/dedup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FASHION_SIDE      28 /* the IDX images */
#define FASHION_PAD       2  /* border added on each side: 32x32, the GAN's size */
#define FASHION_OUT_SIDE  (FASHION_SIDE + 2 * FASHION_PAD)
#define FASHION_MAX_PAGE  1000        /* crawler/html.c reads at most 1000 images a page */
#define FASHION_IDX_MAGIC 0x00000803u /* unsigned bytes, three dimensions */

#define FASHION_LICENSE_URL "https://opensource.org/licenses/MIT"
#define FASHION_RIGHTS      "Copyright (c) 2017 Zalando SE"
#define FASHION_CREATOR     "Zalando SE"
#define FASHION_SOURCE                                                                             \
    "Fashion-MNIST (Xiao, Rasul and Vollgraf 2017), https://github.com/zalandoresearch/"           \
    "fashion-mnist, as Debian's dataset-fashion-mnist ships it"

/* Reads exactly len bytes from s (CS_EFORMAT when the file ends first). */
static int read_exact(cs_stream *s, const char *path, unsigned char *buf, size_t len, cs_error *err)
{
    size_t got = 0;
    while (got < len) {
        long n = cs_stream_read(s, buf + got, len - got, err);
        if (n < 0) return (int)n;
        if (n == 0) return cs_error_set(err, CS_EFORMAT, "%s: IDX file ends early", path);
        got += (size_t)n;
    }
    return CS_OK;
}

/* Writes bytes to dir/name, replacing it; CS_EIO names the file. */
static int write_file(const char *dir, const char *name, const void *bytes, size_t len,
                      cs_error *err)
{
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
        return cs_error_set(err, CS_ELIMIT, "%s/%s: path too long", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return cs_error_set(err, CS_EIO, "%s: %s", path, strerror(errno));
    int rc = cs_write_all(fd, bytes, len);
    if (close(fd) != 0) rc = CS_EIO;
    if (rc != CS_OK) return cs_error_set(err, CS_EIO, "%s: %s", path, strerror(errno));
    return CS_OK;
}

/* The XMP packet of image number (0-based index in its IDX file). */
static int fashion_xmp(const char *set, size_t number, cs_buf *out)
{
    return cs_buf_printf(
        out,
        "<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
        "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n"
        " <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
        "  <rdf:Description rdf:about=\"\"\n"
        "    xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n"
        "    xmlns:xmpRights=\"http://ns.adobe.com/xap/1.0/rights/\"\n"
        "    xmlns:cc=\"http://creativecommons.org/ns#\"\n"
        "    xmpRights:Marked=\"True\"\n"
        "    xmpRights:WebStatement=\"" FASHION_LICENSE_URL "\">\n"
        "   <cc:license rdf:resource=\"" FASHION_LICENSE_URL "\"/>\n"
        "   <cc:attributionName>" FASHION_CREATOR "</cc:attributionName>\n"
        "   <dc:creator><rdf:Seq><rdf:li>" FASHION_CREATOR "</rdf:li></rdf:Seq></dc:creator>\n"
        "   <dc:rights><rdf:Alt><rdf:li xml:lang=\"x-default\">" FASHION_RIGHTS
        ". MIT licence.</rdf:li></rdf:Alt></dc:rights>\n"
        "   <dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">Fashion-MNIST %s image %zu"
        "</rdf:li></rdf:Alt></dc:title>\n"
        "   <dc:source>" FASHION_SOURCE "</dc:source>\n"
        "  </rdf:Description>\n"
        " </rdf:RDF>\n"
        "</x:xmpmeta>\n"
        "<?xpacket end=\"r\"?>",
        set, number);
}

static int page_head(cs_buf *b, const char *title)
{
    return cs_buf_printf(b,
                         "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                         "<title>%s</title>\n"
                         "<link rel=\"license\" href=\"" FASHION_LICENSE_URL "\">\n"
                         "</head><body>\n<h1>%s</h1>\n",
                         title, title);
}

static int page_foot(cs_buf *b)
{
    return cs_buf_append_str(b,
                             "<footer><p>Fashion-MNIST, " FASHION_RIGHTS
                             ". Released under the <a rel=\"license\" href=\"" FASHION_LICENSE_URL
                             "\">MIT licence</a>.</p></footer>\n</body></html>\n");
}

/* www/page/NNNN.html: the images [first, first + n) of the published ones. */
static int write_page(const char *www, size_t page, size_t first, size_t n, size_t total_pages,
                      cs_error *err)
{
    cs_buf b;
    cs_buf_init(&b, 0);
    char title[96], name[64];
    snprintf(title, sizeof title, "Fashion-MNIST gallery, page %zu of %zu", page + 1, total_pages);
    int rc = page_head(&b, title);
    for (size_t i = first; rc == CS_OK && i < first + n; i++)
        rc = cs_buf_printf(&b,
                           "<figure><img src=\"../images/%06zu.png\" width=\"32\" height=\"32\" "
                           "alt=\"Fashion-MNIST image %zu\"></figure>\n",
                           i, i);
    if (rc == CS_OK) rc = page_foot(&b);
    snprintf(name, sizeof name, "page/%04zu.html", page + 1);
    if (rc == CS_OK)
        rc = write_file(www, name, b.data, b.len, err);
    else
        rc = cs_error_set(err, rc, "out of memory for a gallery page");
    cs_buf_free(&b);
    return rc;
}

static int write_index(const char *www, size_t pages, size_t images, cs_error *err)
{
    cs_buf b;
    cs_buf_init(&b, 0);
    int rc = page_head(&b, "Fashion-MNIST");
    if (rc == CS_OK)
        rc = cs_buf_printf(&b,
                           "<p>%zu images of Zalando's Fashion-MNIST, 28x28 grey, padded to "
                           "32x32.</p>\n<ul>\n",
                           images);
    for (size_t p = 1; rc == CS_OK && p <= pages; p++)
        rc = cs_buf_printf(&b, "<li><a href=\"page/%04zu.html\">page %zu</a></li>\n", p, p);
    if (rc == CS_OK) rc = cs_buf_append_str(&b, "</ul>\n");
    if (rc == CS_OK) rc = page_foot(&b);
    if (rc == CS_OK)
        rc = write_file(www, "index.html", b.data, b.len, err);
    else
        rc = cs_error_set(err, rc, "out of memory for the index page");
    cs_buf_free(&b);
    return rc;
}

/* Opens the IDX images of set and checks its header; *available is its image count. */
static int open_idx(const char *dir, const char *set, cs_stream **s, char *path, size_t path_size,
                    size_t *available, cs_error *err)
{
    if ((size_t)snprintf(path, path_size, "%s/%s-images-idx3-ubyte.gz", dir, set) >= path_size)
        return cs_error_set(err, CS_ELIMIT, "%s: path too long", dir);
    int rc = cs_stream_open(path, s, err);
    if (rc != CS_OK) return rc;
    unsigned char h[16];
    rc = read_exact(*s, path, h, sizeof h, err);
    if (rc != CS_OK) return rc;
    uint32_t v[4];
    for (int i = 0; i < 4; i++)
        v[i] = (uint32_t)h[4 * i] << 24 | (uint32_t)h[4 * i + 1] << 16 |
               (uint32_t)h[4 * i + 2] << 8 | h[4 * i + 3];
    if (v[0] != FASHION_IDX_MAGIC || v[2] != FASHION_SIDE || v[3] != FASHION_SIDE)
        return cs_error_set(err, CS_EFORMAT, "%s: not an IDX file of 28x28 byte images", path);
    *available = v[1];
    return CS_OK;
}

int demo_fashion_write(const demo_fashion_options *opts, const char *out_dir, size_t *written,
                       cs_error *err)
{
    *written = 0;
    const char *dir = opts->source_dir ? opts->source_dir : DEMO_FASHION_DIR;
    const char *set = opts->set ? opts->set : "train";
    size_t per_page = opts->per_page ? opts->per_page : DEMO_FASHION_PER_PAGE;
    if (strcmp(set, "train") != 0 && strcmp(set, "t10k") != 0)
        return cs_error_set(err, CS_EINVAL, "set '%s': train or t10k", set);
    if (per_page > FASHION_MAX_PAGE)
        return cs_error_set(err, CS_EINVAL, "at most %d images a page", FASHION_MAX_PAGE);
    char path[4096], www[4096], images_dir[4096], pages_dir[4096];
    if ((size_t)snprintf(www, sizeof www, "%s/www", out_dir) >= sizeof www ||
        (size_t)snprintf(images_dir, sizeof images_dir, "%s/images", www) >= sizeof images_dir ||
        (size_t)snprintf(pages_dir, sizeof pages_dir, "%s/page", www) >= sizeof pages_dir)
        return cs_error_set(err, CS_ELIMIT, "%s: path too long", out_dir);
    int rc = cs_mkdir_p(images_dir, err);
    if (rc == CS_OK) rc = cs_mkdir_p(pages_dir, err);
    if (rc != CS_OK) return rc;

    cs_stream *s = NULL;
    size_t available = 0;
    rc = open_idx(dir, set, &s, path, sizeof path, &available, err);
    size_t count = opts->count ? opts->count : available;
    if (rc == CS_OK && (opts->first > available || count > available - opts->first))
        rc = cs_error_set(err, CS_EINVAL, "%s holds %zu images: %zu from %zu is too many", path,
                          available, count, opts->first);
    unsigned char raw[FASHION_SIDE * FASHION_SIDE];
    for (size_t i = 0; rc == CS_OK && i < opts->first; i++)
        rc = read_exact(s, path, raw, sizeof raw, err);

    unsigned char pixels[FASHION_OUT_SIDE * FASHION_OUT_SIDE];
    dedup_image img = {.width = FASHION_OUT_SIDE,
                       .height = FASHION_OUT_SIDE,
                       .channels = 1,
                       .source_width = FASHION_OUT_SIDE,
                       .source_height = FASHION_OUT_SIDE,
                       .orientation = 1,
                       .format = CS_IMAGE_PNG,
                       .pixels = pixels};
    cs_buf xmp, png;
    cs_buf_init(&xmp, 0);
    cs_buf_init(&png, 0);
    for (size_t i = 0; rc == CS_OK && i < count; i++) {
        rc = read_exact(s, path, raw, sizeof raw, err);
        if (rc != CS_OK) break;
        memset(pixels, 0, sizeof pixels);
        for (int y = 0; y < FASHION_SIDE; y++)
            memcpy(pixels + (y + FASHION_PAD) * FASHION_OUT_SIDE + FASHION_PAD,
                   raw + y * FASHION_SIDE, FASHION_SIDE);
        xmp.len = png.len = 0;
        if (fashion_xmp(set, opts->first + i, &xmp) != CS_OK) {
            rc = cs_error_set(err, CS_ENOMEM, "out of memory");
            break;
        }
        rc = dedup_encode_png_xmp(&img, (const char *)xmp.data, xmp.len, &png, err);
        char name[32];
        snprintf(name, sizeof name, "%06zu.png", i);
        if (rc == CS_OK) rc = write_file(images_dir, name, png.data, png.len, err);
        if (rc == CS_OK) *written = i + 1;
    }
    cs_buf_free(&xmp);
    cs_buf_free(&png);
    cs_stream_close(s);
    if (rc != CS_OK) return rc;

    size_t pages = (count + per_page - 1) / per_page;
    for (size_t p = 0; rc == CS_OK && p < pages; p++) {
        size_t first = p * per_page;
        rc = write_page(www, p, first, count - first < per_page ? count - first : per_page, pages,
                        err);
    }
    if (rc == CS_OK) rc = write_index(www, pages, count, err);
    static const char robots[] = "# The Fashion-MNIST gallery: everyone welcome.\n"
                                 "User-agent: *\nAllow: /\n";
    if (rc == CS_OK) rc = write_file(www, "robots.txt", robots, sizeof robots - 1, err);
    static const char scenario[] = "{\"root\": \"www\"}\n";
    if (rc == CS_OK) rc = write_file(out_dir, "scenario.json", scenario, sizeof scenario - 1, err);
    return rc;
}

int demo_fashion_ensure(const demo_fashion_options *opts, const char *out_dir, int *reused,
                        cs_error *err)
{
    *reused = 0;
    char last[4096], past[4096], scenario[4096];
    size_t count = opts->count;
    if (count > 0 &&
        (size_t)snprintf(last, sizeof last, "%s/www/images/%06zu.png", out_dir, count - 1) <
            sizeof last &&
        (size_t)snprintf(past, sizeof past, "%s/www/images/%06zu.png", out_dir, count) <
            sizeof past &&
        (size_t)snprintf(scenario, sizeof scenario, "%s/scenario.json", out_dir) <
            sizeof scenario &&
        access(last, R_OK) == 0 && access(past, F_OK) != 0 && access(scenario, R_OK) == 0) {
        *reused = 1;
        return CS_OK;
    }
    int rc = cs_remove_tree(out_dir, err);
    size_t written = 0;
    if (rc == CS_OK) rc = demo_fashion_write(opts, out_dir, &written, err);
    return rc;
}
