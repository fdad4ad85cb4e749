/*
 * webraft.hpp: header-only C++17 wrapper over the webraft C API (webraft.h).
 *
 * - Client, Conversation, Form, Request, Result and String are move-only owners
 *   of their C handles (one template, detail::Handle, does the owning for all six).
 * - Calls come in two forms: `chat`, `send`, ... throw webraft::Error when the
 *   call fails; `try_chat`, `try_send`, ... never throw and hand back the Result
 *   (check `ok()`). Only the try_ forms exist when exceptions are off
 *   (-fno-exceptions), or when WEBRAFT_HPP_EXCEPTIONS is defined to 0.
 * - Chunk callbacks are any callable taking `const webraft::Chunk&` and
 *   returning void (go on) or bool (false cancels the stream). They run on a
 *   library worker thread, one at a time per request, in stream order.
 * - Client::start(body) starts a polled stream: frame loops read it with
 *   Request::next(0), which never blocks. Client::start(body, on_chunk, on_done)
 *   hands chunks to callables instead, which may be move-only.
 * - Conversation holds messages and request parameters (webraft_conversation);
 *   every chat and Responses call takes either one or a JSON request body
 *   (ChatRequest). A failed edit throws, or without exceptions is kept in
 *   Conversation::status().
 * - The Responses API (responses, responses_stream, start_responses) and
 *   streams from any endpoint (send_stream, send_stream_start) deliver Events:
 *   the reply's headers first, then each stream event with its SSE name.
 *   Event callbacks are any callable taking `const webraft::Event&`, with the
 *   same rules as chunk callbacks; Request::next_event polls them.
 * - Audio, images and embeddings: Form builds multipart uploads (files from a
 *   std::filesystem::path or from bytes); transcribe, speech (into memory, a
 *   file, or a lambda taking webraft::Bytes pieces), generate_images and
 *   embeddings read binary replies as spans (Bytes, Span<const float>), never
 *   as text.
 * - Every Result, failed ones too, and every Error carry the reply's headers:
 *   header(name), headers_json() and rate_limit().
 * - Result::tool_calls() is a range of ToolCall; JSON Pointer reads (get_*
 *   throw, find_* return std::optional) work on a Result and on JsonText, the
 *   view that chunks and tool-call arguments come as.
 * - Endpoint fallback and hedging are client config keys ("fallback",
 *   "hedge_ms"); Result::endpoint_index() and endpoints_tried() say which
 *   endpoint answered. Client::set_credentials takes a callable asked for the
 *   key of every attempt. Request::snapshot_content() and
 *   snapshot_tool_arguments() read a streamed reply so far as valid JSON;
 *   PartialJson does the same for any text.
 * - Status values are the C enum's and their names come from
 *   webraft_status_name: the wrapper keeps no list of its own.
 *
 * Every rule of webraft.h holds here: this header only owns handles and adapts
 * types; all behaviour lives in the C library.
 */
#ifndef WEBRAFT_HPP
#define WEBRAFT_HPP

#include "webraft.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iterator>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#ifndef WEBRAFT_HPP_EXCEPTIONS
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND)
#define WEBRAFT_HPP_EXCEPTIONS 1
#else
#define WEBRAFT_HPP_EXCEPTIONS 0
#endif
#endif

#if WEBRAFT_HPP_EXCEPTIONS
#include <exception>
#include <stdexcept>
#endif

namespace webraft {

using Status = ::webraft_status;
/** What a poll or an event callback found: PENDING, HEADERS, CHUNK or DONE (the C enum webraft_event). */
using EventKind = ::webraft_event;
using Timings = ::webraft_timings;

inline constexpr std::uint32_t wait_forever = WEBRAFT_WAIT_FOREVER;

/** The loaded library's version, e.g. "0.1.0". */
inline std::string_view version() noexcept { return webraft_version(); }

/** True when the loaded library speaks the ABI this header was written for. */
inline bool abi_compatible() noexcept { return webraft_abi_version() == WEBRAFT_ABI_VERSION; }

/** "OK", "HTTP_STATUS", ...; "UNKNOWN" for values the library does not know. */
inline std::string_view status_name(Status status) noexcept { return webraft_status_name(status); }

/**
 * A NUL-terminated string argument: a `const char*`, a `std::string`, or
 * nullptr (the C API's NULL, e.g. "no options"). Not a std::string_view,
 * which need not be NUL-terminated. Borrowed for the duration of the call.
 */
class CStr {
public:
    CStr(std::nullptr_t) noexcept {}
    CStr(const char* s) noexcept : ptr_(s) {}
    CStr(const std::string& s) noexcept : ptr_(s.c_str()) {}
    const char* get() const noexcept { return ptr_; }

private:
    const char* ptr_ = nullptr;
};

namespace detail {

/** A view over a C string that may be NULL (then the view is empty with data() == nullptr). */
inline std::string_view view(const char* s) noexcept { return s ? std::string_view(s) : std::string_view(); }

inline std::string_view view(const char* s, std::size_t len) noexcept {
    return s ? std::string_view(s, len) : std::string_view();
}

inline std::string copy(std::string_view v) { return v.data() ? std::string(v) : std::string(); }

/** A stateless deleter calling the C API's free function, so a Handle is one pointer wide. */
template <auto Free>
struct Freer {
    template <typename T>
    void operator()(T* handle) const noexcept {
        Free(handle);
    }
};

/**
 * Sole owner of one C handle, freed by `Free`: move-only, nothrow to move,
 * and empty (nullptr) once moved from. Client, Conversation, Request, Result
 * and String hold one, so none of them writes its own move or destructor.
 */
template <typename T, void (*Free)(T*)>
using Handle = std::unique_ptr<T, Freer<Free>>;

} // namespace detail

/**
 * A string the library handed over; freed with webraft_string_free. Empty
 * (`!s`, a null c_str() and an empty view) when moved from or default-made.
 */
class String {
public:
    String() noexcept = default;
    String(char* owned, std::size_t len) noexcept : handle_(owned), len_(owned ? len : 0) {}

    // A moved-from String keeps its old len_, but view() reads it only with the pointer, which is null.
    std::string_view view() const noexcept { return detail::view(handle_.get(), len_); }
    const char* c_str() const noexcept { return handle_.get(); }
    /** True when it holds a string (the one meaning of operator bool in this header). */
    explicit operator bool() const noexcept { return handle_ != nullptr; }

private:
    detail::Handle<char, webraft_string_free> handle_;
    std::size_t len_ = 0;
};

/**
 * A view of `size()` contiguous values the library lends (a binary body, an
 * image's bytes, an embedding), like C++20's std::span: it does not own them,
 * so it lives as long as what lent it. Empty (data() == nullptr) when there
 * are none.
 */
template <typename T>
class Span {
public:
    constexpr Span() noexcept = default;
    constexpr Span(T* data, std::size_t size) noexcept : data_(data), size_(data ? size : 0) {}

    constexpr T* data() const noexcept { return data_; }
    constexpr std::size_t size() const noexcept { return size_; }
    constexpr bool empty() const noexcept { return size_ == 0; }
    constexpr T* begin() const noexcept { return data_; }
    constexpr T* end() const noexcept { return data_ + size_; }
    constexpr T& operator[](std::size_t index) const noexcept { return data_[index]; }

private:
    T* data_ = nullptr;
    std::size_t size_ = 0;
};

/** Bytes the library lends: a binary body, a piece of a download, an image file. */
using Bytes = Span<const std::uint8_t>;

namespace detail {
/** A path as the C API takes it: the OS's own bytes on POSIX (any file name), UTF-8 on Windows. */
inline std::string native_path(const std::filesystem::path& path) {
#ifdef _WIN32
    auto utf8 = path.u8string();
    return std::string(utf8.begin(), utf8.end());
#else
    return path.native();
#endif
}
} // namespace detail

/** Token counts of a reply (Result::usage); a Responses reply's input and output tokens are prompt and completion. */
struct Usage {
    std::uint64_t prompt_tokens = 0;
    std::uint64_t completion_tokens = 0;
    std::uint64_t total_tokens = 0;
};

/**
 * What the reply's `x-ratelimit-*` headers said (Result::rate_limit). A value
 * is nullopt when its header was absent or unreadable: never 0 for "absent",
 * so a 0 is a real exhausted budget.
 */
struct RateLimit {
    std::optional<std::int64_t> limit_requests;
    std::optional<std::int64_t> remaining_requests;
    /** Milliseconds until the request budget resets ("1s" reads 1000). */
    std::optional<double> reset_requests_ms;
    std::optional<std::int64_t> limit_tokens;
    std::optional<std::int64_t> remaining_tokens;
    /** Milliseconds until the token budget resets ("6m0s" reads 360000). */
    std::optional<double> reset_tokens_ms;
};

namespace detail {

#if WEBRAFT_HPP_EXCEPTIONS
/** Throws Error(status) for a failed JSON Pointer read; defined once Error is. */
[[noreturn]] inline void throw_read_error(Status status, const char* pointer);
#endif

/**
 * JSON Pointer (RFC 6901) reads, shared by Result (webraft_result_get_*) and
 * JsonText (webraft_json_get_*): `Source` supplies the four C calls as
 * c_get_string/c_get_number/c_get_bool/c_get_json, and this class turns them
 * into the find_* (std::optional) and get_* (throwing) forms.
 */
template <typename Source>
class JsonReads {
public:
    /**
     * The value at `pointer` (e.g. "/choices/0/message/content"), or nullopt.
     * `status`, when given, says why: OK, MISSING (nothing there), WRONG_TYPE
     * (another type; find_json never says it), INVALID_ARGUMENT (a pointer not
     * starting with '/'), or what the C call reported for bad JSON text.
     */
    std::optional<std::string> find_string(CStr pointer, Status* status = nullptr) const {
        return look_up<std::string>(&Source::c_get_string, pointer, status);
    }
    std::optional<double> find_number(CStr pointer, Status* status = nullptr) const {
        return look_up<double>(&Source::c_get_number, pointer, status);
    }
    std::optional<bool> find_bool(CStr pointer, Status* status = nullptr) const {
        return look_up<bool>(&Source::c_get_bool, pointer, status);
    }
    /** The value at `pointer`, whatever its type, as JSON text (e.g. an object, or "null"). */
    std::optional<std::string> find_json(CStr pointer, Status* status = nullptr) const {
        return look_up<std::string>(&Source::c_get_json, pointer, status);
    }

#if WEBRAFT_HPP_EXCEPTIONS
    /** As find_*, but no value throws Error, whose status() is MISSING, WRONG_TYPE, ... */
    std::string get_string(CStr pointer) const { return value_at(&JsonReads::find_string, pointer); }
    double get_number(CStr pointer) const { return value_at(&JsonReads::find_number, pointer); }
    bool get_bool(CStr pointer) const { return value_at(&JsonReads::find_bool, pointer); }
    std::string get_json(CStr pointer) const { return value_at(&JsonReads::find_json, pointer); }
#endif

private:
    // Private names that std::string_view lacks (find, for one, would make JsonText's lookups ambiguous).
    // A library string is copied into a std::string and freed; numbers and booleans come as they are.
    template <typename T, typename Call>
    std::optional<T> look_up(Call call, CStr pointer, Status* status) const {
        const Source& source = static_cast<const Source&>(*this);
        T value{};
        Status found;
        if constexpr (std::is_same_v<T, std::string>) {
            char* out = nullptr;
            std::size_t len = 0;
            found = (source.*call)(pointer.get(), &out, &len);
            String owned(out, len);
            value = copy(owned.view());
        } else {
            found = (source.*call)(pointer.get(), &value);
        }
        if (status != nullptr) *status = found;
        if (found != WEBRAFT_STATUS_OK) return std::nullopt;
        return value;
    }

#if WEBRAFT_HPP_EXCEPTIONS
    template <typename T>
    T value_at(std::optional<T> (JsonReads::*find_value)(CStr, Status*) const, CStr pointer) const {
        Status status = WEBRAFT_STATUS_OK;
        std::optional<T> found = (this->*find_value)(pointer, &status);
        if (!found) throw_read_error(status, pointer.get());
        return std::move(*found);
    }
#endif
};

} // namespace detail

/**
 * A view of JSON text (a stream chunk, a tool call's arguments, any JSON you
 * hold) with JSON Pointer reads: `call.arguments.get_string("/city")`. It is
 * a std::string_view, so it prints, compares and converts as one; it borrows
 * the text, like any view.
 */
class JsonText : public std::string_view, public detail::JsonReads<JsonText> {
public:
    constexpr JsonText() noexcept = default;
    constexpr JsonText(std::string_view text) noexcept : std::string_view(text) {}

private:
    friend class detail::JsonReads<JsonText>;
    Status c_get_string(const char* pointer, char** out, std::size_t* len) const noexcept {
        return webraft_json_get_string(data(), size(), pointer, out, len);
    }
    Status c_get_number(const char* pointer, double* out) const noexcept {
        return webraft_json_get_number(data(), size(), pointer, out);
    }
    Status c_get_bool(const char* pointer, bool* out) const noexcept {
        return webraft_json_get_bool(data(), size(), pointer, out);
    }
    Status c_get_json(const char* pointer, char** out, std::size_t* len) const noexcept {
        return webraft_json_get_json(data(), size(), pointer, out, len);
    }
};

/** One tool call of a reply; its views live as long as the Result. */
struct ToolCall {
    std::string_view id;
    /** The function's name. */
    std::string_view name;
    /** The arguments exactly as the model sent them (usually JSON; "" when none). */
    JsonText arguments;
};

/**
 * The tool calls of a reply's first choice, as a range:
 * `for (const webraft::ToolCall& call : result.tool_calls())`. A view: valid
 * while its Result lives; each ToolCall is made on access from the C accessors.
 */
class ToolCalls {
public:
    class iterator {
    public:
        using iterator_category = std::input_iterator_tag;
        using value_type = ToolCall;
        using difference_type = std::ptrdiff_t;
        using pointer = void;
        using reference = ToolCall;

        iterator(const webraft_result* result, std::size_t index) noexcept : result_(result), index_(index) {}
        ToolCall operator*() const noexcept { return ToolCalls(result_)[index_]; }
        iterator& operator++() noexcept {
            ++index_;
            return *this;
        }
        iterator operator++(int) noexcept { return iterator(result_, index_++); }
        bool operator==(const iterator& other) const noexcept { return index_ == other.index_; }
        bool operator!=(const iterator& other) const noexcept { return index_ != other.index_; }

    private:
        const webraft_result* result_;
        std::size_t index_;
    };

    explicit ToolCalls(const webraft_result* result) noexcept : result_(result) {}

    std::size_t size() const noexcept { return webraft_result_tool_call_count(result_); }
    bool empty() const noexcept { return size() == 0; }
    /** Call `index` (from 0); all views are empty past the end. */
    ToolCall operator[](std::size_t index) const noexcept {
        std::size_t len = 0;
        const char* arguments = webraft_result_tool_call_arguments(result_, index, &len);
        return ToolCall{detail::view(webraft_result_tool_call_id(result_, index)),
                        detail::view(webraft_result_tool_call_name(result_, index)),
                        JsonText(detail::view(arguments, len))};
    }
    iterator begin() const noexcept { return iterator(result_, 0); }
    iterator end() const noexcept { return iterator(result_, size()); }

private:
    const webraft_result* result_;
};

/**
 * The outcome of one call (any status). Views it returns stay valid while the
 * Result lives; a view is empty with data() == nullptr when the C accessor
 * returns NULL. An empty Result (moved from, or from a request whose result
 * was not ready) reports NULL_ARGUMENT.
 *
 * No operator bool: for an outcome, `if (result)` could mean "holds one" or
 * "succeeded", and the wrong guess compiles silently. Ask ok() or empty().
 */
class Result : public detail::JsonReads<Result> {
public:
    Result() noexcept = default;
    /** Takes ownership of a result from the C API. */
    explicit Result(webraft_result* owned) noexcept : handle_(owned) {}

    /** True when it holds no result (moved from, default-made, or nothing was ready). */
    bool empty() const noexcept { return handle_ == nullptr; }
    bool ok() const noexcept { return status() == WEBRAFT_STATUS_OK; }
    Status status() const noexcept { return webraft_result_status(get()); }
    std::uint16_t http_status() const noexcept { return webraft_result_http_status(get()); }

    std::string_view json() const noexcept {
        std::size_t len = 0;
        const char* s = webraft_result_json(get(), &len);
        return detail::view(s, len);
    }
    std::string_view body() const noexcept {
        std::size_t len = 0;
        const char* s = webraft_result_body(get(), &len);
        return detail::view(s, len);
    }
    /**
     * The body as bytes, never cut at a NUL or read as text (audio, an image
     * file, any download); empty when there is none.
     */
    Bytes body_bytes() const noexcept {
        std::size_t len = 0;
        const std::uint8_t* bytes = webraft_result_body_bytes(get(), &len);
        return Bytes(bytes, len);
    }
    /** How many body bytes of the reply arrived: kept, written to a file or handed on; for a cut body, those before the cut. */
    std::uint64_t bytes_received() const noexcept { return webraft_result_bytes_received(get()); }
    /**
     * The reply's text: a chat's assistant text, a Responses reply's output
     * text, or a transcript (a json or verbose_json reply's "text", a text
     * reply's body, or what a stream's transcript.text.delta events added up to).
     */
    std::string_view text() const noexcept {
        std::size_t len = 0;
        const char* s = webraft_result_text(get(), &len);
        return detail::view(s, len);
    }
    /** The library's one-line description, e.g. "HTTP 401: Wrong Api key". */
    std::string_view error_message() const noexcept { return detail::view(webraft_result_error_message(get())); }
    /** The server's own error message exactly as sent (no "HTTP 401: "); null view when it sent none. */
    std::string_view server_message() const noexcept { return detail::view(webraft_result_server_message(get())); }
    /** True when the account is out of credits or quota (e.g. HTTP 402): retrying will not help. */
    bool is_quota_exhausted() const noexcept { return webraft_result_is_quota_exhausted(get()); }
    std::string_view error_type() const noexcept { return detail::view(webraft_result_error_type(get())); }
    std::string_view error_code() const noexcept { return detail::view(webraft_result_error_code(get())); }
    std::string_view error_param() const noexcept { return detail::view(webraft_result_error_param(get())); }
    std::string_view request_id() const noexcept { return detail::view(webraft_result_request_id(get())); }

    /** Milestones in ms from the start; -1 if never reached (all -1 for an empty Result). */
    Timings timings() const noexcept {
        Timings t{-1.0, -1.0, -1.0};
        webraft_result_timings(get(), &t);
        return t;
    }
    /**
     * The reply's token counts, or nullopt when it had none (a stream has them
     * only if the server sent a usage chunk, e.g. for stream_options.include_usage).
     */
    std::optional<Usage> usage() const noexcept {
        Usage u;
        if (!webraft_result_usage(get(), &u.prompt_tokens, &u.completion_tokens, &u.total_tokens)) return std::nullopt;
        return u;
    }
    std::uint32_t retries() const noexcept { return webraft_result_retries(get()); }
    std::size_t chunk_count() const noexcept { return webraft_result_chunk_count(get()); }

    /**
     * Which endpoint gave the result: 0 = the client's own base URL, i = the
     * config's fallback[i - 1]; for a call that failed everywhere, the last one tried.
     */
    std::uint32_t endpoint_index() const noexcept { return webraft_result_endpoint_index(get()); }
    /** That endpoint's base URL; a null view when the call reached none. */
    std::string_view endpoint_url() const noexcept { return detail::view(webraft_result_endpoint_url(get())); }
    /** How many endpoints the call started (1 without fallback; a hedge's loser counts). */
    std::uint32_t endpoints_tried() const noexcept { return webraft_result_endpoints_tried(get()); }

    /** The tool calls the reply asked for (an empty range when none). */
    ToolCalls tool_calls() const noexcept { return ToolCalls(get()); }
    /**
     * Chat: the first choice's finish_reason ("stop", "length", "tool_calls", ...).
     * Responses API: the response's status ("completed", "incomplete", "failed").
     * A null view when absent.
     */
    std::string_view finish_reason() const noexcept { return detail::view(webraft_result_finish_reason(get())); }
    /** Why a Responses reply ended `incomplete` (e.g. "max_output_tokens"); null view otherwise. */
    std::string_view incomplete_reason() const noexcept {
        return detail::view(webraft_result_incomplete_reason(get()));
    }
    /** The assistant's refusal, when the model refused; null view otherwise. */
    std::string_view refusal() const noexcept { return detail::view(webraft_result_refusal(get())); }

    /* ---- the reply's headers, failed replies included ---- */

    /** The value of header `name` (any case; repeated headers joined with ", "), or nullopt. */
    std::optional<std::string_view> header(CStr name) const noexcept {
        const char* value = webraft_result_header(get(), name.get());
        if (value == nullptr) return std::nullopt;
        return std::string_view(value);
    }
    /** Every header as one JSON object (lower-case names); "{}" when no reply arrived, empty when empty(). */
    JsonText headers_json() const noexcept {
        std::size_t len = 0;
        const char* s = webraft_result_headers_json(get(), &len);
        return JsonText(detail::view(s, len));
    }
    /** The `x-ratelimit-*` headers, read by the library; all nullopt when empty(). */
    RateLimit rate_limit() const noexcept {
        webraft_rate_limit c{-1, -1, -1.0, -1, -1, -1.0};
        webraft_result_rate_limit(get(), &c);
        // The C struct says -1 for "absent"; here that is nullopt.
        auto present = [](auto value) { return value < 0 ? std::nullopt : std::optional(value); };
        return RateLimit{present(c.limit_requests), present(c.remaining_requests), present(c.reset_requests_ms),
                         present(c.limit_tokens),   present(c.remaining_tokens),   present(c.reset_tokens_ms)};
    }

    /* ---- images (/images/generations, /images/edits) and embeddings (/embeddings) ---- */

    /** How many images the reply's `data` holds. */
    std::size_t image_count() const noexcept { return webraft_result_image_count(get()); }
    /**
     * Image `index`'s bytes (its b64_json, decoded once by the library), or
     * nullopt; `status` then says why: MISSING (past the end, or the image is a
     * URL) or INVALID_RESPONSE (not base64).
     */
    std::optional<Bytes> image_bytes(std::size_t index, Status* status = nullptr) const noexcept {
        const std::uint8_t* bytes = nullptr;
        std::size_t len = 0;
        Status found = webraft_result_image_bytes(get(), index, &bytes, &len);
        if (status != nullptr) *status = found;
        if (found != WEBRAFT_STATUS_OK) return std::nullopt;
        return Bytes(bytes, len);
    }
    /** Image `index`'s URL, or nullopt (past the end, or the image came as bytes). */
    std::optional<std::string_view> image_url(std::size_t index) const noexcept {
        const char* url = webraft_result_image_url(get(), index);
        if (url == nullptr) return std::nullopt;
        return std::string_view(url);
    }
    /**
     * Writes image `index`'s bytes to `file` atomically (a temporary file
     * beside it, then a rename; nothing is left on failure): OK, MISSING (a URL
     * image, or past the end), INVALID_RESPONSE, INVALID_ARGUMENT (a
     * directory) or IO. `error_message`, when given, gets the library's message.
     */
    Status try_save_image(std::size_t index, const std::filesystem::path& file,
                          std::string* error_message = nullptr) const {
        webraft_result* error = nullptr;
        Status status = webraft_result_image_save(get(), index, detail::native_path(file).c_str(), &error);
        Result described(error);
        if (error_message != nullptr && status != WEBRAFT_STATUS_OK) {
            *error_message = described.empty() ? std::string(status_name(status)) : detail::copy(described.error_message());
        }
        return status;
    }
#if WEBRAFT_HPP_EXCEPTIONS
    /** As try_save_image; a failure throws Error. */
    void save_image(std::size_t index, const std::filesystem::path& file) const;
#endif
    /** How many vectors the reply's `data` holds. */
    std::size_t embedding_count() const noexcept { return webraft_result_embedding_count(get()); }
    /**
     * Vector `index`, as the library read it: decoded from base64
     * (little-endian float32) or from a number array; nullopt with `status`
     * MISSING (past the end) or INVALID_RESPONSE.
     */
    std::optional<Span<const float>> embedding(std::size_t index, Status* status = nullptr) const noexcept {
        const float* values = nullptr;
        std::size_t len = 0;
        Status found = webraft_result_embedding(get(), index, &values, &len);
        if (status != nullptr) *status = found;
        if (found != WEBRAFT_STATUS_OK) return std::nullopt;
        return Span<const float>(values, len);
    }

    // JSON Pointer reads on json() come from detail::JsonReads: find_string("/usage/total_tokens"), get_number(...), ...

    const webraft_result* get() const noexcept { return handle_.get(); }
    /** Gives up ownership; the caller frees with webraft_result_free. */
    webraft_result* release() noexcept { return handle_.release(); }

private:
    friend class detail::JsonReads<Result>;
    Status c_get_string(const char* pointer, char** out, std::size_t* len) const noexcept {
        return webraft_result_get_string(get(), pointer, out, len);
    }
    Status c_get_number(const char* pointer, double* out) const noexcept {
        return webraft_result_get_number(get(), pointer, out);
    }
    Status c_get_bool(const char* pointer, bool* out) const noexcept {
        return webraft_result_get_bool(get(), pointer, out);
    }
    Status c_get_json(const char* pointer, char** out, std::size_t* len) const noexcept {
        return webraft_result_get_json(get(), pointer, out, len);
    }

    detail::Handle<webraft_result, webraft_result_free> handle_;
};

#if WEBRAFT_HPP_EXCEPTIONS
/** A failed call: everything its Result said about the failure, copied. */
class Error : public std::runtime_error {
public:
    explicit Error(const Result& result)
        : std::runtime_error(message_of(result)),
          status_(result.status()),
          http_status_(result.http_status()),
          quota_exhausted_(result.is_quota_exhausted()),
          server_message_(detail::copy(result.server_message())),
          type_(detail::copy(result.error_type())),
          code_(detail::copy(result.error_code())),
          param_(detail::copy(result.error_param())),
          request_id_(detail::copy(result.request_id())),
          headers_json_(result.empty() ? "{}" : detail::copy(result.headers_json())),
          rate_limit_(result.rate_limit()),
          endpoint_index_(result.endpoint_index()),
          endpoint_url_(detail::copy(result.endpoint_url())),
          endpoints_tried_(result.endpoints_tried()) {}

    /** A failure the library reported only as a status (a conversation edit, a JSON Pointer read). */
    Error(Status status, const std::string& message)
        : std::runtime_error(message), status_(status), http_status_(0), quota_exhausted_(false) {}

    Status status() const noexcept { return status_; }
    std::string_view status_name() const noexcept { return webraft::status_name(status_); }
    /** 0 when no HTTP response arrived. */
    std::uint16_t http_status() const noexcept { return http_status_; }
    /** The library's one-line description (what() returns the same). */
    std::string_view message() const noexcept { return what(); }
    /** The server's own message exactly as sent, without the library's "HTTP 401: " prefix. */
    const std::string& server_message() const noexcept { return server_message_; }
    /** Out of credits or quota (e.g. HTTP 402): retrying will not help. */
    bool is_quota_exhausted() const noexcept { return quota_exhausted_; }
    /** The provider's error type, code and param, and x-request-id; "" when absent. */
    const std::string& type() const noexcept { return type_; }
    const std::string& code() const noexcept { return code_; }
    const std::string& param() const noexcept { return param_; }
    const std::string& request_id() const noexcept { return request_id_; }

    /**
     * The failed reply's header `name` (any case; repeated headers joined with
     * ", "), copied like every string here; nullopt when absent.
     */
    std::optional<std::string> header(CStr name) const {
        // headers_json() has lower-case names (webraft_result_headers_json), so
        // this is a JSON Pointer read of the lower-cased name, '~' and '/' escaped (RFC 6901).
        std::string pointer = "/";
        for (char c : detail::view(name.get())) {
            if (c == '~') {
                pointer += "~0";
            } else if (c == '/') {
                pointer += "~1";
            } else {
                pointer += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
            }
        }
        return headers_json().find_string(pointer);
    }
    /** Every header of the failed reply as one JSON object; "{}" when no reply arrived. */
    JsonText headers_json() const noexcept { return JsonText(headers_json_); }
    /** The failed reply's `x-ratelimit-*` headers (see Result::rate_limit): a 429 says when to retry. */
    const RateLimit& rate_limit() const noexcept { return rate_limit_; }
    /** The endpoint the call failed on last, its base URL ("" when none) and how many were tried (see Result). */
    std::uint32_t endpoint_index() const noexcept { return endpoint_index_; }
    const std::string& endpoint_url() const noexcept { return endpoint_url_; }
    std::uint32_t endpoints_tried() const noexcept { return endpoints_tried_; }

private:
    static std::string message_of(const Result& result) {
        std::string_view m = result.error_message();
        return detail::copy(m.data() ? m : webraft::status_name(result.status()));
    }

    Status status_;
    std::uint16_t http_status_;
    bool quota_exhausted_;
    std::string server_message_;
    std::string type_;
    std::string code_;
    std::string param_;
    std::string request_id_;
    std::string headers_json_ = "{}";
    RateLimit rate_limit_;
    std::uint32_t endpoint_index_ = 0;
    std::string endpoint_url_;
    std::uint32_t endpoints_tried_ = 0;
};

namespace detail {
inline Result ok_or_throw(Result result) {
    if (!result.ok()) throw Error(result);
    return result;
}

[[noreturn]] inline void throw_read_error(Status status, const char* pointer) {
    throw Error(status, std::string(webraft::status_name(status)) + " at JSON Pointer \"" + (pointer ? pointer : "") + "\"");
}
} // namespace detail

inline void Result::save_image(std::size_t index, const std::filesystem::path& file) const {
    std::string message;
    Status status = try_save_image(index, file, &message);
    if (status != WEBRAFT_STATUS_OK) throw Error(status, message);
}
#endif

/**
 * Either a value or the Result describing why there is none; never throws.
 * Reading value() without a value aborts (there is nothing else to return).
 * No operator bool, as for Result: ask ok().
 */
template <typename T>
class Expected {
public:
    Expected(T value) : value_(std::move(value)) {}
    Expected(Result error) noexcept : error_(std::move(error)) {}

    bool ok() const noexcept { return value_.has_value(); }
    T& value() & {
        if (!value_) std::abort();
        return *value_;
    }
    T&& value() && {
        if (!value_) std::abort();
        return std::move(*value_);
    }
    /** The failure (an empty Result when ok()). */
    const Result& error() const noexcept { return error_; }

private:
    std::optional<T> value_;
    Result error_;
};

/**
 * One stream chunk: its JSON, and the text it adds (webraft_chunk_text,
 * computed on first use). In a chunk callback it is borrowed for that call
 * only; from Request::next it owns its JSON. Not for use from two threads at once.
 */
class Chunk {
public:
    Chunk() noexcept = default;
    /** Borrows `json` (callbacks). */
    explicit Chunk(std::string_view json) noexcept : json_(json) {}
    /** Owns a chunk from webraft_request_next. */
    explicit Chunk(String owned) noexcept : owned_(std::move(owned)), json_(owned_.view()) {}
    Chunk(Chunk&& other) noexcept
        : owned_(std::move(other.owned_)),
          json_(std::exchange(other.json_, std::string_view())),
          text_(std::move(other.text_)),
          text_status_(other.text_status_) {}
    Chunk& operator=(Chunk&& other) noexcept {
        owned_ = std::move(other.owned_);
        json_ = std::exchange(other.json_, std::string_view());
        text_ = std::move(other.text_);
        text_status_ = other.text_status_;
        return *this;
    }
    Chunk(const Chunk&) = delete;
    Chunk& operator=(const Chunk&) = delete;
    ~Chunk() = default;

    /** The chunk's JSON, with JSON Pointer reads: json().find_string("/choices/0/delta/content"). */
    JsonText json() const noexcept { return JsonText(json_); }

    /** The delta text ("" for role, finish or usage chunks, or when text_status() is not OK). */
    std::string_view text() const noexcept {
        compute_text();
        return text_ ? text_.view() : std::string_view("");
    }
    /** How extracting the text went: OK, or INVALID_JSON / INVALID_UTF8 / NULL_ARGUMENT. */
    Status text_status() const noexcept {
        compute_text();
        return *text_status_;
    }

private:
    void compute_text() const noexcept {
        if (text_status_) return;
        char* out = nullptr;
        std::size_t len = 0;
        text_status_ = webraft_chunk_text(json_.data(), json_.size(), &out, &len);
        text_ = String(out, len);
    }

    String owned_;
    std::string_view json_;
    mutable String text_;
    mutable std::optional<Status> text_status_;
};

/** What Request::next found; `chunk` is set only when event is WEBRAFT_EVENT_CHUNK. */
struct Next {
    EventKind event = WEBRAFT_EVENT_DONE;
    Chunk chunk;

    bool pending() const noexcept { return event == WEBRAFT_EVENT_PENDING; }
    bool has_chunk() const noexcept { return event == WEBRAFT_EVENT_CHUNK; }
    bool done() const noexcept { return event == WEBRAFT_EVENT_DONE; }
};

/**
 * One event of a reply, as event callbacks and Request::next_event give it:
 *   - kind WEBRAFT_EVENT_HEADERS: the reply's headers, `data` one JSON object of
 *     them (lower-case names); always first, also for a failed reply;
 *   - kind WEBRAFT_EVENT_CHUNK: one stream event, `name` its SSE event name
 *     (e.g. "response.output_text.delta"; nullopt when it has none) and `data`
 *     its data (JSON for chat and Responses streams, any text elsewhere).
 * The views are borrowed: in a callback for that call only, from next_event
 * for the life of its NextEvent.
 */
struct Event {
    EventKind kind = WEBRAFT_EVENT_CHUNK;
    std::optional<std::string_view> name;
    JsonText data;

    bool is_headers() const noexcept { return kind == WEBRAFT_EVENT_HEADERS; }
};

namespace detail {
/** An Event over the C arguments of an event callback or of webraft_request_next_event. */
inline Event event_of(EventKind kind, const char* name, const char* data, std::size_t len) noexcept {
    return Event{kind, name ? std::optional<std::string_view>(name) : std::nullopt, JsonText(view(data, len))};
}
} // namespace detail

/** What Request::next_event found; owns the event's strings. */
class NextEvent {
public:
    NextEvent() noexcept = default;
    NextEvent(EventKind kind, String name, String data) noexcept
        : kind_(kind), name_(std::move(name)), data_(std::move(data)) {}

    /** PENDING, HEADERS, CHUNK or DONE. */
    EventKind kind() const noexcept { return kind_; }
    bool pending() const noexcept { return kind_ == WEBRAFT_EVENT_PENDING; }
    /** True for HEADERS and CHUNK: event() holds one. */
    bool has_event() const noexcept { return kind_ == WEBRAFT_EVENT_HEADERS || kind_ == WEBRAFT_EVENT_CHUNK; }
    bool done() const noexcept { return kind_ == WEBRAFT_EVENT_DONE; }
    /** The event; its views live as long as this NextEvent (made on access, so moving it is safe). */
    Event event() const noexcept { return detail::event_of(kind_, name_.c_str(), data_.c_str(), data_.view().size()); }

private:
    EventKind kind_ = WEBRAFT_EVENT_DONE;
    String name_;
    String data_;
};

namespace detail {

/**
 * Hands one Chunk or Event to a callback returning void (go on) or bool
 * (false cancels); true to go on.
 */
template <typename F, typename Item>
bool keep_going(F& callback, const Item& item) {
    using R = std::invoke_result_t<F&, const Item&>;
    static_assert(std::is_void_v<R> || std::is_convertible_v<R, bool>,
                  "a chunk or event callback returns void or bool (false cancels)");
    if constexpr (std::is_void_v<R>) {
        std::invoke(callback, item);
        return true;
    } else {
        return static_cast<bool>(std::invoke(callback, item));
    }
}

template <typename F>
inline constexpr bool is_chunk_callback = std::is_invocable_v<F&, const Chunk&>;
template <typename F>
inline constexpr bool is_event_callback = std::is_invocable_v<F&, const Event&>;

/**
 * The callables of one started request, kept as their own types rather than
 * in a std::function, so move-only lambdas (say, capturing a unique_ptr) are
 * accepted. Heap-allocated and passed as user_data; the done trampoline
 * deletes it, since the library calls it exactly once and last.
 * `OnStream` takes chunks (trampoline `chunk`) or events (`event`); it or
 * OnDone is std::nullptr_t when there is none.
 */
template <typename OnStream, typename OnDone>
struct Started {
    static_assert(std::is_null_pointer_v<OnDone> || std::is_invocable_v<OnDone&, Status>,
                  "on_done takes a webraft::Status (or pass nullptr for none)");
    OnStream on_stream;
    OnDone on_done;

    // An exception escaping a callback of a started request has nowhere to go
    // (the starter has moved on), so, as with std::thread, it ends the program.
    static int chunk(void* user_data, const char* json, std::size_t len) noexcept {
        return keep_going(static_cast<Started*>(user_data)->on_stream, Chunk(std::string_view(json, len))) ? 0 : 1;
    }
    static int event(void* user_data, EventKind kind, const char* name, const char* data, std::size_t len) noexcept {
        return keep_going(static_cast<Started*>(user_data)->on_stream, event_of(kind, name, data, len)) ? 0 : 1;
    }
    static void done(void* user_data, webraft_status status) noexcept {
        std::unique_ptr<Started> self(static_cast<Started*>(user_data));
        if constexpr (!std::is_null_pointer_v<OnDone>) std::invoke(self->on_done, status);
    }
};

/**
 * One blocking streamed call, on the caller's stack: it borrows the callback.
 * The caller is waiting, so an exception from the callback cancels the
 * stream and finish() rethrows it to that caller.
 */
template <typename F>
struct StreamCall {
    F* callback = nullptr;
#if WEBRAFT_HPP_EXCEPTIONS
    std::exception_ptr error = nullptr;
#endif

    static int chunk(void* user_data, const char* json, std::size_t len) noexcept {
        return static_cast<StreamCall*>(user_data)->deliver(Chunk(std::string_view(json, len)));
    }
    static int event(void* user_data, EventKind kind, const char* name, const char* data, std::size_t len) noexcept {
        return static_cast<StreamCall*>(user_data)->deliver(event_of(kind, name, data, len));
    }
    static int bytes(void* user_data, const std::uint8_t* data, std::size_t len) noexcept {
        return static_cast<StreamCall*>(user_data)->deliver(Bytes(data, len));
    }

    /** Owns the call's result, then rethrows what the callback threw. */
    Result finish(webraft_result* result) const {
        Result owned(result);
#if WEBRAFT_HPP_EXCEPTIONS
        if (error) std::rethrow_exception(error);
#endif
        return owned;
    }

private:
    template <typename Item>
    int deliver(const Item& item) noexcept {
#if WEBRAFT_HPP_EXCEPTIONS
        try {
            return keep_going(*callback, item) ? 0 : 1;
        } catch (...) {
            error = std::current_exception();
            return 1;
        }
#else
        return keep_going(*callback, item) ? 0 : 1;
#endif
    }
};

} // namespace detail

/** What Request::next_bytes found: `bytes` holds a piece (copied) when event is WEBRAFT_EVENT_BYTES. */
struct NextBytes {
    EventKind event = WEBRAFT_EVENT_DONE;
    std::vector<std::uint8_t> bytes;

    bool pending() const noexcept { return event == WEBRAFT_EVENT_PENDING; }
    bool has_bytes() const noexcept { return event == WEBRAFT_EVENT_BYTES; }
    bool done() const noexcept { return event == WEBRAFT_EVENT_DONE; }
};

/**
 * A started request. Freeing it (destructor) cancels it if it still runs; its
 * done callback still runs once. Valid after its Client is gone. Empty
 * (`!request`) when moved from or default-made; an empty Request reports done.
 */
class Request {
public:
    Request() noexcept = default;
    /** Takes ownership of a request from the C API. */
    explicit Request(webraft_request* owned) noexcept : handle_(owned) {}

    /** True when it holds a request (the one meaning of operator bool in this header). */
    explicit operator bool() const noexcept { return handle_ != nullptr; }

    /**
     * True when the reply streams, so chunks reach the delivery: decided by the
     * library at start from the delivery and the body it parsed. False when empty.
     */
    bool is_stream() const noexcept { return webraft_request_is_stream(get()); }

    /**
     * The next chunk, waiting up to `timeout_ms` (0: just look, never blocks);
     * the headers event is passed over (see next_event). An empty Request reports done.
     */
    Next next(std::uint32_t timeout_ms = 0) const noexcept {
        Next found;
        char* chunk = nullptr;
        std::size_t len = 0;
        EventKind event = WEBRAFT_EVENT_DONE;
        if (webraft_request_next(get(), timeout_ms, &event, &chunk, &len) != WEBRAFT_STATUS_OK) return found;
        found.event = event;
        if (event == WEBRAFT_EVENT_CHUNK) found.chunk = Chunk(String(chunk, len));
        return found;
    }

    /**
     * As next(), with the headers and event names: a polled stream yields the
     * headers first, then each event (with its SSE name), then done.
     */
    NextEvent next_event(std::uint32_t timeout_ms = 0) const noexcept {
        char* name = nullptr;
        char* data = nullptr;
        std::size_t len = 0;
        EventKind kind = WEBRAFT_EVENT_DONE;
        if (webraft_request_next_event(get(), timeout_ms, &kind, &name, &data, &len) != WEBRAFT_STATUS_OK) return {};
        return NextEvent(kind, String(name, name ? std::char_traits<char>::length(name) : 0), String(data, len));
    }

    /**
     * The next piece of a polled download (Client::download_start), waiting up
     * to `timeout_ms` (0: just look, never blocks). At most 256 pieces wait;
     * the download pauses while they are unread. Any other request reports done.
     */
    NextBytes next_bytes(std::uint32_t timeout_ms = 0) const {
        NextBytes found;
        std::uint8_t* data = nullptr;
        std::size_t len = 0;
        EventKind event = WEBRAFT_EVENT_DONE;
        if (webraft_request_next_bytes(get(), timeout_ms, &event, &data, &len) != WEBRAFT_STATUS_OK) return found;
        found.event = event;
        if (data != nullptr) {
            found.bytes.assign(data, data + len);
            webraft_bytes_free(data, len);
        }
        return found;
    }
    /**
     * A streamed chat's content so far as valid JSON (the README's snapshot
     * rules: open strings, arrays and objects closed, a dangling key dropped);
     * an empty String until a JSON value has begun. It reflects the chunks the
     * library decoded, which may be ahead of those polled; after the end, the
     * final snapshot. Any thread.
     */
    String snapshot_content() const noexcept {
        char* json = nullptr;
        std::size_t len = 0;
        webraft_request_snapshot_content(get(), &json, &len);
        return String(json, len);
    }
    /** How many tool calls the streamed reply has started so far. */
    std::size_t snapshot_tool_call_count() const noexcept { return webraft_request_snapshot_tool_call_count(get()); }
    /** Tool call `index`'s arguments so far as valid JSON; an empty String until they begin. */
    String snapshot_tool_arguments(std::size_t index) const noexcept {
        char* json = nullptr;
        std::size_t len = 0;
        webraft_request_snapshot_tool_arguments(get(), index, &json, &len);
        return String(json, len);
    }

    /** Waits up to `timeout_ms`; true once finished. */
    bool wait(std::uint32_t timeout_ms = wait_forever) const noexcept { return webraft_request_wait(get(), timeout_ms); }
    bool finished() const noexcept { return webraft_request_is_finished(get()); }
    void cancel() const noexcept { webraft_request_cancel(get()); }

    /** The result if finished and not yet taken, else an empty Result. Never blocks. */
    Result take_result() const noexcept { return Result(webraft_request_take_result(get())); }

    /**
     * Waits for the end and takes the result, whatever its status. A polled
     * stream must be drained with next() first (or this waits for ever).
     */
    Result try_result() const noexcept {
        webraft_request_wait(get(), wait_forever);
        return take_result();
    }
#if WEBRAFT_HPP_EXCEPTIONS
    /** As try_result(), but a failure (or an already taken result) throws Error. */
    Result result() const { return detail::ok_or_throw(try_result()); }
#endif

    const webraft_request* get() const noexcept { return handle_.get(); }
    /** Gives up ownership; the caller frees with webraft_request_free. */
    webraft_request* release() noexcept { return handle_.release(); }

private:
    detail::Handle<webraft_request, webraft_request_free> handle_;
};

/**
 * Where a started request's chunks (or events) go when no callback is given
 * (passing one to a start call is the third way, WEBRAFT_DELIVERY_CALLBACK).
 */
enum class Delivery : std::uint32_t {
    /** Queued for Request::next (and next_event); the reply streams whatever the body says. */
    poll = WEBRAFT_DELIVERY_POLL,
    /**
     * Only into the result; the body's own "stream" member, as the library
     * parses it, decides (an any-endpoint stream is read as one regardless).
     */
    none = WEBRAFT_DELIVERY_NONE,
};

/** Who speaks a message (the C enum webraft_role's values). */
enum class Role : std::uint32_t {
    system = WEBRAFT_ROLE_SYSTEM,
    developer = WEBRAFT_ROLE_DEVELOPER,
    user = WEBRAFT_ROLE_USER,
    assistant = WEBRAFT_ROLE_ASSISTANT,
    tool = WEBRAFT_ROLE_TOOL,
};

namespace detail {

/**
 * What a failed edit of a Conversation or Form does. The C call gave a status
 * and, for some edits, a Result with the library's message; a status alone is
 * named with the edit. With exceptions it throws Error; without, the first
 * failure is kept in status() and error_message(), and later edits still run.
 */
class Edits {
public:
    /** Without exceptions: OK, or the status of the first edit that failed. Always OK with exceptions. */
    Status status() const noexcept { return status_; }
    /** Without exceptions: what the first failed edit reported; "" while status() is OK. */
    std::string_view error_message() const noexcept { return error_message_; }

protected:
    // `error_out` points at the C call's out_error, read only once the call has run.
    void check_edit(Status status, const char* edit, webraft_result** error_out) {
        Result error(error_out ? *error_out : nullptr);
        if (status == WEBRAFT_STATUS_OK) return;
        std::string message = error.empty() ? std::string(edit) + ": " + std::string(status_name(status))
                                            : copy(error.error_message());
#if WEBRAFT_HPP_EXCEPTIONS
        throw Error(status, message);
#else
        if (status_ == WEBRAFT_STATUS_OK) {
            status_ = status;
            error_message_ = std::move(message);
        }
#endif
    }

private:
    Status status_ = WEBRAFT_STATUS_OK;
    std::string error_message_;
};

} // namespace detail

/**
 * Chat messages and request parameters, sent by `client.chat(conversation)`
 * and the other chat calls (which copy it: it is never changed by sending).
 * Move-only; empty (`!conversation`) once moved from. Edits return the
 * Conversation, so they chain:
 *
 *     conversation.model("gpt-4o").user("What is on this picture?").image_file("shot.png");
 *
 * A failed edit changes nothing. With exceptions it throws Error; without,
 * the first failure is kept in status() and error_message(), and later edits
 * still run, so check status() before sending.
 */
class Conversation : public detail::Edits {
public:
    /** A new, empty conversation. */
    Conversation() : handle_(webraft_conversation_new()) {}
    /** Takes ownership of a conversation from the C API. */
    explicit Conversation(webraft_conversation* owned) noexcept : handle_(owned) {}

#if WEBRAFT_HPP_EXCEPTIONS
    /** Loads an OpenAI `messages` array (as to_json() writes it); throws Error for bad input. */
    static Conversation from_json(CStr messages_json) {
        Expected<Conversation> loaded = try_from_json(messages_json);
        if (!loaded.ok()) throw Error(loaded.error());
        return std::move(loaded).value();
    }
#endif
    /** As from_json, but never throws: the conversation, or the Result saying what was wrong. */
    static Expected<Conversation> try_from_json(CStr messages_json) noexcept {
        webraft_conversation* loaded = nullptr;
        webraft_result* error = nullptr;
        if (webraft_conversation_from_json(messages_json.get(), &loaded, &error) != WEBRAFT_STATUS_OK) {
            return Result(error);
        }
        return Conversation(loaded);
    }

    /** True when it holds a conversation (the one meaning of operator bool in this header). */
    explicit operator bool() const noexcept { return handle_ != nullptr; }

    /** How many messages it holds. */
    std::size_t size() const noexcept { return webraft_conversation_len(get()); }

    /** The messages as an OpenAI `messages` array (not the parameters); "" when empty (moved from). */
    std::string to_json() const {
        char* json = nullptr;
        std::size_t len = 0;
        webraft_conversation_to_json(get(), &json, &len);
        return detail::copy(String(json, len).view());
    }

    /* ---- messages ---- */

    Conversation& add(Role role, CStr text) {
        return check(webraft_conversation_add_message(get(), static_cast<std::uint32_t>(role), text.get()),
                     "add");
    }
    Conversation& system(CStr text) { return add(Role::system, text); }
    Conversation& developer(CStr text) { return add(Role::developer, text); }
    Conversation& user(CStr text) { return add(Role::user, text); }
    Conversation& assistant(CStr text) { return add(Role::assistant, text); }
    /** Puts a system message first, unless there is one already (a loaded dialogue keeps its own). */
    Conversation& system_if_missing(CStr text) {
        return check(webraft_conversation_add_system_if_missing(get(), text.get()), "system_if_missing");
    }

    /** The answer to a tool call: {"role":"tool","tool_call_id":...,"content":...}. */
    Conversation& tool_result(CStr tool_call_id, CStr content) {
        return check(webraft_conversation_add_tool_result(get(), tool_call_id.get(), content.get()), "tool_result");
    }
    Conversation& tool_result(const ToolCall& call, CStr content) { return tool_result(std::string(call.id), content); }

    /**
     * Appends the reply's assistant message as received (text, tool calls,
     * refusal). A tool-call-only turn is stored with "content":"" (which
     * servers accept) unless keep_null_content() was asked.
     */
    Conversation& add_assistant_turn(const Result& reply) {
        return check(webraft_conversation_add_assistant_turn(get(), reply.get()), "add_assistant_turn");
    }

    /* ---- parts of the last message ---- */

    Conversation& text_part(CStr text) {
        return check(webraft_conversation_add_text_part(get(), text.get()), "text_part");
    }
    /** An image by URL (https://... or data:...); `detail` is "auto", "low", "high" or nullptr. */
    Conversation& image_url(CStr url, CStr detail = nullptr) {
        webraft_result* error = nullptr;
        return check(webraft_conversation_add_image_url(get(), url.get(), detail.get(), &error), "image_url", &error);
    }
    /** A local PNG, JPEG, GIF or WebP file, sent as a data URL; IO when it cannot be read. */
    Conversation& image_file(CStr path, CStr detail = nullptr) {
        webraft_result* error = nullptr;
        return check(webraft_conversation_add_image_file(get(), path.get(), detail.get(), &error), "image_file",
                     &error);
    }
    /** An image held in memory (copied), sent as a data URL. */
    Conversation& image_bytes(const void* bytes, std::size_t len, CStr detail = nullptr) {
        webraft_result* error = nullptr;
        return check(webraft_conversation_add_image_bytes(get(), static_cast<const std::uint8_t*>(bytes), len,
                                                          detail.get(), &error),
                     "image_bytes", &error);
    }
    /** The same from any contiguous container of bytes: std::vector<std::uint8_t>, std::string, std::span, ... */
    template <typename Bytes, typename = std::enable_if_t<sizeof(*std::data(std::declval<const Bytes&>())) == 1>>
    Conversation& image_bytes(const Bytes& bytes, CStr detail = nullptr) {
        return image_bytes(static_cast<const void*>(std::data(bytes)), std::size(bytes), detail);
    }

    /* ---- request parameters ---- */

    Conversation& model(CStr name) { return check(webraft_conversation_set_model(get(), name.get()), "model"); }
    Conversation& temperature(double value) {
        return check(webraft_conversation_set_temperature(get(), value), "temperature");
    }
    Conversation& max_tokens(std::uint64_t count) {
        return check(webraft_conversation_set_max_tokens(get(), count), "max_tokens");
    }
    /** Asks streamed replies to end with token usage (stream_options.include_usage); see Result::usage(). */
    Conversation& stream_usage(bool on = true) {
        return check(webraft_conversation_set_stream_usage(get(), on), "stream_usage");
    }
    /** Stores tool-call-only assistant turns with "content":null instead of "". */
    Conversation& keep_null_content(bool on = true) {
        return check(webraft_conversation_set_keep_null_content(get(), on), "keep_null_content");
    }
    /** The `tools` array, as JSON text. */
    Conversation& tools(CStr json) { return param("tools", json); }
    /** `tool_choice` as JSON text: R"("auto")", R"("required")" or an object naming a function. */
    Conversation& tool_choice(CStr json) { return param("tool_choice", json); }
    /** `response_format` as JSON text, e.g. R"({"type":"json_object"})". */
    Conversation& response_format(CStr json) { return param("response_format", json); }
    /** Any request member as JSON text ("messages", "stream" and "stream_options" are refused). */
    Conversation& param(CStr name, CStr value_json) {
        webraft_result* error = nullptr;
        return check(webraft_conversation_set_param(get(), name.get(), value_json.get(), &error), "param", &error);
    }

    // status() and error_message(), without exceptions, come from detail::Edits.

    const webraft_conversation* get() const noexcept { return handle_.get(); }
    /** Gives up ownership; the caller frees with webraft_conversation_free. */
    webraft_conversation* release() noexcept { return handle_.release(); }

private:
    // Every edit ends here (see detail::Edits).
    Conversation& check(Status status, const char* edit, webraft_result** error_out = nullptr) {
        check_edit(status, edit, error_out);
        return *this;
    }

    detail::Handle<webraft_conversation, webraft_conversation_free> handle_;
};

/**
 * A multipart/form-data body (webraft_form): text fields and file parts, in
 * the order added, sent by `client.transcribe(form)`, `edit_images`,
 * `send_form` and their streamed forms, which take a snapshot (it may change
 * or be sent again as soon as the call has started). Move-only; empty
 * (`!form`) once moved from. Edits chain, and fail as a Conversation's do
 * (throw Error, or without exceptions keep the first failure in status()):
 *
 *     form.text("model", "whisper-1").file("file", "hello.wav");
 */
class Form : public detail::Edits {
public:
    /** A new, empty form. */
    Form() : handle_(webraft_form_new()) {}

    /** True when it holds a form (the one meaning of operator bool in this header). */
    explicit operator bool() const noexcept { return handle_ != nullptr; }

    /** A text field. */
    Form& text(CStr name, CStr value) { return check(webraft_form_add_text(get(), name.get(), value.get()), "text"); }
    /**
     * The file at `path` as the part `name`: read when the form is sent,
     * streamed from disk (never whole into memory), and read again for a
     * retry. `filename` defaults to the path's last part, `content_type` to
     * what the file's first bytes, else its extension, say. A missing,
     * unreadable or non-regular file, or a directory, fails with
     * INVALID_ARGUMENT naming the path.
     */
    Form& file(CStr name, const std::filesystem::path& path, CStr filename = nullptr, CStr content_type = nullptr) {
        webraft_result* error = nullptr;
        return check(webraft_form_add_file_path(get(), name.get(), detail::native_path(path).c_str(), filename.get(),
                                                content_type.get(), &error),
                     "file", &error);
    }
    /**
     * Bytes held in memory as a file part (copied). `filename` is required:
     * servers tell the format by it; `content_type` as for file().
     */
    Form& bytes(CStr name, const void* data, std::size_t len, CStr filename, CStr content_type = nullptr) {
        static const std::uint8_t empty = 0;  // the C API takes no NULL, even for an empty file
        const auto* bytes = data != nullptr ? static_cast<const std::uint8_t*>(data) : &empty;
        return check(webraft_form_add_file_bytes(get(), name.get(), bytes, len, filename.get(), content_type.get()),
                     "bytes");
    }
    /** The same from any contiguous container of bytes: std::vector<std::uint8_t>, std::string, webraft::Bytes, ... */
    template <typename Container, typename = std::enable_if_t<sizeof(*std::data(std::declval<const Container&>())) == 1>>
    Form& bytes(CStr name, const Container& data, CStr filename, CStr content_type = nullptr) {
        return bytes(name, static_cast<const void*>(std::data(data)), std::size(data), filename, content_type);
    }

    const webraft_form* get() const noexcept { return handle_.get(); }
    /** Gives up ownership; the caller frees with webraft_form_free. */
    webraft_form* release() noexcept { return handle_.release(); }

private:
    // Every edit ends here (see detail::Edits).
    Form& check(Status status, const char* edit, webraft_result** error_out = nullptr) {
        check_edit(status, edit, error_out);
        return *this;
    }

    detail::Handle<webraft_form, webraft_form_free> handle_;
};

/**
 * What a chat or Responses API call sends: a JSON request body (`const char*`,
 * `std::string`; sent as is) or a Conversation (for Responses the library makes
 * its messages the `input` items). Borrowed for the duration of the call.
 */
/**
 * Snapshots of one growing JSON document given piece by piece, with the same
 * rules as Request::snapshot_content: for the text a chunk callback gets
 * (Chunk::text()) or a Responses stream's deltas. Move-only; one thread at a time.
 */
class PartialJson {
public:
    PartialJson() noexcept : handle_(webraft_partial_json_new()) {}

    /**
     * Adds the next piece (whole UTF-8 characters; it may end mid-string or
     * mid-number); true when the snapshot changed. A piece the library refuses
     * (INVALID_UTF8) changes nothing and is kept in status().
     */
    bool push(std::string_view piece) noexcept {
        bool changed = false;
        remember(webraft_partial_json_push(handle_.get(), piece.data(), piece.size(), &changed));
        return changed;
    }
    /** Ends the document (a number still open is complete); true when the snapshot changed. */
    bool finish() noexcept {
        bool changed = false;
        remember(webraft_partial_json_finish(handle_.get(), &changed));
        return changed;
    }
    /** The snapshot so far; an empty String until a value has begun. */
    String snapshot() const noexcept {
        char* json = nullptr;
        std::size_t len = 0;
        webraft_partial_json_snapshot(handle_.get(), &json, &len);
        return String(json, len);
    }
    /** OK, or the first failure of push() or finish(). */
    Status status() const noexcept { return status_; }

private:
    void remember(Status status) noexcept {
        if (status_ == WEBRAFT_STATUS_OK) status_ = status;
    }

    detail::Handle<webraft_partial_json, webraft_partial_json_free> handle_;
    Status status_ = WEBRAFT_STATUS_OK;
};

/**
 * One attempt's question to a credential callback (Client::set_credentials):
 * which endpoint it goes to, and where the credential goes. Valid only during
 * the callback. Setting nothing sends the endpoint's configured key.
 */
class CredentialRequest {
public:
    /** Wraps the arguments of a webraft_credential_callback. */
    CredentialRequest(std::uint32_t endpoint_index, const char* base_url, webraft_credential* credential) noexcept
        : endpoint_index_(endpoint_index), base_url_(detail::view(base_url)), credential_(credential) {}

    /** 0 = the client's own base URL, i = the config's fallback[i - 1]. */
    std::uint32_t endpoint_index() const noexcept { return endpoint_index_; }
    std::string_view base_url() const noexcept { return base_url_; }

    /** Sends `Authorization: Bearer <api_key>`; a key that cannot be sent fails the attempt. */
    Status set_key(CStr api_key) noexcept {
        return checked(webraft_credential_set_key(credential_, api_key.get()), "an API key that cannot be sent");
    }
    /** Sends `name: value` (e.g. "api-key" for Azure); a header that cannot be sent fails the attempt. */
    Status set_header(CStr name, CStr value) noexcept {
        return checked(webraft_credential_set_header(credential_, name.get(), value.get()), "a header that cannot be sent");
    }
    /** Ends the call with CREDENTIALS and this message (no retry, no fallback). */
    void fail(CStr message) noexcept {
        if (!failed_) webraft_credential_fail(credential_, message.get());
        failed_ = true;
    }
    bool failed() const noexcept { return failed_; }

private:
    Status checked(Status status, const char* what) noexcept {
        if (status != WEBRAFT_STATUS_OK) fail((std::string("the credential callback gave ") + what).c_str());
        return status;
    }

    std::uint32_t endpoint_index_;
    std::string_view base_url_;
    webraft_credential* credential_;
    bool failed_ = false;
};

/**
 * Asked for the credential of every attempt: each retry, fallback endpoint
 * and hedge asks again. Runs on a library thread, which it may block (to fetch
 * a token); calls for different attempts may run at the same time. An
 * exception it throws fails the attempt with its what().
 */
using CredentialCallback = std::function<void(CredentialRequest&)>;

namespace detail {
/** The webraft_credential_callback of a Client: user_data is its CredentialCallback. */
inline int ask_credentials(void* user_data, std::uint32_t endpoint_index, const char* base_url,
                           webraft_credential* credential) noexcept {
    CredentialRequest request(endpoint_index, base_url, credential);
#if WEBRAFT_HPP_EXCEPTIONS
    try {
        (*static_cast<CredentialCallback*>(user_data))(request);
    } catch (const std::exception& e) {
        request.fail(e.what());
    } catch (...) {
        request.fail("the credential callback threw");
    }
#else
    (*static_cast<CredentialCallback*>(user_data))(request);
#endif
    return request.failed() ? 1 : 0;
}
} // namespace detail

class ChatRequest {
public:
    ChatRequest(std::nullptr_t) noexcept {}
    ChatRequest(const char* json) noexcept : json_(json) {}
    ChatRequest(const std::string& json) noexcept : json_(json.c_str()) {}
    ChatRequest(CStr json) noexcept : json_(json.get()) {}
    ChatRequest(const Conversation& conversation) noexcept : conversation_(&conversation) {}

private:
    friend class Client;

    // The three ways to send, each to the C call for a body or for a conversation.
    webraft_result* chat(const webraft_client* client, const char* options) const noexcept {
        if (conversation_) return webraft_conversation_chat(client, conversation_->get(), options);
        return webraft_chat(client, json_, options);
    }
    webraft_result* chat_stream(const webraft_client* client, const char* options, webraft_chunk_callback on_chunk,
                                void* user_data) const noexcept {
        if (conversation_) {
            return webraft_conversation_chat_stream(client, conversation_->get(), options, on_chunk, user_data);
        }
        return webraft_chat_stream(client, json_, options, on_chunk, user_data);
    }
    Status start(const webraft_client* client, const char* options, std::uint32_t delivery,
                 webraft_chunk_callback on_chunk, webraft_done_callback on_done, void* user_data,
                 webraft_request** out) const noexcept {
        if (conversation_) {
            return webraft_conversation_chat_start(client, conversation_->get(), options, delivery, on_chunk, on_done,
                                                   user_data, out);
        }
        return webraft_chat_start(client, json_, options, delivery, on_chunk, on_done, user_data, out);
    }

    // The Responses API: blocking (streamed when `on_event` is given) and started.
    webraft_result* responses(const webraft_client* client, const char* options, webraft_event_callback on_event,
                              void* user_data) const noexcept {
        if (conversation_) {
            return webraft_conversation_responses(client, conversation_->get(), options, on_event, user_data);
        }
        if (on_event) return webraft_responses_stream(client, json_, options, on_event, user_data);
        return webraft_responses(client, json_, options);
    }
    Status responses_start(const webraft_client* client, const char* options, std::uint32_t delivery,
                           webraft_event_callback on_event, webraft_done_callback on_done, void* user_data,
                           webraft_request** out) const noexcept {
        if (conversation_) {
            return webraft_conversation_responses_start(client, conversation_->get(), options, delivery, on_event,
                                                        on_done, user_data, out);
        }
        return webraft_responses_start(client, json_, options, delivery, on_event, on_done, user_data, out);
    }

    const char* json_ = nullptr;
    const Conversation* conversation_ = nullptr;
};

/** A configured client; share it (by reference) between any number of threads. */
class Client {
public:
    /** An empty client (`!client`); every call on it fails with NULL_ARGUMENT. */
    Client() noexcept = default;
    /** Takes ownership of a client from the C API (a named function, so Client(nullptr) means "defaults"). */
    static Client adopt(webraft_client* owned) noexcept {
        Client client;
        client.handle_.reset(owned);
        return client;
    }

#if WEBRAFT_HPP_EXCEPTIONS
    /** From a JSON config (see the README; nullptr or "" = all defaults). Throws Error. */
    explicit Client(CStr config_json) {
        Expected<Client> made = create(config_json);
        if (!made.ok()) throw Error(made.error());
        handle_ = std::move(made.value().handle_);
    }
#endif

    /** Never throws: the client, or the Result saying what was wrong with the config. */
    static Expected<Client> create(CStr config_json) noexcept {
        webraft_client* client = nullptr;
        webraft_result* error = nullptr;
        if (webraft_client_new(config_json.get(), &client, &error) != WEBRAFT_STATUS_OK) return Result(error);
        return adopt(client);
    }

    // Destroying a Client cancels requests still in flight (they finish
    // CANCELLED); it does not wait for them. It frees the client before its
    // credential callback (declared first, destroyed last): freeing waits for
    // a running call of it.
    Client(Client&&) noexcept = default;
    Client& operator=(Client&& other) noexcept {
        handle_ = std::move(other.handle_);  // the old client first, then its callback
        credentials_ = std::move(other.credentials_);
        return *this;
    }
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;
    ~Client() = default;

    /**
     * Asks `callback` for the credential of every attempt of the requests made
     * after this returns (see CredentialCallback); an empty one removes it.
     * Replaces an earlier one, which is never called again once this returns.
     * Not from inside the callback itself. NULL_ARGUMENT on an empty Client.
     */
    Status set_credentials(CredentialCallback callback) noexcept {
        const bool wanted = static_cast<bool>(callback);
        std::unique_ptr<CredentialCallback> next;
        if (wanted) next.reset(new (std::nothrow) CredentialCallback(std::move(callback)));
        if (wanted && !next) return WEBRAFT_STATUS_PANIC;  // out of memory
        Status status = webraft_client_set_credential_callback(get(), next ? &detail::ask_credentials : nullptr, next.get());
        if (status == WEBRAFT_STATUS_OK) credentials_ = std::move(next);
        return status;
    }

    /** True when it holds a client (the one meaning of operator bool in this header). */
    explicit operator bool() const noexcept { return handle_ != nullptr; }

    /* ---- blocking calls; the try_ forms return the Result whatever its status ---- */

    /**
     * One reply to a JSON body or a Conversation. A body with "stream": true
     * streams, and the result still holds the whole text; a Conversation does not stream.
     */
    Result try_chat(ChatRequest request, CStr options_json = nullptr) const noexcept {
        return Result(request.chat(get(), options_json.get()));
    }

    /** Streams (sets "stream": true); `on_chunk` runs on a worker thread while this blocks. */
    template <typename F>
    Result try_chat_stream(ChatRequest request, F&& on_chunk, CStr options_json = nullptr) const {
        detail::StreamCall<std::remove_reference_t<F>> call{&on_chunk};
        return call.finish(request.chat_stream(get(), options_json.get(), &decltype(call)::chunk, &call));
    }

    Result try_send(CStr method, CStr path, CStr body_json = nullptr, CStr options_json = nullptr) const noexcept {
        return Result(webraft_send(get(), method.get(), path.get(), body_json.get(), options_json.get()));
    }

    /**
     * One Responses API reply (`POST /responses`) to a JSON body or a
     * Conversation. A body with "stream": true streams, and the result still
     * holds the whole reply; a Conversation does not stream.
     */
    Result try_responses(ChatRequest request, CStr options_json = nullptr) const noexcept {
        return Result(request.responses(get(), options_json.get(), nullptr, nullptr));
    }

    /**
     * A streamed Responses API reply; `on_event(const Event&)` gets the headers,
     * then every event by name, unknown ones too, on a worker thread while this blocks.
     */
    template <typename F>
    Result try_responses_stream(ChatRequest request, F&& on_event, CStr options_json = nullptr) const {
        detail::StreamCall<std::remove_reference_t<F>> call{&on_event};
        return call.finish(request.responses(get(), options_json.get(), &decltype(call)::event, &call));
    }

    /**
     * A request to any endpoint whose reply is read as a stream (SSE, named
     * events too, or JSON lines): `on_event` gets the headers, then each event.
     * Nothing is accumulated; the result has the status, headers and chunk_count().
     */
    template <typename F>
    Result try_send_stream(CStr method, CStr path, CStr body_json, F&& on_event, CStr options_json = nullptr) const {
        detail::StreamCall<std::remove_reference_t<F>> call{&on_event};
        return call.finish(webraft_send_stream(get(), method.get(), path.get(), body_json.get(), options_json.get(),
                                               &decltype(call)::event, &call));
    }

    /* ---- audio, images, embeddings and files ---- */

    /**
     * Posts `form` as multipart/form-data to `path` under the base URL. A retry
     * sends it whole again. A file over max_upload_bytes, or one gone by the
     * time of sending, fails with INVALID_ARGUMENT naming the path, before
     * anything is sent; a 4xx/5xx reply fails as for any request.
     */
    Result try_send_form(CStr path, const Form& form, CStr options_json = nullptr) const noexcept {
        return Result(webraft_send_form(get(), path.get(), form.get(), options_json.get()));
    }
    /**
     * As try_send_form with the field stream=true (unless the form has one),
     * the reply read as a stream: `on_event` gets the headers, then each event,
     * on a worker thread while this blocks. The result's text() is the
     * transcript the transcript.text.delta events add up to.
     */
    template <typename F>
    Result try_send_form_stream(CStr path, const Form& form, F&& on_event, CStr options_json = nullptr) const {
        detail::StreamCall<std::remove_reference_t<F>> call{&on_event};
        return call.finish(webraft_send_form_stream(get(), path.get(), form.get(), options_json.get(),
                                                    &decltype(call)::event, &call));
    }
    /**
     * Speech to text (`POST /audio/transcriptions`): the form holds the audio
     * as the file part "file" and a "model" field (and response_format json,
     * text or verbose_json, language, ...). text() is the transcript.
     */
    Result try_transcribe(const Form& form, CStr options_json = nullptr) const noexcept {
        return try_send_form("/audio/transcriptions", form, options_json);
    }
    /** Speech to English text (`POST /audio/translations`); the form as for try_transcribe. */
    Result try_translate(const Form& form, CStr options_json = nullptr) const noexcept {
        return try_send_form("/audio/translations", form, options_json);
    }
    /** A streamed transcription: `on_event(const Event&)` as for try_send_form_stream. */
    template <typename F>
    Result try_transcribe_stream(const Form& form, F&& on_event, CStr options_json = nullptr) const {
        return try_send_form_stream("/audio/transcriptions", form, std::forward<F>(on_event), options_json);
    }

    /**
     * A request to any endpoint (as try_send) whose reply is kept as bytes,
     * never parsed (body_bytes()), up to max_body_bytes. A body the server cuts
     * fails with TRANSPORT and keeps what arrived (bytes_received()).
     */
    Result try_download(CStr method, CStr path, CStr body_json = nullptr, CStr options_json = nullptr) const noexcept {
        return Result(webraft_download(get(), method.get(), path.get(), body_json.get(), options_json.get()));
    }
    /**
     * As try_download, written to `file` atomically: into a temporary file
     * beside it, renamed over it only once the whole body arrived with a 2xx
     * status; on any failure the file is untouched and no temporary file is
     * left. max_body_bytes does not apply.
     */
    Result try_download_to_file(CStr method, CStr path, CStr body_json, const std::filesystem::path& file,
                                CStr options_json = nullptr) const {
        return Result(webraft_download_to_file(get(), method.get(), path.get(), body_json.get(), options_json.get(),
                                               detail::native_path(file).c_str()));
    }
    /**
     * As try_download, each piece handed to `on_bytes(webraft::Bytes)` as it
     * arrives (so playback can start before the end), on a worker thread,
     * in order, while this blocks; return false (or throw) to stop. No body is
     * kept (bytes_received() counts the pieces); max_body_bytes does not apply.
     */
    template <typename F>
    Result try_download_stream(CStr method, CStr path, CStr body_json, F&& on_bytes,
                               CStr options_json = nullptr) const {
        detail::StreamCall<std::remove_reference_t<F>> call{&on_bytes};
        webraft_request* started = nullptr;
        webraft_download_start(get(), method.get(), path.get(), body_json.get(), options_json.get(),
                               WEBRAFT_DELIVERY_CALLBACK, &decltype(call)::bytes, nullptr, &call, &started);
        // The library's own wait (safe on a worker thread, in a callback calling back in); once the
        // request has finished, no piece callback runs any more, so `call` may go.
        Request request(started);
        request.wait();
        return call.finish(request.take_result().release());
    }
    /** Text to speech (`POST /audio/speech`, e.g. {"model":"tts-1","input":"Hi!","voice":"alloy"}): body_bytes() is the audio. */
    Result try_speech(CStr request_json, CStr options_json = nullptr) const noexcept {
        return try_download("POST", "/audio/speech", request_json, options_json);
    }
    /** Speech written to `file` atomically (see try_download_to_file). */
    Result try_speech_to_file(CStr request_json, const std::filesystem::path& file, CStr options_json = nullptr) const {
        return try_download_to_file("POST", "/audio/speech", request_json, file, options_json);
    }
    /** Speech in pieces to `on_bytes` as it arrives (see try_download_stream). */
    template <typename F>
    Result try_speech_stream(CStr request_json, F&& on_bytes, CStr options_json = nullptr) const {
        return try_download_stream("POST", "/audio/speech", request_json, std::forward<F>(on_bytes), options_json);
    }
    /**
     * Images from a prompt (`POST /images/generations`): read them with
     * image_count(), image_bytes(i) (b64_json, decoded), image_url(i) and save_image(i, file).
     */
    Result try_generate_images(CStr request_json, CStr options_json = nullptr) const noexcept {
        return try_send("POST", "/images/generations", request_json, options_json);
    }
    /** An image edit (`POST /images/edits`): the form holds the file part "image", "prompt" and "model". */
    Result try_edit_images(const Form& form, CStr options_json = nullptr) const noexcept {
        return try_send_form("/images/edits", form, options_json);
    }
    /** Embeddings (`POST /embeddings`): embedding(i) reads base64 and float replies alike. */
    Result try_embeddings(CStr request_json, CStr options_json = nullptr) const noexcept {
        return try_send("POST", "/embeddings", request_json, options_json);
    }

#if WEBRAFT_HPP_EXCEPTIONS
    Result send_form(CStr path, const Form& form, CStr options_json = nullptr) const {
        return detail::ok_or_throw(try_send_form(path, form, options_json));
    }
    template <typename F>
    Result send_form_stream(CStr path, const Form& form, F&& on_event, CStr options_json = nullptr) const {
        return detail::ok_or_throw(try_send_form_stream(path, form, std::forward<F>(on_event), options_json));
    }
    Result transcribe(const Form& form, CStr options_json = nullptr) const {
        return detail::ok_or_throw(try_transcribe(form, options_json));
    }
    Result translate(const Form& form, CStr options_json = nullptr) const {
        return detail::ok_or_throw(try_translate(form, options_json));
    }
    template <typename F>
    Result transcribe_stream(const Form& form, F&& on_event, CStr options_json = nullptr) const {
        return detail::ok_or_throw(try_transcribe_stream(form, std::forward<F>(on_event), options_json));
    }
    Result download(CStr method, CStr path, CStr body_json = nullptr, CStr options_json = nullptr) const {
        return detail::ok_or_throw(try_download(method, path, body_json, options_json));
    }
    Result download_to_file(CStr method, CStr path, CStr body_json, const std::filesystem::path& file,
                            CStr options_json = nullptr) const {
        return detail::ok_or_throw(try_download_to_file(method, path, body_json, file, options_json));
    }
    /** As try_download_stream; a failure, or an exception from `on_bytes`, is thrown here. */
    template <typename F>
    Result download_stream(CStr method, CStr path, CStr body_json, F&& on_bytes, CStr options_json = nullptr) const {
        return detail::ok_or_throw(try_download_stream(method, path, body_json, std::forward<F>(on_bytes), options_json));
    }
    Result speech(CStr request_json, CStr options_json = nullptr) const {
        return detail::ok_or_throw(try_speech(request_json, options_json));
    }
    Result speech_to_file(CStr request_json, const std::filesystem::path& file, CStr options_json = nullptr) const {
        return detail::ok_or_throw(try_speech_to_file(request_json, file, options_json));
    }
    template <typename F>
    Result speech_stream(CStr request_json, F&& on_bytes, CStr options_json = nullptr) const {
        return detail::ok_or_throw(try_speech_stream(request_json, std::forward<F>(on_bytes), options_json));
    }
    Result generate_images(CStr request_json, CStr options_json = nullptr) const {
        return detail::ok_or_throw(try_generate_images(request_json, options_json));
    }
    Result edit_images(const Form& form, CStr options_json = nullptr) const {
        return detail::ok_or_throw(try_edit_images(form, options_json));
    }
    Result embeddings(CStr request_json, CStr options_json = nullptr) const {
        return detail::ok_or_throw(try_embeddings(request_json, options_json));
    }
#endif

#if WEBRAFT_HPP_EXCEPTIONS
    Result chat(ChatRequest request, CStr options_json = nullptr) const {
        return detail::ok_or_throw(try_chat(request, options_json));
    }
    /** As try_chat_stream; a failure, or an exception from `on_chunk`, is thrown here. */
    template <typename F>
    Result chat_stream(ChatRequest request, F&& on_chunk, CStr options_json = nullptr) const {
        return detail::ok_or_throw(try_chat_stream(request, std::forward<F>(on_chunk), options_json));
    }
    Result send(CStr method, CStr path, CStr body_json = nullptr, CStr options_json = nullptr) const {
        return detail::ok_or_throw(try_send(method, path, body_json, options_json));
    }
    /** As try_responses; a failed or errored response throws Error (server_message(), code()). */
    Result responses(ChatRequest request, CStr options_json = nullptr) const {
        return detail::ok_or_throw(try_responses(request, options_json));
    }
    /** As try_responses_stream; a failure, or an exception from `on_event`, is thrown here. */
    template <typename F>
    Result responses_stream(ChatRequest request, F&& on_event, CStr options_json = nullptr) const {
        return detail::ok_or_throw(try_responses_stream(request, std::forward<F>(on_event), options_json));
    }
    /** As try_send_stream; a failure, or an exception from `on_event`, is thrown here. */
    template <typename F>
    Result send_stream(CStr method, CStr path, CStr body_json, F&& on_event, CStr options_json = nullptr) const {
        return detail::ok_or_throw(try_send_stream(method, path, body_json, std::forward<F>(on_event), options_json));
    }
#endif

    /* ---- non-blocking calls: the returned Request always exists; invalid
       arguments leave it finished with the error result ---- */

    /**
     * Starts a streamed chat whose chunks are queued for Request::next (the
     * library asks for a stream, whatever the body says). Drain it with next()
     * before taking the result.
     */
    Request start(ChatRequest request, CStr options_json = nullptr) const noexcept {
        return start(request, Delivery::poll, options_json);
    }

    /** Starts a chat with no callbacks and the given delivery (see Delivery). */
    Request start(ChatRequest request, Delivery delivery, CStr options_json = nullptr) const noexcept {
        webraft_request* started = nullptr;
        request.start(get(), options_json.get(), static_cast<std::uint32_t>(delivery), nullptr, nullptr, nullptr,
                      &started);
        return Request(started);
    }

    /**
     * Starts a streamed chat whose chunks go to `on_chunk` and whose end goes
     * to `on_done(Status)` (exactly once, after the last chunk). Both run on a
     * worker thread and must not throw. Pass nullptr as `on_done` for none.
     * Both are moved into the request and freed when it ends, so they may be
     * move-only. (Constrained, so start(body, Delivery, options) never lands here.)
     */
    template <typename OnChunk, typename OnDone,
              typename = std::enable_if_t<detail::is_chunk_callback<OnChunk>>>
    Request start(ChatRequest request, OnChunk on_chunk, OnDone on_done, CStr options_json = nullptr) const {
        return start_with(std::move(on_chunk), std::move(on_done), [&](auto* state, webraft_request** out) {
            return request.start(get(), options_json.get(), WEBRAFT_DELIVERY_CALLBACK, state->chunk, state->done,
                                 state, out);
        });
    }

    /**
     * Starts a streamed Responses API call whose events are queued for
     * Request::next_event (headers first; Request::next passes over them).
     * Drain it before taking the result.
     */
    Request start_responses(ChatRequest request, CStr options_json = nullptr) const noexcept {
        return start_responses(request, Delivery::poll, options_json);
    }

    /** Starts a Responses API call with no callbacks and the given delivery (see Delivery). */
    Request start_responses(ChatRequest request, Delivery delivery, CStr options_json = nullptr) const noexcept {
        webraft_request* started = nullptr;
        request.responses_start(get(), options_json.get(), static_cast<std::uint32_t>(delivery), nullptr, nullptr,
                                nullptr, &started);
        return Request(started);
    }

    /** Starts a streamed Responses API call whose events go to `on_event`; otherwise as start(body, on_chunk, on_done). */
    template <typename OnEvent, typename OnDone,
              typename = std::enable_if_t<detail::is_event_callback<OnEvent>>>
    Request start_responses(ChatRequest request, OnEvent on_event, OnDone on_done,
                            CStr options_json = nullptr) const {
        return start_with(std::move(on_event), std::move(on_done), [&](auto* state, webraft_request** out) {
            return request.responses_start(get(), options_json.get(), WEBRAFT_DELIVERY_CALLBACK, state->event,
                                           state->done, state, out);
        });
    }

    /** Starts a request to any endpoint; poll or wait on it. */
    Request send_start(CStr method, CStr path, CStr body_json = nullptr, CStr options_json = nullptr) const noexcept {
        webraft_request* request = nullptr;
        webraft_send_start(get(), method.get(), path.get(), body_json.get(), options_json.get(), nullptr, nullptr,
                           &request);
        return Request(request);
    }

    /** As above, telling `on_done(Status)` on a worker thread when it ends. */
    template <typename OnDone>
    Request send_start(CStr method, CStr path, CStr body_json, CStr options_json, OnDone on_done) const {
        return start_with(nullptr, std::move(on_done), [&](auto* state, webraft_request** out) {
            return webraft_send_start(get(), method.get(), path.get(), body_json.get(), options_json.get(),
                                      state->done, state, out);
        });
    }

    /**
     * Starts a request to any endpoint whose reply is read as a stream, its
     * events queued for Request::next_event (headers first). Drain it before
     * taking the result.
     */
    Request send_stream_start(CStr method, CStr path, CStr body_json = nullptr,
                              CStr options_json = nullptr) const noexcept {
        return send_stream_start(method, path, body_json, Delivery::poll, options_json);
    }

    /** As above with the given delivery; Delivery::none only counts the events into the result. */
    Request send_stream_start(CStr method, CStr path, CStr body_json, Delivery delivery,
                              CStr options_json = nullptr) const noexcept {
        webraft_request* request = nullptr;
        webraft_send_stream_start(get(), method.get(), path.get(), body_json.get(), options_json.get(),
                                  static_cast<std::uint32_t>(delivery), nullptr, nullptr, nullptr, &request);
        return Request(request);
    }

    /** As above, the events going to `on_event` and the end to `on_done`, as for start_responses. */
    template <typename OnEvent, typename OnDone,
              typename = std::enable_if_t<detail::is_event_callback<OnEvent>>>
    Request send_stream_start(CStr method, CStr path, CStr body_json, OnEvent on_event, OnDone on_done,
                              CStr options_json = nullptr) const {
        return start_with(std::move(on_event), std::move(on_done), [&](auto* state, webraft_request** out) {
            return webraft_send_stream_start(get(), method.get(), path.get(), body_json.get(), options_json.get(),
                                             WEBRAFT_DELIVERY_CALLBACK, state->event, state->done, state, out);
        });
    }

    /**
     * Starts a streamed form request (e.g. a transcription) whose events are
     * queued for Request::next_event (headers first); the result's text() is
     * the whole transcript. Drain it before taking the result.
     */
    Request send_form_stream_start(CStr path, const Form& form, CStr options_json = nullptr) const noexcept {
        webraft_request* request = nullptr;
        webraft_send_form_stream_start(get(), path.get(), form.get(), options_json.get(), WEBRAFT_DELIVERY_POLL,
                                       nullptr, nullptr, nullptr, &request);
        return Request(request);
    }

    /**
     * Starts a download whose pieces are queued for Request::next_bytes, e.g.
     * speech a game plays as it arrives: poll it each frame. Drain it before
     * taking the result (which keeps no body; bytes_received() counts).
     */
    Request download_start(CStr method, CStr path, CStr body_json = nullptr,
                           CStr options_json = nullptr) const noexcept {
        webraft_request* request = nullptr;
        webraft_download_start(get(), method.get(), path.get(), body_json.get(), options_json.get(),
                               WEBRAFT_DELIVERY_POLL, nullptr, nullptr, nullptr, &request);
        return Request(request);
    }

    /**
     * Starts a download written to `file` atomically (see
     * try_download_to_file): the file is in place, or on failure untouched,
     * once the request is done. Wait on it; result() throws on failure.
     */
    Request download_to_file_start(CStr method, CStr path, CStr body_json, const std::filesystem::path& file,
                                   CStr options_json = nullptr) const {
        webraft_request* request = nullptr;
        webraft_download_to_file_start(get(), method.get(), path.get(), body_json.get(), options_json.get(),
                                       detail::native_path(file).c_str(), nullptr, nullptr, &request);
        return Request(request);
    }

    /** As above, telling `on_done(Status)` on a worker thread when it ends, after the file is in place (or not). */
    template <typename OnDone>
    Request download_to_file_start(CStr method, CStr path, CStr body_json, const std::filesystem::path& file,
                                   CStr options_json, OnDone on_done) const {
        const std::string native = detail::native_path(file);
        return start_with(nullptr, std::move(on_done), [&](auto* state, webraft_request** out) {
            return webraft_download_to_file_start(get(), method.get(), path.get(), body_json.get(), options_json.get(),
                                                  native.c_str(), state->done, state, out);
        });
    }

    /**
     * Starts a form request (e.g. a transcription or an image edit) to `path`;
     * the library takes a snapshot of the form, which may change or go as
     * soon as this returns. Wait on it; the result's text() is a
     * transcription's text.
     */
    Request send_form_start(CStr path, const Form& form, CStr options_json = nullptr) const noexcept {
        webraft_request* request = nullptr;
        webraft_send_form_start(get(), path.get(), form.get(), options_json.get(), nullptr, nullptr, &request);
        return Request(request);
    }

    /** As above, telling `on_done(Status)` on a worker thread when it ends. */
    template <typename OnDone>
    Request send_form_start(CStr path, const Form& form, CStr options_json, OnDone on_done) const {
        return start_with(nullptr, std::move(on_done), [&](auto* state, webraft_request** out) {
            return webraft_send_form_start(get(), path.get(), form.get(), options_json.get(), state->done, state, out);
        });
    }

    const webraft_client* get() const noexcept { return handle_.get(); }
    /**
     * Gives up ownership; the caller frees with webraft_client_free. A
     * credential callback set through this Client is removed first.
     */
    webraft_client* release() noexcept {
        if (credentials_) webraft_client_set_credential_callback(handle_.get(), nullptr, nullptr);
        credentials_.reset();
        return handle_.release();
    }

private:
    /**
     * Moves the callables of a started request to the heap (detail::Started)
     * and runs `start_call(state, &request)`, which passes the state's
     * trampolines to the C call. On success the library owns `state` until its
     * done callback (which deletes it); when the arguments were invalid no
     * callback will ever run, so `state` is freed here.
     */
    template <typename OnStream, typename OnDone, typename StartCall>
    static Request start_with(OnStream on_stream, OnDone on_done, StartCall&& start_call) {
        using State = detail::Started<OnStream, OnDone>;
        std::unique_ptr<State> state(new State{std::move(on_stream), std::move(on_done)});
        webraft_request* request = nullptr;
        if (start_call(state.get(), &request) == WEBRAFT_STATUS_OK) state.release();
        return Request(request);
    }

    std::unique_ptr<CredentialCallback> credentials_;  // before handle_, so destroyed after it
    detail::Handle<webraft_client, webraft_client_free> handle_;
};

/** A `{"type":"image_url",...}` content part holding a local image file as a data URL. */
inline Expected<String> image_content_part(CStr path, CStr detail = nullptr) noexcept {
    char* json = nullptr;
    webraft_result* error = nullptr;
    if (webraft_image_content_part(path.get(), detail.get(), &json, &error) != WEBRAFT_STATUS_OK) {
        return Result(error);
    }
    return String(json, std::char_traits<char>::length(json));
}

} // namespace webraft

#endif /* WEBRAFT_HPP */
