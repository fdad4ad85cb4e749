// Command webraft-go-chat streams a chat reply to stdout with the Go binding,
// then prints its token usage.
//
//	go run . [-base-url URL] [-model M] [-system TEXT] [-timeout D] [PROMPT]
//
// The API key comes from WEBRAFT_API_KEY (the library reads it), the base URL
// from -base-url, else WEBRAFT_BASE_URL, else the WebraftAI default. Ctrl-C
// cancels the stream at once. Timings go to stderr.
//
// The other examples: tools (a tool-calling round trip), image (a question
// about a local image), errors (a refused key, exhausted credits), models
// (list the models), responses (a streamed Responses API reply and the rate
// limits).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"

	webraft "github.com/webraft/webraft/bindings/go"
)

func main() {
	baseURL := flag.String("base-url", os.Getenv("WEBRAFT_BASE_URL"), "API base URL")
	model := flag.String("model", "gpt-4o", "model")
	system := flag.String("system", "", "system prompt")
	timeout := flag.Duration("timeout", 2*time.Minute, "give up after this long")
	flag.Parse()
	prompt := strings.Join(flag.Args(), " ")
	if prompt == "" {
		prompt = "Tell me a short story about a lighthouse."
	}
	if err := run(*baseURL, *model, *system, prompt, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "webraft-go-chat:", err)
		os.Exit(1)
	}
}

func run(baseURL, model, system, prompt string, timeout time.Duration) error {
	// StreamUsage asks the server to end the stream with the token usage.
	client, err := webraft.NewClient(webraft.Config{BaseURL: baseURL, StreamUsage: true})
	if err != nil {
		return err
	}
	defer client.Close()

	conv := webraft.NewConversation()
	defer conv.Close()
	conv.SetModel(model)
	if system != "" {
		conv.AddSystem(system)
	}
	conv.AddUser(prompt)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	stream, err := client.ChatStream(ctx, conv)
	if err != nil {
		return err
	}
	for chunk, err := range stream.All() {
		if err != nil {
			fmt.Println()
			var apiErr *webraft.APIError
			switch {
			case errors.As(err, &apiErr):
				return fmt.Errorf("the server refused: %s (HTTP %d, request %s)", apiErr.Message, apiErr.StatusCode, apiErr.RequestID)
			case errors.Is(err, context.Canceled):
				return errors.New("interrupted")
			}
			return err
		}
		fmt.Print(chunk.Text)
	}
	fmt.Println()

	reply, _ := stream.Completion()
	if reply.Usage == nil {
		fmt.Println("usage: the server sent none")
	} else {
		fmt.Printf("usage: %d prompt + %d completion = %d tokens\n",
			reply.Usage.PromptTokens, reply.Usage.CompletionTokens, reply.Usage.TotalTokens)
	}
	fmt.Fprintf(os.Stderr, "[first chunk after %v, total %v]\n",
		reply.Timings.FirstChunk.Round(time.Millisecond), reply.Timings.Total.Round(time.Millisecond))
	return nil
}
