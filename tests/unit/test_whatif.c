/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_whatif.c -- the what-if latency model on URB sequences built by code: a serial chain pays
 * one round trip per URB, URBs in flight together one per batch, think and service times are
 * kept, whole extra round trips (TCP window growth) scale with the round trip, an answer beyond
 * the receiver's first window waits for the next, a pending read answered after a later write
 * waits for that write, idle pauses split transfer phases, a stream is timed over its whole
 * transfer phase, a LAN capture's prediction is a range where slow start decides, each device
 * gets its connection's TCP; and the --what-if and --tcp parsers. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include "whatif.h"
#include "whatif_tcp.h"
#include "whatif_report.h"
#include "json_out.h"

#define US 1000ull
#define MS 1000000ull
#define T0 (1000 * MS) /* captures start at some epoch time, not 0 */

static struct whatif_urb bulk_in(uint64_t submit, uint64_t latency, uint32_t bytes)
{
    return (struct whatif_urb){.submit_ns = submit, .complete_ns = submit + latency, .bytes = bytes,
                               .ep = 1, .direction = UIP_DIR_IN, .xfer_type = UIP_XFER_BULK};
}

/* A TCP whose windows never hold a burst back (loopback's segments, first windows of 16 MiB):
 * the tests of the session's structure see no window rounds. */
static struct whatif_tcp_config roomy_tcp(void)
{
    struct whatif_tcp_config c;
    whatif_tcp_defaults(&c);
    c.mss[0] = c.mss[1] = 65483;
    c.syn_window[0] = c.syn_window[1] = 16u << 20;
    c.initial_segments = 256; /* 16 MiB */
    c.syn_from_capture = true;
    return c;
}

static struct whatif_model *fitted_with(const struct whatif_urb *urbs, size_t n,
                                        const struct whatif_tcp_config *tcp)
{
    struct whatif_model *m = whatif_model_new();
    cr_assert_not_null(m);
    whatif_model_set_tcp(m, tcp);
    /* added in reverse: the model must not depend on the order URBs finish in */
    for (size_t i = n; i-- > 0;)
        cr_assert(whatif_model_add(m, &urbs[i]));
    whatif_model_fit(m);
    return m;
}

static struct whatif_model *fitted(const struct whatif_urb *urbs, size_t n)
{
    struct whatif_tcp_config tcp = roomy_tcp();
    return fitted_with(urbs, n, &tcp);
}

static double magnitude(double x) { return x < 0 ? -x : x; }
static bool near(double a, double b) { return magnitude(a - b) <= 1e-6 * (magnitude(b) + 1e-9); }

static struct whatif_urb small_in(uint64_t submit, uint64_t latency)
{
    struct whatif_urb u = bulk_in(submit, latency, 13);
    return u;
}

static struct whatif_urb bulk_out(uint64_t submit, uint64_t latency, uint32_t bytes)
{
    struct whatif_urb u = bulk_in(submit, latency, bytes);
    u.ep = 2;
    u.direction = UIP_DIR_OUT;
    return u;
}

/* A strictly serial chain: a fast small URB (the base round trip), then large URBs each
 * submitted `think` after the previous answer. */
Test(whatif, serial_chain_pays_one_round_trip_per_urb)
{
    enum { N = 10 };
    const uint64_t base = 100 * US, service = 400 * US, think = 50 * US;
    struct whatif_urb urbs[N];
    urbs[0] = small_in(T0, base);
    uint64_t t = urbs[0].complete_ns + think;
    for (int i = 1; i < N; i++) {
        urbs[i] = bulk_in(t, base + service, 65536);
        t += base + service + think;
    }
    struct whatif_model *m = fitted(urbs, N);
    cr_assert_eq(whatif_model_base_rtt_ns(m), base);
    struct whatif_prediction p10, p20;
    whatif_model_predict(m, 10 * MS, &p10);
    whatif_model_predict(m, 20 * MS, &p20);
    double expect10 = (N * 10 * MS + (N - 1) * service + (N - 1) * think) / 1e9;
    cr_assert(near(p10.duration_s, expect10), "duration %f, expected %f", p10.duration_s, expect10);
    /* every added millisecond of round trip costs N milliseconds */
    cr_assert(near(p20.duration_s - p10.duration_s, N * 10 * MS / 1e9));
    cr_assert(near(p10.round_trips, N));
    cr_assert(near(p10.network_s, N * 10 * MS / 1e9));
    cr_assert(near(p10.device_s, (N - 1) * service / 1e9));
    cr_assert(near(p10.host_s, (N - 1) * think / 1e9));
    /* the stream's transfer is its phase: the whole session, its small first URB included */
    cr_assert_eq(p10.n_streams, 1);
    cr_assert_eq(p10.streams[0].bytes, (N - 1) * 65536 + 13);
    cr_assert(near(p10.streams[0].duration_s, expect10), "transfer %f, expected %f",
              p10.streams[0].duration_s, expect10);
    cr_assert(near(p10.streams[0].round_trips, N));
    whatif_model_free(m);
}

/* Batches of URBs in flight together: a batch costs one round trip, not one per URB. */
Test(whatif, urbs_in_flight_together_cost_one_round_trip_per_batch)
{
    enum { BATCHES = 5, DEPTH = 4 };
    const uint64_t base = 100 * US, service = 300 * US, issue = 10 * US, think = 80 * US;
    struct whatif_urb urbs[1 + BATCHES * DEPTH];
    urbs[0] = small_in(T0, base);
    uint64_t t = urbs[0].complete_ns + think;
    for (int b = 0; b < BATCHES; b++) {
        for (int k = 0; k < DEPTH; k++)
            urbs[1 + b * DEPTH + k] = bulk_in(t + k * issue, base + service, 16384);
        t += (DEPTH - 1) * issue + base + service + think; /* after the batch's last answer */
    }
    struct whatif_model *m = fitted(urbs, 1 + BATCHES * DEPTH);
    struct whatif_prediction p;
    whatif_model_predict(m, 50 * MS, &p);
    double per_batch = ((DEPTH - 1) * issue + 50 * MS + service) / 1e9;
    double expect = 50 * MS / 1e9 + BATCHES * per_batch + BATCHES * think / 1e9;
    cr_assert(near(p.duration_s, expect), "duration %f, expected %f", p.duration_s, expect);
    cr_assert(near(p.round_trips, 1 + BATCHES), "round trips %f", p.round_trips);
    whatif_model_free(m);
}

/* Replayed at the capture's own round trip, the session keeps its timing; at no round trip at
 * all, only the host's think time and the device's service time are left. */
Test(whatif, think_and_service_time_are_kept)
{
    const uint64_t base = 200 * US;
    const uint64_t service[] = {0, 900 * US, 50 * US, 2 * MS, 300 * US};
    const uint64_t think[] = {0, 70 * US, 3 * MS, 10 * US, 500 * US};
    struct whatif_urb urbs[5];
    uint64_t t = T0, think_total = 0, service_total = 0;
    for (int i = 0; i < 5; i++) {
        t += think[i];
        urbs[i] = i == 0 ? small_in(t, base) : bulk_in(t, base + service[i], 65536);
        t += base + service[i];
        think_total += think[i];
        service_total += service[i];
    }
    struct whatif_model *m = fitted(urbs, 5);
    struct whatif_prediction same, none;
    whatif_model_predict(m, base, &same);
    whatif_model_predict(m, 0, &none);
    cr_assert(near(same.duration_s, (double)(t - T0) / 1e9));
    cr_assert(near(same.streams[0].captured_s, same.streams[0].duration_s));
    cr_assert(near(none.duration_s, (double)(think_total + service_total) / 1e9));
    cr_assert(near(none.host_s, (double)think_total / 1e9));
    cr_assert(near(none.device_s, (double)service_total / 1e9));
    cr_assert(near(none.network_s, 0));
    whatif_model_free(m);
}

/* At a long round trip, a large URB answered two round trips late waited for a TCP window to
 * grow: that wait scales with the round trip, it is not the device's. It is the range's slow end
 * (the capture's slow start); a window that never held the answer back is its fast end. */
Test(whatif, whole_extra_round_trips_scale_with_the_round_trip)
{
    const uint64_t base = 100 * MS;
    struct whatif_urb urbs[4];
    urbs[0] = small_in(T0, base);
    urbs[1] = bulk_in(urbs[0].complete_ns + MS, 3 * base + 700 * US, 131072);
    urbs[2] = small_in(urbs[1].complete_ns + MS, base + 600 * US);
    urbs[3] = small_in(urbs[2].complete_ns + MS, base + 300 * US);
    struct whatif_model *m = fitted(urbs, 4);
    struct whatif_prediction p;
    whatif_model_predict(m, 10 * MS, &p);
    double expect = (6 * 10 * MS + 700 * US + 600 * US + 300 * US + 3 * MS) / 1e9;
    cr_assert(near(p.duration_max_s, expect), "duration %f, expected %f", p.duration_max_s, expect);
    double fast = (4 * 10 * MS + 700 * US + 600 * US + 300 * US + 3 * MS) / 1e9;
    cr_assert(near(p.duration_s, fast), "duration %f, expected %f", p.duration_s, fast);
    cr_assert(near(p.round_trips, 4));
    whatif_model_free(m);
}

/* On loopback the client opens with a window of 65495 bytes: the first 64 KiB answer (65584
 * bytes with its header) fills it and its last bytes wait for the client's next window, a round
 * trip less the time the window took to send, at any round trip (tshark's window_full at 0 ms).
 * Later answers fit: autotuning opened the window. */
Test(whatif, an_answer_beyond_the_first_receive_window_waits_a_round_trip)
{
    const uint64_t base = 100 * US, service = 2 * MS, think = 50 * US;
    struct whatif_urb urbs[4];
    urbs[0] = small_in(T0, base);
    urbs[1] = bulk_in(urbs[0].complete_ns + think, base + service, 65536);
    urbs[2] = bulk_in(urbs[1].complete_ns + think, base + service, 65536);
    urbs[3] = small_in(urbs[2].complete_ns + think, base);
    struct whatif_tcp_config lo;
    whatif_tcp_defaults(&lo);
    lo.mss[0] = lo.mss[1] = 65483;
    lo.syn_window[0] = lo.syn_window[1] = 65495;
    lo.syn_from_capture = true;
    struct whatif_model *m = fitted_with(urbs, 4, &lo);
    struct whatif_prediction p;
    whatif_model_predict(m, 10 * MS, &p);
    double window_s = 65495.0 / (65536.0 / (service / 1e9)); /* the first window's bytes on the wire */
    double expect = (5 * 10 * MS + 2 * service + 3 * think) / 1e9 - window_s;
    cr_assert(near(p.duration_s, expect), "duration %f, expected %f", p.duration_s, expect);
    whatif_model_free(m);
    struct whatif_tcp_config wide = lo;
    wide.syn_window[1] = 131072;
    m = fitted_with(urbs, 4, &wide);
    whatif_model_predict(m, 10 * MS, &p);
    expect = (4 * 10 * MS + 2 * service + 3 * think) / 1e9;
    cr_assert(near(p.duration_s, expect), "a wider first window: duration %f, expected %f", p.duration_s, expect);
    whatif_model_free(m);
}

/* A USB-serial adapter keeps two bulk IN reads pending; each is answered only once the write it
 * answers reached the device. Each exchange then costs a round trip (write, answer), however long
 * before it the read was submitted, and replaying at the captured round trip gives the capture. */
Test(whatif, an_answer_waits_for_the_write_that_triggered_it)
{
    enum { N = 6 };
    const uint64_t base = 100 * US, think = 50 * US, resubmit = 20 * US, wsvc = 300 * US, asvc = MS;
    struct whatif_urb urbs[3 + 2 * N];
    size_t n = 0;
    urbs[n++] = (struct whatif_urb){.submit_ns = T0, .complete_ns = T0 + base, .ep = 0,
                                    .direction = UIP_DIR_OUT, .xfer_type = UIP_XFER_CONTROL};
    uint64_t read_at[N + 2];
    read_at[0] = T0 + base + think;
    read_at[1] = read_at[0] + 10 * US;
    uint64_t write = read_at[1] + think;
    for (int i = 0; i < N; i++) {
        uint64_t answer = write + base + asvc;
        urbs[n++] = (struct whatif_urb){.submit_ns = write, .complete_ns = write + base + wsvc, .bytes = 2,
                                        .ep = 2, .direction = UIP_DIR_OUT, .xfer_type = UIP_XFER_BULK};
        urbs[n++] = bulk_in(read_at[i], answer - read_at[i], 4);
        read_at[i + 2] = answer + resubmit;
        write = answer + think;
    }
    uint64_t last_answer = urbs[n - 1].complete_ns;
    struct whatif_model *m = fitted(urbs, n);
    cr_assert_eq(whatif_model_base_rtt_ns(m), base);
    struct whatif_prediction same, p;
    whatif_model_predict(m, base, &same);
    cr_assert(near(same.duration_s, (double)(last_answer - T0) / 1e9), "as captured: %f", same.duration_s);
    whatif_model_predict(m, 100 * MS, &p);
    double expect = (100 * MS + 2 * think + 10 * US + N * (100 * MS + asvc) + (N - 1) * think) / 1e9;
    cr_assert(near(p.duration_s, expect), "duration %f, expected %f", p.duration_s, expect);
    cr_assert(near(p.round_trips, N + 1), "%f round trips", p.round_trips);
    cr_assert(near(p.device_s, N * asvc / 1e9), "device %f", p.device_s);
    whatif_model_free(m);
}

/* The set gives each device's model the TCP its connection's SYNs announced (a sender's
 * segments: the peer's MSS less 12 bytes of timestamps), Linux's defaults without SYNs, and the
 * user's settings over both. */
Test(whatif, handshakes_reach_the_devices_of_their_connection)
{
    struct whatif_set *set = whatif_set_new(NULL);
    for (uint32_t conn = 1; conn <= 2; conn++) {
        struct uip_urb u = {.conn_id = conn, .devid = 0x10002, .ep = 1, .direction = UIP_DIR_IN,
                            .xfer_type = UIP_XFER_BULK, .outcome = UIP_URB_COMPLETED};
        u.t_submit_ns = u.t_submit_first_ns = T0, u.t_complete_ns = T0 + 100 * US, u.actual_length = 13;
        cr_assert(whatif_set_urb(set, &u));
    }
    struct uip_tcp_handshake h = {.mss = {[UIP_SIDE_CLIENT] = 1460, [UIP_SIDE_SERVER] = 1400},
                                  .wscale = {7, 7},
                                  .syn_window = {[UIP_SIDE_CLIENT] = 64240, [UIP_SIDE_SERVER] = 65160}};
    cr_assert(whatif_set_handshake(set, 1, &h));
    whatif_set_fit(set);
    const struct whatif_tcp_config *c1 = whatif_model_tcp(whatif_set_model(set, 1, 0x10002));
    const struct whatif_tcp_config *c2 = whatif_model_tcp(whatif_set_model(set, 2, 0x10002));
    cr_assert(c1->mss_from_capture && c1->syn_from_capture);
    cr_assert_eq(c1->mss[0], 1388, "the client sends segments of the server's MSS");
    cr_assert_eq(c1->mss[1], 1448, "the server sends segments of the client's MSS");
    cr_assert_eq(c1->syn_window[0], 65160, "the client starts with the server's window");
    cr_assert_eq(c1->syn_window[1], 64240);
    cr_assert_not(c2->mss_from_capture);
    cr_assert_eq(c2->mss[1], WHATIF_TCP_MSS);
    whatif_set_free(set);

    set = whatif_set_new(NULL);
    struct uip_urb u = {.conn_id = 1, .devid = 0x10002, .ep = 1, .direction = UIP_DIR_IN,
                        .xfer_type = UIP_XFER_BULK, .outcome = UIP_URB_COMPLETED,
                        .t_submit_ns = T0, .t_submit_first_ns = T0, .t_complete_ns = T0 + 100 * US};
    cr_assert(whatif_set_urb(set, &u));
    cr_assert(whatif_set_handshake(set, 1, &h));
    struct whatif_tcp_overrides user = {.mss = 8948, .rmem_max = 1 << 20, .slow_start_end = 100000};
    whatif_set_tcp_overrides(set, &user);
    whatif_set_fit(set);
    const struct whatif_tcp_config *c = whatif_model_tcp(whatif_set_model(set, 1, 0x10002));
    cr_assert(c->mss_from_user && c->rmem_from_user && c->slow_start_from_user);
    cr_assert_eq(c->mss[0], 8948);
    cr_assert_eq(c->mss[1], 8948);
    cr_assert_eq(c->rmem_max, 1 << 20);
    cr_assert_eq(c->slow_start_end, 100000);
    whatif_set_free(set);
}

/* A URB on a short round trip whose latency is long is the device's: no extra round trips. */
Test(whatif, slow_device_on_a_short_round_trip_stays_device_time)
{
    const uint64_t base = 100 * US;
    struct whatif_urb urbs[2];
    urbs[0] = small_in(T0, base);
    urbs[1] = bulk_in(urbs[0].complete_ns, 5 * MS, 131072);
    struct whatif_model *m = fitted(urbs, 2);
    struct whatif_prediction p;
    whatif_model_predict(m, 10 * MS, &p);
    cr_assert(near(p.round_trips, 2));
    cr_assert(near(p.device_s, (5 * MS - base) / 1e9));
    whatif_model_free(m);
}

/* An idle pause of the host splits transfer phases; a stream is timed over its busiest phase. */
Test(whatif, an_idle_pause_starts_a_new_transfer_phase)
{
    const uint64_t base = 100 * US;
    struct whatif_urb urbs[4];
    urbs[0] = small_in(T0, base);
    urbs[1] = bulk_in(urbs[0].complete_ns + 5 * WHATIF_IDLE_PAUSE_NS, base + MS, 65536);
    urbs[2] = bulk_in(urbs[1].complete_ns + 10 * US, base + MS, 65536);
    urbs[3] = bulk_in(urbs[2].complete_ns + 10 * US, base + MS, 65536);
    struct whatif_model *m = fitted(urbs, 4);
    struct whatif_prediction p;
    whatif_model_predict(m, 0, &p);
    cr_assert_eq(p.streams[0].bytes, 3 * 65536);
    cr_assert_eq(p.streams[0].urbs, 3);
    cr_assert(near(p.streams[0].duration_s, (3 * MS + 20 * US) / 1e9));
    whatif_model_free(m);
}

/* Mass-storage reads of the given sizes, each a command (OUT), its data and a status (IN) in
 * turn, all at round trip MS_RTT; *start is the command of the first read of at least `from`
 * bytes, *end the answer of the last data URB. */
#define MS_RTT (10 * MS)
#define MS_THINK (300 * US)
#define MS_CMD (200 * US)
#define MS_DATA (900 * US)
#define MS_STATUS (100 * US)
static size_t storage_reads(struct whatif_urb *urbs, const uint32_t *sizes, size_t n, uint32_t from,
                            uint64_t *start, uint64_t *end)
{
    uint64_t t = T0;
    *start = 0;
    for (size_t r = 0; r < n; r++) {
        if (!*start && sizes[r] >= from)
            *start = t;
        urbs[3 * r] = bulk_out(t, MS_RTT + MS_CMD, 31);
        t += MS_RTT + MS_CMD + MS_THINK;
        urbs[3 * r + 1] = bulk_in(t, MS_RTT + MS_DATA, sizes[r]);
        t += MS_RTT + MS_DATA;
        *end = t;
        t += MS_THINK;
        urbs[3 * r + 2] = bulk_in(t, MS_RTT + MS_STATUS, 13);
        t += MS_RTT + MS_STATUS + MS_THINK;
    }
    return 3 * n;
}

static const struct whatif_stream *in_stream(const struct whatif_prediction *p)
{
    cr_assert_eq(p->n_streams, 2);
    return &p->streams[p->streams[0].direction == UIP_DIR_IN ? 0 : 1];
}

/* Small reads (a partition scan), an idle pause, then the large reads of a dd: the IN stream is
 * timed over the dd's phase, whole: from its first command to its last status, the commands,
 * statuses and think times on the way included, the scan left out. */
Test(whatif, a_stream_is_timed_over_its_whole_transfer_phase)
{
    enum { SMALL = 3, LARGE = 6 };
    const uint32_t scan[] = {4096, 4096, 4096};
    const uint32_t dd[] = {131072, 131072, 131072, 131072, 131072, 131072};
    struct whatif_urb urbs[3 * (SMALL + LARGE)];
    uint64_t start, end;
    size_t n = storage_reads(urbs, scan, SMALL, 0, &start, &end);
    const uint64_t pause = 2 * WHATIF_IDLE_PAUSE_NS;
    storage_reads(urbs + n, dd, LARGE, 0, &start, &end);
    for (size_t j = n; j < 3 * (SMALL + LARGE); j++) {
        urbs[j].submit_ns += urbs[n - 1].complete_ns - T0 + pause;
        urbs[j].complete_ns += urbs[n - 1].complete_ns - T0 + pause;
    }
    start = urbs[n].submit_ns;
    end = urbs[3 * (SMALL + LARGE) - 1].complete_ns;
    struct whatif_model *m = fitted(urbs, 3 * (SMALL + LARGE));
    cr_assert_eq(whatif_model_base_rtt_ns(m), MS_RTT + MS_STATUS);
    struct whatif_prediction p;
    whatif_model_predict(m, whatif_model_base_rtt_ns(m), &p);
    const struct whatif_stream *in = in_stream(&p);
    cr_assert_eq(in->bytes, LARGE * 131072 + LARGE * 13);
    cr_assert_eq(in->urbs, 2 * LARGE);
    cr_assert(near(in->captured_s, (double)(end - start) / 1e9));
    cr_assert(near(in->duration_s, in->captured_s));
    /* at no round trip: the device's time beyond the fastest status and the host's think time;
     * three URBs a read on the path */
    whatif_model_predict(m, 0, &p);
    in = in_stream(&p);
    double at0 = (LARGE * (MS_CMD - MS_STATUS) + LARGE * (MS_DATA - MS_STATUS) +
                  (3 * LARGE - 1) * MS_THINK) / 1e9;
    cr_assert(near(in->duration_s, at0), "at 0: %f, expected %f", in->duration_s, at0);
    cr_assert(near(in->round_trips, 3 * LARGE), "round trips %f", in->round_trips);
    whatif_model_free(m);
}

/* A filesystem's metadata reads an edge pause before a copy's first data and after its last (less
 * than an idle pause: the same phase) are the kernel's, not the program's: the IN stream's
 * transfer runs from the command of its first full-size read to the status of its last. */
Test(whatif, metadata_reads_a_pause_away_are_left_out_of_the_transfer)
{
    const uint32_t before[] = {4096}, reads[] = {131072, 131072, 131072, 131072}, after[] = {4096};
    struct whatif_urb urbs[3 * 6];
    uint64_t start, end, unused;
    const uint64_t pause = (WHATIF_EDGE_PAUSE_NS + WHATIF_IDLE_PAUSE_NS) / 2; /* edge < pause < idle */
    size_t n = storage_reads(urbs, before, 1, 0, &unused, &unused);
    size_t k = n + storage_reads(urbs + n, reads, 4, 0, &start, &end);
    storage_reads(urbs + k, after, 1, 0, &unused, &unused);
    for (size_t j = n; j < 3 * 6; j++) { /* the reads a pause after the first, the last after them */
        uint64_t shift = (urbs[n - 1].complete_ns - T0) + pause + (j >= k ? (end - T0) + pause : 0);
        urbs[j].submit_ns += shift;
        urbs[j].complete_ns += shift;
    }
    struct whatif_model *m = fitted(urbs, 3 * 6);
    struct whatif_prediction p;
    whatif_model_predict(m, whatif_model_base_rtt_ns(m), &p);
    const struct whatif_stream *in = in_stream(&p);
    cr_assert_eq(in->bytes, 4 * 131072 + 4 * 13);
    cr_assert_eq(in->urbs, 8);
    cr_assert(near(in->captured_s, (double)(urbs[k - 1].complete_ns - urbs[n].submit_ns) / 1e9),
              "captured %f", in->captured_s);
    whatif_model_free(m);
}

Test(whatif, urbs_without_an_answer_are_left_out)
{
    struct whatif_model *m = whatif_model_new();
    struct whatif_urb pending = {.submit_ns = T0, .complete_ns = 0};
    struct whatif_urb unsubmitted = {.submit_ns = 0, .complete_ns = T0};
    cr_assert(whatif_model_add(m, &pending));
    cr_assert(whatif_model_add(m, &unsubmitted));
    cr_assert_eq(whatif_model_urbs(m), 0);
    whatif_model_fit(m);
    struct whatif_prediction p;
    whatif_model_predict(m, 10 * MS, &p);
    cr_assert(near(p.duration_s, 0));
    cr_assert_eq(p.n_streams, 0);
    whatif_model_free(m);
}

Test(whatif, delay_list_in_the_seeds_form)
{
    uint64_t d[WHATIF_MAX_DELAYS];
    size_t n;
    char err[160];
    cr_assert(whatif_parse_delays("0,10,20,50,100,200,500,1000ms", d, WHATIF_MAX_DELAYS, &n, err, sizeof err));
    cr_assert_eq(n, 8);
    cr_assert_eq(d[0], 0);
    cr_assert_eq(d[1], 10 * MS);
    cr_assert_eq(d[7], 1000 * MS);
    cr_assert(whatif_parse_delays("1s,250us,0.5", d, WHATIF_MAX_DELAYS, &n, err, sizeof err));
    cr_assert_eq(n, 3);
    cr_assert_eq(d[0], 1000 * MS);
    cr_assert_eq(d[1], 250 * US);
    cr_assert_eq(d[2], 500 * US);
}

Test(whatif, malformed_delay_lists_are_refused_with_a_reason)
{
    static const char *const bad[] = {"", "10,,20", "abc", "-5ms", "10 ms", "61s", "10min", "5,",
                                      "nan", "1e400"};
    uint64_t d[4];
    size_t n;
    char err[160];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = 0;
        cr_assert_not(whatif_parse_delays(bad[i], d, 4, &n, err, sizeof err), "'%s' accepted", bad[i]);
        cr_assert(strstr(err, "--what-if") != NULL, "no reason for '%s'", bad[i]);
    }
    cr_assert_not(whatif_parse_delays("1,2,3,4,5", d, 4, &n, err, sizeof err));
}

/* A small deterministic generator, so that the random sessions are the same on every run. */
static uint64_t next_random(uint64_t *state)
{
    *state = *state * 6364136223846793005ull + 1442695040888963407ull;
    return *state >> 33;
}

/* Random sessions of chains and batches on three endpoints: replayed at the captured round trip
 * they keep their span, the critical path's three shares add up to the duration at every round
 * trip, and a longer round trip never makes the session shorter. */
Test(whatif, random_sessions_keep_their_invariants)
{
    uint64_t state = 42;
    for (int session = 0; session < 50; session++) {
        enum { MAX_URBS = 200 };
        struct whatif_urb urbs[MAX_URBS];
        const uint64_t base = (1 + next_random(&state) % 2000) * US;
        size_t n = 0;
        uint64_t t = T0, last = T0;
        urbs[n++] = small_in(t, base);
        t = urbs[0].complete_ns;
        while (n < MAX_URBS - 8) {
            unsigned depth = 1 + (unsigned)(next_random(&state) % 4);
            uint64_t batch_end = t;
            t += next_random(&state) % (2 * MS);
            for (unsigned k = 0; k < depth; k++) {
                struct whatif_urb u = bulk_in(t + k * (next_random(&state) % (100 * US)),
                                              base + next_random(&state) % (3 * MS),
                                              (uint32_t)(next_random(&state) % 131072));
                u.ep = (uint8_t)(1 + next_random(&state) % 3);
                u.direction = (int8_t)(next_random(&state) % 2);
                urbs[n++] = u;
                if (u.complete_ns > batch_end)
                    batch_end = u.complete_ns;
            }
            t = batch_end;
            last = batch_end > last ? batch_end : last;
        }
        struct whatif_model *m = fitted(urbs, n);
        struct whatif_prediction p;
        double previous = 0;
        whatif_model_predict(m, whatif_model_base_rtt_ns(m), &p);
        cr_assert(near(p.duration_s, (double)(last - T0) / 1e9), "session %d: %f != %f", session,
                  p.duration_s, (double)(last - T0) / 1e9);
        for (uint64_t rtt = 0; rtt <= 200 * MS; rtt += 25 * MS) {
            whatif_model_predict(m, rtt, &p);
            cr_assert(near(p.network_s + p.device_s + p.host_s, p.duration_s), "session %d at %" PRIu64
                      " ns: %f + %f + %f != %f", session, rtt, p.network_s, p.device_s, p.host_s, p.duration_s);
            cr_assert_geq(p.duration_s, previous);
            previous = p.duration_s;
        }
        whatif_model_free(m);
    }
}

/* A LAN capture of 512 KiB reads over Ethernet segments: at 100 ms the windows decide the time,
 * and where slow start ends is not in the capture, so the prediction is a range; with the end
 * given it is one number inside that range. A capture over a WAN round trip shows where its slow
 * start ended: its own window rounds (two per read here) are the range's slow end, at its own
 * round trip exactly the capture, and the model's windows the fast end. */
Test(whatif, a_lan_capture_predicts_a_range_where_slow_start_decides)
{
    enum { N = 9 };
    const uint64_t base = 500 * US, service = 20 * MS, think = 100 * US;
    struct whatif_urb urbs[N];
    urbs[0] = small_in(T0, base);
    for (int i = 1; i < N; i++)
        urbs[i] = bulk_in(urbs[i - 1].complete_ns + think, base + service, 524288);
    struct whatif_tcp_config tcp;
    whatif_tcp_defaults(&tcp);
    tcp.syn_from_capture = true; /* the connection from its SYNs */
    struct whatif_model *m = fitted_with(urbs, N, &tcp);
    cr_assert_not(whatif_model_windows_captured(m));
    struct whatif_prediction p;
    whatif_model_predict(m, 100 * MS, &p);
    cr_assert(p.slow_start_unknown);
    cr_assert_eq(p.n_streams, 1);
    const struct whatif_stream *st = &p.streams[0];
    cr_assert_gt(st->duration_s, (N - 1) * (100 * MS + service) / 1e9, "windows cost round trips");
    cr_assert_gt(st->duration_max_s, 1.5 * st->duration_s, "%f .. %f", st->duration_s, st->duration_max_s);
    double low = st->duration_s, high = st->duration_max_s;
    whatif_model_predict(m, base, &p);
    cr_assert(near(p.streams[0].duration_s, p.streams[0].captured_s), "as captured at its own round trip");
    whatif_model_free(m);

    tcp.slow_start_end = 40 * 1448;
    m = fitted_with(urbs, N, &tcp);
    whatif_model_predict(m, 100 * MS, &p);
    cr_assert_not(p.slow_start_unknown);
    cr_assert(near(p.streams[0].duration_max_s, p.streams[0].duration_s));
    cr_assert(p.streams[0].duration_s > low && p.streams[0].duration_s < high, "%f in %f .. %f",
              p.streams[0].duration_s, low, high);
    whatif_model_free(m);

    /* without the SYNs the windows may be open already: the fast end waits for none */
    whatif_tcp_defaults(&tcp);
    m = fitted_with(urbs, N, &tcp);
    whatif_model_predict(m, 100 * MS, &p);
    cr_assert(p.slow_start_unknown);
    double open = (N * 100 * MS + (N - 1) * service + (N - 1) * think) / 1e9;
    cr_assert(near(p.streams[0].duration_s, open), "no SYN, windows open: %f, expected %f",
              p.streams[0].duration_s, open);
    cr_assert(near(p.streams[0].duration_max_s, high), "no SYN, the slow end as from the start: %f, %f",
              p.streams[0].duration_max_s, high);
    whatif_model_free(m);

    struct whatif_urb wan[N]; /* the same reads captured at 100 ms: small URBs cost the round trip */
    wan[0] = small_in(T0, 100 * MS);
    wan[1] = small_in(wan[0].complete_ns + think, 100 * MS + 20 * US);
    for (int i = 2; i < N; i++)
        wan[i] = bulk_in(wan[i - 1].complete_ns + think, 300 * MS + service, 524288);
    whatif_tcp_defaults(&tcp);
    m = fitted_with(wan, N, &tcp);
    cr_assert(whatif_model_windows_captured(m));
    whatif_model_predict(m, 100 * MS, &p);
    cr_assert(p.slow_start_unknown);
    st = &p.streams[0];
    cr_assert(near(st->duration_max_s, st->captured_s), "the slow end at its own round trip: %f, captured %f",
              st->duration_max_s, st->captured_s);
    cr_assert_lt(st->duration_s, st->duration_max_s, "the model's windows open faster than two rounds a read");
    whatif_model_predict(m, 50 * MS, &p);
    double expect = (2 * 50 * MS + 20 * US + (N - 2) * (3 * 50 * MS + service) + (N - 1) * think) / 1e9;
    cr_assert(near(p.streams[0].duration_max_s, expect), "slow end at 50 ms: %f, expected %f",
              p.streams[0].duration_max_s, expect);
    whatif_model_free(m);
}
