/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_whatif_tcp.c -- the what-if model's TCP sender on bursts worked out by hand: slow start
 * from ten segments, a window that covers the path, restart after idle, CUBIC's 5% a round trip
 * after slow start, and loopback's first window set by the receiver, not the sender. */
#include <criterion/criterion.h>
#include "whatif_tcp.h"

#define MS 1000000ull
#define MIB 1048576ull

/* Ethernet segments, a receiver that never holds the sender back. */
static struct whatif_tcp_sender ethernet_sender(uint64_t slow_start_end)
{
    struct whatif_tcp_config c;
    whatif_tcp_defaults(&c);
    c.syn_window[1] = 16u << 20;
    c.rmem_max = 64ull << 20;
    c.slow_start_end = slow_start_end;
    struct whatif_tcp_sender s;
    whatif_tcp_sender_start(&s, &c, 1, WHATIF_SLOW_START_LATE);
    return s;
}

/* 14480 bytes, then twice as much each round: 63 x 14480 = 912240 bytes in six rounds, the
 * seventh ends 1 MiB; six waits for acknowledgements. */
Test(whatif_tcp, slow_start_from_ten_segments)
{
    struct whatif_tcp_sender s = ethernet_sender(0);
    cr_assert_eq(whatif_tcp_burst(&s, MIB, 0, 100 * MS, 0), 600 * MS);
    /* the window grew by what was acknowledged: the next MiB goes in one round */
    cr_assert_eq(whatif_tcp_burst(&s, MIB, 700 * MS, 100 * MS, 0), 0);
}

/* A window of 14480 bytes already covers a 10 ms path that moves 1 MB/s (10000 bytes in flight). */
Test(whatif_tcp, a_window_that_covers_the_path_waits_for_nothing)
{
    struct whatif_tcp_sender s = ethernet_sender(0);
    cr_assert_eq(whatif_tcp_burst(&s, MIB, 0, 10 * MS, 1e6), 0);
}

/* Idle for 1 s at a 100 ms round trip (timeout 300 ms): three halvings of 1063056 bytes
 * (14480 + 1 MiB) leave 132882; 1 MiB then takes four rounds, three waits. Idle shorter than the
 * timeout keeps the window. */
Test(whatif_tcp, idle_longer_than_the_timeout_restarts_the_window)
{
    struct whatif_tcp_sender s = ethernet_sender(0);
    cr_assert_eq(whatif_tcp_burst(&s, MIB, 0, 100 * MS, 0), 600 * MS);
    cr_assert_eq(whatif_tcp_burst(&s, MIB, 1600 * MS, 100 * MS, 0), 300 * MS);
    struct whatif_tcp_sender kept = ethernet_sender(0);
    cr_assert_eq(whatif_tcp_burst(&kept, MIB, 0, 100 * MS, 0), 600 * MS);
    cr_assert_eq(whatif_tcp_burst(&kept, MIB, 850 * MS, 100 * MS, 0), 0);
}

/* With slow start over at the first window, the window grows 5% a round trip: 14480 bytes, then
 * 15204; 29684 bytes take two rounds, one byte more three. */
Test(whatif_tcp, after_slow_start_the_window_grows_five_percent_a_round_trip)
{
    struct whatif_tcp_sender s = ethernet_sender(14480);
    cr_assert_eq(whatif_tcp_burst(&s, 29684, 0, 100 * MS, 0), 100 * MS);
    s = ethernet_sender(14480);
    cr_assert_eq(whatif_tcp_burst(&s, 29685, 0, 100 * MS, 0), 200 * MS);
}

/* On loopback ten segments are 654830 bytes, but the receiver opens with 65535: its first round
 * moves that much, autotuning then grants 2 x 65535 + 16 x 65483 = 1178798 and the congestion
 * window has 720365: 785900 bytes in two rounds, a third for the rest of 1 MiB. Small reads
 * before it (less than the first window) do not open the window. */
Test(whatif_tcp, on_loopback_the_receivers_first_window_holds_the_burst)
{
    struct whatif_tcp_config c;
    whatif_tcp_defaults(&c);
    c.mss[1] = 65483;
    struct whatif_tcp_sender s;
    whatif_tcp_sender_start(&s, &c, 1, WHATIF_SLOW_START_LATE);
    cr_assert_eq(whatif_tcp_burst(&s, MIB, 0, 100 * MS, 0), 200 * MS);
    whatif_tcp_sender_start(&s, &c, 1, WHATIF_SLOW_START_LATE);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(whatif_tcp_burst(&s, 4096, i * 100 * MS, 100 * MS, 0), 0);
    cr_assert_eq(whatif_tcp_burst(&s, MIB, 400 * MS, 100 * MS, 0), 200 * MS);
}

/* HyStart's earliest exit (16 segments) makes the same burst wait longer than no exit does. */
Test(whatif_tcp, an_early_slow_start_exit_costs_more_round_trips)
{
    struct whatif_tcp_config c;
    whatif_tcp_defaults(&c);
    c.syn_window[1] = 16u << 20;
    struct whatif_tcp_sender late, early;
    whatif_tcp_sender_start(&late, &c, 1, WHATIF_SLOW_START_LATE);
    whatif_tcp_sender_start(&early, &c, 1, WHATIF_SLOW_START_EARLY);
    uint64_t late_wait = whatif_tcp_burst(&late, MIB, 0, 100 * MS, 0);
    uint64_t early_wait = whatif_tcp_burst(&early, MIB, 0, 100 * MS, 0);
    cr_assert_gt(early_wait, 3 * late_wait, "early %llu, late %llu", (unsigned long long)early_wait,
                 (unsigned long long)late_wait);
}

/* Bursts come in the order their URBs finished: a small one that started early, handled after a
 * long one, does not make the sender look idle since it ended (the reviewer's case: 4 MiB at
 * 1 MB/s from 0 s, 48 bytes from 0.5 s, 1 MiB from 4.4 s at 100 ms). */
Test(whatif_tcp, an_earlier_burst_handled_later_does_not_fake_idle)
{
    struct whatif_tcp_sender s = ethernet_sender(0);
    whatif_tcp_burst(&s, 4 * MIB, 0, 100 * MS, 1e6);
    whatif_tcp_burst(&s, 48, 500 * MS, 100 * MS, 1e6);
    cr_assert_eq(whatif_tcp_burst(&s, MIB, 4400 * MS, 100 * MS, 1e6), 0);
}
