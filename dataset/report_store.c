/*
 * report_store.c - the two aggregate reads behind `clearset report` that no
 * other command makes: the opt-out statements each host gave (one row per
 * distinct statement, however many pages and images it was recorded for),
 * and the images per verdict and licence under one policy. The report's other
 * reads are shared: catalog_status_read (hosts' counts, policies with
 * verdicts), catalog_hosts_list (robots.txt and policy files),
 * catalog_report_images (export_store.c) and catalog_export_exclusions
 * (images per reason).
 *
 * Both queries are plain SQL (GROUP BY, ||, coalesce, LIMIT), as every
 * backend speaks it.
 */
#include "dataset/dataset_internal.h"

#include <stdlib.h>

#define HOST_SIGNAL_TEXTS(s)                                                                       \
    {                                                                                              \
        &(s)->origin, &(s)->kind, &(s)->raw_value, &(s)->effect, &(s)->found_at                    \
    }

static int read_host_signal(catalog_cursor *row, void *target)
{
    catalog_host_signal *s = target;
    char **const texts[] = HOST_SIGNAL_TEXTS(s);
    s->rows = catalog_column_int64(row, 5);
    return catalog_column_texts(row, 0, texts, CS_ARRAY_LEN(texts));
}

static void clear_host_signal(void *item)
{
    char **const texts[] = HOST_SIGNAL_TEXTS((catalog_host_signal *)item);
    catalog_free_texts(texts, CS_ARRAY_LEN(texts));
}

int catalog_report_host_signals(catalog *cat, int64_t limit, catalog_host_signal **out,
                                size_t *count, cs_error *err)
{
    return catalog_rows_into(cat, "reading the hosts' signals",
                             "SELECT h.origin, o.kind, o.raw_value, o.effect, o.found_at, count(*) "
                             "FROM optout_signals o JOIN hosts h ON h.id = o.host_id "
                             "GROUP BY h.origin, o.kind, o.raw_value, o.effect, o.found_at "
                             "ORDER BY h.origin, min(o.id) LIMIT ?1",
                             CATALOG_ARGS(catalog_int(limit)), read_host_signal, clear_host_signal,
                             sizeof **out, (void **)out, count, err);
}

void catalog_host_signals_free(catalog_host_signal *signals, size_t count)
{
    for (size_t i = 0; signals && i < count; i++)
        clear_host_signal(&signals[i]);
    free(signals);
}

int catalog_report_licences(catalog *cat, const char *policy, catalog_count **out, size_t *count,
                            cs_error *err)
{
    return catalog_rows_into(
        cat, "counting images per verdict and licence",
        "SELECT coalesce(v.verdict, 'none') || ':' || coalesce(v.license_spdx, 'none'), "
        "count(*) FROM images i LEFT JOIN verdicts v ON v.image_id = i.id AND v.policy = ?1 "
        "WHERE i.source != 'protected' GROUP BY v.verdict, v.license_spdx ORDER BY 1",
        CATALOG_ARGS(catalog_text(policy)), catalog_read_count, catalog_clear_count, sizeof **out,
        (void **)out, count, err);
}
