#!/usr/bin/env python3
"""Apply insta's pending inline snapshots (tests/**/.X.rs.pending-snap) to the sources, for
machines without cargo-insta. Run the tests with INSTA_UPDATE=always INSTA_FORCE_PASS=1 first,
then this, then review the diff. Usage: scripts/insta-apply-inline.py tests/it/.config.rs.pending-snap"""
import json, re, sys, os

def literal(text, indent):
    hashes = ""
    while ('"' + hashes) in text:
        hashes += "#"
    if "\n" not in text and '"' not in text and "\\" not in text:
        return '@"' + text + '"'
    body = "\n".join((indent + l) if l else "" for l in text.split("\n"))
    return "@r" + hashes + '"\n' + body + "\n" + indent + '"' + hashes

for pending in sys.argv[1:]:
    d = os.path.dirname(pending)
    src = os.path.join(d, os.path.basename(pending)[1:].replace(".pending-snap", ""))
    entries = {}
    for line in open(pending):
        e = json.loads(line)
        if e.get("new"):
            entries[e["line"]] = e["new"]["snapshot"]
    lines = open(src).read().split("\n")
    offsets = [0]
    for l in lines:
        offsets.append(offsets[-1] + len(l) + 1)
    text = "\n".join(lines)
    # Replace from the bottom so earlier offsets stay valid.
    pat = re.compile(r'@(r(#*)"(?:.|\n)*?"\2|"(?:[^"\\]|\\.)*")')
    for line_no in sorted(entries, reverse=True):
        start = offsets[line_no - 1]
        m = pat.search(text, start)
        line_start = text.rfind("\n", 0, m.start()) + 1
        indent = re.match(r"\s*", text[line_start:]).group(0) + "    "
        text = text[:m.start()] + literal(entries[line_no], indent) + text[m.end():]
    open(src, "w").write(text)
    os.remove(pending)
    print(f"applied {len(entries)} snapshots to {src}")
