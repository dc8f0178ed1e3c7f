/*
 * fuzz_crawler_html.c - libFuzzer target for the crawler's HTML extraction:
 * arbitrary bytes are parsed as a page, and every URL extracted must be a
 * normalised http(s) URL within the length limit; every cap must hold.
 */
#include "crawler/crawler.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static void check_url(const char *url)
{
    char again[CS_URL_SIZE];
    if (url == NULL || strlen(url) > CS_URL_MAX) abort();
    if (cs_url_normalize(url, strlen(url), again, NULL) != CS_OK) abort();
    if (strcmp(url, again) != 0) abort();
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    crawler_html_page page;
    if (crawler_html_extract("https://h.example/dir/page.html", data, size, &page, NULL) != CS_OK)
        return 0;
    for (size_t i = 0; i < page.image_count; i++)
        check_url(page.images[i].url);
    for (size_t i = 0; i < page.link_count; i++)
        check_url(page.links[i].url);
    if (page.base_url) check_url(page.base_url);
    if (page.image_count > 1000 || page.link_count > 2000) abort();
    for (size_t i = 0; i < page.figure_count; i++)
        for (size_t j = 0; j < page.figures[i].image_count; j++)
            check_url(page.figures[i].images[j]);
    for (size_t i = 0; i < page.prop_count; i++)
        if (page.props[i].item_index >= page.item_count) abort();
    crawler_html_page_free(&page);
    return 0;
}
