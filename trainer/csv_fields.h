/* Lines of the simple CSV files the trainer reads (training logs, Groove's
 * info.csv): fields separated by commas, never quoted. */
#ifndef MV_CSV_FIELDS_H
#define MV_CSV_FIELDS_H

/* Splits line at commas in place (its line ending dropped) into at most max
 * fields; returns the field count. */
int csv_split_fields(char *line, char **fields, int max);

#endif
