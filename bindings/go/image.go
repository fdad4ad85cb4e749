package webraft

/*
#include "webraft.h"
*/
import "C"

import "encoding/json"

// ImagePart reads a local image file into an image content part with a
// base64 data: URL, using the library's own helper (the MIME type comes from
// the file's bytes, else its extension). A missing or unreadable file fails
// with an error matching ErrIO.
func ImagePart(path string) (ContentPart, error) { return imagePart(path, nil) }

// ImagePartDetail is ImagePart with the image detail: "auto", "low" or "high".
func ImagePartDetail(path, detail string) (ContentPart, error) {
	cDetail, err := nulTerminated([]byte(detail))
	if err != nil {
		return ContentPart{}, err
	}
	return imagePart(path, cDetail)
}

func imagePart(path string, cDetail []byte) (ContentPart, error) {
	cPath, err := nulTerminated([]byte(path))
	if err != nil {
		return ContentPart{}, err
	}
	var out *C.char
	var failure *C.webraft_result
	if err := failureError(C.webraft_image_content_part(cString(cPath), cString(cDetail), &out, &failure), failure); err != nil {
		return ContentPart{}, err
	}
	defer C.webraft_string_free(out)
	var part ContentPart
	err = json.Unmarshal([]byte(C.GoString(out)), &part)
	return part, err
}
