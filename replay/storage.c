/* SPDX-License-Identifier: GPL-2.0-or-later */
/* storage.c -- a model of a recorded USB mass-storage (bulk-only transport) device: the blocks
 * the recording read and the answers to its other SCSI commands, for when the live kernel's
 * I/O pattern (request sizes, readahead) departs from the recorded one. */
#include "storage.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define CBW_SIZE 31
#define CSW_SIZE 13
#define OFF_CBW_TAG 4
#define OFF_CBW_DATA_LENGTH 8
#define OFF_CBW_FLAGS 12
#define OFF_CBW_CB 15
#define CBW_FLAG_IN 0x80
#define OFF_CSW_STATUS 12
#define CSW_STATUS_FAILED 1
#define SCSI_READ_CAPACITY_10 0x25
#define SCSI_READ_10 0x28
#define SCSI_WRITE_10 0x2a
#define SCSI_READ_16 0x88
#define SCSI_WRITE_16 0x8a
#define SCSI_SERVICE_ACTION_IN_16 0x9e /* READ CAPACITY(16) with service action 0x10 */
#define SA_READ_CAPACITY_16 0x10
/* Blocks a live session may write (kept per connection, read back by its later reads). */
#define MAX_WRITTEN_BYTES (256u * 1024u * 1024u)
#define CB_SIZE 16

/* The recorded answer to one command block: its data phase and CSW. */
struct recorded_command {
    const struct replay_urb *data; /* first data IN URB, or NULL */
    const struct replay_urb *csw;
};

struct replay_storage {
    uint32_t ep_out, ep_in;
    uint32_t block_size;
    GHashTable *blocks;   /* LBA -> const uint8_t * (block_size bytes inside the recording) */
    GHashTable *commands; /* 16-byte command block -> struct recorded_command (first seen) */
    uint64_t latency_cbw, latency_data, latency_csw; /* medians of the recorded phases */
};

enum bot_phase { PHASE_COMMAND = 0, PHASE_DATA, PHASE_STATUS };

struct replay_storage_session {
    const struct replay_storage *s;
    enum bot_phase phase;
    uint8_t tag[4];
    uint8_t cb[CB_SIZE];
    uint32_t data_length; /* dCBWDataTransferLength */
    uint32_t data_done;   /* bytes of the data phase answered */
    bool data_in;
    uint8_t status; /* CSW bStatus to send */
    const struct recorded_command *recorded;
    GHashTable *written; /* LBA + 1 -> block_size bytes this session wrote (owned) */
    bool beyond_disk;    /* the command's blocks are beyond any disk's addresses: failed, no data kept */
    uint64_t written_bytes;
    bool told_write_cap;
};

/* A READ or WRITE, 10 or 16 bytes: its opcode is one the model serves from blocks. */
static bool is_block_read(const uint8_t *cb)
{
    return cb[0] == SCSI_READ_10 || cb[0] == SCSI_READ_16;
}

static bool is_block_write(const uint8_t *cb)
{
    return cb[0] == SCSI_WRITE_10 || cb[0] == SCSI_WRITE_16;
}

static uint64_t be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

/* The first LBA of a READ/WRITE(10) or (16) command block. */
static uint64_t block_lba(const uint8_t *cb)
{
    if (cb[0] == SCSI_READ_16 || cb[0] == SCSI_WRITE_16)
        return be64(cb + 2);
    return (uint64_t)cb[2] << 24 | (uint64_t)cb[3] << 16 | (uint64_t)cb[4] << 8 | cb[5];
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool is_cbw(const uint8_t *p, uint32_t len)
{
    return len == CBW_SIZE && !memcmp(p, "USBC", 4);
}

static bool is_csw(const struct replay_urb *u)
{
    return u->direction == UIP_DIR_IN && u->answered && u->actual_length == CSW_SIZE &&
           u->data_len >= CSW_SIZE && !memcmp(u->data, "USBS", 4);
}

static int by_value(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t median(GArray *v)
{
    if (!v->len)
        return 0;
    g_array_sort(v, by_value);
    return g_array_index(v, uint64_t, v->len / 2);
}

/* Walk the recorded bulk-only-transport exchanges: CBW, data, CSW. */
static void learn(struct replay_storage *s, const struct replay_recording *r)
{
    GArray *lat[3];
    for (int k = 0; k < 3; k++)
        lat[k] = g_array_new(FALSE, FALSE, sizeof(uint64_t));
    const uint8_t *cb = NULL;
    struct recorded_command current = {0};
    uint64_t at = 0; /* byte address the next READ data lands at */
    for (size_t i = 0; i < r->n_urbs; i++) {
        const struct replay_urb *u = &r->urbs[i];
        if (!u->answered)
            continue;
        if (u->ep == s->ep_out && u->direction == UIP_DIR_OUT && is_cbw(u->data, u->data_len)) {
            cb = u->data + OFF_CBW_CB;
            current = (struct recorded_command){0};
            if (is_block_read(cb))
                at = block_lba(cb) * s->block_size;
            g_array_append_val(lat[0], u->latency_ns);
        } else if (u->ep == s->ep_in && cb && is_csw(u)) {
            current.csw = u;
            if (!g_hash_table_contains(s->commands, cb)) {
                struct recorded_command *rc = g_new(struct recorded_command, 1);
                *rc = current;
                g_hash_table_insert(s->commands, (gpointer)cb, rc);
            }
            cb = NULL;
            g_array_append_val(lat[2], u->latency_ns);
        } else if (u->ep == s->ep_in && u->direction == UIP_DIR_IN && cb) {
            if (!current.data)
                current.data = u;
            g_array_append_val(lat[1], u->latency_ns);
            if (cb[0] == SCSI_READ_CAPACITY_10 && u->data_len >= 8 && be32(u->data + 4))
                s->block_size = be32(u->data + 4);
            if (cb[0] == SCSI_SERVICE_ACTION_IN_16 && (cb[1] & 0x1f) == SA_READ_CAPACITY_16 &&
                u->data_len >= 12 && be32(u->data + 8))
                s->block_size = be32(u->data + 8);
            if (is_block_read(cb) && s->block_size && at % s->block_size == 0)
                for (uint32_t off = 0; off + s->block_size <= u->data_len; off += s->block_size)
                    g_hash_table_insert(s->blocks, GSIZE_TO_POINTER((at + off) / s->block_size + 1),
                                        (gpointer)(u->data + off));
            at += u->data_len;
        }
    }
    s->latency_cbw = median(lat[0]);
    s->latency_data = median(lat[1]);
    s->latency_csw = median(lat[2]);
    for (int k = 0; k < 3; k++)
        g_array_free(lat[k], TRUE);
}

static guint cb_hash(gconstpointer p)
{
    const uint8_t *b = p;
    guint h = 5381;
    for (int i = 0; i < CB_SIZE; i++)
        h = h * 33 + b[i];
    return h;
}

static gboolean cb_equal(gconstpointer a, gconstpointer b)
{
    return !memcmp(a, b, CB_SIZE);
}

struct replay_storage *replay_storage_new(const struct replay_recording *r)
{
    uint32_t ep_out = 0, ep_in = 0;
    for (size_t i = 0; i < r->n_urbs && !(ep_out && ep_in); i++) {
        const struct replay_urb *u = &r->urbs[i];
        if (u->ep && u->direction == UIP_DIR_OUT && is_cbw(u->data, u->data_len))
            ep_out = u->ep;
        if (u->ep && is_csw(u))
            ep_in = u->ep;
    }
    if (!ep_out || !ep_in)
        return NULL;
    struct replay_storage *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->ep_out = ep_out;
    s->ep_in = ep_in;
    s->block_size = 512;
    s->blocks = g_hash_table_new(g_direct_hash, g_direct_equal);
    s->commands = g_hash_table_new_full(cb_hash, cb_equal, NULL, g_free);
    learn(s, r);
    return s;
}

void replay_storage_free(struct replay_storage *s)
{
    if (!s)
        return;
    g_hash_table_destroy(s->blocks);
    g_hash_table_destroy(s->commands);
    free(s);
}

bool replay_storage_owns(const struct replay_storage *s, uint32_t ep, uint32_t direction)
{
    return (ep == s->ep_out && direction == UIP_DIR_OUT) || (ep == s->ep_in && direction == UIP_DIR_IN);
}

bool replay_storage_same_command(const uint8_t *live_cbw, uint32_t live_len, const struct replay_urb *u)
{
    if (!is_cbw(live_cbw, live_len) || !is_cbw(u->data, u->data_len))
        return false;
    return !memcmp(live_cbw, u->data, CBW_SIZE);
}

struct replay_storage_session *replay_storage_session_new(const struct replay_storage *s)
{
    struct replay_storage_session *ss = calloc(1, sizeof *ss);
    if (ss) {
        ss->s = s;
        ss->written = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    }
    return ss;
}

void replay_storage_session_free(struct replay_storage_session *ss)
{
    if (!ss)
        return;
    g_hash_table_destroy(ss->written);
    free(ss);
}

static void answer_cbw(struct replay_storage_session *ss, uint32_t conn_id, const struct uip_header *cmd,
                       const uint8_t *out, uint32_t out_len, struct replay_urb *a)
{
    a->latency_ns = ss->s->latency_cbw;
    a->actual_length = (int32_t)out_len;
    if (!is_cbw(out, out_len)) {
        replay_divergence("conn %u seq %u ep %u OUT: %u bytes where a mass-storage CBW was due", conn_id,
                          cmd->seqnum, cmd->ep, out_len);
        return;
    }
    memcpy(ss->tag, out + OFF_CBW_TAG, 4);
    memcpy(ss->cb, out + OFF_CBW_CB, CB_SIZE);
    ss->data_length = le32(out + OFF_CBW_DATA_LENGTH);
    ss->data_in = out[OFF_CBW_FLAGS] & CBW_FLAG_IN;
    ss->data_done = 0;
    ss->status = 0;
    ss->recorded = g_hash_table_lookup(ss->s->commands, ss->cb);
    if (ss->recorded && ss->recorded->csw)
        ss->status = ss->recorded->csw->data[OFF_CSW_STATUS];
    else if (!is_block_read(ss->cb) && !is_block_write(ss->cb)) {
        replay_divergence(
            "conn %u seq %u: SCSI command 0x%02x is not in the recording; failed in its CSW", conn_id,
            cmd->seqnum, ss->cb[0]);
        ss->status = CSW_STATUS_FAILED;
    }
    /* A 64-bit LBA whose byte address does not fit (or with no block size known) is no block of
     * any disk: the command fails, its data phase carries zeros and keeps nothing. */
    uint64_t room = ss->s->block_size ? UINT64_MAX / ss->s->block_size : 0;
    ss->beyond_disk = (is_block_read(ss->cb) || is_block_write(ss->cb)) &&
                      (!room || block_lba(ss->cb) >= room - (ss->data_length / ss->s->block_size + 1));
    if (ss->beyond_disk) {
        replay_divergence("conn %u seq %u: SCSI command 0x%02x at LBA %llu is beyond any disk; failed in its CSW",
                          conn_id, cmd->seqnum, ss->cb[0], (unsigned long long)block_lba(ss->cb));
        ss->status = CSW_STATUS_FAILED;
    }
    ss->phase = ss->data_length ? PHASE_DATA : PHASE_STATUS;
}

/* Fill n bytes of a READ data phase from the blocks this session wrote, else the recorded
 * blocks, from byte done of it. */
static void read_blocks(struct replay_storage_session *ss, uint32_t conn_id, uint32_t seqnum,
                        uint8_t *dst, uint32_t n)
{
    const struct replay_storage *s = ss->s;
    uint64_t start = block_lba(ss->cb) * s->block_size + ss->data_done;
    uint32_t missing = 0;
    for (uint32_t k = 0; k < n;) {
        uint64_t lba = (start + k) / s->block_size, in_block = (start + k) % s->block_size;
        uint32_t chunk = (uint32_t)(s->block_size - in_block);
        if (chunk > n - k)
            chunk = n - k;
        const uint8_t *b = g_hash_table_lookup(ss->written, GSIZE_TO_POINTER(lba + 1));
        if (!b)
            b = g_hash_table_lookup(s->blocks, GSIZE_TO_POINTER(lba + 1));
        if (b)
            memcpy(dst + k, b + in_block, chunk);
        else
            missing++;
        k += chunk;
    }
    if (missing)
        replay_divergence(
            "conn %u seq %u: READ of %u block(s) the recording never read (answered as zeros)",
            conn_id, seqnum, missing);
}

/* Keep n bytes of a WRITE data phase (from byte done of it) as this session's blocks; whole
 * blocks only (a partial block is merged into what a read would have returned). */
static void write_blocks(struct replay_storage_session *ss, uint32_t conn_id, uint32_t seqnum,
                         const uint8_t *src, uint32_t n)
{
    const struct replay_storage *s = ss->s;
    uint64_t start = block_lba(ss->cb) * s->block_size + ss->data_done;
    for (uint32_t k = 0; k < n;) {
        uint64_t lba = (start + k) / s->block_size, in_block = (start + k) % s->block_size;
        uint32_t chunk = (uint32_t)(s->block_size - in_block);
        if (chunk > n - k)
            chunk = n - k;
        uint8_t *b = g_hash_table_lookup(ss->written, GSIZE_TO_POINTER(lba + 1));
        if (!b) {
            if (ss->written_bytes + s->block_size > MAX_WRITTEN_BYTES) {
                if (!ss->told_write_cap)
                    replay_divergence("conn %u seq %u: more than %u bytes written in this session; "
                                      "later writes are taken and forgotten",
                                      conn_id, seqnum, MAX_WRITTEN_BYTES);
                ss->told_write_cap = true;
                return;
            }
            b = g_malloc0(s->block_size);
            const uint8_t *old = g_hash_table_lookup(s->blocks, GSIZE_TO_POINTER(lba + 1));
            if (old)
                memcpy(b, old, s->block_size);
            g_hash_table_insert(ss->written, GSIZE_TO_POINTER(lba + 1), b);
            ss->written_bytes += s->block_size;
        }
        memcpy(b + in_block, src + k, chunk);
        k += chunk;
    }
}

static void answer_data(struct replay_storage_session *ss, uint32_t conn_id, const struct uip_header *cmd,
                        const uint8_t *out, uint32_t out_len, uint32_t max_data, struct replay_urb *a)
{
    uint32_t want = ss->data_length - ss->data_done;
    int32_t asked = cmd->u.cmd_submit.transfer_buffer_length;
    if (asked >= 0 && (uint32_t)asked < want)
        want = (uint32_t)asked;
    if (want > max_data)
        want = max_data;
    a->latency_ns = ss->s->latency_data;
    if (!ss->data_in) { /* a write: kept when it writes blocks, so that reads return it */
        uint32_t n = out_len < want ? out_len : want;
        if (is_block_write(ss->cb) && !ss->beyond_disk)
            write_blocks(ss, conn_id, cmd->seqnum, out, n);
        a->actual_length = (int32_t)n;
        ss->data_done = n < want ? ss->data_length : ss->data_done + n;
    } else if (is_block_read(ss->cb)) {
        a->data = calloc(1, want ? want : 1);
        if (a->data && !ss->beyond_disk)
            read_blocks(ss, conn_id, cmd->seqnum, a->data, want);
        a->data_len = a->data ? want : 0;
        a->actual_length = (int32_t)a->data_len;
        ss->data_done += a->data_len;
    } else {
        const struct replay_urb *d = ss->recorded ? ss->recorded->data : NULL;
        uint32_t have = d && d->data_len > ss->data_done ? d->data_len - ss->data_done : 0;
        uint32_t n = have < want ? have : want;
        a->data = malloc(n ? n : 1);
        if (a->data && n)
            memcpy(a->data, d->data + ss->data_done, n);
        a->data_len = a->data ? n : 0;
        a->actual_length = (int32_t)a->data_len;
        /* A short answer ends the data phase, as a short packet does. */
        ss->data_done = a->data_len < want ? ss->data_length : ss->data_done + a->data_len;
    }
    if (ss->data_done >= ss->data_length)
        ss->phase = PHASE_STATUS;
}

static void answer_csw(struct replay_storage_session *ss, struct replay_urb *a)
{
    a->latency_ns = ss->s->latency_csw;
    a->data = malloc(CSW_SIZE);
    if (!a->data)
        return;
    uint32_t residue =
        ss->data_length - (ss->data_done < ss->data_length ? ss->data_done : ss->data_length);
    memcpy(a->data, "USBS", 4);
    memcpy(a->data + 4, ss->tag, 4);
    for (int i = 0; i < 4; i++)
        a->data[8 + i] = (uint8_t)(residue >> (8 * i));
    a->data[OFF_CSW_STATUS] = ss->status;
    a->data_len = CSW_SIZE;
    a->actual_length = CSW_SIZE;
    ss->phase = PHASE_COMMAND;
}

void replay_storage_answer(struct replay_storage_session *ss, uint32_t conn_id,
                           const struct uip_header *cmd, const uint8_t *out, uint32_t out_len,
                           uint32_t max_data, struct replay_urb *answer)
{
    *answer = (struct replay_urb){.seqnum = cmd->seqnum,
                                  .ep = (uint8_t)cmd->ep,
                                  .direction = (int8_t)cmd->direction,
                                  .answered = true,
                                  .transfer_buffer_length = cmd->u.cmd_submit.transfer_buffer_length};
    bool is_out = cmd->direction == UIP_DIR_OUT;
    if (is_out && (ss->phase != PHASE_DATA || ss->data_in || is_cbw(out, out_len)))
        answer_cbw(ss, conn_id, cmd, out, out_len, answer);
    else if (ss->phase == PHASE_DATA)
        answer_data(ss, conn_id, cmd, out, out_len, max_data, answer);
    else if (!is_out && ss->phase == PHASE_STATUS)
        answer_csw(ss, answer);
    else {
        replay_divergence("conn %u seq %u ep %u IN: no mass-storage command is waiting for it; stalled",
                          conn_id, cmd->seqnum, cmd->ep);
        answer->status = -32; /* -EPIPE */
    }
}
