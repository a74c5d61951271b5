/* SPDX-License-Identifier: GPL-2.0-or-later */
/* urb_rows.h -- one row per finished URB, for pipelines: the --urbs CSV and the --json-lines
 * objects, from one list of columns. */
#ifndef ANALYZE_URB_ROWS_H
#define ANALYZE_URB_ROWS_H

#include <stdio.h>
#include "uip/tracker.h"

void urb_rows_csv_header(FILE *f);
void urb_rows_csv(FILE *f, const struct uip_urb *u);
/* One JSON object on one line, with the CSV's columns as keys (null where the CSV is empty). */
void urb_rows_json(FILE *f, const struct uip_urb *u);

#endif
