package webraft_test

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	webraft "github.com/webraft/webraft/bindings/go"
	"github.com/webraft/webraft/bindings/go/internal/cbaseline"
)

// BenchmarkStreamChunks streams the test server's big-chunks-N reply (N
// content chunks of 256 bytes, SSE, over loopback) through:
//
//	c-callback   webraft_chat_stream with a chunk callback written in C that
//	             takes each chunk's delta text (webraft_chunk_text), the baseline;
//	go-func      ChatStreamFunc: C -> Go callback per chunk, text and JSON copied
//	             into Go memory;
//	go-stream    ChatStream + Next: the same, plus the hand-off through the
//	             bounded channel to the reading goroutine;
//	go-decode    go-stream plus Chunk.Decode (encoding/json) on every chunk.
//
// Each reports wall ns/chunk and cpu-ns/chunk (this process's user+system CPU
// time, so the test server's work is not counted). The Go layer's extra cost
// per chunk is the difference to c-callback. CPU time is the honest measure:
// when the server, not the client, paces the stream, wall time hides client
// work. Run without -race:
//
//	go test -run '^$' -bench StreamChunks -benchtime 20x -count 5 .
func BenchmarkStreamChunks(b *testing.B) {
	const contentChunks = 5000
	body := fmt.Sprintf(`{"model":"big-chunks-%d","messages":[{"role":"user","content":"x"}]}`, contentChunks)
	const chunksPerStream = contentChunks + 2 // plus the role and finish chunks
	config := fmt.Sprintf(`{"base_url":%q,"api_key":"test-key"}`, serverURL+"/v1")

	measure := func(b *testing.B, stream func() (chunks, textBytes int)) {
		stream() // warm up: connection, worker threads, Go's callback machinery
		var before, after syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &before)
		start := time.Now()
		b.ResetTimer()
		for range b.N {
			chunks, textBytes := stream()
			if chunks != chunksPerStream || textBytes == 0 {
				b.Fatalf("%d chunks, %d text bytes", chunks, textBytes)
			}
		}
		b.StopTimer()
		wall := time.Since(start)
		syscall.Getrusage(syscall.RUSAGE_SELF, &after)
		cpu := time.Duration(syscall.TimevalToNsec(after.Utime) - syscall.TimevalToNsec(before.Utime) +
			syscall.TimevalToNsec(after.Stime) - syscall.TimevalToNsec(before.Stime))
		total := float64(b.N * chunksPerStream)
		b.ReportMetric(float64(wall.Nanoseconds())/total, "ns/chunk")
		b.ReportMetric(float64(cpu.Nanoseconds())/total, "cpu-ns/chunk")
	}

	b.Run("c-callback", func(b *testing.B) {
		c, err := cbaseline.NewClient(config)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		measure(b, func() (int, int) {
			chunks, textBytes, err := c.Stream(body)
			if err != nil {
				b.Fatal(err)
			}
			return chunks, textBytes
		})
	})

	goClient := func(b *testing.B) *webraft.Client {
		return newClient(b, "/v1", webraft.Config{})
	}
	b.Run("go-func", func(b *testing.B) {
		c := goClient(b)
		measure(b, func() (chunks, textBytes int) {
			_, err := c.ChatStreamFunc(b.Context(), []byte(body), func(chunk webraft.Chunk) error {
				chunks++
				textBytes += len(chunk.Text)
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			return chunks, textBytes
		})
	})
	readStream := func(b *testing.B, decode bool) func() (int, int) {
		c := goClient(b)
		return func() (chunks, textBytes int) {
			s, err := c.ChatStream(b.Context(), []byte(body))
			if err != nil {
				b.Fatal(err)
			}
			for s.Next() {
				chunk := s.Chunk()
				chunks++
				textBytes += len(chunk.Text)
				if decode {
					if _, err := chunk.Decode(); err != nil {
						b.Fatal(err)
					}
				}
			}
			if s.Err() != nil {
				b.Fatal(s.Err())
			}
			return chunks, textBytes
		}
	}
	b.Run("go-stream", func(b *testing.B) { measure(b, readStream(b, false)) })
	b.Run("go-decode", func(b *testing.B) { measure(b, readStream(b, true)) })
}
