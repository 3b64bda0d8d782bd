/* The morphvae subcommands. Each takes argv from its own name on and returns the
 * process exit status (0 ok, 1 failure, 2 usage error). */
#ifndef MV_COMMANDS_H
#define MV_COMMANDS_H

/* one declaration per command */
int cmd_data(int argc, char **argv);
int cmd_sample(int argc, char **argv);
int cmd_interpolate(int argc, char **argv);
int cmd_encode(int argc, char **argv);
int cmd_decode(int argc, char **argv);
int cmd_groove(int argc, char **argv);  /* humanize drums with a groove model */
int cmd_drumify(int argc, char **argv); /* drums to a rhythm with a groove model */
int cmd_render(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_plot_latent(int argc, char **argv); /* morphvae plot latent */
int cmd_attributes(int argc, char **argv);
int cmd_spread(int argc, char **argv);
int cmd_anchors(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_demo(int argc, char **argv);

#endif
