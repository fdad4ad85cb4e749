// Command media transcribes a recording, speaks a line into an audio file,
// or draws an image into a file.
//
//	WEBRAFT_API_KEY=... go run ./media transcribe [-stream] [-model M] voice.wav
//	WEBRAFT_API_KEY=... go run ./media speak [-voice V] [-model M] -o line.mp3 TEXT...
//	WEBRAFT_API_KEY=... go run ./media image [-model M] -o picture.png PROMPT...
//
// WEBRAFT_BASE_URL picks another endpoint. Files are written atomically: a
// failed call leaves an existing file as it was.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"strings"

	webraft "github.com/webraft/webraft/bindings/go"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("media: ")
	if len(os.Args) < 2 {
		log.Fatal("usage: media transcribe|speak|image [flags] ARGS")
	}
	client, err := webraft.NewClient(webraft.Config{BaseURL: os.Getenv("WEBRAFT_BASE_URL")})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	flags := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	model := flags.String("model", "", "the model (default: whisper-1, tts-1 or gpt-image-1)")
	out := flags.String("o", "", "the file to write (speak, image)")
	voice := flags.String("voice", "alloy", "the voice (speak)")
	stream := flags.Bool("stream", false, "print the transcript as it arrives (transcribe)")
	flags.Parse(os.Args[2:])
	text := strings.Join(flags.Args(), " ")
	ctx := context.Background()
	switch os.Args[1] {
	case "transcribe":
		err = transcribe(ctx, client, or(*model, "whisper-1"), text, *stream)
	case "speak":
		err = speak(ctx, client, webraft.SpeechRequest{Model: or(*model, "tts-1"), Input: text, Voice: *voice}, *out)
	case "image":
		err = draw(ctx, client, webraft.ImageRequest{Model: or(*model, "gpt-image-1"), Prompt: text, ResponseFormat: "b64_json"}, *out)
	default:
		err = errors.New("unknown command " + os.Args[1])
	}
	if err != nil {
		log.Fatal(err)
	}
}

func or(value, otherwise string) string {
	if value == "" {
		return otherwise
	}
	return value
}

// transcribe prints what is said in the recording at path; the library
// streams the file from disk into the upload.
func transcribe(ctx context.Context, client *webraft.Client, model, path string, stream bool) error {
	req := webraft.TranscriptionRequest{File: webraft.FilePath(path), Model: model}
	if !stream {
		t, err := client.Transcribe(ctx, req)
		if err == nil {
			fmt.Println(t.Text)
		}
		return err
	}
	_, err := client.TranscribeStream(ctx, req, func(ev webraft.Event) error {
		// The "type" names an event with or without an SSE name.
		if kind, _ := ev.GetString("/type"); kind == "transcript.text.delta" {
			delta, _ := ev.GetString("/delta")
			fmt.Print(delta)
		}
		return nil
	})
	fmt.Println()
	return err
}

// speak writes the spoken line to the file out.
func speak(ctx context.Context, client *webraft.Client, req webraft.SpeechRequest, out string) error {
	if out == "" {
		return errors.New("speak needs -o FILE")
	}
	resp, err := client.SpeechToFile(ctx, req, out)
	if err == nil {
		fmt.Printf("wrote %d bytes to %s\n", resp.BytesReceived, out)
	}
	return err
}

// draw writes the first image to the file out, or prints its URL when the
// server sent a link.
func draw(ctx context.Context, client *webraft.Client, req webraft.ImageRequest, out string) error {
	if out == "" {
		return errors.New("image needs -o FILE")
	}
	images, err := client.GenerateImages(ctx, req)
	if err != nil {
		return err
	}
	if len(images.Data) == 0 {
		return errors.New("the reply holds no image")
	}
	if images.Data[0].URL != "" {
		fmt.Println(images.Data[0].URL)
		return nil
	}
	if err := images.Save(0, out); err != nil {
		return err
	}
	fmt.Printf("wrote %d bytes to %s\n", len(images.Data[0].Bytes), out)
	return nil
}
