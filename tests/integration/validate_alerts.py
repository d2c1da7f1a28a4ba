#!/usr/bin/python3
"""Validates alerts (a JSON array, or one JSON object per line) against
schemas/alert.schema.json. Exit 0 when every alert validates, 1 otherwise.

Usage: validate_alerts.py SCHEMA FILE
Needs Debian's python3-jsonschema (/usr/bin/python3), like
tests/schemas/check_schema_agreement.py.
"""
import json
import sys

import jsonschema


def load_alerts(path):
    with open(path, encoding="utf-8") as f:
        text = f.read().strip()
    if text.startswith("["):
        return json.loads(text)
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    alerts = load_alerts(sys.argv[2])
    failures = 0
    for alert in alerts:
        for error in validator.iter_errors(alert):
            failures += 1
            print(f"{alert.get('alert_id', '?')}: {error.message}", file=sys.stderr)
    print(f"{len(alerts)} alerts, {failures} schema errors")
    return 1 if failures or not alerts else 0


if __name__ == "__main__":
    sys.exit(main())
