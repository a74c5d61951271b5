#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""make_usbipd_win.py -- a synthetic usbipd-win capture from a real Linux USB/IP session: the same
URBs, with the same times and bytes, written as usbipd-win writes its own captures (`usbipd server
usbipd:PcapNg:Path=x.pcapng`). The session's USB/IP stream is reassembled and framed from the
classic pcap capture, then every CMD_SUBMIT, RET_SUBMIT, CMD_UNLINK and RET_UNLINK is written as
dorssel/usbipd-win's Usbipd/PcapNg.cs (at commit 7295216a) writes it; each field cites its line.

usage: make_usbipd_win.py [--snaplen N] SESSION.pcap OUT-synthetic.pcapng
       (--snaplen: as `usbipd:PcapNg:SnapLength=N`, PcapNg.cs:35-47, at least 64)

Choices where usbipd-win's output depends on things a Linux capture does not hold:
- devid: a client of usbipd-win uses the busnum and devnum of its import reply, which are the
  device's bus and hub port (Usbipd/ExportedDevice.cs:55-56); the device is put at busid 1-1, so
  every record says devnum 1 (a hub port, not a root hub).
- An unlink that won (RET_UNLINK -ECONNRESET): usbipd-win aborts the endpoint
  (AttachedEndpoint.cs:502-512), the URB's ioctl completes and its completion is written
  (AttachedEndpoint.cs:413) but not sent (AttachedClient.cs:91-111). Its status comes from
  VBoxUSB's error for an aborted transfer through Tools.cs:95-107, which this cannot know: -EPROTO
  (Tools.cs:106, the default). usbipd-win writes it before or after the RET_UNLINK depending on a
  race (AttachedEndpoint.cs:464-474 hold the abort back until the last unlink of an endpoint):
  alternately just before and just after, so both orders appear.
"""
import struct
import sys

USBIP_PORT = 3240
CMD_SUBMIT, CMD_UNLINK, RET_SUBMIT, RET_UNLINK = 1, 2, 3, 4
DIR_IN = 1
EINPROGRESS, ECONNRESET, EPROTO = 115, 104, 71
USBIPD_BUS, USBIPD_PORT = 1, 1
USBIPD_DEVID = USBIPD_BUS << 16 | USBIPD_PORT


# ---- reading the Linux session ------------------------------------------------------------

def pcap_records(path):
    """(ts_ns, frame bytes) of a classic pcap file of Ethernet frames."""
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    order = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    nano = struct.unpack(order + "I", data[:4])[0] == 0xA1B23C4D
    if struct.unpack(order + "I", data[20:24])[0] != 1:
        raise SystemExit(f"{path}: not an Ethernet capture")
    off = 24
    while off + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack(order + "IIII", data[off:off + 16])
        yield sec * 10**9 + frac * (1 if nano else 1000), data[off + 16:off + 16 + caplen]
        off += 16 + caplen


def tcp_segment(frame):
    """(src, sport, dst, dport, seq, flags, payload) of an Ethernet/IPv4-or-6/TCP frame."""
    et = struct.unpack(">H", frame[12:14])[0]
    ip = frame[14:]
    if et == 0x0800 and ip[9] == 6:
        ihl, total = (ip[0] & 15) * 4, struct.unpack(">H", ip[2:4])[0]
        src, dst, tcp = ip[12:16], ip[16:20], ip[ihl:total]
    elif et == 0x86DD and ip[6] == 6:
        src, dst, tcp = ip[8:24], ip[24:40], ip[40:40 + struct.unpack(">H", ip[4:6])[0]]
    else:
        return None
    sport, dport, seq = struct.unpack(">HHI", tcp[:8])
    return src, sport, dst, dport, seq, tcp[13], tcp[(tcp[12] >> 4) * 4:]


class Stream:
    """One direction of a connection, reassembled in order (retransmitted bytes dropped,
    segments that came early kept until the bytes before them arrive)."""
    def __init__(self):
        self.next_seq, self.buf, self.early = None, b"", {}

    def add(self, seq, flags, payload):
        if self.next_seq is None:
            self.next_seq = (seq + 1) & 0xFFFFFFFF if flags & 2 else seq
        if payload:
            self.early[seq] = max(payload, self.early.get(seq, b""), key=len)
        while True:
            # bytes already delivered before a segment's start: it starts at or before next_seq
            behind = {s: (self.next_seq - s) & 0xFFFFFFFF for s in self.early}
            for s in [s for s, d in behind.items() if d < 0x80000000 and d >= len(self.early[s])]:
                del self.early[s]  # nothing new in it
            ready = [s for s, d in behind.items() if s in self.early and d < len(self.early[s])]
            if not ready:
                return
            p = self.early.pop(ready[0])
            self.buf += p[behind[ready[0]]:]
            self.next_seq = (self.next_seq + len(p) - behind[ready[0]]) & 0xFFFFFFFF


def iso_count(np):
    """Isochronous packets of a number_of_packets (0 and 0xFFFFFFFF: none)."""
    return 0 if np in (0, 0xFFFFFFFF) else np


def iso_descriptors(raw):
    """(offset, length, actual_length, status) of USB/IP's 16-byte descriptors (network order)."""
    return [struct.unpack(">IIIi", raw[i:i + 16]) for i in range(0, len(raw), 16)]


def pdu_length(buf, to_server, cmds):
    """Bytes of the PDU at the start of buf, or None when more are needed."""
    if len(buf) < 8:
        return None
    if buf[:2] == b"\x01\x11":  # an OP message: import only (the lab's sessions)
        code, status = struct.unpack(">HI", buf[2:8])
        if code == 0x8003:
            return 40
        if code == 0x0003:
            return 8 + (312 if status == 0 else 0)
        raise SystemExit(f"OP code {code:#x} not handled")
    if len(buf) < 48:
        return None
    command, seqnum, _, direction, ep = struct.unpack(">5I", buf[:20])
    if command == CMD_SUBMIT:
        tbl, np = struct.unpack(">I4xI", buf[24:36])
        return 48 + (tbl if direction == 0 else 0) + iso_count(np) * 16
    if command == RET_SUBMIT:
        actual, np = struct.unpack(">i4xI", buf[24:36])
        into = cmds.get(seqnum, {}).get("direction") == DIR_IN and actual > 0
        return 48 + (actual if into else 0) + iso_count(np) * 16
    if command in (CMD_UNLINK, RET_UNLINK):
        return 48
    raise SystemExit(f"unknown command {command}")


def session_pdus(path):
    """(ts_ns, to_server, pdu bytes) of the session's USB/IP PDUs in capture order."""
    streams, cmds = {}, {}
    for ts, frame in pcap_records(path):
        seg = tcp_segment(frame)
        if not seg or USBIP_PORT not in (seg[1], seg[3]):
            continue
        src, sport, dst, dport, seq, flags, payload = seg
        to_server = dport == USBIP_PORT
        st = streams.setdefault((src, sport, dst, dport), Stream())
        st.add(seq, flags, payload)
        while (n := pdu_length(st.buf, to_server, cmds)) is not None and len(st.buf) >= n:
            pdu, st.buf = st.buf[:n], st.buf[n:]
            if to_server and struct.unpack(">I", pdu[:4])[0] == CMD_SUBMIT and pdu[:2] != b"\x01\x11":
                seqnum, _, direction = struct.unpack(">3I", pdu[4:16])
                cmds[seqnum] = {"direction": direction}
            yield ts, to_server, pdu


# ---- writing as usbipd-win does ---------------------------------------------------------------

def block(btype, body):
    """CreateBlock + FinishBlock (PcapNg.cs:526-547): type, length, body padded to 4, an
    opt_endofopt (537, written on every block), the length again."""
    body += b"\0" * (-len(body) % 4) + struct.pack("<I", 0)
    length = 12 + len(body)
    return struct.pack("<II", btype, length) + body + struct.pack("<I", length)


def option(code, value):
    """AddOption (PcapNg.cs:419-425): padding, then code, length, value."""
    return struct.pack("<HH", code, len(value)) + value + b"\0" * (-len(value) % 4)


def section_header():
    """PcapNg.cs:442-452: magic, version 1.0, section length unspecified, shb_os, shb_userappl
    ("{Program.Product} {version}", Product "usbipd-win" in Directory.Build.props:56)."""
    return block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)
                 + option(3, b"Microsoft Windows NT 10.0.22631.0")
                 + option(4, b"usbipd-win 5.3.0-synthetic"))


def interface(linktype, name, snaplen):
    """PcapNg.cs:454-474: link type, reserved, snaplen (0 unlimited, 459), if_name, if_tsresol 7."""
    return block(1, struct.pack("<HHI", linktype, 0, snaplen) + option(2, name) + option(9, bytes([7])))


def timestamp_units(ts_ns):
    """GetTimestamp (PcapNg.cs:404-408): 100 ns units since 1970."""
    return ts_ns // 100


def enhanced_packet(ifid, ts_ns, data, snaplen=0):
    """CreateEnhancedPacketBlock (PcapNg.cs:483-497): the timestamp high word first (491-492,
    TimestampToBytes 410-417), the packet cut to the snaplen unless it is 0 (487)."""
    t = timestamp_units(ts_ns)
    cap = len(data) if snaplen == 0 or len(data) < snaplen else snaplen
    return block(6, struct.pack("<IIIII", ifid, t >> 32, t & 0xFFFFFFFF, cap, len(data)) + data[:cap])


def statistics(ts_ns, start_ns, packets):
    """CreateInterfaceStatisticsBlock (PcapNg.cs:499-515), written when the capture stops (389)."""
    t, t0 = timestamp_units(ts_ns), timestamp_units(start_ns)
    ts = lambda u: struct.pack("<II", u >> 32, u & 0xFFFFFFFF)  # noqa: E731
    opts = (option(2, ts(t0)) + option(3, ts(t)) + option(4, struct.pack("<Q", packets))
            + option(5, struct.pack("<Q", 0)) + option(6, struct.pack("<Q", packets))
            + option(7, struct.pack("<Q", 0)) + option(8, struct.pack("<Q", packets)))
    return block(5, struct.pack("<I", 0) + ts(t) + opts)


def transfer_type(ep, np, interval):
    """EndpointType (Tools.cs:138-147) through ConvertType (PcapNg.cs:67-77): usbmon's numbers."""
    return 2 if ep == 0 else 0 if 0 < np < 0x80000000 else 3 if interval == 0 else 1


def usbmon(cmd, kind, ts_ns, status, length, len_cap, setup, data):
    """The 64-byte usbmon header of DumpPacketNonIsoRequest (PcapNg.cs:88-117, kind 'S') and
    DumpPacketNonIsoReply (132-150, kind 'C'), then the data (118, 151)."""
    us = ts_ns // 1000  # GetTimestamp() / 10 (86, 130)
    raw_ep = cmd["ep"] & 0x7F | (0x80 if cmd["direction"] == DIR_IN else 0)  # Tools.cs:133-136
    flag_setup = (0 if cmd["ep"] == 0 else ord("-")) if kind == "S" else ord("-")  # 95, 139
    flag_data = (ord("<") if cmd["direction"] == DIR_IN else ord(">")) if not data else 0  # 96, 140
    return struct.pack("<QBBBBHBBqIiII8siIII",
                       cmd["seqnum"], ord(kind), transfer_type(cmd["ep"], cmd["np"], cmd["interval"]),
                       raw_ep, USBIPD_DEVID & 0xFF, USBIPD_DEVID >> 16, flag_setup, flag_data,
                       us // 1000000, us % 1000000, status, length, len_cap, setup,
                       cmd["interval"], 0, cmd["flags"], 0) + data


def iso_header(cmd, kind, ts_ns, status, length, descs, data, error_count):
    """The usbmon header of DumpPacketIsoRequest (PcapNg.cs:166-185) and DumpPacketIsoReply
    (208-227): type 0, len_cap the data and the descriptors (179, 221), the ISO error count and
    the descriptor count where the setup would be (180-181, 222-223), number_of_packets last."""
    us = ts_ns // 1000
    raw_ep = cmd["ep"] & 0x7F | (0x80 if cmd["direction"] == DIR_IN else 0)
    flag_data = (ord("<") if cmd["direction"] == DIR_IN else ord(">")) if not data else 0  # 174, 216
    return struct.pack("<QBBBBHBBqIiIIIIiiII",
                       cmd["seqnum"], ord(kind), 0, raw_ep, USBIPD_DEVID & 0xFF, USBIPD_DEVID >> 16,
                       ord("-"), flag_data, us // 1000000, us % 1000000, status, length,
                       len(data) + 16 * len(descs), error_count, len(descs), cmd["interval"],
                       cmd["start_frame"], cmd["flags"], cmd["np"])


def iso_submit_record(cmd, ts_ns, out_data, descs):
    """DumpPacketIsoRequest (PcapNg.cs:156-196, from AttachedEndpoint.cs:86): the OUT data, then
    each descriptor as status, offset, length, padding (186-193)."""
    tail = b"".join(struct.pack("<iIII", st, off, ln, 0) for off, ln, _, st in descs)
    return iso_header(cmd, "S", ts_ns, -EINPROGRESS, cmd["tbl"], descs, out_data, 0) + out_data + tail


def iso_complete_record(cmd, ts_ns, status, actual, in_data, descs, error_count):
    """DumpPacketIsoReply (PcapNg.cs:198-241, from AttachedEndpoint.cs:181-182): each descriptor
    as status, the packed offset for IN (233, running over the actual lengths) or the offset,
    actual length, padding; then the IN data, packed."""
    tail, packed = b"", 0
    for off, _, act, st in descs:
        tail += struct.pack("<iIII", st, packed if cmd["direction"] == DIR_IN else off, act, 0)
        packed += act
    return iso_header(cmd, "C", ts_ns, status, actual, descs, in_data, error_count) + tail + in_data


def submit_record(cmd, ts_ns, out_data):
    """A CMD_SUBMIT (AttachedEndpoint.cs:263: the OUT data, none for IN): status -EINPROGRESS (99),
    length the transfer_buffer_length (100), len_cap 0 (101), the setup on endpoint 0 (102-113)."""
    setup = cmd["setup"] if cmd["ep"] == 0 else bytes(8)
    return usbmon(cmd, "S", ts_ns, -EINPROGRESS, cmd["tbl"], 0, setup, out_data)


def complete_record(cmd, ts_ns, status, actual, in_data):
    """A RET_SUBMIT (AttachedEndpoint.cs:413-414: the IN data, none for OUT): the status (143),
    actual_length as both length and len_cap (144-145), no setup (146)."""
    return usbmon(cmd, "C", ts_ns, status, actual, actual, bytes(8), in_data)


def unlink_record(header, reply, port):
    """DumpPacketUnlink (PcapNg.cs:261-341): IPv4 + TCP + the 48-byte header in network order
    (UsbIp.cs:203-209), between 10.0.BUS.PORT (port 0x8000 up, 268-273) and 10.0.0.0:3240 (256);
    a CMD_UNLINK from the device side, a RET_UNLINK to it (275-276)."""
    dev, host = bytes([10, 0, USBIPD_BUS, USBIPD_PORT]), bytes([10, 0, 0, 0])
    src, dst = (host, dev) if reply else (dev, host)
    sport, dport = (USBIP_PORT, port) if reply else (port, USBIP_PORT)
    ip = bytearray(struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + 20 + 48, 0, 0, 255, 6, 0, src, dst))
    tcp = bytearray(struct.pack(">HHIIBBHHH", sport, dport, 0, 0, 0x50, 0x1B, 0xFFFF, 0, 0)) + header
    ip[10:12] = struct.pack(">H", checksum(bytes(ip)))  # 307-315
    pseudo = src + dst + bytes([0, 6, 0, 20 + 48])  # 258, 317-330
    tcp[16:18] = struct.pack(">H", checksum(pseudo + bytes(tcp)))  # 331-337
    return bytes(ip + tcp)


def checksum(b):
    s = sum(struct.unpack(f">{len(b) // 2}H", b[:len(b) // 2 * 2]))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ret_unlink_header(seqnum, status):
    """AttachedClient.cs:92-105: command and seqnum only (devid, direction, ep 0), the status."""
    return struct.pack(">5Ii24x", RET_UNLINK, seqnum, 0, 0, 0, status)


def with_devid(header):
    """A client of usbipd-win sends the devid of its import reply (see the module's comment)."""
    return header[:8] + struct.pack(">I", USBIPD_DEVID) + header[12:]


# ---- the conversion -----------------------------------------------------------------------

class Writer:
    def __init__(self, snaplen=0):
        self.records, self.cmds, self.unlinks, self.won = [], {}, {}, 0
        self.snaplen = snaplen
        self.fake_port = 0x8000  # deviceFakePort (PcapNg.cs:257, 268-273)

    def add(self, ts, ifid, data):
        self.records.append((ts, len(self.records), ifid, data))

    def unlink(self, ts, header, reply):
        self.add(ts, 1, unlink_record(header, reply, self.fake_port))
        self.fake_port = self.fake_port + 1 if self.fake_port < 0xFFFF else 0x8000

    def pdu(self, ts, pdu):
        if pdu[:2] == b"\x01\x11":
            return  # OP messages are not written (usbipd-win writes URB traffic only)
        command, seqnum, _, direction, ep = struct.unpack(">5I", pdu[:20])
        if command == CMD_SUBMIT:
            flags, tbl, start_frame, np, interval = struct.unpack(">IiiIi", pdu[20:40])
            cmd = {"seqnum": seqnum, "direction": direction, "ep": ep, "flags": flags,
                   "tbl": tbl, "np": np, "interval": interval, "setup": pdu[40:48],
                   "start_frame": start_frame}
            self.cmds[seqnum] = cmd
            n = iso_count(np)
            data = pdu[48:len(pdu) - 16 * n] if direction == 0 else b""
            if n:
                self.add(ts, 0, iso_submit_record(cmd, ts, data, iso_descriptors(pdu[len(pdu) - 16 * n:])))
            else:
                self.add(ts, 0, submit_record(cmd, ts, data))
        elif command == RET_SUBMIT:
            cmd = self.cmds.get(seqnum)
            status, actual, _, np, error_count = struct.unpack(">iiiIi", pdu[20:40])
            n = iso_count(np)
            data, descs = pdu[48:len(pdu) - 16 * n], iso_descriptors(pdu[len(pdu) - 16 * n:])
            if cmd and n:
                self.add(ts, 0, iso_complete_record(cmd, ts, status, actual, data, descs, error_count))
            elif cmd:
                self.add(ts, 0, complete_record(cmd, ts, status, actual, data))
        elif command == CMD_UNLINK:
            self.unlinks[seqnum] = struct.unpack(">I", pdu[20:24])[0]
            self.unlink(ts, with_devid(pdu[:48]), False)
        elif command == RET_UNLINK:
            status = struct.unpack(">i", pdu[20:24])[0]
            victim = self.cmds.get(self.unlinks.get(seqnum))
            if status and victim:
                self.won += 1
                before = self.won % 2 == 1
                self.add(ts - 100 if before else ts + 100, 0,
                         complete_record(victim, ts - 100 if before else ts + 100, -EPROTO, 0, b""))
            self.unlink(ts, ret_unlink_header(seqnum, status), True)

    def write(self, path):
        self.records.sort()
        first = self.records[0][0] if self.records else 0
        last = self.records[-1][0] if self.records else 0
        with open(path, "wb") as f:
            f.write(section_header())  # PacketWriterAsync (PcapNg.cs:347-349)
            f.write(interface(220, b"USB", self.snaplen))
            f.write(interface(101, b"UNLINK", self.snaplen))
            for ts, _, ifid, data in self.records:
                f.write(enhanced_packet(ifid, ts, data, self.snaplen))
            f.write(statistics(last, first, len(self.records)))


def main():
    args, snaplen = sys.argv[1:], 0
    if args[:1] == ["--snaplen"] and len(args) > 1:
        snaplen, args = max(64, int(args[1])), args[2:]
    if len(args) != 2:
        sys.exit("usage: make_usbipd_win.py [--snaplen N] SESSION.pcap OUT-synthetic.pcapng")
    w = Writer(snaplen)
    for ts, _, pdu in session_pdus(args[0]):
        w.pdu(ts, pdu)
    w.write(args[1])
    print(f"{args[1]}: {len(w.records)} records, {w.won} unlinks that won")


if __name__ == "__main__":
    main()
