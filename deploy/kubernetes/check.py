#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Checks of deploy/kubernetes/ that need no cluster (check.sh runs it).

check.py DIR RULES_DIR UNIT_TEMPLATE: one "  ok" or "  FAIL" line per check.
check.py --write-rules RULES_DIR OUT: writes the rules ConfigMap from RULES_DIR.
"""
import glob
import os
import re
import sys

import yaml

NS = "privwatch"
RULES_CM = "privwatch-rules"
RULES_HEADER = """\
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Generated from rules/ by deploy/kubernetes/check.sh --update; the package
# test fails when it differs from rules/. Mounted at /etc/privwatch/rules.d.
"""
# Host paths the agent may write: the canary's cgroup, --keep-sensors' pins.
HOST_RW = {"/sys/fs/cgroup", "/sys/fs/bpf"}
# Host paths the agent reads (README: what it needs from the kernel;
# agent/host/runtime_state.c: the runtimes' state).
HOST_RO = {"/sys/kernel/btf", "/sys/kernel/tracing", "/sys/kernel/security",
           "/var/lib/docker/containers", "/run/containerd/io.containerd.runtime.v2.task",
           "/var/lib/containers/storage", "/run/containers/storage", "/run/runc"}

results = []


def check(ok, what):
    results.append(ok)
    print(("  ok   " if ok else "  FAIL ") + what)


def rules_configmap(rules_dir):
    data = {}
    for path in sorted(glob.glob(os.path.join(rules_dir, "*.json"))):
        with open(path) as f:
            data[os.path.basename(path)] = f.read()
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": RULES_CM, "namespace": NS,
                         "labels": {"app.kubernetes.io/name": "privwatch"}},
            "data": data}


def str_block(dumper, s):
    return dumper.represent_scalar("tag:yaml.org,2002:str", s, style="|" if "\n" in s else None)


def write_rules(rules_dir, out):
    yaml.add_representer(str, str_block)
    with open(out, "w") as f:
        f.write(RULES_HEADER)
        yaml.dump(rules_configmap(rules_dir), f, sort_keys=False, width=1000)


def unit_caps(unit):
    text = open(unit).read()
    m = re.search(r"^CapabilityBoundingSet=(.*)$", text, re.M)
    return {c[len("CAP_"):] for c in m.group(1).split()} if m else set()


def main(d, rules_dir, unit):
    objs = {}
    for path in sorted(glob.glob(os.path.join(d, "*.yaml"))):
        if os.path.basename(path) == "kustomization.yaml":
            continue
        try:
            docs = [x for x in yaml.safe_load_all(open(path)) if x]
        except yaml.YAMLError as e:
            check(False, "%s: %s" % (path, e))
            continue
        good = all(isinstance(o, dict) and o.get("apiVersion") and o.get("kind")
                   and (o.get("metadata") or {}).get("name") for o in docs) and docs
        check(bool(good), "%s: %d object(s), each with apiVersion, kind, metadata.name"
              % (os.path.basename(path), len(docs)))
        for o in docs or []:
            objs[(o.get("kind"), o["metadata"].get("name"))] = o
    kust = yaml.safe_load(open(os.path.join(d, "kustomization.yaml")))
    listed = set(kust.get("resources", []))
    files = {os.path.basename(p) for p in glob.glob(os.path.join(d, "*.yaml"))} - {"kustomization.yaml"}
    check(listed == files, "kustomization.yaml lists every manifest (%s)" % ", ".join(sorted(files)))
    check(all(o["metadata"].get("namespace") == NS for (k, _), o in objs.items() if k != "Namespace")
          and ("Namespace", NS) in objs, "every object in the namespace %s, which is defined" % NS)

    ds = objs.get(("DaemonSet", "privwatch"))
    check(ds is not None, "a DaemonSet privwatch")
    if not ds:
        return
    pod = ds["spec"]["template"]["spec"]
    check(ds["spec"]["selector"]["matchLabels"].items() <= ds["spec"]["template"]["metadata"]["labels"].items(),
          "the selector matches the pod's labels")
    sa = pod.get("serviceAccountName")
    check(("ServiceAccount", sa) in objs and pod.get("automountServiceAccountToken") is False,
          "service account %s defined, no API token mounted" % sa)
    check(pod.get("hostPID") is True and not pod.get("hostNetwork"), "hostPID, not hostNetwork")
    (c,) = pod["containers"]
    sc = c.get("securityContext", {})
    caps = set(sc.get("capabilities", {}).get("add", []))
    want = unit_caps(unit)
    check(sc.get("privileged") is False and sc.get("allowPrivilegeEscalation") is False
          and sc.get("capabilities", {}).get("drop") == ["ALL"] and caps == want and want,
          "not privileged: all capabilities dropped, then the unit's set added (%s)" % " ".join(sorted(caps)))
    check(sc.get("readOnlyRootFilesystem") is True, "read-only root file system")
    args = c.get("args", [])
    http = args[args.index("--http") + 1] if "--http" in args else ""
    port = int(http.rsplit(":", 1)[1]) if ":" in http else None
    ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
    probes = [(c.get(k) or {}).get("httpGet", {}) for k in ("livenessProbe", "readinessProbe")]
    check(port == 9464 and http.startswith("0.0.0.0:")
          and [p.get("path") for p in probes] == ["/healthz", "/readyz"]
          and all(ports.get(p.get("port"), p.get("port")) == port for p in probes),
          "liveness /healthz and readiness /readyz on --http %s" % http)
    res = c.get("resources", {})
    check(all(res.get(k, {}).get(r) for k in ("requests", "limits") for r in ("cpu", "memory")),
          "cpu and memory requests and limits: %s" % res)
    vols = {v["name"]: v for v in pod.get("volumes", [])}
    mounts = c.get("volumeMounts", [])
    check(all(m["name"] in vols for m in mounts) and {m["name"] for m in mounts} == set(vols),
          "every mount has its volume, every volume is mounted")
    bad = []
    host = set()
    for m in mounts:
        hp = vols.get(m["name"], {}).get("hostPath")
        if not hp:
            continue
        host.add(hp["path"])
        if hp["path"] != m["mountPath"]:
            bad.append("%s mounted at %s" % (hp["path"], m["mountPath"]))
        if (hp["path"] in HOST_RW) == bool(m.get("readOnly")):
            bad.append("%s %s" % (hp["path"], "read-only" if m.get("readOnly") else "writable"))
    check(not bad and host == HOST_RO | HOST_RW,
          "host paths at their own path; read-only but %s%s" % (", ".join(sorted(HOST_RW)),
                                                               ": " + "; ".join(bad) if bad else ""))
    cms = {v["configMap"]["name"] for v in vols.values() if "configMap" in v}
    check(all(("ConfigMap", n) in objs for n in cms), "config maps mounted and defined: %s" % ", ".join(sorted(cms)))

    rules = objs.get(("ConfigMap", RULES_CM))
    want = rules_configmap(rules_dir)["data"]
    stale = sorted(set(want) ^ set((rules or {}).get("data", {}))
                   | {k for k in want if (rules or {}).get("data", {}).get(k) != want[k]})
    check(rules is not None and not stale,
          "%s holds rules/ exactly (%d files)%s" % (RULES_CM, len(want),
                                                   "; differs: %s (check.sh --update)" % stale if stale else ""))


if __name__ == "__main__":
    if sys.argv[1] == "--write-rules":
        write_rules(sys.argv[2], sys.argv[3])
        sys.exit(0)
    main(sys.argv[1], sys.argv[2], sys.argv[3])
    sys.exit(0 if all(results) else 1)
