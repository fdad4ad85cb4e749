#!/usr/bin/env bash
# Lays out and zips the tree that `dotnet pack bindings/csharp/Webraft.csproj` puts in the NuGet
# package (`make nuget-layout`), built with Mono's mcs since no .NET SDK runs here:
#   lib/netstandard2.0/Webraft.dll, Webraft.xml   the binding (TargetFramework, AssemblyName,
#                                                 GenerateDocumentationFile)
#   runtimes/linux-x64/native/libwebraft.so       the native library (the csproj's runtimes/ item)
# tests/packaging/release.sh checks these paths against the csproj, so the two cannot drift apart.
#
#   packaging/nuget-layout.sh LIBRARY VERSION OUT   (writes OUT/tree and OUT/Webraft.VERSION.layout.zip)
set -euo pipefail
library="$1" version="$2" out="$3"
root="$(cd "$(dirname "$0")/.." && pwd)"
tree="$out/tree"
zip="$(realpath -m "$out/Webraft.$version.layout.zip")"

rm -rf "$out"
mkdir -p "$tree/lib/netstandard2.0" "$tree/runtimes/linux-x64/native"
# The flags of bindings/csharp/run-tests.sh: the csproj's LangVersion and TreatWarningsAsErrors.
mcs -langversion:7.2 -warnaserror -nologo -target:library -out:"$tree/lib/netstandard2.0/Webraft.dll" \
    -doc:"$tree/lib/netstandard2.0/Webraft.xml" "$root"/bindings/csharp/src/*.cs
cp "$library" "$tree/runtimes/linux-x64/native/libwebraft.so"
(cd "$tree" && find . -type f | sort | zip -q -X "$zip" -@)
echo "wrote $zip"
