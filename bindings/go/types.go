package webraft

import (
	"encoding/json"
	"fmt"
	"time"
)

// ChatRequest holds the common fields of an OpenAI chat request body. Fields
// left at their zero value are not sent. Extra adds any other field; it wins
// over a typed field of the same name. Chat and ChatStream also accept the
// body as raw JSON ([]byte or json.RawMessage).
type ChatRequest struct {
	Model               string         `json:"model"`
	Messages            []Message      `json:"messages"`
	MaxTokens           int            `json:"max_tokens,omitempty"`
	MaxCompletionTokens int            `json:"max_completion_tokens,omitempty"`
	Temperature         *float64       `json:"temperature,omitempty"`
	TopP                *float64       `json:"top_p,omitempty"`
	N                   int            `json:"n,omitempty"`
	Stop                []string       `json:"stop,omitempty"`
	Seed                *int64         `json:"seed,omitempty"`
	User                string         `json:"user,omitempty"`
	Tools               []Tool         `json:"tools,omitempty"`
	ToolChoice          any            `json:"tool_choice,omitempty"`
	ResponseFormat      any            `json:"response_format,omitempty"`
	StreamOptions       *StreamOptions `json:"stream_options,omitempty"`
	Extra               map[string]any `json:"-"`
}

// StreamOptions is the request's stream_options; IncludeUsage asks for a
// final usage chunk.
type StreamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

// MarshalJSON writes the typed fields, then merges Extra.
func (r ChatRequest) MarshalJSON() ([]byte, error) {
	type plain ChatRequest
	return withExtra(plain(r), r.Extra, "ChatRequest")
}

// withExtra encodes typed, then sets the members of extra on it (they win).
func withExtra(typed any, extra map[string]any, typeName string) ([]byte, error) {
	body, err := json.Marshal(typed)
	if err != nil || len(extra) == 0 {
		return body, err
	}
	fields := map[string]json.RawMessage{}
	if err := json.Unmarshal(body, &fields); err != nil {
		return nil, err
	}
	for name, value := range extra {
		raw, err := json.Marshal(value)
		if err != nil {
			return nil, fmt.Errorf("webraft: %s.Extra[%q]: %w", typeName, name, err)
		}
		fields[name] = raw
	}
	return json.Marshal(fields)
}

// Message is one chat message. Content is sent as a string, or Parts as an
// array of content parts when Parts is not empty. An assistant message with
// only ToolCalls is sent with "content": null.
type Message struct {
	Role       string
	Content    string
	Parts      []ContentPart
	Name       string
	ToolCalls  []ToolCall
	ToolCallID string
}

// SystemMessage, UserMessage and AssistantMessage build text messages.
func SystemMessage(text string) Message    { return Message{Role: "system", Content: text} }
func UserMessage(text string) Message      { return Message{Role: "user", Content: text} }
func AssistantMessage(text string) Message { return Message{Role: "assistant", Content: text} }

// UserParts builds a user message from content parts (text and images).
func UserParts(parts ...ContentPart) Message { return Message{Role: "user", Parts: parts} }

type messageJSON struct {
	Role       string          `json:"role"`
	Content    json.RawMessage `json:"content"`
	Name       string          `json:"name,omitempty"`
	ToolCalls  []ToolCall      `json:"tool_calls,omitempty"`
	ToolCallID string          `json:"tool_call_id,omitempty"`
}

func (m Message) MarshalJSON() ([]byte, error) {
	out := messageJSON{Role: m.Role, Name: m.Name, ToolCalls: m.ToolCalls, ToolCallID: m.ToolCallID}
	var err error
	switch {
	case len(m.Parts) > 0:
		out.Content, err = json.Marshal(m.Parts)
	case m.Content == "" && len(m.ToolCalls) > 0:
		out.Content = json.RawMessage("null")
	default:
		out.Content, err = json.Marshal(m.Content)
	}
	if err != nil {
		return nil, err
	}
	return json.Marshal(out)
}

func (m *Message) UnmarshalJSON(data []byte) error {
	var in messageJSON
	if err := json.Unmarshal(data, &in); err != nil {
		return err
	}
	*m = Message{Role: in.Role, Name: in.Name, ToolCalls: in.ToolCalls, ToolCallID: in.ToolCallID}
	if len(in.Content) == 0 || string(in.Content) == "null" {
		return nil
	}
	if in.Content[0] == '[' {
		return json.Unmarshal(in.Content, &m.Parts)
	}
	return json.Unmarshal(in.Content, &m.Content)
}

// ContentPart is one part of a message's content: text or an image.
type ContentPart struct {
	Type     string    `json:"type"`
	Text     string    `json:"text,omitempty"`
	ImageURL *ImageURL `json:"image_url,omitempty"`
}

// ImageURL is an image part's target: an http(s) URL or a data: URL.
type ImageURL struct {
	URL    string `json:"url"`
	Detail string `json:"detail,omitempty"` // "auto", "low" or "high"
}

// TextPart is a text content part.
func TextPart(text string) ContentPart { return ContentPart{Type: "text", Text: text} }

// ImageURLPart is an image content part for an http(s) or data: URL.
func ImageURLPart(url string) ContentPart {
	return ContentPart{Type: "image_url", ImageURL: &ImageURL{URL: url}}
}

// Tool is a function the model may call.
type Tool struct {
	Type     string       `json:"type"` // "function"
	Function FunctionSpec `json:"function"`
}

// FunctionSpec describes a callable function; Parameters is a JSON Schema.
type FunctionSpec struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Parameters  any    `json:"parameters,omitempty"`
}

// FunctionTool is a function tool whose parameters are a JSON Schema given
// as JSON text ("" for none), the shortest way to declare a tool:
//
//	webraft.FunctionTool("get_weather", "Current weather in a city",
//		`{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}`)
func FunctionTool(name, description, parametersSchema string) Tool {
	spec := FunctionSpec{Name: name, Description: description}
	if parametersSchema != "" {
		spec.Parameters = json.RawMessage(parametersSchema)
	}
	return Tool{Type: "function", Function: spec}
}

// ToolCall is a function call the model asked for: answer it with a tool
// message carrying its ID (Conversation.AddToolResult). On the wire it is
// OpenAI's {"id","type":"function","function":{"name","arguments"}}.
type ToolCall struct {
	ID        string
	Name      string
	Arguments string // JSON text exactly as the model sent it
	// Index, in a stream chunk's delta, says which call a fragment belongs
	// to; there ID and Name come once and Arguments arrives in pieces.
	Index *int
}

type toolCallJSON struct {
	Index    *int   `json:"index,omitempty"`
	ID       string `json:"id,omitempty"`
	Type     string `json:"type,omitempty"`
	Function struct {
		Name      string `json:"name,omitempty"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

func (t ToolCall) MarshalJSON() ([]byte, error) {
	out := toolCallJSON{Index: t.Index, ID: t.ID, Type: "function"}
	out.Function.Name, out.Function.Arguments = t.Name, t.Arguments
	return json.Marshal(out)
}

func (t *ToolCall) UnmarshalJSON(data []byte) error {
	var in toolCallJSON
	if err := json.Unmarshal(data, &in); err != nil {
		return err
	}
	*t = ToolCall{ID: in.ID, Name: in.Function.Name, Arguments: in.Function.Arguments, Index: in.Index}
	return nil
}

// Usage is the token accounting of a reply.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// ChatCompletion is a chat reply (for a stream, the completion the library
// accumulated from its chunks). Raw keeps the JSON as received, for fields
// the struct does not name; CallInfo says how the call went.
type ChatCompletion struct {
	ID                string   `json:"id"`
	Object            string   `json:"object"`
	Created           int64    `json:"created"`
	Model             string   `json:"model"`
	SystemFingerprint string   `json:"system_fingerprint"`
	Choices           []Choice `json:"choices"`
	Usage             *Usage   `json:"usage"`

	Raw      json.RawMessage `json:"-"`
	CallInfo `json:"-"`
	libraryReply
}

// Choice is one alternative reply.
type Choice struct {
	Index        int             `json:"index"`
	Message      Message         `json:"message"`
	FinishReason string          `json:"finish_reason"`
	Logprobs     json.RawMessage `json:"logprobs"`
}

// CallInfo describes how a call went. Its ReplyHeaders methods (Headers,
// Header, RateLimit) read the final reply's headers.
type CallInfo struct {
	RequestID  string // x-request-id of the last response
	HTTPStatus int    // HTTP status of the last response, 0 if none arrived
	Timings    Timings
	Retries    int // retries taken; 0 when the first attempt was final
	Chunks     int // stream chunks or events received, also those Chat only accumulated (0 for a plain reply)
	// BytesReceived counts the final reply's body bytes that arrived, kept,
	// written to a file or handed on alike; for a cut body, those before the cut.
	BytesReceived int64
	ReplyHeaders
	EndpointInfo // which endpoint answered, and how many were tried
}

// Timings are the call's milestones measured from its start; a negative
// value means the milestone was never reached.
type Timings struct {
	Headers    time.Duration // status line and headers received
	FirstChunk time.Duration // first stream chunk decoded
	Total      time.Duration // the call finished
}

// Chunk is one stream chunk: its delta text and its JSON as received.
type Chunk struct {
	// Text is what the chunk adds to the first choice's content ("" for a
	// role, finish or usage chunk), extracted by the library.
	Text string
	// JSON is the chat.completion.chunk object; Decode parses it.
	JSON json.RawMessage
}

// Decode parses the chunk into its typed form (role, tool-call fragments,
// finish reason, usage).
func (c Chunk) Decode() (ChatCompletionChunk, error) {
	var out ChatCompletionChunk
	err := json.Unmarshal(c.JSON, &out)
	return out, err
}

// ChatCompletionChunk is the typed form of a chat.completion.chunk.
type ChatCompletionChunk struct {
	ID                string        `json:"id"`
	Object            string        `json:"object"`
	Created           int64         `json:"created"`
	Model             string        `json:"model"`
	SystemFingerprint string        `json:"system_fingerprint"`
	Choices           []ChunkChoice `json:"choices"`
	Usage             *Usage        `json:"usage"`
}

// ChunkChoice is one choice's part of a chunk.
type ChunkChoice struct {
	Index        int    `json:"index"`
	Delta        Delta  `json:"delta"`
	FinishReason string `json:"finish_reason"`
}

// Delta is what a chunk adds to a choice's message.
type Delta struct {
	Role      string     `json:"role"`
	Content   string     `json:"content"`
	ToolCalls []ToolCall `json:"tool_calls"`
}
