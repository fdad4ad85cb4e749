# Install rules, included from the Makefile:
#
#   make install [PREFIX=/usr/local] [DESTDIR=/staging] [INSTALL_LIBDIR=...] [INSTALL_INCLUDEDIR=...]
#   make uninstall (same variables)
#
# installs under INSTALL_LIBDIR (default PREFIX/lib):
#   libwebraft.so.<abi>.<version>   the shared library, SONAME libwebraft.so.<abi>
#   libwebraft.so.<abi>, libwebraft.so   symlinks to it
#   libwebraft.a                    the static library
#   pkgconfig/webraft.pc            pkg-config (Libs.private: what libwebraft.a needs)
#   cmake/webraft/                  find_package(webraft): webraft::webraft, webraft::webraft_static
# webraft.h, webraft.hpp and the test helpers webraft_mock.h, webraft_mock.hpp under
# INSTALL_INCLUDEDIR (default PREFIX/include), and webraft-mock, the mock server for users'
# tests, under INSTALL_BINDIR (default PREFIX/bin). The installed webraft_mock.h names the
# installed webraft-mock, so a C or C++ test finds it without PATH.
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

WEBRAFT_ABI := $(shell sed -n 's/^.define WEBRAFT_ABI_VERSION \([0-9][0-9]*\).*/\1/p' include/webraft.h)
WEBRAFT_RELEASE := $(shell sed -n 's/^.define WEBRAFT_VERSION "\([^"]*\)".*/\1/p' include/webraft.h)
WEBRAFT_SONAME := libwebraft.so.$(WEBRAFT_ABI)
WEBRAFT_REALNAME := $(WEBRAFT_SONAME).$(WEBRAFT_RELEASE)
PACKAGE_STAGE = $(BUILD)/package
PACKAGE_TEMPLATES := bindings/cpp

# Substitutes the install paths and versions into a template: $(call fill_template,in,out)
fill_template = sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(INSTALL_LIBDIR)|g' \
	-e 's|@INCLUDEDIR@|$(INSTALL_INCLUDEDIR)|g' -e 's|@BINDIR@|$(INSTALL_BINDIR)|g' -e 's|@VERSION@|$(WEBRAFT_RELEASE)|g' \
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
	sed 's|"webraft-mock" /\* webraft-mock-installed-path \*/|"$(INSTALL_BINDIR)/webraft-mock"|' \
		include/webraft_mock.h > $(PACKAGE_STAGE)/webraft_mock.h
	grep -q '"$(INSTALL_BINDIR)/webraft-mock"' $(PACKAGE_STAGE)/webraft_mock.h
	$(INSTALL) -d '$(DESTDIR)$(INSTALL_LIBDIR)/pkgconfig' '$(DESTDIR)$(INSTALL_LIBDIR)/cmake/webraft' \
		'$(DESTDIR)$(INSTALL_INCLUDEDIR)' '$(DESTDIR)$(INSTALL_BINDIR)'
	$(INSTALL) -m 755 target/release/webraft-mock '$(DESTDIR)$(INSTALL_BINDIR)/'
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
		'$(DESTDIR)$(INSTALL_BINDIR)/webraft-mock' \
		'$(DESTDIR)$(INSTALL_LIBDIR)/pkgconfig/webraft.pc' \
		'$(DESTDIR)$(INSTALL_LIBDIR)/cmake/webraft/webraft-config.cmake' \
		'$(DESTDIR)$(INSTALL_LIBDIR)/cmake/webraft/webraft-config-version.cmake'
	rmdir '$(DESTDIR)$(INSTALL_LIBDIR)/cmake/webraft' 2>/dev/null || true

# ABI guard (scripts/check-abi.sh): the library exports exactly abi/webraft.symbols.
.PHONY: abi-check abi-update
abi-check: lib
	scripts/check-abi.sh
abi-update: lib
	scripts/check-abi.sh --update
