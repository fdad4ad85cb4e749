// Command fallback streams a reply from the first endpoint that answers: the
// base URL, then each -fallback URL in order. With -hedge, a slow first token
// also starts the request on the next endpoint, and the faster one wins. The
// key of every attempt comes from a credential function (here the
// environment, read again for each attempt, as a rotating token would be).
// With -partial-json it prints, for each change, the reply so far as valid
// JSON (for a model asked for JSON output) instead of the text.
//
//	WEBRAFT_API_KEY=... go run ./fallback -fallback http://localhost:11434/v1 [-hedge 800ms] PROMPT
//
// WEBRAFT_BASE_URL picks the first endpoint, WEBRAFT_MODEL the model.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	webraft "github.com/webraft/webraft/bindings/go"
)

type urls []string

func (u *urls) String() string     { return strings.Join(*u, ",") }
func (u *urls) Set(v string) error { *u = append(*u, v); return nil }

func main() {
	var fallback urls
	flag.Var(&fallback, "fallback", "another base URL, tried in order (repeatable)")
	hedge := flag.Duration("hedge", 0, "first-token budget before the next endpoint also starts (0: no hedging)")
	model := flag.String("model", envOr("WEBRAFT_MODEL", "gpt-4o"), "model")
	partial := flag.Bool("partial-json", false, "print the reply so far as valid JSON at each change")
	flag.Parse()

	cfg := webraft.Config{BaseURL: os.Getenv("WEBRAFT_BASE_URL"), Hedge: *hedge,
		Credentials: func(req webraft.CredentialRequest) (webraft.Credential, error) {
			key := os.Getenv("WEBRAFT_API_KEY")
			if key == "" {
				return webraft.Credential{}, errors.New("the environment has no WEBRAFT_API_KEY")
			}
			return webraft.Credential{APIKey: key}, nil
		}}
	for _, url := range fallback {
		cfg.Fallback = append(cfg.Fallback, webraft.Endpoint{BaseURL: url})
	}
	client, err := webraft.NewClient(cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	req := webraft.ChatRequest{Model: *model, Messages: []webraft.Message{webraft.UserMessage(strings.Join(flag.Args(), " "))}}
	stream, err := client.ChatStream(ctx, req)
	if err != nil {
		log.Fatal(err)
	}
	var last string
	for stream.Next() {
		if !*partial {
			fmt.Print(stream.Chunk().Text)
		} else if snapshot := string(stream.Snapshot().Content); snapshot != "" && snapshot != last {
			fmt.Println(snapshot)
			last = snapshot
		}
	}
	reply, err := stream.Completion()
	if err != nil {
		// Every endpoint failed (the error is the last one's), or the
		// credential function refused (errors.Is(err, webraft.ErrCredentials)).
		log.Fatal(err)
	}
	if final := string(stream.Snapshot().Content); *partial && final != last {
		fmt.Println(final)
	} else if !*partial {
		fmt.Println()
	}
	fmt.Fprintf(os.Stderr, "answered by %s (endpoint %d; %d tried)\n", reply.EndpointURL, reply.Endpoint, reply.EndpointsTried)
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
