/*
 * tdmrep.c - /.well-known/tdmrep.json (W3C TDM Reservation Protocol, final
 * community group report) to a TDM reservation signal.
 *
 * The file is a JSON array of rules {"location", "tdm-reservation",
 * "tdm-policy"}. "location" is a path pattern in robots.txt syntax ('*' any
 * run, a final '$' anchors the end, otherwise a prefix). Rules are tried in
 * array order and the first whose location matches the resource path wins;
 * elements that are not objects or have no string location are skipped. The
 * reservation may be written as a number or a string; only 1 reserves.
 */
#include "robots/robots_internal.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

/* A tdmrep.json is a handful of rules; anything this big is not one. */
#define ROBOTS_TDMREP_MAX_BYTES (1024 * 1024)

int robots_signals_from_tdmrep_json(robots_signal_list *list, const char *json, size_t len,
                                    const char *url_path, const char *where, cs_error *err)
{
    if (list == NULL || (json == NULL && len > 0))
        return cs_error_set(err, CS_EINVAL, "robots: bad arguments for tdmrep.json");
    if (len > ROBOTS_TDMREP_MAX_BYTES)
        return cs_error_set(err, CS_ELIMIT, "tdmrep.json: %zu bytes, more than the %d allowed", len,
                            ROBOTS_TDMREP_MAX_BYTES);
    json_error_t jerr;
    json_t *root = json_loadb(json ? json : "", len, 0, &jerr);
    if (root == NULL)
        return cs_error_set(err, CS_EFORMAT, "tdmrep.json: line %d: %s", jerr.line, jerr.text);
    if (!json_is_array(root)) {
        json_decref(root);
        return cs_error_set(err, CS_EFORMAT, "tdmrep.json: not a JSON array of rules");
    }

    if (url_path == NULL) url_path = "/";
    size_t path_len;
    int prepend;
    const char *path = robots_url_path(url_path, strlen(url_path), &path_len, &prepend);
    if (prepend) path = "/", path_len = 1; /* "?q" alone: only "/"-patterns can speak for it */

    int rc = CS_OK;
    size_t index;
    json_t *rule;
    json_array_foreach(root, index, rule)
    {
        json_t *location = json_object_get(rule, "location");
        if (!json_is_string(location)) continue;
        const char *pattern = json_string_value(location);
        if (!robots_pattern_matches(pattern, json_string_length(location), path, path_len))
            continue;

        char reservation[32] = "";
        const char *reservation_value = NULL;
        json_t *r = json_object_get(rule, "tdm-reservation");
        if (json_is_integer(r)) {
            snprintf(reservation, sizeof reservation, "%lld", (long long)json_integer_value(r));
            reservation_value = reservation;
        } else if (json_is_string(r)) {
            reservation_value = json_string_value(r);
        } else if (r != NULL) {
            reservation_value = "(not a number)";
        }
        json_t *p = json_object_get(rule, "tdm-policy");
        const char *policy = json_is_string(p) ? json_string_value(p) : NULL;

        char place[ROBOTS_SIGNAL_WHERE_MAX];
        snprintf(place, sizeof place, "%s[%zu] location %s", where ? where : "tdmrep.json", index,
                 pattern);
        rc = robots_signals_from_tdm(list, ROBOTS_SOURCE_TDMREP_JSON, reservation_value,
                                     reservation_value ? strlen(reservation_value) : 0, policy,
                                     policy ? strlen(policy) : 0, place, err);
        break; /* first match wins */
    }
    json_decref(root);
    return rc;
}
