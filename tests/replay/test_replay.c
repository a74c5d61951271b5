/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_replay.c -- usbip-replay over loopback, driven by a client built on the core's encoders.
 * serve: devlist, import, recorded answers with remapped seqnums, held interrupt URBs, unlinks
 * and their races, timing, the mass-storage model, --write, exit codes, hostile clients.
 * drive: against serve of the same and of another capture, and against a fake server (an
 * injected difference, --ignore, a silent or lying server). proxy: added delay, the recorded
 * session, an unreachable server. */
#define _GNU_SOURCE /* memmem */
#include <criterion/criterion.h>
#include <pcap/pcap.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "recording.h"
#include "synth_pdu.h"
#include "uip/tracker.h"
#include "uip/wire.h"

#define STORAGE CAPTURES_DIR "/storage.pcap"
#define HID CAPTURES_DIR "/hid.pcap"
#define ENUM_RECOVER CAPTURES_DIR "/enum-recover.pcap"
#define ENUM_TIMEOUT CAPTURES_DIR "/enum-timeout.pcap"
#define STORAGE_BUSID recorded_busid(STORAGE)
#define HID_BUSID recorded_busid(HID)
#define ECONNRESET_STATUS (-104)
#define EPIPE_STATUS (-32)

static const uint8_t get_device_descriptor_18[8] = {0x80, 0x06, 0x00, 0x01, 0x00, 0x00, 0x12, 0x00};
static const uint8_t get_device_qualifier[8] = {0x80, 0x06, 0x00, 0x06, 0x00, 0x00, 0x0a, 0x00};

/* The busid the recording imported (the captures are re-recorded by the lab now and then). */
static const char *recorded_busid(const char *capture)
{
    static char busid[UIP_BUSID_SIZE + 1];
    struct replay_recording rec;
    char err[256];
    cr_assert_eq(replay_recording_load(capture, NULL, &rec, err, sizeof err), REPLAY_LOAD_OK, "%s", err);
    cr_assert(rec.device_from_import, "%s holds no import", capture);
    snprintf(busid, sizeof busid, "%s", rec.device.busid);
    replay_recording_free(&rec);
    return busid;
}

struct server {
    pid_t pid;
    int port;
    char log[64]; /* the server's stderr */
};

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof a;
    cr_assert(bind(fd, (struct sockaddr *)&a, sizeof a) == 0);
    getsockname(fd, (struct sockaddr *)&a, &l);
    close(fd);
    return ntohs(a.sin_port);
}

static int try_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
        return fd;
    close(fd);
    return -1;
}

/* Run usbip-replay with argv (NULL-terminated; "LISTEN" is replaced by 127.0.0.1:PORT) and
 * wait until it listens on PORT. */
static struct server spawn_replay(const char **argv)
{
    struct server s = {.port = free_port()};
    snprintf(s.log, sizeof s.log, "/tmp/test_replay_serve.XXXXXX");
    int log_fd = mkstemp(s.log);
    cr_assert(log_fd >= 0);
    char listen_arg[64];
    snprintf(listen_arg, sizeof listen_arg, "127.0.0.1:%d", s.port);
    const char *args[16];
    size_t n = 0;
    for (; argv[n] && n < 15; n++)
        args[n] = strcmp(argv[n], "LISTEN") ? argv[n] : listen_arg;
    args[n] = NULL;
    s.pid = fork();
    cr_assert(s.pid >= 0);
    if (s.pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* a failed test never leaves a server behind */
        dup2(log_fd, STDOUT_FILENO);
        dup2(log_fd, STDERR_FILENO);
        execv(REPLAY_BIN, (char *const *)args);
        _exit(127);
    }
    close(log_fd);
    for (int i = 0; i < 200; i++) {
        int fd = try_connect(s.port);
        if (fd >= 0) {
            close(fd); /* the server logs and drops a connection without an OP request */
            return s;
        }
        usleep(20000);
    }
    cr_assert_fail("usbip-replay did not start listening");
    return s;
}

/* usbip-replay serve CAPTURE --listen 127.0.0.1:PORT a1 a2 a3 (each may be NULL). */
static struct server start_server(const char *capture, const char *a1, const char *a2, const char *a3)
{
    const char *argv[] = {REPLAY_BIN, "serve", capture, "--listen", "LISTEN", a1, a2, a3, NULL};
    return spawn_replay(argv);
}

/* How many lines of the server's log contain text. */
static int log_lines(const struct server *s, const char *text)
{
    FILE *f = fopen(s->log, "r");
    cr_assert(f);
    char line[1024];
    int n = 0;
    while (fgets(line, sizeof line, f))
        n += strstr(line, text) != NULL;
    fclose(f);
    return n;
}

/* SIGTERM, then the exit status. */
static int stop_server(struct server *s)
{
    int st = 0;
    kill(s->pid, SIGTERM);
    cr_assert(waitpid(s->pid, &st, 0) == s->pid);
    cr_assert(WIFEXITED(st), "usbip-replay died of a signal");
    cr_assert(log_lines(s, "stopped:") == 1 || log_lines(s, "proxying") == 1, "no final summary line");
    unlink(s->log);
    return WEXITSTATUS(st);
}

static bool server_alive(const struct server *s)
{
    return waitpid(s->pid, NULL, WNOHANG) == 0;
}

static int client(const struct server *s)
{
    int fd = try_connect(s->port);
    cr_assert(fd >= 0, "connect failed");
    return fd;
}

static void send_buf(int fd, struct synth_buf *b)
{
    cr_assert(send(fd, b->data, b->len, MSG_NOSIGNAL) == (ssize_t)b->len);
    synth_buf_free(b);
}

/* Read exactly n bytes within timeout_ms; false on EOF or timeout. */
static bool recv_exact(int fd, void *buf, size_t n, int timeout_ms)
{
    size_t got = 0;
    while (got < n) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, timeout_ms) <= 0)
            return false;
        ssize_t r = recv(fd, (uint8_t *)buf + got, n - got, 0);
        if (r <= 0)
            return false;
        got += (size_t)r;
    }
    return true;
}

/* True when the server closed the connection within timeout_ms (and sent nothing more). */
static bool closed_by_server(int fd, int timeout_ms)
{
    uint8_t b[64];
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, timeout_ms) <= 0)
        return false;
    return recv(fd, b, sizeof b, 0) <= 0;
}

static bool nothing_arrives(int fd, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, timeout_ms) == 0;
}

static struct uip_header recv_header(int fd)
{
    uint8_t raw[UIP_HEADER_SIZE];
    struct uip_header h;
    cr_assert(recv_exact(fd, raw, sizeof raw, 5000), "no answer from usbip-replay");
    cr_assert_eq(uip_decode_header(raw, sizeof raw, &h), 0);
    return h;
}

/* The devid of the last import, which the control requests below carry (as vhci-hcd does). */
static uint32_t imported_devid;

static int import(const struct server *s, const char *busid, struct uip_device_record *rec)
{
    int fd = client(s);
    struct synth_buf b = {0};
    synth_op_req_import(&b, busid);
    send_buf(fd, &b);
    uint8_t raw[UIP_OP_REP_IMPORT_SIZE];
    cr_assert(recv_exact(fd, raw, UIP_OP_HEADER_SIZE, 5000));
    struct uip_op_header oh;
    uip_decode_op_header(raw, UIP_OP_HEADER_SIZE, &oh);
    cr_assert_eq(oh.code, UIP_OP_REP_IMPORT);
    cr_assert_eq(oh.status, UIP_ST_OK);
    cr_assert(recv_exact(fd, raw, UIP_DEVICE_RECORD_SIZE, 5000));
    struct uip_device_record r;
    uip_decode_device_record(raw, UIP_DEVICE_RECORD_SIZE, &r);
    imported_devid = r.busnum << 16 | r.devnum;
    if (rec)
        *rec = r;
    return fd;
}

static void submit_control_in(int fd, uint32_t seqnum, const uint8_t setup[8], int32_t length)
{
    struct synth_buf b = {0};
    synth_cmd_submit(&b, seqnum, UIP_DIR_IN, 0, length, 0, setup, NULL);
    for (int i = 0; i < 4; i++)
        b.data[UIP_OFF_DEVID + i] = (uint8_t)(imported_devid >> (24 - 8 * i));
    send_buf(fd, &b);
}

static void unlink_urb(int fd, uint32_t seqnum, uint32_t victim)
{
    struct synth_buf b = {0};
    synth_cmd_unlink(&b, seqnum, victim);
    send_buf(fd, &b);
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

Test(serve, devlist_lists_the_recorded_device)
{
    struct server s = start_server(STORAGE, "--timing", "fast", NULL);
    int fd = client(&s);
    struct synth_buf b = {0};
    synth_op_req_devlist(&b);
    send_buf(fd, &b);
    uint8_t raw[UIP_OP_REP_DEVLIST_MIN_SIZE + UIP_DEVICE_RECORD_SIZE + UIP_INTERFACE_RECORD_SIZE];
    cr_assert(recv_exact(fd, raw, sizeof raw, 5000));
    struct uip_op_header oh;
    uip_decode_op_header(raw, sizeof raw, &oh);
    cr_assert_eq(oh.code, UIP_OP_REP_DEVLIST);
    cr_assert_eq(oh.status, UIP_ST_OK);
    cr_assert_eq(raw[UIP_OFF_DEVLIST_COUNT + 3], 1);
    struct uip_device_record rec;
    uip_decode_device_record(raw + UIP_OP_REP_DEVLIST_MIN_SIZE, UIP_DEVICE_RECORD_SIZE, &rec);
    cr_assert_str_eq(rec.busid, STORAGE_BUSID);
    cr_assert_eq(rec.id_vendor, 0x46f4);
    cr_assert_eq(rec.id_product, 0x0001);
    cr_assert_eq(rec.num_interfaces, 1);
    struct uip_interface_record ir;
    uip_decode_interface_record(raw + UIP_OP_REP_DEVLIST_MIN_SIZE + UIP_DEVICE_RECORD_SIZE,
                                UIP_INTERFACE_RECORD_SIZE, &ir);
    cr_assert_eq(ir.iface_class, 0x08); /* mass storage, SCSI, bulk-only */
    cr_assert_eq(ir.iface_subclass, 0x06);
    cr_assert_eq(ir.iface_protocol, 0x50);
    cr_assert(closed_by_server(fd, 5000), "the devlist connection was not closed");
    close(fd);
    cr_assert_eq(stop_server(&s), 0);
}

Test(serve, import_of_another_busid_is_refused)
{
    struct server s = start_server(STORAGE, NULL, NULL, NULL);
    int fd = client(&s);
    struct synth_buf b = {0};
    synth_op_req_import(&b, "9-9");
    send_buf(fd, &b);
    uint8_t raw[UIP_OP_HEADER_SIZE];
    cr_assert(recv_exact(fd, raw, sizeof raw, 5000));
    struct uip_op_header oh;
    uip_decode_op_header(raw, sizeof raw, &oh);
    cr_assert_eq(oh.code, UIP_OP_REP_IMPORT);
    cr_assert_eq(oh.status, UIP_ST_NODEV);
    cr_assert(closed_by_server(fd, 5000));
    close(fd);
    stop_server(&s);
}

Test(serve, recorded_answer_with_live_seqnum)
{
    struct server s = start_server(STORAGE, "--timing", "fast", NULL);
    struct uip_device_record rec;
    int fd = import(&s, STORAGE_BUSID, &rec);
    cr_assert_str_eq(rec.busid, STORAGE_BUSID);
    cr_assert_eq(rec.speed, UIP_SPEED_SUPER);
    submit_control_in(fd, 777, get_device_descriptor_18, 18);
    struct uip_header h = recv_header(fd);
    cr_assert_eq(h.command, UIP_RET_SUBMIT);
    cr_assert_eq(h.seqnum, 777);
    cr_assert_eq(h.u.ret_submit.status, 0);
    cr_assert_eq(h.u.ret_submit.actual_length, 18);
    uint8_t desc[18];
    cr_assert(recv_exact(fd, desc, sizeof desc, 5000));
    cr_assert_eq(desc[0], 18);
    cr_assert_eq(desc[1], 1); /* DEVICE */
    cr_assert_eq(desc[8] | desc[9] << 8, 0x46f4);
    cr_assert_eq(desc[10] | desc[11] << 8, 0x0001);
    close(fd);
    usleep(100000);
    cr_assert_eq(stop_server(&s), 0, "a recorded request must not count as a divergence");
}

Test(serve, unrecorded_request_is_stalled_and_counted)
{
    struct server s = start_server(STORAGE, "--timing", "fast", NULL);
    int fd = import(&s, STORAGE_BUSID, NULL);
    submit_control_in(fd, 5, get_device_qualifier, 10);
    struct uip_header h = recv_header(fd);
    cr_assert_eq(h.command, UIP_RET_SUBMIT);
    cr_assert_eq(h.seqnum, 5);
    cr_assert_eq(h.u.ret_submit.status, EPIPE_STATUS);
    cr_assert_eq(h.u.ret_submit.actual_length, 0);
    close(fd);
    usleep(100000);
    cr_assert_eq(stop_server(&s), 1, "a divergence gives exit code 1");
}

Test(serve, says_where_a_short_recording_ends)
{
    /* enum-timeout.pcap never got past the device descriptor: a BOS request is past its end */
    static const uint8_t get_bos[8] = {0x80, 0x06, 0x00, 0x0f, 0x00, 0x00, 0x05, 0x00};
    struct server s = start_server(ENUM_TIMEOUT, "--timing", "fast", NULL);
    int fd = import(&s, recorded_busid(ENUM_TIMEOUT), NULL);
    submit_control_in(fd, 1, get_bos, 5);
    struct uip_header h = recv_header(fd);
    cr_assert_eq(h.u.ret_submit.status, EPIPE_STATUS);
    submit_control_in(fd, 2, get_bos, 5);
    recv_header(fd);
    close(fd);
    usleep(100000);
    cr_assert_eq(log_lines(&s, "has gone past the recording"), 1, "said once per connection");
    cr_assert_eq(log_lines(&s, "GET_DESCRIPTOR(DEVICE)"), 1, "the last recorded request is named");
    cr_assert_eq(log_lines(&s, "divergence: conn 2 seq 1 ep 0 control GET_DESCRIPTOR(BOS)"), 1);
    cr_assert_eq(log_lines(&s, "2 request(s) went past the end of the recording: 0 asked more often than "
                               "recorded (given its last recorded answer), 2 with nothing recorded"), 1);
    stop_server(&s);
}

Test(serve, unmatched_answer_is_configurable)
{
    struct server s = start_server(STORAGE, "--unmatched", "-71", NULL);
    int fd = import(&s, STORAGE_BUSID, NULL);
    submit_control_in(fd, 5, get_device_qualifier, 10);
    struct uip_header h = recv_header(fd);
    cr_assert_eq(h.u.ret_submit.status, -71);
    close(fd);
    stop_server(&s);
}

Test(serve, pending_interrupt_urb_stays_pending_until_unlinked)
{
    struct server s = start_server(HID, "--timing", "fast", NULL);
    int fd = import(&s, HID_BUSID, NULL);
    struct synth_buf b = {0};
    synth_cmd_submit(&b, 40, UIP_DIR_IN, 1, 8, 0, NULL, NULL);
    send_buf(fd, &b);
    cr_assert(nothing_arrives(fd, 500), "the recorded interrupt URB was pending: no answer expected");
    unlink_urb(fd, 41, 40);
    struct uip_header h = recv_header(fd);
    cr_assert_eq(h.command, UIP_RET_UNLINK);
    cr_assert_eq(h.seqnum, 41);
    cr_assert_eq(h.u.ret_unlink.status, ECONNRESET_STATUS);
    cr_assert(nothing_arrives(fd, 300), "nothing may follow for an unlinked seqnum");
    close(fd);
    stop_server(&s);
}

Test(serve, reused_outstanding_seqnum_closes_the_connection)
{
    struct server s = start_server(HID, "--timing", "fast", NULL);
    int fd = import(&s, HID_BUSID, NULL);
    struct synth_buf b = {0};
    synth_cmd_submit(&b, 40, UIP_DIR_IN, 1, 8, 0, NULL, NULL);
    synth_cmd_submit(&b, 40, UIP_DIR_IN, 1, 8, 0, NULL, NULL);
    send_buf(fd, &b);
    cr_assert(closed_by_server(fd, 5000), "a reused outstanding seqnum was accepted");
    close(fd);
    usleep(100000);
    cr_assert_eq(log_lines(&s, "closing: CMD_SUBMIT seq 40 while seq 40 is still outstanding"), 1);
    stop_server(&s);
}

Test(serve, unlink_after_the_answer_gets_status_0)
{
    struct server s = start_server(STORAGE, "--timing", "fast", NULL);
    int fd = import(&s, STORAGE_BUSID, NULL);
    submit_control_in(fd, 3, get_device_descriptor_18, 18);
    struct uip_header h = recv_header(fd);
    uint8_t desc[18];
    cr_assert(recv_exact(fd, desc, sizeof desc, 5000));
    unlink_urb(fd, 4, 3);
    h = recv_header(fd);
    cr_assert_eq(h.command, UIP_RET_UNLINK);
    cr_assert_eq(h.seqnum, 4);
    cr_assert_eq(h.u.ret_unlink.status, 0);
    /* an unlink of a seqnum never submitted: a RET_UNLINK of its own seqnum, status 0 */
    unlink_urb(fd, 6, 5000);
    h = recv_header(fd);
    cr_assert_eq(h.command, UIP_RET_UNLINK);
    cr_assert_eq(h.seqnum, 6);
    cr_assert_eq(h.u.ret_unlink.status, 0);
    close(fd);
    stop_server(&s);
}

Test(serve, unlink_racing_a_delayed_answer_wins)
{
    struct server s = start_server(STORAGE, "--timing", "add=400", NULL);
    int fd = import(&s, STORAGE_BUSID, NULL);
    submit_control_in(fd, 10, get_device_descriptor_18, 18);
    unlink_urb(fd, 11, 10);
    struct uip_header h = recv_header(fd);
    cr_assert_eq(h.command, UIP_RET_UNLINK);
    cr_assert_eq(h.seqnum, 11);
    cr_assert_eq(h.u.ret_unlink.status, ECONNRESET_STATUS);
    cr_assert(nothing_arrives(fd, 800), "the unlinked URB's RET_SUBMIT must never be sent");
    close(fd);
    stop_server(&s);
}

Test(serve, unlink_that_raced_the_answer_in_the_recording_races_it_again)
{
    /* enum-recover.pcap: the first GET_DESCRIPTOR(DEVICE, 8) was answered 6 s late, after the
     * host had unlinked it; scaled down to about 300 ms here */
    static const uint8_t get_device_descriptor_8[8] = {0x80, 0x06, 0x00, 0x01, 0x00, 0x00, 0x08, 0x00};
    struct server s = start_server(ENUM_RECOVER, "--timing", "scale=0.05", NULL);
    int fd = import(&s, recorded_busid(ENUM_RECOVER), NULL);
    double t0 = now_ms();
    submit_control_in(fd, 1, get_device_descriptor_8, 8);
    unlink_urb(fd, 2, 1);
    struct uip_header h = recv_header(fd);
    cr_assert_eq(h.command, UIP_RET_SUBMIT, "the recorded answer goes first, as recorded");
    cr_assert_eq(h.seqnum, 1);
    cr_assert_eq(h.u.ret_submit.actual_length, 8);
    cr_assert_geq(now_ms() - t0, 200.0);
    uint8_t desc[8];
    cr_assert(recv_exact(fd, desc, sizeof desc, 5000));
    h = recv_header(fd);
    cr_assert_eq(h.command, UIP_RET_UNLINK);
    cr_assert_eq(h.seqnum, 2);
    cr_assert_eq(h.u.ret_unlink.status, 0, "the unlink came too late, as recorded");
    close(fd);
    stop_server(&s);
}

Test(serve, timing_delays_answers)
{
    struct server s = start_server(STORAGE, "--timing", "add=300", NULL);
    int fd = import(&s, STORAGE_BUSID, NULL);
    double t0 = now_ms();
    submit_control_in(fd, 1, get_device_descriptor_18, 18);
    struct uip_header h = recv_header(fd);
    double waited = now_ms() - t0;
    cr_assert_eq(h.seqnum, 1);
    cr_assert_geq(waited, 295.0, "answered after %.1f ms, not after recorded + 300 ms", waited);
    close(fd);
    stop_server(&s);

    s = start_server(STORAGE, "--timing", "fast", NULL);
    fd = import(&s, STORAGE_BUSID, NULL);
    t0 = now_ms();
    submit_control_in(fd, 1, get_device_descriptor_18, 18);
    recv_header(fd);
    waited = now_ms() - t0;
    cr_assert_lt(waited, 250.0, "fast timing answered after %.1f ms", waited);
    close(fd);
    stop_server(&s);
}

/* The data the recording's first READ(10) of LBA 0 returned. */
static void recorded_lba0(uint8_t *out, size_t n)
{
    struct replay_recording rec;
    char err[256];
    cr_assert_eq(replay_recording_load(STORAGE, NULL, &rec, err, sizeof err), REPLAY_LOAD_OK, "%s", err);
    bool found = false;
    for (size_t i = 0; i + 1 < rec.n_urbs && !found; i++) {
        const struct replay_urb *u = &rec.urbs[i];
        const uint8_t zero_lba[4] = {0};
        if (u->direction == UIP_DIR_OUT && u->data_len == 31 && u->data[15] == 0x28 &&
            !memcmp(u->data + 17, zero_lba, 4)) {
            for (size_t k = i + 1; k < rec.n_urbs; k++)
                if (rec.urbs[k].direction == UIP_DIR_IN && rec.urbs[k].data_len >= n) {
                    memcpy(out, rec.urbs[k].data, n);
                    found = true;
                    break;
                }
        }
    }
    cr_assert(found, "no READ(10) of LBA 0 in the recording");
    replay_recording_free(&rec);
}

Test(serve, storage_model_answers_reads_cut_differently)
{
    enum { BLOCKS = 8, BYTES = BLOCKS * 512 };
    static uint8_t expected[BYTES], got[BYTES];
    recorded_lba0(expected, sizeof expected);
    struct server s = start_server(STORAGE, "--timing", "fast", NULL);
    int fd = import(&s, STORAGE_BUSID, NULL);
    /* CBW: READ(10) LBA 0, 8 blocks, tag 0xabcd0001 (the recording starts with INQUIRY) */
    uint8_t cbw[31] = {'U', 'S', 'B',  'C', 0x01, 0x00, 0xcd, 0xab, 0x00, 0x10, 0x00,   0x00, 0x80,
                       0,   10,  0x28, 0,   0,    0,    0,    0,    0,    0,    BLOCKS, 0};
    struct synth_buf b = {0};
    synth_cmd_submit(&b, 100, UIP_DIR_OUT, 2, sizeof cbw, 0, NULL, cbw);
    synth_cmd_submit(&b, 101, UIP_DIR_IN, 1, BYTES, 0, NULL, NULL);
    synth_cmd_submit(&b, 102, UIP_DIR_IN, 1, 13, 0, NULL, NULL);
    send_buf(fd, &b);
    struct uip_header h = recv_header(fd);
    cr_assert_eq(h.seqnum, 100);
    cr_assert_eq(h.u.ret_submit.status, 0);
    cr_assert_eq(h.u.ret_submit.actual_length, 31);
    h = recv_header(fd);
    cr_assert_eq(h.seqnum, 101);
    cr_assert_eq(h.u.ret_submit.actual_length, BYTES);
    cr_assert(recv_exact(fd, got, sizeof got, 5000));
    cr_assert_arr_eq(got, expected, sizeof got, "the blocks differ from the recorded ones");
    h = recv_header(fd);
    cr_assert_eq(h.seqnum, 102);
    cr_assert_eq(h.u.ret_submit.actual_length, 13);
    uint8_t csw[13];
    cr_assert(recv_exact(fd, csw, sizeof csw, 5000));
    cr_assert_arr_eq(csw, "USBS", 4);
    cr_assert_arr_eq(csw + 4, cbw + 4, 4, "the CSW must echo the live tag");
    cr_assert_eq(csw[12], 0, "command passed");
    close(fd);
    stop_server(&s);
}

/* One bulk-only command on a connection: CBW (seq), data (seq + 1, OUT data or IN length), CSW
 * (seq + 2); the IN data into in; the CSW status. */
static uint8_t storage_command(int fd, uint32_t seq, const uint8_t cb[16], uint8_t cb_len, uint32_t length,
                               bool in_dir, const uint8_t *out, uint8_t *in)
{
    uint8_t cbw[31] = {'U', 'S', 'B', 'C', (uint8_t)seq, 0x77, 0x66, 0x55};
    for (int i = 0; i < 4; i++)
        cbw[8 + i] = (uint8_t)(length >> (8 * i));
    cbw[12] = in_dir ? 0x80 : 0x00;
    cbw[14] = cb_len;
    memcpy(cbw + 15, cb, 16);
    struct synth_buf b = {0};
    synth_cmd_submit(&b, seq, UIP_DIR_OUT, 2, sizeof cbw, 0, NULL, cbw);
    synth_cmd_submit(&b, seq + 1, in_dir ? UIP_DIR_IN : UIP_DIR_OUT, in_dir ? 1 : 2, (int32_t)length, 0, NULL,
                     in_dir ? NULL : out);
    synth_cmd_submit(&b, seq + 2, UIP_DIR_IN, 1, 13, 0, NULL, NULL);
    send_buf(fd, &b);
    struct uip_header h = recv_header(fd);
    cr_assert_eq(h.seqnum, seq);
    h = recv_header(fd);
    cr_assert_eq(h.seqnum, seq + 1);
    cr_assert_eq(h.u.ret_submit.actual_length, (int32_t)length);
    if (in_dir)
        cr_assert(recv_exact(fd, in, length, 5000));
    h = recv_header(fd);
    cr_assert_eq(h.seqnum, seq + 2);
    uint8_t csw[13];
    cr_assert(recv_exact(fd, csw, sizeof csw, 5000));
    cr_assert_arr_eq(csw + 4, cbw + 4, 4, "the CSW must echo the live tag");
    return csw[12];
}

/* WRITE(10) of blocks 1-2, then READ(16) of blocks 0-3: the recorded block 0, the written blocks,
 * the recorded block 3. The written data stays with the connection: a new one reads the
 * recorded blocks again. */
Test(serve, storage_model_keeps_a_sessions_writes_and_serves_read_16)
{
    enum { BLOCK = 512 };
    static uint8_t recorded[4 * BLOCK], written[2 * BLOCK], got[4 * BLOCK];
    recorded_lba0(recorded, sizeof recorded);
    for (size_t i = 0; i < sizeof written; i++)
        written[i] = (uint8_t)(i * 7 + 3);
    struct server s = start_server(STORAGE, "--timing", "fast", NULL);
    int fd = import(&s, STORAGE_BUSID, NULL);
    const uint8_t write10[16] = {0x2a, 0, 0, 0, 0, 1, 0, 0, 2};               /* LBA 1, 2 blocks */
    const uint8_t read16[16] = {0x88, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4}; /* LBA 0, 4 blocks */
    cr_assert_eq(storage_command(fd, 200, write10, 10, sizeof written, false, written, NULL), 0);
    cr_assert_eq(storage_command(fd, 300, read16, 16, sizeof got, true, NULL, got), 0);
    cr_assert_arr_eq(got, recorded, BLOCK, "block 0 as recorded");
    cr_assert_arr_eq(got + BLOCK, written, 2 * BLOCK, "blocks 1 and 2 as written");
    cr_assert_arr_eq(got + 3 * BLOCK, recorded + 3 * BLOCK, BLOCK, "block 3 as recorded");
    /* an LBA whose byte address does not fit in 64 bits is no block of any disk: failed, zeros */
    const uint8_t read16_far[16] = {0x88, 0, 0, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4}; /* LBA 2^55 */
    cr_assert_eq(storage_command(fd, 500, read16_far, 16, sizeof got, true, NULL, got), 1, "CSW: failed");
    for (size_t i = 0; i < sizeof got; i++)
        cr_assert_eq(got[i], 0, "byte %zu of a read beyond the disk", i);
    close(fd);
    fd = import(&s, STORAGE_BUSID, NULL);
    cr_assert_eq(storage_command(fd, 400, read16, 16, sizeof got, true, NULL, got), 0);
    cr_assert_arr_eq(got, recorded, sizeof got, "another connection sees the recorded disk");
    close(fd);
    usleep(100000);
    cr_assert_eq(log_lines(&s, "at LBA 36028797018963968 is beyond any disk; failed in its CSW"), 1);
    stop_server(&s);
}

#define ARDUINO CAPTURES_DIR "/arduino-0ms.pcap"

/* The k-th (1-based) answered bulk write of a recording and the first IN answer with data after
 * it (by completion time), as recorded. */
static void recorded_exchange(const struct replay_recording *rec, int k, const struct replay_urb **write,
                              const struct replay_urb **response)
{
    *write = *response = NULL;
    int seen = 0;
    for (size_t i = 0; i < rec->n_urbs && !*write; i++) {
        const struct replay_urb *u = &rec->urbs[i];
        if (u->xfer_type == UIP_XFER_BULK && u->direction == UIP_DIR_OUT && u->answered && ++seen == k)
            *write = u;
    }
    cr_assert(*write, "no write %d in the recording", k);
    uint64_t done = (*write)->t_submit_ns + (*write)->latency_ns, best = UINT64_MAX;
    for (size_t i = 0; i < rec->n_urbs; i++) {
        const struct replay_urb *u = &rec->urbs[i];
        uint64_t c = u->t_submit_ns + u->latency_ns;
        if (u->xfer_type == UIP_XFER_BULK && u->direction == UIP_DIR_IN && u->answered && u->actual_length > 0 &&
            c >= done && c < best) {
            best = c;
            *response = u;
        }
    }
    cr_assert(*response, "no response after write %d", k);
}

/* The serial model: a response comes only after the live write it followed in the recording,
 * on the oldest waiting read, whatever the reads look like; a write that differs is a divergence
 * and still gets its recorded response. */
Test(serve, serial_model_answers_reads_after_the_writes_they_followed)
{
    struct replay_recording rec;
    char err[256];
    cr_assert_eq(replay_recording_load(ARDUINO, NULL, &rec, err, sizeof err), REPLAY_LOAD_OK, "%s", err);
    const struct replay_urb *w1, *r1, *w2, *r2;
    recorded_exchange(&rec, 1, &w1, &r1);
    recorded_exchange(&rec, 2, &w2, &r2);
    struct server s = start_server(ARDUINO, "--timing", "fast", NULL);
    cr_assert_eq(log_lines(&s, "serial adapter recorded"), 1);
    int fd = import(&s, recorded_busid(ARDUINO), NULL);
    struct synth_buf b = {0};
    synth_cmd_submit(&b, 10, UIP_DIR_IN, r1->ep, 512, 0, NULL, NULL);
    synth_cmd_submit(&b, 11, UIP_DIR_IN, r1->ep, 512, 0, NULL, NULL);
    send_buf(fd, &b);
    cr_assert(nothing_arrives(fd, 300), "a read was answered before any write");
    synth_cmd_submit(&b, 12, UIP_DIR_OUT, w1->ep, (int32_t)w1->data_len, 0, NULL, w1->data);
    send_buf(fd, &b);
    struct uip_header h = recv_header(fd);
    cr_assert_eq(h.seqnum, 12);
    cr_assert_eq(h.u.ret_submit.actual_length, (int32_t)w1->data_len);
    h = recv_header(fd);
    cr_assert_eq(h.seqnum, 10, "the oldest waiting read gets the response");
    cr_assert_eq(h.u.ret_submit.actual_length, (int32_t)r1->data_len);
    uint8_t got[512];
    cr_assert(recv_exact(fd, got, r1->data_len, 5000));
    cr_assert_arr_eq(got, r1->data, r1->data_len, "the recorded response to the first write");
    /* the second write, one byte changed */
    uint8_t changed[512];
    memcpy(changed, w2->data, w2->data_len);
    changed[0] ^= 0x01;
    synth_cmd_submit(&b, 13, UIP_DIR_OUT, w2->ep, (int32_t)w2->data_len, 0, NULL, changed);
    send_buf(fd, &b);
    cr_assert_eq(recv_header(fd).seqnum, 13);
    h = recv_header(fd);
    cr_assert_eq(h.seqnum, 11);
    cr_assert(recv_exact(fd, got, r2->data_len, 5000));
    cr_assert_arr_eq(got, r2->data, r2->data_len, "the recorded response to the second write");
    close(fd);
    usleep(100000);
    cr_assert_eq(log_lines(&s, "write 2 differs from the recorded one"), 1);
    cr_assert_eq(stop_server(&s), 1, "the changed write is a divergence");
    replay_recording_free(&rec);
}

Test(serve, hostile_clients_are_disconnected_and_the_server_lives_on)
{
    struct server s = start_server(STORAGE, "--timing", "fast", NULL);
    /* garbage instead of an OP request */
    int fd = client(&s);
    cr_assert(send(fd, "GET / HTTP/1.0\r\n\r\n", 18, MSG_NOSIGNAL) == 18);
    cr_assert(closed_by_server(fd, 5000), "garbage OP request not refused");
    close(fd);
    /* garbage after the import */
    fd = import(&s, STORAGE_BUSID, NULL);
    uint8_t junk[UIP_HEADER_SIZE];
    memset(junk, 0x5a, sizeof junk);
    cr_assert(send(fd, junk, sizeof junk, MSG_NOSIGNAL) == sizeof junk);
    cr_assert(closed_by_server(fd, 5000), "garbage URB header not refused");
    close(fd);
    /* a CMD_SUBMIT announcing 16 MiB of OUT data (over the per-URB cap) */
    fd = import(&s, STORAGE_BUSID, NULL);
    struct synth_buf b = {0};
    struct uip_header big = {
        .command = UIP_CMD_SUBMIT, .seqnum = 1, .devid = 0x120002, .direction = UIP_DIR_OUT, .ep = 2};
    big.u.cmd_submit.transfer_buffer_length = 16 * 1024 * 1024;
    uint8_t raw[UIP_HEADER_SIZE];
    uip_encode_header(&big, raw);
    synth_append(&b, raw, sizeof raw);
    send_buf(fd, &b);
    cr_assert(closed_by_server(fd, 5000), "huge CMD_SUBMIT not refused");
    close(fd);
    /* a negative length */
    fd = import(&s, STORAGE_BUSID, NULL);
    big.u.cmd_submit.transfer_buffer_length = -5;
    uip_encode_header(&big, raw);
    cr_assert(send(fd, raw, sizeof raw, MSG_NOSIGNAL) == sizeof raw);
    cr_assert(closed_by_server(fd, 5000), "negative length not refused");
    close(fd);
    /* a seqnum reused while it is outstanding (the recorded keyboard URB stays pending) */
    fd = import(&s, STORAGE_BUSID, NULL);
    /* disconnect in the middle of a PDU */
    cr_assert(send(fd, raw, 20, MSG_NOSIGNAL) == 20);
    close(fd);
    /* many connections that send nothing or half a request, in batches of 50 that the server
     * is given time to see (up to 10 s each: this machine may be busy) before the next: so none
     * is refused for the 64-connection cap */
    for (int batch = 0; batch < 6; batch++) {
        for (int i = 0; i < 50; i++) {
            int c = client(&s);
            if (i % 2)
                send(c, raw, 3, MSG_NOSIGNAL);
            close(c);
        }
        int want = 1 + 25 * (batch + 1);
        for (int t = 0; t < 1000 && log_lines(&s, "closing: the client disconnected in the middle of a PDU") < want; t++)
            usleep(10000);
    }
    usleep(100000);
    cr_assert(server_alive(&s), "usbip-replay died");
    cr_assert_eq(log_lines(&s, "closing: OP request with protocol version"), 1);
    cr_assert_eq(log_lines(&s, "closing: malformed URB header"), 2);
    cr_assert_eq(log_lines(&s, "closing: CMD_SUBMIT seq 1 carries 16777216 bytes (cap 4194304)"), 1);
    cr_assert_eq(log_lines(&s, "closing: malformed URB header: transfer_buffer_length negative"), 1);
    cr_assert_eq(log_lines(&s, "closing: the client disconnected in the middle of a PDU"), 151);
    cr_assert_eq(log_lines(&s, "refused:"), 0);
    /* still serving */
    fd = import(&s, STORAGE_BUSID, NULL);
    submit_control_in(fd, 1, get_device_descriptor_18, 18);
    struct uip_header h = recv_header(fd);
    cr_assert_eq(h.u.ret_submit.actual_length, 18);
    close(fd);
    int code = stop_server(&s);
    cr_assert(code == 0 || code == 1, "exit %d", code);
}

Test(serve, once_ends_with_the_imported_session)
{
    struct server s = start_server(STORAGE, "--timing", "fast", "--once");
    int fd = import(&s, STORAGE_BUSID, NULL);
    submit_control_in(fd, 1, get_device_descriptor_18, 18);
    recv_header(fd);
    close(fd);
    int st = 0;
    for (int i = 0; i < 250 && waitpid(s.pid, &st, WNOHANG) == 0; i++)
        usleep(20000);
    cr_assert(WIFEXITED(st), "usbip-replay --once did not exit after the session");
    cr_assert_eq(WEXITSTATUS(st), 0);
}

/* Copy capture to out without the packets up to and including the OP_REP_IMPORT: a capture
 * that starts after the import. */
static void write_capture_without_import(const char *capture, const char *out)
{
    static const uint8_t rep_import[8] = {0x01, 0x11, 0x00, 0x03, 0, 0, 0, 0};
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *in = pcap_open_offline(capture, err);
    cr_assert(in, "%s", err);
    pcap_dumper_t *d = pcap_dump_open(in, out);
    cr_assert(d);
    struct pcap_pkthdr *h;
    const u_char *p;
    bool after_import = false;
    while (pcap_next_ex(in, &h, &p) == 1) {
        if (after_import)
            pcap_dump((u_char *)d, h, p);
        else if (memmem(p, h->caplen, rep_import, sizeof rep_import))
            after_import = true;
    }
    cr_assert(after_import, "no OP_REP_IMPORT in %s", capture);
    pcap_dump_close(d);
    pcap_close(in);
}

Test(serve, capture_without_the_import_is_served_from_its_descriptors)
{
    char path[] = "/tmp/test_replay_noimport.XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    write_capture_without_import(STORAGE, path);
    struct server s = start_server(path, "--busid", "5-1", "--timing=fast");
    fd = client(&s);
    struct synth_buf b = {0};
    synth_op_req_devlist(&b);
    send_buf(fd, &b);
    uint8_t raw[UIP_OP_REP_DEVLIST_MIN_SIZE + UIP_DEVICE_RECORD_SIZE + UIP_INTERFACE_RECORD_SIZE];
    cr_assert(recv_exact(fd, raw, sizeof raw, 5000));
    close(fd);
    struct uip_device_record rec;
    uip_decode_device_record(raw + UIP_OP_REP_DEVLIST_MIN_SIZE, UIP_DEVICE_RECORD_SIZE, &rec);
    cr_assert_str_eq(rec.busid, "5-1");
    cr_assert_eq(rec.id_vendor, 0x46f4);
    cr_assert_eq(rec.id_product, 0x0001);
    cr_assert_eq(rec.speed, UIP_SPEED_SUPER, "bcdUSB 3.x gives super speed");
    cr_assert_eq(rec.num_interfaces, 1);
    cr_assert_eq(raw[UIP_OP_REP_DEVLIST_MIN_SIZE + UIP_DEVICE_RECORD_SIZE], 0x08,
                 "mass storage interface");
    fd = import(&s, "5-1", NULL);
    submit_control_in(fd, 1, get_device_descriptor_18, 18);
    struct uip_header h = recv_header(fd);
    cr_assert_eq(h.u.ret_submit.status, 0);
    cr_assert_eq(h.u.ret_submit.actual_length, 18);
    close(fd);
    cr_assert_eq(log_lines(&s, "device record built from the recorded descriptors"), 1);
    stop_server(&s);
    unlink(path);
}

Test(serve, exit_codes)
{
    struct {
        const char *arg1, *arg2;
        int code;
    } cases[] = {
        {"--timing", "sometimes", 2},
        {"--unmatched", "7", 2},
        {"--listen", "nonsense", 6},
    };
    const char *no_server[] = {REPLAY_BIN, "proxy", "--delay-ms", "5", NULL};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            int null = open("/dev/null", O_WRONLY);
            dup2(null, STDERR_FILENO);
            execl(REPLAY_BIN, REPLAY_BIN, "serve", STORAGE, cases[i].arg1, cases[i].arg2, (char *)NULL);
            _exit(127);
        }
        int st;
        waitpid(pid, &st, 0);
        cr_assert(WIFEXITED(st));
        cr_assert_eq(WEXITSTATUS(st), cases[i].code, "%s %s: exit %d", cases[i].arg1, cases[i].arg2,
                     WEXITSTATUS(st));
    }
    const char *missing[] = {REPLAY_BIN, "serve", "/nonexistent.pcap", NULL};
    const char *empty_pcap = "/tmp/test_replay_empty.pcap";
    pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
    pcap_dumper_t *d = pcap_dump_open(dead, empty_pcap);
    pcap_dump_close(d);
    pcap_close(dead);
    const char *empty[] = {REPLAY_BIN, "serve", empty_pcap, NULL};
    const char *unknown_mode[] = {REPLAY_BIN, "rewind", NULL};
    struct {
        const char **argv;
        int code;
    } runs[] = {{missing, 3}, {empty, 5}, {unknown_mode, 2}, {no_server, 2}};
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            int null = open("/dev/null", O_WRONLY);
            dup2(null, STDERR_FILENO);
            execv(REPLAY_BIN, (char *const *)runs[i].argv);
            _exit(127);
        }
        int st;
        waitpid(pid, &st, 0);
        cr_assert(WIFEXITED(st));
        cr_assert_eq(WEXITSTATUS(st), runs[i].code, "%s: exit %d",
                     runs[i].argv[2] ? runs[i].argv[2] : runs[i].argv[1], WEXITSTATUS(st));
    }
    unlink(empty_pcap);
}

Test(serve, write_records_the_served_session_as_a_readable_pcap)
{
    char path[] = "/tmp/test_replay_write.XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    struct server s = start_server(STORAGE, "--timing=fast", "--write", path);
    fd = import(&s, STORAGE_BUSID, NULL);
    submit_control_in(fd, 21, get_device_descriptor_18, 18);
    recv_header(fd);
    uint8_t desc[18];
    cr_assert(recv_exact(fd, desc, sizeof desc, 5000));
    submit_control_in(fd, 22, get_device_qualifier, 10);
    recv_header(fd);
    close(fd);
    usleep(100000);
    stop_server(&s);
    /* read back with the core, as usbip-analyze does */
    struct replay_recording rec;
    char err[256];
    cr_assert_eq(replay_recording_load(path, NULL, &rec, err, sizeof err), REPLAY_LOAD_OK, "%s", err);
    cr_assert(rec.device_from_import);
    cr_assert_str_eq(rec.device.busid, STORAGE_BUSID);
    cr_assert_eq(rec.n_urbs, 2, "%zu URBs read back", rec.n_urbs);
    cr_assert_eq(rec.urbs[0].seqnum, 21);
    cr_assert(rec.urbs[0].answered);
    cr_assert_eq(rec.urbs[0].actual_length, 18);
    cr_assert_arr_eq(rec.urbs[0].data, desc, sizeof desc);
    cr_assert_eq(rec.urbs[1].seqnum, 22);
    cr_assert_eq(rec.urbs[1].status, EPIPE_STATUS);
    replay_recording_free(&rec);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "%s --any-port %s > /dev/null", ANALYZE_BIN, path);
    int st = system(cmd);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0,
              "usbip-analyze did not read the written pcap cleanly");
    unlink(path);
}

/* usbip-replay proxy to the server s, --listen 127.0.0.1:PORT, with a1..a4. */
static struct server start_proxy(const struct server *to, const char *a1, const char *a2, const char *a3,
                                 const char *a4)
{
    static char server_arg[64];
    snprintf(server_arg, sizeof server_arg, "127.0.0.1:%d", to->port);
    const char *argv[] = {REPLAY_BIN, "proxy", "--listen", "LISTEN", "--server", server_arg,
                          a1,         a2,      a3,         a4,       NULL};
    return spawn_replay(argv);
}

Test(proxy, adds_the_delay_and_records_the_session)
{
    char path[] = "/tmp/test_replay_proxy.XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    struct server srv = start_server(STORAGE, "--timing", "fast", NULL);
    struct server px = start_proxy(&srv, "--delay-ms", "150", "--write", path);
    double t0 = now_ms();
    fd = import(&px, STORAGE_BUSID, NULL);
    cr_assert_geq(now_ms() - t0, 145.0, "the import reply was not delayed");
    t0 = now_ms();
    submit_control_in(fd, 31, get_device_descriptor_18, 18);
    struct uip_header h = recv_header(fd);
    double waited = now_ms() - t0;
    cr_assert_eq(h.seqnum, 31);
    cr_assert_eq(h.u.ret_submit.actual_length, 18);
    uint8_t desc[18];
    cr_assert(recv_exact(fd, desc, sizeof desc, 5000));
    cr_assert_geq(waited, 145.0, "answered after %.1f ms through a 150 ms proxy", waited);
    close(fd);
    usleep(300000);
    cr_assert_eq(stop_server(&px), 0);
    stop_server(&srv);
    struct replay_recording rec;
    char err[256];
    cr_assert_eq(replay_recording_load(path, NULL, &rec, err, sizeof err), REPLAY_LOAD_OK, "%s", err);
    cr_assert(rec.device_from_import);
    cr_assert_eq(rec.n_urbs, 1);
    cr_assert_eq(rec.urbs[0].seqnum, 31);
    cr_assert_arr_eq(rec.urbs[0].data, desc, sizeof desc);
    cr_assert_geq(rec.urbs[0].latency_ns, 145000000ull, "the recorded latency should include the delay");
    replay_recording_free(&rec);
    unlink(path);
}

Test(proxy, jitter_adds_a_bounded_random_delay_in_order)
{
    struct server srv = start_server(STORAGE, "--timing", "fast", NULL);
    struct server px = start_proxy(&srv, "--delay-ms", "40", "--jitter-ms", "80");
    int fd = import(&px, STORAGE_BUSID, NULL);
    double min = 1e9, max = 0;
    for (uint32_t seq = 1; seq <= 8; seq++) {
        double t0 = now_ms();
        submit_control_in(fd, seq, get_device_descriptor_18, 18);
        struct uip_header h = recv_header(fd);
        uint8_t desc[18];
        cr_assert(recv_exact(fd, desc, sizeof desc, 5000));
        double waited = now_ms() - t0;
        cr_assert_eq(h.seqnum, seq, "answers stay in order");
        min = waited < min ? waited : min;
        max = waited > max ? waited : max;
    }
    cr_assert_geq(min, 38.0, "fastest answer %.1f ms, below the 40 ms delay", min);
    /* jitter applies to each direction: at most 40 + 80 (down) + 80 (up); the rest of the
     * bound is scheduling slack for a loaded machine (the lab's qemu runs beside this) */
    cr_assert_leq(max, 1000.0, "slowest answer %.1f ms, far above delay + jitter", max);
    cr_assert_gt(max - min, 1.0, "8 answers all within 1 ms: no jitter");
    close(fd);
    stop_server(&px);
    stop_server(&srv);
}

Test(proxy, unreachable_server_refuses_the_client)
{
    struct server srv = start_server(STORAGE, NULL, NULL, NULL);
    struct server px = start_proxy(&srv, NULL, NULL, NULL, NULL);
    stop_server(&srv); /* nothing listens there any more */
    int fd = client(&px);
    cr_assert(closed_by_server(fd, 8000), "the proxy kept a client it cannot serve");
    close(fd);
    cr_assert_geq(log_lines(&px, "refused: no connection to"), 1);
    cr_assert_eq(stop_server(&px), 0);
}

/* ---- drive ------------------------------------------------------------------------------ */

#define COMPOSITE CAPTURES_DIR "/composite.pcap"
#define ANDROID CAPTURES_DIR "/android.pcap"

/* usbip-replay MODE CAPTURE [--server 127.0.0.1:PORT] a1..a4 (each may be NULL; port 0: no
 * --server); its exit code (60 s at most). Its stderr goes to log (mkstemp'd here; the caller
 * unlinks it). */
static int run_replay(const char *mode, const char *capture, int port, char log[64], const char *a1,
                      const char *a2, const char *a3, const char *a4)
{
    char server_arg[64];
    snprintf(server_arg, sizeof server_arg, "127.0.0.1:%d", port);
    snprintf(log, 64, "/tmp/test_replay_%s.XXXXXX", mode);
    int log_fd = mkstemp(log);
    cr_assert(log_fd >= 0);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(log_fd, STDOUT_FILENO);
        dup2(log_fd, STDERR_FILENO);
        if (port)
            execl(REPLAY_BIN, REPLAY_BIN, mode, capture, "--server", server_arg, a1, a2, a3, a4, (char *)NULL);
        else
            execl(REPLAY_BIN, REPLAY_BIN, mode, capture, a1, a2, a3, a4, (char *)NULL);
        _exit(127);
    }
    close(log_fd);
    int st = 0;
    for (int i = 0; i < 3000 && waitpid(pid, &st, WNOHANG) == 0; i++)
        usleep(20000);
    if (!WIFEXITED(st)) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        cr_assert_fail("usbip-replay %s did not finish within 60 s", mode);
    }
    return WEXITSTATUS(st);
}

/* usbip-replay drive CAPTURE --server 127.0.0.1:PORT a1..a4. */
static int run_drive(const char *capture, int port, char log[64], const char *a1, const char *a2,
                     const char *a3, const char *a4)
{
    return run_replay("drive", capture, port, log, a1, a2, a3, a4);
}

static int file_lines(const char *path, const char *text)
{
    struct server s = {0};
    snprintf(s.log, sizeof s.log, "%s", path);
    return log_lines(&s, text);
}

/* drive CAPTURE against serve of the same CAPTURE: nothing differs, on either side. */
/* drive of capture against serve of it: no divergence either side; drive's log holds
 * drive_says once and serve's serve_says once (NULL: nothing asked). */
static void drive_against_its_own_recording(const char *capture, const char *drive_says, const char *serve_says)
{
    struct server s = start_server(capture, "--timing", "fast", NULL);
    char log[64];
    int code = run_drive(capture, s.port, log, "--timeout", "5", NULL, NULL);
    cr_assert_eq(code, 0, "drive exit %d", code);
    cr_assert_eq(file_lines(log, "0 divergence(s) from the recording"), 1);
    cr_assert_eq(file_lines(log, "divergence:"), 0);
    if (drive_says)
        cr_assert_eq(file_lines(log, drive_says), 1, "drive's log lacks: %s", drive_says);
    unlink(log);
    usleep(100000);
    if (serve_says)
        cr_assert_eq(log_lines(&s, serve_says), 1, "serve's log lacks: %s", serve_says);
    cr_assert_eq(stop_server(&s), 0, "serve saw requests that differ from the recording");
}

Test(drive, hid_against_serve_of_the_same_capture)
{
    drive_against_its_own_recording(HID, NULL, NULL);
}

Test(drive, composite_against_serve_of_the_same_capture)
{
    drive_against_its_own_recording(COMPOSITE, NULL, NULL);
}

Test(drive, another_device_is_reported_from_its_first_divergence)
{
    struct server s = start_server(COMPOSITE, "--timing", "fast", NULL);
    char log[64];
    int code = run_drive(HID, s.port, log, "--busid", recorded_busid(COMPOSITE), NULL, NULL);
    cr_assert_eq(code, 1, "drive exit %d", code);
    cr_assert_eq(file_lines(log, "divergence: the server's device is 0525:a4a2, the recording's 0627:0001"), 1);
    cr_assert_eq(file_lines(log, "divergence: URB 1 of 15 (recorded seqnum 1, ep 0 IN control "
                                 "GET_DESCRIPTOR(DEVICE) wLength 64): IN data differs from byte 4"), 1);
    cr_assert_eq(file_lines(log, "first divergence, in context:"), 1, "context once, for the first");
    cr_assert_eq(file_lines(log, "setup 80 06 00 01 00 00 40 00, transfer_buffer_length 64"), 1);
    cr_assert_eq(file_lines(log, "expected at 0x0000: 12 01 00 02 00 00 00 40 27 06 01 00"), 1);
    cr_assert_eq(file_lines(log, "received at 0x0000: 12 01 00 02 02 00 00 40 25 05 a2 a4"), 1);
    cr_assert_geq(file_lines(log, "status -32 (EPIPE), recorded 0 (OK)"), 1,
                  "requests the other recording does not hold are stalled by serve");
    cr_assert_eq(file_lines(log, "unlinked (as recorded, or at the end); 0 divergence(s)"), 0);
    cr_assert_eq(file_lines(log, "divergence(s) from the recording"), 1, "and a count");
    unlink(log);
    stop_server(&s);
}

enum fake_mode {
    FAKE_AS_RECORDED, /* every answer as recorded; the connection stays open */
    FAKE_FLIP_STRING, /* one byte of the first string descriptor answer differs */
    FAKE_OVERLONG,    /* the first answer is longer than the request */
    FAKE_SILENT,      /* imports, then never answers */
    FAKE_UNKNOWN_SEQ, /* answers the first request with a seqnum never sent */
    FAKE_NO_BULK_IN,  /* answers everything but bulk IN URBs */
    FAKE_BAD_PADDING, /* answers with non-zero bytes where the header's padding is */
    FAKE_CROSSED,     /* as usbip-host when an answer crosses the unlink: the unlinked URB gets
                       * its RET_SUBMIT (-EPIPE) and its RET_UNLINK never comes */
};

/* A USB/IP server built on the core's encoders (through synth_pdu): imports the recorded device
 * of capture and answers seqnum N with the recorded answer of URB N (drive's numbering), changed
 * as mode says; unlinks get -ECONNRESET. Returns its port; *pid the process. */
static int fake_server(const char *capture, enum fake_mode mode, pid_t *pid)
{
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof a;
    cr_assert(bind(lfd, (struct sockaddr *)&a, sizeof a) == 0 && listen(lfd, 1) == 0);
    getsockname(lfd, (struct sockaddr *)&a, &l);
    struct replay_recording rec;
    char err[256];
    cr_assert_eq(replay_recording_load(capture, NULL, &rec, err, sizeof err), REPLAY_LOAD_OK, "%s", err);
    *pid = fork();
    cr_assert(*pid >= 0);
    if (*pid) {
        close(lfd);
        replay_recording_free(&rec);
        return ntohs(a.sin_port);
    }
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int fd = accept(lfd, NULL, NULL);
    uint8_t req[UIP_OP_REQ_IMPORT_SIZE], raw[UIP_HEADER_SIZE];
    if (fd < 0 || !recv_exact(fd, req, sizeof req, 5000))
        _exit(1);
    struct synth_buf b = {0};
    synth_op_rep_import(&b, UIP_ST_OK, &rec.device);
    send(fd, b.data, b.len, MSG_NOSIGNAL);
    synth_buf_free(&b);
    bool flipped = false;
    static uint8_t out[UIP_MAX_TRANSFER_LENGTH];
    for (;;) {
        struct uip_header h;
        if (!recv_exact(fd, raw, UIP_HEADER_SIZE, 30000) || uip_decode_header(raw, UIP_HEADER_SIZE, &h))
            _exit(0);
        if (h.command == UIP_CMD_UNLINK && mode == FAKE_CROSSED) {
            synth_ret_submit(&b, h.u.cmd_unlink.unlink_seqnum, EPIPE_STATUS, 0, 0, NULL, 0);
        } else if (h.command == UIP_CMD_UNLINK) {
            synth_ret_unlink(&b, h.seqnum, ECONNRESET_STATUS);
        } else {
            int32_t len = h.u.cmd_submit.transfer_buffer_length;
            if (h.direction == UIP_DIR_OUT && len > 0 && !recv_exact(fd, out, (size_t)len, 5000))
                _exit(1);
            if (h.seqnum == 0 || h.seqnum > rec.n_urbs)
                _exit(1);
            struct replay_urb *u = &rec.urbs[h.seqnum - 1];
            if (!u->answered || mode == FAKE_SILENT ||
                (mode == FAKE_NO_BULK_IN && u->xfer_type == UIP_XFER_BULK && u->direction == UIP_DIR_IN))
                continue;
            uint32_t n = u->direction == UIP_DIR_IN ? u->data_len : 0;
            int32_t actual = u->direction == UIP_DIR_IN ? (int32_t)n : u->actual_length;
            if (n)
                memcpy(out, u->data, n);
            bool is_string = u->has_setup && u->setup[1] == 0x06 && u->setup[3] == 0x03 && n > 2;
            if (mode == FAKE_FLIP_STRING && is_string && !flipped) {
                out[2] ^= 0xff;
                flipped = true;
            }
            if (mode == FAKE_OVERLONG && u->direction == UIP_DIR_IN)
                actual = (int32_t)(n = (uint32_t)len + 1);
            synth_ret_submit(&b, mode == FAKE_UNKNOWN_SEQ ? h.seqnum + 1000 : h.seqnum, u->status,
                             actual, 0, out, n);
            if (mode == FAKE_BAD_PADDING)
                b.data[UIP_OFF_RET_PADDING] = 0xff;
        }
        send(fd, b.data, b.len, MSG_NOSIGNAL);
        synth_buf_free(&b);
    }
}

static void reap(pid_t pid)
{
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

Test(drive, injected_difference_is_reported_and_ignorable)
{
    pid_t pid;
    char log[64];
    int port = fake_server(HID, FAKE_FLIP_STRING, &pid);
    int code = run_drive(HID, port, log, NULL, NULL, NULL, NULL);
    reap(pid);
    cr_assert_eq(code, 1, "drive exit %d", code);
    cr_assert_eq(file_lines(log, "divergence:"), 1);
    cr_assert_eq(file_lines(log, "GET_DESCRIPTOR(STRING) wLength 255): IN data differs from byte 2"), 1);
    cr_assert_eq(file_lines(log, "first divergence, in context:"), 1);
    cr_assert_eq(file_lines(log, "1 divergence(s) from the recording"), 1);
    unlink(log);
    const char *ignores[] = {"data:strings", "data:ep0in", "data", "all:ep0"};
    for (size_t i = 0; i < sizeof ignores / sizeof ignores[0]; i++) {
        port = fake_server(HID, FAKE_FLIP_STRING, &pid);
        code = run_drive(HID, port, log, "--ignore", ignores[i], NULL, NULL);
        reap(pid);
        cr_assert_eq(code, 0, "--ignore %s: exit %d", ignores[i], code);
        unlink(log);
    }
    const char *not_ignoring[] = {"data:ep1in", "status,length", "data:ep0out", "data:serial"};
    for (size_t i = 0; i < sizeof not_ignoring / sizeof not_ignoring[0]; i++) {
        port = fake_server(HID, FAKE_FLIP_STRING, &pid);
        code = run_drive(HID, port, log, "--ignore", not_ignoring[i], NULL, NULL);
        reap(pid);
        cr_assert_eq(code, 1, "--ignore %s: exit %d", not_ignoring[i], code);
        unlink(log);
    }
}

/* android.pcap's first session ends with the server closing the connection, 55.9 ms after its
 * last answer (usbip-analyze reports the same): the phone switched USB mode. serve closes the live
 * connection at that point, and drive takes the close as recorded; a server that keeps the
 * connection open diverges from the recording. */
Test(drive, the_recorded_server_close_is_played_and_expected)
{
    drive_against_its_own_recording(ANDROID, "as the recording's did after 55.9 ms",
                                    "closing: as recorded: the server closed the connection 55.9 ms after");
    char log[64];
    pid_t pid;
    int port = fake_server(ANDROID, FAKE_AS_RECORDED, &pid);
    int code = run_drive(ANDROID, port, log, "--timeout", "1", NULL, NULL);
    reap(pid);
    cr_assert_eq(code, 1, "drive exit %d", code);
    cr_assert_eq(file_lines(log, "the recording's server closed the connection 55.9 ms after its last answer; "
                                 "this one kept it open"), 1);
    cr_assert_eq(file_lines(log, "1 divergence(s) from the recording"), 1);
    unlink(log);
}

Test(drive, a_server_that_stops_answering_or_lies_ends_the_drive)
{
    struct {
        enum fake_mode mode;
        int code;
        const char *line;
    } cases[] = {
        {FAKE_SILENT, 8, "drive: the server stopped answering: nothing for 1.0 s after URB 1 of 15"},
        {FAKE_OVERLONG, 9, "has an impossible length"},
        {FAKE_UNKNOWN_SEQ, 9, "drive: the server answered seqnum 1001, which is not outstanding"},
        {FAKE_BAD_PADDING, 9, "drive: the server sent an impossible URB header"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pid_t pid;
        char log[64];
        int port = fake_server(HID, cases[i].mode, &pid);
        double t0 = now_ms();
        int code = run_drive(HID, port, log, "--timeout", "1", NULL, NULL);
        reap(pid);
        cr_assert_eq(code, cases[i].code, "case %zu: exit %d", i, code);
        cr_assert_eq(file_lines(log, cases[i].line), 1, "case %zu", i);
        cr_assert_lt(now_ms() - t0, 10000.0);
        unlink(log);
    }
}

Test(drive, urbs_left_unanswered_while_others_are_answered_are_late_and_unlinked)
{
    pid_t pid;
    char log[64];
    int port = fake_server(COMPOSITE, FAKE_NO_BULK_IN, &pid);
    int code = run_drive(COMPOSITE, port, log, "--timeout", "0.5", NULL, NULL);
    reap(pid);
    cr_assert_eq(code, 1, "drive exit %d", code);
    cr_assert_geq(file_lines(log, "bulk): no answer within"), 1);
    cr_assert_eq(file_lines(log, "received: no answer"), 1, "the first one in context");
    cr_assert_eq(file_lines(log, "stopped answering"), 0);
    unlink(log);
}

/* usbip-host answers an unlinked URB that completed meanwhile with its RET_SUBMIT and queues the
 * RET_UNLINK without sending it: drive, like vhci-hcd, takes the answer as the end of the URB. */
Test(drive, an_answer_crossing_the_final_unlink_settles_it)
{
    pid_t pid;
    int port = fake_server(HID, FAKE_CROSSED, &pid);
    char log[64];
    double t0 = now_ms();
    int code = run_drive(HID, port, log, "--timeout", "5", "--verbose", NULL);
    double took = now_ms() - t0;
    cr_assert_eq(code, 0, "drive exit %d", code);
    cr_assert_lt(took, 4000, "drive waited %.0f ms for a RET_UNLINK that never comes", took);
    cr_assert_eq(file_lines(log, "URB 15 of 15 (recorded seqnum 15, ep 1 IN interrupt) answered as it was being unlinked"), 1);
    cr_assert_eq(file_lines(log, "drive: 15 URBs sent, 15 answered, 1 unlinked (as recorded, or at the end); 0 divergence(s)"), 1,
                 "the unlinked URB was answered: counted as answered");
    unlink(log);
    reap(pid);
}

Test(drive, exit_codes)
{
    char log[64];
    int port = free_port(); /* nothing listens there */
    cr_assert_eq(run_drive(HID, port, log, NULL, NULL, NULL, NULL), 6);
    unlink(log);
    struct server s = start_server(HID, NULL, NULL, NULL);
    cr_assert_eq(run_drive(HID, s.port, log, "--busid", "9-9", NULL, NULL), 7);
    cr_assert_eq(file_lines(log, "drive: the server refused the import of 9-9: status 4 (NODEV)"), 1);
    unlink(log);
    stop_server(&s);
    const char *usage[][2] = {{"--ignore", "colour"}, {"--ignore", "data:ep16"}, {"--timeout", "0"}};
    for (size_t i = 0; i < sizeof usage / sizeof usage[0]; i++) {
        cr_assert_eq(run_drive(HID, port, log, usage[i][0], usage[i][1], NULL, NULL), 2);
        unlink(log);
    }
    cr_assert_eq(run_drive("/nonexistent.pcap", port, log, NULL, NULL, NULL, NULL), 3);
    unlink(log);
}

/* The session written to path (--write) holds capture's URBs again, in order: the same requests
 * (endpoint, setup) and the same answers (answered or not, actual_length, IN data). */
static void assert_replayed_as_recorded(const char *path, const char *capture)
{
    struct replay_recording rec, orig;
    char err[256];
    cr_assert_eq(replay_recording_load(path, NULL, &rec, err, sizeof err), REPLAY_LOAD_OK, "%s", err);
    cr_assert_eq(replay_recording_load(capture, NULL, &orig, err, sizeof err), REPLAY_LOAD_OK, "%s", err);
    cr_assert_eq(rec.n_urbs, orig.n_urbs, "every recorded request was sent again");
    for (size_t i = 0; i < rec.n_urbs; i++) {
        cr_assert_eq(rec.urbs[i].ep, orig.urbs[i].ep);
        cr_assert_arr_eq(rec.urbs[i].setup, orig.urbs[i].setup, UIP_SETUP_SIZE);
        cr_assert_eq(rec.urbs[i].answered, orig.urbs[i].answered);
        cr_assert_eq(rec.urbs[i].actual_length, orig.urbs[i].actual_length);
        cr_assert_eq(rec.urbs[i].data_len, orig.urbs[i].data_len);
        if (rec.urbs[i].data_len)
            cr_assert_arr_eq(rec.urbs[i].data, orig.urbs[i].data, rec.urbs[i].data_len);
    }
    replay_recording_free(&rec);
    replay_recording_free(&orig);
}

Test(drive, write_records_the_driven_session)
{
    char path[] = "/tmp/test_replay_drive_write.XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    struct server s = start_server(HID, "--timing", "fast", NULL);
    char log[64];
    cr_assert_eq(run_drive(HID, s.port, log, "--write", path, NULL, NULL), 0);
    unlink(log);
    stop_server(&s);
    assert_replayed_as_recorded(path, HID);
    unlink(path);
}

/* ---- pair -------------------------------------------------------------------------------- */

/* usbip-replay pair CAPTURE a1..a4. */
static int run_pair(const char *capture, char log[64], const char *a1, const char *a2, const char *a3,
                    const char *a4)
{
    return run_replay("pair", capture, 0, log, a1, a2, a3, a4);
}

/* pair of a capture: both sides agree with the recording, and the run is measured. */
static void pair_reproduces(const char *capture, const char *sent_line)
{
    char log[64];
    int code = run_pair(capture, log, NULL, NULL, NULL, NULL);
    cr_assert_eq(code, 0, "pair exit %d", code);
    cr_assert_eq(file_lines(log, "pair: the replay reproduces the recording"), 1);
    cr_assert_eq(file_lines(log, "divergence:"), 0);
    cr_assert_eq(file_lines(log, sent_line), 1, "every recorded request went through: %s", sent_line);
    cr_assert_eq(file_lines(log, " URB round trips in "), 1);
    cr_assert_eq(file_lines(log, "answers went out a median "), 1, "the server's lateness is reported");
    unlink(log);
}

Test(pair, reproduces_the_keyboard_session)
{
    pair_reproduces(HID, "drive: 15 URBs sent, 14 answered, 1 unlinked (as recorded, or at the end)");
}

Test(pair, reproduces_the_composite_session_with_its_queued_bulk_urbs)
{
    pair_reproduces(COMPOSITE, "drive: 208 URBs sent, 202 answered, 6 unlinked (as recorded, or at the end)");
}

Test(pair, reproduces_the_storage_session)
{
    pair_reproduces(STORAGE, "drive: 105 URBs sent, 105 answered, 0 unlinked (as recorded, or at the end)");
}

/* The recorded timing is kept: the session takes about as long as recorded, each answer no
 * earlier than its recorded latency (the client measures them: never early). */
Test(pair, recorded_timing_keeps_the_recorded_latencies)
{
    char log[64];
    double t0 = now_ms();
    cr_assert_eq(run_pair(COMPOSITE, log, "--timing", "recorded", NULL, NULL), 0);
    double took = now_ms() - t0;
    struct replay_recording rec;
    char err[256];
    cr_assert_eq(replay_recording_load(COMPOSITE, NULL, &rec, err, sizeof err), REPLAY_LOAD_OK, "%s", err);
    double recorded_sum = 0; /* the longest chain: at least the serial control requests' latencies */
    for (size_t i = 0; i < rec.n_urbs; i++)
        if (rec.urbs[i].ep == 0 && rec.urbs[i].answered)
            recorded_sum += (double)rec.urbs[i].latency_ns / 1e6;
    replay_recording_free(&rec);
    cr_assert_geq(took, recorded_sum, "took %.0f ms, the recorded control latencies add up to %.0f ms",
                  took, recorded_sum);
    /* "later than the server's timing by a median X (p99 Y)": never negative */
    cr_assert_eq(file_lines(log, "later than the server's timing by a median -"), 0,
                 "an answer came before its recorded latency");
    cr_assert_eq(file_lines(log, "later than the server's timing by a median "), 1);
    unlink(log);
}

Test(pair, reproduces_the_arduino_programming_session_through_the_serial_model)
{
    pair_reproduces(ARDUINO, "drive: 311 URBs sent, 309 answered, 2 unlinked (as recorded, or at the end)");
}

Test(pair, reproduces_the_isochronous_audio_session)
{
    pair_reproduces(CAPTURES_DIR "/audio.pcap", "drive: 383 URBs sent, 383 answered, 0 unlinked (as recorded, or at the end)");
}

/* drive's deadlines follow the server's timing: 1.5 s added to every answer is no timeout for a
 * client that waits 1 s beyond what it expects. */
Test(pair, slowed_timing_is_waited_for)
{
    char log[64];
    int code = run_pair(HID, log, "--timing", "add=1500", "--timeout", "1");
    cr_assert_eq(code, 0, "pair exit %d", code);
    cr_assert_eq(file_lines(log, "pair: the replay reproduces the recording"), 1);
    unlink(log);
}

Test(pair, write_records_the_replayed_session)
{
    char path[] = "/tmp/test_replay_pair_write.XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    char log[64];
    cr_assert_eq(run_pair(HID, log, "--write", path, NULL, NULL), 0);
    unlink(log);
    assert_replayed_as_recorded(path, HID);
    unlink(path);
}

Test(pair, exit_codes)
{
    char log[64];
    cr_assert_eq(run_pair(HID, log, "--timing", "slow", NULL, NULL), 2);
    unlink(log);
    cr_assert_eq(run_pair(HID, log, "--timeout", "0", NULL, NULL), 2);
    unlink(log);
    cr_assert_eq(run_pair("/nonexistent.pcap", log, NULL, NULL, NULL, NULL), 3);
    unlink(log);
    cr_assert_eq(run_pair(HID, log, "--busid", "9-9", NULL, NULL), 5);
    cr_assert_eq(file_lines(log, "no device with busid 9-9"), 1);
    unlink(log);
}
