/* SPDX-License-Identifier: GPL-2.0-or-later */
/* diff.c -- usbip-analyze --diff: two captures of one device, their URBs aligned by request and
 * compared (see diff.h, analyzer/README.md "Comparing two sessions"). */
#include <glib.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "classview.h"
#include "device_table.h"
#include "diff.h"
#include "json_out.h"
#include "uip/error.h"
#include "uip/usb.h"

/* Data bytes compared and shown per URB: a request's OUT data, an answer's IN data. */
#define DIFF_DATA 64
/* URBs alike shown before the first divergence. */
#define DIFF_CONTEXT 3
/* A latency shift is "every answer later" when it is at least this and the middle half of the
 * aligned URBs' shifts lies within a fifth of it. */
#define DIFF_SHIFT_MIN_NS 1000000ll

/* One URB as the comparison needs it. */
struct diff_urb {
    uint64_t seqnum;
    uint8_t ep;
    int8_t direction;
    uint8_t xfer_type;
    bool has_setup;
    uint8_t setup[8];
    int32_t length, actual, status;
    enum uip_urb_outcome outcome;
    uint64_t t_submit, t_complete; /* t_complete 0: never answered */
    uint32_t data_len, data_kept;  /* OUT data of the request, IN data of the answer */
    uint8_t data[DIFF_DATA];
    long peer;                     /* the aligned URB in the other capture, -1 */
};

struct diff_device {
    uint32_t conn_id, devid;
    bool has_record;
    struct uip_device_record record;
    bool has_ids; /* its model: from the import record, or its device descriptor (usbmon) */
    uint16_t vendor, product;
    GArray *urbs; /* struct diff_urb, in the order they finished; sorted by submit once read */
};

struct diff_side {
    const char *path;
    struct device_registry *registry; /* the side's devices, for both views below */
    struct device_table *devices; /* struct diff_device */
    struct classview *classes; /* the class views (SCSI commands, serial exchanges, HID reports) */
};

/* ---- reading a capture ------------------------------------------------------------------------ */

static struct diff_device *device_get(struct diff_side *s, uint32_t conn_id, uint32_t devid)
{
    bool made;
    struct diff_device *d = device_table_get(s->devices, conn_id, devid, &made);
    if (made)
        d->urbs = g_array_new(FALSE, TRUE, sizeof(struct diff_urb));
    return d;
}

static void device_free(void *p)
{
    struct diff_device *d = p;
    if (d->urbs)
        g_array_free(d->urbs, TRUE);
}

static void on_urb(void *user, const struct uip_urb *u)
{
    struct diff_side *s = user;
    classview_urb(s->classes, u);
    if (uip_outcome_unmatched(u->outcome))
        return; /* an answer without its request: nothing to align it by */
    struct diff_urb x = {.seqnum = u->id, .ep = u->ep, .direction = u->direction, .xfer_type = u->xfer_type,
                         .has_setup = u->has_setup, .length = u->transfer_buffer_length,
                         .actual = u->actual_length, .status = u->status, .outcome = u->outcome,
                         .t_submit = u->t_submit_first_ns,
                         /* answered before it was submitted (the clock went back): no time */
                         .t_complete = u->t_complete_ns >= u->t_submit_first_ns ? u->t_complete_ns : 0,
                         .data_len = u->data_len, .peer = -1};
    memcpy(x.setup, u->setup, sizeof x.setup);
    x.data_kept = u->data && u->data_kept < DIFF_DATA ? u->data_kept : u->data ? DIFF_DATA : 0;
    if (x.data_kept)
        memcpy(x.data, u->data, x.data_kept);
    struct diff_device *d = device_get(user, u->conn_id, u->devid);
    if (!d->has_ids && uip_urb_device_ids(u, &d->vendor, &d->product))
        d->has_ids = true;
    g_array_append_val(d->urbs, x);
}

static void on_device(void *user, const struct uip_device_info *info)
{
    struct diff_side *s = user;
    classview_device(s->classes, info);
    struct diff_device *d = device_get(s, info->conn_id, info->devid);
    if (info->has_record) {
        d->has_record = true;
        d->record = info->record;
        d->has_ids = true;
        d->vendor = info->record.id_vendor;
        d->product = info->record.id_product;
    }
}

static gint by_submit(gconstpointer pa, gconstpointer pb)
{
    const struct diff_urb *a = pa, *b = pb;
    if (a->t_submit != b->t_submit)
        return a->t_submit < b->t_submit ? -1 : 1;
    return (a->seqnum > b->seqnum) - (a->seqnum < b->seqnum);
}

static enum diff_result read_side(struct diff_side *s, const struct uip_session_config *cfg, char *err,
                                  size_t errlen)
{
    struct uip_session_callbacks cb = {.tracker = {.urb = on_urb, .device = on_device}};
    char why[400] = "";
    int code = 0;
    struct uip_session *session = uip_session_open(s->path, cfg, &cb, s, &code, why, sizeof why);
    if (!session) {
        snprintf(err, errlen, "--diff: %s", why);
        return code == UIP_ERR_BAD_ARGUMENT ? DIFF_USAGE : DIFF_UNREADABLE;
    }
    int rc = uip_session_run(session, why, sizeof why);
    uip_session_close(session);
    classview_finish(s->classes);
    if (rc != UIP_OK) {
        snprintf(err, errlen, "--diff: %s: %s", s->path, why);
        return DIFF_CORRUPT;
    }
    for (unsigned i = 0; i < device_table_len(s->devices); i++)
        g_array_sort(((struct diff_device *)device_table_at(s->devices, i))->urbs, by_submit);
    return DIFF_SAME;
}

/* ---- which device ---------------------------------------------------------------------------- */

static void device_name(const struct diff_device *d, char *buf, size_t n)
{
    if (d->has_record)
        snprintf(buf, n, "%04x:%04x (busid %s)", d->record.id_vendor, d->record.id_product, d->record.busid);
    else if (d->has_ids)
        snprintf(buf, n, "%04x:%04x (device %u-%u)", d->vendor, d->product, d->devid >> 16, d->devid & 0xffff);
    else
        snprintf(buf, n, "device %u-%u", d->devid >> 16, d->devid & 0xffff);
}

static bool same_model(const struct diff_device *a, const struct diff_device *b)
{
    return a->has_ids && b->has_ids && a->vendor == b->vendor && a->product == b->product;
}

/* The side's devices, as "04f3:0001 (busid 1-1), ..." for an error message. */
static void list_devices(const struct diff_side *s, char *buf, size_t n)
{
    buf[0] = 0;
    for (unsigned i = 0; i < device_table_len(s->devices); i++) {
        const struct diff_device *d = device_table_at(s->devices, i);
        char name[64];
        device_name(d, name, sizeof name);
        size_t len = strlen(buf);
        snprintf(buf + len, n - len, "%s%s", i ? ", " : "", name);
    }
    if (!device_table_len(s->devices))
        snprintf(buf, n, "no USB/IP device");
}

/* The device of side s to compare: the one with busid, the only one, or the one whose model the
 * other side holds too (the most URBs among several). NULL when none or several fit. */
static struct diff_device *pick(const struct diff_side *s, const struct diff_side *other,
                                const struct diff_options *o)
{
    const char *busid = o->busid;
    struct diff_device *best = NULL, *first = NULL;
    for (unsigned i = 0; i < device_table_len(s->devices); i++) {
        struct diff_device *d = device_table_at(s->devices, i);
        bool fit;
        if (busid || o->by_model)
            fit = (!busid || (d->has_record && !strcmp(d->record.busid, busid))) &&
                  (!o->by_model || (d->has_ids && d->vendor == o->vendor && d->product == o->product));
        else if (device_table_len(s->devices) == 1)
            fit = true;
        else {
            fit = false;
            for (unsigned k = 0; k < device_table_len(other->devices); k++)
                fit = fit || same_model(d, device_table_at(other->devices, k));
        }
        if (!fit)
            continue;
        if (!first)
            first = d;
        else if (!same_model(first, d))
            return NULL; /* two models fit: which one is for --busid to say */
        if (!best || d->urbs->len > best->urbs->len)
            best = d;
    }
    return best;
}

/* ---- alignment ------------------------------------------------------------------------------- */

/* What aligns URBs: the endpoint, direction and type, a control URB's setup packet, and the
 * occurrence of that request. */
static char *align_key(const struct diff_urb *u, unsigned occurrence)
{
    return g_strdup_printf("%u/%d/%u/%02x%02x%02x%02x%02x%02x%02x%02x/%u", u->ep, u->direction, u->xfer_type,
                           u->has_setup ? u->setup[0] : 0, u->has_setup ? u->setup[1] : 0,
                           u->has_setup ? u->setup[2] : 0, u->has_setup ? u->setup[3] : 0,
                           u->has_setup ? u->setup[4] : 0, u->has_setup ? u->setup[5] : 0,
                           u->has_setup ? u->setup[6] : 0, u->has_setup ? u->setup[7] : 0, occurrence);
}

/* Every URB's key with its occurrence number; the caller frees the array and its strings. */
static GPtrArray *keys_of(const GArray *urbs)
{
    GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    GPtrArray *keys = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < urbs->len; i++) {
        char *base = align_key(&g_array_index(urbs, struct diff_urb, i), 0);
        unsigned n = GPOINTER_TO_UINT(g_hash_table_lookup(seen, base));
        g_ptr_array_add(keys, align_key(&g_array_index(urbs, struct diff_urb, i), n));
        g_hash_table_replace(seen, base, GUINT_TO_POINTER(n + 1));
    }
    g_hash_table_destroy(seen);
    return keys;
}

static void align(GArray *good, GArray *bad)
{
    GPtrArray *kg = keys_of(good), *kb = keys_of(bad);
    GHashTable *where = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint j = 0; j < bad->len; j++)
        g_hash_table_insert(where, g_ptr_array_index(kb, j), GUINT_TO_POINTER(j + 1));
    for (guint i = 0; i < good->len; i++) {
        guint j = GPOINTER_TO_UINT(g_hash_table_lookup(where, g_ptr_array_index(kg, i)));
        if (j) {
            g_array_index(good, struct diff_urb, i).peer = (long)j - 1;
            g_array_index(bad, struct diff_urb, j - 1).peer = (long)i;
        }
    }
    g_hash_table_destroy(where);
    g_ptr_array_free(kg, TRUE);
    g_ptr_array_free(kb, TRUE);
}

/* ---- comparison ------------------------------------------------------------------------------ */

enum diff_kind { ALIKE = 0, REQUEST_DIFFERS, ANSWER_DIFFERS, ONLY_GOOD, ONLY_BAD };

static bool answered(const struct diff_urb *u)
{
    return uip_outcome_answered(u->outcome);
}

/* Answered, with a latency (t_complete is 0 when the capture's clock went back). */
static bool timed(const struct diff_urb *u)
{
    return answered(u) && u->t_complete;
}

/* How two aligned URBs differ: the request (length, OUT data), else the answer (whether and how
 * it came, status, length, IN data). */
static enum diff_kind compare(const struct diff_urb *g, const struct diff_urb *b)
{
    bool out = g->direction == UIP_DIR_OUT;
    if (g->length != b->length || (out && (g->data_len != b->data_len || g->data_kept != b->data_kept ||
                                           memcmp(g->data, b->data, g->data_kept))))
        return REQUEST_DIFFERS;
    if (answered(g) != answered(b) || (!answered(g) && g->outcome != b->outcome))
        return ANSWER_DIFFERS;
    if (!answered(g))
        return ALIKE;
    if (g->status != b->status || g->actual != b->actual ||
        (!out && (g->data_kept != b->data_kept || memcmp(g->data, b->data, g->data_kept))))
        return ANSWER_DIFFERS;
    return ALIKE;
}

/* The comparison of the pair. */
struct diff_summary {
    const struct diff_device *good, *bad;
    unsigned aligned, differing, only_good, only_bad;
    bool diverged;
    enum diff_kind first_kind;
    long first_good, first_bad; /* the first divergence's URBs (-1: none on that side) */
    unsigned alike_before;      /* URBs alike before it, on the side it was found on */
    bool found_in_bad;          /* ... BAD's (its URBs before it are the context) */
    size_t n_shifts;
    int64_t shift_p25, shift_p50, shift_p75; /* aligned answers' latency, BAD less GOOD */
    unsigned unlinked_good, unlinked_bad;
};

static int by_value(const void *pa, const void *pb)
{
    int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
    return (a > b) - (a < b);
}

static void summarize(struct diff_summary *s)
{
    const GArray *g = s->good->urbs, *b = s->bad->urbs;
    s->first_good = s->first_bad = -1;
    int64_t *shifts = g_new(int64_t, g->len ? g->len : 1);
    long first_good_at = -1; /* index in GOOD's order of its first divergence */
    for (guint i = 0; i < g->len; i++) {
        const struct diff_urb *u = &g_array_index(g, struct diff_urb, i);
        s->unlinked_good += u->outcome == UIP_URB_UNLINKED;
        enum diff_kind k = ONLY_GOOD;
        if (u->peer >= 0) {
            const struct diff_urb *p = &g_array_index(b, struct diff_urb, u->peer);
            s->aligned++;
            k = compare(u, p);
            s->differing += k != ALIKE;
            if (timed(u) && timed(p))
                shifts[s->n_shifts++] = (int64_t)(p->t_complete - p->t_submit) - (int64_t)(u->t_complete - u->t_submit);
        } else {
            s->only_good++;
        }
        if (k != ALIKE && first_good_at < 0) {
            first_good_at = (long)i;
            s->first_kind = k;
        }
    }
    long first_bad_at = -1; /* BAD's first URB with nothing aligned, or aligned and different */
    enum diff_kind bad_kind = ALIKE;
    for (guint j = 0; j < b->len; j++) {
        const struct diff_urb *u = &g_array_index(b, struct diff_urb, j);
        s->unlinked_bad += u->outcome == UIP_URB_UNLINKED;
        if (u->peer < 0) {
            s->only_bad++;
            if (first_bad_at < 0) {
                first_bad_at = (long)j;
                bad_kind = ONLY_BAD;
            }
        } else if (first_bad_at < 0) {
            enum diff_kind k = compare(&g_array_index(g, struct diff_urb, u->peer), u);
            if (k != ALIKE) {
                first_bad_at = (long)j;
                bad_kind = k;
            }
        }
    }
    /* the first divergence: the one with fewer URBs before it (all alike on that side) */
    if (first_good_at >= 0 && (first_bad_at < 0 || first_good_at <= first_bad_at)) {
        s->diverged = true;
        s->first_good = first_good_at;
        s->first_bad = g_array_index(g, struct diff_urb, first_good_at).peer;
        s->alike_before = (unsigned)first_good_at;
    } else if (first_bad_at >= 0) {
        s->diverged = true;
        s->found_in_bad = true;
        s->first_kind = bad_kind;
        s->first_bad = first_bad_at;
        s->first_good = bad_kind == ONLY_BAD ? -1 : g_array_index(b, struct diff_urb, first_bad_at).peer;
        s->alike_before = (unsigned)first_bad_at;
    }
    if (s->n_shifts) {
        qsort(shifts, s->n_shifts, sizeof *shifts, by_value);
        s->shift_p25 = shifts[s->n_shifts / 4];
        s->shift_p50 = shifts[s->n_shifts / 2];
        s->shift_p75 = shifts[(3 * s->n_shifts) / 4];
    }
    g_free(shifts);
}

/* Is every answer later (or earlier) by about the same time? */
static bool uniform_shift(const struct diff_summary *s)
{
    int64_t m = s->shift_p50 < 0 ? -s->shift_p50 : s->shift_p50;
    return s->n_shifts >= 3 && m >= DIFF_SHIFT_MIN_NS && s->shift_p75 - s->shift_p25 <= m / 5;
}

/* ---- wording --------------------------------------------------------------------------------- */

static void urb_label(const struct diff_urb *u, char *buf, size_t n)
{
    if (u->has_setup) {
        struct uip_setup st;
        char req[64];
        uip_setup_decode(u->setup, &st);
        uip_request_label(&st, req, sizeof req);
        snprintf(buf, n, "ep 0 %s %s", u->direction == UIP_DIR_IN ? "IN" : "OUT", req);
    } else {
        snprintf(buf, n, "ep %u %s %s", u->ep, u->direction == UIP_DIR_IN ? "IN" : "OUT",
                 uip_xfer_type_name((enum uip_xfer_type)u->xfer_type));
    }
}

static void hex_prefix(const struct diff_urb *u, char *buf, size_t n, unsigned max)
{
    size_t len = 0;
    buf[0] = 0;
    for (unsigned i = 0; i < u->data_kept && i < max && len + 4 < n; i++)
        len += (size_t)snprintf(buf + len, n - len, "%s%02x", i ? " " : "", u->data[i]);
    if (u->data_len > max && len + 5 < n)
        snprintf(buf + len, n - len, " ...");
}

/* "answered OK, 2 bytes (14 10), 1.2 ms" (an IN answer's first bytes) or "unlinked". */
static void answer_text(const struct diff_urb *u, char *buf, size_t n)
{
    char data[64] = "";
    if (u->direction == UIP_DIR_IN)
        hex_prefix(u, data, sizeof data, 8);
    double lat_ms = u->t_complete ? (double)(u->t_complete - u->t_submit) / 1e6 : 0;
    if (!answered(u)) {
        snprintf(buf, n, "%s", uip_urb_outcome_name(u->outcome));
        return;
    }
    const char *status = u->status ? uip_status_name(u->status) : "OK";
    snprintf(buf, n, "answered %s, %d bytes%s%s%s, %.3f ms", status ? status : "error", u->actual,
             data[0] ? " (" : "", data, data[0] ? ")" : "", lat_ms);
}

static void cause(const struct diff_summary *s, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = 0;
    if (uniform_shift(s))
        len += (size_t)snprintf(buf + len, n - len, "every answer is about %.0f ms %s in BAD",
                                (double)(s->shift_p50 < 0 ? -s->shift_p50 : s->shift_p50) / 1e6,
                                s->shift_p50 > 0 ? "later" : "sooner");
    if (s->unlinked_bad > s->unlinked_good && len < n)
        len += (size_t)snprintf(buf + len, n - len, "%sBAD's host gave up on %u URBs (unlinked), GOOD's on %u",
                                len ? "; " : "", s->unlinked_bad, s->unlinked_good);
    unsigned n_bad = s->bad->urbs->len, n_good = s->good->urbs->len;
    if (s->only_good && n_bad < n_good && len < n)
        len += (size_t)snprintf(buf + len, n - len, "%sBAD's session ends %u URBs short of GOOD's (%u of %u)",
                                len ? "; " : "", n_good - n_bad, n_bad, n_good);
    if (!s->diverged && len < n)
        len += (size_t)snprintf(buf + len, n - len, "%sthe same requests got the same answers", len ? "; " : "");
    else if (s->first_kind == REQUEST_DIFFERS && len < n) {
        const struct diff_urb *g = &g_array_index(s->good->urbs, struct diff_urb, s->first_good);
        const struct diff_urb *b = &g_array_index(s->bad->urbs, struct diff_urb, s->first_bad);
        char what[96], gd[64], bd[64];
        urb_label(g, what, sizeof what);
        hex_prefix(g, gd, sizeof gd, 8);
        hex_prefix(b, bd, sizeof bd, 8);
        snprintf(buf + len, n - len, "%sthe first difference: BAD's host sent another %s (%d bytes: %s) where "
                                     "GOOD's sent %d bytes (%s)", len ? "; " : "", what, b->length,
                 bd[0] ? bd : "no data", g->length, gd[0] ? gd : "no data");
    } else if (s->first_kind == ANSWER_DIFFERS && len < n) {
        const struct diff_urb *g = &g_array_index(s->good->urbs, struct diff_urb, s->first_good);
        const struct diff_urb *b = &g_array_index(s->bad->urbs, struct diff_urb, s->first_bad);
        char what[96];
        urb_label(g, what, sizeof what);
        if (answered(g) != answered(b) || g->outcome != b->outcome)
            snprintf(buf + len, n - len, "%sthe first difference: %s was %s in GOOD, %s in BAD", len ? "; " : "",
                     what, uip_urb_outcome_name(g->outcome), uip_urb_outcome_name(b->outcome));
        else if (g->status != b->status) {
            const char *name = b->status ? uip_status_name(b->status) : "OK";
            snprintf(buf + len, n - len, "%sthe first difference: the device answered %s with %s in BAD", len ? "; " : "",
                     what, name ? name : "an error");
        }
        else
            snprintf(buf + len, n - len, "%sthe first difference: the device answered %s otherwise in BAD "
                                         "(%d bytes against %d)", len ? "; " : "", what, b->actual, g->actual);
    }
}

/* ---- per endpoint -------------------------------------------------------------------------------- */

struct diff_ep {
    uint8_t ep;
    int8_t direction;
    uint8_t xfer_type;
    unsigned urbs[2], errors[2], unlinked[2];
    GArray *lat[2]; /* uint64_t ns of answered URBs */
};

static struct diff_ep *ep_get(GArray *eps, const struct diff_urb *u)
{
    for (guint i = 0; i < eps->len; i++) {
        struct diff_ep *e = &g_array_index(eps, struct diff_ep, i);
        if (e->ep == u->ep && e->direction == u->direction && e->xfer_type == u->xfer_type)
            return e;
    }
    struct diff_ep e = {.ep = u->ep, .direction = u->direction, .xfer_type = u->xfer_type,
                        .lat = {g_array_new(FALSE, FALSE, sizeof(uint64_t)), g_array_new(FALSE, FALSE, sizeof(uint64_t))}};
    g_array_append_val(eps, e);
    return &g_array_index(eps, struct diff_ep, eps->len - 1);
}

static gint by_ns(gconstpointer pa, gconstpointer pb)
{
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return (a > b) - (a < b);
}

static gint by_endpoint(gconstpointer pa, gconstpointer pb)
{
    const struct diff_ep *a = pa, *b = pb;
    if (a->ep != b->ep)
        return a->ep - b->ep;
    return b->direction - a->direction; /* IN before OUT */
}

static GArray *endpoints(const struct diff_summary *s)
{
    GArray *eps = g_array_new(FALSE, TRUE, sizeof(struct diff_ep));
    const GArray *sides[2] = {s->good->urbs, s->bad->urbs};
    for (int k = 0; k < 2; k++)
        for (guint i = 0; i < sides[k]->len; i++) {
            const struct diff_urb *u = &g_array_index(sides[k], struct diff_urb, i);
            struct diff_ep *e = ep_get(eps, u);
            e->urbs[k]++;
            e->unlinked[k] += u->outcome == UIP_URB_UNLINKED;
            e->errors[k] += answered(u) && u->status != 0;
            if (timed(u)) {
                uint64_t lat = u->t_complete - u->t_submit;
                g_array_append_val(e->lat[k], lat);
            }
        }
    for (guint i = 0; i < eps->len; i++)
        for (int k = 0; k < 2; k++)
            g_array_sort(g_array_index(eps, struct diff_ep, i).lat[k], by_ns);
    g_array_sort(eps, by_endpoint);
    return eps;
}

static void endpoints_free(GArray *eps)
{
    for (guint i = 0; i < eps->len; i++)
        for (int k = 0; k < 2; k++)
            g_array_free(g_array_index(eps, struct diff_ep, i).lat[k], TRUE);
    g_array_free(eps, TRUE);
}

/* The q-quantile latency in ms, or -1 when nothing was answered. */
static double quantile_ms(const GArray *lat, double q)
{
    if (!lat->len)
        return -1;
    size_t i = (size_t)(q * (double)(lat->len - 1) + 0.5);
    return (double)g_array_index(lat, uint64_t, i) / 1e6;
}

/* ---- text ------------------------------------------------------------------------------------ */

static void text_urb_line(FILE *out, const char *side, const struct diff_urb *u, uint64_t t0)
{
    char what[96], ans[160], data[64];
    urb_label(u, what, sizeof what);
    answer_text(u, ans, sizeof ans);
    fprintf(out, "    %-4s seqnum %" PRIu64 " at %.3f s: %s, length %d", side, u->seqnum,
            (double)(u->t_submit - t0) / 1e9, what, u->length);
    if (u->direction == UIP_DIR_OUT && u->data_kept) {
        hex_prefix(u, data, sizeof data, 8);
        fprintf(out, " (%s)", data);
    }
    fprintf(out, "; %s\n", ans);
}

static uint64_t first_submit(const GArray *urbs)
{
    return urbs->len ? g_array_index(urbs, struct diff_urb, 0).t_submit : 0;
}

static void text_report(FILE *out, const struct diff_options *o, const struct diff_summary *s, GArray *eps,
                        const struct diff_side *good_side, const struct diff_side *bad_side)
{
    char g_name[64], b_name[64], sentence[512];
    device_name(s->good, g_name, sizeof g_name);
    device_name(s->bad, b_name, sizeof b_name);
    fprintf(out, "usbip-analyze --diff\n  GOOD %s: %s, %u URBs\n  BAD  %s: %s, %u URBs\n", o->good, g_name,
            s->good->urbs->len, o->bad, b_name, s->bad->urbs->len);
    fprintf(out, "Aligned %u URBs by request (control by setup packet, other endpoints in order): %u alike, "
                 "%u differ; %u only in GOOD, %u only in BAD\n",
            s->aligned, s->aligned - s->differing, s->differing, s->only_good, s->only_bad);
    const GArray *g = s->good->urbs, *b = s->bad->urbs;
    uint64_t tg = first_submit(g), tb = first_submit(b);
    if (!s->diverged) {
        fprintf(out, "No divergence: every URB has its counterpart with the same request and answer.\n");
    } else {
        static const char *const kinds[] = {"", "the request differs", "the answer differs",
                                            "a request only GOOD made", "a request only BAD made"};
        fprintf(out, "First divergence, after %u URBs alike: %s\n", s->alike_before, kinds[s->first_kind]);
        long from = (long)s->alike_before - DIFF_CONTEXT;
        const GArray *ctx = s->found_in_bad ? b : g;
        for (long i = from < 0 ? 0 : from; i < (long)s->alike_before; i++) {
            const struct diff_urb *u = &g_array_index(ctx, struct diff_urb, i);
            char what[96], ans[160];
            urb_label(u, what, sizeof what);
            answer_text(u, ans, sizeof ans);
            const struct diff_urb *p = u->peer >= 0 ? &g_array_index(ctx == g ? b : g, struct diff_urb, u->peer) : NULL;
            fprintf(out, "  alike: %s, %s", what, ans);
            if (p && timed(p) && timed(u))
                fprintf(out, " (%s: %.3f ms)", ctx == g ? "BAD" : "GOOD", (double)(p->t_complete - p->t_submit) / 1e6);
            fprintf(out, "\n");
        }
        if (s->first_good >= 0)
            text_urb_line(out, "GOOD", &g_array_index(g, struct diff_urb, s->first_good), tg);
        else
            fprintf(out, "    GOOD nothing\n");
        if (s->first_bad >= 0)
            text_urb_line(out, "BAD", &g_array_index(b, struct diff_urb, s->first_bad), tb);
        else
            fprintf(out, "    BAD  nothing\n");
    }
    fprintf(out, "Endpoints (GOOD / BAD):\n  %-24s %13s %21s %21s %9s %9s\n", "", "URBs", "latency p50 ms",
            "p99 ms", "errors", "unlinked");
    for (guint i = 0; i < eps->len; i++) {
        const struct diff_ep *e = &g_array_index(eps, struct diff_ep, i);
        char label[48], n[32], p50[40], p99[40], errs[24], unl[24];
        snprintf(label, sizeof label, "ep %u %s %s", e->ep, e->direction == UIP_DIR_IN ? "IN" : "OUT",
                 uip_xfer_type_name((enum uip_xfer_type)e->xfer_type));
        snprintf(n, sizeof n, "%u / %u", e->urbs[0], e->urbs[1]);
        snprintf(p50, sizeof p50, "%.3f / %.3f", quantile_ms(e->lat[0], 0.5), quantile_ms(e->lat[1], 0.5));
        snprintf(p99, sizeof p99, "%.3f / %.3f", quantile_ms(e->lat[0], 0.99), quantile_ms(e->lat[1], 0.99));
        snprintf(errs, sizeof errs, "%u / %u", e->errors[0], e->errors[1]);
        snprintf(unl, sizeof unl, "%u / %u", e->unlinked[0], e->unlinked[1]);
        fprintf(out, "  %-24s %13s %21s %21s %9s %9s\n", label, n, p50, p99, errs, unl);
    }
    if (s->n_shifts)
        fprintf(out, "Latency of the %zu URBs answered in both: BAD less GOOD %.3f ms (median; middle half "
                     "%.3f to %.3f ms)\n", s->n_shifts, (double)s->shift_p50 / 1e6, (double)s->shift_p25 / 1e6,
                (double)s->shift_p75 / 1e6);
    const struct diff_side *sides[2] = {good_side, bad_side};
    const struct diff_device *devs[2] = {s->good, s->bad};
    for (int k = 0; k < 2; k++)
        if (classview_recognised(sides[k]->classes, devs[k]->conn_id, devs[k]->devid)) {
            fprintf(out, "Class view, %s:\n", k ? "BAD" : "GOOD");
            classview_text(out, sides[k]->classes, devs[k]->conn_id, devs[k]->devid, first_submit(devs[k]->urbs));
        }
    cause(s, sentence, sizeof sentence);
    fprintf(out, "In short: %s\n", sentence);
}

/* ---- JSON ------------------------------------------------------------------------------------ */

static void json_urb(FILE *out, const struct diff_urb *u, uint64_t t0)
{
    char what[96], data[DIFF_DATA * 2 + 1];
    if (!u) {
        fprintf(out, "null");
        return;
    }
    urb_label(u, what, sizeof what);
    for (unsigned i = 0; i < u->data_kept; i++)
        snprintf(data + 2 * i, sizeof data - 2 * i, "%02x", u->data[i]);
    data[2 * u->data_kept] = 0;
    fprintf(out, "{\"seqnum\":%" PRIu64 ",\"request\":", u->seqnum);
    json_string(out, what);
    fprintf(out, ",\"ep\":%u,\"direction\":\"%s\",\"time\":%.9f,\"length\":%d,\"outcome\":\"%s\"", u->ep,
            u->direction == UIP_DIR_IN ? "in" : "out", (double)(u->t_submit - t0) / 1e9, u->length,
            uip_urb_outcome_name(u->outcome));
    if (answered(u))
        fprintf(out, ",\"status\":%d,\"actual_length\":%d", u->status, u->actual);
    if (timed(u))
        fprintf(out, ",\"latency\":%.9f", (double)(u->t_complete - u->t_submit) / 1e9);
    fprintf(out, ",\"data\":\"%s\"}", data);
}

static void json_device(FILE *out, const char *path, const struct diff_device *d)
{
    char name[64];
    device_name(d, name, sizeof name);
    fprintf(out, "{\"capture\":");
    json_string(out, path);
    fprintf(out, ",\"device\":");
    json_string(out, name);
    fprintf(out, ",\"urbs\":%u}", d->urbs->len);
}

static void json_report(FILE *out, const struct diff_options *o, const struct diff_summary *s, GArray *eps,
                        const struct diff_side *good_side, const struct diff_side *bad_side)
{
    static const char *const kinds[] = {"", "request", "answer", "only_good", "only_bad"};
    char sentence[512];
    const GArray *g = s->good->urbs, *b = s->bad->urbs;
    fprintf(out, "{\"diff\":{\"good\":");
    json_device(out, o->good, s->good);
    fprintf(out, ",\"bad\":");
    json_device(out, o->bad, s->bad);
    fprintf(out, ",\"aligned\":%u,\"alike\":%u,\"differ\":%u,\"only_good\":%u,\"only_bad\":%u", s->aligned,
            s->aligned - s->differing, s->differing, s->only_good, s->only_bad);
    if (s->diverged) {
        fprintf(out, ",\"first_divergence\":{\"kind\":\"%s\",\"alike_before\":%u,\"good\":", kinds[s->first_kind],
                s->alike_before);
        json_urb(out, s->first_good >= 0 ? &g_array_index(g, struct diff_urb, s->first_good) : NULL,
                 first_submit(g));
        fprintf(out, ",\"bad\":");
        json_urb(out, s->first_bad >= 0 ? &g_array_index(b, struct diff_urb, s->first_bad) : NULL,
                 first_submit(b));
        fprintf(out, "}");
    } else {
        fprintf(out, ",\"first_divergence\":null");
    }
    fprintf(out, ",\"endpoints\":[");
    for (guint i = 0; i < eps->len; i++) {
        const struct diff_ep *e = &g_array_index(eps, struct diff_ep, i);
        fprintf(out, "%s{\"ep\":%u,\"direction\":\"%s\",\"type\":\"%s\"", i ? "," : "", e->ep,
                e->direction == UIP_DIR_IN ? "in" : "out", uip_xfer_type_name((enum uip_xfer_type)e->xfer_type));
        for (int k = 0; k < 2; k++) {
            fprintf(out, ",\"%s\":{\"urbs\":%u,\"errors\":%u,\"unlinked\":%u", k ? "bad" : "good", e->urbs[k],
                    e->errors[k], e->unlinked[k]);
            if (e->lat[k]->len)
                fprintf(out, ",\"latency_p50\":%.9f,\"latency_p99\":%.9f", quantile_ms(e->lat[k], 0.5) / 1e3,
                        quantile_ms(e->lat[k], 0.99) / 1e3);
            fprintf(out, "}");
        }
        fprintf(out, "}");
    }
    fprintf(out, "],\"latency_shift\":");
    if (s->n_shifts)
        fprintf(out, "{\"urbs\":%zu,\"p25\":%.9f,\"median\":%.9f,\"p75\":%.9f,\"uniform\":%s}", s->n_shifts,
                (double)s->shift_p25 / 1e9, (double)s->shift_p50 / 1e9, (double)s->shift_p75 / 1e9,
                uniform_shift(s) ? "true" : "false");
    else
        fprintf(out, "null");
    const struct diff_side *sides[2] = {good_side, bad_side};
    const struct diff_device *devs[2] = {s->good, s->bad};
    fprintf(out, ",\"class\":{");
    bool any = false;
    for (int k = 0; k < 2; k++)
        if (classview_recognised(sides[k]->classes, devs[k]->conn_id, devs[k]->devid)) {
            fprintf(out, "%s\"%s\":", any ? "," : "", k ? "bad" : "good");
            classview_json(out, sides[k]->classes, devs[k]->conn_id, devs[k]->devid);
            any = true;
        }
    cause(s, sentence, sizeof sentence);
    fprintf(out, "},\"cause\":");
    json_string(out, sentence);
    fprintf(out, "}}\n");
}

/* ---- entry ----------------------------------------------------------------------------------- */

enum diff_result diff_run(const struct diff_options *o, const struct uip_session_config *cfg, FILE *out,
                          char *err, size_t errlen)
{
    struct diff_side sides[2] = {{.path = o->good}, {.path = o->bad}};
    for (int k = 0; k < 2; k++) {
        sides[k].registry = device_registry_new();
        sides[k].devices = device_table_new(sides[k].registry, sizeof(struct diff_device), device_free);
        sides[k].classes = classview_new(sides[k].registry);
    }
    enum diff_result rc = read_side(&sides[0], cfg, err, errlen);
    if (rc == DIFF_SAME)
        rc = read_side(&sides[1], cfg, err, errlen);
    struct diff_device *good = NULL, *bad = NULL;
    if (rc == DIFF_SAME) {
        good = pick(&sides[0], &sides[1], o);
        bad = pick(&sides[1], &sides[0], o);
        char list_g[512], list_b[512];
        list_devices(&sides[0], list_g, sizeof list_g);
        list_devices(&sides[1], list_b, sizeof list_b);
        if (!good || !bad) {
            snprintf(err, errlen, "--diff: no one device to compare: GOOD holds %s; BAD holds %s%s", list_g, list_b,
                     o->busid || o->by_model ? "" : " (--busid BUSID or --device VID:PID picks one)");
            rc = DIFF_USAGE;
        } else if (good->has_ids && bad->has_ids && !same_model(good, bad)) {
            snprintf(err, errlen, "--diff: GOOD and BAD hold different devices: %s; %s (--busid BUSID or "
                                  "--device VID:PID picks one both hold)", list_g, list_b);
            rc = DIFF_USAGE;
        }
    }
    if (rc == DIFF_SAME) {
        align(good->urbs, bad->urbs);
        struct diff_summary s = {.good = good, .bad = bad};
        summarize(&s);
        GArray *eps = endpoints(&s);
        if (o->json)
            json_report(out, o, &s, eps, &sides[0], &sides[1]);
        else
            text_report(out, o, &s, eps, &sides[0], &sides[1]);
        endpoints_free(eps);
        rc = s.diverged ? DIFF_DIFFERENT : DIFF_SAME;
    }
    for (int k = 0; k < 2; k++) {
        device_table_free(sides[k].devices);
        classview_free(sides[k].classes);
        device_registry_free(sides[k].registry);
    }
    return rc;
}
