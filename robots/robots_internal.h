/*
 * robots_internal.h - what the files of robots/ share and no other folder
 * sees: the layout of a parsed robots.txt, the pattern matcher, URL path
 * extraction and the small string helpers the parsers use.
 */
#ifndef CLEARSET_ROBOTS_INTERNAL_H
#define CLEARSET_ROBOTS_INTERNAL_H

#include "robots/robots.h"

#include <stddef.h>

/* One allow or disallow line. Patterns are normalised (see parse.c). */
typedef struct robots_rule {
    const char *pattern;
    size_t len;
    /* For an allow whose last segment starts with "index.htm": the directory
     * pattern ("/dir/$") the reference tries when the pattern itself fails. */
    const char *index_pattern;
    size_t index_len;
    int line;
    int allow;
} robots_rule;

/* A Content-Signal or Content-Usage line, parsed (value and path point into the arena;
 * path NULL means "everything"). */
typedef struct robots_pref_line {
    robots_preference pref;
} robots_pref_line;

/* RFC 9651 dictionaries (sfv.c): what one member holds, as far as clearset reads it. */
typedef enum robots_sf_type {
    ROBOTS_SF_OTHER = 0, /* a string, number, byte sequence, date or inner list */
    ROBOTS_SF_TOKEN,     /* value is the token's text ("y", "n") */
    ROBOTS_SF_BOOLEAN,   /* value is "1" or "0"; a bare key is boolean true */
} robots_sf_type;

typedef struct robots_sf_member {
    const char *key; /* points into the parsed bytes */
    size_t key_len;
    robots_sf_type type;
    const char *value; /* token or boolean text (into the bytes), else NULL */
    size_t value_len;
} robots_sf_member;

/* Members read per dictionary; a preference list has a handful, more fails the parse. */
#define ROBOTS_SF_MAX_MEMBERS 64

/*
 * Parses s as an RFC 9651 dictionary into out (at most max distinct keys,
 * file order, a repeated key keeps its last value). Returns 0, or -1 when s is
 * not a dictionary (a parse failure: the whole field is to be ignored).
 */
int robots_sf_dictionary(const char *s, size_t n, robots_sf_member *out, size_t max, size_t *count);

/*
 * A Content-Usage (IETF AIPREF) or Content-Signal value to a preference:
 * robots_content_usage_parse reads an RFC 9651 dictionary with the AIPREF
 * vocabulary (case-sensitive labels, only the tokens y and n count; legacy
 * labels only when n); robots_content_signal_parse reads contentsignals.org's
 * "key=yes|no" list (allow/disallow accepted and marked non-standard). Both
 * fill search/ai_input/ai_train and the flags of *out; value, line and path
 * are the caller's.
 */
void robots_content_usage_parse(const char *s, size_t n, robots_preference *out);
void robots_content_signal_parse(const char *s, size_t n, robots_preference *out);

/* A user-agent value cut at its first character outside [A-Za-z_-]. */
typedef struct robots_agent {
    const char *name;
    size_t len;
} robots_agent;

/* One entry of the agent index: an agent value and the group that names it. */
typedef struct robots_agent_ref {
    const char *name;
    size_t len;
    size_t group;
} robots_agent_ref;

/*
 * Rules of a big group bucketed by the second octet of their literal prefix
 * (the octet after the leading '/'), so a path only meets the rules that can
 * match it: order[] holds rule indices, bucket b spans [start[b], start[b+1]),
 * and bucket 256 holds the rules whose literal prefix is shorter than two
 * octets (they must always be tried).
 */
typedef struct robots_rule_buckets {
    unsigned *order;
    unsigned start[258];
} robots_rule_buckets;

/* A group: consecutive user-agent lines and the lines up to the next group. */
typedef struct robots_group {
    robots_agent *agents;
    size_t agent_count, agent_cap;
    int global; /* one of the user-agent lines was `*` */
    robots_rule *rules;
    size_t rule_count, rule_cap;
    robots_pref_line *prefs;
    size_t pref_count, pref_cap;
    double crawl_delay;           /* first valid Crawl-delay in the group, -1 when none */
    robots_rule_buckets *buckets; /* NULL for small groups: their rules are all tried */
} robots_group;

/* Strings live in a chunked arena so pointers stay valid and freeing is one walk. */
typedef struct robots_arena_block {
    struct robots_arena_block *next;
    size_t used, size;
    char data[];
} robots_arena_block;

struct robots_rules {
    robots_group *groups;
    size_t group_count, group_cap;
    robots_pref_line *preamble_prefs; /* Content-Signal/Usage before any user-agent */
    size_t preamble_count, preamble_cap;
    const char **sitemaps;
    size_t sitemap_count, sitemap_cap;
    const char **licenses;
    size_t license_count, license_cap;
    int truncated;
    int disallow_all; /* robots_new_disallow_all: every path except /robots.txt */
    robots_arena_block *arena;
    /* Built once after parsing (robots_build_index) so queries need no scan of all groups. */
    robots_agent_ref *agent_index; /* every (agent, group), sorted case-insensitively */
    size_t agent_index_count;
    size_t *global_groups; /* groups with a `*` line, in file order */
    size_t global_count;
};

/* Builds the agent index and each big group's rule buckets; CS_OK or CS_ENOMEM. */
int robots_build_index(robots_rules *rules);

/* Copies n bytes plus a NUL into the rules' arena; NULL on allocation failure. */
char *robots_arena_strndup(robots_rules *rules, const char *s, size_t n);

/*
 * Pattern matching as RFC 9309 2.2.3 and the reference define it: anchored at
 * the start of path, '*' matches any run of octets, '$' only at the very end
 * anchors the end; the pattern otherwise matches a prefix of path.
 */
int robots_pattern_matches(const char *pattern, size_t pattern_len, const char *path,
                           size_t path_len);

/*
 * The path, params and query of url (scheme, authority and fragment removed;
 * "/" when there is none), as the reference extracts it. Returns a pointer
 * into url or to a static "/" and sets *len; *prepend_slash is set when the
 * result must be read with a "/" in front (url path starts with '?' or ';').
 */
const char *robots_url_path(const char *url, size_t url_len, size_t *len, int *prepend_slash);

/* Length of the leading run of [A-Za-z_-] in s (the reference's agent extraction). */
size_t robots_agent_prefix_len(const char *s, size_t n);

/* ASCII-only character classes: robots.txt is bytes, and the C locale must not matter. */
static inline unsigned char robots_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}
static inline unsigned char robots_upper(unsigned char c)
{
    return c >= 'a' && c <= 'z' ? (unsigned char)(c - 'a' + 'A') : c;
}
static inline int robots_is_alpha(unsigned char c)
{
    return robots_lower(c) >= 'a' && robots_lower(c) <= 'z';
}

/* ASCII case-insensitive equality of two pointer+length strings. */
int robots_ieq(const char *a, size_t a_len, const char *b, size_t b_len);

/* Trims ASCII whitespace (space, \t, \n, \v, \f, \r) from both ends of [*s, *s+*n). */
void robots_trim(const char **s, size_t *n);

/* Appends *s to list; CS_ELIMIT or CS_ENOMEM with a message in err. */
int robots_signal_add(robots_signal_list *list, const robots_signal *s, cs_error *err);

/* Bounded copy of a pointer+length string into a fixed field (cut, NUL-terminated). */
void robots_copy_field(char *dst, size_t size, const char *s, size_t n);

#endif
