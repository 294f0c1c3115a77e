#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs the shell examples of the README and the man pages as they are written.

A block is a README ```sh block or a man page's .nf/.fi block under EXAMPLES that uses
qtpyvenv-call. --offline runs those that install nothing, --online those that install from the
package index (`--requirement`). Each block runs with bash -e in a fresh directory holding a copy
of examples/ (README blocks start from the repository's root), with HOME there too, and with the
tool under test first on PATH. The README's data example must also be examples/data/analysis.py.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROFF = [("\\-", "-"), ("\\e", "\\"), ("\\(aq", "'"), ("\\(dq", '"')]


def readme_blocks(path):
    text = open(path, encoding="utf-8").read()
    for block in re.findall(r"^```sh\n(.*?)^```", text, re.S | re.M):
        if "qtpyvenv-call" in block:
            yield "README.md", block


def man_blocks(path):
    text = open(path, encoding="utf-8").read()
    examples = text.split(".SH EXAMPLES", 1)[1].split("\n.SH ", 1)[0] if ".SH EXAMPLES" in text else ""
    for block in re.findall(r"^\.nf\n(.*?)^\.fi$", examples, re.S | re.M):
        for escaped, plain in ROFF:
            block = block.replace(escaped, plain)
        if "qtpyvenv-call" in block:
            yield os.path.basename(path), block


def check_analysis_example(root):
    """The README's Python block of the data example is the file the shell examples load."""
    text = open(os.path.join(root, "README.md"), encoding="utf-8").read()
    match = re.search(r"with `examples/data/analysis.py`:\n\n```python\n(.*?)```", text, re.S)
    if not match:
        return "README.md: the Python block of examples/data/analysis.py is missing"
    source = open(os.path.join(root, "examples", "data", "analysis.py"), encoding="utf-8").read()
    return None if match.group(1) in source else "README.md: the data example differs from examples/data/analysis.py"


def run_block(origin, block, root, tool, env_extra):
    with tempfile.TemporaryDirectory(prefix="qtpyvenv-example-") as work:
        shutil.copytree(os.path.join(root, "examples"), os.path.join(work, "examples"))
        bin_dir = os.path.join(work, ".bin")
        os.mkdir(bin_dir)
        os.symlink(tool, os.path.join(bin_dir, "qtpyvenv-call"))
        env = dict(os.environ, HOME=work, PATH=bin_dir + os.pathsep + os.environ["PATH"], **env_extra)
        done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", block], cwd=work, env=env,
                              capture_output=True, text=True, timeout=1200)
        # What an example makes: the files it names with --output, else what it prints.
        outputs = re.findall(r"--output (\S+)", block)
        written = {name for _, _, files in os.walk(work) for name in files}
        made = all(name in written for name in outputs) if outputs else done.stdout.strip()
        if done.returncode != 0 or not made:
            return "%s: this example failed (exit %d):\n%s\n--- stdout\n%s--- stderr\n%s" % (
                origin, done.returncode, block, done.stdout, done.stderr[-4000:])
        print("%s: ok\n%s" % (origin, block.rstrip()))
        return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True)
    parser.add_argument("--tool", required=True)
    parser.add_argument("--online", action="store_true", help="run the examples that install packages")
    parser.add_argument("--pip-cache", help="PIP_CACHE_DIR for the online examples")
    args = parser.parse_args()

    blocks = list(readme_blocks(os.path.join(args.root, "README.md")))
    installer = os.path.join(args.root, "installer")
    for name in sorted(os.listdir(installer)):
        if name.endswith(".1.in"):
            blocks += list(man_blocks(os.path.join(installer, name)))
    chosen = [(origin, block) for origin, block in blocks if ("--requirement" in block) == args.online]
    if not chosen:
        print("no examples found", file=sys.stderr)
        return 1
    env_extra = {"PIP_CACHE_DIR": args.pip_cache} if args.pip_cache else {}
    problems = [] if args.online else [check_analysis_example(args.root)]
    problems += [run_block(origin, block, args.root, os.path.abspath(args.tool), env_extra) for origin, block in chosen]
    problems = [p for p in problems if p]
    for problem in problems:
        print(problem, file=sys.stderr)
    print("%d of %d examples ran as written" % (len(chosen) - len(problems), len(chosen)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
