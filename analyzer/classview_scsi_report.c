/* SPDX-License-Identifier: GPL-2.0-or-later */
/* classview_scsi_report.c -- the mass-storage view's outputs: the --scsi CSV rows, the per-opcode
 * text table with the slowest commands, and the "mass_storage" JSON object. */
#include <inttypes.h>
#include "classview_int.h"
#include "classview_scsi.h"
#include "json_out.h"

#define MIB 1048576.0

static const char *const status_words[ST__COUNT] = {"passed", "failed", "phase error", "no CSW",
                                                    "invalid CSW"};
static const char *const status_keys[ST__COUNT] = {"passed", "failed", "phase_error", "no_csw",
                                                   "invalid_csw"};

static void put_time(FILE *f, uint64_t ns)
{
    if (ns)
        fprintf(f, "%" PRIu64 ".%09" PRIu64, ns / 1000000000u, ns % 1000000000u);
}

void cv_scsi_csv_header(FILE *f)
{
    fprintf(f, "connection,devid,tag,lun,opcode,command,lba,blocks,transfer_length,direction,bytes,"
               "residue,submit_time,complete_time,latency,urbs,round_trips,status,status_name,"
               "cbw_frame,csw_frame\n");
}

void cv_scsi_csv_row(FILE *f, const struct cv_scsi *s, const struct scsi_cmd *c)
{
    bool csw = c->status != ST_NO_CSW && c->status != ST_INVALID_CSW;
    fprintf(f, "%u,%u,%u,%u,0x%02x,%s,", s->conn_id, s->devid, c->tag, c->lun, c->opcode, c->name);
    if (c->has_lba)
        fprintf(f, "%" PRIu64 ",%u", c->lba, c->blocks);
    else
        fputc(',', f);
    fprintf(f, ",%u,%s,%" PRIu64 ",", c->transfer_length,
            !c->transfer_length ? "none" : c->data_in ? "in" : "out", c->bytes);
    if (csw)
        fprintf(f, "%u", c->residue);
    fputc(',', f);
    put_time(f, c->t_submit);
    fputc(',', f);
    if (c->t_complete) {
        put_time(f, c->t_complete);
        fprintf(f, ",%.9f", cv_secs(c->latency_ns));
    } else {
        fputc(',', f);
    }
    fprintf(f, ",%u,%u,", c->urbs, c->round_trips);
    if (csw)
        fprintf(f, "%d", (int)c->status);
    fprintf(f, ",%s,%" PRIu64 ",", status_words[c->status], c->cbw_frame);
    if (c->csw_frame)
        fprintf(f, "%" PRIu64, c->csw_frame);
    fputc('\n', f);
}

static double per_mib(const struct cv_scsi *s)
{
    return s->bytes ? (double)s->round_trips / ((double)s->bytes / MIB) : 0.0;
}

/* "passed", or what did not pass: "2 failed, 1 no CSW". */
static void status_summary(const uint64_t *status, uint64_t count, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = 0;
    for (int st = ST_FAILED; st < ST__COUNT; st++)
        if (status[st] && used < n)
            used += (size_t)snprintf(buf + used, n - used, "%s%" PRIu64 " %s", used ? ", " : "",
                                     status[st], status_words[st]);
    if (!used)
        snprintf(buf, n, "%s", count ? "all passed" : "-");
}

static void text_command(FILE *out, const struct scsi_cmd *c)
{
    fprintf(out, "      %s", c->name);
    if (c->has_lba)
        fprintf(out, " LBA %" PRIu64 ", %u blocks", c->lba, c->blocks);
    fprintf(out, ": %" PRIu64 " bytes in %.3f ms, %u URBs in %u round trips, %s\n", c->bytes,
            cv_secs(c->latency_ns) * 1e3, c->urbs, c->round_trips,
            status_words[c->status]);
}

void cv_scsi_text(FILE *out, const struct cv_scsi *s)
{
    char st[96];
    status_summary(s->status, s->commands, st, sizeof st);
    fprintf(out, "  mass storage (bulk-only transport): %" PRIu64 " SCSI commands, %" PRIu64
                 " bytes of data, %" PRIu64 " URBs in %" PRIu64 " serial round trips",
            s->commands, s->bytes, s->urbs, s->round_trips);
    if (s->bytes)
        fprintf(out, " (%.1f per MiB of data)", per_mib(s));
    fprintf(out, "; %s\n", st);
    fprintf(out, "    %-28s %6s %12s %11s %11s %12s  %s\n", "command", "count", "bytes", "lat p50",
            "max", "round trips", "status");
    for (guint i = 0; i < s->kinds->len; i++) {
        const struct scsi_kind *k = g_ptr_array_index(s->kinds, i);
        status_summary(k->status, k->count, st, sizeof st);
        fprintf(out, "    %-28s %6" PRIu64 " %12" PRIu64, k->name, k->count, k->bytes);
        if (k->lat.count)
            fprintf(out, " %9.3fms %9.3fms", cv_secs(lat_hist_quantile(&k->lat, 0.5)) * 1e3,
                    cv_secs(k->lat.max) * 1e3);
        else
            fprintf(out, " %11s %11s", "-", "-");
        fprintf(out, " %8.2f/cmd  %s\n", (double)k->round_trips / (double)k->count, st);
    }
    if (s->n_slowest)
        fprintf(out, "    slowest commands (CBW submitted to CSW answered):\n");
    for (unsigned i = 0; i < s->n_slowest; i++)
        text_command(out, &s->slowest[i]);
}

static void json_statuses(FILE *out, const uint64_t *status)
{
    fprintf(out, "{");
    for (int st = 0; st < ST__COUNT; st++)
        fprintf(out, "%s\"%s\":%" PRIu64, st ? "," : "", status_keys[st], status[st]);
    fprintf(out, "}");
}

static void json_command(FILE *out, const struct scsi_cmd *c)
{
    fprintf(out, "{\"tag\":%u,\"lun\":%u,\"opcode\":%u,\"command\":", c->tag, c->lun, c->opcode);
    json_string(out, c->name);
    if (c->has_lba)
        fprintf(out, ",\"lba\":%" PRIu64 ",\"blocks\":%u", c->lba, c->blocks);
    fprintf(out, ",\"transfer_length\":%u,\"bytes\":%" PRIu64 ",\"submit_time\":%.9f,\"latency\":%.9f"
                 ",\"urbs\":%u,\"round_trips\":%u,\"status\":\"%s\"}",
            c->transfer_length, c->bytes, cv_secs(c->t_submit), cv_secs(c->latency_ns),
            c->urbs, c->round_trips, status_keys[c->status]);
}

void cv_scsi_json(FILE *out, const struct cv_scsi *s)
{
    fprintf(out, "{\"commands\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"urbs\":%" PRIu64
                 ",\"round_trips\":%" PRIu64 ",\"round_trips_per_MiB\":%.3f,\"statuses\":",
            s->commands, s->bytes, s->urbs, s->round_trips, per_mib(s));
    json_statuses(out, s->status);
    fprintf(out, ",\"opcodes\":[");
    for (guint i = 0; i < s->kinds->len; i++) {
        const struct scsi_kind *k = g_ptr_array_index(s->kinds, i);
        fprintf(out, "%s{\"command\":", i ? "," : "");
        json_string(out, k->name);
        fprintf(out, ",\"opcode\":%u,\"count\":%" PRIu64 ",\"bytes\":%" PRIu64
                     ",\"latency\":{\"count\":%" PRIu64 ",\"p50\":%.9f,\"max\":%.9f}"
                     ",\"round_trips\":%" PRIu64 ",\"round_trips_per_command\":%.3f,\"statuses\":",
                k->opcode, k->count, k->bytes, k->lat.count, cv_secs(lat_hist_quantile(&k->lat, 0.5)),
                cv_secs(k->lat.max), k->round_trips, (double)k->round_trips / (double)k->count);
        json_statuses(out, k->status);
        fprintf(out, "}");
    }
    fprintf(out, "],\"slowest\":[");
    for (unsigned i = 0; i < s->n_slowest; i++) {
        fprintf(out, "%s", i ? "," : "");
        json_command(out, &s->slowest[i]);
    }
    fprintf(out, "]}");
}
