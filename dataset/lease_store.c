/*
 * lease_store.c - host leases: which crawl worker may crawl which host now
 * (catalog.h, "Host leases").
 *
 * A lease is two columns of the hosts row (lease_owner, lease_expires_at),
 * so taking one is an UPDATE and a lapsed one needs no cleaning: whoever
 * looks next sees the time has passed. Acquiring chooses free or lapsed
 * hosts and writes the new owner in one transaction; on PostgreSQL the
 * choice is SELECT ... FOR UPDATE SKIP LOCKED, so two workers choosing at
 * once take different hosts instead of waiting for (or stealing) each
 * other's. SQLite has no row locks and needs none: BEGIN IMMEDIATE already
 * lets one process choose at a time.
 *
 * Parking (too many errors, an address this run may not reach, robots.txt
 * unreachable) lasts one crawl, as the hosts table says; a plain crawl forgets
 * it as it loads its hosts. Workers never load a parked host (the lease
 * search skips it), so each worker run forgets it instead, as it starts
 * (catalog_lease_unpark): every host parked and not held by a live lease gets
 * one more round, from whichever worker leases it next, with its back-off
 * still in next_fetch_at and paused_until.
 *
 * catalog_claim_crawl keeps a plain crawl (which queues every in-flight URL
 * again as its own) and workers apart on PostgreSQL, with a session advisory
 * lock: exclusive for the one, shared among the others.
 */
#include "dataset/dataset_internal.h"

#include <stdlib.h>
#include <string.h>

/* Hosts with work: not parked, some URL queued or in flight. */
#define HOSTS_WITH_WORK                                                                            \
    "FROM hosts h WHERE h.parked = 0 AND EXISTS (SELECT 1 FROM urls u WHERE u.host_id = h.id "     \
    "AND u.state IN ('queued', 'in_flight'))"

/* Free or lapsed leases on hosts with work, due soonest first. */
#define LEASABLE                                                                                   \
    "SELECT h.id, h.origin, h.lease_owner IS NOT NULL AND h.lease_owner != ?1 " HOSTS_WITH_WORK    \
    " AND (h.lease_owner IS NULL OR h.lease_expires_at <= ?2) "                                    \
    "ORDER BY h.next_fetch_at, h.id LIMIT ?3"

/* Writes owner's lease of host_id until expires_at and queues its in-flight URLs again. */
static int lease(catalog *cat, const char *owner, int64_t host_id, int64_t expires_at,
                 cs_error *err)
{
    int rc = catalog_run(
        cat, "leasing a host",
        "UPDATE hosts SET lease_owner = ?1, lease_expires_at = ?2 WHERE id = ?3",
        CATALOG_ARGS(catalog_text(owner), catalog_int(expires_at), catalog_int(host_id)), err);
    /* whoever marked these is gone (or was this worker, in an earlier life) */
    if (rc == CS_OK)
        rc = catalog_run(
            cat, "queueing a leased host's URLs again",
            "UPDATE urls SET state = 'queued' WHERE host_id = ?1 AND state = 'in_flight'",
            CATALOG_ARGS(catalog_int(host_id)), err);
    return rc;
}

static int read_lease(catalog_cursor *row, void *target)
{
    catalog_lease *l = target;
    l->host_id = catalog_column_int64(row, 0);
    l->origin = catalog_column_strdup(row, 1);
    l->taken_over = catalog_column_int(row, 2) != 0;
    return l->origin ? CS_OK : CS_ENOMEM;
}

static void clear_lease(void *item)
{
    free(((catalog_lease *)item)->origin);
}

void catalog_leases_free(catalog_lease *leases, size_t n)
{
    for (size_t i = 0; leases && i < n; i++)
        clear_lease(&leases[i]);
    free(leases);
}

int catalog_lease_acquire(catalog *cat, const char *owner, int64_t now, int64_t lease_ms,
                          size_t max, catalog_lease **out, size_t *n, cs_error *err)
{
    *out = NULL;
    *n = 0;
    int rc = catalog_begin(cat, err);
    if (rc != CS_OK) return rc;
    rc = catalog_rows_into(
        cat, "choosing hosts to lease",
        catalog_sql(cat, LEASABLE, LEASABLE " FOR UPDATE OF h SKIP LOCKED"),
        CATALOG_ARGS(catalog_text(owner), catalog_int(now), catalog_int((int64_t)max)), read_lease,
        clear_lease, sizeof **out, (void **)out, n, err);
    for (size_t i = 0; rc == CS_OK && i < *n; i++)
        rc = lease(cat, owner, (*out)[i].host_id, now + lease_ms, err);
    if (rc == CS_OK) rc = catalog_commit(cat, err);
    if (rc != CS_OK) {
        catalog_rollback(cat);
        catalog_leases_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

/* One host's lease if free, lapsed or owner's: whether another owner's lapsed. */
#define TAKEABLE                                                                                   \
    "SELECT lease_owner IS NOT NULL AND lease_owner != ?1 FROM hosts WHERE id = ?2 "               \
    "AND (lease_owner IS NULL OR lease_owner = ?1 OR lease_expires_at <= ?3)"

int catalog_lease_take(catalog *cat, const char *owner, int64_t host_id, int64_t now,
                       int64_t lease_ms, int *taken, int *taken_over, cs_error *err)
{
    *taken = *taken_over = 0;
    int64_t other = 0;
    int rc = catalog_row(cat, "choosing a host to lease",
                         catalog_sql(cat, TAKEABLE, TAKEABLE " FOR UPDATE SKIP LOCKED"),
                         CATALOG_ARGS(catalog_text(owner), catalog_int(host_id), catalog_int(now)),
                         catalog_read_int64, &other, err);
    if (rc == CS_ENOTFOUND) return CS_OK; /* another worker's */
    if (rc == CS_OK) rc = lease(cat, owner, host_id, now + lease_ms, err);
    if (rc == CS_OK) {
        *taken = 1;
        *taken_over = other != 0;
    }
    return rc;
}

int catalog_lease_renew(catalog *cat, const char *owner, int64_t now, int64_t lease_ms,
                        int64_t **ids, size_t *n, cs_error *err)
{
    return catalog_rows_into(cat, "renewing host leases",
                             "UPDATE hosts SET lease_expires_at = ?2 WHERE lease_owner = ?1 "
                             "RETURNING id",
                             CATALOG_ARGS(catalog_text(owner), catalog_int(now + lease_ms)),
                             catalog_read_int64, NULL, sizeof **ids, (void **)ids, n, err);
}

int catalog_lease_release(catalog *cat, const char *owner, int64_t host_id, cs_error *err)
{
    return catalog_run(cat, "releasing host leases",
                       "UPDATE hosts SET lease_owner = NULL, lease_expires_at = 0 "
                       "WHERE lease_owner = ?1 AND (?2 = 0 OR id = ?2)",
                       CATALOG_ARGS(catalog_text(owner), catalog_int(host_id)), err);
}

int catalog_lease_unpark(catalog *cat, int64_t now, int64_t *hosts, cs_error *err)
{
    *hosts = 0;
    int rc = catalog_run(cat, "unparking hosts",
                         "UPDATE hosts SET parked = 0, consecutive_errors = 0 WHERE parked != 0 "
                         "AND (lease_owner IS NULL OR lease_expires_at <= ?1)",
                         CATALOG_ARGS(catalog_int(now)), err);
    if (rc == CS_OK) *hosts = catalog_changes(cat);
    return rc;
}

int catalog_lease_work_left(catalog *cat, int64_t *hosts, cs_error *err)
{
    *hosts = 0;
    return catalog_row(cat, "counting hosts with work", "SELECT count(*) " HOSTS_WITH_WORK,
                       CATALOG_NO_ARGS, catalog_read_int64, hosts, err);
}

int catalog_claim_crawl(catalog *cat, int shared, cs_error *err)
{
    if (!cat->pg) return CS_OK;
    int64_t got = 0;
    int rc =
        catalog_query_int64(cat,
                            shared ? "SELECT pg_try_advisory_lock_shared(" CATALOG_PG_CRAWL_LOCK ")"
                                   : "SELECT pg_try_advisory_lock(" CATALOG_PG_CRAWL_LOCK ")",
                            &got, err);
    if (rc == CS_OK && !got)
        rc = cs_error_set(err, CS_EIO,
                          shared ? "catalog %s: a crawl without --worker is running on it"
                                 : "catalog %s: another crawl is running on it (workers, or a "
                                   "crawl without --worker)",
                          cat->path);
    return rc;
}
