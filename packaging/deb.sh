#!/usr/bin/env bash
# Splits a `make install` tree (PREFIX=/usr, the multiarch libdir, stripped) into Debian binary
# packages and builds them with dpkg-deb (`make deb` runs this):
#   libwebraft<ABI>   the shared library: named after its SONAME, so two ABIs install side by side
#   libwebraft-dev    headers, libwebraft.so, libwebraft.a, webraft.pc, the CMake package
#   webraft-tools     webraft-chat and webraft-mock
#
#   packaging/deb.sh STAGE OUT VERSION ABI MULTIARCH
#
# The packages are laid out under OUT/debian/<package>/ as debhelper would, so that
# dpkg-shlibdeps works out each one's library dependencies, libwebraft<ABI> included.
# DEB_MAINTAINER sets the Maintainer field; DEB_COMPRESS the compression (default xz; the
# tests use gzip, several times faster on the 50 MB static library).
set -euo pipefail
stage="$1" out="$2" version="$3" abi="$4" multiarch="$5"
arch="$(dpkg --print-architecture)"
maintainer="${DEB_MAINTAINER:-webraft maintainers <maintainers@webraft.invalid>}"
lib="libwebraft$abi"
libdir="usr/lib/$multiarch"
root="$(cd "$(dirname "$0")/.." && pwd)"
stage="$(cd "$stage" && pwd)"
mkdir -p "$out/debian"
cd "$out"

# take PACKAGE PATH...: moves these staged paths into the package's tree.
take() {
    local package="$1" path
    shift
    for path in "$@"; do
        mkdir -p "debian/$package/$(dirname "$path")"
        mv "$stage/$path" "debian/$package/$path"
    done
}
take "$lib" "$libdir/libwebraft.so.$abi" "$libdir/libwebraft.so.$abi.$version"
take libwebraft-dev "$libdir/libwebraft.so" "$libdir/libwebraft.a" "$libdir/pkgconfig" "$libdir/cmake" usr/include
take webraft-tools usr/bin
leftover="$(find "$stage" -type f -o -type l)"
[ -z "$leftover" ] || { echo "deb.sh: staged files in no package: $leftover" >&2; exit 1; }

# How other packages depend on the library (dpkg-shlibdeps reads it from here too), and an
# ldconfig run after it is installed or removed.
mkdir -p "debian/$lib/DEBIAN"
echo "libwebraft $abi $lib (>= $version)" >"debian/$lib/DEBIAN/shlibs"
echo "activate-noawait ldconfig" >"debian/$lib/DEBIAN/triggers"

# dpkg-shlibdeps wants a debian/control naming the packages.
printf 'Source: webraft\n\nPackage: %s\nArchitecture: any\n\nPackage: webraft-tools\nArchitecture: any\n' \
    "$lib" >debian/control
shlibs_of() { # the Depends that dpkg-shlibdeps finds for these ELF files
    dpkg-shlibdeps -O "$@" | sed -n 's/^shlibs:Depends=//p'
}
lib_depends="$(shlibs_of "debian/$lib/$libdir/libwebraft.so.$abi.$version")"
tools_depends="$(shlibs_of debian/webraft-tools/usr/bin/*)"

# control PACKAGE SECTION MULTIARCH DEPENDS SUMMARY DESCRIPTION
control() {
    local package="$1"
    mkdir -p "debian/$package/usr/share/doc/$package" "debian/$package/DEBIAN"
    # The licence texts (Debian keeps no copy of the MIT licence in common-licenses).
    {
        printf 'webraft %s\nLicense: MIT OR Apache-2.0\n\n' "$version"
        cat "$root/LICENSE-MIT"
        printf '\n----\n\n'
        cat "$root/LICENSE-APACHE"
    } >"debian/$package/usr/share/doc/$package/copyright"
    cat >"debian/$package/DEBIAN/control" <<EOF
Package: $package
Source: webraft
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $(du -sk --exclude=DEBIAN "debian/$package" | cut -f1)
Depends: $4
Section: $2
Priority: optional
Multi-Arch: $3
Homepage: https://api.webraft.in
Description: $5
 webraft is a native client for WebraftAI and OpenAI-compatible chat-completions
 APIs, with a stable C ABI and a header-only C++17 wrapper.
 .
 $6
EOF
    # dpkg --verify checks installed files against these.
    (cd "debian/$package" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | xargs -0 md5sum) \
        >"debian/$package/DEBIAN/md5sums"
    dpkg-deb --root-owner-group -Z"${DEB_COMPRESS:-xz}" --build "debian/$package" .
}
control "$lib" libs same "$lib_depends" "chat-completions client library (shared library)" \
    "This package holds the shared library, ABI $abi."
control libwebraft-dev libdevel same "$lib (= $version)" "chat-completions client library (development files)" \
    "Headers (webraft.h, webraft.hpp, the webraft-mock helpers), the static library, pkg-config and CMake files."
control webraft-tools devel foreign "$tools_depends" "chat-completions client library (tools)" \
    "webraft-chat, a command-line chat client, and webraft-mock, a mock server for tests."
ls -1 "$PWD"/*.deb
