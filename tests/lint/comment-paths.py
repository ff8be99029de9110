#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Every repository path named in a comment exists.

Comments of C sources and headers (/* */ and //), and of shell, Python and
the Makefile (#), are searched for paths under the tree's folders (agent/,
bpf/, include/, tests/, docs/, rules/, vmlinux/, bench/, deploy/); each
must name a file or folder of the tree (a glob such as agent/sinks/sink*.c
must match one). Kernel source paths (include/linux/..., include/uapi/...)
and paths inside others (.output/tests/..., /sys/...) are not ours.
Prints file:line: path for each that does not exist and exits 1.
"""
import glob
import os
import re
import subprocess
import sys

ROOTS = ("agent", "bpf", "include", "tests", "docs", "rules", "vmlinux", "bench", "deploy")
# Kernel tree paths written in comments ("include/uapi/linux/magic.h").
FOREIGN = re.compile(r"^include/(linux|uapi|asm[\w-]*|trace|net|kunit)/")
PATH = re.compile(r"(?<![\w./<>-])((?:%s)/[\w.*?\[\]/+-]*)" % "|".join(ROOTS))


def c_comments(text):
    """(line, comment text) of each C comment, strings and chars skipped."""
    out, i, n, line = [], 0, len(text), 1
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append((line, text[i:j]))
            line += text.count("\n", i, j)
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append((line, text[i:j]))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            i = j + 1
        else:
            i += 1
    return out


def hash_comments(text):
    out = []
    for no, l in enumerate(text.split("\n"), 1):
        s = l.lstrip()
        if s.startswith("#!"):
            continue
        k = l.find("#")
        # a # that starts a comment: line start or after a blank
        while k >= 0 and k > 0 and not l[k - 1].isspace():
            k = l.find("#", k + 1)
        if k >= 0:
            out.append((no, l[k:]))
    return out


def main():
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"],
                           capture_output=True, text=True, check=True).stdout.split()
    bad = 0
    for f in files:
        if f.startswith("vmlinux/") or not os.path.isfile(f):
            continue
        if f.endswith((".c", ".h")):
            extract = c_comments
        elif f.endswith((".sh", ".py")) or os.path.basename(f) == "Makefile":
            extract = hash_comments
        else:
            continue
        with open(f, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        for line, comment in extract(text):
            for i, part in enumerate(comment.split("\n")):
                for m in PATH.finditer(part):
                    p = m.group(1).rstrip(".,:;)/-")
                    if FOREIGN.match(p):
                        continue
                    if any(ch in p for ch in "*?["):
                        ok = bool(glob.glob(p))
                    else:
                        ok = os.path.exists(p)
                    if not ok:
                        print("comment-paths: %s:%d: %s does not exist" % (f, line + i, p),
                              file=sys.stderr)
                        bad = 1
    if not bad:
        print("comment-paths: every path named in a comment exists")
    return bad


if __name__ == "__main__":
    sys.exit(main())
