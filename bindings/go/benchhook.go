//go:build webraft_bench

package webraft

// Benchmark support, built only with -tags webraft_bench (see benchhook.c
// and benchhook_test.go). It isolates the Go layer's cost per chunk from the
// network and the library's own parsing.

/*
#cgo LDFLAGS: -lpthread
#include "bridge.h"
void *webraft_go_bench_feed(uintptr_t handle, const char *chunk, size_t len, long n, long gap_ns, int mode);
size_t webraft_go_bench_join(void *feed);
*/
import "C"

import (
	"context"
	"fmt"
	"time"
)

// BenchFeedStream passes n copies of chunkJSON through the binding's chunk
// callback (bridge.c) from a C thread, gap apart, and reads them with
// Stream.Next, as ChatStream's reader would. It returns the delta-text bytes
// read.
func BenchFeedStream(chunkJSON []byte, n int, gap time.Duration) (int, error) {
	chunk, err := nulTerminated(chunkJSON)
	if err != nil {
		return 0, err
	}
	st := newStreamState(chunkSink)
	st.done = make(chan struct{})
	s := &Stream{&puller[Chunk, *ChatCompletion]{ctx: context.Background(), state: st}}
	h := newHandle(&st.call)
	feed := C.webraft_go_bench_feed(C.uintptr_t(h), cString(chunk), C.size_t(len(chunkJSON)), C.long(n), C.long(gap), 1)
	text := 0
	for i := range n {
		if !s.Next() {
			return text, fmt.Errorf("stream ended after %d of %d chunks", i, n)
		}
		text += len(s.Chunk().Text)
	}
	C.webraft_go_bench_join(feed)
	<-st.done
	return text, nil
}

// BenchFeedFunc passes the chunks to a function as ChatStreamFunc does: on
// the feeding thread, with no hand-off.
func BenchFeedFunc(chunkJSON []byte, n int, gap time.Duration) (int, error) {
	chunk, err := nulTerminated(chunkJSON)
	if err != nil {
		return 0, err
	}
	text := 0
	fs := newFuncStream(chunkSink, func(c Chunk) error {
		text += len(c.Text)
		return nil
	})
	fs.done = make(chan struct{})
	h := newHandle(&fs.call)
	feed := C.webraft_go_bench_feed(C.uintptr_t(h), cString(chunk), C.size_t(len(chunkJSON)), C.long(n), C.long(gap), 1)
	C.webraft_go_bench_join(feed)
	<-fs.done
	return text, nil
}

// BenchFeedC is the baseline: the same thread and pace, with a C callback.
func BenchFeedC(chunkJSON []byte, n int, gap time.Duration) (int, error) {
	return feedC(chunkJSON, n, gap, 0)
}

// BenchFeedCReader hands the chunks to a C reader thread through a bounded
// queue: the C counterpart of ChatStream's channel.
func BenchFeedCReader(chunkJSON []byte, n int, gap time.Duration) (int, error) {
	return feedC(chunkJSON, n, gap, 2)
}

func feedC(chunkJSON []byte, n int, gap time.Duration, mode C.int) (int, error) {
	chunk, err := nulTerminated(chunkJSON)
	if err != nil {
		return 0, err
	}
	feed := C.webraft_go_bench_feed(0, cString(chunk), C.size_t(len(chunkJSON)), C.long(n), C.long(gap), mode)
	return int(C.webraft_go_bench_join(feed)), nil
}
