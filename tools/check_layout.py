#!/usr/bin/env python3
"""The tree's dependency rules (docs/architecture.md), checked on every #include "..." of
the product's sources; prints each include that breaks one and exits 1 if any does.

- dataplane/ never includes control/; control/ includes of the dataplane only
  dataplane/api/ (what the dataplane exposes to other processes);
- rules/ includes neither, but bulwark-rules may use dataplane/api/ (request evaluation);
- dataplane/proto/ and dataplane/api/ include nothing else of the dataplane;
- the cores (dataplane/ but features/, control/ but features/, rules/lang/) include no
  feature: only the one list file of each side names them (features/pipeline.cc,
  control/features/control_features.h, rules/features/sections.cc);
- a feature's folder includes no other feature's folder on the same side.
Usage: check_layout.py SOURCE_ROOT"""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
# Files that name every feature: the lists (and the files that use a list).
LISTS = {"dataplane/features/pipeline.cc", "control/features/control_features.h",
         "rules/features/sections.cc"}


def feature_of(path, side):
    """The feature folder `path` lies in on `side` (e.g. dataplane/features/x/...), or None."""
    parts = path.split("/")
    if parts[0] == side and len(parts) > 3 and parts[1] == "features":
        return parts[2]
    return None


def problems(src, inc):
    side = src.split("/")[0]
    if side == "dataplane" and inc.startswith("control/"):
        yield "the dataplane includes control/"
    if side == "control" and inc.startswith("dataplane/") and not inc.startswith("dataplane/api/"):
        yield "control/ includes of the dataplane only dataplane/api/"
    if side == "rules" and inc.startswith(("dataplane/", "control/")):
        if not (src.startswith("rules/bulwark-rules/") and inc.startswith("dataplane/api/")):
            yield "rules/ includes neither the dataplane nor control/ (bulwark-rules: dataplane/api/)"
    for leaf in ("dataplane/proto/", "dataplane/api/"):
        if src.startswith(leaf) and inc.startswith("dataplane/") and \
                not inc.startswith(("dataplane/proto/", "dataplane/api/")):
            yield f"{leaf} includes nothing else of the dataplane"
    if src in LISTS:
        return
    for s in ("dataplane", "control", "rules"):
        mine, theirs = feature_of(src, s), feature_of(inc, s)
        if theirs is None:
            continue
        if src.startswith(s + "/") and mine is None:
            if not (s == "control" and inc == "control/features/control_features.h"):
                yield f"the {s} core includes the feature {theirs}"
        elif mine is not None and mine != theirs:
            yield f"the feature {mine} includes the feature {theirs}"


# Known, and to be moved out: the rule parts of the features older than the section
# registry (rules/lang/section.h) are still parsed, compiled and modelled by the rule
# language core. A feature moved to a section leaves this list; nothing joins it.
KNOWN = {
    ("rules/lang/rule_compiler.cc", "rules/features/discovery/discovery_compiler.h"),
    ("rules/lang/rule_model.h", "rules/features/discovery/sensitive_validators.h"),
    ("rules/lang/rule_parser.cc", "rules/features/challenge/challenge_parser.h"),
    ("rules/lang/rule_parser.cc", "rules/features/consistency/consistency_parser.h"),
    ("rules/lang/rule_parser.cc", "rules/features/discovery/discovery_parser.h"),
    ("rules/lang/rule_parser.cc", "rules/features/enumeration/enumeration_parser.h"),
    ("rules/lang/rule_parser.cc", "rules/features/login_guard/login_parser.h"),
    ("rules/lang/rule_parser.cc", "rules/features/ratelimit/limit_parser.h"),
}
bad = known = 0
files = 0
for side in ("dataplane", "control", "rules"):
    for f in sorted((root / side).rglob("*")):
        if f.suffix not in (".cc", ".h"):
            continue
        files += 1
        src = f.relative_to(root).as_posix()
        for inc in INCLUDE.findall(f.read_text(errors="replace")):
            for why in problems(src, inc):
                if (src, inc) in KNOWN:
                    known += 1
                    continue
                print(f"{src}: #include \"{inc}\": {why}")
                bad += 1
gone = len(KNOWN) - known
if gone:
    print(f"layout: {gone} known exception(s) no longer occur: remove them from KNOWN")
    bad += gone
print(f"layout: {files} files, {bad} includes against the rules, {known} known exceptions")
sys.exit(1 if bad else 0)
