/*
 * test_crawler_html.c - what crawler/html.c reads from pages, including
 * malformed and hostile ones. Expected values are written from the HTML by
 * hand (what a browser would resolve), never copied from the code's output.
 */
#include "tests/support/testsupport.h"

#include "crawler/crawler.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void extract(const char *url, const char *html, crawler_html_page *page)
{
    cs_error err;
    int rc = crawler_html_extract(url, (const unsigned char *)html, strlen(html), page, &err);
    if (rc != CS_OK) fail_msg("extract failed: %s", err.message);
}

static const crawler_html_image *find_image(const crawler_html_page *page, const char *url)
{
    for (size_t i = 0; i < page->image_count; i++)
        if (strcmp(page->images[i].url, url) == 0) return &page->images[i];
    return NULL;
}

static void images_from_img_srcset_and_picture(void **state)
{
    crawler_html_page page;
    extract("http://h.test/gallery/index.html",
            "<html><body>"
            "<img src='a.jpg' alt='An apple'>"
            "<img srcset='b-1x.jpg 1x, b-2x.jpg 2x' src='/b.jpg'>"
            "<img srcset='data:image/png;base64,AAAA, c,1.jpg 100w, d.jpg'>"
            "<picture><source srcset='//cdn.test/e.webp' type='image/webp'>"
            "<img src='e.jpg' alt='E'></picture>"
            "<img src='mailto:x@y'><img src=''>"
            "</body></html>",
            &page);
    assert_non_null(find_image(&page, "http://h.test/gallery/a.jpg"));
    assert_string_equal(find_image(&page, "http://h.test/gallery/a.jpg")->alt, "An apple");
    assert_non_null(find_image(&page, "http://h.test/gallery/b-1x.jpg"));
    assert_non_null(find_image(&page, "http://h.test/gallery/b-2x.jpg"));
    assert_non_null(find_image(&page, "http://h.test/b.jpg"));
    assert_non_null(find_image(&page, "http://h.test/gallery/c,1.jpg"));
    assert_non_null(find_image(&page, "http://h.test/gallery/d.jpg"));
    const crawler_html_image *e = find_image(&page, "http://cdn.test/e.webp");
    assert_non_null(e);
    assert_string_equal(e->element, "source");
    assert_string_equal(e->alt, "E");
    assert_non_null(find_image(&page, "http://h.test/gallery/e.jpg"));
    /* the empty src resolves to the page itself, which is an http URL */
    assert_int_equal(page.image_count, 9);
    crawler_html_page_free(&page);
}

static void base_href_governs_resolution(void **state)
{
    crawler_html_page page;
    extract("http://h.test/a/b.html",
            "<head><base href='https://static.test/x/'><base href='/ignored/'></head>"
            "<body><img src='i.png'><a href='../p.html'>p</a></body>",
            &page);
    assert_string_equal(page.base_url, "https://static.test/x/");
    assert_non_null(find_image(&page, "https://static.test/x/i.png"));
    assert_int_equal(page.link_count, 1);
    assert_string_equal(page.links[0].url, "https://static.test/p.html");
    crawler_html_page_free(&page);
}

static void links_with_nofollow_and_meta_robots(void **state)
{
    crawler_html_page page;
    extract("http://h.test/",
            "<meta name='robots' content='noai, NoFollow'>"
            "<meta name='tdm-reservation' content='1'>"
            "<a href='/one'>1</a><a rel='external NOFOLLOW' href='/two'>2</a>"
            "<area href='/three'><a href='javascript:void(0)'>x</a><a>no href</a>",
            &page);
    assert_int_equal(page.link_count, 3);
    assert_string_equal(page.links[0].url, "http://h.test/one");
    assert_int_equal(page.links[0].nofollow, 0);
    assert_string_equal(page.links[1].url, "http://h.test/two");
    assert_int_equal(page.links[1].nofollow, 1);
    assert_int_equal(page.meta_nofollow, 1);
    assert_int_equal(page.meta_count, 2);
    assert_string_equal(page.metas[0].name, "robots");
    assert_string_equal(page.metas[0].content, "noai, NoFollow");
    assert_string_equal(page.metas[1].name, "tdm-reservation");
    assert_string_equal(page.metas[1].content, "1");
    crawler_html_page_free(&page);
}

static void rel_license_with_rdfa_about_and_figure(void **state)
{
    crawler_html_page page;
    extract("http://h.test/photos/",
            "<html><head><title> My   photos </title>"
            "<link rel='license' href='https://creativecommons.org/licenses/by/4.0/'></head><body>"
            "<div about='cat.jpg'><img src='cat.jpg'>"
            "<span property='cc:attributionName'>Jane Doe</span>"
            "<a rel='cc:attributionURL' href='/jane'>Jane</a>"
            "<a rel='license' href='https://creativecommons.org/licenses/by-sa/4.0/'>BY-SA</a>"
            "</div>"
            "<figure><img src='dog.jpg' alt='a dog'><figcaption>\n A  dog, "
            "<a rel='license' href='http://creativecommons.org/publicdomain/zero/1.0/'>CC0</a>"
            "</figcaption></figure>"
            "<p><a rel='license' href='CC BY 4.0'>free text</a></p>"
            "</body></html>",
            &page);
    assert_string_equal(page.title, "My photos");
    assert_int_equal(page.license_count, 4);
    crawler_html_license *head = &page.licenses[0];
    assert_int_equal(head->in_head, 1);
    assert_string_equal(head->element, "link");
    assert_null(head->about);
    crawler_html_license *cat = &page.licenses[1];
    assert_string_equal(cat->href, "https://creativecommons.org/licenses/by-sa/4.0/");
    assert_string_equal(cat->about, "http://h.test/photos/cat.jpg");
    assert_string_equal(cat->attribution_name, "Jane Doe");
    assert_string_equal(cat->attribution_url, "http://h.test/jane");
    assert_int_equal(cat->in_head, 0);
    crawler_html_license *dog = &page.licenses[2];
    assert_null(dog->about);
    assert_true(dog->figure >= 0);
    crawler_html_figure *fig = &page.figures[dog->figure];
    assert_int_equal(fig->image_count, 1);
    assert_string_equal(fig->images[0], "http://h.test/photos/dog.jpg");
    const crawler_html_image *img = find_image(&page, "http://h.test/photos/dog.jpg");
    assert_string_equal(img->caption, "A dog, CC0");
    /* "CC BY 4.0" resolves to a URL path; the text is kept readable either way */
    assert_non_null(page.licenses[3].href);
    crawler_html_page_free(&page);
}

static void jsonld_and_microdata(void **state)
{
    crawler_html_page page;
    extract("http://h.test/p",
            "<script type='application/ld+json'>{\"@type\":\"ImageObject\","
            "\"contentUrl\":\"http://h.test/i.jpg\",\"license\":\"https://creativecommons.org/"
            "licenses/by/4.0/\"}</script>"
            "<script type='text/javascript'>var x = '<img src=no.jpg>';</script>"
            "<div itemscope itemtype='https://schema.org/ImageObject'>"
            "<img itemprop='contentUrl' src='m.jpg'>"
            "<a itemprop='license' href='https://creativecommons.org/licenses/by-nc/4.0/'>l</a>"
            "<div itemprop='creator' itemscope itemtype='https://schema.org/Person'>"
            "<span itemprop='name'>Ann</span></div></div>",
            &page);
    assert_int_equal(page.jsonld_count, 1);
    assert_non_null(strstr(page.jsonld[0].text, "\"contentUrl\":\"http://h.test/i.jpg\""));
    assert_int_equal(page.jsonld[0].len, strlen(page.jsonld[0].text));
    assert_null(find_image(&page, "http://h.test/no.jpg"));
    assert_int_equal(page.item_count, 2);
    assert_string_equal(page.items[0].type, "https://schema.org/ImageObject");
    assert_int_equal(page.items[0].parent_index, -1);
    assert_int_equal(page.items[1].parent_index, 0);
    assert_string_equal(page.items[1].parent_prop, "creator");
    assert_int_equal(page.prop_count, 3);
    assert_string_equal(page.props[0].name, "contentUrl");
    assert_string_equal(page.props[0].value, "http://h.test/m.jpg");
    assert_string_equal(page.props[1].value, "https://creativecommons.org/licenses/by-nc/4.0/");
    assert_int_equal(page.props[2].item_index, 1);
    assert_string_equal(page.props[2].value, "Ann");
    crawler_html_page_free(&page);
}

static void malformed_html_is_recovered(void **state)
{
    const char *cases[] = {
        "",
        "<",
        "<img src=a.jpg<img src=b.jpg>",
        "<html><body><p><a href='/x'>unclosed <img src='c.jpg' <b>",
        "<img src=\"d.jpg\" alt=\"unterminated>",
        "\xff\xfe<\x00i\x00m\x00g\x00",
        "<!-- <img src='hidden.jpg'> ",
        "<table><tr><td><img src='t.jpg'></table></td></tr><figure><figcaption>",
        "<svg><img src='svg.jpg'></svg><math><a href='/m'>",
        "<meta name=robots content=><meta content=x><base href=''><base>",
    };
    for (size_t i = 0; i < CS_ARRAY_LEN(cases); i++) {
        crawler_html_page page;
        size_t len = i == 5 ? 11 : strlen(cases[i]); /* case 5 holds NULs */
        assert_int_equal(crawler_html_extract("http://h.test/", (const unsigned char *)cases[i],
                                              len, &page, NULL),
                         CS_OK);
        crawler_html_page_free(&page);
    }
    crawler_html_page page;
    extract("http://h.test/", "<table><tr><td><img src='t.jpg'></table>", &page);
    assert_non_null(find_image(&page, "http://h.test/t.jpg"));
    crawler_html_page_free(&page);
}

static void encoding_errors_print_nothing(void **state)
{
    /* found by fuzz_crawler_html: libxml2 guesses UTF-32 and reports the failure on stderr */
    static const char utf32ish[] = {'<', 0, 0, 0, '&', 0, 'c'};
    char dir[TS_PATH_MAX], path[TS_PATH_MAX];
    ts_tempdir(dir);
    ts_join(path, dir, "stderr");
    fflush(stderr);
    int saved = dup(2);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 2);
    close(fd);
    crawler_html_page page;
    int rc = crawler_html_extract("http://h.test/", (const unsigned char *)utf32ish,
                                  sizeof utf32ish, &page, NULL);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    assert_int_equal(rc, CS_OK);
    crawler_html_page_free(&page);
    size_t len;
    char *printed = ts_read_file(path, &len);
    if (len != 0) fail_msg("library printed: %s", printed);
    free(printed);
    ts_rmtree(dir);
}

static void deep_nesting_and_floods_are_bounded(void **state)
{
    /* 100000 nested divs, then 5000 images and 5000 links: caps apply, no stack overflow */
    cs_buf buf;
    cs_buf_init(&buf, 0);
    for (int i = 0; i < 100000; i++)
        cs_buf_append_str(&buf, "<div>");
    for (int i = 0; i < 5000; i++)
        cs_buf_printf(&buf, "<img src='/i%d.jpg'><a href='/p%d'>", i, i);
    crawler_html_page page;
    assert_int_equal(crawler_html_extract("http://h.test/", buf.data, buf.len, &page, NULL), CS_OK);
    assert_true(page.image_count <= 1000);
    assert_true(page.link_count <= 2000);
    crawler_html_page_free(&page);
    /* the same flood without nesting reaches the caps exactly */
    cs_buf_free(&buf);
    cs_buf_init(&buf, 0);
    for (int i = 0; i < 5000; i++)
        cs_buf_printf(&buf, "<img src='/i%d.jpg'><a href='/p%d'>", i, i);
    assert_int_equal(crawler_html_extract("http://h.test/", buf.data, buf.len, &page, NULL), CS_OK);
    assert_int_equal(page.image_count, 1000);
    assert_int_equal(page.link_count, 2000);
    assert_true(page.dropped >= 7000);
    crawler_html_page_free(&page);
    cs_buf_free(&buf);
}

static void duplicate_images_are_one_sighting(void **state)
{
    crawler_html_page page;
    extract("http://h.test/", "<img src='/a.jpg'><img src='a.jpg#x'><img src='/./a.jpg'>", &page);
    assert_int_equal(page.image_count, 1);
    crawler_html_page_free(&page);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(images_from_img_srcset_and_picture),
        cmocka_unit_test(base_href_governs_resolution),
        cmocka_unit_test(links_with_nofollow_and_meta_robots),
        cmocka_unit_test(rel_license_with_rdfa_about_and_figure),
        cmocka_unit_test(jsonld_and_microdata),
        cmocka_unit_test(malformed_html_is_recovered),
        cmocka_unit_test(encoding_errors_print_nothing),
        cmocka_unit_test(deep_nesting_and_floods_are_bounded),
        cmocka_unit_test(duplicate_images_are_one_sighting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
