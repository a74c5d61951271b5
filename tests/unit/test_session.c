/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_session.c -- the whole pipeline on code-built pcaps: TCP reassembly into the framers,
 * URBs matched with latency and queue depth, unlinks, pending at end, gaps counted; on the lab's
 * real captures, the waits for a receive window where tshark finds them. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "synth_pcap.h"
#include "synth_pdu.h"
#include "urb_log.h"
#include "uip/error.h"
#include "uip/session.h"

struct seen {
    struct urb_log log; /* first: the tracker's urb callback gets the struct seen */
    struct uip_device_info dev;
};

static void on_device(void *user, const struct uip_device_info *d)
{
    struct seen *s = user;
    if (d->has_record)
        s->dev = *d;
}

static char *tmp_path(void)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/synth-session-%d.pcap", (int)getpid());
    return path;
}

static void run(const char *path, struct seen *s, struct uip_session_stats *st)
{
    struct uip_session_config cfg = {.data_keep = 64, .control_keep = 4096};
    struct uip_session_callbacks cb = {.tracker = {.urb = urb_log_add, .device = on_device}};
    char err[256];
    int code;
    struct uip_session *ses = uip_session_open(path, &cfg, &cb, s, &code, err, sizeof err);
    cr_assert_not_null(ses, "%s", err);
    cr_assert_eq(uip_session_run(ses, err, sizeof err), UIP_OK, "%s", err);
    uip_session_stats(ses, st);
    uip_session_close(ses);
}

/* Import, two queued bulk IN URBs answered out of order, an unlinked interrupt URB, one pending. */
static void write_conversation(const char *path, bool with_gap)
{
    struct synth_tcp t;
    struct synth_buf b = {0};
    struct uip_device_record d = synth_device_record();
    cr_assert_eq(synth_pcap_open(&t, path), 0);
    synth_tcp_handshake(&t);
    synth_op_req_import(&b, "1-1");
    synth_tcp_segment(&t, 0, b.data, (uint32_t)b.len);
    b.len = 0;
    synth_op_rep_import(&b, 0, &d);
    synth_tcp_segment(&t, 1, b.data, (uint32_t)b.len);
    b.len = 0;
    /* two bulk IN URBs in one segment */
    synth_cmd_submit(&b, 1, UIP_DIR_IN, 1, 512, 0, NULL, NULL);
    synth_cmd_submit(&b, 2, UIP_DIR_IN, 1, 512, 0, NULL, NULL);
    synth_tcp_segment(&t, 0, b.data, (uint32_t)b.len);
    b.len = 0;
    /* replies: 2 then 1, the second split across segments */
    synth_ret_submit(&b, 2, 0, 100, 0, NULL, 100);
    synth_ret_submit(&b, 1, -75, 512, 0, NULL, 512);
    synth_tcp_segment(&t, 1, b.data, 300);
    if (with_gap)
        t.seq[1] += 100; /* 100 bytes never captured, inside RET 1's data */
    else
        synth_tcp_segment(&t, 1, b.data + 300, 100);
    synth_tcp_segment(&t, 1, b.data + 400, (uint32_t)b.len - 400);
    b.len = 0;
    /* an interrupt URB unlinked while pending, and one left pending */
    synth_cmd_submit(&b, 3, UIP_DIR_IN, 2, 8, 0, NULL, NULL);
    synth_cmd_unlink(&b, 4, 3);
    synth_cmd_submit(&b, 5, UIP_DIR_IN, 2, 8, 0, NULL, NULL);
    synth_tcp_segment(&t, 0, b.data, (uint32_t)b.len);
    b.len = 0;
    synth_ret_unlink(&b, 4, -104);
    synth_tcp_segment(&t, 1, b.data, (uint32_t)b.len);
    synth_pcap_close(&t);
    synth_buf_free(&b);
}

Test(session, conversation_is_accounted_urb_by_urb)
{
    struct seen s = {0};
    struct uip_session_stats st;
    write_conversation(tmp_path(), false);
    run(tmp_path(), &s, &st);
    unlink(tmp_path());
    cr_assert_eq(s.log.n, 4);
    cr_assert(s.dev.has_record);
    cr_assert_str_eq(s.dev.record.busid, "1-1");
    const struct uip_urb *u1 = urb_log_find(&s.log, 1), *u2 = urb_log_find(&s.log, 2), *u3 = urb_log_find(&s.log, 3), *u5 = urb_log_find(&s.log, 5);
    cr_assert(u1 && u2 && u3 && u5);
    cr_assert_eq(u2->outcome, UIP_URB_COMPLETED);
    cr_assert_eq(u2->actual_length, 100);
    cr_assert_eq(u1->status, -75, "error status kept, with its IN data framed");
    cr_assert_eq(u1->depth_ep_at_submit, 1);
    cr_assert_eq(u2->depth_ep_at_submit, 2, "queued behind seqnum 1");
    /* frames 1 ms apart: CMDs in frame 6, RET 2 in frame 7, RET 1 completes in frame 9 */
    cr_assert_eq(u2->t_complete_ns - u2->t_submit_ns, 1000000);
    cr_assert_eq(u1->t_complete_ns - u1->t_submit_ns, 3000000, "matched by seqnum, not by order");
    cr_assert_eq(u3->outcome, UIP_URB_UNLINKED);
    cr_assert_eq(u3->unlink_status, -104);
    cr_assert_eq(u5->outcome, UIP_URB_PENDING_AT_END);
    uint64_t skipped = 0;
    for (int r = 0; r < UIP_SKIP__COUNT; r++)
        skipped += st.framing.bytes_skipped[r];
    cr_assert_eq(skipped, 0);
    cr_assert_eq(st.framing.bytes_parsed, st.capture.stream_bytes);
    cr_assert_eq(st.capture.gaps, 0);
    uint64_t ignored = 0;
    for (int r = 0; r < UIP_IGN__COUNT; r++)
        ignored += st.capture.ignored[r];
    cr_assert_eq(st.capture.packets, st.capture.packets_used + ignored);
}

Test(session, gap_inside_data_is_counted_and_sync_kept)
{
    struct seen s = {0};
    struct uip_session_stats st;
    write_conversation(tmp_path(), true);
    run(tmp_path(), &s, &st);
    unlink(tmp_path());
    cr_assert_eq(st.capture.gaps, 1);
    cr_assert_eq(st.capture.gap_bytes, 100);
    cr_assert_eq(st.framing.data_bytes_missing, 100);
    const struct uip_urb *u1 = urb_log_find(&s.log, 1);
    cr_assert(u1);
    cr_assert(u1->anomalies & UIP_ANOM_DATA_MISSING);
    cr_assert_eq(urb_log_find(&s.log, 3)->outcome, UIP_URB_UNLINKED, "PDUs after the gap still framed");
}

/* A session of streams (as usbip-replay proxy feeds it): the same framing and tracking as a
 * capture's, chunks cut anywhere, the caller's clock, and the end the caller reports. */
Test(session, streams_fed_by_the_caller_are_framed_and_tracked)
{
    struct seen s = {0};
    struct uip_session_config cfg = {.data_keep = 64, .control_keep = 4096};
    struct uip_session_callbacks cb = {.tracker = {.urb = urb_log_add, .device = on_device}};
    struct uip_session *ses = uip_session_open_streams(&cfg, &cb, &s);
    cr_assert_not_null(ses);
    struct uip_conn_info c = {.family = 4, .client_port = 40000, .server_port = 3240, .saw_syn = true};
    uint32_t id = uip_session_stream_open(ses, &c);
    cr_assert_eq(id, 1);
    struct synth_buf up = {0}, down = {0};
    struct uip_device_record d = synth_device_record();
    synth_op_req_import(&up, "1-1");
    synth_cmd_submit(&up, 1, UIP_DIR_IN, 1, 512, 0, NULL, NULL);
    synth_cmd_submit(&up, 2, UIP_DIR_IN, 1, 512, 0, NULL, NULL);
    synth_op_rep_import(&down, 0, &d);
    synth_ret_submit(&down, 1, 0, 512, 0, NULL, 512);
    size_t import_len = up.len - 2 * UIP_HEADER_SIZE;
    uip_session_stream_data(ses, id, UIP_SIDE_CLIENT, up.data, import_len, 1000);
    uip_session_stream_data(ses, id, UIP_SIDE_SERVER, down.data, 100, 2000); /* cut inside the reply */
    uip_session_stream_data(ses, id, UIP_SIDE_SERVER, down.data + 100, down.len - 100 - 512, 2500);
    uip_session_stream_data(ses, id, UIP_SIDE_CLIENT, up.data + import_len, up.len - import_len, 3000);
    uip_session_stream_data(ses, id, UIP_SIDE_SERVER, down.data + down.len - 512, 512, 7000);
    const struct uip_conn_info *info = uip_session_conn(ses, id);
    cr_assert(info && info->end.kind == UIP_END_NONE);
    uip_session_stream_close(ses, id, UIP_SIDE_SERVER, false, 9000);
    cr_assert_eq(info->end.kind, UIP_END_CLOSED);
    cr_assert_eq(info->end.by, UIP_SIDE_SERVER);
    cr_assert_eq(info->end.ts_ns, 9000);
    cr_assert_str_eq(s.dev.record.busid, "1-1");
    const struct uip_urb *u1 = urb_log_find(&s.log, 1), *u2 = urb_log_find(&s.log, 2);
    cr_assert(u1 && u2);
    cr_assert_eq(u1->outcome, UIP_URB_COMPLETED);
    cr_assert_eq(u1->t_complete_ns - u1->t_submit_ns, 4000, "timed by the caller's clock");
    cr_assert_eq(u2->outcome, UIP_URB_CONNECTION_CLOSED, "outstanding when the server closed");
    struct uip_session_stats st;
    uip_session_stats(ses, &st);
    cr_assert_eq(st.framing.pdus, 5, "two OP messages, two commands, one answer");
    cr_assert_eq(st.framing.bytes_parsed, up.len + down.len);
    uip_session_close(ses);
    synth_buf_free(&up);
    synth_buf_free(&down);
}

Test(session, unreadable_inputs_get_one_line_errors)
{
    struct uip_session_config cfg = {0};
    struct uip_session_callbacks cb = {0};
    char err[256];
    int code;
    cr_assert_null(uip_session_open("/nonexistent.pcap", &cfg, &cb, NULL, &code, err, sizeof err));
    cr_assert_eq(code, UIP_ERR_IO);
    cr_assert(strstr(err, "No such file"));
    FILE *f = fopen(tmp_path(), "w");
    fclose(f);
    cr_assert_null(uip_session_open(tmp_path(), &cfg, &cb, NULL, &code, err, sizeof err));
    cr_assert_eq(code, UIP_ERR_BAD_CAPTURE);
    cr_assert(strstr(err, "empty"));
    f = fopen(tmp_path(), "w");
    fputs("this is not a capture at all", f);
    fclose(f);
    cr_assert_null(uip_session_open(tmp_path(), &cfg, &cb, NULL, &code, err, sizeof err));
    cr_assert_eq(code, UIP_ERR_BAD_CAPTURE);
    cr_assert_null(strchr(err, '\n'));
    unlink(tmp_path());
}

/* The frames of the server's window waits in a capture. */
struct waits {
    uint64_t frames[8];
    int n, client;
};

static void on_window_wait(void *user, uint32_t conn_id, enum uip_side side, uint64_t ts_ns,
                           uint64_t frame)
{
    struct waits *w = user;
    if (side == UIP_SIDE_CLIENT)
        w->client++;
    else if (w->n < 8)
        w->frames[w->n++] = frame;
}

/* tshark 4.0's TCP analysis marks the server's segment that filled the client's window
 * (tcp.analysis.window_full) in these real captures; each wait is reported at the first server
 * segment after it, a few frames on (the client's zero window and its update come between).
 * drops.pcap is left out: tcpdump dropped the segments that resumed. */
Test(session, window_waits_follow_tsharks_window_full_on_real_captures)
{
    static const struct { const char *name; int n; uint64_t full[2]; } caps[] = {
        {"sweep-0ms.pcap", 1, {140}},       {"sweep-100ms.pcap", 2, {130, 140}},
        {"storage.pcap", 2, {130, 144}},   {"enum-recover.pcap", 2, {164, 178}},
        {"unbind.pcap", 1, {134}},         {"lan.pcap", 0, {0}},
        {"serial.pcap", 0, {0}},           {"hid.pcap", 0, {0}},
    };
    char dir[512], path[600];
    snprintf(dir, sizeof dir, "%s", __FILE__);
    *strrchr(dir, '/') = 0; /* tests/unit */
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
        snprintf(path, sizeof path, "%s/../../captures/%s", dir, caps[i].name);
        struct uip_session_config cfg = {.data_keep = 64, .control_keep = 4096};
        struct uip_session_callbacks cb = {.window_wait = on_window_wait};
        struct waits w = {0};
        char err[256];
        int code;
        struct uip_session *ses = uip_session_open(path, &cfg, &cb, &w, &code, err, sizeof err);
        cr_assert_not_null(ses, "%s", err);
        cr_assert_eq(uip_session_run(ses, err, sizeof err), UIP_OK, "%s", err);
        uip_session_close(ses);
        cr_assert_eq(w.n, caps[i].n, "%s: %d waits, tshark finds %d", caps[i].name, w.n, caps[i].n);
        cr_assert_eq(w.client, 0, "%s: the client's small commands never wait", caps[i].name);
        for (int k = 0; k < w.n; k++)
            cr_assert(w.frames[k] > caps[i].full[k] && w.frames[k] <= caps[i].full[k] + 5,
                      "%s: wait at frame %llu, window full at %llu", caps[i].name,
                      (unsigned long long)w.frames[k], (unsigned long long)caps[i].full[k]);
    }
}
