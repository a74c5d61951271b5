#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""win2_rewrite.py -- synthetic usbip-win2 sessions, never captures: a real Linux USB/IP session
from captures/ with its client side rewritten the way usbip-win2 (vadimgrn/usbip-win2, the Windows
client; paths below are in that repository) encodes the same URBs, and the server's answers as
Linux's stub answers such requests. Every header keeps its size, so the rewrite is done in place:
the packets, their TCP sequence numbers and their times stay the recorded ones.

usage: win2_rewrite.py SOURCE.pcap OUT.pcap [MANIFEST.json]

The manifest lists what the synthetic session must show, worked out here from the source
session's bytes: every URB (new seqnum, endpoint, direction, lengths, status, the frames and
times of its submit, answer and unlink) and each interrupt IN endpoint's polling period from its
endpoint descriptor.
"""
import json
import os
import struct
import sys

PORT = 3240
CMD_SUBMIT, CMD_UNLINK, RET_SUBMIT, RET_UNLINK = 1, 2, 3, 4
OP_REQ_IMPORT, OP_REP_IMPORT, OP_REQ_DEVLIST, OP_REP_DEVLIST = 0x8003, 0x0003, 0x8005, 0x0005
NP_NOT_ISO = 0xFFFFFFFF
URB_SHORT_NOT_OK, URB_ISO_ASAP = 0x1, 0x2
SPEED_HIGH = 3
XFER_ISO, XFER_INT = 1, 3

# ---- pcap and TCP ------------------------------------------------------------------------------


def read_pcap(path):
    """The file's bytes (a bytearray to patch) and its records: (data offset, length, ts in us)."""
    buf = bytearray(open(path, "rb").read())
    magic, = struct.unpack_from("<I", buf, 0)
    if magic != 0xA1B2C3D4 or struct.unpack_from("<I", buf, 20)[0] != 1:
        raise SystemExit(f"{path}: not a little-endian microsecond Ethernet pcap")
    recs, off = [], 24
    while off + 16 <= len(buf):
        sec, usec, incl, orig = struct.unpack_from("<IIII", buf, off)
        if incl != orig:
            raise SystemExit(f"{path}: record cut by the snaplen")
        recs.append((off + 16, incl, sec * 10**6 + usec))
        off += 16 + incl
    return buf, recs


def tcp_of(buf, off, length):
    """(src, sport, dst, dport, seq, flags, payload offset, payload length) of an IPv4/TCP frame."""
    if length < 34 or struct.unpack_from(">H", buf, off + 12)[0] != 0x0800:
        return None
    ip = off + 14
    ihl = (buf[ip] & 15) * 4
    total, = struct.unpack_from(">H", buf, ip + 2)
    if buf[ip + 9] != 6:
        return None
    tcp = ip + ihl
    sport, dport, seq = struct.unpack_from(">HHI", buf, tcp)
    hl = (buf[tcp + 12] >> 4) * 4
    flags = buf[tcp + 13]
    return (bytes(buf[ip + 12:ip + 16]), sport, bytes(buf[ip + 16:ip + 20]), dport, seq, flags,
            tcp + hl, ip + total - (tcp + hl))


class Stream:
    """One direction of one connection: its bytes, and where each of them lies in the file."""

    def __init__(self):
        self.isn = None
        self.closed = False  # a FIN or RST was sent
        self.data = bytearray()
        self.where = []  # (stream offset, file offset, length, record index)

    def add(self, buf, seq, poff, plen, rec):
        off = (seq - self.isn - 1) & 0xFFFFFFFF
        if off > len(self.data):
            raise SystemExit("a TCP gap: the rewrite needs whole streams")
        new = off + plen - len(self.data)
        if new > 0:
            self.data += buf[poff + plen - new:poff + plen]
        self.where.append((off, poff, plen, rec))

    def frame_of(self, offset):
        """The record that first carried the stream byte at offset."""
        return min(r for o, _, n, r in self.where if o <= offset < o + n)

    def patch(self, buf, offset, new):
        """Write new at the stream offset, in every packet that carries those bytes."""
        self.data[offset:offset + len(new)] = new
        for o, poff, n, _ in self.where:
            lo, hi = max(o, offset), min(o + n, offset + len(new))
            if lo < hi:
                buf[poff + lo - o:poff + hi - o] = new[lo - offset:hi - offset]


def streams_of(buf, recs):
    """The client's and the server's stream of the capture's one USB/IP connection."""
    client, server = Stream(), Stream()
    for i, (off, length, _) in enumerate(recs):
        t = tcp_of(buf, off, length)
        if t is None or PORT not in (t[1], t[3]):
            continue
        s = client if t[3] == PORT else server
        s.closed |= bool(t[5] & 0x05)  # FIN, RST
        if t[5] & 0x02:  # SYN
            s.isn = t[4]
        elif t[7] > 0:
            if s.isn is None:
                raise SystemExit("no SYN: the rewrite needs the connection from its start")
            s.add(buf, t[4], t[6], t[7], i)
    return client, server

# ---- USB/IP framing ------------------------------------------------------------------------------


def be32(b, off):
    return struct.unpack_from(">I", b, off)[0]


def op_length(b, off):
    """Length of the OP message at off (the client sends requests, the server replies)."""
    code, status = struct.unpack_from(">HI", b, off + 2)
    if code == OP_REQ_DEVLIST:
        return 8
    if code == OP_REQ_IMPORT:
        return 8 + 32
    if code == OP_REP_IMPORT:
        return 8 + 312 if status == 0 else 8
    if code == OP_REP_DEVLIST:
        n, at = be32(b, off + 8), off + 12
        for _ in range(n):
            at += 312 + 4 * b[at + 311]
        return at - off
    raise SystemExit(f"unexpected OP code {code:#x}")


def frame_stream(data, cmds):
    """The PDUs of a stream in order: dicts with off, length, op code or header fields. cmds maps
    a CMD_SUBMIT's seqnum to its PDU (filled from the client's stream, read for the server's)."""
    pdus, off, urb_phase = [], 0, False
    while off < len(data):
        if not urb_phase:
            code = struct.unpack_from(">H", data, off + 2)[0]
            n = op_length(data, off)
            pdus.append({"off": off, "len": n, "op": code})
            urb_phase = code == OP_REQ_IMPORT or (code == OP_REP_IMPORT and n > 8)
            off += n
            continue
        cmd, seq, devid, direction, ep = struct.unpack_from(">IIIII", data, off)
        p = {"off": off, "command": cmd, "seqnum": seq, "devid": devid, "direction": direction, "ep": ep}
        if cmd == CMD_SUBMIT:
            flags, tbl, sf, np, interval = struct.unpack_from(">IiiIi", data, off + 20)
            iso = np if np not in (0, NP_NOT_ISO) else 0
            p.update(flags=flags, tbl=tbl, np=np, interval=interval, setup=bytes(data[off + 40:off + 48]))
            p["len"] = 48 + (tbl if direction == 0 else 0) + 16 * iso
            cmds[seq] = p
        elif cmd == RET_SUBMIT:
            status, actual, sf, np, errors = struct.unpack_from(">iiiIi", data, off + 20)
            iso = np if np not in (0, NP_NOT_ISO) else 0
            p.update(status=status, actual=actual, np=np)
            p["len"] = 48 + (actual if cmds[seq]["direction"] == 1 else 0) + 16 * iso
        elif cmd in (CMD_UNLINK, RET_UNLINK):
            p["victim" if cmd == CMD_UNLINK else "status"] = struct.unpack_from(">i", data, off + 20)[0]
            p["len"] = 48
        else:
            raise SystemExit(f"unexpected command {cmd} at stream offset {off}")
        pdus.append(p)
        off += p["len"]
    if off != len(data):
        raise SystemExit("the stream ends inside a PDU")
    return pdus

# ---- what usbip-win2 puts in each field ------------------------------------------------------------


def to_high_speed_interval(b_interval):
    """drivers/ude/wsk_receive.cpp:94-109: a low/full speed interrupt bInterval (ms) as the
    high-speed exponent whose 2^(i-1) microframes are at least as long."""
    for i in range(1, 17):
        if (1 << (i - 1)) >= 8 * b_interval:
            return i
    return 16


def endpoint_intervals(pdus, cmds, speed):
    """{(ep number, IN?): (transfer type, bInterval as the device says, bInterval as usbip-win2
    uses it)} from the session's GET_DESCRIPTOR(CONFIGURATION) answers. For a low or full speed
    device usbip-win2 rewrites the configuration before Windows sees it (wsk_receive.cpp:353-354):
    interrupt bInterval to the high-speed exponent (176), isochronous + 3 (173)."""
    eps = {}
    for p in pdus:
        c = cmds.get(p.get("seqnum")) if p.get("command") == RET_SUBMIT else None
        if not c or c["ep"] != 0 or c["setup"][:4] != b"\x80\x06\x00\x02" or p["status"] != 0:
            continue
        body = p["data"]
        at = 0
        while at + 2 <= len(body) and body[at] >= 2:
            if body[at + 1] == 5 and body[at] >= 7 and at + 7 <= len(body):
                addr, attr, b = body[at + 2], body[at + 3] & 3, body[at + 6]
                used = b
                if speed < SPEED_HIGH and attr == XFER_INT:
                    used = to_high_speed_interval(b)
                elif speed < SPEED_HIGH and attr == XFER_ISO:
                    used = min(b + 3, 16)
                eps[(addr & 15, bool(addr & 0x80))] = (attr, b, used)
            at += body[at]
    return eps


def win2_seqnum(n, dir_in):
    """drivers/ude/context.cpp:98-111: one counter per device, (++n << 1) | dir_in."""
    return (n << 1) | int(dir_in)


def win2_flags(p):
    """libdrv/usbd_helper.cpp:192-203 (to_linux_flags): URB_ISO_ASAP on every isochronous URB
    (device_ioctl.cpp:415-416 adds USBD_START_ISO_TRANSFER_ASAP), else URB_SHORT_NOT_OK on an IN
    URB whose driver did not allow short transfers (as the Linux driver asked); never URB_DIR_IN."""
    if p["np"] not in (0, NP_NOT_ISO):
        return URB_ISO_ASAP
    return URB_SHORT_NOT_OK if p["direction"] == 1 and p["flags"] & URB_SHORT_NOT_OK else 0


def win2_submit(p, seq, eps):
    """The 48-byte header set_cmd_submit_usbip_header (drivers/ude/proto.cpp:65-78) builds."""
    iso = p["np"] not in (0, NP_NOT_ISO)
    tbl = p["tbl"]
    if p["ep"] == 0:
        w_length = struct.unpack_from("<H", p["setup"], 6)[0]
        if tbl > w_length:  # device_ioctl.cpp:274-278: clamped to wLength
            if p["direction"] == 0:
                raise SystemExit("an OUT control URB longer than wLength: its data would shrink")
            tbl = w_length
        interval = 0  # the default pipe's zeroed descriptor (libdrv/ch9.h:88, device.cpp:366-368)
    else:
        interval = eps[(p["ep"], p["direction"] == 1)][2]  # proto.cpp:76: epd.bInterval
    np = p["np"] if iso else NP_NOT_ISO  # proto.cpp:75; isochronous: device_ioctl.cpp:426
    # start_frame 0 (proto.cpp:74); an isochronous URB's is the Windows driver's StartFrame
    # (device_ioctl.cpp:425), which ASAP scheduling leaves unused: 0 as well.
    setup = p["setup"] if p["ep"] == 0 else bytes(8)  # proto.cpp:77, device_ioctl.cpp:304
    return struct.pack(">IIIIIIiiIi", CMD_SUBMIT, seq, p["devid"], p["direction"], p["ep"],
                       win2_flags(p), tbl, 0, np, interval) + setup, tbl


def win2_iso_descs(data, p):
    """device_ioctl.cpp:349-373 (repack): each packet's length is the distance to the next
    offset (the last one's to the buffer's end), actual_length and status 0."""
    n, base = p["np"], p["off"] + p["len"] - 16 * p["np"]
    offsets = [be32(data, base + 16 * i) for i in range(n)] + [p["tbl"]]
    return b"".join(struct.pack(">IIII", offsets[i], offsets[i + 1] - offsets[i], 0, 0) for i in range(n))


def win2_unlink(p, seq, victim, stale):
    """set_cmd_unlink_usbip_header (drivers/ude/proto.cpp:84-95): direction OUT, ep 0, the
    device's next seqnum; the 24 bytes after the unlinked seqnum are left as the reused buffer
    held them. Buffers come from a lookaside list (wsk_context.cpp:81) and go back to it once
    sent (device_ioctl.cpp:50, wsk_context.cpp:182), so the last one freed, the previous PDU's,
    is handed out: its header's last 24 bytes (a fresh buffer is zeroed, libdrv/unique_ptr.h)."""
    return struct.pack(">IIIIII", CMD_UNLINK, seq, p["devid"], 0, 0, victim) + stale

# ---- the rewrite -------------------------------------------------------------------------------------


def speed_of(server_pdus, data):
    for p in server_pdus:
        if p.get("op") == OP_REP_IMPORT and p["len"] > 8:
            return be32(data, p["off"] + 8 + 296)
    raise SystemExit("no successful OP_REP_IMPORT")


def rewrite_client(buf, client, pdus, eps):
    """Rewrite the client's PDUs in stream order; returns {old seqnum: new seqnum}."""
    renum, n, stale = {}, 0, bytes(24)
    for p in pdus:
        if p.get("op") == OP_REQ_IMPORT:  # vhci_ioctl.cpp:86-102: the busid zero-padded
            busid = bytes(client.data[p["off"] + 8:p["off"] + 40]).split(b"\0")[0]
            client.patch(buf, p["off"] + 8, busid.ljust(32, b"\0"))
        if "command" not in p:
            continue
        n += 1
        if p["command"] == CMD_SUBMIT:
            renum[p["seqnum"]] = win2_seqnum(n, p["direction"] == 1)
            hdr, p["win2_tbl"] = win2_submit(p, renum[p["seqnum"]], eps)
            if p["np"] not in (0, NP_NOT_ISO):
                client.patch(buf, p["off"] + p["len"] - 16 * p["np"], win2_iso_descs(client.data, p))
        else:
            renum[p["seqnum"]] = win2_seqnum(n, False)
            hdr = win2_unlink(p, renum[p["seqnum"]], renum[p["victim"]], stale)
        client.patch(buf, p["off"], hdr)
        stale = hdr[24:]
    return renum


def rewrite_server(buf, server, pdus, cmds, renum):
    """The stub's answers: the new seqnums; a non-isochronous RET_SUBMIT echoes the request's
    number_of_packets, -1 (stub_rx.c: usbip_pack_pdu copies it into the URB; stub_tx.c sends
    urb->number_of_packets back)."""
    for p in pdus:
        if p.get("command") == RET_SUBMIT:
            server.patch(buf, p["off"] + 4, struct.pack(">I", renum[p["seqnum"]]))
            if p["np"] in (0, NP_NOT_ISO):
                server.patch(buf, p["off"] + 32, struct.pack(">I", NP_NOT_ISO))
        elif p.get("command") == RET_UNLINK:
            server.patch(buf, p["off"] + 4, struct.pack(">I", renum[p["seqnum"]]))

# ---- the manifest ------------------------------------------------------------------------------------


def urb_rows(client, server, cpdus, spdus, renum, recs):
    """Every URB as the synthetic session must show it (frames 1-based, as Wireshark counts)."""
    def at(stream, p):
        r = stream.frame_of(p["off"] + p["len"] - 1)
        return r + 1, recs[r][2]
    urbs, unlinks = {}, {}
    for p in cpdus:
        if p.get("command") == CMD_SUBMIT:
            frame, t = at(client, p)
            urbs[p["seqnum"]] = {"seqnum": renum[p["seqnum"]], "source_seqnum": p["seqnum"], "ep": p["ep"],
                                 "direction": "in" if p["direction"] == 1 else "out",
                                 "transfer_buffer_length": p["win2_tbl"], "submit_frame": frame,
                                 "submit_us": t, "complete_frame": 0, "unlink_seqnum": 0}
        elif p.get("command") == CMD_UNLINK:
            unlinks[p["seqnum"]] = p["victim"]
            urbs[p["victim"]]["unlink_seqnum"] = renum[p["seqnum"]]
            urbs[p["victim"]]["unlink_frame"] = at(client, p)[0]
    for p in spdus:
        if p.get("command") == RET_SUBMIT:
            u = urbs[p["seqnum"]]
            u["complete_frame"], u["complete_us"] = at(server, p)
            u.update(status=p["status"], actual_length=p["actual"])
        elif p.get("command") == RET_UNLINK:
            u = urbs[unlinks[p["seqnum"]]]
            u["unlink_status"], u["unlink_ret_frame"] = p["status"], at(server, p)[0]
    return sorted(urbs.values(), key=lambda u: u["seqnum"])


def keep_in_data(server, spdus, cmds):
    """Attach each RET_SUBMIT's IN data (descriptors are read from it)."""
    for p in spdus:
        if p.get("command") == RET_SUBMIT and cmds[p["seqnum"]]["direction"] == 1:
            p["data"] = bytes(server.data[p["off"] + 48:p["off"] + 48 + p["actual"]])
        elif p.get("command") == RET_SUBMIT:
            p["data"] = b""


def mid_stream_start(client, server, cpdus, spdus):
    """Where a capture of the session could start for its first bytes to be a CMD_UNLINK: the
    record that carries the first CMD_UNLINK from its first byte, when the first server packet
    after it starts a PDU too. Then every byte from there on can be framed. None otherwise."""
    first = next((p for p in cpdus if p.get("command") == CMD_UNLINK), None)
    if first is None:
        return None
    rec = next((r for o, _, _, r in client.where if o == first["off"]), None)
    after = [o for o, _, _, r in server.where if r > rec] if rec is not None else []
    if not after or min(after) not in {p["off"] for p in spdus}:
        return None
    pdus = sum(p["off"] >= first["off"] for p in cpdus) + sum(p["off"] >= min(after) for p in spdus)
    return {"record": rec, "pdus": pdus}


def write_from(src, dst, record):
    """Copy the capture src to dst without its records before record (0-based)."""
    buf, recs = read_pcap(src)
    with open(dst, "wb") as f:
        f.write(buf[:24] + buf[recs[record][0] - 16:])


def rewrite(src, dst):
    """Write the synthetic capture; return its manifest."""
    buf, recs = read_pcap(src)
    client, server = streams_of(buf, recs)
    cmds = {}
    cpdus = frame_stream(client.data, cmds)
    spdus = frame_stream(server.data, cmds)
    keep_in_data(server, spdus, cmds)
    speed = speed_of(spdus, server.data)
    eps = endpoint_intervals(spdus, cmds, speed)
    renum = rewrite_client(buf, client, cpdus, eps)
    rewrite_server(buf, server, spdus, cmds, renum)
    with open(dst, "wb") as f:
        f.write(buf)
    return {
        "source": src, "speed": speed, "pdus": len(cpdus) + len(spdus),
        "connection_closed": client.closed or server.closed,
        "mid_stream": mid_stream_start(client, server, cpdus, spdus),
        "urbs": urb_rows(client, server, cpdus, spdus, renum, recs),
        # each interrupt IN endpoint's period: as its descriptor asks it, and as usbip-win2 asks it
        # (2^(interval-1) microframes: the same at high speed and above, where it is not rewritten)
        "interrupt_in": [{"ep": ep, "bInterval": b, "interval": used,
                          "period_s": (1 << (b - 1)) * 125e-6 if speed >= SPEED_HIGH else b * 1e-3,
                          "win2_period_s": (1 << (used - 1)) * 125e-6}
                         for (ep, is_in), (attr, b, used) in sorted(eps.items()) if is_in and attr == XFER_INT],
    }


def synthesize(source, folder):
    """Rewrite source into folder as NAME-win2-synthetic.pcap: (NAME, its path, the manifest)."""
    name = os.path.splitext(os.path.basename(source))[0]
    path = os.path.join(folder, f"{name}-win2-synthetic.pcap")
    return name, path, rewrite(source, path)


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    manifest = rewrite(sys.argv[1], sys.argv[2])
    if len(sys.argv) == 4:
        with open(sys.argv[3], "w") as f:
            json.dump(manifest, f, indent=1)
    print(f"{sys.argv[2]}: {len(manifest['urbs'])} URBs, {manifest['pdus']} PDUs rewritten as usbip-win2's")


if __name__ == "__main__":
    main()
