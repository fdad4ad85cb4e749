# Install and release rules, included from the Makefile:
#
#   make install [PREFIX=/usr/local] [DESTDIR=/staging] [INSTALL_LIBDIR=...] [INSTALL_INCLUDEDIR=...]
#                [INSTALL_BINDIR=...] [RPATH=no] [RELOCATABLE=1]
#   make uninstall (same variables)
#   make dist            build/webraft-<version>-linux-<arch>.tar.gz: an install tree that works
#                        wherever it is unpacked
#   make deb             build/deb/: libwebraft<ABI>, libwebraft-dev and webraft-tools (.deb)
#   make unity-package   build/unity/com.webraft.client/: a Unity Package Manager package
#   make nuget-layout    build/nuget/: the NuGet package tree of bindings/csharp/Webraft.csproj, zipped
#   make abi-check       the library exports exactly abi/webraft.symbols (make abi-update rewrites it)
#
# make install installs under INSTALL_LIBDIR (default PREFIX/lib):
#   libwebraft.so.<abi>.<version>   the shared library, SONAME libwebraft.so.<abi>
#   libwebraft.so.<abi>, libwebraft.so   symlinks to it
#   libwebraft.a                    the static library
#   pkgconfig/webraft.pc            pkg-config (Libs.private: what libwebraft.a needs)
#   cmake/webraft/                  find_package(webraft): webraft::webraft, webraft::webraft_static
# webraft.h, webraft.hpp and the test helpers webraft_mock.h, webraft_mock.hpp under
# INSTALL_INCLUDEDIR (default PREFIX/include), and under INSTALL_BINDIR (default PREFIX/bin)
# webraft-chat and webraft-mock, the mock server for users' tests. The installed webraft_mock.h
# names the installed webraft-mock, so a C or C++ test finds it without PATH.
#
# Finding the library at run time: by default webraft.pc's Libs carry -Wl,-rpath,${libdir} and
# webraft-chat a RUNPATH relative to itself ($ORIGIN), so nothing needs LD_LIBRARY_PATH. RPATH=no
# leaves both out, for a libdir the loader searches anyway (the .deb's).
# The CMake package files locate the tree from their own folder, so a copied or unpacked install
# works. RELOCATABLE=1 (make dist) makes webraft.pc do the same (prefix=${pcfiledir}/../..) and
# leaves webraft_mock.h naming webraft-mock on PATH, since the tree may move.
#
# The SONAME carries the ABI major version (WEBRAFT_ABI_VERSION). cargo links the
# cdylib without one, so the installed copy gets it from patchelf; this leaves
# target/release untouched and costs no rebuild.

INSTALL ?= install
PATCHELF ?= patchelf
RUSTC ?= rustc
INSTALL_LIBDIR ?= $(PREFIX)/lib
INSTALL_INCLUDEDIR ?= $(PREFIX)/include
INSTALL_BINDIR ?= $(PREFIX)/bin
RPATH ?= yes
RELOCATABLE ?=

WEBRAFT_ABI := $(shell sed -n 's/^.define WEBRAFT_ABI_VERSION \([0-9][0-9]*\).*/\1/p' include/webraft.h)
WEBRAFT_RELEASE := $(shell sed -n 's/^.define WEBRAFT_VERSION "\([^"]*\)".*/\1/p' include/webraft.h)
WEBRAFT_SONAME := libwebraft.so.$(WEBRAFT_ABI)
WEBRAFT_REALNAME := $(WEBRAFT_SONAME).$(WEBRAFT_RELEASE)
PACKAGE_STAGE = $(BUILD)/package
PACKAGE_TEMPLATES := bindings/cpp
CMAKE_PACKAGE_DIR = $(INSTALL_LIBDIR)/cmake/webraft
comma := ,
space := $(subst ,, )

# $(call relpath,FROM,TO): TO relative to FROM, both install paths that need not exist yet
# (-s: a symlinked /lib on this machine says nothing about the target's).
relpath = $(shell realpath -s -m --relative-to='$(1)' '$(2)')

ifeq ($(RELOCATABLE),1)
PC_PREFIX = $${pcfiledir}/$(call relpath,$(INSTALL_LIBDIR)/pkgconfig,$(PREFIX))
pc_dir = $${prefix}/$(call relpath,$(PREFIX),$(1))
MOCK_PROGRAM = webraft-mock
else
PC_PREFIX = $(PREFIX)
pc_dir = $(1)
MOCK_PROGRAM = $(INSTALL_BINDIR)/webraft-mock
endif
ifeq ($(RPATH),yes)
PC_RPATH = $(space)-Wl,-rpath,$${libdir}
CHAT_RPATH = '-Wl,-rpath,$$ORIGIN/$(call relpath,$(INSTALL_BINDIR),$(INSTALL_LIBDIR))'
endif

# Substitutes the install paths and versions into a template: $(call fill_template,in,out)
fill_template = sed -e 's|@PC_PREFIX@|$(PC_PREFIX)|g' -e 's|@PC_LIBDIR@|$(call pc_dir,$(INSTALL_LIBDIR))|g' \
	-e 's|@PC_INCLUDEDIR@|$(call pc_dir,$(INSTALL_INCLUDEDIR))|g' -e 's|@PC_BINDIR@|$(call pc_dir,$(INSTALL_BINDIR))|g' \
	-e 's|@PC_RPATH@|$(PC_RPATH)|g' \
	-e 's|@CMAKE_LIBDIR@|$(call relpath,$(CMAKE_PACKAGE_DIR),$(INSTALL_LIBDIR))|g' \
	-e 's|@CMAKE_INCLUDEDIR@|$(call relpath,$(CMAKE_PACKAGE_DIR),$(INSTALL_INCLUDEDIR))|g' \
	-e 's|@CMAKE_BINDIR@|$(call relpath,$(CMAKE_PACKAGE_DIR),$(INSTALL_BINDIR))|g' -e 's|@VERSION@|$(WEBRAFT_RELEASE)|g' \
	-e 's|@VERSION_MAJOR@|$(firstword $(subst ., ,$(WEBRAFT_RELEASE)))|g' \
	-e 's|@SONAME@|$(WEBRAFT_SONAME)|g' -e 's|@REALNAME@|$(WEBRAFT_REALNAME)|g' \
	-e "s|@LIBS_PRIVATE@|$$native_libs|g" -e "s|@STATIC_LINK_LIBS@|$$cmake_libs|g" \
	-e "s|@SIZEOF_VOID_P@|$$pointer_bytes|g" $(1) > $(2)

.PHONY: install uninstall

install: lib
	@command -v $(PATCHELF) >/dev/null 2>&1 || { \
		echo "make install: patchelf is needed to set the SONAME (apt-get install patchelf)" >&2; exit 1; }
	@test -n "$(WEBRAFT_ABI)" && test -n "$(WEBRAFT_RELEASE)" || { \
		echo "make install: cannot read the versions from include/webraft.h" >&2; exit 1; }
	mkdir -p $(PACKAGE_STAGE)
	cp target/release/libwebraft.so $(PACKAGE_STAGE)/$(WEBRAFT_REALNAME)
	$(PATCHELF) --set-soname $(WEBRAFT_SONAME) $(PACKAGE_STAGE)/$(WEBRAFT_REALNAME)
	@# libwebraft.a needs the Rust standard library's system libraries. An empty
	@# staticlib built by the same rustc names them in a fraction of a second,
	@# where asking cargo would rebuild the crate; tests/packaging/run.sh links a
	@# static consumer, which fails if a dependency ever needs more.
	: > $(PACKAGE_STAGE)/probe.rs
	$(RUSTC) --crate-type staticlib --crate-name native_libs_probe --print native-static-libs \
		-o $(PACKAGE_STAGE)/probe.a $(PACKAGE_STAGE)/probe.rs 2> $(PACKAGE_STAGE)/probe.log
	rm -f $(PACKAGE_STAGE)/probe.a
	@echo "writing webraft.pc and the CMake package files to $(PACKAGE_STAGE)"
	@native_libs="$$(sed -n 's/^note: native-static-libs: //p' $(PACKAGE_STAGE)/probe.log)"; \
	test -n "$$native_libs" || { echo "make install: rustc did not print native-static-libs" >&2; exit 1; }; \
	cmake_libs="$$(printf '%s\n' $$native_libs | sed 's/^-l//' | paste -sd';')"; \
	pointer_bytes=$$(( $$(getconf LONG_BIT) / 8 )); \
	$(call fill_template,$(PACKAGE_TEMPLATES)/webraft.pc.in,$(PACKAGE_STAGE)/webraft.pc) && \
	$(call fill_template,$(PACKAGE_TEMPLATES)/webraft-config.cmake.in,$(PACKAGE_STAGE)/webraft-config.cmake) && \
	$(call fill_template,$(PACKAGE_TEMPLATES)/webraft-config-version.cmake.in,$(PACKAGE_STAGE)/webraft-config-version.cmake)
	@# The helper's default program becomes the installed webraft-mock (see webraft_mock.h).
	sed 's|"webraft-mock" /\* webraft-mock-installed-path \*/|"$(MOCK_PROGRAM)"|' \
		include/webraft_mock.h > $(PACKAGE_STAGE)/webraft_mock.h
	grep -q '"$(MOCK_PROGRAM)"' $(PACKAGE_STAGE)/webraft_mock.h
	@# webraft-chat as installed: linked to the SONAME (build/webraft-chat names target/release).
	ln -sf $(WEBRAFT_REALNAME) $(PACKAGE_STAGE)/libwebraft.so
	$(CC) $(CFLAGS_COMMON) -O2 -o $(PACKAGE_STAGE)/webraft-chat examples/c/webraft-chat.c \
		-L$(PACKAGE_STAGE) -lwebraft $(CHAT_RPATH)
	$(INSTALL) -d '$(DESTDIR)$(INSTALL_LIBDIR)/pkgconfig' '$(DESTDIR)$(INSTALL_LIBDIR)/cmake/webraft' \
		'$(DESTDIR)$(INSTALL_INCLUDEDIR)' '$(DESTDIR)$(INSTALL_BINDIR)'
	$(INSTALL) -m 755 target/release/webraft-mock $(PACKAGE_STAGE)/webraft-chat '$(DESTDIR)$(INSTALL_BINDIR)/'
	$(INSTALL) -m 755 $(PACKAGE_STAGE)/$(WEBRAFT_REALNAME) '$(DESTDIR)$(INSTALL_LIBDIR)/'
	ln -sf $(WEBRAFT_REALNAME) '$(DESTDIR)$(INSTALL_LIBDIR)/$(WEBRAFT_SONAME)'
	ln -sf $(WEBRAFT_SONAME) '$(DESTDIR)$(INSTALL_LIBDIR)/libwebraft.so'
	$(INSTALL) -m 644 target/release/libwebraft.a '$(DESTDIR)$(INSTALL_LIBDIR)/'
	$(INSTALL) -m 644 include/webraft.h bindings/cpp/webraft.hpp bindings/cpp/webraft_mock.hpp \
		$(PACKAGE_STAGE)/webraft_mock.h '$(DESTDIR)$(INSTALL_INCLUDEDIR)/'
	$(INSTALL) -m 644 $(PACKAGE_STAGE)/webraft.pc '$(DESTDIR)$(INSTALL_LIBDIR)/pkgconfig/'
	$(INSTALL) -m 644 $(PACKAGE_STAGE)/webraft-config.cmake $(PACKAGE_STAGE)/webraft-config-version.cmake \
		'$(DESTDIR)$(INSTALL_LIBDIR)/cmake/webraft/'

uninstall:
	rm -f '$(DESTDIR)$(INSTALL_LIBDIR)/$(WEBRAFT_REALNAME)' '$(DESTDIR)$(INSTALL_LIBDIR)/$(WEBRAFT_SONAME)' \
		'$(DESTDIR)$(INSTALL_LIBDIR)/libwebraft.so' '$(DESTDIR)$(INSTALL_LIBDIR)/libwebraft.a' \
		'$(DESTDIR)$(INSTALL_INCLUDEDIR)/webraft.h' '$(DESTDIR)$(INSTALL_INCLUDEDIR)/webraft.hpp' \
		'$(DESTDIR)$(INSTALL_INCLUDEDIR)/webraft_mock.h' '$(DESTDIR)$(INSTALL_INCLUDEDIR)/webraft_mock.hpp' \
		'$(DESTDIR)$(INSTALL_BINDIR)/webraft-mock' '$(DESTDIR)$(INSTALL_BINDIR)/webraft-chat' \
		'$(DESTDIR)$(INSTALL_LIBDIR)/pkgconfig/webraft.pc' \
		'$(DESTDIR)$(INSTALL_LIBDIR)/cmake/webraft/webraft-config.cmake' \
		'$(DESTDIR)$(INSTALL_LIBDIR)/cmake/webraft/webraft-config-version.cmake'
	rmdir '$(DESTDIR)$(INSTALL_LIBDIR)/cmake/webraft' 2>/dev/null || true

# ---- release artifacts ---------------------------------------------------------

DIST_NAME = webraft-$(WEBRAFT_RELEASE)-linux-$(shell uname -m)
DIST_TREE = $(BUILD)/dist/$(DIST_NAME)
DEB_MULTIARCH = $(shell dpkg-architecture -qDEB_HOST_MULTIARCH)
DEB_STAGE = $(BUILD)/deb/stage

# What a release ships is stripped, as Debian's dh_strip does: symbol tables and debug info of
# the programs and the shared library (their dynamic exports stay), debug info of the archive.
# $(call strip_tree,DIR)
strip_tree = find $(1) -type f \( -name 'libwebraft.so.*' -o -path '*/bin/*' \) -exec strip --strip-unneeded {} + && \
	find $(1) -type f -name libwebraft.a -exec strip --strip-debug --enable-deterministic-archives {} +

.PHONY: dist deb unity-package nuget-layout

# The tree is installed at /$(DIST_NAME) under DESTDIR and made relocatable, so it works
# wherever it is unpacked; tests/packaging/release.sh builds consumers against a moved copy.
dist: lib
	rm -rf $(BUILD)/dist
	$(MAKE) install PREFIX=/$(DIST_NAME) DESTDIR=$(abspath $(BUILD)/dist) RELOCATABLE=1
	$(call strip_tree,$(DIST_TREE))
	$(INSTALL) -m 644 README.md LICENSE-MIT LICENSE-APACHE $(DIST_TREE)/
	$(INSTALL) -m 644 bindings/cpp/README.md $(DIST_TREE)/README-cpp.md
	$(INSTALL) -m 644 tests/server/README.md $(DIST_TREE)/README-webraft-mock.md
	tar -C $(BUILD)/dist --sort=name --owner=0 --group=0 --numeric-owner -czf $(BUILD)/$(DIST_NAME).tar.gz $(DIST_NAME)
	@echo "wrote $(BUILD)/$(DIST_NAME).tar.gz"

# The system layout (/usr, the multiarch libdir, no rpath), split into packages by packaging/deb.sh.
deb: lib
	@command -v dpkg-shlibdeps >/dev/null 2>&1 || { \
		echo "make deb: dpkg-shlibdeps is needed (apt-get install dpkg-dev)" >&2; exit 1; }
	rm -rf $(BUILD)/deb
	$(MAKE) install PREFIX=/usr INSTALL_LIBDIR=/usr/lib/$(DEB_MULTIARCH) DESTDIR=$(abspath $(DEB_STAGE)) RPATH=no
	$(call strip_tree,$(DEB_STAGE))
	packaging/deb.sh $(DEB_STAGE) $(BUILD)/deb $(WEBRAFT_RELEASE) $(WEBRAFT_ABI) $(DEB_MULTIARCH)

# Unity and NuGet bundle the shared library under its plain name, with the SONAME an install gives it.
BUNDLED_LIB = $(BUILD)/bundle/libwebraft.so
$(BUNDLED_LIB): lib
	mkdir -p $(@D)
	strip --strip-unneeded -o $@ target/release/libwebraft.so
	$(PATCHELF) --set-soname $(WEBRAFT_SONAME) $@

unity-package: $(BUNDLED_LIB)
	packaging/unity-package.sh $(BUNDLED_LIB) $(WEBRAFT_RELEASE) $(BUILD)/unity

nuget-layout: $(BUNDLED_LIB)
	packaging/nuget-layout.sh $(BUNDLED_LIB) $(WEBRAFT_RELEASE) $(BUILD)/nuget

# ABI guard (scripts/check-abi.sh): the library exports exactly abi/webraft.symbols.
.PHONY: abi-check abi-update
abi-check: lib
	scripts/check-abi.sh
abi-update: lib
	scripts/check-abi.sh --update
