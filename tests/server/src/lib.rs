//! # webraft-test-server
//!
//! A scriptable, deterministic OpenAI/WebraftAI-compatible HTTP/1.1 server for webraft's test
//! suites (Rust, C, Go, C#). HTTP is hand-rolled on tokio TCP streams (or TLS over them, see
//! "TLS mode") so byte-level misbehaviour (stalls, truncation, odd framing) is exactly what this
//! document says, over plain HTTP and HTTPS alike.
//!
//! ## Starting it
//!
//! * Rust: `let server = TestServer::start(ServerOptions::default());` then
//!   `server.url("/v1")` → `http://127.0.0.1:PORT/v1`. The server runs on its own thread and
//!   tokio runtime (usable from sync tests) and stops when the `TestServer` is dropped.
//! * HTTPS: `TestServer::start_tls(ServerOptions::default(), TlsOptions { require_client_cert })`;
//!   `url("/v1")` → `https://localhost:PORT/v1` (see "TLS mode").
//! * Other languages: run the binary
//!   `webraft-test-server [--port N] [--api-key KEY] [--tls] [--require-client-cert] [--exit-on-stdin-eof]`.
//!   It binds `127.0.0.1:N` (default 0 = a free port), prints exactly one line `LISTENING <port>`
//!   to stdout and flushes, then serves until killed. With `--exit-on-stdin-eof` it also exits
//!   when its stdin reaches EOF (give it a pipe and it dies with the harness). Without the flag
//!   stdin is ignored, so `</dev/null` is fine. `--tls` serves HTTPS instead of HTTP;
//!   `--require-client-cert` implies `--tls` and demands a client certificate (see "TLS mode").
//!
//! ## TLS mode
//!
//! The certificates are committed fixtures in `tests/server/certs/` (valid until 2126, EC P-256,
//! keys PKCS#8 PEM), embedded in the crate and exposed to Rust tests as [`CA_PEM`],
//! [`SERVER_CERT_PEM`], [`SERVER_KEY_PEM`], [`CLIENT_CERT_PEM`], [`CLIENT_KEY_PEM`] and as files
//! via [`fixture_path`]`("ca.pem")` etc.:
//!
//! | file         | what                                                                          |
//! |--------------|-------------------------------------------------------------------------------|
//! | `ca.pem`     | the test CA; a client must add it as a trusted root (it is in no system store) |
//! | `server.pem` / `server.key` | the server's leaf, signed by the CA, SAN `DNS:localhost` and `IP:127.0.0.1` |
//! | `client.pem` / `client.key` | a client-auth leaf signed by the same CA, for mTLS              |
//!
//! * rustls with the ring provider, TLS 1.2 and 1.3, ALPN `http/1.1` only (HTTP/2 is not spoken).
//! * The server still binds `127.0.0.1` only; `localhost` must resolve there (a client trying
//!   `::1` first gets "connection refused" and moves on). `https://127.0.0.1:PORT` works too.
//! * A client that does not trust `ca.pem` fails the handshake (rustls: `UnknownIssuer`); the
//!   server just drops that connection and keeps serving.
//! * `require_client_cert: true` (`--require-client-cert`): the handshake succeeds only with a
//!   client certificate chaining to `ca.pem`. Without one, a TLS 1.3 client sees its handshake
//!   finish and then a `certificate_required` alert on its first read; no HTTP response is sent.
//!   With `false`, no client certificate is requested.
//! * Everything else (routes, scenarios, keep-alive, stalls, disconnects) behaves exactly as over
//!   plain HTTP. Where the server "closes" a connection it sends TLS `close_notify` first.
//!
//! ## Base URLs
//!
//! | base       | style                      | error body                                                             | stream framing (`"stream": true`)                                           |
//! |------------|----------------------------|------------------------------------------------------------------------|-----------------------------------------------------------------------------|
//! | `/v1`      | OpenAI                     | `{"error":{"message":M,"type":T,"param":P,"code":C}}` (C string/null)  | SSE, `Content-Type: text/event-stream`, `data: <json>\n\n` …, `data: [DONE]\n\n` |
//! | `/v2`      | WebraftAI paid plan        | `{"error":M,"type":T,"param":P,"code":<HTTP status number>}`           | JSON lines, `Content-Type: application/x-ndjson`, `<json>\n\n` …, no `[DONE]` |
//! | `/freeapi` | WebraftAI free plan        | same as `/v2`                                                          | same as `/v2` but `Content-Type: text/plain; charset=utf-8` (clients must sniff) |
//!
//! Routes (under each base; a trailing `/` is tolerated):
//!
//! | route                    | method | what                                                                          |
//! |--------------------------|--------|-------------------------------------------------------------------------------|
//! | `{base}/chat/completions`| POST   | chat completions, scenarios below                                             |
//! | `{base}/responses`       | POST   | the Responses API, see "Responses API" below                                  |
//! | `{base}/events`          | GET, POST | a fixed stream of mixed events, see "Any-endpoint events" below            |
//! | `{base}/models`          | GET    | `{"object":"list","data":[{"id":"gpt-4o","object":"model","created":1700000000,"owned_by":"webraft-test"}, …]}` (ids: gpt-4o, gpt-4o-mini, gpt-3.5-turbo, text-embedding-3-small) |
//! | `{base}/embeddings`      | POST   | deterministic fake embeddings (below)                                         |
//! | `{base}/debug/echo`      | any    | 200 `{"method","path","query":{k:v},"headers":{lowercase-name:value},"body":<JSON or null>,"absolute_form":bool,"host":<Host header or null>}` (see "Proxies") |
//!
//! Anything else → 404 (error style of the base; `/v1` style when no base matches), code
//! `unknown_url`. A wrong method on a known route → 405 with `Allow` (`Allow: GET, POST` on
//! `/events`), code `method_not_allowed`.
//!
//! ## Common behaviour
//!
//! * Every response has `x-request-id: req_<k>`, k = 1, 2, 3, … per server (every HTTP request,
//!   including rejected ones, takes the next k). Chat ids are `chatcmpl-test-<k>` with the same k,
//!   Responses ids `resp_test-<k>`.
//!   `created` is always `1700000000`.
//! * HTTP/1.1 keep-alive (HTTP/1.0 only with `Connection: keep-alive`); `Connection: close` is
//!   honoured. Request targets in absolute-form are served as if local (see "Proxies"). Request
//!   bodies by `Content-Length` or `Transfer-Encoding: chunked`; `Expect: 100-continue` is answered. Bodies over 64 MiB → 413 (then close); headers over
//!   64 KiB → 431; malformed HTTP → 400 (then close).
//! * Non-stream responses carry `Content-Length`. Streams use `Transfer-Encoding: chunked`, one
//!   HTTP chunk per event, each written to the socket at once (TCP_NODELAY), except `big-chunks-<n>`
//!   which batches writes (~64 KiB) for throughput — still one HTTP chunk per event — and
//!   `responses-split`, which writes every event as many small chunks.
//!   Streams that do not end normally (`stall-body`, `disconnect`, `error-event`, `events-stall`)
//!   are sent with `Connection: close`; all others follow the request's keep-alive.
//! * Auth on every route (checked after routing, before validation):
//!   `Authorization: Bearer <api key>` (default key `test-key`) → proceed;
//!   `Bearer no-credits-key` → 402, message `Insufficient Credits`, type/code `insufficient_quota`;
//!   anything else or missing → 401, message `Wrong Api key`, type `invalid_request_error`,
//!   code `invalid_api_key` (on `/v2`, `/freeapi`: `{"error":"Wrong Api key",…,"code":401}`).
//! * `request_count(model)` (Rust API) counts POSTs to any `…/chat/completions` or
//!   `…/responses` whose body is a JSON object with a string `model`, counted on arrival — before
//!   auth, validation and scenarios — so retry tests see every attempt.
//! * Rate-limit headers: the 429s of `rate-limit` and `retry-after-…-<k>-<tag>` carry an exhausted
//!   quota, `x-ratelimit-limit-requests: 60`, `x-ratelimit-remaining-requests: 0`,
//!   `x-ratelimit-reset-requests: 1s`, `x-ratelimit-limit-tokens: 150000`,
//!   `x-ratelimit-remaining-tokens: 0`, `x-ratelimit-reset-tokens: 6m0s` (before their retry
//!   hints). The `rate-limit-headers` model adds a healthy quota to a successful answer.
//!
//! ## Proxies
//!
//! A client sending through an HTTP proxy writes the request line in absolute-form
//! (`POST http://host:port/v1/chat/completions HTTP/1.1`). The server accepts that form and
//! serves the path (and query) as if it had been sent alone, whatever the host; `/debug/echo` and
//! the `echo-request` model report `"absolute_form": true` and `"host"` = the `Host` header (null
//! when absent; origin-form requests give `false`). So to prove a client used its configured
//! proxy, give it base URL `http://webraft-proxy-test.invalid/v1` (a name that never resolves)
//! and this server as its HTTP proxy: a reply at all means the proxy was used, and the echo shows
//! `absolute_form: true`, `host: "webraft-proxy-test.invalid"`. `CONNECT` (HTTPS through a
//! proxy) is not supported.
//!
//! ## Chat request validation (400, error style of the base, type `invalid_request_error`)
//!
//! Checked in this order; `param` names the offending field.
//! * Body must be JSON (`We could not parse the JSON body of your request…`, param null) and an
//!   object.
//! * `model`: required string (param `model`).
//! * `messages`: required non-empty array; each item an object with string `role` in
//!   system/user/assistant/tool/developer (param `messages[i].role`), and `content` a string, an
//!   array of parts, or null/absent (assistant only) (param `messages[i].content`).
//!   Parts: `{"type":"text","text":string}` or
//!   `{"type":"image_url","image_url":{"url":string,"detail"?:string}}`
//!   (params like `messages[0].content[1].image_url.url`). An image URL must be `http://…` /
//!   `https://…` (non-empty, no whitespace) or `data:image/<subtype>;base64,<base64>` with
//!   non-empty, decodable standard base64 (padding optional).
//! * `stream`: boolean if present. `max_tokens` (or `max_completion_tokens` when `max_tokens` is
//!   absent): positive integer. `n`: integer 1..=8. `stream_options`: object,
//!   `stream_options.include_usage`: boolean. A JSON `null` counts as absent for all of these.
//! * Model `big-chunks-<n>` with n > 1000000, `trickle-<ms>` with ms > 5000, `huge-body-<bytes>`
//!   or `huge-line-<bytes>` with bytes > 268435456 (256 MiB) → 400, param `model`.
//!
//! ## Normal replies (any model not listed under Scenarios)
//!
//! * Reply text: `Hello! You said: <said>` where `<said>` is the text of the last `user`
//!   message (string content, or its text parts joined with `" "`; empty if there is no user
//!   message), followed, for each image part of that message in order (N = 1, 2, …), by
//!   ` [image N: url <url>]` (http/https) or ` [image N: <mime> <decoded byte count> bytes]`
//!   (data URL, e.g. ` [image 1: image/png 67 bytes]`).
//! * Tokens: the text split after every space (`"Hello! You said: hi"` →
//!   `["Hello! ", "You ", "said: ", "hi"]`), so the tokens concatenate to the text.
//! * `n` = N > 1: N choices; choice i > 0 has text `[i] ` + text (choice 0 unchanged).
//! * `max_tokens` = k: each choice keeps its first k tokens; finish_reason is `length` if tokens
//!   were dropped, else `stop` (a k at least as large as the reply gives `stop`).
//! * Usage: `prompt_tokens` = whitespace-separated words over all messages' text (text parts
//!   only), `completion_tokens` = tokens emitted over all choices, `total_tokens` = sum;
//!   plus `completion_tokens_details` `{reasoning_tokens, accepted_prediction_tokens,
//!   rejected_prediction_tokens}` all 0.
//! * Non-stream body (compact JSON, this key order):
//!   `{"id":"chatcmpl-test-<k>","object":"chat.completion","created":1700000000,"model":<echoed>,
//!   "system_fingerprint":"fp_test","choices":[{"index":0,"message":{"role":"assistant","content":<text>},
//!   "logprobs":null,"finish_reason":"stop"}],"usage":{…}}`.
//! * Stream: `chat.completion.chunk` objects `{"id","object","created","model","system_fingerprint",
//!   "choices":[{"index","delta","logprobs":null,"finish_reason"}]}`, each chunk carrying one
//!   choice: first a role chunk per choice (delta `{"role":"assistant","content":""}`), then one
//!   chunk per token (delta `{"content":<tok>}`, finish_reason null) interleaved across choices
//!   (token 0 of choice 0, token 0 of choice 1, …, token 1 of choice 0, …), then a finish chunk per
//!   choice (delta `{}`, finish_reason set); if `stream_options.include_usage` is true, one more
//!   chunk with `"choices":[]` and `"usage"`; then `data: [DONE]` on SSE.
//!
//! ## Scenarios (selected by the request's `model`; every base, stream and non-stream unless noted)
//!
//! Validation and auth happen first; "single choice" means `n` is ignored.
//!
//! | model                | behaviour |
//! |----------------------|-----------|
//! | `slow`               | Normal reply, but stream: 100 ms pause before every event (including `[DONE]`); non-stream: 300 ms before the response. |
//! | `trickle-<ms>`       | ms ≤ 5000 (else 400). Like `slow` with a pause of ms: stream: headers at once, then ms before every event (including `[DONE]` on SSE; JSON-lines streams have no `[DONE]`, so no pause for it); non-stream: ms before the response. E.g. a stream that takes several idle-timeouts in total while no gap reaches one. |
//! | `stall-body`         | Stream: headers + the role chunk, then nothing; the connection is held until the client closes it. Non-stream: headers (with the full `Content-Length`) + the first half of the body, then the same hold. |
//! | `stall-headers`      | Request read, nothing ever sent; held until the client closes the connection. |
//! | `disconnect`         | Stream: role chunk, content chunks `"Hello"` and `" there"`, then the TCP connection is closed (FIN) without the terminating zero-length chunk. Non-stream: headers with full `Content-Length` + first half of the body, then close. |
//! | `error-500`          | 500 JSON error (base style), message `The server had an error while processing your request`, type `server_error`, code `server_error`. |
//! | `plain-500`          | 500, `Content-Type: text/plain`, body `Internal Server Error`. |
//! | `not-json`           | 200, `Content-Type: text/html`, body `<html>maintenance</html>` (a captive portal or proxy page), stream or not. |
//! | `flat-error`         | 400, vLLM-style flat body on every base: `{"object":"error","message":"flat error message","type":"BadRequestError","param":null,"code":400}`. |
//! | `rate-limit`         | 429, `Retry-After: 1` (and the exhausted quota's `x-ratelimit-*` headers, see "Common behaviour"), JSON error type/code `rate_limit_exceeded`. Every time. |
//! | `no-credits`         | 429, JSON error type/code `insufficient_quota`, message `Insufficient Credits`, no `Retry-After`. Every time. |
//! | `flaky-<k>-<tag>`    | E.g. `flaky-2-a`: the first k requests (that pass auth and validation) with exactly this model string get 503, JSON error type `server_error`, code `service_unavailable`, no `Retry-After`; later ones get a normal reply. Counted per exact model string for the server's lifetime: use a unique tag per test. |
//! | `retry-after-ms-<k>-<tag>` | Counted like `flaky`: the first k get 429 with headers `retry-after-ms: 200` **and** `Retry-After: 30` (a client honouring the ms header first waits ~0.2 s, not 30 s), JSON error type/code `rate_limit_exceeded`; then a normal reply. |
//! | `retry-after-s-<k>-<tag>`  | Counted like `flaky`: the first k get 429 with `Retry-After: 1` (no ms header), type/code `rate_limit_exceeded`; then a normal reply. |
//! | `retry-after-date-<k>-<tag>` | Counted like `flaky`: the first k get 429 with `Retry-After: <IMF-fixdate>` (e.g. `Tue, 15 Nov 1994 08:12:31 GMT`) naming the server's current whole second + 2 s, so the wait a client computes from its clock is between 1 and 2 s; type/code `rate_limit_exceeded`; then a normal reply. |
//! | `should-retry-<k>-<tag>`   | Counted like `flaky`: the first k get 400 with `x-should-retry: true`, type `invalid_request_error`, code null (a status that is never retried on its own); then a normal reply. |
//! | `no-retry-503`       | 503 with `x-should-retry: false`, type `server_error`, code `service_unavailable`. Every time. |
//! | `error-chunk`        | Stream: role chunk, content `"partial"`, then `{"error":{"message":"upstream overloaded","type":"server_error","code":"overloaded"}}` as a data event (SSE) / JSON line, then a normal end (SSE: `data: [DONE]`). Non-stream: normal reply. |
//! | `error-event`        | Stream, always SSE (`text/event-stream`) on every base: role chunk, content `"partial"`, then `event: error\ndata: {"error":{"message":"event stream failure","type":"server_error"}}\n\n`; then the body ends (terminating chunk, no `[DONE]`) and the server closes the connection (`Connection: close`). Non-stream: normal reply. |
//! | `tools`              | Single choice. Non-stream: message `{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]}`, finish_reason `tool_calls`, completion_tokens 3. Stream: first delta `{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]}`, then 3 deltas `{"tool_calls":[{"index":0,"function":{"arguments":F}}]}` with F = `{"city"`, `:"Par`, `is"}`, then finish_reason `tool_calls` (usage chunk if asked, `[DONE]` on SSE). Once the last message is a tool result (`{"role":"tool","tool_call_id":ID,"content":C}`), it answers like the default scenario with the text `The tool ID said: C`, so a client can test a whole tool round trip. (Every tool message must carry a string `tool_call_id`.) |
//! | `bad-json-chunk`     | Stream: role chunk, content `"ok"`, then an event/line whose data is `{not json`, then a normal end (SSE: `data: [DONE]`). Non-stream: normal reply. |
//! | `big-chunks-<n>`     | Single choice, n ≤ 1000000 (else 400). Stream: role chunk, n content chunks each with content `"x"` × w, finish chunk `stop`, usage chunk if asked (completion_tokens n), `[DONE]` on SSE. w = max(1, 256 − length of the same chunk JSON with `"content":""`), so each content chunk's JSON is exactly 256 bytes (a chunk with empty content is already ~220 bytes, so ~200 is not reachable) unless the id/model are very long; w is the same for every chunk of a stream (~35). Non-stream: content `"x"` × (w·n), completion_tokens n. Writes are batched (see above). |
//! | `llama-style`        | Single choice. Stream, always SSE: llama-cpp-python's format — JSON with `", "` and `": "` separators, keys `id, model, created, object, choices` (no system_fingerprint), first delta `{"role": "assistant", "content": null}`, then the normal reply's tokens, with the comment event `: ping - 2023-11-14 22:13:20.000000+00:00\n\n` before token ⌊tokens/2⌋, then delta `{}` with the finish_reason, no usage chunk even if asked, `data: [DONE]`. Non-stream: compact llama body (no system_fingerprint, message `{"content","role"}`, usage without details). |
//! | `crlf`               | Stream, always SSE: the normal reply with every line ending `\r\n` (`data: <json>\r\n\r\n`, `data: [DONE]\r\n\r\n`). Non-stream: normal reply. |
//! | `huge-body-<bytes>`  | bytes ≤ 256 MiB (else 400). Single choice, `max_tokens` ignored, content `"x"` × w, finish `stop`, completion_tokens 1. Non-stream: 200 JSON body of exactly `<bytes>` bytes (`Content-Length: <bytes>`; if `<bytes>` is below the size of the same completion with empty content, that completion is sent, larger than asked). Stream: role chunk, then content chunks of 65536 `"x"` (the last one shorter) totalling `<bytes>` characters of content, finish chunk, usage chunk if asked, `[DONE]` on SSE; so the streamed body is somewhat larger than `<bytes>`. |
//! | `huge-line-<bytes>`  | bytes ≤ 256 MiB (else 400). Single choice, `max_tokens` ignored, completion_tokens 1. Stream: role chunk, then one content chunk whose JSON is exactly `<bytes>` bytes (content `"x"` × w; the SSE line is `data: ` + those bytes, the JSON line just those bytes, in one HTTP chunk), finish chunk `stop`, usage chunk if asked, `[DONE]` on SSE. Non-stream: a completion with the same content. |
//! | `echo-request`       | Normal reply whose text is the compact JSON request description (as `/debug/echo` returns) instead of `Hello! You said: …` (stream: that text split into tokens as usual). |
//! | `rate-limit-headers` | Normal reply (chat and Responses, stream or not; `/events` too) whose headers add, after its own, `x-ratelimit-limit-requests: 60`, `x-ratelimit-remaining-requests: 59`, `x-ratelimit-reset-requests: 1s`, `x-ratelimit-limit-tokens: 150000`, `x-ratelimit-remaining-tokens: 149990`, `x-ratelimit-reset-tokens: 6m0s`, then `x-webraft-repeat: a` and `x-webraft-repeat: b` (one header twice: joined it reads `a, b`). |
//!
//! The `responses-…` and `events-stall` models below give a normal reply on chat.
//!
//! ## Responses API
//!
//! `POST {base}/responses`. Auth, then validation (400, error style of the base, type
//! `invalid_request_error`, `param` naming the field), in this order:
//! * Body JSON and an object (as for chat); `model`: required string.
//! * `input`: required; a string (one user message), or a non-empty array of items (param
//!   `input[i]…`), each an object:
//!   * a message: `{"role":R,"content":C}` with `"type":"message"` or no `type`; R in
//!     user/assistant/system/developer; C a string or an array of parts
//!     `{"type":"input_text","text":…}`, `{"type":"output_text","text":…}` (replayed assistant
//!     output) or `{"type":"input_image","image_url":U}` (U validated like chat image URLs) /
//!     `{"type":"input_image","file_id":F}`;
//!   * `{"type":"function_call","call_id","name","arguments"}` (all strings);
//!   * `{"type":"function_call_output","call_id","output"}` (strings).
//! * `instructions`, `previous_response_id`: strings; `max_output_tokens`: positive integer;
//!   `tools`: array of objects with a string `type`, function tools (flat, Responses style)
//!   with a string `name`; `stream`: boolean. A JSON null counts as absent. Other fields are
//!   ignored.
//!
//! Reply: text `Hello! You said: <said>` (`<said>` from the last user message, images described
//! as for chat, `[image N: file F]` for a `file_id`), split into tokens as for chat. Usage:
//! `input_tokens` = whitespace-separated words over `instructions`, every message's text and
//! every `function_call_output`'s output; `output_tokens` = tokens emitted. A `max_output_tokens`
//! below the token count keeps that many tokens and ends `incomplete`.
//!
//! Non-stream body (200, compact JSON, this key order), also the `response` of the stream's
//! terminal event:
//! `{"id":"resp_test-<k>","object":"response","created_at":1700000000,"status":S,"error":E,
//! "incomplete_details":I,"instructions":<echoed or null>,"max_output_tokens":<echoed or null>,
//! "model":<echoed>,"output":[ITEM],"previous_response_id":<echoed or null>,"tools":<echoed or []>,
//! "usage":{"input_tokens","input_tokens_details":{"cached_tokens":0},"output_tokens",
//! "output_tokens_details":{"reasoning_tokens":0},"total_tokens"}}` where S is `completed`
//! (E and I null), `incomplete` (I `{"reason":"max_output_tokens"}`) or `failed`
//! (E `{"code":"server_error","message":"The model failed mid-response"}`), and ITEM is
//! `{"type":"message","id":"msg_test-<k>","role":"assistant","status":IS,"content":[{"type":"output_text","text":T,"annotations":[]}]}`
//! with IS `completed`, or `incomplete` when the response is not completed.
//!
//! Stream (`"stream": true`): on `/v1`, SSE named events `event: <type>\ndata: <json>\n\n` whose
//! JSON's `type` is the event name, **no `[DONE]`**; on `/v2` and `/freeapi` the same JSON as
//! lines (`<json>\n\n`, Content-Type as for chat streams). Every event JSON starts with
//! `"type"` and `"sequence_number"` (0, 1, 2, … over the stream) except `keepalive`,
//! `response.future_feature` and `error`, whose JSON is exactly as written below. Text reply:
//! 1. `response.created`, 2. `response.in_progress` (each `{"response":R}`, R the body above with
//!    status `in_progress`, `"output":[]`, `"usage":null`);
//! 3. `response.output_item.added` `{"output_index":0,"item":ITEM}` (status `in_progress`, `"content":[]`);
//! 4. `response.content_part.added` `{"item_id","output_index":0,"content_index":0,"part":{"type":"output_text","text":"","annotations":[]}}`;
//! 5. one `response.output_text.delta` per token `{"item_id","output_index":0,"content_index":0,"delta":<token>}`;
//! 6. `response.output_text.done` `{"item_id","output_index":0,"content_index":0,"text":T}`;
//! 7. `response.content_part.done` (the part with text T); 8. `response.output_item.done` (the final ITEM);
//! 9. `response.completed`, or `response.incomplete` when cut by `max_output_tokens`, `{"response":<final body>}`.
//!
//! Responses scenarios (the chat scenarios that answer with an error or nothing — `stall-headers`,
//! `error-500`, `plain-500`, `not-json`, `flat-error`, `rate-limit`, `no-credits`, `flaky-…`,
//! `retry-after-…`, `should-retry-…`, `no-retry-503` — behave as on chat; `slow` and
//! `trickle-<ms>` pace as on chat; `stall-body` streams `response.created` then holds, and
//! non-stream sends half the body then holds; `disconnect` streams events 1–5 (up to the first
//! delta) then closes without the terminating chunk, and non-stream sends half the body then
//! closes; `echo-request` answers with the request description; `rate-limit-headers` adds its
//! headers; other chat-only models give the normal reply):
//!
//! | model                | behaviour on `/responses` |
//! |----------------------|---------------------------|
//! | `tools`              | Output `[{"type":"function_call","id":"fc_test-<k>","call_id":"call_1","name":"get_weather","arguments":"{\"city\":\"Paris\"}","status":"completed"}]`, output_tokens 3. Stream: events 1–2, `response.output_item.added` (the item with `"arguments":""`, status `in_progress`), 3 × `response.function_call_arguments.delta` `{"item_id","output_index":0,"delta":F}` with F = `{"city"`, `:"Par`, `is"}`, `response.function_call_arguments.done` `{"item_id","output_index":0,"arguments"}`, `response.output_item.done`, `response.completed`. Once the input's last item is `{"type":"function_call_output","call_id":ID,"output":O}`, a normal text reply `The tool ID said: O` (as chat's `tools`). |
//! | `responses-failed`   | Stream: events 1–4, 2 deltas (`Hello! `, `You `), then `response.failed` whose response has status `failed` and `error` `{"code":"server_error","message":"The model failed mid-response"}` (ITEM `incomplete` with the 2 tokens). Non-stream: that response, HTTP 200. |
//! | `responses-incomplete` | As if `max_output_tokens` were 2 (or less if given): events 1–4, 2 deltas, events 6–8, `response.incomplete` (status `incomplete`, `incomplete_details.reason` `max_output_tokens`). Non-stream: that response. |
//! | `responses-error`    | Stream: events 1–4, 2 deltas, then `event: error` / `data: {"type":"error","code":"rate_limit_exceeded","message":"Too many tokens mid-stream","param":null}` and the stream ends (terminating chunk, keep-alive as asked). Non-stream: 429 JSON error (base style), message `Too many tokens mid-stream`, type/code `rate_limit_exceeded`, with the exhausted quota headers, no `Retry-After`. |
//! | `responses-keepalive`| Normal reply; stream: after every delta but the last, `event: keepalive` / `data: {"type":"keepalive"}` then the comment `: ping\n\n` (JSON lines: just `{"type":"keepalive"}`). |
//! | `responses-unknown`  | Normal reply; stream: after the first delta, `event: response.future_feature` / `data: {"type":"response.future_feature","x":1}`. |
//! | `responses-split`    | Normal reply; stream: every event is written as HTTP chunks of at most 8 bytes, each flushed after a 1 ms pause, so one event spans many reads (a short reply takes about a second). |
//! | `responses-huge-<bytes>` | bytes ≤ 256 MiB (else 400). `max_output_tokens` ignored, output_tokens 1, text `"x"` × w. Stream: the normal events with one delta whose JSON is exactly `<bytes>` bytes (SSE line `data: ` + it, in one HTTP chunk); the done events and `response.completed` repeat the text, so they are larger still. Non-stream: a response with that text. |
//!
//! ## Any-endpoint events
//!
//! `GET` or `POST {base}/events` (auth as everywhere; no body needed, `stream` and `Accept`
//! ignored) streams, on `/v1` (SSE):
//! `event: greeting\ndata: hello\n\n` (data not JSON), `data: {"n":1}\n\n`, `: comment\n\n`,
//! `event: tick\ndata: {"n":2}\n\n`, `data: [DONE]\n\n`; on `/v2` and `/freeapi` the JSON ones
//! as lines: `{"n":1}\n\n{"n":2}\n\n` (Content-Type as for chat streams). A body that is a JSON
//! object with a string `model` selects a scenario: the error scenarios listed under
//! "Responses API", `slow`, `trickle-<ms>`, `rate-limit-headers`, and:
//!
//! | model                | behaviour on `/events` |
//! |----------------------|------------------------|
//! | `events-stall`       | Sends the events up to `{"n":1}` (SSE: the greeting and `data: {"n":1}`), then holds the connection (`Connection: close`) until the client closes it. |
//!
//! ## Embeddings
//!
//! `POST {base}/embeddings` with `model` (string, required) and `input`: a non-empty string, a
//! non-empty array of non-empty strings, an array of non-negative integers, or an array of such
//! arrays (else 400, param `input` / `input[i]`). Optional `dimensions` (1..=4096, default 8) and
//! `encoding_format` (`float` default, or `base64` = little-endian f32 bytes). Response
//! `{"object":"list","data":[{"object":"embedding","index":i,"embedding":[…]}],"model":M,
//! "usage":{"prompt_tokens":P,"total_tokens":P}}` with P = words (or integer tokens) over all inputs.
//! Value j of an input's vector is `((fnv1a64(text, then (j as u32) little-endian) mod 2001) − 1000) / 1000`
//! (FNV-1a 64 offset basis 0xcbf29ce484222325, prime 0x100000001b3; token arrays hash their
//! integers joined with `" "`): values in [-1, 1] with 3 decimals, identical for identical input.
//! No scenarios apply to embeddings.

#[macro_use]
mod json;
mod api;
mod cassette;
pub mod cli;
mod ctx;
mod http;
mod inject;
mod options;
mod record;
mod redact;
mod relay;
mod replay;
mod server;
mod tls;

use std::path::{Path, PathBuf};

pub use http::MAX_BODY;
pub use options::{
    Faults, InjectedError, MockOptions, Mode, RecordOptions, ReplayOptions, RetryAfter,
    ServerOptions, TlsOptions,
};
pub use server::TestServer;

/// The test CA (PEM) that signed the server and client fixture certificates (`certs/ca.pem`).
pub const CA_PEM: &str = include_str!("../certs/ca.pem");
/// The server certificate (PEM, SAN `DNS:localhost`, `IP:127.0.0.1`; `certs/server.pem`).
pub const SERVER_CERT_PEM: &str = include_str!("../certs/server.pem");
/// The server certificate's private key (PKCS#8 PEM, `certs/server.key`).
pub const SERVER_KEY_PEM: &str = include_str!("../certs/server.key");
/// A client-auth certificate signed by the test CA (PEM, `certs/client.pem`).
pub const CLIENT_CERT_PEM: &str = include_str!("../certs/client.pem");
/// The client certificate's private key (PKCS#8 PEM, `certs/client.key`).
pub const CLIENT_KEY_PEM: &str = include_str!("../certs/client.key");

/// The fixture file names accepted by [`fixture_path`].
pub const FIXTURE_NAMES: [&str; 5] = [
    "ca.pem",
    "server.pem",
    "server.key",
    "client.pem",
    "client.key",
];

/// The fixture files' contents, in the order of [`FIXTURE_NAMES`].
pub(crate) const FIXTURES: [&str; 5] = [
    CA_PEM,
    SERVER_CERT_PEM,
    SERVER_KEY_PEM,
    CLIENT_CERT_PEM,
    CLIENT_KEY_PEM,
];

/// The model names (or patterns such as `flaky-<k>-<tag>`) that choose a scenario, in the
/// order of the table above.
pub fn scenario_models() -> Vec<String> {
    api::model_patterns()
}

/// Absolute path of a committed certificate fixture, e.g. `fixture_path("ca.pem")`, for
/// configurations that take file paths. Panics on a name not in [`FIXTURE_NAMES`].
pub fn fixture_path(name: &str) -> PathBuf {
    assert!(
        FIXTURE_NAMES.contains(&name),
        "webraft-test-server: no certificate fixture named {name:?}"
    );
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("certs")
        .join(name)
}
