#!/usr/bin/python3
"""Checks that the JSON Schema files in schemas/ and the C++ codec agree.

Every sample in <samples>/valid must be accepted by both, every sample in
<samples>/invalid rejected by both. The codec's verdict comes from the
codec_check helper; the schema verdict from python3-jsonschema (Debian's
/usr/bin/python3, not a pyenv shim) with Draft 2020-12, the envelope resolved
locally through a RefResolver store, and a FormatChecker whose "date-time"
is RFC 3339 (Debian ships no rfc3339-validator, so it is defined here).

Two rules of the contract are outside what JSON Schema can say, and are
applied here exactly as the codec applies them, before the schema:
  - a record over 64 KiB is too_large (docs/events.md);
  - a key that appears twice in one object is a schema violation.

Invalid samples are named after what is wrong; the prefix names the expected
reject code: too_large_*, invalid_json_*, unknown_type_*, anything else schema.

It also lints the schema files: each must pass the draft 2020-12 metaschema,
have $id, title and description, and every property a description; and the
shipped reference data (schemas/reference/hbt-2019-*.json) must validate
against catalog.schema.json, agencies.schema.json and plan-targets.schema.json,
and schemas/reference/dvcqg-mapping.json against dvcqg-mapping.schema.json.

Exit status 0 when everything agrees, 1 otherwise (every disagreement is
printed with both verdicts), 2 on bad usage.
"""

import argparse
import json
import pathlib
import re
import subprocess
import sys

import jsonschema

MAX_EVENT_BYTES = 64 * 1024
EVENT_TYPES = ("received", "transferred", "supplement_requested", "supplement_received",
               "resolved", "overdue", "apologized", "withdrawn", "rejected", "dialogue_held",
               "feedback_received", "feedback_answered", "feedback_published", "feedback_rated")
RFC3339 = re.compile(
    r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})[Tt]"
    r"(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2})(\.[0-9]+)?"
    r"([Zz]|(?P<sign>[+-])(?P<off_hour>[0-9]{2}):(?P<off_minute>[0-9]{2}))")


class Rejected(Exception):
    """A sample refused before schema validation, with the code it earns."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def rfc3339_date_time(instance):
    """FormatChecker "date-time": RFC 3339 with offset, a real calendar date,
    and (the contract's extra rule) a four-digit year in local time."""
    if not isinstance(instance, str):
        return True  # formats apply to strings only
    match = RFC3339.fullmatch(instance)
    if not match:
        return False
    year, month, day = int(match["year"]), int(match["month"]), int(match["day"])
    if not 1 <= month <= 12 or not 1 <= day <= days_in_month(year, month):
        return False
    # RFC 3339 allows second 60 (leap second); the pattern in the schema refuses it.
    if int(match["hour"]) > 23 or int(match["minute"]) > 59 or int(match["second"]) > 60:
        return False
    offset_minutes = 0
    if match["off_hour"] is not None:
        if int(match["off_hour"]) > 23 or int(match["off_minute"]) > 59:
            return False
        offset_minutes = int(match["off_hour"]) * 60 + int(match["off_minute"])
        if match["sign"] == "-":
            offset_minutes = -offset_minutes
    # The contract's extra rule (envelope.schema.json, $defs/date_time): the
    # instant has a four-digit year in local time (+07:00). Days from the
    # civil date, so years 0000 and 9999 work (datetime cannot hold them).
    local_minutes = (days_from_civil(year, month, day) * 1440 + int(match["hour"]) * 60 +
                     int(match["minute"]) - offset_minutes + 7 * 60)
    return days_from_civil(0, 1, 1) * 1440 <= local_minutes < days_from_civil(10000, 1, 1) * 1440


def days_in_month(year, month):
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def days_from_civil(year, month, day):
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant)."""
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


def reject_duplicate_keys(pairs):
    result = {}
    for key, value in pairs:
        if key in result:
            raise Rejected("schema", f"{key}: duplicate key")
        result[key] = value
    return result


def reject_constant(name):
    raise Rejected("invalid_json", f"{name} is not JSON")


def load_schemas(schema_dir):
    """Returns ({$id: schema}, envelope, {type: schema}, catalog, agencies)."""
    store = {}
    paths = [schema_dir / "envelope.schema.json", schema_dir / "catalog.schema.json",
             schema_dir / "agencies.schema.json", schema_dir / "plan-targets.schema.json"]
    paths += [schema_dir / "events" / f"{t}.schema.json" for t in EVENT_TYPES]
    by_path = {}
    for path in paths:
        schema = json.loads(path.read_text(encoding="utf-8"))
        store[schema["$id"]] = schema
        by_path[path] = schema
    envelope = by_path[paths[0]]
    events = {t: by_path[schema_dir / "events" / f"{t}.schema.json"] for t in EVENT_TYPES}
    return (store, paths, by_path, envelope, events, by_path[paths[1]], by_path[paths[2]],
            by_path[paths[3]])


def lint_schema(path, schema):
    """Metaschema, $id/title/description, and a description on every property."""
    problems = []
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as error:
        problems.append(f"{path}: not a valid draft 2020-12 schema: {error.message}")
    if schema.get("$schema") != "https://json-schema.org/draft/2020-12/schema":
        problems.append(f"{path}: $schema is not draft 2020-12")
    for key in ("$id", "title", "description"):
        if not schema.get(key):
            problems.append(f"{path}: no {key}")

    def walk(node, where):
        if isinstance(node, dict):
            for name, sub in node.get("properties", {}).items():
                # Properties inside if/then/else conditions only restate a rule.
                if isinstance(sub, dict) and "description" not in sub and "/if" not in where:
                    problems.append(f"{path}: property {where}/properties/{name} has no description")
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}/{i}")

    walk(schema, "#")
    return problems


def schema_verdict(path, validator_for, envelope_validator):
    """'valid' or 'reject (<code>): <why>' according to the schema files."""
    data = path.read_bytes()
    try:
        if len(data) > MAX_EVENT_BYTES:
            raise Rejected("too_large", f"{len(data)} bytes")
        try:
            text = data.decode("utf-8")
            record = json.loads(text, object_pairs_hook=reject_duplicate_keys,
                                parse_constant=reject_constant)
        except (UnicodeDecodeError, ValueError, RecursionError) as error:
            raise Rejected("invalid_json", str(error)) from None
        if not isinstance(record, dict):
            raise Rejected("invalid_json", "not a JSON object")
    except Rejected as rejected:
        return False, rejected.code, str(rejected)
    kind = record.get("type")
    if isinstance(kind, str) and kind in validator_for:
        validator = validator_for[kind]
        code = "schema"
    else:
        # Missing, non-string or unknown type: the envelope's enum refuses it.
        validator = envelope_validator
        code = "unknown_type" if isinstance(kind, str) else "schema"
    errors = list(validator.iter_errors(record))
    if not errors:
        return True, "valid", ""
    # Show the root cause: a failed property also makes it "unevaluated".
    first = min(errors, key=lambda e: (e.validator == "unevaluatedProperties",
                                       -len(e.absolute_path), -len(e.context)))
    while first.context:  # oneOf/anyOf: the most specific sub-error
        first = max(first.context, key=lambda e: len(e.absolute_path))
    where = "/".join(str(p) for p in first.absolute_path) or "(record)"
    return False, code, f"{where}: {first.message[:200]}"


def run_codec(codec_check, paths):
    output = subprocess.run([str(codec_check)] + [str(p) for p in paths], check=True,
                            capture_output=True, text=True).stdout
    verdicts = {}
    for line in output.splitlines():
        fields = line.split("\t")
        verdicts[fields[0]] = (fields[1], fields[2] if len(fields) > 2 else "")
    return verdicts


def expected_code(name):
    for code in ("too_large", "invalid_json", "unknown_type"):
        if name.startswith(code + "_"):
            return code
    return "schema"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codec-check", required=True, type=pathlib.Path)
    parser.add_argument("--schemas", required=True, type=pathlib.Path)
    parser.add_argument("--samples", required=True, type=pathlib.Path)
    args = parser.parse_args()

    store, paths, by_path, envelope, events, catalog, agencies, plan_targets = load_schemas(
        args.schemas)
    problems = []
    for path in paths:
        problems += lint_schema(path, by_path[path])

    format_checker = jsonschema.FormatChecker()
    format_checker.checks("date-time")(rfc3339_date_time)

    def validator(schema):
        resolver = jsonschema.RefResolver.from_schema(schema, store=store)
        return jsonschema.Draft202012Validator(schema, resolver=resolver,
                                               format_checker=format_checker)

    validator_for = {t: validator(s) for t, s in events.items()}
    envelope_validator = validator(envelope)

    for name, schema in (("hbt-2019-procedures.json", catalog),
                         ("hbt-2019-agencies.json", agencies),
                         ("hbt-2019-plan-targets.json", plan_targets)):
        path = args.schemas / "reference" / name
        if path.exists():
            for error in validator(schema).iter_errors(json.loads(path.read_text("utf-8"))):
                where = "/".join(str(p) for p in error.absolute_path)
                problems.append(f"{path}: {where}: {error.message[:200]}")

    # The connector's default code mapping (docs/dvcqg.md) against its schema.
    dvcqg_schema = json.loads((args.schemas / "dvcqg-mapping.schema.json").read_text("utf-8"))
    dvcqg_default = args.schemas / "reference" / "dvcqg-mapping.json"
    for error in jsonschema.Draft202012Validator(dvcqg_schema).iter_errors(
            json.loads(dvcqg_default.read_text("utf-8"))):
        where = "/".join(str(p) for p in error.absolute_path)
        problems.append(f"{dvcqg_default}: {where}: {error.message[:200]}")

    samples = {want: sorted((args.samples / want).glob("*.json")) for want in ("valid", "invalid")}
    for want, files in samples.items():
        if not files:
            problems.append(f"no samples in {args.samples / want}")
    all_files = samples["valid"] + samples["invalid"]
    codec = run_codec(args.codec_check, all_files)

    checked = 0
    for want, files in samples.items():
        for path in files:
            checked += 1
            schema_ok, schema_code, schema_why = schema_verdict(path, validator_for,
                                                                envelope_validator)
            codec_code, codec_why = codec.get(str(path), ("missing", "codec_check printed nothing"))
            codec_ok = codec_code == "valid"
            wanted_ok = want == "valid"
            wanted_code = "valid" if wanted_ok else expected_code(path.stem)
            if schema_ok != wanted_ok or codec_ok != wanted_ok or codec_code != wanted_code:
                problems.append(
                    f"{want}/{path.name}: expected {wanted_code}\n"
                    f"    schema: {'valid' if schema_ok else 'reject (' + schema_code + ')'}"
                    f"{'' if schema_ok else ' ' + schema_why}\n"
                    f"    codec:  {codec_code}{'' if codec_ok else ' ' + codec_why}")

    for problem in problems:
        print(problem)
    print(f"schema_agreement: {checked} samples ({len(samples['valid'])} valid, "
          f"{len(samples['invalid'])} invalid), {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
