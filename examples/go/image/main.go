// Command image asks a question about a local image file.
//
//	WEBRAFT_API_KEY=... go run ./image [-model M] PATH [QUESTION]
//
// WEBRAFT_BASE_URL picks another endpoint.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"strings"

	webraft "github.com/webraft/webraft/bindings/go"
)

func main() {
	model := flag.String("model", "gpt-4o", "a model that reads images")
	flag.Parse()
	if flag.NArg() == 0 {
		log.Fatal("usage: image [-model M] PATH [QUESTION]")
	}
	question := strings.Join(flag.Args()[1:], " ")
	if question == "" {
		question = "What is in this image?"
	}

	client, err := webraft.NewClient(webraft.Config{BaseURL: os.Getenv("WEBRAFT_BASE_URL")})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	conv := webraft.NewConversation()
	defer conv.Close()
	conv.SetModel(*model)
	conv.AddUser(question)
	// The library reads the file and sends it as a data URL; "low" detail costs fewer tokens.
	if err := conv.AddImageFile(flag.Arg(0), "low"); err != nil {
		log.Fatal(err)
	}
	reply, err := client.Chat(context.Background(), conv)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(reply.Text())
}
