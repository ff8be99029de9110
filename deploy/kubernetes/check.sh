#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The Kubernetes manifests, offline (no cluster: kubectl create --dry-run
# needs an API server's discovery even with --validate=false):
#   - kubectl kustomize builds them (every file parses, names unique);
#   - check.py: the shape of each object and what the DaemonSet promises
#     (not privileged, the unit's capabilities, probes, resources, mounts);
#   - rules-configmap.yaml holds exactly the files of rules/.
# Usage: check.sh            (prints "N passed, N failed")
#        check.sh --update   rewrite rules-configmap.yaml from rules/
set -u
here=$(cd "$(dirname "$0")" && pwd)
tree=$(cd "$here/../.." && pwd)
if [ "${1:-}" = --update ]; then
	exec python3 "$here/check.py" --write-rules "$tree/rules" "$here/rules-configmap.yaml"
fi
passed=0 failed=0
out=$(mktemp)
if kubectl kustomize "$here" >"$out" 2>&1; then
	echo "  ok   kubectl kustomize: $(grep -c '^kind:' "$out") objects"
	passed=$((passed + 1))
else
	echo "  FAIL kubectl kustomize deploy/kubernetes"
	sed 's/^/       /' "$out"
	failed=$((failed + 1))
fi
python3 "$here/check.py" "$here" "$tree/rules" "$tree/packaging/systemd/privwatch.service.in" >"$out" 2>&1
cat "$out"
p=$(grep -c '^  ok ' "$out") f=$(grep -c '^  FAIL ' "$out")
[ "$p$f" != 00 ] || f=1
passed=$((passed + p)) failed=$((failed + f))
rm -f "$out"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
