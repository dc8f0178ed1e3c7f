/*
 * scenario.c - reads a sample-web scenario (JSON, format in demo.h) into
 * plain structs the server walks without further checks.
 *
 * Everything is validated here, once: unknown keys, wrong types and
 * contradicting body sources are errors naming the route, so a typo in a
 * test's scenario fails loudly instead of serving something unexpected.
 * Body files are read at load time; static files under "root" at request time.
 */
#include "demo/demo_internal.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* A scenario is a hand-written test script; anything bigger is a mistake. */
#define DEMO_SCENARIO_MAX_BYTES (4 * 1024 * 1024)
/* Bounds the route table the server scans linearly per request. */
#define DEMO_MAX_ROUTES 4096
/* A retry sequence longer than this tests nothing new. */
#define DEMO_MAX_SEQUENCE 256
/* Body files are held in memory; larger bodies should use "generate". */
#define DEMO_BODY_FILE_MAX_BYTES (64 * 1024 * 1024)
/* Ten minutes is longer than any client timeout worth testing. */
#define DEMO_MAX_DELAY_MS (10 * 60 * 1000)
/* A pattern is repeated; a long one is a body. */
#define DEMO_MAX_PATTERN_BYTES 65536
/* Named hosts; one per listener is the use. */
#define DEMO_MAX_HOSTS 256

/* base/rel unless rel is absolute. */
static char *resolve_path(const char *base, const char *rel)
{
    if (rel[0] == '/' || base == NULL || base[0] == '\0') return strdup(rel);
    size_t n = strlen(base) + strlen(rel) + 2;
    char *out = malloc(n);
    if (out) snprintf(out, n, "%s/%s", base, rel);
    return out;
}

static void response_free(demo_response *r)
{
    demo_headers_free(&r->headers);
    free(r->content_type);
    free(r->body);
    free(r->body_file);
    free(r->pattern);
    free(r->redirect);
    free(r->raw);
}

void demo_scenario_free(demo_scenario *s)
{
    if (s == NULL) return;
    for (size_t i = 0; i < s->route_count; i++) {
        demo_route *r = &s->routes[i];
        free(r->host);
        free(r->path);
        free(r->prefix);
        free(r->method);
        for (size_t j = 0; j < r->response_count; j++)
            response_free(&r->responses[j]);
        free(r->responses);
    }
    free(s->routes);
    for (size_t i = 0; i < s->host_count; i++) {
        free(s->host_addresses[i]);
        free(s->host_names[i]);
    }
    free(s->host_addresses);
    free(s->host_names);
    free(s->root);
    free(s->base_dir);
    free(s);
}

const char *demo_scenario_host_name(const demo_scenario *s, const char *address)
{
    for (size_t i = 0; i < s->host_count; i++)
        if (strcmp(s->host_addresses[i], address) == 0) return s->host_names[i];
    return NULL;
}

/* An optional string member; CS_EFORMAT if present and not a string. */
static int get_string(json_t *obj, const char *key, char **out, const char *where, cs_error *err)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL) return CS_OK;
    if (!json_is_string(v))
        return cs_error_set(err, CS_EFORMAT, "scenario: %s: \"%s\" must be a string", where, key);
    if (strlen(json_string_value(v)) != json_string_length(v))
        return cs_error_set(err, CS_EFORMAT, "scenario: %s: \"%s\" must not contain NUL", where,
                            key);
    *out = strdup(json_string_value(v));
    return *out ? CS_OK : cs_error_set(err, CS_ENOMEM, "scenario: out of memory");
}

/* An optional non-negative integer member no larger than max. */
/* *out is key's value, 0 when absent (a value left from an earlier key once delayed
   every status-only answer by its status code in milliseconds: 404 ms for a 404). */
static int get_uint(json_t *obj, const char *key, uint64_t max, uint64_t *out, int *present,
                    const char *where, cs_error *err)
{
    json_t *v = json_object_get(obj, key);
    if (present) *present = v != NULL;
    *out = 0;
    if (v == NULL) return CS_OK;
    if (!json_is_integer(v) || json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) > max)
        return cs_error_set(err, CS_EFORMAT,
                            "scenario: %s: \"%s\" must be an integer from 0 to %llu", where, key,
                            (unsigned long long)max);
    *out = (uint64_t)json_integer_value(v);
    return CS_OK;
}

static int get_bool(json_t *obj, const char *key, int *out, const char *where, cs_error *err)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL) return CS_OK;
    if (!json_is_boolean(v))
        return cs_error_set(err, CS_EFORMAT, "scenario: %s: \"%s\" must be true or false", where,
                            key);
    *out = json_is_true(v);
    return CS_OK;
}

static int check_keys(json_t *obj, const char *const *allowed, size_t n, const char *where,
                      cs_error *err)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        size_t i = 0;
        while (i < n && strcmp(allowed[i], key) != 0)
            i++;
        if (i == n)
            return cs_error_set(err, CS_EFORMAT, "scenario: %s: unknown key \"%s\"", where, key);
    }
    return CS_OK;
}

/*
 * "raw" with "raw_latin1": each character of the string (U+0000 to U+00FF) is
 * one byte, so a scenario can send bytes no UTF-8 text holds (a header in
 * ISO-8859-1, as old servers send).
 */
static int raw_latin1_bytes(demo_response *r, const json_t *raw, const char *where, cs_error *err)
{
    const unsigned char *s = (const unsigned char *)json_string_value(raw);
    size_t len = json_string_length(raw);
    r->raw = malloc(len);
    if (r->raw == NULL) return cs_error_set(err, CS_ENOMEM, "scenario: out of memory");
    r->raw_len = 0;
    for (size_t i = 0; i < len;) {
        size_t n = cs_utf8_sequence(s + i, len - i); /* jansson checked: never 0 */
        unsigned cp = n == 1   ? s[i]
                      : n == 2 ? (unsigned)(s[i] & 0x1F) << 6 | (s[i + 1] & 0x3F)
                               : 0x100;
        if (n == 0 || cp > 0xFF)
            return cs_error_set(err, CS_EFORMAT,
                                "scenario: %s: \"raw_latin1\" takes characters up to U+00FF only",
                                where);
        r->raw[r->raw_len++] = (unsigned char)cp;
        i += n;
    }
    return CS_OK;
}

static const char *const response_keys[] = {
    "status",   "headers", "content_type", "body",     "body_file",     "generate",
    "pattern",  "endless", "gzip",         "delay_ms", "trickle_bytes", "trickle_interval_ms",
    "redirect", "drop",    "template",     "raw",      "raw_latin1"};
static const char *const route_keys[] = {"host", "path", "prefix", "method", "sequence"};

/* A header name or value must not break the response framing. */
static int header_text_ok(const char *s, int is_name)
{
    if (is_name && *s == '\0') return 0;
    for (; *s; s++) {
        if (*s == '\r' || *s == '\n') return 0;
        if (is_name && (*s == ':' || *s == ' ')) return 0;
    }
    return 1;
}

static int parse_response(json_t *obj, const char *where, const demo_scenario *s, demo_response *r,
                          cs_error *err)
{
    int rc;
    if (!json_is_object(obj))
        return cs_error_set(err, CS_EFORMAT, "scenario: %s: must be an object", where);
    if ((rc = check_keys(obj, response_keys, CS_ARRAY_LEN(response_keys), where, err))) return rc;
    r->template_on = 1;
    uint64_t v = 0;
    int present = 0;
    if ((rc = get_uint(obj, "status", 999, &v, &present, where, err))) return rc;
    if (present) {
        if (v < 100)
            return cs_error_set(err, CS_EFORMAT, "scenario: %s: \"status\" must be 100..999",
                                where);
        r->status = (int)v;
    }
    json_t *headers = json_object_get(obj, "headers");
    if (headers) {
        if (!json_is_object(headers))
            return cs_error_set(err, CS_EFORMAT, "scenario: %s: \"headers\" must be an object",
                                where);
        const char *name;
        json_t *value;
        json_object_foreach(headers, name, value)
        {
            json_t *one = value;
            size_t count = json_is_array(value) ? json_array_size(value) : 1;
            for (size_t i = 0; i < count; i++) {
                if (json_is_array(value)) one = json_array_get(value, i);
                if (!json_is_string(one) || !header_text_ok(name, 1) ||
                    !header_text_ok(json_string_value(one), 0))
                    return cs_error_set(err, CS_EFORMAT,
                                        "scenario: %s: header \"%s\" must be a string (or list "
                                        "of strings) without CR or LF",
                                        where, name);
                if (demo_headers_add(&r->headers, name, json_string_value(one)))
                    return cs_error_set(err, CS_ENOMEM, "scenario: out of memory");
            }
        }
    }
    if ((rc = get_string(obj, "content_type", &r->content_type, where, err))) return rc;
    if (r->content_type && !header_text_ok(r->content_type, 0))
        return cs_error_set(err, CS_EFORMAT, "scenario: %s: bad \"content_type\"", where);

    int sources = 0;
    json_t *body = json_object_get(obj, "body");
    if (body) {
        if (!json_is_string(body))
            return cs_error_set(err, CS_EFORMAT, "scenario: %s: \"body\" must be a string", where);
        r->body_len = json_string_length(body);
        r->body = malloc(r->body_len + 1);
        if (r->body == NULL) return cs_error_set(err, CS_ENOMEM, "scenario: out of memory");
        memcpy(r->body, json_string_value(body), r->body_len + 1);
        r->has_body = 1;
        sources++;
    }
    char *body_file = NULL;
    if ((rc = get_string(obj, "body_file", &body_file, where, err))) return rc;
    if (body_file) {
        r->body_file = resolve_path(s->base_dir, body_file);
        free(body_file);
        if (r->body_file == NULL) return cs_error_set(err, CS_ENOMEM, "scenario: out of memory");
        cs_error file_err;
        if (cs_read_file(r->body_file, DEMO_BODY_FILE_MAX_BYTES, &r->body, &r->body_len, &file_err))
            return cs_error_set(err, file_err.code, "scenario: %s: \"body_file\": %s", where,
                                file_err.message);
        r->has_body = 1;
        sources++;
    }
    if ((rc =
             get_uint(obj, "generate", UINT64_MAX / 2, &r->generate, &r->has_generate, where, err)))
        return rc;
    sources += r->has_generate;
    if ((rc = get_bool(obj, "endless", &r->endless, where, err))) return rc;
    sources += r->endless;
    if (sources > 1)
        return cs_error_set(err, CS_EFORMAT,
                            "scenario: %s: give only one of \"body\", \"body_file\", "
                            "\"generate\", \"endless\"",
                            where);
    json_t *pattern = json_object_get(obj, "pattern");
    if (pattern) {
        if (!json_is_string(pattern) || json_string_length(pattern) == 0 ||
            json_string_length(pattern) > DEMO_MAX_PATTERN_BYTES)
            return cs_error_set(err, CS_EFORMAT,
                                "scenario: %s: \"pattern\" must be a string of 1 to %d bytes",
                                where, DEMO_MAX_PATTERN_BYTES);
        r->pattern_len = json_string_length(pattern);
        r->pattern = malloc(r->pattern_len);
        if (r->pattern == NULL) return cs_error_set(err, CS_ENOMEM, "scenario: out of memory");
        memcpy(r->pattern, json_string_value(pattern), r->pattern_len);
    } else {
        r->pattern = (unsigned char *)strdup("x");
        r->pattern_len = 1;
        if (r->pattern == NULL) return cs_error_set(err, CS_ENOMEM, "scenario: out of memory");
    }
    if ((rc = get_bool(obj, "gzip", &r->gzip, where, err))) return rc;
    if ((rc = get_bool(obj, "drop", &r->drop, where, err))) return rc;
    json_t *raw = json_object_get(obj, "raw");
    if (raw) {
        const char *key;
        json_t *value;
        json_object_foreach(obj, key, value)
        { /* only the pause before the bytes makes sense with them */
            if (strcmp(key, "raw") != 0 && strcmp(key, "delay_ms") != 0 &&
                strcmp(key, "raw_latin1") != 0)
                return cs_error_set(
                    err, CS_EFORMAT,
                    "scenario: %s: \"raw\" takes no \"%s\" (only \"delay_ms\", \"raw_latin1\")",
                    where, key);
        }
        if (!json_is_string(raw) || json_string_length(raw) == 0)
            return cs_error_set(err, CS_EFORMAT, "scenario: %s: \"raw\" must be a non-empty string",
                                where);
        int latin1 = 0;
        if ((rc = get_bool(obj, "raw_latin1", &latin1, where, err))) return rc;
        if (latin1) {
            if ((rc = raw_latin1_bytes(r, raw, where, err))) return rc;
        } else {
            r->raw_len = json_string_length(raw);
            r->raw = malloc(r->raw_len);
            if (r->raw == NULL) return cs_error_set(err, CS_ENOMEM, "scenario: out of memory");
            memcpy(r->raw, json_string_value(raw), r->raw_len);
        }
    }
    if ((rc = get_bool(obj, "template", &r->template_on, where, err))) return rc;
    if ((rc = get_uint(obj, "delay_ms", DEMO_MAX_DELAY_MS, &v, NULL, where, err))) return rc;
    r->delay_ms = (int64_t)v;
    if ((rc = get_uint(obj, "trickle_bytes", 1024 * 1024, &v, NULL, where, err))) return rc;
    r->trickle_bytes = (size_t)v;
    if ((rc = get_uint(obj, "trickle_interval_ms", DEMO_MAX_DELAY_MS, &v, &present, where, err)))
        return rc;
    r->trickle_interval_ms = (int64_t)v;
    if (present && r->trickle_bytes == 0)
        return cs_error_set(err, CS_EFORMAT,
                            "scenario: %s: \"trickle_interval_ms\" needs \"trickle_bytes\"", where);
    if ((rc = get_string(obj, "redirect", &r->redirect, where, err))) return rc;
    if (r->redirect && !header_text_ok(r->redirect, 0))
        return cs_error_set(err, CS_EFORMAT, "scenario: %s: bad \"redirect\"", where);
    return CS_OK;
}

static int parse_route(json_t *obj, size_t index, const demo_scenario *s, demo_route *route,
                       cs_error *err)
{
    char where[64];
    snprintf(where, sizeof where, "routes[%zu]", index);
    if (!json_is_object(obj))
        return cs_error_set(err, CS_EFORMAT, "scenario: %s: must be an object", where);
    /* A route object holds match keys and response keys (or a sequence). */
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        int known = 0;
        for (size_t i = 0; i < CS_ARRAY_LEN(route_keys); i++)
            known |= strcmp(route_keys[i], key) == 0;
        for (size_t i = 0; i < CS_ARRAY_LEN(response_keys); i++)
            known |= strcmp(response_keys[i], key) == 0;
        if (!known)
            return cs_error_set(err, CS_EFORMAT, "scenario: %s: unknown key \"%s\"", where, key);
    }
    int rc;
    if ((rc = get_string(obj, "host", &route->host, where, err))) return rc;
    if ((rc = get_string(obj, "path", &route->path, where, err))) return rc;
    if ((rc = get_string(obj, "prefix", &route->prefix, where, err))) return rc;
    if ((rc = get_string(obj, "method", &route->method, where, err))) return rc;
    if (route->path && route->prefix)
        return cs_error_set(err, CS_EFORMAT, "scenario: %s: give \"path\" or \"prefix\", not both",
                            where);

    json_t *sequence = json_object_get(obj, "sequence");
    if (sequence) {
        if (!json_is_array(sequence) || json_array_size(sequence) == 0 ||
            json_array_size(sequence) > DEMO_MAX_SEQUENCE)
            return cs_error_set(err, CS_EFORMAT,
                                "scenario: %s: \"sequence\" must be a list of 1 to %d responses",
                                where, DEMO_MAX_SEQUENCE);
        json_object_foreach(obj, key, v)
        {
            for (size_t i = 0; i < CS_ARRAY_LEN(response_keys); i++)
                if (strcmp(response_keys[i], key) == 0)
                    return cs_error_set(err, CS_EFORMAT,
                                        "scenario: %s: \"%s\" belongs inside \"sequence\" items",
                                        where, key);
        }
        size_t n = json_array_size(sequence);
        route->responses = calloc(n, sizeof *route->responses);
        if (route->responses == NULL) return cs_error_set(err, CS_ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++) {
            char item_where[96];
            snprintf(item_where, sizeof item_where, "%s.sequence[%zu]", where, i);
            route->response_count++;
            if ((rc = parse_response(json_array_get(sequence, i), item_where, s,
                                     &route->responses[i], err)))
                return rc;
        }
        return CS_OK;
    }
    /* Without a sequence the route object itself is the response. */
    json_t *copy = json_copy(obj);
    if (copy == NULL) return cs_error_set(err, CS_ENOMEM, "scenario: out of memory");
    for (size_t i = 0; i < CS_ARRAY_LEN(route_keys); i++)
        json_object_del(copy, route_keys[i]);
    route->responses = calloc(1, sizeof *route->responses);
    if (route->responses == NULL) {
        json_decref(copy);
        return cs_error_set(err, CS_ENOMEM, "scenario: out of memory");
    }
    route->response_count = 1;
    rc = parse_response(copy, where, s, &route->responses[0], err);
    json_decref(copy);
    return rc;
}

static int parse_hosts(json_t *hosts, demo_scenario *s, cs_error *err)
{
    if (!json_is_object(hosts) || json_object_size(hosts) > DEMO_MAX_HOSTS)
        return cs_error_set(err, CS_EFORMAT,
                            "scenario: \"hosts\" must be an object of address: name (at most %d)",
                            DEMO_MAX_HOSTS);
    size_t n = json_object_size(hosts);
    s->host_addresses = calloc(n ? n : 1, sizeof *s->host_addresses);
    s->host_names = calloc(n ? n : 1, sizeof *s->host_names);
    if (!s->host_addresses || !s->host_names)
        return cs_error_set(err, CS_ENOMEM, "scenario: out of memory");
    const char *address;
    json_t *name;
    json_object_foreach(hosts, address, name)
    {
        struct in_addr a;
        if (inet_pton(AF_INET, address, &a) != 1)
            return cs_error_set(err, CS_EFORMAT,
                                "scenario: \"hosts\": \"%s\" is not a dotted IPv4 address",
                                address);
        const char *text = json_is_string(name) ? json_string_value(name) : NULL;
        if (text == NULL || text[0] == '\0' || strchr(text, '/') || strcmp(text, ".") == 0 ||
            strcmp(text, "..") == 0)
            return cs_error_set(err, CS_EFORMAT,
                                "scenario: \"hosts\": the name of %s must be a non-empty string "
                                "usable as a directory name",
                                address);
        s->host_addresses[s->host_count] = strdup(address);
        s->host_names[s->host_count] = strdup(text);
        s->host_count++;
        if (!s->host_addresses[s->host_count - 1] || !s->host_names[s->host_count - 1])
            return cs_error_set(err, CS_ENOMEM, "scenario: out of memory");
    }
    return CS_OK;
}

int demo_scenario_parse(const char *text, size_t len, const char *base_dir, demo_scenario **out,
                        cs_error *err)
{
    *out = NULL;
    if (len > DEMO_SCENARIO_MAX_BYTES)
        return cs_error_set(err, CS_ELIMIT, "scenario: larger than %d bytes",
                            DEMO_SCENARIO_MAX_BYTES);
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL)
        return cs_error_set(err, CS_EFORMAT, "scenario: line %d column %d: %s", jerr.line,
                            jerr.column, jerr.text);
    demo_scenario *s = calloc(1, sizeof *s);
    int rc = CS_OK;
    if (s == NULL) {
        rc = cs_error_set(err, CS_ENOMEM, "scenario: out of memory");
        goto done;
    }
    s->base_dir = strdup(base_dir ? base_dir : ".");
    if (s->base_dir == NULL) {
        rc = cs_error_set(err, CS_ENOMEM, "scenario: out of memory");
        goto done;
    }
    static const char *const top_keys[] = {"root", "hosts", "routes"};
    if (!json_is_object(root)) {
        rc = cs_error_set(err, CS_EFORMAT, "scenario: must be a JSON object");
        goto done;
    }
    if ((rc = check_keys(root, top_keys, CS_ARRAY_LEN(top_keys), "top level", err))) goto done;
    char *root_dir = NULL;
    if ((rc = get_string(root, "root", &root_dir, "top level", err))) goto done;
    if (root_dir) {
        s->root = resolve_path(s->base_dir, root_dir);
        free(root_dir);
        if (s->root == NULL) {
            rc = cs_error_set(err, CS_ENOMEM, "scenario: out of memory");
            goto done;
        }
    }
    json_t *hosts = json_object_get(root, "hosts");
    if (hosts && (rc = parse_hosts(hosts, s, err))) goto done;
    json_t *routes = json_object_get(root, "routes");
    if (routes) {
        if (!json_is_array(routes) || json_array_size(routes) > DEMO_MAX_ROUTES) {
            rc = cs_error_set(err, CS_EFORMAT,
                              "scenario: \"routes\" must be a list of at most %d routes",
                              DEMO_MAX_ROUTES);
            goto done;
        }
        size_t n = json_array_size(routes);
        s->routes = calloc(n ? n : 1, sizeof *s->routes);
        if (s->routes == NULL) {
            rc = cs_error_set(err, CS_ENOMEM, "scenario: out of memory");
            goto done;
        }
        for (size_t i = 0; i < n; i++) {
            s->route_count++;
            if ((rc = parse_route(json_array_get(routes, i), i, s, &s->routes[i], err))) goto done;
        }
    }
done:
    json_decref(root);
    if (rc) {
        demo_scenario_free(s);
        return rc;
    }
    *out = s;
    return CS_OK;
}

int demo_scenario_load(const char *path, demo_scenario **out, cs_error *err)
{
    *out = NULL;
    unsigned char *text;
    size_t len;
    int rc = cs_read_file(path, DEMO_SCENARIO_MAX_BYTES, &text, &len, err);
    if (rc) return rc;
    char *dir = strdup(path);
    if (dir == NULL) {
        free(text);
        return cs_error_set(err, CS_ENOMEM, "scenario: out of memory");
    }
    char *slash = strrchr(dir, '/');
    if (slash == NULL)
        strcpy(dir, ".");
    else if (slash == dir)
        slash[1] = '\0';
    else
        *slash = '\0';
    rc = demo_scenario_parse((const char *)text, len, dir, out, err);
    if (rc && err) {
        /* Name the file in the message. */
        cs_error inner = *err;
        cs_error_set(err, inner.code, "%s: %s", path, inner.message);
    }
    free(dir);
    free(text);
    return rc;
}
