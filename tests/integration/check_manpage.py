#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""check_manpage.py -- a tool's man page and its --help agree: the same long options, the same
exit codes; and man(1) renders the page without a warning.

usage: check_manpage.py TOOL MANPAGE
"""
import re
import shutil
import subprocess
import sys

OPTION = re.compile(r"--[a-z][a-z-]*[a-z]")


def help_facts(tool):
    text = subprocess.run([tool, "--help"], capture_output=True, text=True).stdout
    options = set(OPTION.findall(text))
    codes, in_codes = set(), False
    for line in text.splitlines():
        if line.startswith("exit codes:"):
            in_codes, line = True, line[len("exit codes:"):]
        elif not line.startswith(" "):
            in_codes = False
        if in_codes:
            codes |= {int(c) for c in re.findall(r"(?<![\w.])(\d)(?=[ ,;])", line)}
    return text, options, codes


def man_facts(page):
    roff = open(page).read()
    plain = roff.replace("\\-", "-").replace("\\fB", "").replace("\\fR", "").replace("\\fI", "")
    options = set(OPTION.findall(plain))
    section = plain.split(".SH EXIT STATUS", 1)[-1].split(".SH ", 1)[0]
    codes = {int(c) for c in re.findall(r"^\.B (\d)$", section, re.M)}
    return options, codes


def main():
    tool, page = sys.argv[1], sys.argv[2]
    text, h_opts, h_codes = help_facts(tool)
    m_opts, m_codes = man_facts(page)
    errors = []
    if not h_opts or not h_codes:
        errors.append(f"--help gave no options or exit codes:\n{text[:400]}")
    if h_opts - m_opts:
        errors.append(f"options in --help, not in the man page: {sorted(h_opts - m_opts)}")
    if m_opts - h_opts:
        errors.append(f"options in the man page, not in --help: {sorted(m_opts - h_opts)}")
    if h_codes != m_codes:
        errors.append(f"exit codes: --help {sorted(h_codes)}, man page {sorted(m_codes)}")
    if shutil.which("man"):
        p = subprocess.run(["man", "--warnings", "-l", page], capture_output=True, text=True,
                           env={"MANWIDTH": "100", "PATH": "/usr/bin:/bin", "MAN_KEEP_STDERR": "1"})
        if p.returncode != 0 or p.stderr.strip():
            errors.append(f"man -l {page}: {p.stderr.strip()[:400]}")
    for e in errors:
        print("FAIL:", e)
    print(f"{'ok' if not errors else 'FAIL'}: {page}: {len(h_opts)} options, exit codes {sorted(h_codes)}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
