"""The command tree of a built `hoso`, read from its --help texts (CLI11's
layout: "Options:" and "Subcommands:" sections, two-space indented rows).
Shared by make-manpage and make-completion, so both describe exactly the
binary they ship with."""

import re
import subprocess


def help_text(hoso, path):
    result = subprocess.run([hoso, *path, "--help"], capture_output=True, text=True, check=True)
    return result.stdout


def sections(text):
    """{"Options": [rows], "Subcommands": [rows]} of one help text."""
    found = {}
    current = None
    for line in text.splitlines():
        heading = re.match(r"^([A-Z][A-Za-z ]*):\s*$", line)
        if heading:
            current = heading.group(1)
            found[current] = []
        elif current and line.startswith("  ") and line.strip():
            found[current].append(line)
        elif not line.strip():
            current = None
    return found


def options(text):
    """[(names, takes_value)] of the "Options:" rows, e.g. (["--db"], True)."""
    result = []
    for row in sections(text).get("Options", []):
        # The value's type (TEXT, INT, TEXT:{a,b}, ...) follows the names; a
        # flag's row goes straight on to its description.
        match = re.match(r"^\s+(-[^\s]+)(\s+([A-Z][A-Z0-9_:{}\[\],.-]*)(?=\s|$))?", row)
        if not match:
            continue
        names = [name for name in match.group(1).split(",") if name.startswith("-")]
        value = match.group(3)
        takes_value = bool(value) and value not in ("REQUIRED", "EXCLUDES", "NEEDS")
        result.append((names, takes_value))
    return result


def subcommands(text):
    return [row.split()[0] for row in sections(text).get("Subcommands", [])]


def walk(hoso, path=()):
    """Yields (path, help text) for the command and every subcommand, depth first."""
    text = help_text(hoso, list(path))
    yield list(path), text
    for name in subcommands(text):
        yield from walk(hoso, (*path, name))
