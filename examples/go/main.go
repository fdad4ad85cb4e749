// Command webraft-go-chat streams a chat reply to stdout with the Go binding.
//
//	go run . [-base-url URL] [-model M] [-system TEXT] [-image PATH] [-timeout D] [PROMPT]
//
// The API key comes from WEBRAFT_API_KEY (the library reads it), the base URL
// from -base-url, else WEBRAFT_BASE_URL, else the WebraftAI default. Ctrl-C
// cancels the stream at once. Usage, token counts and timings go to stderr.
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
	image := flag.String("image", "", "local image file to attach")
	timeout := flag.Duration("timeout", 2*time.Minute, "give up after this long")
	flag.Parse()
	prompt := strings.Join(flag.Args(), " ")
	if prompt == "" {
		prompt = "Tell me a short story about a lighthouse."
	}
	if err := run(*baseURL, *model, *system, *image, prompt, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "webraft-go-chat:", err)
		os.Exit(1)
	}
}

func run(baseURL, model, system, image, prompt string, timeout time.Duration) error {
	client, err := webraft.NewClient(webraft.Config{BaseURL: baseURL})
	if err != nil {
		return err
	}
	defer client.Close()

	var messages []webraft.Message
	if system != "" {
		messages = append(messages, webraft.SystemMessage(system))
	}
	user := webraft.UserMessage(prompt)
	if image != "" {
		part, err := webraft.ImagePart(image)
		if err != nil {
			return err
		}
		user = webraft.UserParts(webraft.TextPart(prompt), part)
	}
	messages = append(messages, user)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	stream, err := client.ChatStream(ctx, webraft.ChatRequest{
		Model:         model,
		Messages:      messages,
		StreamOptions: &webraft.StreamOptions{IncludeUsage: true},
	})
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
	if reply.Usage != nil {
		fmt.Fprintf(os.Stderr, "[%d prompt + %d completion tokens, first chunk after %v, total %v]\n",
			reply.Usage.PromptTokens, reply.Usage.CompletionTokens,
			reply.Timings.FirstChunk.Round(time.Millisecond), reply.Timings.Total.Round(time.Millisecond))
	}
	return nil
}
