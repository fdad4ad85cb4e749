#!/usr/bin/env python3
"""Checks the Unity package that `make unity-package` writes, as Unity would read it.

    tests/packaging/check_unity_package.py PACKAGE_DIR VERSION

- package.json: valid JSON, the name, this version, a Unity version, and samples that exist;
- Runtime/Webraft.asmdef: valid JSON naming the Webraft assembly, with every binding source;
- every file and folder outside Samples~ has a .meta with a GUID of its own, and no .meta is
  left without its asset (Unity ignores assets without one in an immutable package);
- Plugins/x86_64/libwebraft.so.meta: the plugin is enabled for the Linux x64 editor and player
  only, CPU x86_64.
Prints what is wrong and exits 1, or prints a summary.
"""

import json
import os
import re
import sys

package, version = sys.argv[1], sys.argv[2]
root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
errors = []


def expect(condition, message):
    if not condition:
        errors.append(message)


def read_json(path):
    with open(os.path.join(package, path), encoding="utf-8") as f:
        return json.load(f)


manifest = read_json("package.json")
expect(manifest.get("name") == "com.webraft.client", f"package.json name is {manifest.get('name')!r}")
expect(manifest.get("version") == version, f"package.json version {manifest.get('version')!r}, not {version}")
expect(re.fullmatch(r"\d{4}\.\d+", manifest.get("unity", "")), "package.json has no unity version (e.g. 2019.4)")
samples = manifest.get("samples", [])
expect(samples, "package.json lists no samples")
for sample in samples:
    expect(sample.get("path", "").startswith("Samples~/") and os.path.isdir(os.path.join(package, sample["path"])),
           f"sample path {sample.get('path')!r} is not a folder under Samples~")
expect(os.path.isfile(os.path.join(package, "Samples~/FrameLoop/FrameLoop.cs")), "Samples~/FrameLoop/FrameLoop.cs is missing")

asmdef = read_json("Runtime/Webraft.asmdef")
expect(asmdef.get("name") == "Webraft", f"the asmdef names {asmdef.get('name')!r}, not Webraft")
sources = sorted(f for f in os.listdir(os.path.join(root, "bindings/csharp/src")) if f.endswith(".cs"))
runtime = sorted(f for f in os.listdir(os.path.join(package, "Runtime")) if f.endswith(".cs"))
expect(runtime == sources, f"Runtime/ has {runtime}, the binding {sources}")

# Assets and their .meta files, outside Samples~ (which Unity does not import).
guids = {}
for folder, dirs, files in os.walk(package):
    dirs[:] = [d for d in dirs if not d.endswith("~")]
    rel = os.path.relpath(folder, package)
    for name in dirs + files:
        path = os.path.normpath(os.path.join(rel, name))
        if name.endswith(".meta"):
            expect(os.path.exists(os.path.join(package, path[: -len(".meta")])), f"{path} has no asset")
            continue
        meta = os.path.join(package, path + ".meta")
        if not os.path.isfile(meta):
            errors.append(f"{path} has no .meta")
            continue
        with open(meta, encoding="utf-8") as f:
            text = f.read()
        guid = re.search(r"^guid: ([0-9a-f]{32})$", text, re.M)
        expect(guid, f"{path}.meta has no GUID")
        if guid:
            expect(guid.group(1) not in guids, f"{path} and {guids.get(guid.group(1))} share a GUID")
            guids[guid.group(1)] = path
        expect(("folderAsset: yes" in text) == os.path.isdir(os.path.join(package, path)),
               f"{path}.meta: folderAsset does not match")

# The plugin's import settings: a list of "- first: {group: target}" / "second: {enabled, settings}".
with open(os.path.join(package, "Plugins/x86_64/libwebraft.so.meta"), encoding="utf-8") as f:
    plugin = f.read()
expect("PluginImporter:" in plugin, "libwebraft.so.meta is not a PluginImporter")
platforms = {}
for entry in plugin.split("  - first:\n")[1:]:
    target = re.match(r"\s+(\S*): ?(\S*)", entry).groups()
    enabled = re.search(r"enabled: (\d)", entry).group(1) == "1"
    settings = dict(re.findall(r"^        (\w[\w ]*): (\S+)$", entry, re.M))
    platforms[target] = (enabled, settings)
enabled = sorted(t for t, (on, _) in platforms.items() if on)
expect(enabled == [("Editor", "Editor"), ("Standalone", "Linux64")], f"the plugin is enabled for {enabled}")
editor = platforms.get(("Editor", "Editor"), (False, {}))[1]
expect(editor.get("OS") == "Linux" and editor.get("CPU") == "x86_64", f"editor settings {editor}")
player = platforms.get(("Standalone", "Linux64"), (False, {}))[1]
expect(player.get("CPU") == "x86_64", f"Linux64 player settings {player}")

if errors:
    print("\n".join(errors))
    sys.exit(1)
print(f"com.webraft.client {version}: {len(guids)} assets with .meta files, "
      f"{len(runtime)} sources, plugin for {', '.join(t[1] for t in enabled)}")
