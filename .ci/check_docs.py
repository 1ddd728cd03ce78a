#!/usr/bin/env python3
"""Checks the docs' links, so that they work both on GitHub and in the mdBook built from docs/.

Scanned: README.md, ARCHITECTURE.md and every .md file under docs/.

- Every relative link or image (`[text](path)`, `![alt](path)`, `[ref]: path`, and `href="..."` /
  `src="..."` in inline HTML) must name a file that exists, inside the repository. Links with a scheme
  (`https:`, `mailto:`...) are not followed. Absolute paths (`/docs/...`) are refused: GitHub reads them
  from the repository root, the book from the site root.
- An anchor (`page.md#section`, `#section`) into a Markdown file must match a heading of that file,
  slugged as GitHub and mdBook both do (lowercase; letters, digits, `-` and `_` kept; whitespace becomes
  `-`; anything else dropped; a repeated heading gets `-1`, `-2`...), or an explicit `id`/`name`
  attribute. Anchors into other files (`lib.rs#L10`) are not checked.
- Every .md file under docs/ except SUMMARY.md must be listed in docs/SUMMARY.md, so that each page
  is in the book and a link between pages resolves there as it does on GitHub.

Links inside code blocks and code spans are not links and are skipped. Links from docs/ to files outside
it (the code) work on GitHub but not in the built book; they are counted, not refused.

Exits 1, naming each broken link and each missing page, if anything is wrong.
"""

import os
import re
import sys
from urllib.parse import unquote

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
DOCS = os.path.join(ROOT, "docs")
SUMMARY = os.path.join(DOCS, "SUMMARY.md")

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
CODE_SPAN = re.compile(r"(`+)(?:.+?)\1")
HTML_COMMENT = re.compile(r"<!--.*?-->")
INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)")
REFERENCE_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)")
HTML_ATTR = re.compile(r"\b(?:href|src)\s*=\s*\"([^\"]*)\"")
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
SETEXT_UNDERLINE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
EXPLICIT_ID = re.compile(r"\b(?:id|name)\s*=\s*\"([^\"]+)\"")


def rel(path):
    return os.path.relpath(path, ROOT)


def outside_code(path):
    """Yields (line number, line) for each line of a Markdown file that is not in a fenced code block."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    fence = None
    for number, line in enumerate(lines, start=1):
        marker = FENCE.match(line)
        if fence is None:
            if marker:
                fence = marker.group(1)
            else:
                yield number, line
        elif marker and marker.group(1)[0] == fence[0] and len(marker.group(1)) >= len(fence) \
                and not line.strip().strip(fence[0]):
            # A fence closes with at least as many of its character, and nothing after them.
            fence = None


def prose_lines(path):
    """Yields (line number, line) outside code blocks, with code spans and HTML comments removed."""
    for number, line in outside_code(path):
        yield number, HTML_COMMENT.sub("", CODE_SPAN.sub("", line))


def slug(heading):
    """A heading's anchor, as GitHub and mdBook make it."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading: its text
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML tags
    out = []
    for ch in text.strip().lower():
        if ch.isalnum() or ch in "-_":
            out.append(ch)
        elif ch.isspace():
            out.append("-")
    return "".join(out)


_anchors = {}


def anchors_of(path):
    """Every anchor a Markdown file defines: its headings' slugs and explicit ids."""
    if path not in _anchors:
        found, seen = set(), {}
        previous, previous_number = None, None
        for number, line in outside_code(path):
            heading = None
            atx = ATX_HEADING.match(line)
            if atx:
                heading = atx.group(2) or ""
            elif previous_number == number - 1 and previous.strip() and SETEXT_UNDERLINE.match(line) \
                    and not previous.lstrip().startswith(("-", "*", "+", "|", ">", "#")):
                heading = previous
            if heading is not None:
                base = slug(heading)
                count = seen.get(base, 0)
                seen[base] = count + 1
                found.add(base if count == 0 else f"{base}-{count}")
            found.update(EXPLICIT_ID.findall(line))
            previous, previous_number = line, number
        _anchors[path] = found
    return _anchors[path]


def links_in(path):
    """Yields (line number, destination) for each link and image of a Markdown file."""
    for number, line in prose_lines(path):
        for match in INLINE_LINK.finditer(line):
            yield number, match.group(1)
        definition = REFERENCE_DEF.match(line)
        if definition:
            yield number, definition.group(1)
        for match in HTML_ATTR.finditer(line):
            yield number, match.group(1)


def markdown_files():
    files = [os.path.join(ROOT, name) for name in ("README.md", "ARCHITECTURE.md")]
    for directory, subdirs, names in os.walk(DOCS):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
        files.extend(os.path.join(directory, n) for n in sorted(names) if n.endswith(".md"))
    return [f for f in files if os.path.isfile(f)]


def main():
    problems = []
    checked = 0
    outside_docs = 0
    summary_pages = set()

    for path in markdown_files():
        here = os.path.dirname(path)
        in_docs = path.startswith(DOCS + os.sep)
        for number, destination in links_in(path):
            where = f"{rel(path)}:{number}"
            destination = destination.strip("<>")
            if not destination or SCHEME.match(destination) or destination.startswith("//"):
                continue
            checked += 1
            target, _, anchor = destination.partition("#")
            target = unquote(target)
            if target.startswith("/"):
                problems.append(f"{where}: {destination}: absolute path; use a path relative to this file")
                continue
            resolved = os.path.normpath(os.path.join(here, target)) if target else path
            if resolved != ROOT and not resolved.startswith(ROOT + os.sep):
                problems.append(f"{where}: {destination}: points outside the repository")
                continue
            if not os.path.isfile(resolved):
                kind = "a directory, not a file" if os.path.isdir(resolved) else "no such file"
                problems.append(f"{where}: {destination}: {kind} ({rel(resolved)})")
                continue
            if path == SUMMARY:
                summary_pages.add(resolved)
            if in_docs and not resolved.startswith(DOCS + os.sep):
                outside_docs += 1
            if anchor and resolved.endswith(".md") and unquote(anchor) not in anchors_of(resolved):
                problems.append(f"{where}: {destination}: no heading or id \"{anchor}\" in {rel(resolved)}")

    if not os.path.isfile(SUMMARY):
        problems.append(f"{rel(SUMMARY)}: missing")
    else:
        for path in markdown_files():
            if path.startswith(DOCS + os.sep) and path != SUMMARY and path not in summary_pages:
                problems.append(f"{rel(path)}: not listed in {rel(SUMMARY)}")

    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"check_docs: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(
        f"check_docs: {checked} relative links OK in {len(markdown_files())} files; every docs page is "
        f"in SUMMARY.md; {outside_docs} links from docs/ lead to files outside it (they work on GitHub, "
        "not in the built book)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
