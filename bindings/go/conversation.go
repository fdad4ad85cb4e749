package webraft

/*
#include "bridge.h"
*/
import "C"

import (
	"encoding/json"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

// liveConversations counts library conversations not yet freed (leak checks
// in tests).
var liveConversations atomic.Int64

// Conversation is a dialogue kept by the library: its messages and the
// request parameters (model, tools, ...). Send it with Client.Chat,
// ChatStream or ChatStreamFunc, or to the Responses API with
// Client.Responses, ResponsesStream or ResponsesStreamFunc; a request takes a copy, so the conversation
// may change while it runs. Append the reply with AddAssistantTurn, answer
// its tool calls with AddToolResult, and send again. Save and load the
// messages with encoding/json (MarshalJSON, UnmarshalJSON): they are an
// OpenAI messages array.
//
// The methods that return nothing (the text adds, AddToolResult,
// AddAssistantTurn and the setters) fail only on bad input from the
// program itself: text with a NUL byte or invalid UTF-8, a value that does
// not encode, a reply without an assistant message, a closed conversation.
// Their first failure is recorded instead: Err reports it, and sending the
// conversation fails with it, since a dialogue missing a message is not the
// one the program meant to send. The image adds, which read files and data,
// return their errors and record nothing.
//
// A Conversation is safe for concurrent use. Close frees it; one that
// becomes unreachable without Close is freed by a cleanup at a later garbage
// collection. The zero Conversation is empty and ready to use (so
// json.Unmarshal can fill a new one); it must not be copied after first use.
type Conversation struct {
	mu      sync.Mutex // held while ptr is in use, so Close cannot free it underneath
	ptr     *C.webraft_conversation
	closed  bool
	err     error // the first recorded failure
	cleanup runtime.Cleanup
}

// NewConversation returns an empty conversation.
func NewConversation() *Conversation { return &Conversation{} }

func freeConversation(ptr *C.webraft_conversation) {
	C.webraft_conversation_free(ptr)
	liveConversations.Add(-1)
}

// adopt makes ptr the library conversation behind c, freeing the one it
// replaces. Call with c.mu held.
func (c *Conversation) adopt(ptr *C.webraft_conversation) {
	if c.ptr != nil {
		c.cleanup.Stop()
		freeConversation(c.ptr)
	}
	liveConversations.Add(1)
	c.ptr = ptr
	c.cleanup = runtime.AddCleanup(c, freeConversation, ptr)
}

// use runs f on the library conversation under the lock, creating it on
// first use.
func (c *Conversation) use(f func(*C.webraft_conversation) error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrConversationClosed
	}
	if c.ptr == nil {
		c.adopt(C.webraft_conversation_new())
	}
	err := f(c.ptr)
	runtime.KeepAlive(c)
	return err
}

// change runs one of the methods that return nothing, recording its failure
// (see Conversation) with the method's name in it.
func (c *Conversation) change(method string, f func(*C.webraft_conversation) error) {
	err := c.use(f)
	if err == nil {
		return
	}
	if e, ok := err.(*Error); ok {
		named := *e
		named.Message = "Conversation." + method + ": " + e.Message
		err = &named
	} else {
		err = fmt.Errorf("webraft: Conversation.%s: %w", method, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = err
	}
}

// changeText is change for a library call taking one string.
func (c *Conversation) changeText(method, text string, f func(*C.webraft_conversation, *C.char) C.webraft_status) {
	c.change(method, func(p *C.webraft_conversation) error {
		cText, err := nulTerminated([]byte(text))
		if err != nil {
			return err
		}
		return statusError(f(p, cString(cText)), "")
	})
}

// Err is the first failure recorded by a method that returns nothing, or
// nil. Sending the conversation fails with it.
func (c *Conversation) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Close frees the conversation; later calls fail with ErrConversationClosed.
// Requests already started are not affected. Idempotent.
func (c *Conversation) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ptr != nil {
		c.cleanup.Stop()
		freeConversation(c.ptr)
		c.ptr = nil
	}
	c.closed = true
}

// Len is the number of messages (0 once closed).
func (c *Conversation) Len() int {
	n := 0
	c.use(func(p *C.webraft_conversation) error {
		n = int(C.webraft_conversation_len(p))
		return nil
	})
	return n
}

func (c *Conversation) addMessage(method string, role C.uint32_t, text string) {
	c.changeText(method, text, func(p *C.webraft_conversation, t *C.char) C.webraft_status {
		return C.webraft_conversation_add_message(p, role, t)
	})
}

// AddSystem appends a system message.
func (c *Conversation) AddSystem(text string) { c.addMessage("AddSystem", C.WEBRAFT_ROLE_SYSTEM, text) }

// AddDeveloper appends a developer message (the system role of newer
// OpenAI models).
func (c *Conversation) AddDeveloper(text string) {
	c.addMessage("AddDeveloper", C.WEBRAFT_ROLE_DEVELOPER, text)
}

// AddUser appends a user message; AddImageFile and the other image adds
// attach images to it.
func (c *Conversation) AddUser(text string) { c.addMessage("AddUser", C.WEBRAFT_ROLE_USER, text) }

// AddAssistant appends an assistant message with text, e.g. a scripted
// line; use AddAssistantTurn for a reply the model gave.
func (c *Conversation) AddAssistant(text string) {
	c.addMessage("AddAssistant", C.WEBRAFT_ROLE_ASSISTANT, text)
}

// AddSystemIfMissing puts a system message first unless there is one
// already, so a loaded dialogue keeps its own.
func (c *Conversation) AddSystemIfMissing(text string) {
	c.changeText("AddSystemIfMissing", text, func(p *C.webraft_conversation, t *C.char) C.webraft_status {
		return C.webraft_conversation_add_system_if_missing(p, t)
	})
}

// AddText adds a text part to the last message.
func (c *Conversation) AddText(text string) {
	c.changeText("AddText", text, func(p *C.webraft_conversation, t *C.char) C.webraft_status {
		return C.webraft_conversation_add_text_part(p, t)
	})
}

// AddToolResult appends the answer to the tool call with the ID
// toolCallID (from ChatCompletion.ToolCalls): a "tool" message.
func (c *Conversation) AddToolResult(toolCallID, content string) {
	c.change("AddToolResult", func(p *C.webraft_conversation) error {
		cID, err := nulTerminated([]byte(toolCallID))
		if err != nil {
			return err
		}
		cContent, err := nulTerminated([]byte(content))
		if err != nil {
			return err
		}
		return statusError(C.webraft_conversation_add_tool_result(p, cString(cID), cString(cContent)), "")
	})
}

// Reply is a model's reply that a Conversation can append: a
// *ChatCompletion or a *ModelResponse.
type Reply interface{ reply() *libraryReply }

// AddAssistantTurn appends the assistant turn of reply as the server sent
// it: a chat completion's message (text, tool calls, refusal), a response's
// output (text, function calls). A null content beside tool calls is stored
// as "", which every server accepts, unless SetKeepNullContent(true).
func (c *Conversation) AddAssistantTurn(reply Reply) {
	c.change("AddAssistantTurn", func(p *C.webraft_conversation) error {
		var l *libraryReply
		if reply != nil {
			l = reply.reply()
		}
		var status C.webraft_status
		l.with(func(r *C.webraft_result) {
			status = C.webraft_conversation_add_assistant_turn(p, r)
		})
		return statusError(status, "")
	})
}

// imageAdd is one of the library's image adds: source is the URL or path
// (unused for bytes), detail may be NULL.
type imageAdd func(p *C.webraft_conversation, source, detail *C.char, failure **C.webraft_result) C.webraft_status

// addImage runs an image add; "" as detail leaves it to the server.
func (c *Conversation) addImage(source, detail string, add imageAdd) error {
	cSource, err := nulTerminated([]byte(source))
	if err != nil {
		return err
	}
	var cDetail []byte
	if detail != "" {
		if cDetail, err = nulTerminated([]byte(detail)); err != nil {
			return err
		}
	}
	return c.use(func(p *C.webraft_conversation) error {
		var failure *C.webraft_result
		return failureError(add(p, cString(cSource), cString(cDetail), &failure), failure)
	})
}

// AddImageURL adds an image part with an https:// or data: URL to the last
// message. detail is "auto", "low", "high", or "" for the server's default.
func (c *Conversation) AddImageURL(url, detail string) error {
	return c.addImage(url, detail, func(p *C.webraft_conversation, url, detail *C.char, failure **C.webraft_result) C.webraft_status {
		return C.webraft_conversation_add_image_url(p, url, detail, failure)
	})
}

// AddImageFile adds a local image (PNG, JPEG, GIF, WebP), sent as a data
// URL, to the last message. An unreadable file fails with ErrIO. detail as
// for AddImageURL.
func (c *Conversation) AddImageFile(path, detail string) error {
	return c.addImage(path, detail, func(p *C.webraft_conversation, path, detail *C.char, failure **C.webraft_result) C.webraft_status {
		return C.webraft_conversation_add_image_file(p, path, detail, failure)
	})
}

// AddImageBytes adds an image held in memory (the library copies it), sent
// as a data URL, to the last message. detail as for AddImageURL.
func (c *Conversation) AddImageBytes(image []byte, detail string) error {
	return c.addImage("", detail, func(p *C.webraft_conversation, _, detail *C.char, failure **C.webraft_result) C.webraft_status {
		var data *C.uint8_t
		if len(image) > 0 {
			data = (*C.uint8_t)(unsafe.Pointer(&image[0]))
		}
		return C.webraft_conversation_add_image_bytes(p, data, C.size_t(len(image)), detail, failure)
	})
}

// SetParam sets any request member from its JSON text, e.g.
// SetParam("seed", "7") or a provider's own field. "messages", "stream" and
// "stream_options" are the library's to write and are refused.
func (c *Conversation) SetParam(name, valueJSON string) {
	c.change("SetParam("+name+")", func(p *C.webraft_conversation) error {
		return c.setParam(p, name, []byte(valueJSON))
	})
}

func (c *Conversation) setParam(p *C.webraft_conversation, name string, value []byte) error {
	cName, err := nulTerminated([]byte(name))
	if err != nil {
		return err
	}
	cValue, err := nulTerminated(value)
	if err != nil {
		return err
	}
	var failure *C.webraft_result
	return failureError(C.webraft_conversation_set_param(p, cString(cName), cString(cValue), &failure), failure)
}

// setValue sets a request member to value encoded by encoding/json.
func (c *Conversation) setValue(method, name string, value any) {
	c.change(method, func(p *C.webraft_conversation) error {
		body, err := json.Marshal(value)
		if err != nil {
			return err
		}
		return c.setParam(p, name, body)
	})
}

// SetTools sets the functions the model may call (see FunctionTool).
func (c *Conversation) SetTools(tools ...Tool) { c.setValue("SetTools", "tools", tools) }

// SetToolChoice sets tool_choice: "auto", "none", "required", or a value
// that encodes to the object naming one function.
func (c *Conversation) SetToolChoice(choice any) { c.setValue("SetToolChoice", "tool_choice", choice) }

// SetResponseFormat sets response_format, e.g.
// map[string]string{"type": "json_object"}, or json.RawMessage text.
func (c *Conversation) SetResponseFormat(format any) {
	c.setValue("SetResponseFormat", "response_format", format)
}

// SetModel sets the model.
func (c *Conversation) SetModel(model string) {
	c.changeText("SetModel", model, func(p *C.webraft_conversation, t *C.char) C.webraft_status {
		return C.webraft_conversation_set_model(p, t)
	})
}

// SetTemperature sets the sampling temperature (NaN and infinities fail).
func (c *Conversation) SetTemperature(temperature float64) {
	c.change("SetTemperature", func(p *C.webraft_conversation) error {
		return statusError(C.webraft_conversation_set_temperature(p, C.double(temperature)), "")
	})
}

// SetMaxTokens sets max_tokens (a negative value fails).
func (c *Conversation) SetMaxTokens(n int) {
	c.change("SetMaxTokens", func(p *C.webraft_conversation) error {
		if n < 0 {
			return statusError(C.WEBRAFT_STATUS_INVALID_ARGUMENT, fmt.Sprintf("max tokens %d", n))
		}
		return statusError(C.webraft_conversation_set_max_tokens(p, C.uint64_t(n)), "")
	})
}

// SetStreamUsage asks streamed replies of this conversation for their token
// usage (see Config.StreamUsage; WithStreamUsage still overrides it).
func (c *Conversation) SetStreamUsage(on bool) {
	c.change("SetStreamUsage", func(p *C.webraft_conversation) error {
		return statusError(C.webraft_conversation_set_stream_usage(p, C.bool(on)), "")
	})
}

// SetKeepNullContent makes AddAssistantTurn keep "content": null on
// tool-call-only turns instead of storing "".
func (c *Conversation) SetKeepNullContent(on bool) {
	c.change("SetKeepNullContent", func(p *C.webraft_conversation) error {
		return statusError(C.webraft_conversation_set_keep_null_content(p, C.bool(on)), "")
	})
}

// MarshalJSON writes the messages as an OpenAI messages array (the
// parameters are not part of it).
func (c *Conversation) MarshalJSON() ([]byte, error) {
	var out []byte
	err := c.use(func(p *C.webraft_conversation) error {
		var text *C.char
		var n C.size_t
		if err := statusError(C.webraft_conversation_to_json(p, &text, &n), ""); err != nil {
			return err
		}
		out = goBytes(text, n)
		C.webraft_string_free(text)
		return nil
	})
	return out, err
}

// UnmarshalJSON loads an OpenAI messages array, as MarshalJSON writes it.
// It replaces the whole conversation: the messages, the parameters (set the
// model and tools again) and a recorded failure.
func (c *Conversation) UnmarshalJSON(data []byte) error {
	cData, err := nulTerminated(data)
	if err != nil {
		return err
	}
	var loaded *C.webraft_conversation
	var failure *C.webraft_result
	if err := failureError(C.webraft_conversation_from_json(cString(cData), &loaded, &failure), failure); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		C.webraft_conversation_free(loaded)
		return ErrConversationClosed
	}
	c.adopt(loaded)
	c.err = nil
	return nil
}
