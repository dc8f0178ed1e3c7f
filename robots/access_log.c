/*
 * access_log.c - one line of a web server access log, and which AI crawler
 * a User-Agent names: the site owner's side of robots.txt (`clearset
 * crawlers` asks which crawlers came and which ignored the rules).
 *
 * Lines are the NCSA Common Log Format and its "combined" extension, as
 * Apache (LogFormat "%h %l %u %t \"%r\" %>s %b [\"%{Referer}i\"
 * \"%{User-agent}i\"]") and nginx (log_format combined) write them:
 *
 *   CLIENT IDENT USER [10/Oct/2000:13:55:36 -0700] "REQUEST" STATUS BYTES ["REFERER" "UA"]
 *
 * Fields after the User-Agent (nginx setups often append "$http_x_forwarded_for"
 * or a request time) are ignored. Quoted fields end at the first '"' that is
 * not escaped by a backslash (Apache writes \" and \\, nginx \x22); their
 * bytes are returned as written, escapes and all, which is what a crawler
 * token search and a robots.txt check need. The timestamp is converted to
 * seconds since the epoch by the proleptic Gregorian calendar (no libc time
 * zone, no clock).
 *
 * A line is refused (CS_EFORMAT, with the column and what was wrong) when it
 * is longer than ROBOTS_LOG_MAX_LINE, holds a control byte (NUL included) or
 * invalid UTF-8 - neither server writes those unescaped, so such a line is
 * not a log line - or when a field is missing or malformed. The entry points
 * into the caller's bytes: nothing is allocated.
 */
#include "robots/robots_internal.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Length of "[10/Oct/2000:13:55:36 -0700]". */
#define LOG_TIME_LEN 28

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int log_error(cs_error *err, size_t column, const char *what)
{
    return cs_error_set(err, CS_EFORMAT, "column %zu: %s", column + 1, what);
}

/*
 * Index of the first byte that makes the line no log line (a control byte
 * other than tab, or a byte that starts no valid UTF-8 sequence), or len.
 */
static size_t first_bad_byte(const unsigned char *s, size_t len, const char **why)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    size_t i = 0;
    while (i < len) {
        /* printable ASCII many bytes at a time: none >= 0x80, < 0x20 or == 0x7F */
#ifdef __SSE2__
        const __m128i space = _mm_set1_epi8(0x20), del = _mm_set1_epi8(0x7F);
        while (i + 16 <= len) { /* as signed bytes, 0x80..0xFF are below 0x20 too */
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
            __m128i bad = _mm_or_si128(_mm_cmplt_epi8(v, space), _mm_cmpeq_epi8(v, del));
            if (_mm_movemask_epi8(bad)) break;
            i += 16;
        }
#endif
        while (i + 8 <= len) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            uint64_t below_space = (w - 0x20 * ones) & ~w & highs;
            uint64_t x = w ^ (0x7F * ones);
            uint64_t is_del = (x - ones) & ~x & highs;
            if ((w & highs) | below_space | is_del) break;
            i += 8;
        }
        if (i >= len) break;
        unsigned c = s[i];
        if (c >= 0x20 && c < 0x7F) {
            i++;
            continue;
        }
        if (c < 0x20 || c == 0x7F) {
            if (c == '\t') {
                i++;
                continue;
            }
            *why = c == 0 ? "NUL byte" : "control byte";
            return i;
        }
        size_t n = cs_utf8_sequence(s + i, len - i);
        if (n == 0) {
            *why = "invalid UTF-8";
            return i;
        }
        i += n;
    }
    return len;
}

/* A run of bytes up to the next space (at least one byte). Fields here are short (an
 * address, "-"), so a plain loop beats a call to memchr. */
static int take_word(const char *s, size_t len, size_t *pos, const char **word, size_t *word_len)
{
    size_t start = *pos, end = start;
    while (end < len && s[end] != ' ')
        end++;
    if (end == start) return 0;
    *word = s + start;
    *word_len = end - start;
    *pos = end;
    return 1;
}

/* Exactly one space; a run of several is tolerated (some formats pad). */
static int take_space(const char *s, size_t len, size_t *pos)
{
    if (*pos >= len || s[*pos] != ' ') return 0;
    while (*pos < len && s[*pos] == ' ')
        (*pos)++;
    return 1;
}

/*
 * A quoted field at *pos: its content (without the quotes) up to the first
 * '"' not escaped by a backslash that ends the line or is followed by a space.
 * A quote is escaped when an odd number of backslashes precede it (two are
 * an escaped backslash, so a quote after them closes the field).
 */
static int take_quoted(const char *s, size_t len, size_t *pos, const char **field,
                       size_t *field_len)
{
    size_t i = *pos;
    if (i >= len || s[i] != '"') return 0;
    size_t start = ++i;
    const char *q;
    while ((q = memchr(s + i, '"', len - i)) != NULL) {
        size_t at = (size_t)(q - s), backslashes = 0;
        while (at - backslashes > start && s[at - backslashes - 1] == '\\')
            backslashes++;
        if (backslashes % 2 == 0 && (at + 1 == len || s[at + 1] == ' ')) {
            *field = s + start;
            *field_len = at - start;
            *pos = at + 1;
            return 1;
        }
        i = at + 1; /* an escaped quote, or one inside the field */
    }
    return 0;
}

static int two_digits(const char *s, int *out)
{
    if (!is_digit((unsigned char)s[0]) || !is_digit((unsigned char)s[1])) return 0;
    *out = (s[0] - '0') * 10 + (s[1] - '0');
    return 1;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (m 1..12). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int robots_log_parse_time(const char *s, size_t len, int64_t *out)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    static const int month_days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (s == NULL || len != LOG_TIME_LEN || s[0] != '[' || s[3] != '/' || s[7] != '/' ||
        s[12] != ':' || s[15] != ':' || s[18] != ':' || s[21] != ' ' || s[27] != ']')
        return CS_EFORMAT;
    int day, hour, minute, second, zone_h, zone_m, century, year2;
    if (!two_digits(s + 1, &day) || !two_digits(s + 8, &century) || !two_digits(s + 10, &year2) ||
        !two_digits(s + 13, &hour) || !two_digits(s + 16, &minute) ||
        !two_digits(s + 19, &second) || !two_digits(s + 23, &zone_h) ||
        !two_digits(s + 25, &zone_m))
        return CS_EFORMAT;
    int month = 0;
    for (int m = 0; m < 12 && month == 0; m++)
        if (s[4] == months[3 * m] && s[5] == months[3 * m + 1] && s[6] == months[3 * m + 2])
            month = m + 1;
    int year = century * 100 + year2;
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (month == 0 || day < 1 || day > month_days[month - 1] || (month == 2 && day == 29 && !leap))
        return CS_EFORMAT;
    /* 60: a leap second as a clock may print it; zones span -12:00 to +14:00 */
    if (hour > 23 || minute > 59 || second > 60 || zone_h > 14 || zone_m > 59 ||
        (s[22] != '+' && s[22] != '-'))
        return CS_EFORMAT;
    int64_t local = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
    int64_t offset = zone_h * 3600 + zone_m * 60;
    *out = s[22] == '+' ? local - offset : local + offset;
    return CS_OK;
}

/* Two timestamps' 28 bytes compared as words: called once per line. */
static int same_time_text(const char *a, const char *b)
{
    uint64_t x[4] = {0}, y[4] = {0};
    memcpy(x, a, LOG_TIME_LEN);
    memcpy(y, b, LOG_TIME_LEN);
    return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3])) == 0;
}

/* The request line "METHOD TARGET PROTOCOL" (or "METHOD TARGET", HTTP/0.9). */
static void split_request(robots_log_entry *e)
{
    const char *r = e->request;
    size_t n = e->request_len;
    if (n == 1 && r[0] == '-') return; /* no request line (a timeout, a bad request) */
    const char *sp = memchr(r, ' ', n);
    if (sp == NULL || sp == r) return;
    const char *target = sp + 1;
    size_t rest = n - (size_t)(target - r);
    const char *last = NULL;
    for (size_t i = rest; i > 0; i--)
        if (target[i - 1] == ' ') {
            last = target + i - 1;
            break;
        }
    size_t target_len = rest;
    if (last && (size_t)(r + n - (last + 1)) >= 5 && memcmp(last + 1, "HTTP/", 5) == 0) {
        target_len = (size_t)(last - target);
        e->protocol = last + 1;
        e->protocol_len = (size_t)(r + n - (last + 1));
    }
    if (target_len == 0 || memchr(target, ' ', target_len)) {
        e->protocol = NULL; /* not a request line: junk a scanner sent */
        e->protocol_len = 0;
        return;
    }
    e->method = r;
    e->method_len = (size_t)(sp - r);
    e->target = target;
    e->target_len = target_len;
}

int robots_log_parse(robots_log_parser *parser, const char *line, size_t len, robots_log_entry *out,
                     cs_error *err)
{
    if (out == NULL || (line == NULL && len > 0))
        return cs_error_set(err, CS_EINVAL, "robots: no log line");
    *out = (robots_log_entry){0};
    if (len > ROBOTS_LOG_MAX_LINE)
        return cs_error_set(err, CS_ELIMIT, "line of %zu bytes (at most %d)", len,
                            ROBOTS_LOG_MAX_LINE);
    if (len > 0 && line[len - 1] == '\r') len--; /* a log copied through Windows */
    if (len == 0) return cs_error_set(err, CS_EFORMAT, "empty line");
    const char *why = NULL;
    size_t bad = first_bad_byte((const unsigned char *)line, len, &why);
    if (bad < len) return log_error(err, bad, why);

    size_t pos = 0;
    const char *ident, *time;
    size_t ident_len, time_len;
    if (!take_word(line, len, &pos, &out->client, &out->client_len) || !take_space(line, len, &pos))
        return log_error(err, pos, "no client address");
    if (!take_word(line, len, &pos, &ident, &ident_len) || !take_space(line, len, &pos))
        return log_error(err, pos, "no ident field");
    if (!take_word(line, len, &pos, &out->user, &out->user_len) || !take_space(line, len, &pos))
        return log_error(err, pos, "no user field");
    /* the time field holds one space: "[10/Oct/2000:13:55:36 -0700]" */
    if (pos >= len || line[pos] != '[') return log_error(err, pos, "no [timestamp]");
    time = line + pos;
    time_len = len - pos < LOG_TIME_LEN ? len - pos : LOG_TIME_LEN;
    if (parser && parser->has_last && time_len == LOG_TIME_LEN &&
        same_time_text(parser->last_time, time)) {
        out->time = parser->last_seconds; /* the same second as the line before */
    } else if (robots_log_parse_time(time, time_len, &out->time) != CS_OK) {
        return log_error(err, pos, "bad timestamp (want [10/Oct/2000:13:55:36 -0700])");
    } else if (parser) {
        memcpy(parser->last_time, time, LOG_TIME_LEN);
        parser->last_seconds = out->time;
        parser->has_last = 1;
    }
    pos += LOG_TIME_LEN;
    if (!take_space(line, len, &pos)) return log_error(err, pos, "nothing after the timestamp");
    if (!take_quoted(line, len, &pos, &out->request, &out->request_len))
        return log_error(err, pos, "no quoted request line");
    split_request(out);
    if (!take_space(line, len, &pos)) return log_error(err, pos, "no status");
    if (pos < len && line[pos] == '-') {
        pos++;
    } else {
        if (pos + 3 > len || !is_digit((unsigned char)line[pos]) ||
            !is_digit((unsigned char)line[pos + 1]) || !is_digit((unsigned char)line[pos + 2]) ||
            line[pos] == '0')
            return log_error(err, pos, "bad status (want three digits)");
        out->status = (line[pos] - '0') * 100 + (line[pos + 1] - '0') * 10 + (line[pos + 2] - '0');
        pos += 3;
    }
    if (pos < len && line[pos] != ' ') return log_error(err, pos, "bad status (want three digits)");
    if (!take_space(line, len, &pos)) return log_error(err, pos, "no byte count");
    if (pos < len && line[pos] == '-' && (pos + 1 == len || line[pos + 1] == ' ')) {
        pos++; /* Apache's %b: "-" for no body */
    } else {
        size_t start = pos;
        int64_t bytes = 0;
        while (pos < len && is_digit((unsigned char)line[pos])) {
            if (bytes > (INT64_MAX - 9) / 10) return log_error(err, start, "byte count too large");
            bytes = bytes * 10 + (line[pos++] - '0');
        }
        if (pos == start || (pos < len && line[pos] != ' '))
            return log_error(err, start, "bad byte count");
        out->bytes = bytes;
    }
    while (pos < len && line[pos] == ' ')
        pos++;
    if (pos == len) return CS_OK; /* common format */
    if (!take_quoted(line, len, &pos, &out->referer, &out->referer_len))
        return log_error(err, pos, "no quoted referer");
    if (!take_space(line, len, &pos) ||
        !take_quoted(line, len, &pos, &out->user_agent, &out->user_agent_len))
        return log_error(err, pos, "no quoted user agent after the referer");
    out->combined = 1;
    return CS_OK; /* what follows (forwarded-for, timings) is not ours to read */
}

/* ---- crawlers named in a User-Agent ------------------------------------------------ */

static int is_alnum(unsigned char c)
{
    return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

static unsigned char lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c | 0x20) : c;
}

int robots_ai_crawler_in_user_agent(const char *ua, size_t len)
{
    return robots_ai_crawlers_in_user_agent(NULL, ua, len);
}

int robots_ai_crawlers_in_user_agent(const robots_ai_crawlers *list, const char *ua, size_t len)
{
    if (ua == NULL) return -1;
    const unsigned char *s = (const unsigned char *)ua;
    size_t count = robots_ai_crawlers_count(list);
    int best = -1;
    size_t best_len = 0;
    for (size_t pos = 0; pos < len; pos++) {
        if (!is_alnum(s[pos]) || (pos > 0 && is_alnum(s[pos - 1]))) continue; /* a word start */
        unsigned char first = lower(s[pos]);
        for (size_t i = 0; i < count; i++) {
            const char *token = robots_ai_crawlers_token(list, i);
            if (lower((unsigned char)token[0]) != first) continue;
            size_t n = strlen(token);
            if (n <= best_len || n > len - pos) continue;
            size_t k = 1;
            while (k < n && lower(s[pos + k]) == lower((unsigned char)token[k]))
                k++;
            if (k < n || (pos + n < len && is_alnum(s[pos + n]))) continue;
            best = (int)i;
            best_len = n;
        }
    }
    return best;
}
