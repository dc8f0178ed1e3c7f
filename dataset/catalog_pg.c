/*
 * catalog_pg.c - opening a catalog held by PostgreSQL.
 *
 * The location is a postgresql:// URL, given to libpq as it is (so every
 * parameter libpq knows works: host, port, user, sslmode, ...). The catalog
 * keeps the URL with its password hidden as its name, for messages. After
 * connecting, the session is made to read every time as UTC text and to
 * drop the server's notices (library code never prints). The schema is the
 * same as SQLite's (catalog_migrate runs the same numbered migrations, with
 * PostgreSQL's types); a read-only open sets default_transaction_read_only,
 * so every statement of the connection is refused a write by the server
 * itself. Blobs stay files: blob_dir, or CATALOG_PG_DEFAULT_BLOBS.
 */
#include "dataset/dataset_internal.h"

#include <stdlib.h>
#include <string.h>

#define PG_MAX_URL 4096 /* longer than any URL a person types; libpq has no limit of its own */

static void drop_notice(void *arg, const char *message)
{
    (void)arg, (void)message;
}

/* url with the password of "scheme://user:password@..." replaced by "***". */
static char *hide_password(const char *url)
{
    const char *rest = strstr(url, "://");
    rest = rest ? rest + 3 : url;
    size_t authority = strcspn(rest, "/?#");
    const char *at = memchr(rest, '@', authority);
    const char *colon = at ? memchr(rest, ':', (size_t)(at - rest)) : NULL;
    if (colon == NULL) return strdup(url);
    size_t head = (size_t)(colon + 1 - url);
    size_t len = head + 3 + strlen(at) + 1;
    char *out = malloc(len);
    if (out == NULL) return NULL;
    memcpy(out, url, head);
    memcpy(out + head, "***", 3);
    memcpy(out + head + 3, at, strlen(at) + 1);
    return out;
}

static int connect_to(catalog *cat, const char *url, int readonly, cs_error *err)
{
    cat->pg = PQconnectdb(url);
    if (cat->pg == NULL)
        return cs_error_set(err, CS_ENOMEM, "catalog %s: out of memory", cat->path);
    if (PQstatus(cat->pg) != CONNECTION_OK) {
        const char *message = PQerrorMessage(cat->pg);
        return cs_error_set(err, CS_EIO, "catalog %s: cannot connect: %.*s", cat->path,
                            (int)strcspn(message, "\n"), message);
    }
    PQsetNoticeProcessor(cat->pg, drop_notice, NULL);
    return catalog_exec(cat,
                        readonly ? "SET TIME ZONE 'UTC'; SET default_transaction_read_only = on"
                                 : "SET TIME ZONE 'UTC'",
                        err);
}

int catalog_pg_open(const char *url, const char *blob_dir, int readonly, catalog **out,
                    cs_error *err)
{
    *out = NULL;
    if (strlen(url) > PG_MAX_URL)
        return cs_error_set(err, CS_EINVAL, "catalog URL longer than %d bytes", PG_MAX_URL);
    char *name = hide_password(url);
    if (name == NULL) return cs_error_set(err, CS_ENOMEM, "catalog: out of memory");
    catalog *cat = catalog_new_handle(name, err);
    free(name);
    if (cat == NULL) return CS_ENOMEM;
    int rc = connect_to(cat, url, readonly, err);
    if (rc == CS_OK && readonly) {
        int version = 0;
        rc = catalog_schema_version_read(cat, &version, err);
        if (rc == CS_OK && version > CATALOG_SCHEMA_VERSION)
            rc = catalog_refuse_newer(cat, version, err);
        else if (rc == CS_OK && version < CATALOG_SCHEMA_VERSION)
            rc = cs_error_set(err, version == 0 ? CS_ENOTFOUND : CS_EVERSION,
                              "catalog %s has schema version %d, older than this clearset reads "
                              "(%d); open it once with a command that writes (it migrates it)",
                              cat->path, version, CATALOG_SCHEMA_VERSION);
        cat->schema_version = version;
    } else if (rc == CS_OK) {
        rc = catalog_migrate(cat, err);
    }
    if (rc == CS_OK)
        rc = catalog_open_blob_dir(cat, blob_dir ? blob_dir : CATALOG_PG_DEFAULT_BLOBS, !readonly,
                                   err);
    if (rc != CS_OK) {
        catalog_close(cat);
        return rc;
    }
    *out = cat;
    return CS_OK;
}
