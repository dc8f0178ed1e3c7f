/*
 * options.c - the one way every command (and main.c's global options) reads
 * its arguments, and the one number parser for option values.
 *
 * cli_args_next walks argv once. An argument that starts with '-' (and is not
 * "-" alone) is an option, looked up in the command's table; an option that
 * takes a value reads it from "--name=VALUE" or from the next argument, even
 * when that argument starts with '-' ("--max-pixels -1" is then refused by
 * the number parser instead of being read as an unknown option). "--" ends
 * the options. With options_first, the first operand ends them too, so that
 * FILE lists (hash, license) and the command name (main.c) pass untouched.
 * The table says what each option's value is; a number is parsed and range-
 * checked here, so a command only ever sees numbers it accepts.
 *
 * Numbers are plain decimal digits, with a fraction for seconds: no sign, no
 * spaces, no exponent, no hex, no "inf" or "nan" (strtod took all of those,
 * and "nan" slipped past every range check). The value is built in uint64_t
 * with an overflow check per digit, so a number too large for it is "out of
 * range", never a wrapped one; a leading '-' is named as negative.
 */
#include "cli/cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

cli_args cli_args_start(const char *command, int argc, char **argv, const cli_option *options,
                        size_t option_count, int options_first)
{
    return (cli_args){.id = -1,
                      .command = command,
                      .options = options,
                      .option_count = option_count,
                      .options_first = options_first,
                      .argc = argc,
                      .argv = argv,
                      .next = 1};
}

enum number_status { NUMBER_OK, NUMBER_JUNK, NUMBER_NEGATIVE, NUMBER_TOO_LARGE };

/*
 * Reads text as DIGITS[.DIGITS] and returns it times 10^fraction_digits in
 * *scaled, rounded half up on the first digit dropped. fraction_digits 0
 * refuses any fraction.
 */
static enum number_status parse_decimal(const char *text, unsigned fraction_digits,
                                        uint64_t *scaled)
{
    const char *p = text;
    if (*p == '-' && p[1] >= '0' && p[1] <= '9') return NUMBER_NEGATIVE;
    uint64_t v = 0;
    size_t whole_digits = 0, kept = 0;
    int too_large = 0, round_up = 0;
    for (; *p >= '0' && *p <= '9'; p++, whole_digits++) {
        if (v > (UINT64_MAX - 9) / 10) too_large = 1;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    if (whole_digits == 0) return NUMBER_JUNK;
    if (*p == '.' && fraction_digits > 0) {
        p++;
        size_t digits = 0;
        for (; *p >= '0' && *p <= '9'; p++, digits++) {
            if (kept < fraction_digits) {
                if (v > (UINT64_MAX - 9) / 10) too_large = 1;
                v = v * 10 + (uint64_t)(*p - '0');
                kept++;
            } else if (kept == fraction_digits && digits == fraction_digits) {
                round_up = *p >= '5';
            }
        }
        if (digits == 0) return NUMBER_JUNK;
    }
    if (*p != '\0') return NUMBER_JUNK;
    for (; kept < fraction_digits; kept++) {
        if (v > UINT64_MAX / 10) too_large = 1;
        v *= 10;
    }
    if (round_up) {
        if (v == UINT64_MAX) too_large = 1;
        v++;
    }
    if (too_large) return NUMBER_TOO_LARGE;
    *scaled = v;
    return NUMBER_OK;
}

/* value / 10^fraction_digits as a person writes it: "10", "0.5", "0.001". */
static void format_scaled(uint64_t value, unsigned fraction_digits, char *out, size_t size)
{
    uint64_t unit = 1;
    for (unsigned i = 0; i < fraction_digits; i++)
        unit *= 10;
    uint64_t fraction = value % unit;
    int len = snprintf(out, size, "%" PRIu64, value / unit);
    if (fraction == 0 || len < 0 || (size_t)len >= size) return;
    char digits[24];
    snprintf(digits, sizeof digits, "%0*" PRIu64, (int)fraction_digits, fraction);
    size_t n = strlen(digits);
    while (n > 0 && digits[n - 1] == '0')
        digits[--n] = '\0';
    snprintf(out + len, size - (size_t)len, ".%s", digits);
}

static int parse_number(const char *command, const char *option, const char *text,
                        unsigned fraction_digits, uint64_t min, uint64_t max, uint64_t *out)
{
    const char *unit = fraction_digits ? " seconds" : "";
    char low[32], high[32];
    format_scaled(min, fraction_digits, low, sizeof low);
    format_scaled(max, fraction_digits, high, sizeof high);
    uint64_t v = 0;
    switch (parse_decimal(text, fraction_digits, &v)) {
    case NUMBER_JUNK:
        return cli_usage_error(
            command, "%s needs %s, not '%s'", option,
            fraction_digits ? "a number of seconds (like 2 or 0.5)" : "a whole number", text);
    case NUMBER_NEGATIVE:
        return cli_usage_error(command, "%s cannot be negative: '%s' (%s to %s%s)", option, text,
                               low, high, unit);
    case NUMBER_TOO_LARGE:
        return cli_usage_error(command, "%s is out of range: '%s' (%s to %s%s)", option, text, low,
                               high, unit);
    case NUMBER_OK:
        break;
    }
    if (v < min || v > max)
        return cli_usage_error(command, "%s is out of range: '%s' (%s to %s%s)", option, text, low,
                               high, unit);
    *out = v;
    return CLI_EXIT_OK;
}

static const cli_option *find_option(const cli_args *args, const char *name, size_t name_len)
{
    for (size_t i = 0; i < args->option_count; i++) {
        const char *known = args->options[i].name;
        if (strlen(known) == name_len && strncmp(known, name, name_len) == 0)
            return &args->options[i];
    }
    return NULL;
}

int cli_args_next(cli_args *args)
{
    args->id = -1;
    args->value = NULL;
    if (args->next >= args->argc) return CLI_ARG_END;
    const char *arg = args->argv[args->next++];
    if (!args->only_operands && strcmp(arg, "--") == 0) {
        args->only_operands = 1;
        if (args->next >= args->argc) return CLI_ARG_END;
        arg = args->argv[args->next++];
    }
    if (args->only_operands || arg[0] != '-' || arg[1] == '\0') {
        if (args->options_first) args->only_operands = 1;
        args->value = arg;
        return CLI_ARG_OPERAND;
    }
    const char *equals = strncmp(arg, "--", 2) == 0 ? strchr(arg, '=') : NULL;
    size_t name_len = equals ? (size_t)(equals - arg) : strlen(arg);
    const cli_option *option = find_option(args, arg, name_len);
    if (option == NULL) {
        cli_usage_error(args->command, "unknown option '%.*s'", (int)name_len, arg);
        return CLI_ARG_ERROR;
    }
    args->id = option->id;
    if (option->value == CLI_FLAG) {
        if (equals == NULL) return CLI_ARG_OPTION;
        cli_usage_error(args->command, "%s takes no value", option->name);
        return CLI_ARG_ERROR;
    }
    if (equals) {
        args->value = equals + 1;
    } else if (args->next < args->argc) {
        args->value = args->argv[args->next++];
    } else {
        cli_usage_error(args->command, "%s needs a value", option->name);
        return CLI_ARG_ERROR;
    }
    if (option->value == CLI_TEXT) return CLI_ARG_OPTION;
    unsigned fraction_digits = option->value == CLI_SECONDS ? 3 : 0;
    if (parse_number(args->command, option->name, args->value, fraction_digits, option->min,
                     option->max, &args->number) != CLI_EXIT_OK)
        return CLI_ARG_ERROR;
    return CLI_ARG_OPTION;
}
