#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""docs/rule-reference.md is made from the rules: one section per rule id
(rules/*.json and the built-in rules of agent/daemon/health.c and
agent/pipeline.c), with its title, severity, description and remediation,
the anchor an alert's rule.reference names. Without arguments: check that
the file is what the rules make (make lint); --write: write it."""
import glob
import json
import os
import re
import sys

DOC = "docs/rule-reference.md"
THEMES = {"10": "Kernel files", "20": "Devices", "30": "Mounts and namespaces",
          "40": "Capabilities", "50": "Seccomp and privileged start",
          "60": "Identity and cgroups", "70": "Tampering with privwatch",
          "80": "Posture at container start"}
HEAD = """<!-- SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) -->
# Rule reference: what each alert means and what to do

One section per rule id, the anchor being the id in lower case: an alert's
`rule.reference` (ECS: `rule.reference`) is `docs/rule-reference.md#pw-0102`.
Each section has the rule's title, severity, description and remediation,
the same text the alert carries in `rule.description` and `rule.remediation`
(ECS: `privwatch.remediation`). The rule files' key is `remediation`
(`docs/rules.md`); `test_unit_oncall` checks that every shipped and built-in
rule has one and a section here. Made by `tests/lint/rule-reference.py
--write` from the rules; `make lint` checks it is current.

## Built-in rules: privwatch about itself

These are not in `rules/`: the agent raises them about its own coverage
(`agent/daemon/health.c`, `agent/pipeline.c`), whatever rules are loaded.
"""


def cstr(block, key):
    m = re.search(r'\.%s = ((?:\s*"(?:[^"\\]|\\.)*")+)' % key, block)
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1))) if m else None


def builtins():
    out = []
    for f in ["agent/daemon/health.c", "agent/pipeline.c"]:
        src = open(f).read()
        for m in re.finditer(r"const struct pw_rule_info pw_rule_\w+ = \{(.*?)\n\};", src, re.S):
            b = m.group(1)
            out.append(dict(id=cstr(b, "id"), title=cstr(b, "title"),
                            description=cstr(b, "description"),
                            remediation=cstr(b, "remediation"),
                            severity=re.search(r"PW_SEV_(\w+)", b).group(1).lower(),
                            file=None))
    return sorted(out, key=lambda r: r["id"])


def section(r):
    where = "" if not r["file"] else ", `rules/%s`" % r["file"]
    return ["### %s" % r["id"], "",
            "**%s** (%s%s)" % (r["title"], r["severity"], where), "",
            r["description"], "",
            "What to do: %s" % (r.get("remediation") or "(no remediation written)"), ""]


def make():
    out = HEAD.split("\n")
    for r in builtins():
        out += section(r)
    for f in sorted(glob.glob("rules/*.json")):
        rules = json.load(open(f)).get("rules", [])
        if not rules:
            continue
        base = os.path.basename(f)
        out += ["## %s (`rules/%s`)" % (THEMES.get(base[:2], base), base), ""]
        for r in sorted(rules, key=lambda r: r["id"]):
            out += section(dict(r, file=base))
    return "\n".join(out).rstrip() + "\n"


text = make()
if sys.argv[1:] == ["--write"]:
    open(DOC, "w").write(text)
    sys.exit(0)
if not os.path.exists(DOC) or open(DOC).read() != text:
    print("rule-reference: %s is not what the rules make: run tests/lint/rule-reference.py "
          "--write" % DOC)
    sys.exit(1)
print("rule-reference: %s has every rule's section, as the rules say" % DOC)
