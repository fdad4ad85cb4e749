package webraft

/*
#include "bridge.h"
*/
import "C"

import (
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

// liveForms counts library forms not yet freed (leak checks in tests).
var liveForms atomic.Int64

// ErrFormClosed is returned by calls on a Form after Close.
var ErrFormClosed = fmt.Errorf("webraft: form is closed")

// File is a file to upload as one part of a multipart form: from a path
// (FilePath), from bytes in memory (FileBytes) or from an io.Reader
// (FileReader).
type File struct {
	path   string
	data   []byte
	reader io.Reader
	// Filename is the part's file name. A file from a path defaults to the
	// path's last element; one from memory or a reader must have one, since
	// servers tell the format by it.
	Filename string
	// ContentType is the part's type; "" lets the library take it from the
	// file's first bytes, else from the file name's extension, else
	// application/octet-stream.
	ContentType string
}

// FilePath is the file at path. The library checks it when it is added to a
// form and reads it at send time, streaming it from disk (it is never held
// in memory whole) and reading it again for a retry. A missing, unreadable
// or non-regular file, or a directory, fails with ErrInvalidArgument naming
// the path.
func FilePath(path string) File { return File{path: path} }

// FileBytes is a file held in memory; the library copies it into the form.
func FileBytes(filename string, data []byte) File {
	return File{data: data, Filename: filename}
}

// FileReader is a file read from r, to its end, when it is added to a form;
// the bytes are then held by the form (in memory), so a retry sends them
// again. For a large file on disk, FilePath streams it instead.
func FileReader(filename string, r io.Reader) File {
	return File{reader: r, Filename: filename}
}

// Form is a multipart/form-data body held by the library: text fields and
// file parts, in the order added. Send it with Client.SendForm (or
// SendFormStream); sending takes a snapshot, so the form may change, be sent
// again or be closed as soon as the call has started. Safe for concurrent
// use. Close frees it; one that becomes unreachable without Close is freed
// by a cleanup at a later garbage collection.
type Form struct {
	mu      sync.Mutex
	ptr     *C.webraft_form
	cleanup runtime.Cleanup
}

// NewForm returns an empty form.
func NewForm() *Form {
	f := &Form{ptr: C.webraft_form_new()}
	liveForms.Add(1)
	f.cleanup = runtime.AddCleanup(f, freeForm, f.ptr)
	return f
}

func freeForm(ptr *C.webraft_form) {
	C.webraft_form_free(ptr)
	liveForms.Add(-1)
}

// Close frees the form; later calls fail with ErrFormClosed. Requests
// already started keep their snapshot. Idempotent.
func (f *Form) Close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ptr != nil {
		f.cleanup.Stop()
		freeForm(f.ptr)
		f.ptr = nil
	}
}

// use runs fn on the library form under the lock.
func (f *Form) use(fn func(*C.webraft_form) error) error {
	if f == nil {
		return &Error{Status: StatusNullArgument, Message: "null argument: no form"}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ptr == nil {
		return ErrFormClosed
	}
	err := fn(f.ptr)
	runtime.KeepAlive(f)
	return err
}

// AddText adds a text field.
func (f *Form) AddText(name, value string) error {
	cName, err := nulTerminated([]byte(name))
	if err != nil {
		return err
	}
	cValue, err := nulTerminated([]byte(value))
	if err != nil {
		return err
	}
	return f.use(func(p *C.webraft_form) error {
		return statusError(C.webraft_form_add_text(p, cString(cName), cString(cValue)), "Form.AddText("+name+")")
	})
}

// AddFile adds a file part named name (e.g. "file" for a transcription,
// "image" for an image edit). A file from a path that is missing,
// unreadable, not a regular file, or a directory fails with an error
// matching ErrInvalidArgument whose message names the path; a reader's
// error is returned as it is.
func (f *Form) AddFile(name string, file File) error {
	cName, err := nulTerminated([]byte(name))
	if err != nil {
		return err
	}
	cFilename, err := optionalString(file.Filename)
	if err != nil {
		return err
	}
	cType, err := optionalString(file.ContentType)
	if err != nil {
		return err
	}
	if file.path != "" {
		// The path goes to the library as the bytes Go holds, so a file
		// name that is not UTF-8 reaches the OS as it is.
		cPath, err := nulTerminated([]byte(file.path))
		if err != nil {
			return err
		}
		return f.use(func(p *C.webraft_form) error {
			var failure *C.webraft_result
			status := C.webraft_form_add_file_path(p, cString(cName), cString(cPath), cString(cFilename), cString(cType), &failure)
			return failureError(status, failure)
		})
	}
	data := file.data
	if file.reader != nil {
		if data, err = io.ReadAll(file.reader); err != nil {
			return err
		}
	}
	return f.use(func(p *C.webraft_form) error {
		// The library takes no NULL, even for an empty file.
		ptr := (*C.uint8_t)(unsafe.Pointer(&emptyFile))
		if len(data) > 0 {
			ptr = (*C.uint8_t)(unsafe.Pointer(&data[0]))
		}
		status := C.webraft_form_add_file_bytes(p, cString(cName), ptr, C.size_t(len(data)), cString(cFilename), cString(cType))
		return statusError(status, "Form.AddFile("+name+")")
	})
}

// emptyFile is where an empty file part's bytes point.
var emptyFile byte

// optionalString is s for C, or NULL when it is "".
func optionalString(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	return nulTerminated([]byte(s))
}
