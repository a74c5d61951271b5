/* whatif.c -- the what-if latency model: a session's dependency structure recovered from its
 * URBs and replayed at another round trip along its critical path (see whatif.h, analyzer/README.md). */
#include <stdlib.h>
#include <string.h>
#include "whatif.h"

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
    uint32_t extra_rtts;   /* whole round trips beyond the first (a TCP window that had to grow) */
    long fifo_prev;        /* the previous URB of the same endpoint direction, answered first; -1 */
    unsigned phase;        /* transfer phase, counted from 0 */
};

struct whatif_model {
    struct whatif_urb *urbs; /* sorted by submit time once fitted */
    size_t n, cap;
    bool fitted;
    uint64_t base_rtt_ns;
    bool rtt_dominates;      /* the round trip dwarfs small URBs' service: extra round trips show */
    struct whatif_node *nodes;
    unsigned n_phases;
};

struct whatif_model *whatif_model_new(void)
{
    return calloc(1, sizeof(struct whatif_model));
}

void whatif_model_free(struct whatif_model *m)
{
    if (!m)
        return;
    free(m->urbs);
    free(m->nodes);
    free(m);
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
    m->n_phases = phase + 1;
}

/* Replayed times of every URB at one round trip; fifo_bound says a completion waited for the
 * previous answer of its endpoint rather than for its own round trip. */
struct whatif_replay {
    uint64_t *submit, *complete;
    bool *fifo_bound;
};

static void replay(const struct whatif_model *m, uint64_t rtt_ns, struct whatif_replay *r)
{
    for (size_t j = 0; j < m->n; j++) {
        const struct whatif_node *nd = &m->nodes[j];
        switch (nd->anchor) {
        case ANCHOR_NONE: r->submit[j] = 0; break;
        case ANCHOR_SUBMIT: r->submit[j] = r->submit[nd->anchor_urb] + nd->gap_ns; break;
        case ANCHOR_COMPLETION:
        case ANCHOR_PAUSE: r->submit[j] = r->complete[nd->anchor_urb] + nd->gap_ns; break;
        }
        uint64_t own = r->submit[j] + (1 + (uint64_t)nd->extra_rtts) * rtt_ns + nd->service_ns;
        r->fifo_bound[j] = nd->fifo_prev >= 0 && r->complete[nd->fifo_prev] > own;
        r->complete[j] = r->fifo_bound[j] ? r->complete[nd->fifo_prev] : own;
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
            if (r->fifo_bound[j]) {
                j = (size_t)nd->fifo_prev;
                continue;
            }
            /* the URB's own round trip and service, clipped at the window's start */
            uint64_t start = r->submit[j] > from ? r->submit[j] : from;
            double rtts = 1.0 + nd->extra_rtts;
            double span = (double)(r->complete[j] - start);
            double whole = rtts * (double)rtt_ns + (double)nd->service_ns;
            double share = whole > 0 ? span / whole : 1; /* an instant answer is still a round trip */
            p->network_ns += share * rtts * (double)rtt_ns;
            p->device_ns += share * (double)nd->service_ns;
            p->round_trips += share * rtts;
            if (r->submit[j] <= from)
                return;
            at_completion = false;
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

static struct whatif_stream *stream_slot(struct whatif_prediction *out, const struct whatif_urb *u)
{
    for (unsigned s = 0; s < out->n_streams; s++)
        if (out->streams[s].ep == u->ep && out->streams[s].direction == u->direction)
            return &out->streams[s];
    if (out->n_streams == WHATIF_MAX_STREAMS)
        return NULL;
    struct whatif_stream *s = &out->streams[out->n_streams++];
    s->ep = u->ep;
    s->direction = u->direction;
    s->xfer_type = u->xfer_type;
    return s;
}

/* Per endpoint direction: the transfer phase that moved most of its bytes, timed from the
 * phase's first submit to its last completion (captured and replayed). */
static void fill_streams(const struct whatif_model *m, const struct whatif_replay *r, uint64_t rtt_ns,
                         struct whatif_prediction *out)
{
    unsigned np = m->n_phases;
    uint64_t *bytes = calloc((size_t)np * WHATIF_MAX_STREAMS, sizeof *bytes);
    if (!bytes)
        return;
    for (size_t j = 0; j < m->n; j++) {
        struct whatif_stream *s = stream_slot(out, &m->urbs[j]);
        if (s)
            bytes[(size_t)m->nodes[j].phase * WHATIF_MAX_STREAMS + (size_t)(s - out->streams)] +=
                m->urbs[j].bytes;
    }
    for (unsigned s = 0; s < out->n_streams; s++) {
        struct whatif_stream *st = &out->streams[s];
        unsigned best = 0;
        for (unsigned ph = 1; ph < np; ph++)
            if (bytes[(size_t)ph * WHATIF_MAX_STREAMS + s] > bytes[(size_t)best * WHATIF_MAX_STREAMS + s])
                best = ph;
        st->bytes = bytes[(size_t)best * WHATIF_MAX_STREAMS + s];
        uint64_t first_sub = UINT64_MAX, last_done = 0, cap_first = UINT64_MAX, cap_last = 0;
        size_t last = 0;
        for (size_t j = 0; j < m->n; j++) {
            if (m->nodes[j].phase != best)
                continue;
            const struct whatif_urb *u = &m->urbs[j];
            if (u->ep == st->ep && u->direction == st->direction)
                st->urbs++;
            if (r->submit[j] < first_sub)
                first_sub = r->submit[j];
            if (r->complete[j] >= last_done) {
                last_done = r->complete[j];
                last = j;
            }
            if (u->submit_ns < cap_first)
                cap_first = u->submit_ns;
            if (u->complete_ns > cap_last)
                cap_last = u->complete_ns;
        }
        if (first_sub == UINT64_MAX)
            continue;
        st->duration_s = (double)(last_done - first_sub) / 1e9;
        st->captured_s = (double)(cap_last - cap_first) / 1e9;
        st->throughput_Bps = st->duration_s > 0 ? (double)st->bytes / st->duration_s : 0;
        struct whatif_path p;
        walk_back(m, r, rtt_ns, last, first_sub, &p);
        st->network_s = p.network_ns / 1e9;
        st->device_s = p.device_ns / 1e9;
        st->host_s = p.host_ns / 1e9;
        st->round_trips = p.round_trips;
    }
    free(bytes);
}

void whatif_model_predict(const struct whatif_model *m, uint64_t rtt_ns, struct whatif_prediction *out)
{
    memset(out, 0, sizeof *out);
    out->rtt_s = (double)rtt_ns / 1e9;
    if (!m->fitted || !m->n)
        return;
    struct whatif_replay r = {calloc(m->n, sizeof *r.submit), calloc(m->n, sizeof *r.complete),
                              calloc(m->n, sizeof *r.fifo_bound)};
    if (r.submit && r.complete && r.fifo_bound) {
        replay(m, rtt_ns, &r);
        size_t last = 0;
        for (size_t j = 0; j < m->n; j++)
            if (r.complete[j] >= r.complete[last])
                last = j;
        out->duration_s = (double)r.complete[last] / 1e9;
        struct whatif_path p;
        walk_back(m, &r, rtt_ns, last, 0, &p);
        out->network_s = p.network_ns / 1e9;
        out->device_s = p.device_ns / 1e9;
        out->host_s = p.host_ns / 1e9;
        out->round_trips = p.round_trips;
        fill_streams(m, &r, rtt_ns, out);
    }
    free(r.submit);
    free(r.complete);
    free(r.fifo_bound);
}
