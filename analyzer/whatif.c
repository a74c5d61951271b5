/* SPDX-License-Identifier: GPL-2.0-or-later */
/* whatif.c -- the what-if latency model: a session's dependency structure recovered from its
 * URBs and replayed at another round trip along its critical path (see whatif.h, analyzer/README.md). */
#include <stdlib.h>
#include <string.h>
#include "uip/tracker.h"
#include "whatif.h"
#include "whatif_tcp.h"

/* What a submit waited on in the capture: the event just before it on the device. */
enum whatif_anchor {
    ANCHOR_NONE = 0,   /* the session's first submit */
    ANCHOR_COMPLETION, /* a completion: the host waited for an answer, then thought */
    ANCHOR_SUBMIT,     /* another submit: the host issued URBs back to back */
    ANCHOR_PAUSE,      /* a completion followed by an idle pause: a new transfer phase starts */
};

/* A URB's place in the recovered structure. */
struct whatif_node {
    enum whatif_anchor anchor;
    size_t anchor_urb;     /* the URB whose completion or submit the submit followed */
    uint64_t gap_ns;       /* host time from that event to this submit */
    uint64_t service_ns;   /* latency minus its round trips: the device (and the stack) */
    uint32_t extra_rtts;   /* whole round trips beyond the first (a TCP window that had to open) */
    long fifo_prev;        /* the previous URB of the same endpoint direction, answered first; -1 */
    long trigger;          /* a later OUT submit its answer waited for (find_trigger); -1 */
    uint64_t trigger_service_ns; /* the answer's time after the trigger's arrival, less its round trips */
    unsigned phase;        /* transfer phase, counted from 0 */
    bool after_idle;       /* submitted with nothing of the device outstanding (gap_ns idle) */
};

/* An endpoint direction and the transfer phase its throughput is predicted over (find_transfers). */
struct whatif_transfer {
    uint8_t ep;
    int8_t direction;
    uint8_t xfer_type;
    size_t first, last;        /* the phase's URBs in submit order: first .. last - 1 */
    uint64_t start_ns, end_ns; /* the phase as captured: its first submit, its last answer */
    uint64_t bytes, urbs;      /* the stream's bytes and URBs in the phase */
};

struct whatif_model {
    struct whatif_urb *urbs; /* sorted by submit time once fitted */
    size_t n, cap;
    bool fitted;
    uint64_t base_rtt_ns;
    bool rtt_dominates;      /* the round trip dwarfs small URBs' service: extra round trips show */
    struct whatif_node *nodes;
    size_t *events;          /* 2n: every submit (2j) and completion (2j+1) in the capture's order */
    unsigned n_phases;
    unsigned n_transfers;
    struct whatif_transfer transfers[WHATIF_MAX_STREAMS];
    struct whatif_tcp_config tcp;
};

struct whatif_model *whatif_model_new(void)
{
    struct whatif_model *m = calloc(1, sizeof(struct whatif_model));
    if (m)
        whatif_tcp_defaults(&m->tcp);
    return m;
}

void whatif_model_set_tcp(struct whatif_model *m, const struct whatif_tcp_config *c)
{
    m->tcp = *c;
}

const struct whatif_tcp_config *whatif_model_tcp(const struct whatif_model *m)
{
    return &m->tcp;
}

bool whatif_model_windows_captured(const struct whatif_model *m)
{
    return m->fitted && m->n && m->rtt_dominates;
}

void whatif_model_free(struct whatif_model *m)
{
    if (!m)
        return;
    free(m->urbs);
    free(m->nodes);
    free(m->events);
    free(m);
}

/* Does sender (0 the client, 1 the server) carry URB j's data? */
static bool carries(const struct whatif_urb *u, int sender)
{
    return (u->direction == UIP_DIR_IN) == (sender == 1);
}

bool whatif_model_add(struct whatif_model *m, const struct whatif_urb *u)
{
    if (m->fitted || !u->submit_ns || u->complete_ns < u->submit_ns)
        return !m->fitted;
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 256;
        struct whatif_urb *grown = realloc(m->urbs, cap * sizeof *grown);
        if (!grown)
            return false;
        m->urbs = grown;
        m->cap = cap;
    }
    m->urbs[m->n++] = *u;
    return true;
}

size_t whatif_model_urbs(const struct whatif_model *m) { return m->n; }
uint64_t whatif_model_base_rtt_ns(const struct whatif_model *m) { return m->base_rtt_ns; }

static int by_submit(const void *pa, const void *pb)
{
    const struct whatif_urb *a = pa, *b = pb;
    if (a->submit_ns != b->submit_ns)
        return a->submit_ns < b->submit_ns ? -1 : 1;
    return (a->complete_ns > b->complete_ns) - (a->complete_ns < b->complete_ns);
}

/* The fastest small URB's latency: a round trip with (almost) nothing to carry or do. */
static uint64_t fastest_small_latency(const struct whatif_urb *urbs, size_t n)
{
    uint64_t best = UINT64_MAX, best_any = UINT64_MAX;
    for (size_t i = 0; i < n; i++) {
        uint64_t lat = urbs[i].complete_ns - urbs[i].submit_ns;
        if (lat < best_any)
            best_any = lat;
        if (urbs[i].bytes <= WHATIF_SMALL_URB_BYTES && lat < best)
            best = lat;
    }
    return best != UINT64_MAX ? best : best_any != UINT64_MAX ? best_any : 0;
}

static int by_value(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return (a > b) - (a < b);
}

/* Does the base round trip dominate the device's own time? Then a large URB's latency that is
 * a whole number of round trips longer than the base is a TCP window that had to grow (after
 * idle, or at the connection's start), to be replayed as round trips, not as device time. */
static bool round_trip_dominates(const struct whatif_urb *urbs, size_t n, uint64_t base_rtt_ns)
{
    uint64_t *service = malloc((n ? n : 1) * sizeof *service);
    size_t n_small = 0;
    if (!service)
        return false;
    for (size_t i = 0; i < n; i++)
        if (urbs[i].bytes <= WHATIF_SMALL_URB_BYTES)
            service[n_small++] = urbs[i].complete_ns - urbs[i].submit_ns - base_rtt_ns;
    bool dominates = false;
    if (n_small >= 2) { /* the fastest alone is the base: its service says nothing */
        qsort(service, n_small, sizeof *service, by_value);
        dominates = base_rtt_ns >= WHATIF_WINDOW_MIN_RTT_NS &&
                    base_rtt_ns > WHATIF_RTT_DOMINANCE * service[n_small / 2];
    }
    free(service);
    return dominates;
}

/* A completion time and its URB, to put the completions in order. */
struct whatif_done {
    uint64_t t;
    size_t urb;
};

static int by_time(const void *pa, const void *pb)
{
    const struct whatif_done *a = pa, *b = pb;
    return (a->t > b->t) - (a->t < b->t);
}

/* The URBs' completions in time order (NULL when out of memory). */
static struct whatif_done *completion_order(const struct whatif_urb *urbs, size_t n)
{
    struct whatif_done *order = malloc(n * sizeof *order);
    if (!order)
        return NULL;
    for (size_t i = 0; i < n; i++)
        order[i] = (struct whatif_done){urbs[i].complete_ns, i};
    qsort(order, n, sizeof *order, by_time);
    return order;
}

static bool same_stream(const struct whatif_urb *u, const struct whatif_transfer *t)
{
    return u->ep == t->ep && u->direction == t->direction;
}

/* A stream's full-size URBs carry at least half its typical URB's bytes, the typical URB being
 * the size that half of the stream's bytes came in (a byte-weighted median): a bulk transfer's
 * steady state, not the small reads and statuses around it. */
static bool full_size(const struct whatif_urb *u, uint32_t typical)
{
    return u->bytes > 0 && 2 * (uint64_t)u->bytes >= typical;
}

static int by_bytes_down(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    return (a < b) - (a > b);
}

/* The size of the URB that brings the stream's bytes, counted from its largest URB down, past
 * half of its total; 0 when it moved none (or out of memory). */
static uint32_t typical_size(const struct whatif_model *m, const struct whatif_transfer *t)
{
    size_t n = 0;
    uint64_t total = 0;
    for (size_t j = 0; j < m->n; j++)
        if (same_stream(&m->urbs[j], t) && m->urbs[j].bytes) {
            n++;
            total += m->urbs[j].bytes;
        }
    uint32_t *sizes = malloc((n ? n : 1) * sizeof *sizes);
    if (!sizes)
        return 0;
    n = 0;
    for (size_t j = 0; j < m->n; j++)
        if (same_stream(&m->urbs[j], t) && m->urbs[j].bytes)
            sizes[n++] = m->urbs[j].bytes;
    qsort(sizes, n, sizeof *sizes, by_bytes_down);
    uint64_t sum = 0;
    uint32_t typical = 0;
    for (size_t k = 0; k < n && 2 * sum < total; k++) {
        sum += sizes[k];
        typical = sizes[k];
    }
    free(sizes);
    return typical;
}

/* Does URB j's submit come after the device stood idle longer than an edge pause? */
static bool after_edge_pause(const struct whatif_model *m, size_t j)
{
    return m->nodes[j].after_idle && m->nodes[j].gap_ns > WHATIF_EDGE_PAUSE_NS;
}

/* The transfer of stream t: the phase where it moved the most bytes, from its first submit to its
 * last answer, as a user timing the program behind it would see it: the commands, statuses and
 * host gaps around the stream's data are part of its time. The kernel's own requests a pause
 * before the stream's first data or after its last (a filesystem's metadata read) are not. */
static void transfer_phase(struct whatif_model *m, struct whatif_transfer *t, uint64_t *phase_bytes)
{
    memset(phase_bytes, 0, m->n_phases * sizeof *phase_bytes);
    for (size_t j = 0; j < m->n; j++)
        if (same_stream(&m->urbs[j], t))
            phase_bytes[m->nodes[j].phase] += m->urbs[j].bytes;
    unsigned best = 0;
    for (unsigned ph = 1; ph < m->n_phases; ph++)
        if (phase_bytes[ph] > phase_bytes[best])
            best = ph;
    if (!phase_bytes[best])
        return; /* no data: nothing to time */
    /* its data: its full-size URBs, not the commands, statuses and small reads around them */
    uint32_t typical = typical_size(m, t);
    size_t first = 0, last, first_data = m->n, last_data = 0;
    while (m->nodes[first].phase != best)
        first++;
    for (last = first; last < m->n && m->nodes[last].phase == best; last++)
        if (same_stream(&m->urbs[last], t) && full_size(&m->urbs[last], typical)) {
            if (first_data == m->n)
                first_data = last;
            last_data = last;
        }
    if (first_data == m->n)
        return; /* out of memory */
    t->first = first_data;
    while (t->first > first && !after_edge_pause(m, t->first))
        t->first--;
    t->last = last_data + 1;
    while (t->last < last && !after_edge_pause(m, t->last))
        t->last++;
    t->start_ns = m->urbs[t->first].submit_ns;
    for (size_t j = t->first; j < t->last; j++) {
        const struct whatif_urb *u = &m->urbs[j];
        if (u->complete_ns > t->end_ns)
            t->end_ns = u->complete_ns;
        if (same_stream(u, t)) {
            t->bytes += u->bytes;
            t->urbs++;
        }
    }
}

/* One transfer per endpoint direction, in the order the streams first appear. */
static void find_transfers(struct whatif_model *m)
{
    for (size_t j = 0; j < m->n; j++) {
        const struct whatif_urb *u = &m->urbs[j];
        unsigned s = 0;
        while (s < m->n_transfers && !same_stream(u, &m->transfers[s]))
            s++;
        if (s == m->n_transfers && s < WHATIF_MAX_STREAMS)
            m->transfers[m->n_transfers++] = (struct whatif_transfer){
                .ep = u->ep, .direction = u->direction, .xfer_type = u->xfer_type};
    }
    uint64_t *phase_bytes = calloc(m->n_phases, sizeof *phase_bytes);
    if (!phase_bytes) {
        m->n_transfers = 0;
        return;
    }
    for (unsigned s = 0; s < m->n_transfers; s++)
        transfer_phase(m, &m->transfers[s], phase_bytes);
    free(phase_bytes);
}

/* The first URB from index `from` on submitted after ts (m->n when none): the URBs are in submit
 * order once fitted. */
static size_t first_submitted_after(const struct whatif_model *m, size_t from, uint64_t ts)
{
    size_t lo = from, hi = m->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->urbs[mid].submit_ns <= ts)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* An event of the replay and its time in the capture: 2j is URB j's submit, 2j+1 its completion. */
struct whatif_event {
    uint64_t t;
    size_t e;
};

/* Time order; on a tie a completion first (a submit at the same instant may have waited for it),
 * then in submit order (answers of one endpoint come in order). */
static int by_event(const void *pa, const void *pb)
{
    const struct whatif_event *a = pa, *b = pb;
    if (a->t != b->t)
        return a->t < b->t ? -1 : 1;
    if ((a->e & 1) != (b->e & 1))
        return (a->e & 1) ? -1 : 1;
    return (a->e > b->e) - (a->e < b->e);
}

/* The order the replay computes events in: every event after those it depends on (its anchor,
 * the previous answer of its endpoint, its trigger), as each of those came first in the capture.
 * NULL when out of memory. */
static size_t *event_order(const struct whatif_urb *urbs, size_t n)
{
    struct whatif_event *ev = malloc(2 * n * sizeof *ev);
    size_t *events = malloc(2 * n * sizeof *events);
    if (!ev || !events) {
        free(ev);
        free(events);
        return NULL;
    }
    for (size_t j = 0; j < n; j++) {
        ev[2 * j] = (struct whatif_event){urbs[j].submit_ns, 2 * j};
        ev[2 * j + 1] = (struct whatif_event){urbs[j].complete_ns, 2 * j + 1};
    }
    qsort(ev, 2 * n, sizeof *ev, by_event);
    for (size_t e = 0; e < 2 * n; e++)
        events[e] = ev[e].e;
    free(ev);
    return events;
}

/* A bulk or interrupt IN URB is answered when the device has data for it, which may be only after
 * the host sent it something: an FTDI's pending read is answered once the write it answers reached
 * the device. Its trigger is the latest OUT submit on another endpoint of the device that came
 * after the URB's own submit and at least its round trips (`network`) before its answer (so that
 * the answer could have been caused by it); -1 when there is none. */
static long find_trigger(const struct whatif_model *m, size_t j, uint64_t network)
{
    const struct whatif_urb *u = &m->urbs[j];
    if (u->direction != UIP_DIR_IN || (u->xfer_type != UIP_XFER_BULK && u->xfer_type != UIP_XFER_INTERRUPT) ||
        u->complete_ns - u->submit_ns < (network ? network : 1))
        return -1;
    /* the last submit that could have caused it, strictly before the answer */
    uint64_t latest = u->complete_ns - (network ? network : 1);
    size_t lo = first_submitted_after(m, j + 1, latest);
    for (size_t k = lo; k-- > j + 1;)
        if (m->urbs[k].direction == UIP_DIR_OUT && m->urbs[k].ep != u->ep &&
            m->urbs[k].submit_ns > u->submit_ns)
            return (long)k;
    return -1;
}

void whatif_model_fit(struct whatif_model *m)
{
    if (m->fitted)
        return;
    m->fitted = true;
    if (!m->n)
        return;
    qsort(m->urbs, m->n, sizeof *m->urbs, by_submit);
    m->base_rtt_ns = fastest_small_latency(m->urbs, m->n);
    m->rtt_dominates = round_trip_dominates(m->urbs, m->n, m->base_rtt_ns);
    m->nodes = calloc(m->n, sizeof *m->nodes);
    struct whatif_done *done_order = completion_order(m->urbs, m->n);
    if (!m->nodes || !done_order) {
        free(done_order);
        m->n = 0;
        return;
    }
    size_t n_done = 0; /* completions at or before the current submit (a completion first on a tie) */
    unsigned phase = 0;
    for (size_t j = 0; j < m->n; j++) {
        const struct whatif_urb *u = &m->urbs[j];
        struct whatif_node *nd = &m->nodes[j];
        uint64_t latency = u->complete_ns - u->submit_ns;
        if (m->rtt_dominates && u->bytes > WHATIF_SMALL_URB_BYTES && latency > m->base_rtt_ns)
            nd->extra_rtts = (uint32_t)((latency - m->base_rtt_ns) / m->base_rtt_ns); /* whole ones only */
        uint64_t network = (1 + (uint64_t)nd->extra_rtts) * m->base_rtt_ns;
        nd->service_ns = latency > network ? latency - network : 0;
        nd->trigger = find_trigger(m, j, network);
        if (nd->trigger >= 0) {
            nd->trigger_service_ns = u->complete_ns - m->urbs[nd->trigger].submit_ns - network;
            nd->service_ns = 0; /* its own request only bounds the answer by its round trips */
        }
        nd->fifo_prev = -1;
        for (size_t k = j; k-- > 0;)
            if (m->urbs[k].ep == u->ep && m->urbs[k].direction == u->direction) {
                if (m->urbs[k].complete_ns <= u->complete_ns)
                    nd->fifo_prev = (long)k;
                break;
            }
        while (n_done < m->n && done_order[n_done].t <= u->submit_ns)
            n_done++;
        nd->phase = phase;
        if (j == 0)
            continue; /* ANCHOR_NONE */
        const struct whatif_urb *prev = &m->urbs[j - 1];
        const struct whatif_done *done = n_done ? &done_order[n_done - 1] : NULL;
        if (done && done->t >= prev->submit_ns) {
            nd->anchor = ANCHOR_COMPLETION;
            nd->anchor_urb = done->urb;
            nd->gap_ns = u->submit_ns - done->t;
            bool device_idle = n_done >= j;
            nd->after_idle = device_idle;
            if (device_idle && nd->gap_ns > WHATIF_IDLE_PAUSE_NS) {
                nd->anchor = ANCHOR_PAUSE;
                nd->phase = ++phase;
            }
        } else {
            nd->anchor = ANCHOR_SUBMIT;
            nd->anchor_urb = j - 1;
            nd->gap_ns = u->submit_ns - prev->submit_ns;
        }
    }
    free(done_order);
    m->events = event_order(m->urbs, m->n);
    if (!m->events) {
        m->n = 0;
        return;
    }
    m->n_phases = phase + 1;
    find_transfers(m);
}

/* What bound a replayed answer: its own request's round trip and service, the previous answer of
 * its endpoint direction (answers come in order), or the request that triggered it. */
enum whatif_bound { BOUND_OWN = 0, BOUND_FIFO, BOUND_TRIGGER };

/* Where a replay's window waits come from. */
enum whatif_windows {
    WINDOWS_TCP_LATE = 0, /* the TCP model, slow start not ending before the receive window */
    WINDOWS_TCP_EARLY,    /* the TCP model, slow start ending at HyStart's earliest */
    WINDOWS_AS_CAPTURED,  /* a WAN capture's whole extra round trips (step 3) */
    WINDOWS_OPEN,         /* none: a capture without SYNs may start with its windows open */
};

/* Replayed times of every URB at one round trip, and what bound each answer. */
struct whatif_replay {
    uint64_t *submit, *complete;
    uint64_t *window; /* time spent waiting for TCP's windows (whatif_tcp) */
    uint8_t *bound;   /* enum whatif_bound */
};

/* The time URB j's request (sender 0) or answer (sender 1) waits for TCP's windows at rtt_ns: its
 * USB/IP header and, on its way, its data; the path moves the data at the rate its service saw. */
static uint64_t tcp_wait(const struct whatif_model *m, struct whatif_tcp_sender *snd, size_t j,
                         const struct whatif_replay *r, uint64_t rtt_ns, int sender)
{
    const struct whatif_urb *u = &m->urbs[j];
    const struct whatif_node *nd = &m->nodes[j];
    bool data = carries(u, sender);
    uint64_t bytes = UIP_HEADER_SIZE + (data ? u->bytes : 0);
    double rate = data && nd->service_ns ? (double)u->bytes * 1e9 / (double)nd->service_ns : 0;
    uint64_t start = r->submit[j] + (sender == 1 ? rtt_ns / 2 : 0);
    return whatif_tcp_burst(&snd[sender], bytes, start, rtt_ns, rate);
}

static void replay(const struct whatif_model *m, uint64_t rtt_ns, enum whatif_windows windows,
                   struct whatif_replay *r)
{
    struct whatif_tcp_sender snd[2];
    for (int sender = 0; sender < 2; sender++)
        whatif_tcp_sender_start(&snd[sender], &m->tcp, sender,
                                windows == WINDOWS_TCP_EARLY ? WHATIF_SLOW_START_EARLY : WHATIF_SLOW_START_LATE);
    for (size_t i = 0; i < 2 * m->n; i++) {
        size_t j = m->events[i] / 2;
        const struct whatif_node *nd = &m->nodes[j];
        if (!(m->events[i] & 1)) {
            switch (nd->anchor) {
            case ANCHOR_NONE: r->submit[j] = 0; break;
            case ANCHOR_SUBMIT: r->submit[j] = r->submit[nd->anchor_urb] + nd->gap_ns; break;
            case ANCHOR_COMPLETION:
            case ANCHOR_PAUSE: r->submit[j] = r->complete[nd->anchor_urb] + nd->gap_ns; break;
            }
            continue;
        }
        if (windows == WINDOWS_AS_CAPTURED)
            r->window[j] = (uint64_t)nd->extra_rtts * rtt_ns;
        else if (windows == WINDOWS_OPEN)
            r->window[j] = 0;
        else
            r->window[j] = tcp_wait(m, snd, j, r, rtt_ns, 0) + tcp_wait(m, snd, j, r, rtt_ns, 1);
        uint64_t network = rtt_ns + r->window[j];
        r->complete[j] = r->submit[j] + network + nd->service_ns;
        r->bound[j] = BOUND_OWN;
        if (nd->trigger >= 0) {
            uint64_t after = r->submit[nd->trigger] + network + nd->trigger_service_ns;
            if (after > r->complete[j]) {
                r->complete[j] = after;
                r->bound[j] = BOUND_TRIGGER;
            }
        }
        if (nd->fifo_prev >= 0 && r->complete[nd->fifo_prev] > r->complete[j]) {
            r->complete[j] = r->complete[nd->fifo_prev];
            r->bound[j] = BOUND_FIFO;
        }
    }
}

/* Who the critical path ending at URB `last`'s completion waited on, back to time `from`. */
struct whatif_path {
    double network_ns, device_ns, host_ns, round_trips;
};

static void walk_back(const struct whatif_model *m, const struct whatif_replay *r, uint64_t rtt_ns,
                      size_t last, uint64_t from, struct whatif_path *p)
{
    memset(p, 0, sizeof *p);
    size_t j = last;
    bool at_completion = true;
    for (;;) {
        const struct whatif_node *nd = &m->nodes[j];
        if (at_completion) {
            if (r->bound[j] == BOUND_FIFO) {
                j = (size_t)nd->fifo_prev;
                continue;
            }
            /* the answer's round trips and service after the request that bound it (its own or
             * its trigger), clipped at the phase's start */
            bool triggered = r->bound[j] == BOUND_TRIGGER;
            size_t from_urb = triggered ? (size_t)nd->trigger : j;
            uint64_t service = triggered ? nd->trigger_service_ns : nd->service_ns;
            uint64_t start = r->submit[from_urb] > from ? r->submit[from_urb] : from;
            double rtts = 1.0;
            if (rtt_ns)
                rtts += (double)r->window[j] / (double)rtt_ns;
            double span = (double)(r->complete[j] - start);
            double network = rtts * (double)rtt_ns;
            double whole = network + (double)service;
            double share = whole > 0 ? span / whole : 1; /* an instant answer is still a round trip */
            p->network_ns += share * network;
            p->device_ns += share * (double)service;
            p->round_trips += share * rtts;
            if (r->submit[from_urb] <= from)
                return;
            at_completion = false;
            j = from_urb;
            continue;
        }
        if (nd->anchor == ANCHOR_NONE)
            return;
        uint64_t anchor_t = nd->anchor == ANCHOR_SUBMIT ? r->submit[nd->anchor_urb]
                                                        : r->complete[nd->anchor_urb];
        p->host_ns += (double)(r->submit[j] - (anchor_t > from ? anchor_t : from));
        if (anchor_t <= from)
            return;
        at_completion = nd->anchor != ANCHOR_SUBMIT;
        j = nd->anchor_urb;
    }
}

/* A transfer's replayed span: its URBs' first replayed submit and last replayed answer. */
static void transfer_span(const struct whatif_transfer *t, const struct whatif_replay *r,
                          uint64_t *first_sub, uint64_t *last_done, size_t *last)
{
    *first_sub = UINT64_MAX;
    *last_done = 0;
    *last = t->first;
    for (size_t j = t->first; j < t->last; j++) {
        if (r->submit[j] < *first_sub)
            *first_sub = r->submit[j];
        if (r->complete[j] >= *last_done) {
            *last_done = r->complete[j];
            *last = j;
        }
    }
}

/* Per endpoint direction: its transfer's window replayed, from the first replayed submit of the
 * window's URBs to their last replayed answer. */
static void fill_streams(const struct whatif_model *m, const struct whatif_replay *r, uint64_t rtt_ns,
                         struct whatif_prediction *out)
{
    out->n_streams = m->n_transfers;
    for (unsigned s = 0; s < m->n_transfers; s++) {
        const struct whatif_transfer *t = &m->transfers[s];
        struct whatif_stream *st = &out->streams[s];
        st->ep = t->ep;
        st->direction = t->direction;
        st->xfer_type = t->xfer_type;
        st->bytes = t->bytes;
        st->urbs = t->urbs;
        if (!t->urbs)
            continue;
        uint64_t first_sub, last_done;
        size_t last;
        transfer_span(t, r, &first_sub, &last_done, &last);
        st->duration_s = (double)(last_done - first_sub) / 1e9;
        st->duration_max_s = st->duration_s;
        st->captured_s = (double)(t->end_ns - t->start_ns) / 1e9;
        st->throughput_Bps = st->duration_s > 0 ? (double)st->bytes / st->duration_s : 0;
        struct whatif_path p;
        walk_back(m, r, rtt_ns, last, first_sub, &p);
        st->network_s = p.network_ns / 1e9;
        st->device_s = p.device_ns / 1e9;
        st->host_s = p.host_ns / 1e9;
        st->round_trips = p.round_trips;
    }
}

/* The range's slow end: the durations had slow start ended as early as HyStart can end it, or as
 * early as it ended in a WAN capture. */
static void fill_slow_end(const struct whatif_model *m, uint64_t rtt_ns, enum whatif_windows windows,
                          struct whatif_replay *r, struct whatif_prediction *out)
{
    replay(m, rtt_ns, windows, r);
    uint64_t end = 0;
    for (size_t j = 0; j < m->n; j++)
        if (r->complete[j] > end)
            end = r->complete[j];
    out->duration_max_s = (double)end / 1e9;
    for (unsigned s = 0; s < out->n_streams; s++) {
        struct whatif_stream *st = &out->streams[s];
        if (!st->urbs)
            continue;
        uint64_t first_sub, last_done;
        size_t last;
        transfer_span(&m->transfers[s], r, &first_sub, &last_done, &last);
        st->duration_max_s = (double)(last_done - first_sub) / 1e9;
        if (st->duration_max_s < st->duration_s)
            st->duration_max_s = st->duration_s;
    }
    if (out->duration_max_s < out->duration_s)
        out->duration_max_s = out->duration_s;
}

void whatif_model_predict(const struct whatif_model *m, uint64_t rtt_ns, struct whatif_prediction *out)
{
    memset(out, 0, sizeof *out);
    out->rtt_s = (double)rtt_ns / 1e9;
    if (!m->fitted || !m->n)
        return;
    struct whatif_replay r = {calloc(m->n, sizeof *r.submit), calloc(m->n, sizeof *r.complete),
                              calloc(m->n, sizeof *r.window), calloc(m->n, sizeof *r.bound)};
    if (r.submit && r.complete && r.window && r.bound) {
        /* without the SYNs the connection may be long open, its windows too */
        bool from_start = m->tcp.syn_from_capture;
        replay(m, rtt_ns, from_start ? WINDOWS_TCP_LATE : WINDOWS_OPEN, &r);
        size_t last = 0;
        for (size_t j = 0; j < m->n; j++)
            if (r.complete[j] >= r.complete[last])
                last = j;
        out->duration_s = (double)r.complete[last] / 1e9;
        out->duration_max_s = out->duration_s;
        struct whatif_path p;
        walk_back(m, &r, rtt_ns, last, 0, &p);
        out->network_s = p.network_ns / 1e9;
        out->device_s = p.device_ns / 1e9;
        out->host_s = p.host_ns / 1e9;
        out->round_trips = p.round_trips;
        fill_streams(m, &r, rtt_ns, out);
        out->slow_start_unknown = !m->tcp.slow_start_end || !from_start;
        if (out->slow_start_unknown)
            fill_slow_end(m, rtt_ns, m->rtt_dominates ? WINDOWS_AS_CAPTURED : WINDOWS_TCP_EARLY, &r, out);
    }
    free(r.submit);
    free(r.complete);
    free(r.window);
    free(r.bound);
}
