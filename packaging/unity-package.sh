#!/usr/bin/env bash
# Writes com.webraft.client, a Unity Package Manager package (`make unity-package`):
#   package.json, README.md, LICENSE-MIT, LICENSE-APACHE
#   Runtime/         Webraft.asmdef and the C# binding's sources (bindings/csharp/src)
#   Plugins/x86_64/  libwebraft.so, imported for the Linux x64 editor and player
#   Samples~/        the frame-loop sample (examples/csharp/FrameLoop.cs), offered by the
#                    Package Manager window (Unity imports nothing under a folder ending in ~)
#
#   packaging/unity-package.sh LIBRARY VERSION OUT      (writes OUT/com.webraft.client)
#
# Unity ignores an asset without a .meta in a package installed from git or a registry, so every
# file and folder outside Samples~ gets one. Each GUID is the MD5 of the asset's path in the
# package: the same in every build, so a project's references to these assets survive upgrades.
set -euo pipefail
library="$1" version="$2" out="$3"
root="$(cd "$(dirname "$0")/.." && pwd)"
templates="$root/bindings/csharp/unity"
package="$out/com.webraft.client"

rm -rf "$package"
mkdir -p "$package/Runtime" "$package/Plugins/x86_64" "$package/Samples~/FrameLoop"
sed "s|@VERSION@|$version|" "$templates/package.json.in" >"$package/package.json"
cp "$root/bindings/csharp/README.md" "$package/README.md"
cp "$root/LICENSE-MIT" "$root/LICENSE-APACHE" "$package/"
cp "$templates/Webraft.asmdef" "$root"/bindings/csharp/src/*.cs "$package/Runtime/"
cp "$library" "$package/Plugins/x86_64/libwebraft.so"
cp "$root/examples/csharp/FrameLoop.cs" "$package/Samples~/FrameLoop/"

guid() { printf 'com.webraft.client/%s' "$1" | md5sum | cut -c1-32; }

# meta PATH (from the package folder): the .meta Unity would write for this asset, with its importer's defaults.
meta() {
    local path="$1" importer=DefaultImporter extra=""
    case "$path" in
        *.cs) importer=MonoImporter
              extra=$'  serializedVersion: 2\n  defaultReferences: []\n  executionOrder: 0\n  icon: {instanceID: 0}\n' ;;
        *.asmdef) importer=AssemblyDefinitionImporter ;;
        package.json) importer=PackageManifestImporter ;;
        *.md) importer=TextScriptImporter ;;
    esac
    printf 'fileFormatVersion: 2\nguid: %s\n' "$(guid "$path")"
    [ -d "$path" ] && echo "folderAsset: yes"
    printf '%s:\n  externalObjects: {}\n%s  userData: \n  assetBundleName: \n  assetBundleVariant: \n' "$importer" "$extra"
}

cd "$package"
find . -mindepth 1 -path './Samples~' -prune -o ! -name '*.meta' -printf '%P\n' | while read -r path; do
    if [ "$path" = Plugins/x86_64/libwebraft.so ]; then
        sed "s|@GUID@|$(guid "$path")|" "$templates/libwebraft.so.meta.in" >"$path.meta"
    else
        meta "$path" >"$path.meta"
    fi
done
echo "wrote $package"
