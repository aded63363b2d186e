#!/usr/bin/env python3
"""Collects the runnable examples of Bulwark's documentation for tests/cli/examples_test.sh:

  - the "Examples:" section of each program's --help and of each subcommand's --help
    (found by walking the "Subcommands:" lists), each line one command;
  - the "e.g." values in bulwark-dataplane's option descriptions, each turned into a
    command that only parses and validates (--print-pci-ports: no DPDK, no devices);
  - every ```sh fenced block of README.md (other blocks, yaml/json/text, are not run).

A command may span lines (a trailing backslash or pipe, an open quote or loop, a
here-document: whatever bash would read on for); comment lines between commands are
skipped, comments are ignored when judging a command and kept for bash.

Prints four NUL-ended fields per example: ORIGIN KIND CODES COMMAND.
KIND is run (run it; CODES, comma-separated, are the exit codes that mean it worked),
stream (it runs until Ctrl-C: must still run after a while, then SIGINT ends it), demo
(tools/demo.sh), ci (tools/test.sh: this test's own caller, not run) or placeholder
(cannot run as written; CODES says why). What an example implies about its exit code:
0, unless its comment says "exit N" / "exits N or M", or the help of the (sub)command it
calls documents its codes as "Exit 0: ..., 6: ...".

usage: extract_examples.py --programs NAME=PATH... [--readme README.md]"""
import argparse
import os
import re
import shlex
import subprocess
import sys

HEREDOC = re.compile(r"(?<!<)<<(?!<)-?\s*['\"]?(\w+)['\"]?")  # not <<< (a here-string)
HTTP_METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE"}


def run_help(path, args):
    r = subprocess.run([path, *args, "--help"], capture_output=True, text=True, timeout=60)
    return r.stdout + r.stderr


def section(text, title):
    """Lines of an indented section that starts with 'Title:' and ends at a blank line."""
    out, inside = [], False
    for line in text.splitlines():
        if re.fullmatch(rf"{title}:\s*", line):
            inside = True
            continue
        if inside:
            if not line.strip():
                if out:
                    break
                continue
            if not line.startswith(" "):
                break
            out.append(line)
    return out


def subcommands(text):
    return [l.split()[0] for l in section(text, "Subcommands") if re.match(r"\s{2}\S", l)]


def shell_complete(text):
    """False while bash would wait for more of `text` (an open quote, loop or pipe); a
    text with any other syntax error is as complete as it gets (running it says so)."""
    r = subprocess.run(["bash", "-n"], input=text, text=True, capture_output=True)
    return r.returncode == 0 or "unexpected end of file" not in r.stderr


def logical_commands(lines):
    """Joins (line number, text) pairs into complete commands; comment-only lines that
    follow a command (its comment continued) belong to it. Yields (first line, text)."""
    cmd, first, heredoc = [], None, None
    for no, line in lines:
        if not cmd:
            if not line.strip():
                continue
            if line.lstrip().startswith("#"):
                continue  # a comment of its own, or one continuing the last command's
            first = no
        cmd.append(line)
        text = "\n".join(cmd)
        # bash -n accepts a here-document or a backslash-newline cut off by the end of
        # the text: the command goes on until the delimiter, or on the next line.
        if heredoc is not None:
            if line.strip() != heredoc:
                continue
            heredoc = None
        m = HEREDOC.search(line)
        if m:
            heredoc = m.group(1)
            continue
        if not line.rstrip().endswith("\\") and shell_complete(text):
            yield first, text
            cmd = []
    if cmd:
        yield first, "\n".join(cmd)  # unfinished at the block's end: bash will say so


def tokens(cmd):
    try:
        return shlex.split(cmd, comments=True)
    except ValueError:
        return cmd.split()


def comment_of(cmd):
    return " ".join(m.group(1) for m in re.finditer(r"(?:^|\s)#(.*)$", cmd, re.M))


def without_heredocs(cmd):
    """The command without the bodies of its here-documents (data, not arguments)."""
    out, end = [], None
    for line in cmd.split("\n"):
        if end is not None:
            if line.strip() == end:
                end = None
            continue
        m = HEREDOC.search(line)
        if m:
            end = m.group(1)
            line = HEREDOC.sub("", line)
        out.append(line)
    return "\n".join(out)


def placeholders(cmd):
    """Parts of a command that are usage notation, not something bash can run."""
    found = []
    cmd = without_heredocs(cmd)
    try:
        lex = shlex.shlex(cmd, posix=True, punctuation_chars=True)
        lex.whitespace_split = True
        lex.commenters = "#"
        toks = list(lex)
    except ValueError:
        toks = cmd.split()
    for t in toks:
        if re.match(r"\[(-|[A-Z])", t) or t.endswith("]") and "[" not in t and t.strip("]"):
            found.append(t)  # [--option VALUE]: an optional part
        elif t in ("...", "…") or t.endswith("...") and not t.startswith("."):
            found.append(t)
        elif re.fullmatch(r"[A-Z][A-Z0-9_]*(\.[a-z0-9]+)*", t) and t not in HTTP_METHODS:
            found.append(t)  # FILE, BUNDLE.tar: a value to fill in
        elif re.fullmatch(r"<[^<>\s]+>", t):
            found.append(t)
    # "<file>" splits into punctuation under shlex: look at the raw text too.
    found += re.findall(r"(?<![<\w])<[a-zA-Z][\w.-]*>", re.sub(r"#.*", "", cmd))
    return list(dict.fromkeys(found))


class HelpTree:
    """--help of every program and subcommand, for examples and documented exit codes."""

    def __init__(self, programs):
        self.programs = programs
        self.texts = {}  # (name, *subcommands) -> help text
        for name, path in programs.items():
            self._walk(name, path, [])

    def _walk(self, name, path, subs):
        text = run_help(path, subs)
        self.texts[(name, *subs)] = text
        if len(subs) < 3:
            for s in subcommands(text):
                if (name, *subs, s) not in self.texts:
                    self._walk(name, path, subs + [s])

    def examples(self):
        seen = set()
        for key, text in self.texts.items():
            lines = [(0, l) for l in section(text, "Examples")]
            for _, cmd in logical_commands(lines):
                cmd = cmd.strip()
                if cmd not in seen:
                    seen.add(cmd)
                    yield " ".join(key) + " --help", cmd

    def help_for(self, toks):
        """The help text of the deepest (sub)command `toks` names, or None."""
        if not toks or toks[0].split("/")[-1] not in self.programs:
            return None
        key = (toks[0].split("/")[-1],)
        for t in toks[1:]:
            if key + (t,) in self.texts:
                key += (t,)
            elif not t.startswith("-"):
                break
        return self.texts[key]


def option_help(text, opt):
    """The line of a --help text that describes option `opt` (--follow or -f), or ''."""
    for line in text.splitlines():
        m = re.match(r"\s+(-[\w-]+(?:,-[\w-]+)*)", line)
        if m and opt.split("=")[0] in m.group(1).split(","):
            return line
    return ""


def expectation(cmd, helps):
    """(kind, codes) for a command; see the module's docstring."""
    toks = tokens(cmd)
    if not toks:
        return "placeholder", "no command"
    if toks[0] in ("tools/test.sh", "./tools/test.sh"):
        return "ci", ""
    if toks[0] in ("tools/demo.sh", "./tools/demo.sh"):
        return "demo", "0"
    bad = placeholders(cmd)
    if bad:
        return "placeholder", "usage notation, not a command: " + " ".join(bad)
    m = re.search(r"\bexit(?:s| code)? ((?:\d+(?:,? (?:or )?)?)+)", comment_of(cmd))
    if m:
        return "run", ",".join(re.findall(r"\d+", m.group(1)))
    # Each stage (pipeline, && and ; lists) that runs one of our programs: the help of
    # what it calls may say an option runs until Ctrl-C, or document exit codes.
    for stage in re.split(r"\|\||&&|\||;", re.sub(r"(?m)(^|\s)#.*$", "", cmd)):
        st = tokens(stage)
        text = helps.help_for(st)
        if not text:
            continue
        if any("Ctrl-C" in option_help(text, t) for t in st if t.startswith("-")):
            return "stream", "0,130"  # 130: ended by SIGINT
        doc = re.search(r"Exit ((?:\d+: [^,\n]+(?:, )?)+)", text)
        if doc:
            return "run", ",".join(re.findall(r"(\d+):", doc.group(1)))
    return "run", "0"


def option_examples(name, text):
    """bulwark-dataplane's "e.g." option values as parse-and-validate commands."""
    lines = section(text, "Options")
    joined = []
    for l in lines:  # wrapped descriptions continue on deeper-indented lines
        if re.match(r"\s{2}-", l) or not joined:
            joined.append(l.strip())
        else:
            joined[-1] += " " + l.strip()
    for l in joined:
        m = re.match(r"(?:-\w,)?(--[\w-]+)\s.*?\be\.g\. (.*)", l)
        if not m:
            continue
        opt, rest = m.groups()
        values = [v.strip(" ,;") for v in re.split(r"\s*\(", rest)[0].split(" or ")]
        values += re.findall(r"\('(\w+)':", rest)  # ('none': off)
        for v in values:
            if v:
                yield (f"{name} --help: {opt} e.g. {v}",
                       f"{name} --outside net_null0 --inside net_null1 --print-pci-ports "
                       f"{opt} {shlex.quote(v)}")


def readme_examples(path):
    name = os.path.basename(path)
    lines = open(path, encoding="utf-8").read().splitlines()
    block, start = None, 0
    for no, line in enumerate(lines, 1):
        fence = re.match(r"\s*```(\S*)", line)
        if fence and block is None:
            block, start = [], no
            lang = fence.group(1)
        elif fence:
            if lang == "sh":
                for first, cmd in logical_commands(block):
                    yield f"{name}:{first}", cmd
            block = None
        elif block is not None:
            block.append((no, line))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--programs", nargs="+", required=True, help="NAME=PATH of each program")
    ap.add_argument("--readme")
    args = ap.parse_args()
    programs = dict(p.split("=", 1) for p in args.programs)
    helps = HelpTree(programs)
    found = list(helps.examples())
    if not found:
        sys.exit("extract_examples: no 'Examples:' section in any program's --help")
    if "bulwark-dataplane" in programs:
        found += option_examples("bulwark-dataplane", helps.texts[("bulwark-dataplane",)])
    if args.readme:
        readme = list(readme_examples(args.readme))
        if not readme:
            sys.exit(f"extract_examples: no ```sh block in {args.readme}")
        found += readme
    out = sys.stdout.buffer
    for origin, cmd in found:
        kind, codes = expectation(cmd, helps)
        for field in (origin, kind, codes, cmd):
            out.write(field.encode() + b"\0")


if __name__ == "__main__":
    main()
