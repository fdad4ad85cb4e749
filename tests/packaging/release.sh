#!/usr/bin/env bash
# Release artifacts, each installed and used the way a user would, against the loopback test
# server (a file-exists check proves nothing about an install):
#   - make dist: the tarball unpacked into a temporary folder under another name; the CMake and
#     pkg-config consumers (C and C++, shared and static) built with nothing but
#     CMAKE_PREFIX_PATH or PKG_CONFIG_PATH and run without LD_LIBRARY_PATH; its webraft-chat and
#     webraft-mock run; its library passes the ABI guard;
#   - Go: a module outside the repository takes the binding through a replace directive and
#     `go get`, builds with -tags webraft_pkgconfig against the unpacked tarball and runs its test
#     (which starts the tarball's webraft-mock) with no LD_LIBRARY_PATH;
#   - make deb: the packages installed with dpkg -i, the consumers built with the system's
#     pkg-config and find_package and run, then dpkg -r and a check that every file is gone.
#     Needs root: skipped with a message otherwise (CI runs as root);
#   - CMake from source: the CMake consumer with add_subdirectory and with FetchContent (pointed
#     at this checkout with FETCHCONTENT_SOURCE_DIR_WEBRAFT: no network), and the project on its
#     own. CMake runs cargo; WEBRAFT_CARGO_TARGET_DIR reuses this checkout's build, where a fresh
#     one would compile every crate again;
#   - make unity-package: its layout, JSON and import settings; Runtime and the sample compiled
#     with mcs -langversion:7.2 against the Unity stub, and the sample run on Mono with the
#     package's own libwebraft.so;
#   - make nuget-layout: the zip holds what Webraft.csproj describes, and a program built against
#     its Webraft.dll runs with its native library.
# Installs what it needs with apt-get when missing (cmake, pkg-config, patchelf, dpkg-dev, zip,
# Mono); Go must be installed. Ends with `N passed, N failed`.
#
# Environment: WEBRAFT_PACKAGING_KEEP=1 keeps the work directory.
set -uo pipefail

cd "$(dirname "$0")/../.."
ROOT="$PWD"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/webraft-release.XXXXXX")"
# shellcheck source=tests/packaging/lib.sh
. tests/packaging/lib.sh
MCS=(mcs -langversion:7.2 -warnaserror -nologo)

echo "== tools"
need_packages patchelf:patchelf pkg-config:pkg-config cmake:cmake g++:g++ make:make dpkg-shlibdeps:dpkg-dev \
    zip:zip unzip:unzip mcs:mono-mcs mono:mono-runtime ||
    { echo "could not install the tools this suite needs"; exit 1; }
serve_until_exit || exit 1
echo "== test server at $WEBRAFT_TEST_URL; work directory $WORK"

# made TARGET: runs `make TARGET` (its output in a log, shown when it fails) as one check.
made() {
    check "make $1" nice -n 10 make "$@"
}

# expect_output WANT COMMAND...: the command succeeds and prints exactly WANT.
expect_output() {
    local want="$1" out
    shift
    out="$("$@")" || return 1
    echo "$out"
    [ "$out" = "$want" ] || { printf 'expected:\n%s\n' "$want"; return 1; }
}

# ---- make dist --------------------------------------------------------------------

DIST_NAME="webraft-$VERSION-linux-$(uname -m)"
DIST="$WORK/elsewhere/webraft"  # unpacked, then renamed: nothing may depend on where it was built
echo "== make dist"
made dist
unpack_dist() {
    mkdir -p "$WORK/elsewhere" && tar -C "$WORK/elsewhere" -xzf "build/$DIST_NAME.tar.gz" &&
        mv "$WORK/elsewhere/$DIST_NAME" "$DIST"
}
check "the tarball unpacks to $DIST_NAME/" unpack_dist

dist_layout() {
    local want
    want="LICENSE-APACHE LICENSE-MIT README-cpp.md README-webraft-mock.md README.md bin/webraft-chat bin/webraft-mock
include/webraft.h include/webraft.hpp include/webraft_mock.h include/webraft_mock.hpp
lib/cmake/webraft/webraft-config-version.cmake lib/cmake/webraft/webraft-config.cmake lib/libwebraft.a
lib/libwebraft.so lib/libwebraft.so.$ABI lib/libwebraft.so.$ABI.$VERSION lib/pkgconfig/webraft.pc"
    diff <(tr ' ' '\n' <<<"$want" | sort) <(cd "$DIST" && find . ! -type d -printf '%P\n' | sort) &&
        [ "$(readlink "$DIST/lib/libwebraft.so")" = "libwebraft.so.$ABI" ] &&
        [ "$(readlink "$DIST/lib/libwebraft.so.$ABI")" = "libwebraft.so.$ABI.$VERSION" ] &&
        readelf -d "$DIST/lib/libwebraft.so.$ABI.$VERSION" | grep -F "Library soname: [libwebraft.so.$ABI]"
}
check "tarball: the files, the SONAME links, SONAME libwebraft.so.$ABI" dist_layout
check "tarball: its library exports exactly abi/webraft.symbols" scripts/check-abi.sh "$DIST/lib/libwebraft.so.$ABI.$VERSION"
check "tarball: webraft.pc locates the tree from its own folder" \
    expect_output "$DIST/lib/pkgconfig/../../bin/webraft-mock" env PKG_CONFIG_PATH="$DIST/lib/pkgconfig" \
    pkg-config --variable=webraft_mock webraft

check_cmake_consumer dist "libwebraft.so.$ABI" -DCMAKE_PREFIX_PATH="$DIST"
check "tarball: the CMake package names its webraft-mock" \
    grep -x -- "-- webraft-mock: $DIST/bin/webraft-mock" "$WORK/dist/cmake_consumer/configure.log"
export PKG_CONFIG_PATH="$DIST/lib/pkgconfig"
check_pkgconfig_consumer dist
unset PKG_CONFIG_PATH

check "tarball: webraft-chat runs (RUNPATH \$ORIGIN/../lib)" expect_output "Hello! You said: from the tarball" \
    run_plain "$DIST/bin/webraft-chat" --base-url "$WEBRAFT_TEST_URL/v1" --api-key test-key from the tarball
check "tarball: webraft-mock serves the test server's scenarios" \
    diff <("$DIST/bin/webraft-mock" --list-scenarios) <(target/release/webraft-test-server --list-scenarios)

# ---- Go, against the unpacked tarball ---------------------------------------------

go_consumer() (  # a subshell: it changes folder and sets Go's environment
    mkdir -p "$WORK/go-consumer" && cd "$WORK/go-consumer" || return 1
    cat >consumer_test.go <<EOF
package consumer

import (
	"context"
	"testing"

	webraft "github.com/webraft/webraft/bindings/go"
	"github.com/webraft/webraft/bindings/go/webrafttest"
)

func TestChatThroughTheInstalledLibrary(t *testing.T) {
	if v := webraft.Version(); v != "$VERSION" {
		t.Fatalf("library version %q", v)
	}
	mock := webrafttest.Start(t)
	client, err := webraft.NewClient(webraft.Config{BaseURL: mock.BaseURL("/v1"), APIKey: webrafttest.APIKey})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	reply, err := client.Chat(context.Background(), webraft.ChatRequest{
		Model: "gpt-4o", Messages: []webraft.Message{webraft.UserMessage("from go")}})
	if err != nil {
		t.Fatal(err)
	}
	if reply.Text() != "Hello! You said: from go" {
		t.Errorf("reply %q", reply.Text())
	}
}
EOF
    # Offline: the binding comes from this checkout through the replace directive.
    export GOPROXY=off GOFLAGS=-mod=mod CGO_ENABLED=1
    go mod init example.com/webraft-consumer &&
        go mod edit -go=1.24 -replace github.com/webraft/webraft/bindings/go="$ROOT/bindings/go" &&
        go get github.com/webraft/webraft/bindings/go &&
        PKG_CONFIG_PATH="$DIST/lib/pkgconfig" go test -c -tags webraft_pkgconfig -o consumer.test . || return 1
    # The rpath comes from webraft.pc; webraft-mock from the tarball's bin/ on PATH.
    readelf -d consumer.test | grep -F "$DIST/lib/pkgconfig/../../lib" &&
        PATH="$DIST/bin:$PATH" run_plain ./consumer.test -test.v -test.count=1
)
if command -v go >/dev/null; then
    check "Go: a module outside the repository, -tags webraft_pkgconfig against the tarball, runs its test" \
        go_consumer
else
    check "Go: go is not installed (Go 1.24 or newer is needed)" false
fi

# ---- make deb ---------------------------------------------------------------------

DEB_PACKAGES=("libwebraft$ABI" libwebraft-dev webraft-tools)
# dpkg ARGS...: dpkg, waiting while another process (say an apt-get on this machine) holds its lock.
dpkg_waiting() {
    local attempt out
    for attempt in $(seq 1 60); do
        out="$(dpkg "$@" 2>&1)" && { echo "$out"; return 0; }
        grep -q 'lock' <<<"$out" || { echo "$out"; return 1; }
        sleep 5
    done
    echo "$out"
    return 1
}
deb_files() { # the files and links the packages install
    local deb
    for deb in build/deb/*.deb; do dpkg-deb -c "$deb"; done | awk '$1 !~ /^d/ {print substr($6, 2)}'
}
deb_metadata() {
    local package
    for package in "${DEB_PACKAGES[@]}"; do
        dpkg-deb -f "build/deb/${package}_${VERSION}_$(dpkg --print-architecture).deb" Package Version Depends || return 1
    done
    dpkg-deb -f "build/deb/libwebraft-dev_${VERSION}_$(dpkg --print-architecture).deb" Depends |
        grep -x "libwebraft$ABI (= $VERSION)"
}
deb_installed() {
    dpkg --verify "${DEB_PACKAGES[@]}" &&
        ldconfig -p | grep -F "libwebraft.so.$ABI " &&
        expect_output "$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null | sed 's|^|/usr/lib/|')" \
            env -u PKG_CONFIG_PATH pkg-config --variable=libdir webraft &&
        grep -x "#define WEBRAFT_MOCK_PROGRAM \"/usr/bin/webraft-mock\"" /usr/include/webraft_mock.h &&
        expect_output "Hello! You said: from the package" \
            run_plain webraft-chat --base-url "$WEBRAFT_TEST_URL/v1" --api-key test-key from the package
}
deb_removed() {
    local left
    dpkg_waiting -r "${DEB_PACKAGES[@]}" || return 1
    left="$(deb_files | while read -r f; do [ -e "/$f" ] || [ -L "/$f" ] && echo "/$f"; done)"
    [ -z "$left" ] || { echo "left behind: $left"; return 1; }
    ! dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${DEB_PACKAGES[@]}" 2>/dev/null | grep -v ' not-installed$'
}

echo "== make deb"
check "make deb (gzip: quicker than xz here)" env DEB_COMPRESS=gzip nice -n 10 make deb
check "deb: ${DEB_PACKAGES[*]}, with their dependencies" deb_metadata
if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP deb: dpkg -i needs root (CI runs as root); run this suite as root to install the packages"
else
    dpkg-query -W -f='${db:Status-Status}' libwebraft-dev 2>/dev/null | grep -q '^installed' &&
        echo "note: webraft packages were installed already; they are replaced now and removed at the end"
    check "deb: dpkg -i installs the three packages" dpkg_waiting -i build/deb/*.deb
    check "deb: installed files verify, ldconfig knows the library, pkg-config and webraft-chat work" deb_installed
    unset PKG_CONFIG_PATH
    check_cmake_consumer deb "libwebraft.so.$ABI"
    check_pkgconfig_consumer deb
    check "deb: dpkg -r removes every file" deb_removed
fi

# ---- CMake from source ------------------------------------------------------------

echo "== CMake from source (CMake runs cargo)"
check_cmake_consumer add_subdirectory libwebraft.so -DWEBRAFT_FROM=subdirectory -DWEBRAFT_SOURCE="$ROOT" \
    -DWEBRAFT_CARGO_TARGET_DIR="$ROOT/target"
check_cmake_consumer FetchContent libwebraft.so -DWEBRAFT_FROM=fetch -DFETCHCONTENT_SOURCE_DIR_WEBRAFT="$ROOT" \
    -DWEBRAFT_CARGO_TARGET_DIR="$ROOT/target"
# On its own, the project builds the library (through cargo) as its default target.
standalone_cmake() {
    cmake -S "$ROOT" -B "$WORK/standalone" -DWEBRAFT_CARGO_TARGET_DIR="$ROOT/target" &&
        nice -n 10 cmake --build "$WORK/standalone" | tee "$WORK/standalone.log" &&
        grep -F 'cargo build --release --package webraft --lib' "$WORK/standalone.log"
}
check "cmake -S <checkout>: the default target runs cargo" standalone_cmake

# ---- make unity-package -----------------------------------------------------------

UNITY="build/unity/com.webraft.client"
UNITY_OUT="$WORK/unity"
echo "== make unity-package"
made unity-package
check "Unity: layout, package.json, asmdef, .meta files, plugin import settings" \
    python3 tests/packaging/check_unity_package.py "$UNITY" "$VERSION"
check "Unity: the plugin exports exactly abi/webraft.symbols" scripts/check-abi.sh "$UNITY/Plugins/x86_64/libwebraft.so"
# As Unity builds a Linux player: its defines, its AOT attribute (the stub), the asmdef's sources.
unity_compile() {
    mkdir -p "$UNITY_OUT" &&
        "${MCS[@]}" -target:library -out:"$UNITY_OUT/UnityEngine.dll" bindings/csharp/tests/unity/*.cs &&
        "${MCS[@]}" -target:library -define:UNITY_5_3_OR_NEWER -define:UNITY_STANDALONE_LINUX \
            -r:"$UNITY_OUT/UnityEngine.dll" -out:"$UNITY_OUT/Webraft.dll" "$UNITY"/Runtime/*.cs &&
        "${MCS[@]}" -r:"$UNITY_OUT/Webraft.dll" -out:"$UNITY_OUT/FrameLoop.exe" "$UNITY"/Samples~/FrameLoop/*.cs
}
check "Unity: Runtime and the FrameLoop sample compile (mcs -langversion:7.2, Unity defines, stub)" unity_compile
# The sample on Mono, loading the package's plugin through a dllmap. Exit 3 (a frame over its
# budget on a busy machine) still shows the library works; bindings/csharp/run-tests.sh holds
# the budget.
unity_sample_runs() {
    local status=0
    printf '<configuration><dllmap dll="webraft" target="%s"/></configuration>\n' \
        "$ROOT/$UNITY/Plugins/x86_64/libwebraft.so" >"$UNITY_OUT/Webraft.dll.config"
    WEBRAFT_BASE_URL="$WEBRAFT_TEST_URL/v2" WEBRAFT_API_KEY=test-key WEBRAFT_MODEL=slow \
        run_plain timeout 60 mono "$UNITY_OUT/FrameLoop.exe" >"$UNITY_OUT/FrameLoop.out" || status=$?
    cat "$UNITY_OUT/FrameLoop.out"
    { [ "$status" -eq 0 ] || [ "$status" -eq 3 ]; } &&
        [ "$(cat "$UNITY_OUT/FrameLoop.out")" = "$(printf 'Hello! You said: Hello there!\nHello! You said: What is on the menu?')" ]
}
check "Unity: the sample streams two turns with the package's libwebraft.so" unity_sample_runs

# ---- make nuget-layout ------------------------------------------------------------

NUGET="$WORK/nuget"
echo "== make nuget-layout"
made nuget-layout
# The paths dotnet pack would use, read from the csproj: lib/<TargetFramework>/<AssemblyName>.dll
# and .xml (GenerateDocumentationFile), and its runtimes/ item under runtimes/<rid>/native/.
csproj_value() { sed -n "s|.*<$1>\(.*\)</$1>.*|\1|p" bindings/csharp/Webraft.csproj; }
nuget_matches_csproj() {
    local tf name want
    tf="$(csproj_value TargetFramework)" name="$(csproj_value AssemblyName)"
    [ "$(csproj_value Version)" = "$VERSION" ] || { echo "the csproj's Version is not $VERSION"; return 1; }
    [ "$(csproj_value GenerateDocumentationFile)" = true ] || return 1
    grep -F 'PackagePath="runtimes/%(RecursiveDir)"' bindings/csharp/Webraft.csproj || return 1
    want="lib/$tf/$name.dll
lib/$tf/$name.xml
runtimes/linux-x64/native/libwebraft.so"
    diff <(echo "$want") <(unzip -Z1 "build/nuget/Webraft.$VERSION.layout.zip" | sort) &&
        mkdir -p "$NUGET" && unzip -q -d "$NUGET" "build/nuget/Webraft.$VERSION.layout.zip"
}
check "NuGet: the zip holds exactly the csproj's lib/netstandard2.0 and runtimes/linux-x64/native paths" nuget_matches_csproj
# A program built against the packaged Webraft.dll, finding the packaged native library as .NET
# does for runtimes/<rid>/native (here through the loader's path).
nuget_runs() {
    local lib="$NUGET/lib/netstandard2.0"
    "${MCS[@]}" -r:"$lib/Webraft.dll" -out:"$lib/ListModels.exe" examples/csharp/ListModels.cs &&
        expect_output "$(printf 'gpt-4o\ngpt-4o-mini\ngpt-3.5-turbo\ntext-embedding-3-small')" \
            env LD_LIBRARY_PATH="$NUGET/runtimes/linux-x64/native" WEBRAFT_BASE_URL="$WEBRAFT_TEST_URL/v1" \
            WEBRAFT_API_KEY=test-key timeout 60 mono "$lib/ListModels.exe"
}
check "NuGet: a program on the packaged Webraft.dll lists the models with the packaged libwebraft.so" nuget_runs

summary
