/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_classview.c -- the class-level view on URBs built by code: bulk-only transport CBW, data
 * and CSW become SCSI command rows (names, LBA, bytes, latency, URBs, serial round trips, CSW
 * status); FTDI and CDC-ACM serial payload, line settings, control-line pulses, write-to-answer
 * exchanges with polls counted, STK500v1 get-sync in and out of step; HID report rate, polling
 * latency and interval. Every expected value is worked out here from the URBs, not read back. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "classview.h"
#include "uip/usb.h"
#include "classview_scsi.h"
#include "classview_serial.h"
#include "classview_stk500.h"
#include "stats.h"
#include "json_out.h"

#define US 1000ull
#define MS 1000000ull
#define T0 (1000000 * MS) /* captures start at some epoch time, not 0 */
#define CONN 1u
#define DEVID 0x00010002u

/* ---- synthetic URBs, as the tracker delivers them ------------------------------------------- */

static struct uip_urb synthetic_urb(uint8_t ep, int8_t dir, uint8_t type, uint64_t submit,
                                    uint64_t complete, int32_t buffer, int32_t actual,
                                    const uint8_t *data, uint32_t kept)
{
    static uint64_t seq;
    seq++;
    return (struct uip_urb){.conn_id = CONN, .devid = DEVID, .id = seq, .ep = ep, .direction = dir,
                            .xfer_type = type, .transfer_buffer_length = buffer,
                            .actual_length = actual, .t_submit_ns = submit, .t_complete_ns = complete,
                            .frame_submit = 2 * seq, .frame_complete = 2 * seq + 1,
                            .outcome = UIP_URB_COMPLETED, .data_len = (uint32_t)actual,
                            .data_kept = kept, .data = data};
}

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* A synthetic CBW on bulk OUT endpoint 2 (BOT 5.1). */
static void synthetic_cbw(struct classview *cv, uint64_t submit, uint64_t complete, uint32_t tag,
                          uint32_t length, bool in, const uint8_t *cb, uint8_t cb_len)
{
    uint8_t b[31] = {'U', 'S', 'B', 'C'};
    put_le32(b + 4, tag);
    put_le32(b + 8, length);
    b[12] = in ? 0x80 : 0;
    b[14] = cb_len;
    memcpy(b + 15, cb, cb_len);
    struct uip_urb u = synthetic_urb(2, UIP_DIR_OUT, UIP_XFER_BULK, submit, complete, 31, 31, b, 31);
    classview_urb(cv, &u);
}

/* A synthetic CSW on bulk IN endpoint 1 (BOT 5.2). */
static void synthetic_csw(struct classview *cv, uint64_t submit, uint64_t complete, uint32_t tag,
                          uint8_t status)
{
    uint8_t b[13] = {'U', 'S', 'B', 'S'};
    put_le32(b + 4, tag);
    b[12] = status;
    struct uip_urb u = synthetic_urb(1, UIP_DIR_IN, UIP_XFER_BULK, submit, complete, 13, 13, b, 13);
    classview_urb(cv, &u);
}

static void synthetic_bulk_in(struct classview *cv, uint64_t submit, uint64_t complete,
                              int32_t buffer, int32_t actual, const uint8_t *data, uint32_t kept)
{
    struct uip_urb u = synthetic_urb(1, UIP_DIR_IN, UIP_XFER_BULK, submit, complete, buffer, actual,
                                     data, kept);
    classview_urb(cv, &u);
}

static void synthetic_bulk_out(struct classview *cv, uint64_t submit, uint64_t complete,
                               const uint8_t *data, uint32_t len)
{
    struct uip_urb u = synthetic_urb(2, UIP_DIR_OUT, UIP_XFER_BULK, submit, complete, (int32_t)len,
                                     (int32_t)len, data, len);
    classview_urb(cv, &u);
}

/* A synthetic control transfer on endpoint 0: setup as the 8 wire bytes, data OUT or IN. */
static void synthetic_control(struct classview *cv, uint64_t submit, const uint8_t setup[8],
                              const uint8_t *data, uint32_t len)
{
    struct uip_urb u = synthetic_urb(0, setup[0] & 0x80 ? UIP_DIR_IN : UIP_DIR_OUT, UIP_XFER_CONTROL,
                                     submit, submit + 200 * US, (int32_t)len, (int32_t)len, data, len);
    u.has_setup = true;
    memcpy(u.setup, setup, 8);
    classview_urb(cv, &u);
}

/* The import reply's record of a synthetic device. */
static void synthetic_import(struct classview *cv, uint16_t vendor, uint32_t speed)
{
    struct uip_device_info info = {.conn_id = CONN, .devid = DEVID, .has_record = true};
    info.record.id_vendor = vendor;
    info.record.speed = speed;
    classview_device(cv, &info);
}

/* ---- reading the outputs ------------------------------------------------------------------- */

/* What an output function writes for the device, as a string the caller frees. */
static char *output_of(const struct classview *cv, bool json)
{
    FILE *f = tmpfile();
    cr_assert_not_null(f);
    if (json)
        classview_json(f, cv, CONN, DEVID);
    else
        classview_text(f, cv, CONN, DEVID, T0);
    long n = ftell(f);
    char *buf = calloc(1, (size_t)n + 1);
    rewind(f);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return buf;
}

static char *json_of(const struct classview *cv) { return output_of(cv, true); }
static char *text_of(const struct classview *cv) { return output_of(cv, false); }

static void assert_has(const char *doc, const char *want)
{
    cr_assert_not_null(strstr(doc, want), "expected %s in\n%s", want, doc);
}

/* A view whose --scsi rows go to a memory buffer. */
struct scsi_run {
    struct classview *cv;
    FILE *csv;
    char *rows;
    size_t len;
};

static void scsi_run_start(struct scsi_run *r)
{
    r->cv = classview_new(NULL);
    r->csv = open_memstream(&r->rows, &r->len);
    classview_scsi_csv(r->cv, r->csv);
}

static void scsi_run_finish(struct scsi_run *r)
{
    classview_finish(r->cv);
    fclose(r->csv);
}

static void scsi_run_free(struct scsi_run *r)
{
    classview_free(r->cv);
    free(r->rows);
}

/* Field `name` of data row `row` (1-based) of the CSV in out; false when there is no such row. */
static bool csv_field(const char *csv, int row, const char *name, char *out, size_t n)
{
    const char *line = csv;
    int col = -1, c = 0;
    for (const char *p = csv; *p && *p != '\n'; c++) {
        size_t len = strcspn(p, ",\n");
        if (len == strlen(name) && !strncmp(p, name, len))
            col = c;
        p += len + (p[len] == ',');
    }
    cr_assert_geq(col, 0, "no column %s", name);
    for (int r = 0; r < row; r++) {
        line = strchr(line, '\n');
        if (!line || !line[1])
            return false;
        line++;
    }
    for (int i = 0; i < col; i++)
        line = strchr(line, ',') + 1;
    size_t len = strcspn(line, ",\n");
    snprintf(out, n, "%.*s", (int)len, line);
    return true;
}

static void assert_field(const char *csv, int row, const char *name, const char *want)
{
    char got[64];
    cr_assert(csv_field(csv, row, name, got, sizeof got), "no row %d", row);
    cr_assert_str_eq(got, want, "row %d %s: %s, expected %s", row, name, got, want);
}

static const uint8_t READ10_LBA_4660_8_BLOCKS[10] = {0x28, 0, 0, 0, 0x12, 0x34, 0, 0, 8, 0};
static const uint8_t ZEROS[64];

/* ---- mass storage ----------------------------------------------------------------------------- */

Test(classview_scsi, a_read10_is_one_row_with_latency_urbs_and_round_trips)
{
    struct scsi_run r;
    scsi_run_start(&r);
    synthetic_cbw(r.cv, T0, T0 + 100 * US, 7, 4096, true, READ10_LBA_4660_8_BLOCKS, 10);
    synthetic_bulk_in(r.cv, T0 + 150 * US, T0 + 400 * US, 4096, 4096, ZEROS, 64);
    synthetic_csw(r.cv, T0 + 450 * US, T0 + 500 * US, 7, 0);
    scsi_run_finish(&r);
    cr_assert(classview_recognised(r.cv, CONN, DEVID));
    assert_field(r.rows, 1, "tag", "7");
    assert_field(r.rows, 1, "opcode", "0x28");
    assert_field(r.rows, 1, "command", "READ(10)");
    assert_field(r.rows, 1, "lba", "4660");
    assert_field(r.rows, 1, "blocks", "8");
    assert_field(r.rows, 1, "transfer_length", "4096");
    assert_field(r.rows, 1, "direction", "in");
    assert_field(r.rows, 1, "bytes", "4096");
    assert_field(r.rows, 1, "latency", "0.000500000"); /* CBW submit to CSW completion */
    assert_field(r.rows, 1, "urbs", "3");
    assert_field(r.rows, 1, "round_trips", "3");
    assert_field(r.rows, 1, "status", "0");
    assert_field(r.rows, 1, "status_name", "passed");
    char *json = json_of(r.cv);
    assert_has(json, "\"mass_storage\":{\"commands\":1,\"bytes\":4096,\"urbs\":3,\"round_trips\":3,"
                     "\"round_trips_per_MiB\":768.000");  /* 3 round trips for 1/256 MiB */
    free(json);
    scsi_run_free(&r);
}

Test(classview_scsi, urbs_in_flight_together_share_a_round_trip)
{
    struct scsi_run r;
    scsi_run_start(&r);
    /* two data URBs queued together, answered out of order: CBW, data, CSW are 3 round trips */
    synthetic_cbw(r.cv, T0, T0 + 100 * US, 1, 8192, true, READ10_LBA_4660_8_BLOCKS, 10);
    synthetic_bulk_in(r.cv, T0 + 160 * US, T0 + 380 * US, 4096, 4096, ZEROS, 64);
    synthetic_bulk_in(r.cv, T0 + 150 * US, T0 + 400 * US, 4096, 4096, ZEROS, 64);
    synthetic_csw(r.cv, T0 + 450 * US, T0 + 500 * US, 1, 0);
    /* the same data URBs one after the other: 4 round trips */
    synthetic_cbw(r.cv, T0 + 600 * US, T0 + 700 * US, 2, 8192, true, READ10_LBA_4660_8_BLOCKS, 10);
    synthetic_bulk_in(r.cv, T0 + 750 * US, T0 + 900 * US, 4096, 4096, ZEROS, 64);
    synthetic_bulk_in(r.cv, T0 + 900 * US, T0 + 1000 * US, 4096, 4096, ZEROS, 64);
    synthetic_csw(r.cv, T0 + 1100 * US, T0 + 1200 * US, 2, 0);
    scsi_run_finish(&r);
    assert_field(r.rows, 1, "urbs", "4");
    assert_field(r.rows, 1, "round_trips", "3");
    assert_field(r.rows, 1, "bytes", "8192");
    assert_field(r.rows, 2, "urbs", "4");
    assert_field(r.rows, 2, "round_trips", "4");
    scsi_run_free(&r);
}

Test(classview_scsi, csw_status_and_tag_decide_how_a_command_ended)
{
    static const struct {
        uint8_t status;
        bool same_tag;
        const char *status_col, *name;
    } cases[] = {
        {0, true, "0", "passed"},       {1, true, "1", "failed"},
        {2, true, "2", "phase error"},  {3, true, "", "invalid CSW"}, /* reserved status */
        {0, false, "", "invalid CSW"},
    };
    struct scsi_run r;
    scsi_run_start(&r);
    static const uint8_t tur[6] = {0x00};
    for (uint32_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t t = T0 + i * MS;
        synthetic_cbw(r.cv, t, t + 100 * US, 10 + i, 0, false, tur, 6);
        synthetic_csw(r.cv, t + 200 * US, t + 300 * US, cases[i].same_tag ? 10 + i : 99, cases[i].status);
    }
    scsi_run_finish(&r);
    for (int i = 0; i < (int)(sizeof cases / sizeof cases[0]); i++) {
        assert_field(r.rows, i + 1, "command", "TEST UNIT READY");
        assert_field(r.rows, i + 1, "direction", "none");
        assert_field(r.rows, i + 1, "status", cases[i].status_col);
        assert_field(r.rows, i + 1, "status_name", cases[i].name);
        assert_field(r.rows, i + 1, "urbs", "2");
    }
    char *json = json_of(r.cv);
    assert_has(json, "\"statuses\":{\"passed\":1,\"failed\":1,\"phase_error\":1,\"no_csw\":0,"
                     "\"invalid_csw\":2}");
    free(json);
    scsi_run_free(&r);
}

Test(classview_scsi, a_command_without_csw_ends_at_the_next_cbw_or_the_end)
{
    struct scsi_run r;
    scsi_run_start(&r);
    synthetic_cbw(r.cv, T0, T0 + 100 * US, 1, 4096, true, READ10_LBA_4660_8_BLOCKS, 10);
    synthetic_bulk_in(r.cv, T0 + 150 * US, T0 + 400 * US, 4096, 4096, ZEROS, 64);
    synthetic_cbw(r.cv, T0 + MS, T0 + MS + 100 * US, 2, 4096, true, READ10_LBA_4660_8_BLOCKS, 10);
    /* the device is gone: the data URB is never answered */
    struct uip_urb lost =
        synthetic_urb(1, UIP_DIR_IN, UIP_XFER_BULK, T0 + MS + 200 * US, 0, 4096, 0, NULL, 0);
    lost.outcome = UIP_URB_CONNECTION_CLOSED;
    classview_urb(r.cv, &lost);
    scsi_run_finish(&r);
    assert_field(r.rows, 1, "status_name", "no CSW");
    assert_field(r.rows, 1, "bytes", "4096");
    assert_field(r.rows, 1, "urbs", "2");
    assert_field(r.rows, 1, "latency", "");
    assert_field(r.rows, 2, "status_name", "no CSW");
    assert_field(r.rows, 2, "bytes", "0");
    assert_field(r.rows, 2, "urbs", "2");
    assert_field(r.rows, 2, "complete_time", "");
    char field[8];
    cr_assert_not(csv_field(r.rows, 3, "tag", field, sizeof field));
    scsi_run_free(&r);
}

Test(classview_scsi, opcodes_are_named_and_read_write_carry_lba_and_blocks)
{
    static const struct {
        uint8_t cb[16], cb_len;
        const char *name, *lba, *blocks;
    } cases[] = {
        {{0x00}, 6, "TEST UNIT READY", "", ""},
        {{0x03}, 6, "REQUEST SENSE", "", ""},
        {{0x12}, 6, "INQUIRY", "", ""},
        {{0x1a}, 6, "MODE SENSE(6)", "", ""},
        {{0x1b}, 6, "START STOP UNIT", "", ""},
        {{0x1e}, 6, "PREVENT ALLOW MEDIUM REMOVAL", "", ""},
        {{0x25}, 10, "READ CAPACITY(10)", "", ""},
        {{0x2a, 0, 0xff, 0xff, 0xff, 0xfe, 0, 0x01, 0x00, 0}, 10, "WRITE(10)", "4294967294", "256"},
        {{0x35}, 10, "SYNCHRONIZE CACHE(10)", "", ""},
        {{0x88, 0, 0, 0, 0, 0x01, 0x23, 0x45, 0x67, 0x89, 0, 0, 0x01, 0x00, 0, 0}, 16, "READ(16)",
         "4886718345", "256"},
        {{0x8a, 0, 0x80, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x01, 0x00, 0x00, 0, 0}, 16, "WRITE(16)",
         "9223372036854775808", "65536"},
        {{0x9e, 0x10}, 16, "READ CAPACITY(16)", "", ""},
        {{0x9e, 0x11}, 16, "SERVICE ACTION IN(16) 0x11", "", ""},
        {{0xa0}, 12, "0xa0", "", ""},
        {{0x28, 0, 0, 0, 0, 1}, 6, "READ(10)", "", ""}, /* too short to hold its LBA and length */
    };
    struct scsi_run r;
    scsi_run_start(&r);
    for (uint32_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t t = T0 + i * MS;
        synthetic_cbw(r.cv, t, t + 100 * US, i, 0, false, cases[i].cb, cases[i].cb_len);
        synthetic_csw(r.cv, t + 200 * US, t + 300 * US, i, 0);
    }
    scsi_run_finish(&r);
    for (int i = 0; i < (int)(sizeof cases / sizeof cases[0]); i++) {
        assert_field(r.rows, i + 1, "command", cases[i].name);
        assert_field(r.rows, i + 1, "lba", cases[i].lba);
        assert_field(r.rows, i + 1, "blocks", cases[i].blocks);
    }
    scsi_run_free(&r);
}

Test(classview_scsi, only_a_valid_cbw_makes_a_device_mass_storage)
{
    static const uint8_t cb[6] = {0x00};
    uint8_t good[31] = {'U', 'S', 'B', 'C'};
    good[14] = 6;
    memcpy(good + 15, cb, 6);
    struct {
        uint8_t bytes[31];
        int32_t len, status;
    } cases[4];
    for (int i = 0; i < 4; i++) {
        memcpy(cases[i].bytes, good, 31);
        cases[i].len = 31;
        cases[i].status = 0;
    }
    cases[0].bytes[3] = 'D';     /* not the signature */
    cases[1].len = 30;           /* not 31 bytes */
    cases[2].bytes[14] = 17;     /* a command block longer than 16 */
    cases[3].status = -32;       /* the device refused it (a stall) */
    for (int i = 0; i < 4; i++) {
        struct classview *cv = classview_new(NULL);
        struct uip_urb u = synthetic_urb(2, UIP_DIR_OUT, UIP_XFER_BULK, T0, T0 + 100 * US, cases[i].len,
                                         cases[i].len, cases[i].bytes, (uint32_t)cases[i].len);
        u.status = cases[i].status;
        classview_urb(cv, &u);
        synthetic_csw(cv, T0 + 200 * US, T0 + 300 * US, 0, 0);
        classview_finish(cv);
        cr_assert_not(classview_recognised(cv, CONN, DEVID), "case %d taken for a CBW", i);
        classview_free(cv);
    }
}

Test(classview_scsi, round_trips_per_mib_and_per_opcode)
{
    struct scsi_run r;
    scsi_run_start(&r);
    /* two 512 KiB reads, each CBW, data, CSW: 6 round trips for 1 MiB */
    for (uint32_t i = 0; i < 2; i++) {
        uint64_t t = T0 + i * 10 * MS;
        synthetic_cbw(r.cv, t, t + 100 * US, i, 524288, true, READ10_LBA_4660_8_BLOCKS, 10);
        synthetic_bulk_in(r.cv, t + 200 * US, t + 2 * MS, 524288, 524288, ZEROS, 64);
        synthetic_csw(r.cv, t + 3 * MS, t + 4 * MS, i, 0);
    }
    scsi_run_finish(&r);
    char *json = json_of(r.cv);
    assert_has(json, "\"commands\":2,\"bytes\":1048576,\"urbs\":6,\"round_trips\":6,"
                     "\"round_trips_per_MiB\":6.000");
    assert_has(json, "{\"command\":\"READ(10)\",\"opcode\":40,\"count\":2,\"bytes\":1048576,"
                     "\"latency\":{\"count\":2,\"p50\":0.004000000,\"max\":0.004000000},"
                     "\"round_trips\":6,\"round_trips_per_command\":3.000");
    free(json);
    char *text = text_of(r.cv);
    assert_has(text, "2 SCSI commands, 1048576 bytes of data, 6 URBs in 6 serial round trips "
                     "(6.0 per MiB of data)");
    free(text);
    scsi_run_free(&r);
}

Test(classview_scsi, the_slowest_commands_are_kept_slowest_first)
{
    static const uint64_t latency_ms[] = {1, 5, 3, 7, 2};
    struct scsi_run r;
    scsi_run_start(&r);
    for (uint32_t i = 0; i < 5; i++) {
        uint64_t t = T0 + i * 100 * MS;
        synthetic_cbw(r.cv, t, t + 100 * US, i, 0, false, READ10_LBA_4660_8_BLOCKS, 10);
        synthetic_csw(r.cv, t + 200 * US, t + latency_ms[i] * MS, i, 0);
    }
    scsi_run_finish(&r);
    char *json = json_of(r.cv);
    const char *slowest = strstr(json, "\"slowest\":[");
    cr_assert_not_null(slowest);
    const char *p7 = strstr(slowest, "\"latency\":0.007000000"),
               *p5 = strstr(slowest, "\"latency\":0.005000000"),
               *p3 = strstr(slowest, "\"latency\":0.003000000");
    cr_assert(p7 && p5 && p3 && p7 < p5 && p5 < p3, "slowest not 7, 5, 3 ms: %s", slowest);
    cr_assert_null(strstr(slowest, "\"latency\":0.002000000"));
    cr_assert_null(strstr(slowest, "\"latency\":0.001000000"));
    free(json);
    scsi_run_free(&r);
}

/* ---- serial -------------------------------------------------------------------------------------- */

#define FTDI_VID 0x0403
static const uint8_t FTDI_STATUS[2] = {0x01, 0x60}; /* modem status, line status */

/* A synthetic FTDI IN answer: the 2 status bytes, then payload (one packet). */
static void synthetic_ftdi_answer(struct classview *cv, uint64_t submit, uint64_t complete,
                                  const uint8_t *payload, uint32_t n)
{
    uint8_t b[64];
    memcpy(b, FTDI_STATUS, 2);
    memcpy(b + 2, payload, n);
    synthetic_bulk_in(cv, submit, complete, 512, (int32_t)(2 + n), b, 2 + n);
}

static const uint8_t GET_SYNC[2] = {0x30, 0x20}, IN_SYNC_OK[2] = {0x14, 0x10};

Test(classview_serial, ftdi_payload_leaves_out_the_status_bytes_of_every_packet)
{
    struct classview *cv = classview_new(NULL);
    synthetic_import(cv, FTDI_VID, 2);
    uint8_t in[64];
    memcpy(in, FTDI_STATUS, 2);
    memset(in + 2, 'x', 62);
    synthetic_bulk_out(cv, T0, T0 + 100 * US, (const uint8_t *)"abc", 3);
    /* 266 bytes at 64 per packet: 4 full packets and one of 10, each starting with 2 status bytes */
    synthetic_bulk_in(cv, T0 - MS, T0 + MS, 512, 266, in, 64);
    synthetic_bulk_in(cv, T0 + MS, T0 + 2 * MS, 512, 2, FTDI_STATUS, 2); /* status only: a poll */
    synthetic_bulk_in(cv, T0 + 2 * MS, T0 + 3 * MS, 512, 0, NULL, 0);     /* empty: a poll */
    classview_finish(cv);
    char *json = json_of(cv);
    assert_has(json, "\"serial\":{\"kind\":\"ftdi\",\"bytes_out\":3,\"bytes_in\":256,\"writes\":1,"
                     "\"data_urbs\":1,\"polls\":2");
    assert_has(json, "\"answer\":\"7878787878787878\",\"answer_bytes\":256");
    free(json);
    classview_free(cv);
}

Test(classview_serial, ftdi_packet_size_comes_from_the_configuration_descriptor)
{
    /* a high-speed FTDI: configuration, interface (vendor class), bulk IN 0x81 and OUT 0x02 of 512 */
    static const uint8_t config[] = {9, 2, 32, 0, 1, 1, 0, 0x80, 50,
                                     9, 4, 0, 0, 2, 0xff, 0xff, 0xff, 2,
                                     7, 5, 0x81, 2, 0x00, 0x02, 0,
                                     7, 5, 0x02, 2, 0x00, 0x02, 0};
    static const uint8_t get_config[8] = {0x80, 0x06, 0x00, 0x02, 0, 0, sizeof config, 0};
    struct classview *cv = classview_new(NULL);
    synthetic_import(cv, FTDI_VID, 3);
    synthetic_control(cv, T0, get_config, config, sizeof config);
    synthetic_bulk_out(cv, T0 + MS, T0 + 2 * MS, (const uint8_t *)"a", 1);
    synthetic_bulk_in(cv, T0 + MS, T0 + 3 * MS, 1024, 1024, ZEROS, 64); /* 2 packets of 512 */
    classview_finish(cv);
    char *json = json_of(cv);
    assert_has(json, "\"bytes_in\":1020,");
    free(json);
    classview_free(cv);
}

Test(classview_serial, ftdi_line_rate_and_control_lines_with_a_reset_pulse)
{
    static const struct {
        uint16_t w_value;
        unsigned baud;
    } rates[] = {
        {0x4138, 9600},    /* 3 MHz / 312.5 (eighths code 1 = 4/8) */
        {0x001a, 115385},  /* 3 MHz / 26 = 115384.6 */
        {0xc04e, 38400},   /* 3 MHz / 78.125 (code 3 = 1/8) */
        {0x0000, 3000000}, /* 0 and 1 are the 3 and 2 Mbaud specials */
        {0x0001, 2000000},
    };
    struct classview *cv = classview_new(NULL);
    synthetic_import(cv, FTDI_VID, 2);
    for (int i = 0; i < 5; i++) {
        uint8_t setup[8] = {0x40, 0x03, (uint8_t)rates[i].w_value, (uint8_t)(rates[i].w_value >> 8)};
        synthetic_control(cv, T0 + (uint64_t)i * MS, setup, NULL, 0);
    }
    static const uint8_t high[8] = {0x40, 0x01, 0x03, 0x03}, low[8] = {0x40, 0x01, 0x00, 0x03},
                         rts_only[8] = {0x40, 0x01, 0x02, 0x02};
    synthetic_control(cv, T0 + 10 * MS, high, NULL, 0);
    synthetic_control(cv, T0 + 20 * MS, low, NULL, 0);
    synthetic_control(cv, T0 + 270 * MS, high, NULL, 0); /* DTR low for 250 ms */
    synthetic_control(cv, T0 + 300 * MS, rts_only, NULL, 0);
    classview_finish(cv);
    char *json = json_of(cv);
    char want[80];
    for (int i = 0; i < 5; i++) {
        snprintf(want, sizeof want, "\"event\":\"line_rate\",\"baud\":%u}", rates[i].baud);
        assert_has(json, want);
    }
    assert_has(json, "\"reset_pulses\":1,");
    assert_has(json, "\"event\":\"control_lines\",\"dtr\":0,\"rts\":0}");
    assert_has(json, "\"event\":\"control_lines\",\"dtr\":1,\"rts\":1,\"dtr_low_for\":0.250000000}");
    assert_has(json, "\"event\":\"control_lines\",\"rts\":1}");
    free(json);
    char *text = text_of(cv);
    assert_has(text, "  0.270 s  control lines: DTR=1 RTS=1 (after 250.000 ms low");
    free(text);
    classview_free(cv);
}

Test(classview_serial, cdc_acm_is_recognised_by_its_class_requests_and_keeps_all_bytes)
{
    static const uint8_t line_coding[8] = {0x21, 0x20, 0, 0, 0, 0, 7, 0},
                         line_state[8] = {0x21, 0x22, 0x03, 0, 0, 0, 0, 0},
                         rate_115200[7] = {0x00, 0xc2, 0x01, 0x00, 0, 0, 8};
    struct classview *cv = classview_new(NULL);
    synthetic_control(cv, T0, line_coding, rate_115200, 7);
    synthetic_control(cv, T0 + MS, line_state, NULL, 0);
    synthetic_bulk_out(cv, T0 + 2 * MS, T0 + 3 * MS, GET_SYNC, 2);
    synthetic_bulk_in(cv, T0 + MS, T0 + 4 * MS, 64, 2, IN_SYNC_OK, 2);
    classview_finish(cv);
    cr_assert(classview_recognised(cv, CONN, DEVID));
    char *json = json_of(cv);
    assert_has(json, "\"kind\":\"cdc-acm\",\"bytes_out\":2,\"bytes_in\":2,");
    assert_has(json, "\"event\":\"line_rate\",\"baud\":115200}");
    assert_has(json, "\"event\":\"control_lines\",\"dtr\":1,\"rts\":1}");
    assert_has(json, "{\"command\":\"GET_SYNC\",\"code\":48,\"sent\":1,\"answered\":1,\"in_sync\":1,"
                     "\"out_of_step\":0,");
    free(json);
    classview_free(cv);
}

Test(classview_serial, get_sync_answered_before_the_next_write_is_in_step)
{
    struct classview *cv = classview_new(NULL);
    synthetic_import(cv, FTDI_VID, 2);
    synthetic_bulk_out(cv, T0, T0 + MS, GET_SYNC, 2);
    synthetic_ftdi_answer(cv, T0 - 10 * MS, T0 + 5 * MS, IN_SYNC_OK, 2); /* queued before the write */
    synthetic_bulk_out(cv, T0 + 10 * MS, T0 + 11 * MS, (const uint8_t *)"\x41\x81\x20", 3);
    classview_finish(cv);
    char *json = json_of(cv);
    /* turnaround from the write's submit: 5 ms; its answer came 4 ms after its acknowledgement */
    assert_has(json, "\"write\":\"3020\",\"write_bytes\":2,\"stk500\":\"GET_SYNC\",\"answer\":\"1410\","
                     "\"answer_bytes\":2,\"turnaround\":0.005000000,\"acknowledged\":0.001000000,"
                     "\"out_of_step\":false");
    assert_has(json, "{\"command\":\"GET_SYNC\",\"code\":48,\"sent\":1,\"answered\":1,\"in_sync\":1,"
                     "\"out_of_step\":0,\"turnaround\":{\"count\":1,\"p50\":0.005000000,"
                     "\"max\":0.005000000}}");
    assert_has(json, "{\"command\":\"GET_PARAMETER\",\"code\":65,\"sent\":1,\"answered\":0,");
    assert_has(json, "within the 250 ms avrdude drains");
    free(json);
    classview_free(cv);
}

/* The arduino-300ms shape: every answer 300 ms late, avrdude's next get-sync after a 250 ms drain. */
Test(classview_serial, get_sync_answered_after_the_next_write_is_out_of_step)
{
    struct classview *cv = classview_new(NULL);
    synthetic_import(cv, FTDI_VID, 2);
    for (uint64_t i = 0; i < 3; i++) { /* delivered in completion order, as the tracker does */
        uint64_t t = T0 + i * 250 * MS;
        synthetic_bulk_out(cv, t, t + 300 * MS, GET_SYNC, 2);
        synthetic_ftdi_answer(cv, t - MS, t + 300 * MS + 200 * US, IN_SYNC_OK, 2);
    }
    classview_finish(cv);
    char *json = json_of(cv);
    /* the first two were followed by a write 250 ms after them, 50.2 ms before their answer */
    assert_has(json, "{\"command\":\"GET_SYNC\",\"code\":48,\"sent\":3,\"answered\":3,\"in_sync\":3,"
                     "\"out_of_step\":2,\"turnaround\":{\"count\":3,");
    assert_has(json, "\"max\":0.300200000}}");
    assert_has(json, "longer than the 250 ms avrdude drains");
    free(json);
    char *text = text_of(cv);
    assert_has(text, "  0.000 s  write 30 20 (GET_SYNC) -> 14 10 after 300.200 ms (write acknowledged after "
                     "300.000 ms), out of step: the next write went 50.200 ms before it\n");
    free(text);
    classview_free(cv);
}

Test(classview_serial, polls_before_an_answer_are_counted_in_runs_not_listed)
{
    struct classview *cv = classview_new(NULL);
    synthetic_import(cv, FTDI_VID, 2);
    synthetic_bulk_out(cv, T0, T0 + MS, GET_SYNC, 2);
    for (uint64_t i = 0; i < 5; i++) /* the FTDI's 2-byte status answers, every 16 ms */
        synthetic_bulk_in(cv, T0 + i * 16 * MS, T0 + (i + 1) * 16 * MS, 512, 2, FTDI_STATUS, 2);
    for (uint64_t i = 5; i < 7; i++) /* empty answers */
        synthetic_bulk_in(cv, T0 + i * 16 * MS, T0 + (i + 1) * 16 * MS, 512, 0, NULL, 0);
    /* a protocol error, then a run past the three kept: counted, not named */
    struct uip_urb error = synthetic_urb(1, UIP_DIR_IN, UIP_XFER_BULK, T0 + 112 * MS, T0 + 128 * MS, 512, 0,
                                         NULL, 0);
    error.status = -EPROTO;
    classview_urb(cv, &error);
    synthetic_bulk_in(cv, T0 + 128 * MS, T0 + 144 * MS, 512, 2, FTDI_STATUS, 2);
    synthetic_bulk_out(cv, T0 + 250 * MS, T0 + 251 * MS, GET_SYNC, 2);
    synthetic_ftdi_answer(cv, T0 + 240 * MS, T0 + 255 * MS, IN_SYNC_OK, 2);
    /* a URB the host took back (usbmon shows it completed with -ENOENT) is not a poll */
    struct uip_urb killed =
        synthetic_urb(1, UIP_DIR_IN, UIP_XFER_BULK, T0 + 256 * MS, T0 + 260 * MS, 512, 0, NULL, 0);
    killed.status = -ENOENT;
    classview_urb(cv, &killed);
    classview_finish(cv);
    char *text = text_of(cv);
    assert_has(text, "write 30 20 (GET_SYNC) -> no answer before the next write; "
                     "polled 5x ep 1 IN 2 bytes OK, 2x ep 1 IN 0 bytes OK, 1x ep 1 IN 0 bytes EPROTO, "
                     "1 other polls\n");
    const char *p = text;
    int lines_with_polls = 0;
    while ((p = strstr(p, "ep 1 IN")) && ++lines_with_polls)
        p = strchr(p, '\n');
    cr_assert_eq(lines_with_polls, 1, "polls listed on %d lines:\n%s", lines_with_polls, text);
    assert_has(text, "9 polls without data");
    free(text);
    char *json = json_of(cv);
    assert_has(json, "\"sent\":2,\"answered\":1,\"in_sync\":1,");
    free(json);
    classview_free(cv);
}

Test(classview_serial, data_answered_before_the_write_completed_is_not_its_answer)
{
    struct classview *cv = classview_new(NULL);
    synthetic_import(cv, FTDI_VID, 2);
    synthetic_bulk_out(cv, T0, T0 + MS, GET_SYNC, 2);
    /* answered at T0 + 0.5 ms but delivered only now, at the RET_UNLINK that came too late */
    uint8_t b[4] = {0x01, 0x60, 0x14, 0x10};
    struct uip_urb late = synthetic_urb(1, UIP_DIR_IN, UIP_XFER_BULK, T0 - MS, T0 + 500 * US, 512, 4, b, 4);
    late.outcome = UIP_URB_UNLINK_TOO_LATE;
    classview_urb(cv, &late);
    classview_finish(cv);
    char *json = json_of(cv);
    assert_has(json, "\"bytes_in\":2,\"writes\":1,\"data_urbs\":1,\"polls\":0,\"unsolicited_bytes\":2,"
                     "\"exchanges\":1,\"answered\":0,");
    free(json);
    classview_free(cv);
}

Test(classview_serial, stk500_commands_are_known_by_their_byte_and_length)
{
    uint8_t page[64] = {0x64, 0x00, 0x80, 'F'};
    static const struct {
        const uint8_t *bytes;
        uint32_t kept, len;
        const char *name; /* NULL: not a command */
    } cases[] = {
        {(const uint8_t *)"\x30\x20", 2, 2, "GET_SYNC"},
        {(const uint8_t *)"\x30", 1, 1, NULL},
        {(const uint8_t *)"\x30\x21", 2, 2, NULL},
        {(const uint8_t *)"\x41\x81\x20", 3, 3, "GET_PARAMETER"},
        {(const uint8_t *)"\x41\x81\x20", 3, 4, NULL},
        {(const uint8_t *)"\x45\x05\x04\xd7\xc2\x01\x20", 7, 7, "SET_DEVICE_EXT"},
        {(const uint8_t *)"\x74\x00\x80\x46\x20", 5, 5, "READ_PAGE"},
        {(const uint8_t *)"\x99\x20", 2, 2, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int cmd = stk500_command(cases[i].bytes, cases[i].kept, cases[i].len);
        if (cases[i].name)
            cr_assert_str_eq(stk500_name(cmd), cases[i].name, "case %zu", i);
        else
            cr_assert_eq(cmd, -1, "case %zu taken for %s", i, stk500_name(cmd));
    }
    /* a 128-byte page: 4 header bytes, the page and 0x20, only the first 64 kept */
    cr_assert_str_eq(stk500_name(stk500_command(page, 64, 133)), "PROG_PAGE");
    cr_assert_eq(stk500_command(page, 64, 132), -1);
}

/* ---- HID ------------------------------------------------------------------------------------------ */

/* A keyboard's configuration: interface class 3 (HID) with interrupt IN 0x81, bInterval 7. */
static const uint8_t HID_CONFIG[] = {9, 2, 34, 0, 1, 1, 0, 0xa0, 50,
                                     9, 4, 0, 0, 1, 3, 1, 1, 0,
                                     9, 0x21, 0x11, 0x01, 0, 1, 0x22, 63, 0,
                                     7, 5, 0x81, 3, 8, 0, 7};
static const uint8_t GET_CONFIG[8] = {0x80, 0x06, 0x00, 0x02, 0, 0, 34, 0};

Test(classview_hid, report_rate_polling_latency_and_interval)
{
    struct classview *cv = classview_new(NULL);
    synthetic_import(cv, 0x0627, 3); /* high speed: the interval counts 125 us microframes */
    synthetic_control(cv, T0 - MS, GET_CONFIG, HID_CONFIG, sizeof HID_CONFIG);
    static const uint8_t report[8] = {0, 0, 0x04};
    for (uint64_t i = 0; i < 10; i++) {
        struct uip_urb u = synthetic_urb(1, UIP_DIR_IN, UIP_XFER_INTERRUPT, T0 + i * 100 * MS,
                                         T0 + i * 100 * MS + 10 * MS, 8, 8, report, 8);
        u.interval = 64;
        classview_urb(cv, &u);
    }
    classview_finish(cv);
    char *json = json_of(cv);
    /* 10 reports from the first submit to the last answer, 0.91 s: 10.989 per second */
    assert_has(json, "\"hid\":{\"endpoints\":[{\"ep\":1,\"urbs\":10,\"reports\":10,\"reports_per_s\":10.989,"
                     "\"latency\":{\"count\":10,\"p50\":0.010000000,\"p99\":0.010000000},"
                     "\"interval\":64,\"interval_kind\":\"urb\",\"interval_s\":0.008000,"
                     "\"errors\":0,\"unanswered\":0}]}");
    free(json);
    classview_free(cv);
}

/* The keyboard's one interrupt IN URB as a client sent it, at a speed: its period in the JSON. */
static char *hid_interval_json(uint32_t speed, int32_t interval, uint32_t np)
{
    struct classview *cv = classview_new(NULL);
    synthetic_import(cv, 0x0627, speed);
    synthetic_control(cv, T0 - MS, GET_CONFIG, HID_CONFIG, sizeof HID_CONFIG);
    struct uip_urb u = synthetic_urb(1, UIP_DIR_IN, UIP_XFER_INTERRUPT, T0, T0 + MS, 8, 8, ZEROS, 8);
    u.interval = interval;
    u.number_of_packets = np;
    classview_urb(cv, &u);
    classview_finish(cv);
    char *json = json_of(cv);
    classview_free(cv);
    return json;
}

/* Linux's vhci sends urb->interval, usbip-win2 the bInterval (drivers/ude/proto.cpp:76; it marks
 * its URBs with number_of_packets -1, proto.cpp:75); the polling period comes out the same. */
Test(classview_hid, interval_from_linux_and_from_usbip_win2)
{
    static const struct {
        uint32_t speed;
        int32_t interval;
        uint32_t np;
        const char *want;
    } cases[] = {
        /* high speed, bInterval 7: usbhid asks 2^6 = 64 microframes (usb_fill_int_urb) */
        {3, 64, 0, "\"interval\":64,\"interval_kind\":\"urb\",\"interval_s\":0.008000,"},
        {3, 7, UIP_NP_NOT_ISO, "\"interval\":7,\"interval_kind\":\"bInterval\",\"interval_s\":0.008000,"},
        /* super speed, bInterval 4: 1 ms either way */
        {5, 8, 0, "\"interval\":8,\"interval_kind\":\"urb\",\"interval_s\":0.001000,"},
        {5, 4, UIP_NP_NOT_ISO, "\"interval\":4,\"interval_kind\":\"bInterval\",\"interval_s\":0.001000,"},
        /* full speed, bInterval 10: Linux rounds to 8 frames (usb_submit_urb); usbip-win2 rewrites
         * it to the high-speed exponent 8, 2^7 microframes = 16 ms (wsk_receive.cpp:94-109, 176) */
        {2, 8, 0, "\"interval\":8,\"interval_kind\":\"urb\",\"interval_s\":0.008000,"},
        {2, 8, UIP_NP_NOT_ISO, "\"interval\":8,\"interval_kind\":\"bInterval\",\"interval_s\":0.016000,"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *json = hid_interval_json(cases[i].speed, cases[i].interval, cases[i].np);
        assert_has(json, cases[i].want);
        free(json);
    }
}

Test(classview_hid, interrupt_in_outside_a_hid_interface_is_not_hid)
{
    uint8_t config[sizeof HID_CONFIG];
    memcpy(config, HID_CONFIG, sizeof config);
    config[9 + 5] = 0x02; /* a CDC communication interface's notifications */
    struct classview *cv = classview_new(NULL);
    synthetic_control(cv, T0 - MS, GET_CONFIG, config, sizeof config);
    struct uip_urb u = synthetic_urb(1, UIP_DIR_IN, UIP_XFER_INTERRUPT, T0, T0 + MS, 8, 8, ZEROS, 8);
    classview_urb(cv, &u);
    classview_finish(cv);
    cr_assert_not(classview_recognised(cv, CONN, DEVID));
    classview_free(cv);
}

/* Enumeration labels: usbip-win2 resets a device with a hub class SET_FEATURE(PORT_RESET) on ep 0
 * (drivers/ude/device_ioctl.cpp:596-607, 654-667); other class requests keep their number. */
Test(stats, enumeration_request_labels)
{
    static const struct {
        uint8_t setup[8];
        const char *label;
    } cases[] = {
        {{0x23, 0x03, 0x04, 0x00, 0x01, 0x00, 0x00, 0x00}, "SET_FEATURE(PORT_RESET)"},
        {{0x23, 0x03, 0x08, 0x00, 0x01, 0x00, 0x00, 0x00}, "class request 0x03"}, /* PORT_POWER */
        {{0x80, 0x06, 0x00, 0x01, 0x00, 0x00, 0x12, 0x00}, "GET_DESCRIPTOR(DEVICE)"},
        {{0x21, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, "class request 0x0a"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct uip_setup s;
        char label[48];
        uip_setup_decode(cases[i].setup, &s);
        uip_request_label(&s, label, sizeof label);
        cr_assert_str_eq(label, cases[i].label);
    }
}

/* ---- MTP/PTP ------------------------------------------------------------------------------------ */

/* A PTP container of type and code for transaction tid with n parameters, on bulk OUT ep 2 or
 * bulk IN ep 1; actual is its length on the wire (a data phase's may exceed the kept header). */
static void ptp_container(struct classview *cv, uint64_t submit, uint64_t complete, uint16_t type,
                          uint16_t code, uint32_t tid, uint32_t actual)
{
    uint8_t b[32] = {0};
    uint32_t header_len = type == 3 ? 12 : actual; /* a command or data container: its whole length */
    put_le32(b, header_len);
    b[4] = (uint8_t)type;
    b[6] = (uint8_t)code;
    b[7] = (uint8_t)(code >> 8);
    put_le32(b + 8, tid);
    bool in = type != 1;
    struct uip_urb u = synthetic_urb(in ? 1 : 2, in ? UIP_DIR_IN : UIP_DIR_OUT, UIP_XFER_BULK, submit,
                                     complete, in ? 512 : (int32_t)actual, (int32_t)actual, b,
                                     actual < sizeof b ? actual : sizeof b);
    classview_urb(cv, &u);
}

/* OpenSession (command, response OK), GetDeviceInfo with 100 bytes of data in 88 + 24, a
 * GetObject answered with InvalidObjectHandle (0x2009), and a command never answered: per
 * operation the count, the answers, the data bytes (headers left out) and the command-to-response
 * time. A bulk OUT of anything else does not start the view. */
Test(classview, mtp_operations_are_timed_from_command_to_response)
{
    struct classview *cv = classview_new(NULL);
    uint8_t junk[16] = {1, 2, 3};
    struct uip_urb u = synthetic_urb(2, UIP_DIR_OUT, UIP_XFER_BULK, T0, T0 + MS, 16, 16, junk, 16);
    classview_urb(cv, &u);
    cr_assert_not(classview_recognised(cv, CONN, DEVID), "16 bytes that are no PTP command");
    ptp_container(cv, T0 + 1 * MS, T0 + 2 * MS, 1, 0x1002, 1, 16);   /* OpenSession(1) */
    ptp_container(cv, T0 + 1 * MS, T0 + 4 * MS, 3, 0x2001, 1, 12);   /* OK */
    ptp_container(cv, T0 + 5 * MS, T0 + 6 * MS, 1, 0x1001, 2, 12);   /* GetDeviceInfo */
    ptp_container(cv, T0 + 5 * MS, T0 + 7 * MS, 2, 0x1001, 2, 100);  /* data: 88 bytes after the header */
    struct uip_urb more = synthetic_urb(1, UIP_DIR_IN, UIP_XFER_BULK, T0 + 7 * MS, T0 + 8 * MS, 512, 24, junk, 16);
    classview_urb(cv, &more);                                        /* ... and 24 more */
    ptp_container(cv, T0 + 8 * MS, T0 + 9 * MS, 3, 0x2001, 2, 12);   /* OK */
    ptp_container(cv, T0 + 10 * MS, T0 + 11 * MS, 1, 0x1009, 3, 16); /* GetObject */
    ptp_container(cv, T0 + 10 * MS, T0 + 13 * MS, 3, 0x2009, 3, 12); /* InvalidObjectHandle */
    ptp_container(cv, T0 + 14 * MS, T0 + 15 * MS, 1, 0x1007, 4, 24); /* GetObjectHandles, no answer */
    classview_finish(cv);
    cr_assert(classview_recognised(cv, CONN, DEVID));
    char *json = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&json, &len);
    classview_json(f, cv, CONN, DEVID);
    fclose(f);
    cr_assert(strstr(json, "\"mtp\":{\"operations\":4,\"sessions_opened\":1,\"bytes_in\":112,\"bytes_out\":0"), "%s", json);
    cr_assert(strstr(json, "{\"code\":\"0x1002\",\"name\":\"OpenSession\",\"count\":1,\"ok\":1,\"failed\":0,"
                           "\"unanswered\":0,\"bytes_in\":0,\"bytes_out\":0,\"urbs\":2,\"latency_p50\":0.003"), "%s", json);
    cr_assert(strstr(json, "{\"code\":\"0x1001\",\"name\":\"GetDeviceInfo\",\"count\":1,\"ok\":1,\"failed\":0,"
                           "\"unanswered\":0,\"bytes_in\":112,\"bytes_out\":0,\"urbs\":4,\"latency_p50\":0.004"), "%s", json);
    cr_assert(strstr(json, "\"name\":\"GetObject\",\"count\":1,\"ok\":0,\"failed\":1,\"unanswered\":0"), "%s", json);
    cr_assert(strstr(json, "\"last_failure\":\"0x2009\""), "%s", json);
    cr_assert(strstr(json, "\"name\":\"GetObjectHandles\",\"count\":1,\"ok\":0,\"failed\":0,\"unanswered\":1"), "%s", json);
    free(json);
    classview_free(cv);
}

/* GetObject of handle 7 whose data phase (512 + 1000 bytes, 12 of them the header) came before
 * its OK 8 ms after the command: one object moved, with its transaction id, handle, 1500 bytes
 * and 187.5 kB/s. An ObjectAdded event (0x4002) on the interrupt endpoint is counted by code. A
 * second GetObject whose data started but whose response never came (the phone switched USB mode)
 * is listed as cut, with what came. */
Test(classview, mtp_objects_moved_and_events_are_listed)
{
    struct classview *cv = classview_new(NULL);
    ptp_container(cv, T0 + 1 * MS, T0 + 2 * MS, 1, 0x1002, 1, 16); /* OpenSession(1) */
    ptp_container(cv, T0 + 1 * MS, T0 + 3 * MS, 3, 0x2001, 1, 12);
    uint8_t cmd[16] = {16, 0, 0, 0, 1, 0, 0x09, 0x10, 5, 0, 0, 0, 7, 0, 0, 0}; /* GetObject(7), tid 5 */
    struct uip_urb u = synthetic_urb(2, UIP_DIR_OUT, UIP_XFER_BULK, T0 + 10 * MS, T0 + 11 * MS, 16, 16, cmd, 16);
    classview_urb(cv, &u);
    ptp_container(cv, T0 + 10 * MS, T0 + 13 * MS, 2, 0x1009, 5, 512); /* data: header + 500 */
    uint8_t junk[16] = {0};
    struct uip_urb rest = synthetic_urb(1, UIP_DIR_IN, UIP_XFER_BULK, T0 + 13 * MS, T0 + 15 * MS, 1024, 1000, junk, 16);
    classview_urb(cv, &rest);
    ptp_container(cv, T0 + 15 * MS, T0 + 18 * MS, 3, 0x2001, 5, 12);  /* OK, 8 ms after the command */
    uint8_t event[12] = {12, 0, 0, 0, 4, 0, 0x02, 0x40, 0, 0, 0, 0};     /* ObjectAdded */
    struct uip_urb ev = synthetic_urb(3, UIP_DIR_IN, UIP_XFER_INTERRUPT, T0 + 20 * MS, T0 + 30 * MS, 24, 12, event, 12);
    classview_urb(cv, &ev);
    uint8_t cmd2[16] = {16, 0, 0, 0, 1, 0, 0x09, 0x10, 6, 0, 0, 0, 8, 0, 0, 0}; /* GetObject(8), tid 6 */
    u = synthetic_urb(2, UIP_DIR_OUT, UIP_XFER_BULK, T0 + 40 * MS, T0 + 41 * MS, 16, 16, cmd2, 16);
    classview_urb(cv, &u);
    ptp_container(cv, T0 + 40 * MS, T0 + 44 * MS, 2, 0x1009, 6, 512); /* data, then nothing more */
    classview_finish(cv);
    char *json = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&json, &len);
    classview_json(f, cv, CONN, DEVID);
    fclose(f);
    cr_assert(strstr(json, "{\"transaction\":6,\"operation\":\"GetObject\",\"handle\":8,\"direction\":\"in\","
                           "\"bytes\":500,\"duration\":0.004000000,\"throughput_Bps\":125000.0,\"response\":null}"),
              "%s", json);
    cr_assert(strstr(json, "\"objects_moved\":2,\"object_bytes_in\":2000,\"object_bytes_out\":0,\"objects\":[{"
                           "\"transaction\":5,\"operation\":\"GetObject\",\"handle\":7,\"direction\":\"in\","
                           "\"bytes\":1500,\"duration\":0.008000000,\"throughput_Bps\":187500.0,\"response\":\"0x2001\"},"),
              "%s", json);
    cr_assert(strstr(json, "\"events\":1,\"by_event\":[{\"code\":\"0x4002\",\"name\":\"ObjectAdded\",\"count\":1}],"
                           "\"other_events\":0"), "%s", json);
    free(json);
    f = open_memstream(&json, &len);
    classview_text(f, cv, CONN, DEVID, T0);
    fclose(f);
    cr_assert(strstr(json, "transaction 5 GetObject handle 0x00000007: 1500 bytes from the device in 0.008 s (187.5 kB/s)"), "%s", json);
    cr_assert(strstr(json, "events (interrupt endpoint): 1: ObjectAdded (0x4002) x1"), "%s", json);
    cr_assert(strstr(json, "transaction 6 GetObject handle 0x00000008: 500 bytes from the device in 0.004 s (125.0 kB/s), "
                           "cut: no response came"), "%s", json);
    free(json);
    classview_free(cv);
}
