/* The morphvae subcommands. Each takes argv from its own name on and returns the
 * process exit status (0 ok, 1 failure, 2 usage error). */
#ifndef MV_COMMANDS_H
#define MV_COMMANDS_H

/* one declaration per command */

#endif
