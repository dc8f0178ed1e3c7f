/* placeholder until the catalog lands */
#include "cli/cli.h"
int cmd_status(cli_context *ctx, int argc, char **argv)
{
    return CLI_EXIT_OK;
}
