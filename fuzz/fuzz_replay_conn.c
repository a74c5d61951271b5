/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_replay_conn.c -- libFuzzer target: usbip-replay's server-side request handling (one
 * client connection: OP phase, CMD_SUBMIT/CMD_UNLINK, the matcher and the mass-storage model)
 * fed arbitrary client bytes over a socketpair, in fuzzer-chosen chunks, with time advancing.
 * The recordings are real captures (captures/storage.pcap with its storage model,
 * composite.pcap, hid.pcap, arduino-0ms.pcap with its serial model), loaded once.
 *
 * Input: byte 0 picks the recording (bits 0-1), the timing (bit 2: recorded, else fast), whether
 * the harness imports the device first (bit 3) and sends the first byte-1 recorded requests
 * before the fuzz bytes (bit 4), so that the fuzzer starts deep in a session; byte 1 is that
 * count; the rest is what the client sends, cut into chunks of 1 + (byte at the cut) bytes. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "connection.h"
#include "log.h"
#include "recording.h"
#include "serial.h"
#include "storage.h"
#include "uip/wire.h"

#ifndef UIP_SOURCE_DIR
#error "UIP_SOURCE_DIR must name the project's source directory"
#endif

static const char *const capture_names[] = {"storage.pcap", "composite.pcap", "hid.pcap", "arduino-0ms.pcap"};
#define N_RECORDINGS (sizeof capture_names / sizeof capture_names[0])
static struct replay_recording recordings[N_RECORDINGS];
static struct replay_storage *storage_models[N_RECORDINGS];
static struct replay_serial *serial_models[N_RECORDINGS];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    for (size_t i = 0; i < N_RECORDINGS; i++) {
        char path[4096], err[512];
        snprintf(path, sizeof path, "%s/captures/%s", UIP_SOURCE_DIR, capture_names[i]);
        if (replay_recording_load(path, NULL, &recordings[i], err, sizeof err) != REPLAY_LOAD_OK) {
            fprintf(stderr, "fuzz_replay_conn: %s\n", err);
            exit(1);
        }
        storage_models[i] = replay_storage_new(&recordings[i]);
        serial_models[i] = replay_serial_new(&recordings[i]);
    }
    /* Every closed connection logs a line: keep stderr for libFuzzer's own report. */
    FILE *null = fopen("/dev/null", "w");
    if (!null)
        exit(1);
    replay_log_set_stream(null);
    return 0;
}

/* Read and drop what the server wrote (the client reads its answers). */
static void drain(int fd)
{
    uint8_t sink[65536];
    while (recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0)
        ;
}

/* Write all of p to the client end, letting the connection read as the socket fills. false: the
 * connection closed itself. */
static bool feed(struct replay_conn *c, int client, const uint8_t *p, size_t len, uint64_t *now)
{
    while (len) {
        ssize_t n = send(client, p, len, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN)
            return false;
        if (n > 0) {
            p += n;
            len -= (size_t)n;
        }
        *now += 1000000; /* 1 ms per step: recorded-timing answers come due */
        if (!replay_conn_on_readable(c, *now) || !replay_conn_on_time(c, *now))
            return false;
        while (replay_conn_has_input(c))
            if (!replay_conn_on_readable(c, *now))
                return false;
        drain(client);
    }
    return true;
}

/* The OP_REQ_IMPORT of the recorded busid, then the first count recorded requests. */
static bool start_session(struct replay_conn *c, int client, const struct replay_recording *rec,
                          size_t count, uint64_t *now)
{
    uint8_t req[UIP_OP_REQ_IMPORT_SIZE] = {0};
    struct uip_op_header oh = {.version = UIP_PROTOCOL_VERSION, .code = UIP_OP_REQ_IMPORT};
    uip_encode_op_header(&oh, req);
    memcpy(req + UIP_OP_HEADER_SIZE, rec->device.busid, strnlen(rec->device.busid, UIP_BUSID_SIZE - 1));
    if (!feed(c, client, req, sizeof req, now))
        return false;
    uint8_t pdu[UIP_HEADER_SIZE + 4096];
    for (size_t i = 0; i < count && i < rec->n_urbs; i++) {
        const struct replay_urb *u = &rec->urbs[i];
        size_t out = u->direction == UIP_DIR_OUT && u->data_len <= 4096 ? u->data_len : 0;
        struct uip_header h = {.command = UIP_CMD_SUBMIT,
                               .seqnum = (uint32_t)i + 1,
                               .devid = rec->device.busnum << 16 | rec->device.devnum,
                               .direction = u->direction == UIP_DIR_IN ? UIP_DIR_IN : UIP_DIR_OUT,
                               .ep = u->ep};
        h.u.cmd_submit.transfer_flags = u->transfer_flags;
        h.u.cmd_submit.transfer_buffer_length = u->direction == UIP_DIR_OUT ? (int32_t)out
                                                                            : u->transfer_buffer_length;
        h.u.cmd_submit.interval = u->interval;
        memcpy(h.u.cmd_submit.setup, u->setup, UIP_SETUP_SIZE);
        uip_encode_header(&h, pdu);
        if (out)
            memcpy(pdu + UIP_HEADER_SIZE, u->data, out);
        if (!feed(c, client, pdu, UIP_HEADER_SIZE + out, now))
            return false;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t which = (data[0] & 3u) % N_RECORDINGS;
    struct replay_serve_config cfg = {
        .rec = &recordings[which],
        .storage = storage_models[which],
        .serial = serial_models[which],
        .timing = {.mode = (data[0] & 4u) ? REPLAY_TIMING_RECORDED : REPLAY_TIMING_FAST},
        .unmatched_status = -EPIPE,
    };
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv))
        return 0;
    uint64_t now = 1000000000ull;
    struct replay_conn *c = replay_conn_new(sv[0], 1, "fuzz", &cfg, now, NULL);
    if (!c) {
        close(sv[0]);
        close(sv[1]);
        return 0;
    }
    bool open = true;
    if (data[0] & 8u)
        open = start_session(c, sv[1], cfg.rec, (data[0] & 16u) ? data[1] : 0, &now);
    size_t pos = 2;
    while (open && pos < size) {
        size_t chunk = 1u + data[pos];
        if (chunk > size - pos)
            chunk = size - pos;
        open = feed(c, sv[1], data + pos, chunk, &now);
        pos += chunk;
    }
    if (open) {
        /* Everything due goes out, then the client hangs up. */
        now += 3600ull * 1000000000ull;
        open = replay_conn_on_time(c, now);
        drain(sv[1]);
        shutdown(sv[1], SHUT_WR);
        while (open && (open = replay_conn_on_readable(c, now)))
            drain(sv[1]);
    }
    replay_conn_free(c); /* closes sv[0] */
    close(sv[1]);
    return 0;
}
