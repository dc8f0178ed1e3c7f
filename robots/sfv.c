/*
 * sfv.c - RFC 9651 structured-field dictionaries, the syntax of the IETF
 * AIPREF Content-Usage preferences (draft-ietf-aipref-attach: the HTTP
 * response header and the value of a robots.txt Content-Usage line).
 *
 * The parser follows RFC 9651 section 4.2.2 strictly, because the draft says
 * a field that fails to parse expresses no preference at all: keys are
 * lower-case only ("Train-AI=n" fails), every member value is an item or an
 * inner list with parameters, and anything left over fails the whole field.
 * Only what clearset needs is kept per member: the key and, for a token or
 * boolean value, its text; strings, numbers, byte sequences, dates and inner
 * lists are checked for syntax and kept as "other". A key given twice keeps
 * its last value (RFC 9651 4.2.2: the later member overwrites the earlier).
 */
#include "robots/robots_internal.h"

#include <string.h>

typedef struct sf_in {
    const char *s;
    size_t n, pos;
} sf_in;

static int sf_peek(const sf_in *in)
{
    return in->pos < in->n ? (unsigned char)in->s[in->pos] : -1;
}

static int is_lcalpha(int c)
{
    return c >= 'a' && c <= 'z';
}
static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}
static int is_alpha(int c)
{
    return is_lcalpha(c) || (c >= 'A' && c <= 'Z');
}
/* RFC 9110 tchar. */
static int is_tchar(int c)
{
    return c > 0 && (is_alpha(c) || is_digit(c) || (c != -1 && strchr("!#$%&'*+-.^_`|~", c)));
}

static void skip_sp(sf_in *in)
{
    while (sf_peek(in) == ' ')
        in->pos++;
}

static void skip_ows(sf_in *in)
{
    while (sf_peek(in) == ' ' || sf_peek(in) == '\t')
        in->pos++;
}

/* key = ( lcalpha / "*" ) *( lcalpha / DIGIT / "_" / "-" / "." / "*" ) */
static int parse_key(sf_in *in, const char **key, size_t *len)
{
    int c = sf_peek(in);
    if (!is_lcalpha(c) && c != '*') return -1;
    size_t start = in->pos;
    while ((c = sf_peek(in)) != -1 &&
           (is_lcalpha(c) || is_digit(c) || c == '_' || c == '-' || c == '.' || c == '*'))
        in->pos++;
    *key = in->s + start;
    *len = in->pos - start;
    return 0;
}

/*
 * A quoted string from its opening '"' to the closing one: printable ASCII
 * only, and with escapes, the two RFC 9651 allows (\" and \\).
 */
static int parse_quoted(sf_in *in, int escapes)
{
    in->pos++; /* the opening quote */
    for (;;) {
        int c = sf_peek(in);
        if (c == -1) return -1;
        in->pos++;
        if (c == '"') return 0;
        if (c == '\\' && escapes) {
            c = sf_peek(in);
            if (c != '"' && c != '\\') return -1;
            in->pos++;
        } else if (c < 0x20 || c > 0x7e) {
            return -1;
        }
    }
}

/* One bare item (4.2.3.1). Sets *type and, for tokens and booleans, the text. */
static int parse_bare_item(sf_in *in, robots_sf_type *type, const char **text, size_t *len)
{
    int c = sf_peek(in);
    size_t start = in->pos;
    *type = ROBOTS_SF_OTHER;
    if (c == '-' || is_digit(c)) { /* integer or decimal */
        if (c == '-') in->pos++;
        size_t digits = 0, frac = 0;
        int dot = 0;
        while ((c = sf_peek(in)) != -1 && (is_digit(c) || (c == '.' && !dot))) {
            if (c == '.') {
                dot = 1;
                if (digits > 12) return -1;
            } else if (dot) {
                frac++;
            } else {
                digits++;
            }
            in->pos++;
        }
        if (digits == 0 || (!dot && digits > 15) || (dot && (frac == 0 || frac > 3))) return -1;
        return 0;
    }
    if (c == '"') return parse_quoted(in, 1); /* string */
    if (c == '*' || is_alpha(c)) {            /* token */
        in->pos++;
        while ((c = sf_peek(in)) != -1 && (is_tchar(c) || c == ':' || c == '/'))
            in->pos++;
        *type = ROBOTS_SF_TOKEN;
        *text = in->s + start;
        *len = in->pos - start;
        return 0;
    }
    if (c == ':') { /* byte sequence: base64 between colons */
        in->pos++;
        while ((c = sf_peek(in)) != -1 && c != ':') {
            if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '/' && c != '=') return -1;
            in->pos++;
        }
        if (c != ':') return -1;
        in->pos++;
        return 0;
    }
    if (c == '?') { /* boolean */
        in->pos++;
        c = sf_peek(in);
        if (c != '0' && c != '1') return -1;
        in->pos++;
        *type = ROBOTS_SF_BOOLEAN;
        *text = in->s + start + 1;
        *len = 1;
        return 0;
    }
    if (c == '@') { /* date: "@" integer */
        in->pos++;
        robots_sf_type ignored;
        const char *t;
        size_t l;
        c = sf_peek(in);
        if (c != '-' && !is_digit(c)) return -1;
        return parse_bare_item(in, &ignored, &t, &l);
    }
    if (c == '%') { /* display string: %"..." with %xx escapes, which are printable */
        in->pos++;
        return sf_peek(in) == '"' ? parse_quoted(in, 0) : -1;
    }
    return -1;
}

/* parameters = *( ";" *SP param-key [ "=" param-value ] ) */
static int parse_parameters(sf_in *in)
{
    while (sf_peek(in) == ';') {
        in->pos++;
        skip_sp(in);
        const char *key;
        size_t len;
        if (parse_key(in, &key, &len)) return -1;
        if (sf_peek(in) == '=') {
            in->pos++;
            robots_sf_type type;
            const char *t;
            size_t l;
            if (parse_bare_item(in, &type, &t, &l)) return -1;
        }
    }
    return 0;
}

static int parse_inner_list(sf_in *in)
{
    in->pos++; /* "(" */
    for (;;) {
        skip_sp(in);
        if (sf_peek(in) == ')') {
            in->pos++;
            return parse_parameters(in);
        }
        robots_sf_type type;
        const char *t;
        size_t l;
        if (parse_bare_item(in, &type, &t, &l) || parse_parameters(in)) return -1;
        int c = sf_peek(in);
        if (c != ' ' && c != ')') return -1;
    }
}

int robots_sf_dictionary(const char *s, size_t n, robots_sf_member *out, size_t max, size_t *count)
{
    sf_in in = {.s = s ? s : "", .n = s ? n : 0};
    *count = 0;
    skip_sp(&in);
    while (in.n > 0 && in.s[in.n - 1] == ' ') /* leading and trailing SP are discarded */
        in.n--;
    if (in.pos == in.n) return 0; /* an empty dictionary */
    for (;;) {
        robots_sf_member m = {.type = ROBOTS_SF_BOOLEAN, .value = "1", .value_len = 1};
        if (parse_key(&in, &m.key, &m.key_len)) return -1;
        if (sf_peek(&in) == '=') {
            in.pos++;
            if (sf_peek(&in) == '(') {
                m.type = ROBOTS_SF_OTHER, m.value = NULL, m.value_len = 0;
                if (parse_inner_list(&in)) return -1;
            } else {
                m.value = NULL, m.value_len = 0;
                if (parse_bare_item(&in, &m.type, &m.value, &m.value_len) || parse_parameters(&in))
                    return -1;
            }
        } else if (parse_parameters(&in)) { /* a bare key is boolean true */
            return -1;
        }
        size_t at = 0; /* a repeated key overwrites */
        while (at < *count &&
               !(out[at].key_len == m.key_len && memcmp(out[at].key, m.key, m.key_len) == 0))
            at++;
        if (at == *count) {
            if (*count == max) return -1; /* more members than any preference has */
            (*count)++;
        }
        out[at] = m;
        skip_ows(&in);
        if (in.pos == in.n) return 0;
        if (sf_peek(&in) != ',') return -1;
        in.pos++;
        skip_ows(&in);
        if (in.pos == in.n) return -1; /* trailing comma */
    }
}
