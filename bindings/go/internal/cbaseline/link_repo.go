//go:build !webraft_pkgconfig

package cbaseline

// By default the package links the library built in this repository
// (`cargo build --release` at the repository root), with an rpath so that
// tests and programs find libwebraft.so without LD_LIBRARY_PATH.

/*
#cgo CFLAGS: -I${SRCDIR}/../../../../include
#cgo LDFLAGS: -L${SRCDIR}/../../../../target/release -lwebraft -Wl,-rpath,${SRCDIR}/../../../../target/release
*/
import "C"
