# SPDX-License-Identifier: GPL-2.0-or-later
"""loopback.py -- what the live tests and benchmarks share to run real programs against each other
on loopback: a free port, waiting until something listens on it, and reading what a program drew
on a terminal (a pty)."""
import os
import pty
import select
import socket
import time


def free_port():
    """A TCP port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, timeout=30):
    """Until something accepts connections on the port; RuntimeError when nothing does in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


class Terminal:
    """A pty for a program's stdout: pass .slave to Popen, then close_slave(); drain() keeps what
    it drew."""

    def __init__(self):
        self.master, self.slave = pty.openpty()
        self.shown = bytearray()

    def close_slave(self):
        os.close(self.slave)

    def drain(self, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if ready:
                try:
                    self.shown.extend(os.read(self.master, 65536))
                except OSError:
                    return

    def close(self):
        os.close(self.master)

    def screens(self):
        """What was drawn, one string per clear-screen."""
        return self.shown.decode(errors="replace").split("\033[H\033[2J")
