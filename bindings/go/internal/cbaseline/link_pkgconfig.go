//go:build webraft_pkgconfig

package cbaseline

// With -tags webraft_pkgconfig the package links an installed library found
// through pkg-config (webraft.pc).

/*
#cgo pkg-config: webraft
*/
import "C"
