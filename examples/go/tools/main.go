// Command tools runs a tool-calling round trip: the model asks for
// get_weather, the program runs it and sends the result back, and the model
// answers with it. -stream streams the replies.
//
//	WEBRAFT_API_KEY=... go run ./tools [-stream] [-model M]
//
// WEBRAFT_BASE_URL picks another endpoint.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"

	webraft "github.com/webraft/webraft/bindings/go"
)

func main() {
	stream := flag.Bool("stream", false, "stream the replies")
	model := flag.String("model", "gpt-4o", "model")
	flag.Parse()

	client, err := webraft.NewClient(webraft.Config{BaseURL: os.Getenv("WEBRAFT_BASE_URL")})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	conv := webraft.NewConversation()
	defer conv.Close()
	conv.SetModel(*model)
	conv.SetTools(webraft.FunctionTool("get_weather", "Current weather in a city",
		`{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}`))
	conv.AddUser("What is the weather in Paris?")
	for {
		reply, err := send(client, conv, *stream)
		if err != nil {
			log.Fatal(err)
		}
		conv.AddAssistantTurn(reply)
		if len(reply.ToolCalls()) == 0 {
			break
		}
		for _, call := range reply.ToolCalls() {
			fmt.Printf("tool call %s: %s(%s)\n", call.ID, call.Name, call.Arguments)
			conv.AddToolResult(call.ID, getWeather(call.Arguments))
		}
	}
}

// getWeather is the tool: a real program would look the weather up.
func getWeather(arguments string) string {
	var args struct{ City string }
	if err := json.Unmarshal([]byte(arguments), &args); err != nil {
		return "error: " + err.Error() // the model reads this and can try again
	}
	return "22 C and sunny in " + args.City
}

// send sends the conversation and prints the reply's text: at once, or
// piece by piece as it streams.
func send(client *webraft.Client, conv *webraft.Conversation, stream bool) (*webraft.ChatCompletion, error) {
	ctx := context.Background()
	if !stream {
		reply, err := client.Chat(ctx, conv)
		if err == nil && reply.Text() != "" {
			fmt.Println(reply.Text())
		}
		return reply, err
	}
	s, err := client.ChatStream(ctx, conv)
	if err != nil {
		return nil, err
	}
	for chunk, err := range s.All() {
		if err != nil {
			return nil, err
		}
		fmt.Print(chunk.Text)
	}
	reply, err := s.Completion()
	if err == nil && reply.Text() != "" {
		fmt.Println()
	}
	return reply, err
}
