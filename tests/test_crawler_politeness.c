/*
 * test_crawler_politeness.c - the rules that space requests out and back off
 * (crawler/politeness.c) and the crawler-trap checks (crawler/frontier.c),
 * with times given explicitly so nothing here sleeps.
 */
#include "tests/support/testsupport.h"

#include "crawler/crawler_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void crawl_delay_is_honoured_but_capped(void **state)
{
    assert_int_equal(politeness_delay_ms(1000, -1.0, 30000), 1000); /* none given */
    assert_int_equal(politeness_delay_ms(1000, 0.5, 30000), 1000);  /* below the minimum */
    assert_int_equal(politeness_delay_ms(1000, 5.0, 30000), 5000);
    assert_int_equal(politeness_delay_ms(1000, 86400.0, 30000), 30000); /* hostile: capped */
    assert_int_equal(politeness_delay_ms(0, 0.25, 30000), 250);
}

static void the_monotonic_bound_holds_when_the_wall_clock_jumps(void **state)
{
    crawl_host h;
    memset(&h, 0, sizeof h);
    /* answered at wall 10000 = monotonic 500, delay 1000: due at 11000 / 1500 */
    h.next_fetch_at = 11000;
    h.next_fetch_mono = 1500;
    assert_int_equal(politeness_due(&h, 10000, 500), 11000);
    /* the wall clock jumped 600 ms ahead while 400 ms passed: still 600 ms to wait */
    assert_int_equal(politeness_due(&h, 11000, 900), 11600);
    /* a host this process never asked: the wall clock's (the catalog's) bound alone */
    h.next_fetch_mono = 0;
    assert_int_equal(politeness_due(&h, 10000, 900), 11000);
    /* a Retry-After pause the same way */
    h.paused_until = 12000;
    h.paused_mono = 3500;
    assert_int_equal(politeness_due(&h, 12000, 2500), 13000);
}

static void retry_after_seconds_and_dates(void **state)
{
    assert_int_equal(politeness_retry_after_ms("120", 0), 120000);
    assert_int_equal(politeness_retry_after_ms(" 0", 0), 0);
    assert_int_equal(politeness_retry_after_ms(NULL, 0), -1);
    assert_int_equal(politeness_retry_after_ms("soon", 0), -1);
    /* Sun, 06 Nov 1994 08:49:37 GMT is 784111777 s after the epoch (RFC 9110's example) */
    int64_t now = 784111777LL * 1000 - 30000;
    assert_int_equal(politeness_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", now), 30000);
    assert_int_equal(politeness_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", now + 60000), 0);
    assert_true(politeness_retry_after_ms("99999999999", 0) > CRAWL_MAX_RETRY_AFTER_MS);
}

static void success_spaces_by_the_delay(void **state)
{
    crawl_host h = {.delay_ms = 1000, .consecutive_errors = 2};
    politeness_outcome out;
    politeness_after_response(&h, 5000, 200, CS_OK, NULL, 1, 3, &out);
    assert_int_equal(h.next_fetch_at, 6000);
    assert_int_equal(h.consecutive_errors, 0);
    assert_int_equal(out.retry, 0);
    politeness_after_response(&h, 7000, 404, CS_OK, NULL, 1, 3, &out); /* not transient */
    assert_int_equal(out.retry, 0);
    assert_int_equal(h.consecutive_errors, 0);
}

static void retry_after_pauses_the_host(void **state)
{
    crawl_host h = {.delay_ms = 1000};
    politeness_outcome out;
    politeness_after_response(&h, 10000, 503, CS_OK, "7", 1, 3, &out);
    assert_int_equal(h.paused_until, 17000);
    assert_int_equal(out.retry, 1);
    assert_int_equal(out.retry_at, 17000);
    assert_int_equal(h.parked, 0);
    /* asked to wait longer than a crawl lasts: parked, no retry */
    crawl_host g = {.delay_ms = 1000};
    politeness_after_response(&g, 0, 429, CS_OK, "86400", 1, 3, &out);
    assert_int_equal(g.parked, 1);
    assert_int_equal(out.retry, 0);
}

static void errors_back_off_exponentially_then_park(void **state)
{
    crawl_host h = {.delay_ms = 1000};
    politeness_outcome out;
    int64_t previous_pause = 0;
    for (int i = 1; i < CRAWL_PARK_AFTER_ERRORS; i++) {
        politeness_after_response(&h, 0, 0, CS_ENET, NULL, 1, 100, &out);
        int64_t pause = h.paused_until;
        assert_true(pause >= 2 * previous_pause);
        assert_true(pause <= CRAWL_MAX_BACKOFF_MS);
        assert_int_equal(h.parked, 0);
        assert_int_equal(out.retry, 1);
        previous_pause = pause;
    }
    politeness_after_response(&h, 0, 500, CS_OK, NULL, 1, 100, &out);
    assert_int_equal(h.parked, 1);
    assert_int_equal(out.retry, 0);
    /* attempts run out before parking */
    crawl_host g = {.delay_ms = 1000};
    politeness_after_response(&g, 0, 502, CS_OK, NULL, 3, 3, &out);
    assert_int_equal(out.retry, 0);
}

static void traps_are_recognised(void **state)
{
    assert_null(frontier_trap_reason("http://h/a/b/c.html", 32, 3));
    assert_null(frontier_trap_reason("http://h/a/b/a/b/a/b.html", 32, 3));
    assert_non_null(frontier_trap_reason("http://h/a/b/a/b/a/b/a/x.html", 32, 3));
    assert_non_null(frontier_trap_reason("http://h/cal/2024/cal/2024/cal/2024/cal/", 32, 3));
    char deep[512] = "http://h";
    for (int i = 0; i < 40; i++) {
        char seg[8];
        snprintf(seg, sizeof seg, "/s%d", i);
        strcat(deep, seg);
    }
    assert_non_null(frontier_trap_reason(deep, 32, 3));
    assert_null(frontier_trap_reason(deep, 64, 3));
    assert_null(frontier_trap_reason("http://h/?a=1&a=1&a=1&a=1", 32, 3)); /* query not a path */
}

static void host_table_finds_by_origin(void **state)
{
    crawl_hosts hosts;
    memset(&hosts, 0, sizeof hosts);
    for (int i = 0; i < 500; i++) {
        crawl_host *h = calloc(1, sizeof *h);
        snprintf(h->origin, sizeof h->origin, "http://127.0.%d.%d:80", i / 200, i % 200);
        h->id = i;
        assert_int_equal(crawl_hosts_add(&hosts, h), CS_OK);
    }
    for (int i = 0; i < 500; i++) {
        char origin[64];
        snprintf(origin, sizeof origin, "http://127.0.%d.%d:80", i / 200, i % 200);
        crawl_host *h = crawl_hosts_find(&hosts, origin);
        assert_non_null(h);
        assert_int_equal(h->id, i);
    }
    assert_null(crawl_hosts_find(&hosts, "http://127.9.9.9:80"));
    crawl_hosts_free(&hosts);
}

/* The seen-URL cache: ids come back for URLs it holds, exactly (no prefix or hash
   match), and a URL that lands in an occupied slot replaces the older one. */
static void seen_urls_give_ids_back_and_stay_bounded(void **state)
{
    crawl_seen seen = {0};
    assert_int_equal(crawl_seen_find(&seen, "http://h/"), 0); /* empty: nothing allocated */
    crawl_seen_add(&seen, "http://h/", 7);
    crawl_seen_add(&seen, "http://h/a", 0); /* no id, nothing remembered */
    assert_int_equal(crawl_seen_find(&seen, "http://h/"), 7);
    assert_int_equal(crawl_seen_find(&seen, "http://h"), 0);
    assert_int_equal(crawl_seen_find(&seen, "http://h/a"), 0);
    /* 100,000 URLs: every slot is taken many times over; each lookup is right or a miss */
    char url[64];
    int hits = 0;
    for (int i = 1; i <= 100000; i++) {
        snprintf(url, sizeof url, "http://h/p%d.html", i);
        crawl_seen_add(&seen, url, i);
    }
    for (int i = 1; i <= 100000; i++) {
        snprintf(url, sizeof url, "http://h/p%d.html", i);
        int64_t id = crawl_seen_find(&seen, url);
        assert_true(id == 0 || id == i);
        hits += id == i;
    }
    assert_true(hits > 0 && hits <= 16384); /* bounded by the slots, and the newest kept */
    snprintf(url, sizeof url, "http://h/p%d.html", 100000);
    assert_int_equal(crawl_seen_find(&seen, url), 100000);
    crawl_seen_free(&seen);
    assert_null(seen.slots);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(crawl_delay_is_honoured_but_capped),
        cmocka_unit_test(retry_after_seconds_and_dates),
        cmocka_unit_test(the_monotonic_bound_holds_when_the_wall_clock_jumps),
        cmocka_unit_test(success_spaces_by_the_delay),
        cmocka_unit_test(retry_after_pauses_the_host),
        cmocka_unit_test(errors_back_off_exponentially_then_park),
        cmocka_unit_test(traps_are_recognised),
        cmocka_unit_test(host_table_finds_by_origin),
        cmocka_unit_test(seen_urls_give_ids_back_and_stay_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
