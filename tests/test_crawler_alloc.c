/*
 * test_crawler_alloc.c - the crawler's pure code when memory runs out: every
 * allocation result is checked, so a failed one ends in CS_ENOMEM and an
 * empty result, never in a result with a missing (NULL) string that a later
 * step would read.
 *
 * How: this executable is linked with malloc, calloc, realloc and strdup
 * wrapped (ld --wrap, see tests/CMakeLists.txt), which covers calls from the
 * clearset libraries and this file but not from libc or libxml2 themselves.
 * A test makes the n-th allocation from now fail, for n = 0, 1, 2, ... until
 * a run needs fewer allocations than n, so every allocation of the code under
 * test fails once.
 */
#include "tests/support/testsupport.h"

#include "crawler/crawler.h"

#include <stdlib.h>
#include <string.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t count, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);

static long countdown = -1; /* allocations left before one fails; -1: none fails */
static long made;           /* allocations seen while counting down */

static int allocation_fails(void)
{
    if (countdown < 0) return 0;
    made++;
    return countdown-- == 0;
}

void *__wrap_malloc(size_t n)
{
    return allocation_fails() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t count, size_t size)
{
    return allocation_fails() ? NULL : __real_calloc(count, size);
}

void *__wrap_realloc(void *p, size_t n)
{
    return allocation_fails() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
    return allocation_fails() ? NULL : __real_strdup(s);
}

/* A page with one of everything the extraction copies. */
static const char page_html[] =
    "<html><head><title>Fruit  basket</title><base href='/b/'>"
    "<meta name='robots' content='noai'><meta name='tdm-reservation' content='1'>"
    "<link rel='license' href='https://creativecommons.org/licenses/by/4.0/'>"
    "<script type='application/ld+json'>{\"@type\": \"ImageObject\"}</script></head><body>"
    "<figure><img src='a.jpg' alt='An apple' title='Apple'><figcaption>A red "
    "apple</figcaption></figure>"
    "<div about='c.jpg'><a rel='license' href='/l'>l</a><span property='dc:title'>T</span></div>"
    "<a href='/next.html'>next</a>"
    "<div itemscope itemtype='https://schema.org/ImageObject'><span itemprop='name'>N</span>"
    "<a itemprop='license' href='/lic'>x</a><span itemprop='author' itemscope>"
    "<span itemprop='name'>Ann</span></span></div>"
    "</body></html>";

static void check_complete(const crawler_html_page *page, long n)
{
    if (page->title == NULL || page->base_url == NULL) fail_msg("n=%ld: title or base lost", n);
    for (size_t i = 0; i < page->meta_count; i++)
        if (page->metas[i].name == NULL || page->metas[i].content == NULL)
            fail_msg("n=%ld: meta %zu lost a string", n, i);
    for (size_t i = 0; i < page->image_count; i++)
        if (page->images[i].url == NULL || page->images[i].alt == NULL ||
            page->images[i].title == NULL ||
            (page->images[i].figure >= 0 && page->images[i].caption == NULL))
            fail_msg("n=%ld: image %zu lost a string", n, i);
    for (size_t i = 0; i < page->figure_count; i++)
        if (page->figures[i].caption == NULL) fail_msg("n=%ld: figure caption lost", n);
    for (size_t i = 0; i < page->jsonld_count; i++)
        if (page->jsonld[i].text == NULL) fail_msg("n=%ld: JSON-LD text lost", n);
    for (size_t i = 0; i < page->license_count; i++)
        if (page->licenses[i].href == NULL) fail_msg("n=%ld: licence href lost", n);
    for (size_t i = 0; i < page->item_count; i++)
        if (page->items[i].parent_index >= 0 && page->items[i].parent_prop == NULL)
            fail_msg("n=%ld: item %zu lost its itemprop", n, i);
    for (size_t i = 0; i < page->prop_count; i++)
        if (page->props[i].name == NULL || page->props[i].value == NULL)
            fail_msg("n=%ld: microdata property %zu lost a string", n, i);
}

static void html_extraction_fails_whole_when_memory_runs_out(void **state)
{
    /* the page as extracted with enough memory: everything the checks look at is there */
    crawler_html_page page;
    assert_int_equal(crawler_html_extract("http://h.test/a/", (const unsigned char *)page_html,
                                          strlen(page_html), &page, NULL),
                     CS_OK);
    assert_int_equal(page.image_count, 1);
    assert_int_equal(page.meta_count, 2);
    assert_true(page.prop_count >= 3);
    check_complete(&page, -1);
    crawler_html_page_free(&page);

    long failures = 0;
    for (long n = 0;; n++) {
        cs_error err;
        cs_error_clear(&err);
        made = 0;
        countdown = n;
        int rc = crawler_html_extract("http://h.test/a/", (const unsigned char *)page_html,
                                      strlen(page_html), &page, &err);
        countdown = -1;
        if (made <= n) { /* nothing failed: every allocation was tried */
            assert_int_equal(rc, CS_OK);
            crawler_html_page_free(&page);
            break;
        }
        if (rc == CS_OK) {
            check_complete(&page, n);
        } else {
            if (rc != CS_ENOMEM) fail_msg("n=%ld: rc %d (%s)", n, rc, err.message);
            assert_int_equal(err.code, CS_ENOMEM);
            assert_int_equal(page.image_count + page.meta_count + page.prop_count, 0);
            failures++;
        }
        crawler_html_page_free(&page);
    }
    assert_true(failures > 10); /* the wrapping reached the extraction's own copies */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(html_extraction_fails_whole_when_memory_runs_out),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
