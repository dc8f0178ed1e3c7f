/*
 * xmp.c - rights fields from one XMP packet (RDF/XML), parsed with libxml2.
 *
 * The packet is parsed as XML (no network, no DTD: a packet that declares a
 * DOCTYPE or an entity is refused, since XMP never needs one and entity
 * expansion is an amplification attack). Every rdf:Description under rdf:RDF
 * is walked; properties in the namespaces below become fields named as
 * `exiftool -j -G1 -n -struct` names them:
 *   - group "XMP-<prefix>" from ExifTool's prefix for the namespace
 *     (xmpRights, cc, dc, photoshop, plus, iptcExt; tdm for TDMRep's
 *     http://www.w3.org/ns/tdmrep/ reservation and policy); the legacy CC namespace
 *     http://web.resource.org/cc/ is unknown to ExifTool, which names it by
 *     the document's prefix, or "tmp0" when that prefix is "cc" (taken);
 *   - tag = the property's local name with its first letter upper-cased;
 *   - simple values as written (whitespace kept), rdf:resource as its URI;
 *   - rdf:Bag / rdf:Seq as JSON arrays (always arrays under -struct);
 *   - rdf:Alt language alternatives as one tag per language: x-default as
 *     TAG, others as TAG-<lang>;
 *   - structures (rdf:parseType="Resource", nested rdf:Description) as JSON
 *     objects keyed by upper-cased field local names.
 * Each rights-bearing value is also normalised into an evidence record.
 */
#include "license/license_internal.h"

#include <ctype.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define XMP_MAX_BYTES      (8u * 1024 * 1024) /* extended XMP tops out near 4 GiB; 8 MiB is generous */
#define XMP_MAX_DEPTH      16                 /* rdf nesting deeper than this is not metadata */
#define XMP_MAX_LIST_ITEMS 1024               /* items kept per list */
#define XMP_NAME_MAX       128

static const char rdf_ns[] = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
static const char xml_ns[] = "http://www.w3.org/XML/1998/namespace";
static const char legacy_cc_ns[] = "http://web.resource.org/cc/";

/* How a property contributes evidence. */
enum { ROLE_NONE, ROLE_URL, ROLE_TEXT, ROLE_CLAIM_TEXT, ROLE_MARKED, ROLE_DATA_MINING };

typedef struct xmp_property {
    const char *ns;    /* namespace URI; NULL matches the legacy CC namespace */
    const char *local; /* local name */
    int role;
} xmp_property;

typedef struct xmp_namespace {
    const char *uri;
    const char *group; /* ExifTool family-1 group; NULL: derived from the prefix */
} xmp_namespace;

static const xmp_namespace namespaces[] = {
    {"http://ns.adobe.com/xap/1.0/rights/", "XMP-xmpRights"},
    {"http://creativecommons.org/ns#", "XMP-cc"},
    {legacy_cc_ns, NULL},
    {"http://purl.org/dc/elements/1.1/", "XMP-dc"},
    {"http://ns.adobe.com/photoshop/1.0/", "XMP-photoshop"},
    {"http://ns.useplus.org/ldf/xmp/1.0/", "XMP-plus"},
    {"http://iptc.org/std/Iptc4xmpExt/2008-02-29/", "XMP-iptcExt"},
    /* W3C TDMRep in XMP; unknown to ExifTool 12.57, which names it by the packet's
       prefix: "tdm" is the protocol's own and the one writers use */
    {"http://www.w3.org/ns/tdmrep/", "XMP-tdm"},
};

static const xmp_property properties[] = {
    {"http://ns.adobe.com/xap/1.0/rights/", "WebStatement", ROLE_URL},
    {"http://ns.adobe.com/xap/1.0/rights/", "Marked", ROLE_MARKED},
    {"http://ns.adobe.com/xap/1.0/rights/", "UsageTerms", ROLE_TEXT},
    {"http://ns.adobe.com/xap/1.0/rights/", "Owner", ROLE_NONE},
    {"http://creativecommons.org/ns#", "license", ROLE_URL},
    {"http://creativecommons.org/ns#", "attributionName", ROLE_NONE},
    {"http://creativecommons.org/ns#", "attributionURL", ROLE_NONE},
    {"http://creativecommons.org/ns#", "morePermissions", ROLE_NONE},
    {legacy_cc_ns, "license", ROLE_URL},
    {legacy_cc_ns, "attributionName", ROLE_NONE},
    {legacy_cc_ns, "attributionURL", ROLE_NONE},
    {"http://purl.org/dc/elements/1.1/", "rights", ROLE_CLAIM_TEXT},
    {"http://purl.org/dc/elements/1.1/", "creator", ROLE_NONE},
    {"http://purl.org/dc/elements/1.1/", "title", ROLE_NONE},
    {"http://ns.adobe.com/photoshop/1.0/", "Credit", ROLE_NONE},
    {"http://ns.useplus.org/ldf/xmp/1.0/", "Licensor", ROLE_NONE},
    {"http://ns.useplus.org/ldf/xmp/1.0/", "DataMining", ROLE_DATA_MINING},
    {"http://ns.useplus.org/ldf/xmp/1.0/", "OtherConstraints", ROLE_NONE},
    {"http://iptc.org/std/Iptc4xmpExt/2008-02-29/", "DigitalSourceType", ROLE_NONE},
    {"http://www.w3.org/ns/tdmrep/", "reservation", ROLE_NONE},
    {"http://www.w3.org/ns/tdmrep/", "policy", ROLE_NONE},
};

typedef struct xmp_walk {
    json_t *fields;
    license_evidence_list *evidence;
    int status; /* first CS_ENOMEM / CS_ELIMIT seen */
} xmp_walk;

static int is_rdf(const xmlNode *node, const char *local)
{
    return node && node->type == XML_ELEMENT_NODE && node->ns && node->ns->href &&
           strcmp((const char *)node->ns->href, rdf_ns) == 0 &&
           strcmp((const char *)node->name, local) == 0;
}

static const char *rdf_attr(const xmlNode *node, const char *local, xmlChar **to_free)
{
    xmlChar *v = xmlGetNsProp(node, (const xmlChar *)local, (const xmlChar *)rdf_ns);
    *to_free = v;
    return (const char *)v;
}

static const xmlNode *first_element(const xmlNode *node)
{
    for (const xmlNode *c = node->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE) return c;
    return NULL;
}

static void ucfirst(char *dst, size_t size, const char *local)
{
    cs_strlcpy(dst, local, size);
    if (dst[0]) dst[0] = (char)toupper((unsigned char)dst[0]);
}

/* Text content of node as an ExifTool-style JSON value. */
static json_t *text_value(const xmlNode *node)
{
    xmlChar *text = xmlNodeGetContent(node);
    if (!text) return json_string("");
    json_t *v = license_exiftool_value((const char *)text, strlen((const char *)text));
    xmlFree(text);
    return v;
}

static json_t *struct_value(const xmlNode *node, int depth);

/* The value of a property element (or rdf:li): scalar, array or struct. */
static json_t *node_value(const xmlNode *node, int depth)
{
    if (depth > XMP_MAX_DEPTH) return NULL;
    xmlChar *res;
    const char *resource = rdf_attr(node, "resource", &res);
    if (resource) {
        json_t *v = license_exiftool_value(resource, strlen(resource));
        xmlFree(res);
        return v;
    }
    xmlChar *pt;
    const char *parse_type = rdf_attr(node, "parseType", &pt);
    int is_resource = parse_type && strcmp(parse_type, "Resource") == 0;
    if (pt) xmlFree(pt);
    if (is_resource) return struct_value(node, depth + 1);
    const xmlNode *child = first_element(node);
    if (!child) return text_value(node);
    if (is_rdf(child, "Bag") || is_rdf(child, "Seq") || is_rdf(child, "Alt")) {
        json_t *array = json_array();
        size_t n = 0;
        for (const xmlNode *li = child->children; li && array; li = li->next) {
            if (!is_rdf(li, "li")) continue;
            if (n++ >= XMP_MAX_LIST_ITEMS) break;
            json_t *item = node_value(li, depth + 1);
            if (item) json_array_append_new(array, item);
        }
        return array;
    }
    if (is_rdf(child, "Description")) return struct_value(child, depth + 1);
    return text_value(node);
}

/* A structure: fields from non-rdf attributes and child elements of node. */
static json_t *struct_value(const xmlNode *node, int depth)
{
    if (depth > XMP_MAX_DEPTH) return NULL;
    json_t *obj = json_object();
    if (!obj) return NULL;
    char key[XMP_NAME_MAX];
    for (const xmlAttr *a = node->properties; a; a = a->next) {
        if (!a->ns || !a->ns->href) continue;
        const char *href = (const char *)a->ns->href;
        if (strcmp(href, rdf_ns) == 0 || strcmp(href, xml_ns) == 0) continue;
        xmlChar *v = xmlNodeListGetString(node->doc, a->children, 1);
        ucfirst(key, sizeof key, (const char *)a->name);
        json_object_set_new(
            obj, key,
            license_exiftool_value(v ? (const char *)v : "", v ? strlen((const char *)v) : 0));
        xmlFree(v);
    }
    for (const xmlNode *c = node->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) continue;
        if (is_rdf(c, "Description")) {
            json_t *inner = struct_value(c, depth + 1);
            if (inner) json_object_update(obj, inner);
            json_decref(inner);
            continue;
        }
        if (c->ns && c->ns->href && strcmp((const char *)c->ns->href, rdf_ns) == 0) continue;
        json_t *v = node_value(c, depth + 1);
        if (!v) continue;
        ucfirst(key, sizeof key, (const char *)c->name);
        /* a language alternative inside a struct: keep its default text */
        if (json_is_array(v) && is_rdf(first_element(c), "Alt") && json_array_size(v) > 0) {
            json_t *first = json_incref(json_array_get(v, 0));
            json_decref(v);
            v = first;
        }
        json_object_set_new(obj, key, v);
    }
    return obj;
}

static const char *group_for(const xmlNs *ns, const char *uri)
{
    for (size_t i = 0; i < CS_ARRAY_LEN(namespaces); i++)
        if (strcmp(namespaces[i].uri, uri) == 0) {
            if (namespaces[i].group) return namespaces[i].group;
            /* legacy CC: ExifTool's own "cc" prefix is taken by the current namespace */
            if (!ns->prefix || strcmp((const char *)ns->prefix, "cc") == 0) return "XMP-tmp0";
            return NULL; /* caller builds "XMP-<prefix>" */
        }
    return NULL;
}

static const xmp_property *property_for(const char *uri, const char *local)
{
    for (size_t i = 0; i < CS_ARRAY_LEN(properties); i++)
        if (strcmp(properties[i].ns, uri) == 0 && strcmp(properties[i].local, local) == 0)
            return &properties[i];
    return NULL;
}

static void note_status(xmp_walk *w, int rc)
{
    if (rc != CS_OK && w->status == CS_OK) w->status = rc;
}

static void add_evidence(xmp_walk *w, const xmp_property *prop, const char *field, const char *text)
{
    if (!text || !w->evidence) return;
    license_evidence ev = {.origin = LICENSE_ORIGIN_XMP,
                           .scope = LICENSE_SCOPE_EMBEDDED,
                           .confidence = LICENSE_CONFIDENCE_HIGH,
                           .field = (char *)field,
                           .raw_value = (char *)text};
    switch (prop->role) {
    case ROLE_URL:
        note_status(w, license_add_embedded_evidence(w->evidence, LICENSE_ORIGIN_XMP, field, text,
                                                     1, 0, LICENSE_CONFIDENCE_HIGH));
        break;
    case ROLE_TEXT:
    case ROLE_CLAIM_TEXT:
        note_status(w, license_add_embedded_evidence(w->evidence, LICENSE_ORIGIN_XMP, field, text,
                                                     0, prop->role == ROLE_CLAIM_TEXT,
                                                     LICENSE_CONFIDENCE_MEDIUM));
        break;
    case ROLE_MARKED:
        /* xmpRights:Marked: True = rights-managed, False = public domain (XMP part 2) */
        if (strcasecmp(text, "true") == 0)
            ev.claim = LICENSE_CLAIM_COPYRIGHT;
        else if (strcasecmp(text, "false") == 0)
            ev.claim = LICENSE_CLAIM_PUBLIC_DOMAIN;
        else
            break;
        ev.confidence = LICENSE_CONFIDENCE_LOW;
        note_status(w, license_evidence_list_add(w->evidence, &ev));
        break;
    default:
        break;
    }
}

/* First text of a JSON value: the string, the first array item, or NULL. */
static const char *first_text(const json_t *v, char *buf, size_t size)
{
    if (json_is_array(v)) v = json_array_get(v, 0);
    if (json_is_string(v)) return json_string_value(v);
    if (json_is_integer(v))
        return snprintf(buf, size, "%lld", (long long)json_integer_value(v)), buf;
    if (json_is_real(v)) return snprintf(buf, size, "%.17g", json_real_value(v)), buf;
    if (json_is_boolean(v)) return json_is_true(v) ? "true" : "false";
    return NULL;
}

static void emit(xmp_walk *w, const xmp_property *prop, const char *group, const char *tag,
                 json_t *value)
{
    char field[2 * XMP_NAME_MAX + 2], buf[64];
    snprintf(field, sizeof field, "%s:%s", group, tag);
    const char *text = first_text(value, buf, sizeof buf);
    char *copy = text ? strdup(text) : NULL;
    note_status(w, license_fields_set(w->fields, field, value));
    if (copy) add_evidence(w, prop, field, copy);
    free(copy);
}

/* One property element or attribute of an rdf:Description. */
static void handle_property(xmp_walk *w, const xmlNs *ns, const char *local, const xmlNode *elem,
                            const char *attr_value)
{
    if (!ns || !ns->href) return;
    const char *uri = (const char *)ns->href;
    const xmp_property *prop = property_for(uri, local);
    if (!prop) return;
    char group_buf[XMP_NAME_MAX], tag[XMP_NAME_MAX];
    const char *group = group_for(ns, uri);
    if (!group) {
        snprintf(group_buf, sizeof group_buf, "XMP-%s", ns->prefix ? (const char *)ns->prefix : "");
        group = group_buf;
    }
    ucfirst(tag, sizeof tag, local);
    if (attr_value) {
        emit(w, prop, group, tag, license_exiftool_value(attr_value, strlen(attr_value)));
        return;
    }
    const xmlNode *child = first_element(elem);
    if (is_rdf(child, "Alt")) {
        /* language alternatives: one tag per language */
        size_t n = 0;
        for (const xmlNode *li = child->children; li; li = li->next) {
            if (!is_rdf(li, "li")) continue;
            if (n++ >= XMP_MAX_LIST_ITEMS) break;
            xmlChar *lang = xmlGetNsProp(li, (const xmlChar *)"lang", (const xmlChar *)xml_ns);
            char name[2 * XMP_NAME_MAX];
            if (!lang || strcasecmp((const char *)lang, "x-default") == 0)
                cs_strlcpy(name, tag, sizeof name);
            else
                snprintf(name, sizeof name, "%s-%s", tag, (const char *)lang);
            xmlFree(lang);
            json_t *v = node_value(li, 1);
            if (v) emit(w, prop, group, name, v);
        }
        return;
    }
    json_t *v = node_value(elem, 0);
    if (!v) return;
    /* a simple value with its own xml:lang is named like a language alternative */
    xmlChar *lang = xmlGetNsProp(elem, (const xmlChar *)"lang", (const xmlChar *)xml_ns);
    if (lang && !json_is_array(v) && !json_is_object(v) &&
        strcasecmp((const char *)lang, "x-default") != 0) {
        char name[2 * XMP_NAME_MAX];
        snprintf(name, sizeof name, "%s-%s", tag, (const char *)lang);
        xmlFree(lang);
        emit(w, prop, group, name, v);
        return;
    }
    xmlFree(lang);
    /* under -struct ExifTool prints every list as an array, a lone value as a scalar */
    emit(w, prop, group, tag, v);
}

static void walk_description(xmp_walk *w, const xmlNode *desc)
{
    for (const xmlAttr *a = desc->properties; a; a = a->next) {
        if (!a->ns) continue;
        xmlChar *v = xmlNodeListGetString(desc->doc, a->children, 1);
        handle_property(w, a->ns, (const char *)a->name, NULL, v ? (const char *)v : "");
        xmlFree(v);
    }
    for (const xmlNode *c = desc->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE) handle_property(w, c->ns, (const char *)c->name, c, NULL);
}

static void walk(xmp_walk *w, const xmlNode *node, int depth)
{
    for (; node && depth <= XMP_MAX_DEPTH; node = node->next) {
        if (node->type != XML_ELEMENT_NODE) continue;
        if (is_rdf(node, "RDF")) {
            for (const xmlNode *d = node->children; d; d = d->next)
                if (d->type == XML_ELEMENT_NODE) walk_description(w, d);
            continue;
        }
        walk(w, node->children, depth + 1);
    }
}

/* XMP needs no DTD; refuse one rather than expand entities from untrusted bytes. */
static int declares_dtd(const unsigned char *bytes, size_t len)
{
    static const char *const needles[] = {"<!DOCTYPE", "<!ENTITY"};
    for (size_t k = 0; k < CS_ARRAY_LEN(needles); k++) {
        size_t n = strlen(needles[k]);
        for (size_t i = 0; i + n <= len; i++)
            if (bytes[i] == '<' && memcmp(bytes + i, needles[k], n) == 0) return 1;
    }
    return 0;
}

int license_parse_xmp(const unsigned char *bytes, size_t len, json_t *fields,
                      license_evidence_list *evidence, cs_error *err)
{
    if (!fields) return cs_error_set(err, CS_EINVAL, "xmp: no field object");
    if (!bytes || len == 0) return CS_OK;
    if (len > XMP_MAX_BYTES)
        return cs_error_set(err, CS_ELIMIT, "xmp: packet of %zu bytes exceeds %u", len,
                            XMP_MAX_BYTES);
    if (len > (size_t)INT32_MAX || declares_dtd(bytes, len)) return CS_OK;
    /* trailing NULs (padding in some writers) are not XML */
    while (len > 0 && bytes[len - 1] == '\0')
        len--;
    xmlDoc *doc = xmlReadMemory((const char *)bytes, (int)len, NULL, NULL,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                    XML_PARSE_RECOVER);
    if (!doc) return CS_OK;
    xmp_walk w = {.fields = fields, .evidence = evidence, .status = CS_OK};
    walk(&w, xmlDocGetRootElement(doc), 0);
    xmlFreeDoc(doc);
    if (w.status == CS_ENOMEM) return cs_error_set(err, CS_ENOMEM, "xmp: out of memory");
    if (w.status == CS_ELIMIT)
        return cs_error_set(err, CS_ELIMIT, "xmp: too many evidence records");
    return CS_OK;
}
