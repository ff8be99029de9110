#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Validate every privwatch.alert/1 line of a JSON-lines file against
docs/alert.schema.json, and every privwatch.inventory/1 line against
docs/inventory.schema.json. Lines of other schemas (start, event, stats, lost)
are skipped, and so are --format ecs alerts (their schema is in
privwatch.schema: ECS has its own field set); a line that is not JSON, or has
no schema, is a failure.

Usage: validate-alerts.py FILE [--schema PATH] [--min N] [--min-inventory N]
Prints "N alerts valid" (and "N inventory records valid" when there are any)
and exits 0, or one line per failure and exits 1.
--min N fails when fewer than N alerts were found (an empty file is not a pass
for a test that expected alerts)."""
import argparse
import json
import os
import sys

import jsonschema

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SCHEMA = os.path.join(HERE, "..", "..", "docs", "alert.schema.json")
INVENTORY_SCHEMA = os.path.join(HERE, "..", "..", "docs", "inventory.schema.json")
ALERT = "privwatch.alert/1"
INVENTORY = "privwatch.inventory/1"


def load_validator(path):
    with open(path, encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--schema", default=DEFAULT_SCHEMA)
    ap.add_argument("--min", type=int, default=0)
    ap.add_argument("--min-inventory", type=int, default=0)
    args = ap.parse_args()

    validator = load_validator(args.schema)
    inv_validator = load_validator(INVENTORY_SCHEMA)

    valid = failed = ecs = inventory = 0
    # Bytes in: a line that is not UTF-8 is itself a failure (the agent
    # promises UTF-8 whatever the kernel's strings held).
    with open(args.file, "rb") as f:
        for lineno, raw in enumerate(f, 1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as e:
                print(f"line {lineno}: not a JSON line: {e}")
                failed += 1
                continue
            pw = obj.get("privwatch") if isinstance(obj, dict) else None
            if isinstance(pw, dict) and pw.get("schema") == ALERT and "@timestamp" in obj:
                ecs += 1
                continue
            if not isinstance(obj, dict) or "schema" not in obj:
                print(f"line {lineno}: no schema member")
                failed += 1
                continue
            if obj["schema"] not in (ALERT, INVENTORY):
                continue
            v = validator if obj["schema"] == ALERT else inv_validator
            errors = sorted(v.iter_errors(obj), key=lambda e: list(e.absolute_path))
            if errors:
                failed += 1
                for e in errors:
                    where = "/".join(str(p) for p in e.absolute_path) or "(top)"
                    print(f"line {lineno}: {where}: {e.message}")
            elif obj["schema"] == ALERT:
                valid += 1
            else:
                inventory += 1
    if ecs:
        print(f"{ecs} ECS alert lines not checked (no JSON Schema for ECS)", file=sys.stderr)
    if failed:
        print(f"{failed} lines invalid, {valid} alerts valid")
        return 1
    if valid < args.min:
        print(f"{valid} alerts valid, fewer than the {args.min} expected")
        return 1
    if inventory < args.min_inventory:
        print(f"{inventory} inventory records valid, fewer than the {args.min_inventory} expected")
        return 1
    print(f"{valid} alerts valid")
    if inventory:
        print(f"{inventory} inventory records valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
