// Command go-baseline is the Go net/http baseline of the webraft benchmarks:
// what a Go program that speaks the chat-completions API itself does, as
// go-openai does: net/http, bufio line scanning, and encoding/json decoding of
// every chunk into typed structs. Same scenarios and JSON output as the other
// clients:
//
//	go-baseline stream <base_url> <chunks>
//	go-baseline latency <base_url>
//	go-baseline plain <base_url> <concurrency> <seconds>
//	go-baseline open <base_url> <streams> <plain_base_url>
//	go-baseline footprint <base_url>
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	_ "unsafe" // for go:linkname
)

const (
	streamBody = `{"model":"bench-model","stream":true,"messages":[{"role":"user","content":"hi"}]}`
	plainBody  = `{"model":"bench-model","messages":[{"role":"user","content":"hi"}]}`
	// How long plain-request workers run before the measured window opens.
	warmUp = 300 * time.Millisecond
	// Longest wait for every held stream to deliver its first chunk.
	openDeadline = 180 * time.Second
	// Pause before RSS is read, so allocations in flight settle.
	settle = 500 * time.Millisecond
)

// The shapes go-openai decodes into.
type streamChoice struct {
	Index int `json:"index"`
	Delta struct {
		Role      string            `json:"role,omitempty"`
		Content   string            `json:"content,omitempty"`
		Refusal   string            `json:"refusal,omitempty"`
		ToolCalls []json.RawMessage `json:"tool_calls,omitempty"`
	} `json:"delta"`
	FinishReason string `json:"finish_reason"`
}

type usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

type streamChunk struct {
	ID                string         `json:"id"`
	Object            string         `json:"object"`
	Created           int64          `json:"created"`
	Model             string         `json:"model"`
	Choices           []streamChoice `json:"choices"`
	SystemFingerprint string         `json:"system_fingerprint"`
	Usage             *usage         `json:"usage,omitempty"`
	BenchSentNs       int64          `json:"bench_sent_ns"`
}

type completion struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	Model   string `json:"model"`
	Choices []struct {
		Index   int `json:"index"`
		Message struct {
			Role    string `json:"role"`
			Content string `json:"content"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Usage             usage  `json:"usage"`
	SystemFingerprint string `json:"system_fingerprint"`
}

//go:linkname nanotime runtime.nanotime
func nanotime() int64 // CLOCK_MONOTONIC on Linux, as the load server stamps it

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "go-baseline: "+format+"\n", args...)
	os.Exit(1)
}

func cpuSeconds() float64 {
	var u syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &u)
	return float64(syscall.TimevalToNsec(u.Utime)+syscall.TimevalToNsec(u.Stime)) / 1e9
}

func rssKiB() int64 {
	status, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

// percentile is the nearest-rank percentile of sorted samples.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = max(1, min(rank, len(sorted)))
	return sorted[rank-1]
}

func newClient(idleConns int) *http.Client {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = idleConns
	transport.MaxIdleConns = idleConns
	return &http.Client{Transport: transport}
}

func post(ctx context.Context, client *http.Client, baseURL, body string) *http.Response {
	req, err := http.NewRequestWithContext(ctx, "POST", baseURL+"/chat/completions", strings.NewReader(body))
	if err != nil {
		fail("request: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer bench-key")
	resp, err := client.Do(req)
	if err != nil {
		fail("request failed: %v", err)
	}
	if resp.StatusCode/100 != 2 {
		fail("HTTP %d", resp.StatusCode)
	}
	return resp
}

// consume scans a streamed body line by line and decodes every chunk, SSE
// `data:` values or bare JSON lines, until [DONE] or the end of the body.
// onChunk returns false to stop early.
func consume(body io.Reader, onChunk func(*streamChunk) bool) {
	scanner := bufio.NewScanner(body)
	for scanner.Scan() {
		line := bytes.TrimSpace(scanner.Bytes())
		if len(line) == 0 || line[0] == ':' {
			continue
		}
		line = bytes.TrimPrefix(line, []byte("data: "))
		if string(line) == "[DONE]" {
			return
		}
		var chunk streamChunk
		if err := json.Unmarshal(line, &chunk); err != nil {
			fail("bad chunk: %v", err)
		}
		if !onChunk(&chunk) {
			return
		}
	}
	if err := scanner.Err(); err != nil && !errors.Is(err, context.Canceled) {
		fail("stream broke: %v", err)
	}
}

func stream(baseURL string, expected int) {
	client := newClient(1)
	cpuBefore := cpuSeconds()
	started := time.Now()
	resp := post(context.Background(), client, baseURL, streamBody)
	events := 0
	consume(resp.Body, func(*streamChunk) bool { events++; return true })
	resp.Body.Close()
	seconds := time.Since(started).Seconds()
	cpu := cpuSeconds() - cpuBefore
	if events != expected {
		fail("got %d events, expected %d", events, expected)
	}
	fmt.Printf(`{"events":%d,"seconds":%.6f,"cpu_seconds":%.6f}`+"\n", events, seconds, cpu)
}

func latency(baseURL string) {
	client := newClient(1)
	resp := post(context.Background(), client, baseURL, streamBody)
	var delaysUs []float64
	consume(resp.Body, func(chunk *streamChunk) bool {
		now := nanotime()
		delaysUs = append(delaysUs, float64(now-chunk.BenchSentNs)/1e3)
		return true
	})
	resp.Body.Close()
	sort.Float64s(delaysUs)
	fmt.Printf(`{"samples":%d,"p50_us":%.2f,"p99_us":%.2f,"max_us":%.2f}`+"\n",
		len(delaysUs), percentile(delaysUs, 50), percentile(delaysUs, 99), delaysUs[len(delaysUs)-1])
}

func plain(baseURL string, concurrency int, seconds float64) {
	client := newClient(concurrency)
	measureFrom := time.Now().Add(warmUp)
	measureUntil := measureFrom.Add(time.Duration(seconds * float64(time.Second)))
	results := make([][]float64, concurrency)
	var workers sync.WaitGroup
	for w := range concurrency {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for {
				started := time.Now()
				if !started.Before(measureUntil) {
					return
				}
				resp := post(context.Background(), client, baseURL, plainBody)
				var reply completion
				if err := json.NewDecoder(resp.Body).Decode(&reply); err != nil {
					fail("bad body: %v", err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if !started.Before(measureFrom) {
					results[w] = append(results[w], float64(time.Since(started).Nanoseconds())/1e3)
				}
			}
		}()
	}
	time.Sleep(time.Until(measureFrom))
	cpuBefore := cpuSeconds()
	time.Sleep(time.Until(measureUntil))
	cpu := cpuSeconds() - cpuBefore
	workers.Wait()
	var latencies []float64
	for _, r := range results {
		latencies = append(latencies, r...)
	}
	sort.Float64s(latencies)
	fmt.Printf(`{"requests":%d,"seconds":%.6f,"p50_us":%.2f,"p99_us":%.2f,"cpu_seconds":%.6f}`+"\n",
		len(latencies), seconds, percentile(latencies, 50), percentile(latencies, 99), cpu)
}

func open(baseURL string, streams int, warmURL string) {
	client := newClient(streams)
	resp := post(context.Background(), client, warmURL, plainBody)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	rssBefore := rssKiB()
	ctx, cancel := context.WithCancel(context.Background())
	var opened atomic.Int64
	allOpen := make(chan struct{})
	var tasks sync.WaitGroup
	started := time.Now()
	for range streams {
		tasks.Add(1)
		go func() {
			defer tasks.Done()
			resp := post(ctx, client, baseURL, streamBody)
			defer resp.Body.Close()
			first := true
			consume(resp.Body, func(*streamChunk) bool {
				if first && opened.Add(1) == int64(streams) {
					close(allOpen)
				}
				first = false
				return ctx.Err() == nil
			})
		}()
	}
	select {
	case <-allOpen:
	case <-time.After(openDeadline):
		fail("only %d of %d streams opened", opened.Load(), streams)
	}
	openSeconds := time.Since(started).Seconds()
	time.Sleep(settle)
	rssOpen := rssKiB()
	closing := time.Now()
	cancel()
	tasks.Wait()
	fmt.Printf(`{"streams":%d,"rss_before_kib":%d,"rss_open_kib":%d,"open_seconds":%.3f,"close_seconds":%.3f}`+"\n",
		streams, rssBefore, rssOpen, openSeconds, time.Since(closing).Seconds())
}

func footprint(baseURL string) {
	rssStart := rssKiB()
	created := time.Now()
	client := newClient(1)
	createFirstUs := float64(time.Since(created).Nanoseconds()) / 1e3
	rssClient := rssKiB()
	resp := post(context.Background(), client, baseURL, plainBody)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	time.Sleep(200 * time.Millisecond)
	rssIdle := rssKiB()
	var createUs []float64
	for range 20 {
		created := time.Now()
		newClient(1)
		createUs = append(createUs, float64(time.Since(created).Nanoseconds())/1e3)
	}
	sort.Float64s(createUs)
	fmt.Printf(`{"create_first_us":%.1f,"create_us":%.1f,"rss_start_kib":%d,"rss_client_kib":%d,"rss_idle_kib":%d}`+"\n",
		createFirstUs, percentile(createUs, 50), rssStart, rssClient, rssIdle)
}

func main() {
	args := os.Args[1:]
	arg := func(i int) string {
		if i >= len(args) {
			fail("missing argument %d", i)
		}
		return args[i]
	}
	number := func(i int) float64 {
		n, err := strconv.ParseFloat(arg(i), 64)
		if err != nil {
			fail("argument %d: %v", i, err)
		}
		return n
	}
	switch arg(0) {
	case "stream":
		stream(arg(1), int(number(2)))
	case "latency":
		latency(arg(1))
	case "plain":
		plain(arg(1), int(number(2)), number(3))
	case "open":
		open(arg(1), int(number(2)), arg(3))
	case "footprint":
		footprint(arg(1))
	default:
		fail("unknown scenario %q", arg(0))
	}
}
