# SPDX-License-Identifier: GPL-2.0-or-later
"""tshark_plugin.py -- run the real tshark with the usbipx plugin, as the tests need it.

tshark run as root ignores plugin folders (it treats uid 0 as privileged), so as root it is run
as nobody (setpriv). The plugin and each capture are copied into a private temporary folder that
nobody can read, whatever the permissions of the checkout. With UIP_TSHARK_PRELOAD set (the
sanitizer build), tshark runs with those libraries preloaded (libasan, libubsan) so that an
ASan+UBSan build of the plugin is checked inside the real tshark; ASAN_OPTIONS and UBSAN_OPTIONS
pass through.

With UIP_TSHARK_ROOT set to a Debian root made by tests/wireshark/root.sh, tshark is that
release's, run inside the root (chroot, its own /proc) on a plugin built against its headers; the
private folder is then inside the root, and paths are handed to tshark as the root sees them. The
plugin goes where that tshark looks: plugins/X.Y/epan, X.Y its version.
"""
import os
import shutil
import subprocess
import tempfile


ROOT_SH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "wireshark", "root.sh")


class Tshark:
    def __init__(self, plugin_path, root=None):
        self.root = root if root is not None else os.environ.get("UIP_TSHARK_ROOT") or None
        self.dir = tempfile.mkdtemp(prefix="usbipx-tshark-",
                                    dir=os.path.join(self.root, "tmp") if self.root else None)
        self.version = self.wireshark_version()
        epan = os.path.join(self.dir, "plugins", self.version, "epan")
        os.makedirs(epan)
        shutil.copy(plugin_path, epan)
        for root, dirs, files in os.walk(self.dir):
            os.chmod(root, 0o755)
            for f in files:
                os.chmod(os.path.join(root, f), 0o644)
        self.count = 0

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def stage(self, path_or_bytes, name=None):
        """Copy a capture (a path or bytes) where tshark's user can read it; returns its path."""
        self.count += 1
        dst = os.path.join(self.dir, name or f"capture-{self.count}.pcap")
        if isinstance(path_or_bytes, (bytes, bytearray)):
            with open(dst, "wb") as f:
                f.write(path_or_bytes)
        else:
            shutil.copy(path_or_bytes, dst)
        os.chmod(dst, 0o644)
        return dst

    def inside(self, path):
        """A host path as tshark sees it (inside the root, when there is one)."""
        if self.root and isinstance(path, str) and path.startswith(self.root + os.sep):
            return path[len(self.root):]
        return path

    def command(self, argv, cwd):
        """argv run as the host's or the root's program, from cwd."""
        if not self.root:
            return argv
        roots, release = os.path.split(self.root)
        return ["env", f"UIP_ROOTS={roots}", ROOT_SH, "run", release, "-C", self.inside(cwd)] + argv

    def wireshark_version(self):
        """X.Y of this tshark (the plugin folder it reads)."""
        out = subprocess.run(self.command(["tshark", "--version"], "/"), capture_output=True,
                             text=True, timeout=120).stdout
        first = out.splitlines()[0] if out else ""
        words = [w for w in first.split() if w[:1].isdigit() and w.count(".") >= 2]
        if not words:
            raise RuntimeError(f"cannot tell tshark's version from {first!r}")
        return ".".join(words[0].split(".")[:2])

    def run(self, args, timeout=600, ooo=True):
        """tshark ARGS with the plugin loaded; returns the CompletedProcess (text)."""
        env = ["env", "-i", "PATH=/usr/bin:/bin", f"HOME={self.inside(self.dir)}",
               f"WIRESHARK_PLUGIN_DIR={self.inside(os.path.join(self.dir, 'plugins'))}"]
        preload = os.environ.get("UIP_TSHARK_PRELOAD")
        if preload:
            env += [f"LD_PRELOAD={preload}",
                    "ASAN_OPTIONS=" + os.environ.get("ASAN_OPTIONS", "") + ":detect_leaks=0",
                    "UBSAN_OPTIONS=" + os.environ.get("UBSAN_OPTIONS", "print_stacktrace=1")]
        # Segments that netem reordered (the lab's enum-recover capture) reach a TCP payload
        # dissector only with out-of-order reassembly on; the plugin's README says so to users.
        # (-G must come first: it takes no preferences.)
        prefs = [] if list(args)[:1] == ["-G"] or not ooo else ["-o", "tcp.reassemble_out_of_order:TRUE"]
        cmd = env + ["tshark"] + prefs + [self.inside(a) for a in args]
        if os.geteuid() == 0:
            cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] + cmd
        return subprocess.run(self.command(cmd, self.dir), capture_output=True, text=True,
                              timeout=timeout, cwd=self.dir)

    def plugin_loaded(self):
        out = self.run(["-G", "protocols"]).stdout
        # name, short name, filter name (4.4 adds three enabled/heuristic flags after it)
        return any(line.split("\t")[2:3] == ["usbipx"] for line in out.splitlines())


# What a crash, a failed assertion or a sanitizer report leaves in tshark's output.
BAD_SIGNS = ("Dissector bug", "CRITICAL", "assertion", "Segmentation", "Aborted",
             "AddressSanitizer", "runtime error:", "LeakSanitizer")


def layer_list(layers, name):
    """A JSON layer that tshark turns into a list when a frame has several of it."""
    v = layers.get(name)
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def usbipx_pdus(tshark, capture, extra=(), ooo=True):
    """Every usbipx PDU of a capture (two-pass), in order: (frame number, time, fields dict); the
    connection-end items on FIN and RST segments are not PDUs and are left out.
    ooo=False: with TCP's default preference (out-of-order segments not reassembled)."""
    p = tshark.run(["-r", capture, "-2", "-T", "json", "--no-duplicate-keys", "-J", "frame usbipx"] + list(extra),
                   ooo=ooo)
    if p.returncode != 0:
        raise RuntimeError(f"tshark failed ({p.returncode}): {p.stderr.strip()}")
    import json
    out = []
    for pkt in json.loads(p.stdout or "[]"):
        layers = pkt["_source"]["layers"]
        frame = int(layers["frame"]["frame.number"])
        t = layers["frame"]["frame.time_epoch"]
        for pdu in layer_list(layers, "usbipx"):
            if "usbipx.end.by" not in pdu:  # a connection's end on a TCP segment: no PDU
                out.append((frame, t, pdu))
    return out


def field(pdu, name):
    """A field's value from a PDU's JSON tree, searched through its subtrees."""
    if name in pdu:
        return pdu[name]
    for v in pdu.values():
        if isinstance(v, dict):
            r = field(v, name)
            if r is not None:
                return r
    return None


def usbipx_expert(expert_text):
    """(section, frequency, summary) of each USBIPX line of tshark -z expert, in order; section is
    Errors, Warns, Notes, Chats or Comments."""
    out, section = [], None
    for line in expert_text.splitlines():
        words = line.split()
        if line.startswith(("Errors", "Warns", "Notes", "Chats", "Comments")):
            section = words[0]
        elif "USBIPX" in line and words[:1] and words[0].isdigit():
            out.append((section, int(words[0]), line.split("USBIPX", 1)[1].strip()))
    return out


def usbipx_warnings(expert_text):
    """The USBIPX summaries of the Errors and Warns sections of tshark -z expert, in order."""
    return [summary for section, _, summary in usbipx_expert(expert_text) if section in ("Errors", "Warns")]
