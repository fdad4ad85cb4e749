// Command models lists the models the endpoint offers.
//
//	WEBRAFT_API_KEY=... go run ./models
//
// WEBRAFT_BASE_URL picks another endpoint.
package main

import (
	"context"
	"fmt"
	"log"
	"os"

	webraft "github.com/webraft/webraft/bindings/go"
)

func main() {
	client, err := webraft.NewClient(webraft.Config{BaseURL: os.Getenv("WEBRAFT_BASE_URL")})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	// Do reaches any endpoint under the base URL; the reply decodes into a struct.
	resp, err := client.Do(context.Background(), "GET", "/models", nil)
	if err != nil {
		log.Fatal(err)
	}
	var models struct {
		Data []struct {
			ID      string `json:"id"`
			OwnedBy string `json:"owned_by"`
		} `json:"data"`
	}
	if err := resp.JSON(&models); err != nil {
		log.Fatal(err)
	}
	for _, m := range models.Data {
		fmt.Printf("%s (%s)\n", m.ID, m.OwnedBy)
	}
}
