#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The agent's layering, checked on its #include lines (docs/hacking.md):
#   rules/, alerts/, sinks/ and lib/ never include host/, kernel/, cli/ or
#     pipeline.h: they work on decoded events and write output, whatever
#     the host or the kernel side is;
#   lib/ includes nothing of the project but lib/ itself;
#   project headers are included by their path under agent/, never with
#     "../" (the convention is what makes this check a grep).
# Prints each breach as file:line and exits 1 if there is any.
set -u
cd "$(dirname "$0")/../.."
bad=0

breach() { # file:line:text rule
	echo "layering: ${1%%:#*}: $2" >&2
	echo "    ${1#*:*:}" >&2
	bad=1
}

while IFS= read -r hit; do
	breach "$hit" "includes with \"../\"; include by the path under agent/"
done < <(grep -nH '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[^"]*\.\./' \
	$(find agent -name '*.[ch]') /dev/null)

for dir in rules alerts sinks lib; do
	[ -d "agent/$dir" ] || continue
	while IFS= read -r hit; do
		breach "$hit" "agent/$dir/ must not include host/, kernel/, cli/ or pipeline.h"
	done < <(grep -nH -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*"(host/|kernel/|cli/|pipeline\.h)' \
		$(find "agent/$dir" -name '*.[ch]') /dev/null)
done

while IFS= read -r hit; do
	breach "$hit" "agent/lib/ includes nothing of the project but lib/"
done < <(grep -nH -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' \
	$(find agent/lib -name '*.[ch]') /dev/null | grep -v -E ':[[:space:]]*#[[:space:]]*include[[:space:]]*"lib/')

[ "$bad" = 0 ] && echo "layering: agent/ includes follow the layers"
exit "$bad"
