// Tests of webraft.hpp's multipart forms, transcription, downloads (speech),
// images and embeddings against the loopback test server (WEBRAFT_TEST_URL).
#include "check.hpp"
#include "webraft.hpp"
#include "webraft_mock.hpp"

#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

namespace {

namespace fs = std::filesystem;

webraft::Client test_client(std::string_view base = "/v1") { return webraft::Client(check::config(base)); }

/** A short WAV file: a RIFF header the library sniffs as audio/wav, then bytes with NULs and every value. */
std::string wav() {
    static const char header[] = "RIFF\x24\x10\0\0WAVEfmt \x10\0\0\0\x01\0\x01\0\x80\x3e\0\0";
    std::string bytes(header, sizeof header - 1);
    for (int i = 0; i < 3000; ++i) bytes += static_cast<char>(i * 7);
    return bytes;
}

std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t hash = 0xcbf29ce484222325ULL) {
    for (unsigned char b : bytes) {
        hash ^= b;
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

/** The test server's transcript of a file part: its size, name, type and the FNV-1a 64 of its bytes. */
std::string heard(std::string_view verb, std::string_view data, std::string_view filename, std::string_view type) {
    char hash[17];
    std::snprintf(hash, sizeof hash, "%016" PRIx64, fnv1a64(data));
    std::ostringstream out;
    out << verb << ' ' << data.size() << " bytes of " << filename << " (" << type << ") fnv1a64 " << hash;
    return out.str();
}

/** A fresh folder for one test's files. */
fs::path temp_dir() {
    static int count = 0;
    fs::path dir = fs::temp_directory_path() / ("webraft-hpp-" + std::to_string(::getpid()) + "-" + std::to_string(++count));
    fs::create_directories(dir);
    return dir;
}

fs::path write_file(const fs::path& path, std::string_view bytes) {
    std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return path;
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string as_string(webraft::Bytes bytes) { return std::string(bytes.begin(), bytes.end()); }

void test_transcribe_from_path_and_memory() {
    webraft::Client client = test_client();
    std::string audio = wav(), plain("no magic\0here", 13);
    fs::path path = write_file(temp_dir() / "hello.wav", audio);
    webraft::Form from_path;
    from_path.text("model", "whisper-1").file("file", path);
    CHECK_EQ(client.transcribe(from_path).text(), heard("heard", audio, "hello.wav", "audio/wav"));

    webraft::Form renamed;
    renamed.text("model", "whisper-1").file("file", path.string(), "x.ogg", "audio/ogg");
    CHECK_EQ(client.transcribe(renamed).text(), heard("heard", audio, "x.ogg", "audio/ogg"));

    std::vector<std::uint8_t> bytes(plain.begin(), plain.end());
    webraft::Form from_memory;
    from_memory.text("model", "whisper-1").bytes("file", bytes, "clip.mp3");
    CHECK_EQ(client.transcribe(from_memory).text(), heard("heard", plain, "clip.mp3", "audio/mpeg"));

    webraft::Form typed;
    typed.text("model", "whisper-1").bytes("file", plain.data(), plain.size(), "a.bin", "audio/x-custom");
    CHECK_EQ(client.transcribe(typed).text(), heard("heard", plain, "a.bin", "audio/x-custom"));
}

void test_formats_translation_and_stream() {
    webraft::Client client = test_client("/v2");
    std::string audio = wav();
    std::string want = heard("heard", audio, "v.wav", "audio/wav");
    for (const char* format : {"json", "text", "verbose_json"}) {
        webraft::Form form;
        form.text("model", "whisper-1").text("response_format", format).bytes("file", audio, "v.wav");
        webraft::Result result = client.transcribe(form);
        CHECK_EQ(result.text(), std::string_view(want));
        if (std::string_view(format) == "text") CHECK_EQ(as_string(result.body_bytes()), want);
        if (std::string_view(format) == "verbose_json") CHECK_EQ(result.get_string("/segments/0/text"), want);
    }
    webraft::Form form;
    form.text("model", "whisper-1").bytes("file", audio, "v.wav");
    CHECK_EQ(client.translate(form).text(), heard("translated", audio, "v.wav", "audio/wav"));

    std::string deltas, kinds;
    webraft::Result streamed = client.transcribe_stream(form, [&](const webraft::Event& event) {
        if (event.is_headers()) {
            kinds += "HEADERS ";
            return;
        }
        std::string kind = event.data.get_string("/type");
        kinds += kind + " ";
        if (kind == "transcript.text.delta") deltas += event.data.get_string("/delta");
    });
    CHECK_EQ(streamed.text(), std::string_view(want));
    CHECK_EQ(deltas, want);
    CHECK_EQ(kinds.rfind("HEADERS transcript.text.delta ", 0), 0u);
    CHECK_CONTAINS(kinds, " transcript.text.done ");

    // Polled, as a frame loop would.
    webraft::Request request = client.send_form_stream_start("/audio/transcriptions", form);
    std::string polled;
    for (webraft::NextEvent next = request.next_event(check::generous_ms); !next.done();
         next = request.next_event(check::generous_ms)) {
        if (next.has_event() && !next.event().is_headers()) {
            if (auto delta = next.event().data.find_string("/delta")) polled += *delta;
        }
    }
    CHECK_EQ(polled, want);
    CHECK_EQ(request.result().text(), std::string_view(want));
}

/** The test server speaks 1024 bytes per byte of input, byte i being i % 251. */
std::string speech_bytes(std::size_t input_len) {
    std::string bytes(1024 * input_len, '\0');
    for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i % 251);
    return bytes;
}

std::string speech_body(std::string_view input, std::string_view model = "tts-1") {
    return "{\"model\":\"" + std::string(model) + "\",\"input\":\"" + std::string(input) + "\",\"voice\":\"alloy\"}";
}

void test_speech_memory_file_pieces_and_poll() {
    webraft::Client client = test_client();
    const std::string line = "Welcome, traveller.";
    std::string want = speech_bytes(line.size());

    webraft::Result memory = client.speech(speech_body(line));
    CHECK_EQ(as_string(memory.body_bytes()), want);
    CHECK_EQ(memory.bytes_received(), static_cast<std::uint64_t>(want.size()));
    CHECK_EQ(memory.header("content-type"), std::optional<std::string_view>("audio/mpeg"));

    fs::path file = temp_dir() / "line.mp3";
    CHECK_EQ(client.speech_to_file(speech_body(line), file).bytes_received(), static_cast<std::uint64_t>(want.size()));
    CHECK_EQ(read_file(file), want);

    std::string pieces;
    int calls = 0;
    webraft::Result streamed = client.speech_stream(speech_body(line), [&](webraft::Bytes piece) {
        pieces.append(piece.begin(), piece.end());
        ++calls;
    });
    CHECK_EQ(pieces, want);
    CHECK(calls > 1);
    CHECK(streamed.body_bytes().empty());

    // A lambda returning false stops the download: CANCELLED after one piece.
    calls = 0;
    webraft::Result stopped = client.try_speech_stream(speech_body(line), [&](webraft::Bytes) { return ++calls < 1; });
    CHECK_STATUS(stopped.status(), WEBRAFT_STATUS_CANCELLED);
    CHECK_EQ(calls, 1);

    webraft::Request request = client.download_start("POST", "/audio/speech", speech_body(line));
    std::string polled;
    for (webraft::NextBytes next = request.next_bytes(check::generous_ms); !next.done();
         next = request.next_bytes(check::generous_ms)) {
        polled.append(next.bytes.begin(), next.bytes.end());
    }
    CHECK_EQ(polled, want);
    CHECK_EQ(request.result().bytes_received(), static_cast<std::uint64_t>(want.size()));
}

/** A lambda download from inside a library callback (a worker thread) completes: the wait is the library's. */
void test_speech_stream_from_a_callback() {
    webraft::Client client = test_client();
    check::Signal finished;
    std::size_t received = 0;
    webraft::Request outer = client.send_start("GET", "/models", nullptr, nullptr, [&](webraft::Status) {
        webraft::Result inner = client.try_speech_stream(speech_body("hi"), [&](webraft::Bytes piece) { received += piece.size(); });
        CHECK(inner.ok());
        finished.set();
    });
    CHECK(finished.wait());
    CHECK_EQ(received, 2048u);
}

/** A server that cuts the speech body: the call fails with what arrived; the file is untouched. */
void test_cut_speech_body() {
    webraft::Client client = test_client();
    const std::string line = "0123456789";
    std::string full = speech_bytes(line.size());
    std::size_t half = full.size() / 2 / 4096 * 4096;
    webraft::Result cut = client.try_speech(speech_body(line, "tts-cut"));
    CHECK_STATUS(cut.status(), WEBRAFT_STATUS_TRANSPORT);
    CHECK_EQ(cut.bytes_received(), static_cast<std::uint64_t>(half));
    CHECK_EQ(as_string(cut.body_bytes()), full.substr(0, half));

    fs::path dir = temp_dir(), file = write_file(dir / "line.mp3", "before");
    webraft::Result to_file = client.try_speech_to_file(speech_body(line, "tts-cut"), file);
    CHECK_STATUS(to_file.status(), WEBRAFT_STATUS_TRANSPORT);
    CHECK_EQ(read_file(file), std::string("before"));
    CHECK_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
    try {
        client.speech_to_file(speech_body(line, "tts-cut"), file);
        CHECK(false);
    } catch (const webraft::Error& e) {
        CHECK_STATUS(e.status(), WEBRAFT_STATUS_TRANSPORT);
    }
}

/**
 * A started download to a file: while it runs the file holds its old bytes or,
 * once renamed into place, the whole body, never a part; it is in place before
 * on_done runs. A cut body leaves the file as it was and nothing beside it.
 */
void test_download_to_file_start_is_atomic() {
    webraft::Client client = test_client();
    const std::string line(512, 'x');  // 512 KiB of speech, sent in paced pieces
    std::string want = speech_bytes(line.size());
    fs::path dir = temp_dir(), file = write_file(dir / "line.mp3", "before");
    check::Signal done;
    std::atomic<bool> in_place_at_done{false};
    webraft::Request request =
        client.download_to_file_start("POST", "/audio/speech", speech_body(line), file, nullptr, [&](webraft::Status status) {
            in_place_at_done = status == WEBRAFT_STATUS_OK && read_file(file) == want;
            done.set();
        });
    bool saw_before = false, saw_part = false;
    while (!request.finished()) {
        std::string seen = read_file(file);
        saw_before = saw_before || seen == "before";
        saw_part = saw_part || (seen != "before" && seen != want);
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    CHECK(done.wait());
    CHECK(saw_before);
    CHECK(!saw_part);
    CHECK(in_place_at_done.load());
    CHECK_EQ(request.result().bytes_received(), static_cast<std::uint64_t>(want.size()));
    CHECK_EQ(read_file(file), want);
    CHECK_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);

    write_file(file, "before");
    std::string cut_line = "0123456789";
    webraft::Request cut = client.download_to_file_start("POST", "/audio/speech", speech_body(cut_line, "tts-cut"), file);
    CHECK(cut.wait(check::generous_ms));
    webraft::Result failed = cut.try_result();
    CHECK_STATUS(failed.status(), WEBRAFT_STATUS_TRANSPORT);
    CHECK_EQ(failed.bytes_received(), static_cast<std::uint64_t>(speech_bytes(cut_line.size()).size() / 2 / 4096 * 4096));
    CHECK_EQ(read_file(file), std::string("before"));
    CHECK_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
}

/** A started form request took a snapshot of its form (freed at once here); the transcript comes back in its result. */
void test_send_form_start() {
    webraft::Client client = test_client();
    std::string audio = wav();
    webraft::Request request;
    {
        webraft::Form form;
        form.text("model", "whisper-1").bytes("file", audio, "s.wav");
        request = client.send_form_start("/audio/transcriptions", form);
    }
    CHECK(request.wait(check::generous_ms));
    CHECK_EQ(request.result().text(), heard("heard", audio, "s.wav", "audio/wav"));

    webraft::Form form;
    form.text("model", "whisper-1").bytes("file", audio, "t.wav");
    check::Signal done;
    std::atomic<int> status{-1};
    webraft::Request translated = client.send_form_start("/audio/translations", form, nullptr, [&](webraft::Status s) {
        status = s;
        done.set();
    });
    CHECK(done.wait());
    CHECK_STATUS(static_cast<webraft::Status>(status.load()), WEBRAFT_STATUS_OK);
    CHECK_EQ(translated.result().text(), heard("translated", audio, "t.wav", "audio/wav"));

    webraft::Form no_model;
    no_model.bytes("file", audio, "a.wav");
    webraft::Result rejected = client.send_form_start("/audio/transcriptions", no_model).try_result();
    CHECK_EQ(rejected.http_status(), 400);
    CHECK_EQ(rejected.error_param(), std::string_view("model"));
}

void test_images_bytes_urls_and_edit() {
    webraft::Client client = test_client();
    const std::string png("\x89PNG\r\n\x1a\n", 8);
    webraft::Result images =
        client.generate_images(R"({"model":"gpt-image-1","prompt":"a red door","n":2,"response_format":"b64_json"})");
    CHECK_EQ(images.image_count(), 2u);
    for (std::size_t i = 0; i < 2; ++i) {
        std::optional<webraft::Bytes> bytes = images.image_bytes(i);
        CHECK(bytes.has_value());
        if (bytes) CHECK_EQ(as_string(*bytes), png + "a red door#" + std::to_string(i));
        CHECK(!images.image_url(i));
    }
    webraft::Status status = WEBRAFT_STATUS_OK;
    CHECK(!images.image_bytes(2, &status));
    CHECK_STATUS(status, WEBRAFT_STATUS_MISSING);
    fs::path dir = temp_dir();
    images.save_image(1, dir / "door.png");
    CHECK_EQ(read_file(dir / "door.png"), png + "a red door#1");
    std::string message;
    CHECK_STATUS(images.try_save_image(0, dir, &message), WEBRAFT_STATUS_INVALID_ARGUMENT);
    CHECK_CONTAINS(message, dir.string());

    webraft::Result urls = client.generate_images(R"({"model":"dall-e-3","prompt":"a door","response_format":"url"})");
    CHECK_EQ(urls.image_url(0), std::optional<std::string_view>("https://images.webraft-mock.invalid/0.png"));
    CHECK(!urls.image_bytes(0, &status));
    CHECK_STATUS(status, WEBRAFT_STATUS_MISSING);
    CHECK_STATUS(urls.try_save_image(0, dir / "url.png"), WEBRAFT_STATUS_MISSING);

    std::string original = png + std::string("\0\0pixels", 8);
    webraft::Form form;
    form.bytes("image", original, "in.png").text("prompt", "add a hat").text("model", "gpt-image-1");
    webraft::Result edited = client.edit_images(form);
    if (auto bytes = edited.image_bytes(0)) CHECK_EQ(as_string(*bytes), original + "add a hat#0");
    CHECK_EQ(edited.image_count(), 1u);
}

/** The test server's vector: value j = ((fnv1a64(text ++ j as u32 LE) mod 2001) - 1000) / 1000. */
std::vector<float> expected_embedding(std::string_view text, int dims) {
    std::vector<float> out;
    for (int j = 0; j < dims; ++j) {
        char le[4] = {static_cast<char>(j), static_cast<char>(j >> 8), static_cast<char>(j >> 16), static_cast<char>(j >> 24)};
        std::uint64_t h = fnv1a64(std::string_view(le, 4), fnv1a64(text));
        out.push_back(static_cast<float>((static_cast<double>(h % 2001) - 1000.0) / 1000.0));
    }
    return out;
}

void test_embeddings_float_and_base64() {
    webraft::Client client = test_client();
    for (const char* format : {"float", "base64"}) {
        webraft::Result result = client.embeddings(
            std::string(R"({"model":"text-embedding-3-small","input":["red","door"],"dimensions":8,"encoding_format":")") +
            format + "\"}");
        CHECK_EQ(result.embedding_count(), 2u);
        std::optional<webraft::Span<const float>> red = result.embedding(0);
        CHECK(red.has_value());
        if (red) CHECK_EQ(std::vector<float>(red->begin(), red->end()), expected_embedding("red", 8));
        webraft::Status status = WEBRAFT_STATUS_OK;
        CHECK(!result.embedding(2, &status));
        CHECK_STATUS(status, WEBRAFT_STATUS_MISSING);
    }
}

/** Bad files fail before anything is sent, naming the path; a 4xx reply parses like any API error. */
void test_bad_uploads() {
    fs::path dir = temp_dir(), missing = dir / "missing.wav", big = write_file(dir / "big.wav", wav());
    for (const fs::path& path : {missing, dir}) {
        webraft::Form form;
        try {
            form.file("file", path);
            CHECK(false);
        } catch (const webraft::Error& e) {
            CHECK_STATUS(e.status(), WEBRAFT_STATUS_INVALID_ARGUMENT);
            CHECK_CONTAINS(e.what(), path.string());
        }
    }
    webraft::Client bounded("{\"base_url\":\"" + check::server_url("/v1") + "\",\"api_key\":\"test-key\",\"max_upload_bytes\":1000}");
    webraft::Form form;
    form.text("model", "whisper-1").file("file", big);
    webraft::Result over = bounded.try_transcribe(form);
    CHECK_STATUS(over.status(), WEBRAFT_STATUS_INVALID_ARGUMENT);
    CHECK_CONTAINS(over.error_message(), big.string());
    CHECK_EQ(over.http_status(), 0);

    webraft::Form no_model;
    no_model.bytes("file", wav(), "a.wav");
    try {
        test_client().transcribe(no_model);
        CHECK(false);
    } catch (const webraft::Error& e) {
        CHECK_EQ(e.http_status(), 400);
        CHECK_EQ(e.param(), std::string("model"));
        CHECK_EQ(e.type(), std::string("invalid_request_error"));
    }
}

/** A file name that is not UTF-8 is read all the same; its part header carries U+FFFD for the bad byte. */
void test_non_utf8_file_name() {
    std::string audio = wav();
    fs::path path = write_file(temp_dir() / "voice-\xff.wav", audio);
    webraft::Form form;
    form.text("model", "whisper-1").file("file", path);
    CHECK_EQ(test_client().transcribe(form).text(), heard("heard", audio, "voice-\xEF\xBF\xBD.wav", "audio/wav"));
}

/** A retried form is sent whole again: the file is read anew from disk (through a webraft-mock of its own). */
void test_retried_form_arrives_whole() {
    webraft::MockServer mock({"--errors", "500"});
    CHECK(static_cast<bool>(mock));
    if (!mock) return;
    webraft::Client client(R"({"base_url":")" + mock.url("/v1") + R"(","api_key":"test-key","max_retries":2})");
    std::string audio = wav();
    webraft::Form form;
    form.text("model", "whisper-1").file("file", write_file(temp_dir() / "r.wav", audio));
    webraft::Result result = client.transcribe(form);
    CHECK_EQ(result.retries(), 1u);
    CHECK_EQ(result.text(), heard("heard", audio, "r.wav", "audio/wav"));
}

}  // namespace

int main(int argc, char** argv) {
    static const check::Case cases[] = {
        {"transcribe_from_path_and_memory", test_transcribe_from_path_and_memory},
        {"formats_translation_and_stream", test_formats_translation_and_stream},
        {"speech_memory_file_pieces_and_poll", test_speech_memory_file_pieces_and_poll},
        {"speech_stream_from_a_callback", test_speech_stream_from_a_callback},
        {"cut_speech_body", test_cut_speech_body},
        {"download_to_file_start_is_atomic", test_download_to_file_start_is_atomic},
        {"send_form_start", test_send_form_start},
        {"images_bytes_urls_and_edit", test_images_bytes_urls_and_edit},
        {"embeddings_float_and_base64", test_embeddings_float_and_base64},
        {"bad_uploads", test_bad_uploads},
        {"non_utf8_file_name", test_non_utf8_file_name},
        {"retried_form_arrives_whole", test_retried_form_arrives_whole},
    };
    return check::run(cases, argc, argv);
}
