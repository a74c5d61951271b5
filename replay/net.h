/* net.h -- the sockets usbip-replay needs: listen on / connect to "ADDR:PORT", name a peer,
 * and the monotonic clock its deadlines use. */
#ifndef REPLAY_NET_H
#define REPLAY_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* A non-blocking listening socket on "ADDR:PORT" or "[ADDR6]:PORT"; -1 with a log line. */
int replay_net_listen(const char *spec);
/* A connected, non-blocking socket to "HOST[:PORT]" (default port 3240), waiting at most
 * timeout_ms for the connection; -1 with a log line. */
int replay_net_connect(const char *spec, int timeout_ms);
/* "ADDR:PORT" of a socket address. */
void replay_net_name(const struct sockaddr *sa, char *buf, size_t len);
/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t replay_net_now_ns(void);

#endif
