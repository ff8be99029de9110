#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# validate-json.py SCHEMA FILE...: each FILE (one JSON document, or JSON
# lines when it ends in .jsonl) against the JSON Schema; every error printed.
# Exit 0 if all validate, 1 if any does not, 2 on a usage or read error.
import json
import sys

import jsonschema

if len(sys.argv) < 3:
    print("usage: validate-json.py SCHEMA FILE...", file=sys.stderr)
    sys.exit(2)
with open(sys.argv[1]) as f:
    schema = json.load(f)
validator = jsonschema.Draft202012Validator(schema)
bad = 0
for path in sys.argv[2:]:
    try:
        with open(path) as f:
            text = f.read()
        docs = [json.loads(l) for l in text.splitlines() if l.strip()] if path.endswith(".jsonl") \
            else [json.loads(text)]
    except (OSError, ValueError) as e:
        print(f"{path}: {e}", file=sys.stderr)
        sys.exit(2)
    for i, d in enumerate(docs):
        for e in validator.iter_errors(d):
            bad += 1
            where = "/".join(str(p) for p in e.absolute_path)
            print(f"{path}[{i}] {where}: {e.message}", file=sys.stderr)
sys.exit(1 if bad else 0)
