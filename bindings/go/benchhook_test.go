//go:build webraft_bench

package webraft_test

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	webraft "github.com/webraft/webraft/bindings/go"
)

// BenchmarkGoLayerPerChunk isolates what the Go layer adds per chunk: a C
// thread standing in for a library worker calls the chunk callback b.N times,
// either a C callback that takes the delta text (the baseline), or the
// binding's callback (C trampoline taking the delta text, C->Go call, handle
// lookup, copies into Go memory) feeding a function as ChatStreamFunc does
// (go-func), or the channel that Stream.Next reads (go-stream). For the
// pull-style go-stream the fair C counterpart is c-reader-thread: a C
// callback that queues each chunk for a reader thread (mutex, condition
// variable, bounded queue), since any reader on another thread must be woken.
// No network, no library parsing: the difference is the Go layer alone.
//
// gap is the time between chunks. At 0 the feed outruns the reader and
// chunks queue up; at 20µs the reader waits for every chunk, so each one
// costs a goroutine wake-up, which is the common case for a network stream.
//
//	go test -tags webraft_bench -run '^$' -bench GoLayerPerChunk -count 5 .
func BenchmarkGoLayerPerChunk(b *testing.B) {
	// A 256-byte chunk shaped like the test server's big-chunks content chunks.
	head := `{"id":"chatcmpl-test-1","object":"chat.completion.chunk","created":1700000000,"model":"big-chunks-5000",` +
		`"system_fingerprint":"fp_test","choices":[{"index":0,"delta":{"content":"`
	tail := `"},"logprobs":null,"finish_reason":null}]}`
	chunk := []byte(head + strings.Repeat("x", 256-len(head)-len(tail)) + tail)

	for _, gap := range []time.Duration{0, 20 * time.Microsecond} {
		for _, variant := range []struct {
			name string
			feed func([]byte, int, time.Duration) (int, error)
		}{
			{"c-callback", webraft.BenchFeedC},
			{"go-func", webraft.BenchFeedFunc},
			{"c-reader-thread", webraft.BenchFeedCReader},
			{"go-stream", webraft.BenchFeedStream},
		} {
			b.Run(fmt.Sprintf("gap=%v/%s", gap, variant.name), func(b *testing.B) {
				var before, after syscall.Rusage
				syscall.Getrusage(syscall.RUSAGE_SELF, &before)
				b.ResetTimer()
				text, err := variant.feed(chunk, b.N, gap)
				b.StopTimer()
				syscall.Getrusage(syscall.RUSAGE_SELF, &after)
				if err != nil || text != b.N*(256-len(head)-len(tail)) {
					b.Fatalf("%d text bytes, %v", text, err)
				}
				cpu := syscall.TimevalToNsec(after.Utime) - syscall.TimevalToNsec(before.Utime) +
					syscall.TimevalToNsec(after.Stime) - syscall.TimevalToNsec(before.Stime)
				b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/chunk")
			})
		}
	}
}
