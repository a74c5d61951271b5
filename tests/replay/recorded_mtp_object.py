#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""recorded_mtp_object.py -- the md5 of the object the first MTP GetObject of a USB/IP recording
moved: what a client pulling that object from the replayed phone must get. The two byte streams
of the recording's first connection come from tshark's own TCP reassembly (follow,tcp,raw); the
USB/IP walk here is the protocol's minimum, kept apart from the project's core so that the check
does not test the code with itself: the import exchange, then CMD_SUBMIT/CMD_UNLINK headers of
48 bytes with OUT data, RET_SUBMIT/RET_UNLINK headers with IN data. The MTP data container of a
GetObject (type 2, code 0x1009) starts a bulk IN answer; its length, less the 12-byte header,
is the object.

usage: recorded_mtp_object.py CAPTURE
"""
import hashlib
import struct
import subprocess
import sys

HEADER = 48
OP_IMPORT_REQUEST, OP_IMPORT_REPLY = 8 + 32, 8 + 312
CMD_SUBMIT, RET_SUBMIT = 1, 3
DIR_IN = 1
MTP_DATA, MTP_GET_OBJECT = 2, 0x1009


def streams(capture):
    """The client's and the server's bytes of TCP stream 0, as tshark reassembled them."""
    out = subprocess.run(["tshark", "-r", capture, "-q", "-z", "follow,tcp,raw,0"],
                         capture_output=True, text=True, check=True).stdout
    client, server = bytearray(), bytearray()
    for line in out.splitlines():
        text = line.strip()
        if not text or not all(c in "0123456789abcdef" for c in text):
            continue
        (server if line.startswith("\t") else client).extend(bytes.fromhex(text))
    return bytes(client), bytes(server)


def in_urbs(client):
    """seqnum -> endpoint of the client's IN CMD_SUBMITs."""
    eps, at = {}, OP_IMPORT_REQUEST
    while at + HEADER <= len(client):
        command, seqnum, _devid, direction, ep = struct.unpack_from(">5I", client, at)
        length = struct.unpack_from(">i", client, at + 24)[0]
        n_iso = struct.unpack_from(">i", client, at + 32)[0]
        at += HEADER
        if command == CMD_SUBMIT:
            if direction == DIR_IN:
                eps[seqnum] = ep
            else:
                at += max(length, 0)
            at += 16 * max(n_iso, 0) if n_iso != -1 else 0
    return eps


def bulk_in_answers(server, eps, endpoint):
    """The IN data of the server's RET_SUBMITs to endpoint, in order."""
    at = OP_IMPORT_REPLY
    while at + HEADER <= len(server):
        command, seqnum = struct.unpack_from(">2I", server, at)
        actual, _start, n_iso = struct.unpack_from(">3i", server, at + 24)
        at += HEADER
        if command == RET_SUBMIT and seqnum in eps:
            data = server[at:at + max(actual, 0)]
            at += max(actual, 0)
            if eps[seqnum] == endpoint:
                yield data
        at += 16 * max(n_iso, 0) if n_iso != -1 else 0


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: recorded_mtp_object.py CAPTURE")
    client, server = streams(sys.argv[1])
    obj, want = None, 0
    for data in bulk_in_answers(server, in_urbs(client), endpoint=1):
        if obj is None:
            if len(data) >= 12:
                length, kind, code = struct.unpack_from("<IHH", data)
                if kind == MTP_DATA and code == MTP_GET_OBJECT:
                    obj, want = bytearray(data[12:]), length - 12
        else:
            obj.extend(data)
        if obj is not None and len(obj) >= want:
            print(hashlib.md5(bytes(obj[:want])).hexdigest(), want)
            return 0
    sys.exit(f"{sys.argv[1]}: no whole GetObject data container in stream 0")


if __name__ == "__main__":
    sys.exit(main())
