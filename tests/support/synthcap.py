# SPDX-License-Identifier: GPL-2.0-or-later
"""synthcap.py -- code-built (synthetic) USB/IP captures for tests, never real traffic: pcap
records of a TCP conversation (client port 40000 to 3240) carrying USB/IP messages built here,
the bad-input catalogue (each capture broken in one way) and the misframing set (each capture
framed in a way Wireshark 4.0's built-in usbip dissector gets wrong).
"""
import random
import struct

def pcap_header(linktype=1, snaplen=262144, magic=0xA1B2C3D4):
    return struct.pack("<IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)


def record(data, ts_us, orig_len=None):
    return struct.pack("<IIII", ts_us // 10**6, ts_us % 10**6, len(data),
                       len(data) if orig_len is None else orig_len) + data


def ipv4_tcp(src_port, dst_port, seq, payload, flags=0x18, proto=6, to_server=None):
    """An Ethernet frame; the client is 10.0.0.1, the server 10.0.0.2."""
    tcp = struct.pack(">HHIIBBHHH", src_port, dst_port, seq, 0, 5 << 4, flags, 65535, 0, 0)
    body = tcp + payload if proto == 6 else struct.pack(">HHHH", src_port, dst_port, 8 + len(payload), 0) + payload
    if to_server is None:
        to_server = dst_port == 3240
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(body), 0, 0, 64, proto, 0,
                     bytes([10, 0, 0, 1 if to_server else 2]),
                     bytes([10, 0, 0, 2 if to_server else 1]))
    return b"\x00" * 12 + b"\x08\x00" + ip + body


class Conv:
    """A USB/IP conversation: client port 40000 -> server port (3240), from its handshake."""

    def __init__(self, handshake=True, server_port=3240, client_port=40000, t0=1_700_000_000_000_000):
        self.server_port = server_port
        self.client_port = client_port
        self.seq = {0: 1000, 1: 5000}
        self.t = t0
        self.out = bytearray(pcap_header())
        if handshake:
            self.frame(0, b"", 0x02, advance=1)
            self.frame(1, b"", 0x12, advance=1)

    def frame(self, side, payload, flags=0x18, advance=None, seq=None, cut=None):
        sport, dport = ((self.client_port, self.server_port) if side == 0
                        else (self.server_port, self.client_port))
        s = self.seq[side] if seq is None else seq
        pkt = ipv4_tcp(sport, dport, s, payload, flags, to_server=side == 0)
        if cut is not None:
            self.out += record(pkt[:cut], self.t, orig_len=len(pkt))
        else:
            self.out += record(pkt, self.t)
        self.t += 1000
        self.seq[side] += len(payload) if advance is None else advance

    def send(self, side, payload, **kw):
        self.frame(side, payload, **kw)
        return self


def op(code, status=0, body=b""):
    return struct.pack(">HHI", 0x0111, code, status) + body


def device_record(vid=0x46f4, pid=1):
    return (b"/sys/devices/usb1/1-1".ljust(256, b"\0") + b"1-1".ljust(32, b"\0") +
            struct.pack(">IIIHHHBBBBBB", 1, 2, 3, vid, pid, 0, 0, 0, 0, 1, 1, 1))


def cmd_submit(seq, direction, ep, length, np=0, setup=b"\0" * 8, devid=0x10002, data=None):
    hdr = struct.pack(">IIIIIIiiIi", 1, seq, devid, direction, ep, 0, length, 0, np, 0) + setup
    if direction == 0 and length > 0:
        hdr += data if data is not None else bytes(length)
    return hdr


def ret_submit(seq, status, actual, np=0, data=b"", error_count=0):
    return struct.pack(">IIIIIiiiIi", 3, seq, 0, 0, 0, status, actual, 0, np, error_count) + b"\0" * 8 + data


def imported(server_port=3240, client_port=40000, vid=0x46f4, pid=1, t0=1_700_000_000_000_000):
    c = Conv(server_port=server_port, client_port=client_port, t0=t0)
    c.send(0, op(0x8003, 0, b"1-1".ljust(32, b"\0")))
    c.send(1, op(0x0003, 0, device_record(vid, pid)))
    return c

# ---- the catalogue ---------------------------------------------------------------------------

def cases():
    rnd = random.Random(3240)
    ok = imported().send(0, cmd_submit(1, 1, 1, 64)).send(1, ret_submit(1, 0, 64, data=bytes(64)))
    good = bytes(ok.out)
    yield "empty file", b"", 3, "empty"
    yield "wrong magic", b"\x00\x01\x02\x03" + good[4:], 3, ""
    yield "truncated file header", good[:10], 3, ""
    yield "random bytes, no capture", bytes(rnd.randrange(256) for _ in range(4000)), 3, ""
    yield "truncated last record", good[:-20], 4, "corrupt"
    yield "huge incl_len", good + struct.pack("<IIII", 1, 0, 0x7FFFFFF0, 0x7FFFFFF0), 4, "corrupt"
    yield "unsupported link type", pcap_header(linktype=147) + record(b"abc", 1), 3, "not supported"
    yield "non-TCP traffic only", pcap_header() + record(ipv4_tcp(40000, 3240, 0, b"x" * 20, proto=17), 1), 1, "no USB/IP"
    c = imported()
    c.send(0, cmd_submit(1, 1, 1, 64))
    c.send(1, ret_submit(1, 0, 64, data=bytes(64)), cut=60)
    yield "snaplen-truncated packet", bytes(c.out), 1, ""
    yield "huge transfer_buffer_length", bytes(imported().send(0, cmd_submit(1, 1, 1, 0x7FFFFFFF)).out), 1, ""
    c = imported().send(0, cmd_submit(1, 1, 1, 64)).send(1, ret_submit(1, 0, -5))
    yield "negative actual_length", bytes(c.out), 1, ""
    c = imported().send(0, cmd_submit(1, 1, 1, 8)).send(1, ret_submit(1, 0, 16, data=bytes(16)))
    yield "actual_length above transfer_buffer_length", bytes(c.out), 1, ""
    yield "endpoint above 15", bytes(imported().send(0, cmd_submit(1, 1, 16, 8)).out), 1, ""
    iso = b"".join(struct.pack(">IIIi", i * 100, 100, 50, 0) for i in range(3))
    c = imported().send(0, cmd_submit(1, 1, 3, 300, np=3) + b"".join(struct.pack(">IIIi", i * 100, 100, 0, 0) for i in range(3)))
    c.send(1, ret_submit(1, 0, 120, np=3, data=bytes(120)) + iso)
    yield "iso lengths not summing to actual_length", bytes(c.out), 1, ""
    c = imported().send(0, cmd_submit(1, 1, 1, 64, np=0xFFFFFFFF)).send(1, ret_submit(1, 0, 64, np=0xFFFFFFFF, data=bytes(64)))
    yield "number_of_packets 0xFFFFFFFF (usbip-win2), valid", bytes(c.out), 0, ""
    yield "number_of_packets huge", bytes(imported().send(0, cmd_submit(1, 1, 3, 64, np=5000)).out), 1, ""
    bad = struct.pack(">IIIII", 7, 1, 0x10002, 0, 1) + bytes(28)
    yield "unknown command code", bytes(imported().send(0, bad).out), 1, ""
    yield "bad direction", bytes(imported().send(0, cmd_submit(1, 5, 1, 8)).out), 1, ""
    yield "RET without CMD", bytes(imported().send(1, ret_submit(9, 0, 0)).out), 1, ""
    c = imported().send(0, cmd_submit(1, 1, 1, 8) + cmd_submit(1, 1, 1, 8)).send(1, ret_submit(1, 0, 0))
    yield "duplicated seqnum", bytes(c.out), 1, ""
    c = imported().send(0, cmd_submit(1, 1, 1, 64))
    c.seq[1] += 30  # 30 server bytes never captured
    c.send(1, ret_submit(2, 0, 0))
    yield "TCP gap", bytes(c.out), 1, ""
    c = imported().send(0, cmd_submit(1, 1, 1, 8))
    pdu = ret_submit(1, 0, 8, data=bytes(8))
    c.send(1, pdu)
    c.frame(1, pdu, seq=c.seq[1] - len(pdu), advance=0)
    yield "retransmission, handled", bytes(c.out), 0, ""
    c = imported().send(0, cmd_submit(1, 1, 1, 8) + cmd_submit(2, 1, 1, 8))
    a, b = ret_submit(1, 0, 8, data=bytes(8)), ret_submit(2, 0, 0)
    base = c.seq[1]
    c.frame(1, b, seq=base + len(a), advance=0)
    c.frame(1, a, seq=base, advance=len(a) + len(b))
    yield "reordered segments, handled", bytes(c.out), 0, ""
    c = Conv(handshake=False)
    c.send(0, bytes(17) + cmd_submit(5, 1, 1, 8) + cmd_submit(6, 1, 1, 8))
    c.send(1, ret_submit(5, 0, 0) + ret_submit(6, 0, 0))
    yield "mid-stream start", bytes(c.out), 1, ""
    c = imported()
    for i in range(40):
        c.send(rnd.randrange(2), bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 300))))
    yield "random stream bytes", bytes(c.out), 1, ""
    yield from pcapng_cases(good)




def pcapng_block(btype, body, big=False, trailing_delta=0):
    o = ">" if big else "<"
    body += bytes(-len(body) % 4)
    return struct.pack(o + "II", btype, 12 + len(body)) + body + struct.pack(o + "I", 12 + len(body) + trailing_delta)


def pcapng_section(big=False):
    return pcapng_block(0x0A0D0D0A, struct.pack((">" if big else "<") + "IHHq", 0x1A2B3C4D, 1, 0, -1), big)


def pcapng_interface(linktype=1, big=False):
    return pcapng_block(1, struct.pack((">" if big else "<") + "HHI", linktype, 0, 0), big)


def pcapng_packets(pcap, ifid=0, big=False):
    """The records of a classic (little-endian, microsecond) pcap file as enhanced packet blocks."""
    out, off = [], 24
    while off + 16 <= len(pcap):
        sec, usec, caplen, length = struct.unpack("<IIII", pcap[off:off + 16])
        ts = sec * 10**6 + usec
        body = struct.pack((">" if big else "<") + "IIIII", ifid, ts >> 32, ts & 0xFFFFFFFF,
                           caplen, length) + pcap[off + 16:off + 16 + caplen]
        out.append(pcapng_block(6, body, big))
        off += 16 + caplen
    return out


def pcapng_cases(good):
    """The good conversation as pcapng (the core's own reader), then broken one way each."""
    head, pkts = pcapng_section() + pcapng_interface(), pcapng_packets(good)
    all_but_last = head + b"".join(pkts[:-1])
    yield "pcapng, valid", head + b"".join(pkts), 0, ""
    be = pcapng_section(True) + pcapng_interface(big=True)
    be += b"".join(pcapng_packets(good, big=True)[3:])
    yield "pcapng, a second section big-endian, valid", head + b"".join(pkts[:3]) + be, 0, ""
    yield "pcapng truncated block", head + b"".join(pkts)[:-10], 4, "truncated"
    last = pkts[-1][:-4] + struct.pack("<I", len(pkts[-1]) + 4)
    yield "pcapng lengths disagree", all_but_last + last, 4, "differs from trailing"
    yield ("pcapng interface id out of range", all_but_last + pcapng_packets(good, ifid=1)[-1], 4,
           "out of range")
    yield ("pcapng unknown link type", pcapng_section() + pcapng_interface(147) + b"".join(pkts), 3,
           "(interface 0, pcapng block at offset 28) is not supported")
    huge = pcapng_block(6, struct.pack("<IIIII", 0, 0, 1, 64 * 2**20 + 1, 64 * 2**20 + 1))
    yield "pcapng record above the bound", head + b"".join(pkts) + huge, 4, "above the reader's limit"
    yield ("pcapng block in the other byte order", all_but_last + pcapng_packets(good, big=True)[-1],
           4, "corrupt")


def cmd_unlink(seq, victim, devid=0x10002):
    return struct.pack(">IIIIII", 2, seq, devid, 0, 0, victim) + bytes(24)


def ret_unlink(seq, status):
    return struct.pack(">IIIIIi", 4, seq, 0, 0, 0, status) + bytes(24)


def iso_descs(lengths, actuals):
    """Descriptors for packets of the given lengths, at their offsets in the URB's buffer
    (the IN data on the wire is packed all the same: only actual bytes travel)."""
    out, off = b"", 0
    for length, actual in zip(lengths, actuals):
        out += struct.pack(">IIIi", off, length, actual, 0)
        off += length
    return out


def misframing_cases():
    """(name, capture bytes, expected [(command, seqnum)] in order). Every PDU is one the
    plugin must decode; the built-in 4.0 dissector misframes each capture."""
    # several PDUs in one segment, RET_SUBMIT with IN data among them
    c = imported().send(0, cmd_submit(1, 1, 1, 64) + cmd_submit(2, 1, 1, 64) + cmd_submit(3, 0, 2, 16))
    c.send(1, ret_submit(1, 0, 64, data=bytes(range(64))) + ret_submit(2, 0, 32, data=bytes(32)) +
           ret_submit(3, 0, 16))
    yield ("several PDUs per segment with IN data", bytes(c.out),
           [(1, 1), (1, 2), (1, 3), (3, 1), (3, 2), (3, 3)])
    # an error RET_SUBMIT followed by more PDUs in the same segment
    c = imported().send(0, cmd_submit(1, 1, 1, 64) + cmd_submit(2, 1, 1, 64))
    c.send(1, ret_submit(1, -32, 0) + ret_submit(2, 0, 64, data=bytes(64)))
    yield "error RET_SUBMIT then more PDUs", bytes(c.out), [(1, 1), (1, 2), (3, 1), (3, 2)]
    # an error RET_SUBMIT that still carries IN data (-EOVERFLOW, -EREMOTEIO)
    c = imported().send(0, cmd_submit(1, 1, 1, 64) + cmd_submit(2, 1, 1, 64) + cmd_submit(3, 1, 1, 8))
    c.send(1, ret_submit(1, -75, 64, data=bytes(64)) + ret_submit(2, -121, 10, data=bytes(10)) +
           ret_submit(3, 0, 8, data=bytes(8)))
    yield "error RET_SUBMIT carrying IN data", bytes(c.out), [(1, 1), (1, 2), (1, 3), (3, 1), (3, 2), (3, 3)]
    # usbip-win2's number_of_packets 0xFFFFFFFF on bulk URBs, echoed by the stub
    c = imported().send(0, cmd_submit(1, 1, 1, 64, np=0xFFFFFFFF) + cmd_submit(2, 0, 2, 8, np=0xFFFFFFFF))
    c.send(1, ret_submit(1, 0, 64, np=0xFFFFFFFF, data=bytes(64)) + ret_submit(2, 0, 8, np=0xFFFFFFFF))
    yield "number_of_packets 0xFFFFFFFF", bytes(c.out), [(1, 1), (1, 2), (3, 1), (3, 2)]
    # a capture that starts mid-stream (no handshake, no import, a PDU cut at the start)
    c = Conv(handshake=False)
    c.send(0, cmd_submit(4, 0, 2, 24)[30:] + cmd_submit(5, 1, 1, 8) + cmd_submit(6, 1, 1, 8))
    c.send(1, ret_submit(5, 0, 8, data=bytes(8)) + ret_submit(6, 0, 8, data=bytes(8)))
    yield "capture starting mid-stream", bytes(c.out), [(1, 5), (1, 6), (3, 5), (3, 6)]
    # packed isochronous IN data: 3 packets of 100, actual 60+0+40, 100 data bytes on the wire
    c = imported().send(0, cmd_submit(1, 1, 3, 300, np=3) + iso_descs([100] * 3, [0] * 3) +
                        cmd_submit(2, 1, 1, 8))
    c.send(1, ret_submit(1, 0, 100, np=3, data=bytes(100)) + iso_descs([100] * 3, [60, 0, 40]) +
           ret_submit(2, 0, 8, data=bytes(8)))
    yield "packed isochronous IN data", bytes(c.out), [(1, 1), (1, 2), (3, 1), (3, 2)]
    # a PDU split across segments, and an unlink racing a completion
    c = imported()
    pdu = cmd_submit(1, 0, 2, 100)
    c.send(0, pdu[:20]).send(0, pdu[20:90]).send(0, pdu[90:] + cmd_unlink(2, 1))
    c.send(1, ret_submit(1, 0, 100) + ret_unlink(2, 0))
    yield "split PDU and late unlink", bytes(c.out), [(1, 1), (2, 2), (3, 1), (4, 2)]
    # USB/IP on another port: found by content (the heuristic), no Decode As
    c = imported(server_port=5000).send(0, cmd_submit(1, 1, 1, 64)).send(1, ret_submit(1, 0, 64, data=bytes(64)))
    yield "USB/IP on port 5000, found by content", bytes(c.out), [(1, 1), (3, 1)]
