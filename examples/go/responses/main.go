// Command responses streams a reply from the Responses API, then prints how
// it ended, its token usage and the rate limits the server reported.
//
//	go run ./responses [-model M] [-instructions TEXT] [PROMPT]
//
// The API key comes from WEBRAFT_API_KEY, the base URL from
// WEBRAFT_BASE_URL. A response that fails exits with status 1 and the
// server's message; Ctrl-C cancels the stream at once.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strings"
	"time"

	webraft "github.com/webraft/webraft/bindings/go"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("responses: ")
	model := flag.String("model", "gpt-4o", "model")
	instructions := flag.String("instructions", "", "instructions for the model")
	flag.Parse()
	prompt := strings.Join(flag.Args(), " ")
	if prompt == "" {
		prompt = "Write a haiku about a lighthouse."
	}
	client, err := webraft.NewClient(webraft.Config{BaseURL: os.Getenv("WEBRAFT_BASE_URL")})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	stream, err := client.ResponsesStream(ctx, webraft.ResponsesRequest{Model: *model, Input: prompt, Instructions: *instructions})
	if err != nil {
		log.Fatal(err)
	}
	for stream.Next() {
		// "type" names the event also where the server sends JSON lines
		// rather than named SSE events.
		ev := stream.Event()
		if kind, _ := ev.GetString("/type"); kind == "response.output_text.delta" {
			delta, _ := ev.GetString("/delta")
			fmt.Print(delta)
		}
	}
	fmt.Println()
	resp, err := stream.Result()
	var apiErr *webraft.APIError
	if errors.As(err, &apiErr) {
		log.Fatalf("the server stopped the response: %s (code %s)", apiErr.Message, apiErr.Code)
	} else if err != nil {
		log.Fatal(err)
	}

	status := resp.Status()
	if reason := resp.IncompleteReason(); reason != "" {
		status += " (" + reason + ")"
	}
	fmt.Println("status:", status)
	if resp.Usage != nil {
		fmt.Printf("usage: %d input + %d output = %d tokens\n",
			resp.Usage.PromptTokens, resp.Usage.CompletionTokens, resp.Usage.TotalTokens)
	}
	if limit, ok := resp.RateLimit(); ok {
		fmt.Println("requests left:", budget(limit.RemainingRequests, limit.LimitRequests, limit.ResetRequests))
		fmt.Println("tokens left:", budget(limit.RemainingTokens, limit.LimitTokens, limit.ResetTokens))
	}
}

// budget describes one rate-limit budget; a value the server did not send
// is -1, never 0.
func budget(remaining, limit int64, reset time.Duration) string {
	if remaining < 0 || limit < 0 {
		return "not reported"
	}
	text := fmt.Sprintf("%d of %d", remaining, limit)
	if reset >= 0 {
		text += fmt.Sprintf(", full again in %v", reset)
	}
	return text
}
