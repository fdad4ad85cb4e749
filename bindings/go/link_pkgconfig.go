//go:build webraft_pkgconfig

package webraft

// With -tags webraft_pkgconfig the package links an installed library found
// through pkg-config (webraft.pc). Its Libs carry -Wl,-rpath,${libdir}, so
// programs start without LD_LIBRARY_PATH; the .deb's libdir needs none.

/*
#cgo pkg-config: webraft
*/
import "C"
