// Command errors shows what a refused request looks like: with a wrong key
// the server answers 401, with an account out of credits 402. It prints the
// HTTP status and the server's own message, and exits with status 1.
//
//	WEBRAFT_API_KEY=wrong-key go run ./errors
//
// WEBRAFT_BASE_URL picks another endpoint.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"

	webraft "github.com/webraft/webraft/bindings/go"
)

func main() {
	client, err := webraft.NewClient(webraft.Config{
		BaseURL:    os.Getenv("WEBRAFT_BASE_URL"),
		MaxRetries: webraft.Retries(0), // neither failure gets better by retrying
	})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	conv := webraft.NewConversation()
	defer conv.Close()
	conv.SetModel("gpt-4o")
	conv.AddUser("Hello!")

	reply, err := client.Chat(context.Background(), conv)
	if err == nil {
		fmt.Println("the key works:", reply.Text())
		return
	}
	var apiErr *webraft.APIError
	if !errors.As(err, &apiErr) {
		log.Fatal(err) // no answer from the server: a timeout, no connection, ...
	}
	fmt.Printf("HTTP %d: %s\n", apiErr.StatusCode, apiErr.Message)
	switch {
	case errors.Is(err, webraft.ErrQuotaExhausted):
		fmt.Println("out of credits: retrying will not help, top up the account")
	case apiErr.StatusCode == 401:
		fmt.Println("the key was refused: check WEBRAFT_API_KEY")
	}
	os.Exit(1)
}
