package webraft

/*
#include "webraft.h"
*/
import "C"

import (
	"context"
	"errors"
	"iter"
	"runtime"
	"sync"
	"sync/atomic"
)

// streamBuffer is how many chunks or events may wait for the reader. When
// it is full the callback blocks, which holds one library worker thread
// and, in turn, stops reading from the connection (backpressure).
const streamBuffer = 64

// Stream is a streaming chat reply, read with Next and Chunk (or ranged over
// with All). Read it from one goroutine; Close may be called from any
// goroutine. Always Close or drain a stream: an abandoned stream whose reader
// stopped keeps a library worker thread blocked until the garbage collector
// notices it.
type Stream struct {
	p *puller[Chunk, *ChatCompletion]
}

// ChatStream starts a streaming chat and returns at once; req is as for
// Chat. Errors from the server arrive through Err once Next returns false.
// Ending ctx stops the stream: Next returns false promptly and Err matches
// ErrCancelled and ctx.Err().
func (cl *Client) ChatStream(ctx context.Context, req any, opts ...Option) (*Stream, error) {
	p, err := startStream(ctx, cl, chunkSink, func(c *call) error {
		c.keepSnapshot = true
		return cl.startModel(c, chatAPI, req, opts)
	}, chatOutcome)
	if err != nil {
		return nil, err
	}
	return &Stream{p}, nil
}

// Next waits for the next chunk and reports whether there is one. It
// returns false at the end of the stream, on failure, once ctx has ended, or
// after Close; Err then tells which.
func (s *Stream) Next() bool { return s.p.next() }

// Chunk is the chunk Next moved to. chunk.Text is its delta text.
func (s *Stream) Chunk() Chunk { return s.p.item }

// Err is the stream's error once Next has returned false: nil after a
// normal end or after Close, otherwise an *APIError (an error the server
// reported, also inside the stream) or an *Error.
func (s *Stream) Err() error { return s.p.error() }

// Completion reads the rest of the stream and returns the completion the
// library accumulated from all its chunks, with Err. After a failure or
// Close the completion holds what arrived until then.
func (s *Stream) Completion() (*ChatCompletion, error) { return s.p.rest() }

// Close stops the stream if it is still running and frees it; it returns
// once no callback can run any more. Idempotent; any goroutine.
func (s *Stream) Close() { s.p.close() }

// All ranges over the chunks; a failure comes last as a (Chunk{}, err) pair.
// Leaving the loop early closes the stream.
func (s *Stream) All() iter.Seq2[Chunk, error] { return s.p.all() }

// streamState is the part of a stream the callbacks reach. It never points
// back to its reader, so an abandoned stream can be collected and its
// cleanup can stop the request.
type streamState[T any] struct {
	call
	items    chan T        // closed by the done callback
	stop     chan struct{} // closed to release a callback blocked on items
	stopOnce sync.Once
	stopCtx  func() bool // deregisters the context watcher
	closed   atomic.Bool // Close was called
	ended    atomic.Bool
	endOnce  sync.Once
}

// abort stops the stream: a blocked callback returns "stop" and the library
// cancels the request.
func (st *streamState[T]) abort() {
	st.stopOnce.Do(func() { close(st.stop) })
	st.cancel()
}

// newStreamState wires a stream's callbacks, through sink, to its bounded
// channel.
func newStreamState[T any](sink func(*call, func(T) bool)) *streamState[T] {
	st := &streamState[T]{
		items: make(chan T, streamBuffer),
		stop:  make(chan struct{}),
	}
	sink(&st.call, func(item T) bool {
		select {
		case <-st.stop:
			return false
		default:
		}
		select {
		case st.items <- item:
			return true
		case <-st.stop:
			return false
		}
	})
	// The library calls done after the last callback, so no send can follow
	// this close.
	st.onDone = func() { close(st.items) }
	return st
}

// puller is the reading side of a stream of T whose request ends in an R;
// Stream and EventStream are its exported faces.
type puller[T, R any] struct {
	client  *Client // keeps the client (and its in-flight request) alive
	ctx     context.Context
	state   *streamState[T]
	outcome outcome[R]
	item    T
	final   R
	err     error
	cleanup runtime.Cleanup
}

// startStream starts a stream with start, its items arriving through sink,
// and returns its reader; outcome turns the finished request's result into
// its R.
func startStream[T, R any](ctx context.Context, cl *Client, sink func(*call, func(T) bool), start func(*call) error, out outcome[R]) (*puller[T, R], error) {
	if ctx.Err() != nil {
		return nil, contextError(ctx)
	}
	st := newStreamState(sink)
	if err := start(&st.call); err != nil {
		return nil, err
	}
	st.stopCtx = context.AfterFunc(ctx, st.abort)
	p := &puller[T, R]{client: cl, ctx: ctx, state: st, outcome: out}
	p.cleanup = runtime.AddCleanup(p, abandon[T], st)
	return p, nil
}

// abandon stops the request of a stream that became unreachable unclosed,
// and frees it once the library is done with it.
func abandon[T any](st *streamState[T]) {
	st.abort()
	go st.endOnce.Do(func() {
		<-st.done
		st.stopCtx()
		st.takeResult(func(*C.webraft_result, Status) {})
		st.ended.Store(true)
	})
}

func (p *puller[T, R]) next() bool {
	if p.state.ended.Load() {
		return false
	}
	item, ok := <-p.state.items
	if ok && p.ctx.Err() == nil {
		p.item = item
		return true
	}
	p.end()
	return false
}

func (p *puller[T, R]) error() error {
	if !p.state.ended.Load() {
		return nil
	}
	return p.err
}

func (p *puller[T, R]) rest() (R, error) {
	for p.next() {
	}
	return p.final, p.error()
}

func (p *puller[T, R]) close() {
	if !p.state.ended.Load() {
		p.state.closed.Store(true)
		p.state.abort()
	}
	p.end()
}

func (p *puller[T, R]) all() iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		defer p.close()
		for p.next() {
			if !yield(p.item, nil) {
				return
			}
		}
		if err := p.error(); err != nil {
			var none T
			yield(none, err)
		}
	}
}

func (p *puller[T, R]) end() {
	st := p.state
	st.endOnce.Do(func() {
		if p.ctx.Err() != nil {
			st.abort()
		}
		<-st.done
		st.stopCtx()
		p.final, p.err = p.outcome(p.ctx, st.take())
		// A stream the caller closed did not fail.
		if st.closed.Load() && p.ctx.Err() == nil && errors.Is(p.err, ErrCancelled) {
			p.err = nil
		}
		p.cleanup.Stop()
		st.ended.Store(true)
		runtime.KeepAlive(p.client)
	})
}
