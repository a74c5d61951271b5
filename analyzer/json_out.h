/* SPDX-License-Identifier: GPL-2.0-or-later */
/* json_out.h -- the one JSON string writer the analyzer's documents share. */
#ifndef ANALYZE_JSON_OUT_H
#define ANALYZE_JSON_OUT_H

#include <stdio.h>

/* s as a quoted JSON string: quotes, backslashes, control and non-ASCII bytes escaped. */
void json_string(FILE *out, const char *s);

#endif
