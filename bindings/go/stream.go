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

// streamBuffer is how many chunks may wait for the reader. When it is full
// the chunk callback blocks, which holds one library worker thread and, in
// turn, stops reading from the connection (backpressure).
const streamBuffer = 64

// Stream is a streaming chat reply, read with Next and Chunk (or ranged over
// with All). Read it from one goroutine; Close may be called from any
// goroutine. Always Close or drain a stream: an abandoned stream whose reader
// stopped keeps a library worker thread blocked until the garbage collector
// notices it.
type Stream struct {
	client  *Client // keeps the client (and its in-flight request) alive
	ctx     context.Context
	state   *streamState
	chunk   Chunk
	cleanup runtime.Cleanup
}

// streamState is the part of a stream the callbacks reach. It never points
// back to its Stream, so an abandoned Stream can be collected and its cleanup
// can stop the request.
type streamState struct {
	call
	chunks     chan Chunk    // closed by the done callback
	stop       chan struct{} // closed to release a chunk callback blocked on chunks
	stopOnce   sync.Once
	stopCtx    func() bool // deregisters the context watcher
	closed     atomic.Bool // Close was called
	ended      atomic.Bool
	endOnce    sync.Once
	completion *ChatCompletion
	err        error
}

// abort stops the stream: a blocked chunk callback returns "stop" and the
// library cancels the request.
func (st *streamState) abort() {
	st.stopOnce.Do(func() { close(st.stop) })
	st.cancel()
}

// newStreamState wires a stream's callbacks to its bounded channel.
func newStreamState() *streamState {
	st := &streamState{
		chunks: make(chan Chunk, streamBuffer),
		stop:   make(chan struct{}),
	}
	st.deliver = func(chunk Chunk) bool {
		select {
		case <-st.stop:
			return false
		default:
		}
		select {
		case st.chunks <- chunk:
			return true
		case <-st.stop:
			return false
		}
	}
	// The library calls done after the last chunk callback, so no send can
	// follow this close.
	st.onDone = func() { close(st.chunks) }
	return st
}

// ChatStream starts a streaming chat and returns at once; req is as for
// Chat. Errors from the server arrive through Err once Next returns false.
// Ending ctx stops the stream: Next returns false promptly and Err matches
// ErrCancelled and ctx.Err().
func (cl *Client) ChatStream(ctx context.Context, req any, opts ...Option) (*Stream, error) {
	if ctx.Err() != nil {
		return nil, contextError(ctx)
	}
	st := newStreamState()
	if err := cl.startChat(&st.call, req, opts); err != nil {
		return nil, err
	}
	st.stopCtx = context.AfterFunc(ctx, st.abort)
	s := &Stream{client: cl, ctx: ctx, state: st}
	s.cleanup = runtime.AddCleanup(s, abandon, st)
	return s, nil
}

// abandon stops the request of a Stream that became unreachable unclosed,
// and frees it once the library is done with it.
func abandon(st *streamState) {
	st.abort()
	go st.endOnce.Do(func() {
		<-st.done
		st.stopCtx()
		st.takeResult(func(*C.webraft_result, Status) {})
		st.ended.Store(true)
	})
}

// Next waits for the next chunk and reports whether there is one. It
// returns false at the end of the stream, on failure, once ctx has ended, or
// after Close; Err then tells which.
func (s *Stream) Next() bool {
	if s.state.ended.Load() {
		return false
	}
	chunk, ok := <-s.state.chunks
	if ok && s.ctx.Err() == nil {
		s.chunk = chunk
		return true
	}
	s.end()
	return false
}

// Chunk is the chunk Next moved to. chunk.Text is its delta text.
func (s *Stream) Chunk() Chunk { return s.chunk }

// Err is the stream's error once Next has returned false: nil after a
// normal end or after Close, otherwise an *APIError (an error the server
// reported, also inside the stream) or an *Error.
func (s *Stream) Err() error {
	if !s.state.ended.Load() {
		return nil
	}
	return s.state.err
}

// Completion reads the rest of the stream and returns the completion the
// library accumulated from all its chunks, with Err. After a failure or
// Close the completion holds what arrived until then.
func (s *Stream) Completion() (*ChatCompletion, error) {
	for s.Next() {
	}
	return s.state.completion, s.Err()
}

// Close stops the stream if it is still running and frees it; it returns
// once no callback can run any more. Idempotent; any goroutine.
func (s *Stream) Close() {
	if !s.state.ended.Load() {
		s.state.closed.Store(true)
		s.state.abort()
	}
	s.end()
}

// All ranges over the chunks; a failure comes last as a (Chunk{}, err) pair.
// Leaving the loop early closes the stream.
func (s *Stream) All() iter.Seq2[Chunk, error] {
	return func(yield func(Chunk, error) bool) {
		defer s.Close()
		for s.Next() {
			if !yield(s.chunk, nil) {
				return
			}
		}
		if err := s.Err(); err != nil {
			yield(Chunk{}, err)
		}
	}
}

func (s *Stream) end() {
	st := s.state
	st.endOnce.Do(func() {
		if s.ctx.Err() != nil {
			st.abort()
		}
		<-st.done
		st.stopCtx()
		st.completion, st.err = chatOutcome(s.ctx, st.take())
		// A stream the caller closed did not fail.
		if st.closed.Load() && s.ctx.Err() == nil && errors.Is(st.err, ErrCancelled) {
			st.err = nil
		}
		s.cleanup.Stop()
		st.ended.Store(true)
		runtime.KeepAlive(s.client)
	})
}
