/* SPDX-License-Identifier: GPL-2.0-or-later */
/* classview_scsi.h -- the mass-storage view's state, shared by its transport side (classview_scsi.c:
 * CBW, data and CSW into commands and sums) and its outputs (classview_scsi_report.c). */
#ifndef ANALYZE_CLASSVIEW_SCSI_H
#define ANALYZE_CLASSVIEW_SCSI_H

#include <glib.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include "stats.h"

#define SCSI_SLOWEST 3 /* commands listed as the slowest */

/* How a command ended: the CSW's bCSWStatus 0-2, or no meaningful CSW. */
enum scsi_status {
    ST_PASSED = 0,
    ST_FAILED = 1,
    ST_PHASE_ERROR = 2,
    ST_NO_CSW,      /* another CBW or the end of the capture came first */
    ST_INVALID_CSW, /* a CSW whose tag is not the CBW's, or a reserved status */
    ST__COUNT
};

/* One SCSI command: what its CBW asked, and how it went. */
struct scsi_cmd {
    uint32_t tag, transfer_length, residue;
    uint8_t lun, opcode;
    bool data_in, has_lba;
    uint64_t lba;
    uint32_t blocks;
    char name[40];
    uint64_t bytes, t_submit, t_complete, cbw_frame, csw_frame;
    uint64_t latency_ns; /* CBW submitted to CSW answered; with t_complete only */
    uint32_t urbs, round_trips;
    enum scsi_status status;
};

/* The commands of one name (an opcode, or READ CAPACITY(16) apart from other SERVICE ACTION IN). */
struct scsi_kind {
    char name[40];
    uint8_t opcode;
    uint64_t count, bytes, round_trips, status[ST__COUNT];
    struct lat_hist lat; /* CBW submit to CSW completion, commands with a CSW */
};

/* A URB of the open command: when it was submitted and answered. */
struct urb_span {
    uint64_t submit, complete;
};

struct cv_scsi {
    uint32_t conn_id, devid;
    bool open;
    struct scsi_cmd cur;
    GArray *spans; /* the open command's URBs (struct urb_span) */
    uint64_t commands, bytes, urbs, round_trips, status[ST__COUNT];
    GPtrArray *kinds; /* struct scsi_kind *, in order of first appearance */
    struct scsi_cmd slowest[SCSI_SLOWEST];
    unsigned n_slowest;
};

/* The command's CSV row (--scsi). */
void cv_scsi_csv_row(FILE *f, const struct cv_scsi *s, const struct scsi_cmd *c);

#endif
