/*
 * license_internal.h - helpers shared by the files of license/ and nobody else:
 * the table of non-Creative-Commons licences, ExifTool-style JSON values, and
 * evidence construction for the metadata parsers.
 */
#ifndef CLEARSET_LICENSE_INTERNAL_H
#define CLEARSET_LICENSE_INTERNAL_H

#include "license/license.h"
#include "robots/robots.h"

#include <stdlib.h>

#define LICENSE_WORD_MAX 32 /* one upper-cased word of free text (longer words are cut) */

/* Non-CC licences (license_table.c). Each returns CS_OK and fills out, or CS_ENOTFOUND. */
int license_table_match_url(const char *host, size_t host_len, const char *path, size_t path_len,
                            license_info *out);
int license_table_match_words(const char (*words)[LICENSE_WORD_MAX], size_t count,
                              license_info *out);
int license_table_match_spdx(const char *spdx, license_info *out);

/*
 * A JSON value the way `exiftool -j` prints a scalar: "true"/"false" (any case)
 * become booleans, strings that look like JSON numbers (ExifTool's
 * conservative pattern) become numbers, anything else a string. Invalid
 * UTF-8 bytes become '?' and NULs are dropped, as ExifTool does. New reference.
 */
json_t *license_exiftool_value(const char *s, size_t len);

/* (Bytes to valid UTF-8: cs_utf8_dup in common/.) */
/* Windows-1252 bytes to a new UTF-8 string (ExifTool's default IPTC charset). */
char *license_cp1252_dup(const char *s, size_t len);

/*
 * Sets name -> value in fields. A later duplicate replaces an earlier one, as
 * ExifTool shows the last of duplicate tags in one group without -a. Steals
 * value's reference.
 */
int license_fields_set(json_t *fields, const char *name, json_t *value);

/*
 * Appends an embedded evidence record for field/raw_value, normalising
 * raw_value as a licence URL when is_url (else as text). claim_field marks
 * fields whose bare value is a copyright claim (EXIF Copyright, IPTC
 * CopyrightNotice, dc:rights): a value there that names no licence is
 * recorded as LICENSE_CLAIM_COPYRIGHT.
 */
int license_add_embedded_evidence(license_evidence_list *evidence, license_origin origin,
                                  const char *field, const char *raw_value, int is_url,
                                  int claim_field, license_confidence confidence);

/* Removes (and frees) the records list->items[from + i] with drop[i] set, keeping order. */
void license_evidence_list_drop(license_evidence_list *list, size_t from,
                                const unsigned char *drop);

/* Joins one JPEG APP11 JUMBF packet into store (c2pa.c); instance starts at -1. */
int license_c2pa_add_app11(cs_buf *store, int *instance, uint32_t *next_seq, const unsigned char *p,
                           size_t n);

/* Policy switches the clearance reads (policy.c). */
license_page_wide license_policy_page_wide(const license_policy *policy);
int license_policy_requires_attribution_name(const license_policy *policy);

#endif
