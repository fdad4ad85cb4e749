// Package webraft is the Go binding of webraft, a native client for the
// WebraftAI chat-completions API and any OpenAI-compatible endpoint. It calls
// the library's C ABI (include/webraft.h) through cgo.
//
// # Building
//
// cgo is required: build with CGO_ENABLED=1 (the default when a C compiler
// is installed; with CGO_ENABLED=0 the build fails with confusing
// "undefined" errors). By default the package links the library built in
// this repository: run `cargo build --release` at the repository root, and
// `go test ./...` in bindings/go works, with an rpath to target/release. To
// link an installed library instead, build with -tags webraft_pkgconfig
// (uses `pkg-config webraft`), or set CGO_CFLAGS / CGO_LDFLAGS.
//
// # Use
//
//	client, err := webraft.NewClient(webraft.Config{APIKey: key})
//	defer client.Close()
//	reply, err := client.Chat(ctx, webraft.ChatRequest{
//		Model:    "gpt-4o",
//		Messages: []webraft.Message{webraft.UserMessage("Hello!")},
//	})
//	fmt.Println(reply.Text())
//
//	stream, err := client.ChatStream(ctx, req)
//	for chunk, err := range stream.All() {
//		if err != nil { ... }
//		fmt.Print(chunk.Text)
//	}
//
// A Conversation keeps a dialogue and its parameters in the library, which
// makes the tool loop short:
//
//	conv := webraft.NewConversation()
//	defer conv.Close()
//	conv.SetModel("gpt-4o")
//	conv.SetTools(webraft.FunctionTool("get_weather", "Current weather", schema))
//	conv.AddUser("Weather in Paris?")
//	for {
//		reply, err := client.Chat(ctx, conv)
//		if err != nil { ... }
//		conv.AddAssistantTurn(reply)
//		if len(reply.ToolCalls()) == 0 {
//			break
//		}
//		for _, call := range reply.ToolCalls() {
//			conv.AddToolResult(call.ID, run(call.Name, call.Arguments))
//		}
//	}
//
// Completions and stream chunks answer JSON Pointer reads (GetString,
// GetNumber, GetBool, GetJSON) with the library's parser.
//
// The Responses API has the same three forms (Responses,
// ResponsesStream, ResponsesStreamFunc) and ends in a *ModelResponse; its
// streams, and SendStream's from any endpoint, hand over Events: the reply's
// headers first, then each event with its SSE name and data.
//
//	stream, err := client.ResponsesStream(ctx, webraft.ResponsesRequest{Model: "gpt-4o", Input: "Hello!"})
//	for ev, err := range stream.All() {
//		if err != nil { ... }
//		if ev.Name == "response.output_text.delta" { ... }
//	}
//	resp, err := stream.Result()
//
// Every result and every error keeps its reply's headers: Header(name),
// Headers() and RateLimit(), where a value the server did not send is -1.
//
// Voice, images and embeddings: files go up in multipart forms from a path
// (streamed from disk), a []byte or an io.Reader, and binary replies come
// back whole, into a file (atomically) or piece by piece into an io.Writer.
//
//	t, err := client.Transcribe(ctx, webraft.TranscriptionRequest{File: webraft.FilePath("hello.wav"), Model: "whisper-1"})
//	fmt.Println(t.Text)
//	_, err = client.SpeechToFile(ctx, webraft.SpeechRequest{Model: "tts-1", Input: "Hi!", Voice: "alloy"}, "hi.mp3")
//	images, err := client.GenerateImages(ctx, webraft.ImageRequest{Model: "gpt-image-1", Prompt: "a red door"})
//	err = images.Save(0, "door.png")
//	emb, err := client.Embed(ctx, webraft.EmbeddingRequest{Model: "text-embedding-3-small", Input: "a red door"})
//
// # Errors
//
// A reply the server refused is an *APIError (StatusCode, Type, Code, Param,
// Message, RequestID). Every other failure is an *Error with a Status. Both
// match one sentinel (ErrHTTPStatus, ErrTimeout, ErrCancelled, ErrConnect,
// ...) with errors.Is. When the context ends a call, the error also matches
// context.Canceled or context.DeadlineExceeded.
//
// # Concurrency
//
// A Client is safe for concurrent use; run calls in goroutines for
// non-blocking use. A waiting Chat parks only its goroutine. The library
// runs callbacks on its own worker threads (one per CPU core): a Stream's
// chunks pass through a bounded channel, so a reader that stops reading
// blocks one worker until it reads on, closes the stream or cancels the
// context. ChatStreamFunc runs its function on a worker thread.
package webraft
