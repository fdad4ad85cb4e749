#!/usr/bin/env python3
"""Compile every C, C++, Go and C# code block of the READMEs, so the documentation cannot rot.

    scripts/check-snippets.py [FILE.md ...]     (default: README.md, bindings/*/README.md and
                                                 tests/server/README.md, webraft-mock's)

Prints one line per block (`ok README.md:123 c`, `skip ...`, or `FAIL ...` followed by the
compiler's output, whose positions point into the README), then `N passed, N failed`; exits 1
when any block fails. Nothing is run: the snippets talk to real endpoints.

Which blocks: fenced blocks whose info string starts with c | cpp, c++ | go | csharp, cs.
Every other block (sh, cmake, text, none) is ignored.

How each language is built, with the compiler and flags the READMEs name:
  C    gcc -std=c11 -Wall -Wextra -Werror -pedantic -Iinclude, linked with -Ltarget/release -lwebraft
  C++  g++ -std=c++17 -Wall -Wextra -Werror -pedantic -Iinclude -Ibindings/cpp, linked the same way
  Go   go build (CGO_ENABLED=1) in a temporary module that requires the binding,
       github.com/webraft/webraft/bindings/go, through a replace directive to this checkout
  C#   mcs -langversion:7.2 -warnaserror, referencing Webraft.dll built from bindings/csharp/src
       (blocks that use UnityEngine also reference a stub of the few Unity types they touch)

Complete programs and fragments. A block is complete when it has a `main` (C, C++), a `package`
clause (Go), or a `Main` method or top-level type declaration (C#; without Main it is built as a
library). Any other block is a fragment and goes into a harness:
  C, C++  the usual headers (webraft.h or webraft.hpp, stdio, stdlib, string, ...) and the block,
          compiled with -c as a translation unit if that builds (declarations, helpers), else
          inside `int main(void) { ... }`;
  Go      `package main`, imports of the binding and of the standard packages the block names
          (fmt., context., ...), and the block inside `func main() { ... }` unless it declares
          top-level funcs or types (Go rejects unused variables: end a fragment with `_ = x`);
  C#      the usual usings and the block inside `static async Task Run() { ... }` of a class.
Fragments are built with the unused-variable and unused-function warnings off, since a fragment
shows part of a program.

Markers. An HTML comment (invisible once rendered) as the nearest non-blank line above a block:
  <!-- snippet: skip REASON -->  do not compile this block; REASON is required and printed
  <!-- snippet: fragment -->     treat the block as a fragment even if it looks complete
  <!-- snippet: continue -->     prepend the previous checked block of the same language in the
                                 same file, for a fragment that uses what an earlier one declared
An unknown marker fails, so a typo cannot silently turn a check off.

Environment: CC (gcc), CXX (g++), WEBRAFT_SKIP_CARGO=1 (do not build the library when it is
missing). Installs Mono's mcs with apt when it is missing, as bindings/csharp/run-tests.sh does;
Go must be installed (as for bindings/go/run-tests.sh).
"""

import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
LIBDIR = os.path.join(ROOT, "target", "release")
LINK = ["-L" + LIBDIR, "-lwebraft", "-Wl,-rpath," + LIBDIR]
FRAGMENT_C_WARNINGS = ["-Wno-unused-variable", "-Wno-unused-but-set-variable", "-Wno-unused-function"]
LANGUAGES = {"c": "c", "cpp": "cpp", "c++": "cpp", "go": "go", "csharp": "csharp", "cs": "csharp"}
FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})\s*([^\s`]*)")
MARKER = re.compile(r"^\s*<!--\s*snippet:\s*(.*?)\s*-->\s*$")
MAX_OUTPUT_LINES = 40
WORK_DIR = None  # the temporary folder the sources are written to

C_PRELUDE = """#include "webraft.h"
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
"""
CPP_PRELUDE = """#include <webraft.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>
"""
CSHARP_USINGS = """using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Webraft;
"""
# The Unity types the READMEs use (Unity itself is not installed here); the C# binding's own
# stub, which its IL2CPP compile check builds too.
UNITY_STUB_SOURCES = sorted(glob.glob(os.path.join(ROOT, "bindings", "csharp", "tests", "unity", "*.cs")))
# Standard packages a Go fragment may name, by the identifier it uses them through.
GO_STD = {
    "bufio": "bufio", "bytes": "bytes", "context": "context", "errors": "errors", "fmt": "fmt",
    "io": "io", "json": "encoding/json", "log": "log", "os": "os", "signal": "os/signal",
    "strings": "strings", "sync": "sync", "time": "time", "http": "net/http",
}
GO_BINDING = "github.com/webraft/webraft/bindings/go"


class Block:
    def __init__(self, path, line, lang, code, marker):
        self.path, self.line, self.lang, self.marker = path, line, lang, marker
        self.parts = [(line + 1, code)]  # (first README line, text): more than one with `continue`

    def where(self):
        return "%s:%d" % (self.path, self.line)


def read_blocks(path):
    """Yields the tagged fenced blocks of a Markdown file, with their markers."""
    rel = os.path.relpath(path, ROOT)
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence, info = len(m.group(1)), m.group(2), m.group(3).lower()
        start = i
        body = []
        i += 1
        while i < len(lines):
            stripped = lines[i].strip()
            if stripped.startswith(fence[0] * len(fence)) and set(stripped) == {fence[0]}:
                break
            body.append(lines[i][indent:] if lines[i][:indent].strip() == "" else lines[i].lstrip())
            i += 1
        i += 1
        lang = LANGUAGES.get(info)
        if lang is None:
            continue
        marker = None
        above = start - 1
        while above >= 0 and lines[above].strip() == "":
            above -= 1
        if above >= 0:
            mm = MARKER.match(lines[above])
            if mm:
                marker = mm.group(1)
        yield Block(rel, start + 1, lang, "\n".join(body) + "\n", marker)


def run(cmd, cwd=ROOT, env=None):
    """Runs a compiler; returns (ok, its output)."""
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=600)
    except FileNotFoundError as e:
        return False, str(e)
    except subprocess.TimeoutExpired:
        return False, "timed out after 600 s: " + " ".join(cmd)
    # mcs reads a #line file name relative to the source's folder: name it from the root again.
    return p.returncode == 0, p.stdout.replace(WORK_DIR + os.sep, "") if WORK_DIR else p.stdout


def with_line_directives(block, directive):
    """The block's text, each part preceded by a line directive naming its README position."""
    return "".join(directive(block.path, first) + "\n" + text for first, text in block.parts)


class Checker:
    def __init__(self, work):
        self.work = work
        self.count = 0
        self.csharp_refs = None  # the -r: options, once the binding is built

    def source(self, ext, text):
        self.count += 1
        path = os.path.join(self.work, "snippet%d%s" % (self.count, ext))
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    # ---- C and C++ ----
    def check_c_family(self, block, fragment):
        cpp = block.lang == "cpp"
        compiler = os.environ.get("CXX", "g++") if cpp else os.environ.get("CC", "gcc")
        flags = (["-std=c++17", "-Iinclude", "-Ibindings/cpp"] if cpp else ["-std=c11", "-Iinclude"]) + [
            "-Wall", "-Wextra", "-Werror", "-pedantic"]
        ext = ".cpp" if cpp else ".c"
        code = with_line_directives(block, lambda path, line: '#line %d "%s"' % (line, path))
        out = os.path.join(self.work, "a.out")
        if not fragment:
            src = self.source(ext, code)
            return run([compiler] + flags + ["-o", out, src] + LINK)
        prelude = CPP_PRELUDE if cpp else C_PRELUDE
        flags += FRAGMENT_C_WARNINGS
        ok, unit_output = run([compiler] + flags + ["-c", "-o", out + ".o", self.source(ext, prelude + code)])
        if ok:
            return True, ""
        main = "int main() {\n" if cpp else "int main(void) {\n"
        ok, main_output = run([compiler] + flags + ["-o", out, self.source(ext, prelude + main + code + "}\n")] + LINK)
        if ok:
            return True, ""
        return False, ("as a translation unit (-c):\n" + unit_output + "inside int main():\n" + main_output)

    # ---- Go ----
    def check_go(self, block, fragment):
        go = shutil.which("go")
        if go is None:
            return False, "go is not installed (Go 1.24 or newer is needed, as for bindings/go)"
        module = os.path.join(self.work, "gomod")
        if not os.path.isdir(module):
            os.makedirs(module)
            with open(os.path.join(module, "go.mod"), "w") as f:
                f.write("module snippets\n\ngo 1.24\n\nrequire %s v0.0.0\n\nreplace %s => %s\n"
                        % (GO_BINDING, GO_BINDING, os.path.join(ROOT, "bindings", "go")))
        code = with_line_directives(block, lambda path, line: "//line %s:%d" % (path, line))
        if fragment:
            names = sorted({GO_STD[n] for n in re.findall(r"\b([a-z]+)\.", block_text(block)) if n in GO_STD})
            if "webraft." in block_text(block):
                names.append(GO_BINDING)
            imports = "".join('\t"%s"\n' % n if n != GO_BINDING else '\twebraft "%s"\n' % n for n in names)
            has_decls = re.search(r"^(func|type|var|const) ", block_text(block), re.M)
            body = code if has_decls else "func main() {\n" + code + "}\n"
            code = "package main\n\nimport (\n" + imports + ")\n\n" + body
        self.count += 1
        pkg = os.path.join(module, "s%d" % self.count)
        os.makedirs(pkg)
        with open(os.path.join(pkg, "main.go"), "w", encoding="utf-8") as f:
            f.write(code)
        env = dict(os.environ, CGO_ENABLED="1", GOFLAGS="-mod=mod")
        return run([go, "build", "-o", os.devnull, "./s%d" % self.count], cwd=module, env=env)

    # ---- C# ----
    def csharp_binding(self):
        """Builds Webraft.dll (and the Unity stub) once; returns (ok, -r: options or the error)."""
        if self.csharp_refs is None:
            if shutil.which("mcs") is None:
                install_mono()
            dll = os.path.join(self.work, "Webraft.dll")
            unity = os.path.join(self.work, "UnityEngine.dll")
            srcs = sorted(glob.glob(os.path.join(ROOT, "bindings", "csharp", "src", "*.cs")))
            ok, output = run(["mcs", "-langversion:7.2", "-nologo", "-target:library", "-out:" + dll] + srcs)
            if ok:
                ok, output = run(["mcs", "-nologo", "-target:library", "-out:" + unity] + UNITY_STUB_SOURCES)
            self.csharp_refs = (ok, ["-r:" + dll, "-r:" + unity] if ok else "building the binding:\n" + output)
        return self.csharp_refs

    def check_csharp(self, block, fragment):
        ok, refs = self.csharp_binding()
        if not ok:
            return False, refs
        code = with_line_directives(block, lambda path, line: '#line %d "%s"' % (line, path))
        text = block_text(block)
        target = "-target:exe" if re.search(r"\bstatic\b[^\n(]*\bMain\s*\(", text) and not fragment else "-target:library"
        options = []
        if fragment:
            # Task.Yield keeps a fragment without await from warning (CS1998); CS0168 and CS0219
            # are unused variables.
            code = (CSHARP_USINGS + "static class Snippet\n{\n    static async Task Run()\n    {\n"
                    + "        await Task.Yield();\n" + code + "#line default\n    }\n}\n")
            options = ["-nowarn:168,219"]
        out = os.path.join(self.work, "snippet.exe" if target == "-target:exe" else "snippet.dll")
        return run(["mcs", "-langversion:7.2", "-warnaserror", "-nologo", target, "-out:" + out] + options + refs
                   + [self.source(".cs", code)])

    def check(self, block):
        text = block_text(block)
        fragment = block.marker in ("fragment", "continue") or not looks_complete(block.lang, text)
        checker = {"c": self.check_c_family, "cpp": self.check_c_family, "go": self.check_go,
                   "csharp": self.check_csharp}[block.lang]
        return fragment, checker(block, fragment)


def block_text(block):
    return "".join(text for _, text in block.parts)


def looks_complete(lang, text):
    if lang in ("c", "cpp"):
        return re.search(r"^[\w \t\*]*\bmain\s*\(", text, re.M) is not None
    if lang == "go":
        return re.search(r"^package \w+", text, re.M) is not None
    return re.search(r"^\s*((public|internal|static|sealed|abstract|partial)\s+)*(class|struct|interface|enum|namespace)\s",
                     text, re.M) is not None


def install_mono():
    """As bindings/csharp/run-tests.sh: mono-mcs from Debian, with sudo when not root."""
    print("installing mono-mcs (mcs is missing)", flush=True)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(sudo + ["apt-get", "update", "-qq"], env=env)
    subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "mono-mcs"], env=env)


def ensure_library():
    if os.path.exists(os.path.join(LIBDIR, "libwebraft.so")) or os.environ.get("WEBRAFT_SKIP_CARGO"):
        return
    print("target/release/libwebraft.so is missing: cargo build --release", flush=True)
    subprocess.run(["cargo", "build", "--release"], cwd=ROOT)


def shorten(output):
    lines = output.rstrip("\n").split("\n")
    if len(lines) > MAX_OUTPUT_LINES:
        lines = lines[:MAX_OUTPUT_LINES] + ["... (%d more lines)" % (len(lines) - MAX_OUTPUT_LINES)]
    return "".join("    " + line + "\n" for line in lines)


def main(argv):
    os.chdir(ROOT)
    files = argv or ["README.md"] + sorted(glob.glob("bindings/*/README.md")) + ["tests/server/README.md"]
    ensure_library()
    passed = failed = skipped = 0
    global WORK_DIR
    with tempfile.TemporaryDirectory(prefix="webraft-snippets-") as work:
        WORK_DIR = work
        checker = Checker(work)
        for path in files:
            previous = {}  # language -> the last checked block, for `continue`
            for block in read_blocks(os.path.join(ROOT, path)):
                marker = block.marker or ""
                if marker.startswith("skip"):
                    reason = marker[len("skip"):].strip()
                    if reason:
                        print("skip %s %s (%s)" % (block.where(), block.lang, reason))
                        skipped += 1
                        continue
                    ok, fragment, output = False, False, "a skip marker needs a reason"
                elif marker not in ("", "fragment", "continue"):
                    ok, fragment, output = False, False, "unknown marker <!-- snippet: %s -->" % marker
                elif marker == "continue" and block.lang not in previous:
                    ok, fragment, output = False, False, "`continue` with no earlier %s block here" % block.lang
                else:
                    if marker == "continue":
                        block.parts = previous[block.lang].parts + block.parts
                    fragment, (ok, output) = checker.check(block)
                    previous[block.lang] = block
                kind = block.lang + (" (fragment)" if fragment else "")
                if ok:
                    print("ok %s %s" % (block.where(), kind), flush=True)
                    passed += 1
                else:
                    print("FAIL %s %s\n%s" % (block.where(), kind, shorten(output)), flush=True)
                    failed += 1
    if skipped:
        print("%d skipped" % skipped)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
