/*
 * test_generate.c - what `clearset generate` builds on: the XMP label written
 * into a PNG (read back through common/imagemeta's chunk walk and license/'s
 * XMP reader, and through ExifTool, the reference) and the memorisation
 * ratio (generator/memorise.c) on data whose answer is known.
 */
#include "tests/support/testsupport.h"

#include "dedup/dedup.h"
#include "generator/generator.h"
#include "license/license.h"
#include "pipeline/pipeline.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define EXIFTOOL "/usr/bin/exiftool"

static const char model_hex[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
static const char manifest_hex[] =
    "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";

/* A labelled 8x8 grey PNG, into out. */
static void labelled_png(const char *obligations, cs_buf *out)
{
    pipeline_generated_label label = {.obligations = obligations};
    memcpy(label.model_sha256, model_hex, sizeof model_hex);
    memcpy(label.manifest_sha256, manifest_hex, sizeof manifest_hex);
    memset(label.signer, 'a', CS_SHA256_HEX - 1);
    cs_buf xmp;
    cs_buf_init(&xmp, 0);
    assert_int_equal(pipeline_generated_xmp(&label, &xmp), CS_OK);
    unsigned char pixels[64];
    for (int i = 0; i < 64; i++)
        pixels[i] = (unsigned char)(i * 4);
    dedup_image img = {.width = 8, .height = 8, .channels = 1, .pixels = pixels};
    cs_error err = {0};
    assert_int_equal(dedup_encode_png_xmp(&img, (const char *)xmp.data, xmp.len, out, &err), CS_OK);
    cs_buf_free(&xmp);
}

static void test_png_xmp_label_reads_back_through_the_xmp_reader(void **state)
{
    (void)state;
    cs_buf png;
    cs_buf_init(&png, 0);
    labelled_png("Trained on CC BY 4.0 (attribution: see A & B) and CC0 images", &png);
    /* the pixels are untouched */
    dedup_image back = {0};
    cs_error err = {0};
    assert_int_equal(dedup_decode(png.data, png.len, NULL, &back, &err), CS_OK);
    assert_int_equal(back.width, 8);
    assert_int_equal(back.pixels[63], 252);
    dedup_image_free(&back);
    /* one iTXt chunk with the XMP keyword, uncompressed */
    cs_meta_reader r;
    assert_int_equal(cs_meta_open(&r, png.data, png.len), CS_OK);
    cs_meta_block block;
    int found = 0;
    json_t *fields = json_object();
    license_evidence_list evidence = {0};
    while (cs_meta_next(&r, &block)) {
        cs_png_text text;
        if (block.kind != CS_META_PNG_TEXT || cs_meta_png_text(&block, &text) != CS_OK) continue;
        assert_string_equal(text.keyword, "XML:com.adobe.xmp");
        assert_false(text.compressed);
        assert_int_equal(license_parse_xmp(text.text, text.len, fields, &evidence, &err), CS_OK);
        found++;
    }
    assert_int_equal(cs_meta_status(&r), CS_OK);
    assert_int_equal(found, 1);
    assert_string_equal(json_string_value(json_object_get(fields, "XMP-iptcExt:DigitalSourceType")),
                        PIPELINE_DIGITAL_SOURCE_TYPE);
    const char *usage = json_string_value(json_object_get(fields, "XMP-xmpRights:UsageTerms"));
    assert_non_null(usage);
    assert_string_equal(usage, "Trained on CC BY 4.0 (attribution: see A & B) and CC0 images");
    json_decref(fields);
    license_evidence_list_free(&evidence);
    cs_buf_free(&png);
}

static void test_png_xmp_label_reads_back_through_exiftool(void **state)
{
    (void)state;
    char dir[TS_PATH_MAX], path[TS_PATH_MAX];
    ts_tempdir(dir);
    cs_buf png;
    cs_buf_init(&png, 0);
    labelled_png(NULL, &png);
    ts_write_file(ts_join(path, dir, "label.png"), png.data, png.len);
    cs_buf_free(&png);
    const char *argv[] = {EXIFTOOL, "-j", "-G1", "-XMP:all", path, NULL};
    ts_run_result et;
    ts_run(&et, NULL, argv);
    json_error_t jerr;
    json_t *out = json_loads(et.out, 0, &jerr);
    if (!out) fail_msg("exiftool printed no JSON: %s", et.err);
    json_t *tags = json_array_get(out, 0);
    assert_string_equal(json_string_value(json_object_get(tags, "XMP-iptcExt:DigitalSourceType")),
                        PIPELINE_DIGITAL_SOURCE_TYPE);
    const char *source = json_string_value(json_object_get(tags, "XMP-dc:Source"));
    assert_non_null(source);
    assert_non_null(strstr(source, model_hex));
    assert_non_null(strstr(source, manifest_hex));
    assert_null(json_object_get(tags, "XMP-xmpRights:UsageTerms")); /* no obligations given */
    json_decref(out);
    ts_run_result_free(&et);
    ts_rmtree(dir);
}

#define DIM 16 /* floats per constructed image */

static void test_memorisation_ratio_tells_a_copy_from_a_new_image(void **state)
{
    (void)state;
    /* four training images far apart: constant images at -0.9, -0.3, 0.3, 0.9 */
    float training[4 * DIM], queries[3 * DIM];
    for (int t = 0; t < 4; t++)
        for (int i = 0; i < DIM; i++)
            training[t * DIM + i] = -0.9f + 0.6f * (float)t;
    for (int i = 0; i < DIM; i++) {
        queries[i] = training[2 * DIM + i] + (i % 2 ? 0.02f : -0.02f); /* a noisy copy of #2 */
        queries[DIM + i] = (i % 2) ? 0.9f : -0.9f;                     /* like none of them */
        queries[2 * DIM + i] = training[DIM + i];                      /* an exact copy of #1 */
    }
    gan_nn_ratio r[3];
    cs_error err = {0};
    assert_int_equal(gan_nn_ratios(queries, 3, training, 4, DIM, GAN_MEMORISE_K, r, &err), CS_OK);
    /* the copy: 0.08 away from #2 (sqrt(16 x 0.02^2)); #1 and #3 sqrt(8 x 0.58^2 + 8 x
     * 0.62^2) = 2.4013, #0 sqrt(8 x 1.18^2 + 8 x 1.22^2) = 4.8007 */
    double far = sqrt(8 * 0.58 * 0.58 + 8 * 0.62 * 0.62),
           farthest = sqrt(8 * 1.18 * 1.18 + 8 * 1.22 * 1.22);
    assert_int_equal(r[0].nearest, 2);
    assert_int_equal(r[0].k, 4);
    assert_true(fabs(r[0].distance - 0.08) < 1e-5);
    assert_true(fabs(r[0].mean_distance - (0.08 + 2 * far + farthest) / 4) < 1e-5);
    assert_true(fabs(r[0].ratio - 0.08 / ((0.08 + 2 * far + farthest) / 4)) < 1e-5);
    assert_true(r[0].ratio < GAN_MEMORISE_COPY_RATIO);
    /* the new image sits as far from all four: ratio near 1 */
    assert_true(r[1].ratio > 0.8 && r[1].ratio <= 1.0);
    /* the exact copy: distance 0, ratio 0 */
    assert_int_equal(r[2].nearest, 1);
    assert_true(r[2].distance == 0 && r[2].ratio == 0);

    /* k = 2: only the two nearest make the neighbourhood */
    assert_int_equal(gan_nn_ratios(queries, 1, training, 4, DIM, 2, r, &err), CS_OK);
    assert_int_equal(r[0].k, 2);
    assert_true(fabs(r[0].mean_distance - (0.08 + far) / 2) < 1e-5);
    /* one training image: no neighbourhood, no finding */
    assert_int_equal(gan_nn_ratios(queries, 1, training, 1, DIM, GAN_MEMORISE_K, r, &err), CS_OK);
    assert_true(r[0].ratio == 1.0 && r[0].k == 1);
    assert_int_equal(gan_nn_ratios(queries, 1, training, 4, DIM, 0, r, &err), CS_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_png_xmp_label_reads_back_through_the_xmp_reader),
        cmocka_unit_test(test_png_xmp_label_reads_back_through_exiftool),
        cmocka_unit_test(test_memorisation_ratio_tells_a_copy_from_a_new_image),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
