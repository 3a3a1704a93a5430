#!/usr/bin/env python3
"""Accept pending insta inline snapshots without cargo-insta.

Run the tests with `INSTA_UPDATE=always INSTA_FORCE_PASS=1 cargo test ...`: insta writes
`.<file>.rs.pending-snap` files next to the sources. This script writes each pending snapshot into
its `@"..."` literal (the last run's value per assertion wins) and deletes the pending files.
Review the result with `git diff` before committing.

Usage: scripts/accept-inline-snapshots.py [DIR ...]   (default: tests src)
"""
import json
import pathlib
import re
import sys

LITERAL = re.compile(r'@(r(#*)"(.*?)"\2|"(?:[^"\\]|\\.)*")', re.S)


def render(snapshot: str, indent: str) -> str:
    if "\n" not in snapshot and '"' not in snapshot and "\\" not in snapshot:
        return f'@"{snapshot}"'
    hashes = ""
    while f'"{hashes}' in snapshot:
        hashes += "#"
    body = "\n".join((indent + line) if line else "" for line in snapshot.split("\n"))
    return f'@r{hashes}"\n{body}\n{indent}"{hashes}'


def apply(pending: pathlib.Path) -> int:
    source = pending.with_name(pending.name[1:].removesuffix(".pending-snap"))
    latest = {}
    for line in pending.read_text().splitlines():
        if line.strip():
            entry = json.loads(line)
            if entry.get("new"):  # `new: null` marks a snapshot that now matches
                latest[entry["line"]] = entry["new"]["snapshot"]
    lines = source.read_text().split("\n")
    # Bottom-up, so earlier edits do not shift later line numbers.
    for lineno in sorted(latest, reverse=True):
        start = sum(len(l) + 1 for l in lines[: lineno - 1])
        text = "\n".join(lines)
        m = LITERAL.search(text, start)
        if not m:
            sys.exit(f"{source}:{lineno}: no inline snapshot literal found")
        indent = re.match(r"\s*", lines[lineno - 1]).group(0) + "    "
        text = text[: m.start()] + render(latest[lineno], indent) + text[m.end():]
        lines = text.split("\n")
    source.write_text("\n".join(lines))
    pending.unlink()
    print(f"updated {source} ({len(latest)} snapshots)")
    return len(latest)


def main() -> None:
    dirs = sys.argv[1:] or ["tests", "src"]
    count = 0
    for d in dirs:
        for pending in sorted(pathlib.Path(d).rglob(".*.pending-snap")):
            count += apply(pending)
    if count == 0:
        print("no pending inline snapshots")


if __name__ == "__main__":
    main()
