/* SPDX-License-Identifier: GPL-2.0-or-later */
/* net.h -- the sockets usbip-replay needs: listen on / connect to "ADDR:PORT", name a peer,
 * the monotonic clock its deadlines use, and a poll that spins before it sleeps. */
#ifndef REPLAY_NET_H
#define REPLAY_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <poll.h>
#include <sys/socket.h>

/* A non-blocking listening socket on "ADDR:PORT" or "[ADDR6]:PORT"; -1 with a log line. */
int replay_net_listen(const char *spec);
/* A connected, non-blocking socket to "HOST[:PORT]" (default port 3240), waiting at most
 * timeout_ms for the connection; -1 with a log line. */
int replay_net_connect(const char *spec, int timeout_ms);
/* "ADDR:PORT" of a socket address. */
void replay_net_name(const struct sockaddr *sa, char *buf, size_t len);
/* poll(2) until deadline_ns (replay_net_now_ns time; UINT64_MAX: none), first polling without
 * sleep for up to spin_ns (0: never): a thread that spins wakes within a microsecond of its
 * data, where a sleeping one takes tens of them (pair spins both its threads, at the cost of
 * CPU). precise: return within microseconds of the deadline (an answer due then), by sleeping
 * until a little before it and spinning the rest; else a sleep may overshoot it by 0.1%. */
int replay_net_poll(struct pollfd *pfd, nfds_t n, uint64_t deadline_ns, uint64_t spin_ns, bool precise);
/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t replay_net_now_ns(void);

#endif
