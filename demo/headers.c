/*
 * headers.c - the header lists of the fixture server: the fields a request
 * arrived with (recorded in the log) and the fields a scenario response sends.
 * Two parallel arrays of owned strings that grow through cs_array_reserve.
 */
#include "demo/demo.h"

#include <stdlib.h>
#include <string.h>

#define DEMO_MAX_HEADERS 1024 /* far above what libmicrohttpd accepts in one request */

int demo_headers_add(demo_headers *list, const char *name, const char *value)
{
    /* Both arrays always have room for list->cap items, so one capacity serves both. */
    size_t names_cap = list->cap, values_cap = list->cap;
    int rc = cs_array_reserve((void **)&list->names, &names_cap, list->count, sizeof *list->names,
                              DEMO_MAX_HEADERS);
    if (rc == CS_OK)
        rc = cs_array_reserve((void **)&list->values, &values_cap, list->count,
                              sizeof *list->values, DEMO_MAX_HEADERS);
    if (rc != CS_OK) return rc;
    list->cap = names_cap < values_cap ? names_cap : values_cap;
    char *name_copy = strdup(name), *value_copy = strdup(value);
    if (!name_copy || !value_copy) {
        free(name_copy);
        free(value_copy);
        return CS_ENOMEM;
    }
    list->names[list->count] = name_copy;
    list->values[list->count] = value_copy;
    list->count++;
    return CS_OK;
}

void demo_headers_free(demo_headers *list)
{
    for (size_t i = 0; i < list->count; i++) {
        free(list->names[i]);
        free(list->values[i]);
    }
    free(list->names);
    free(list->values);
    memset(list, 0, sizeof *list);
}
