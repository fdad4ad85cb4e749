// media: transcribe a recording, speak a line into an audio file, or draw an
// image into a file.
//
//   media CONFIG_JSON transcribe FILE [--stream]
//   media CONFIG_JSON speak FILE TEXT
//   media CONFIG_JSON image FILE PROMPT
//
// CONFIG_JSON is the client config (see "Client config keys" in the README;
// "" uses WebraftAI with the key in WEBRAFT_API_KEY). Files are written
// atomically: a failed call leaves an existing file as it was.
// Exit status: 0 on success, 1 when a file or the request fails, 2 for bad usage.
//
// Build: c++ -std=c++17 -O2 media.cpp $(pkg-config --cflags --libs webraft)
#include <webraft.hpp>

#include <iostream>
#include <string>
#include <string_view>

namespace {

// The library streams the file from disk into the upload (Form::bytes takes memory instead).
void transcribe(const webraft::Client& client, const char* path, bool stream) {
    webraft::Form form;
    form.text("model", "whisper-1").file("file", path);
    if (!stream) {
        std::cout << client.transcribe(form).text() << "\n";
        return;
    }
    // Each event on a library worker thread, in order; "type" names it with or without an SSE name.
    client.transcribe_stream(form, [](const webraft::Event& event) {
        if (event.data.find_string("/type") == "transcript.text.delta") {
            std::cout << event.data.get_string("/delta") << std::flush;
        }
    });
    std::cout << "\n";
}

void speak(const webraft::Client& client, const char* file, const std::string& line) {
    // A line with quotes or backslashes would need JSON escaping; this example keeps to plain text.
    webraft::Result spoken = client.speech_to_file(R"({"model":"tts-1","voice":"alloy","input":")" + line + "\"}", file);
    std::cout << "wrote " << spoken.bytes_received() << " bytes to " << file << "\n";
}

void draw(const webraft::Client& client, const char* file, const std::string& prompt) {
    webraft::Result images = client.generate_images(
        R"({"model":"gpt-image-1","response_format":"b64_json","prompt":")" + prompt + "\"}");
    if (std::optional<std::string_view> url = images.image_url(0)) {
        std::cout << *url << "\n";  // a server that links instead of sending the bytes
        return;
    }
    images.save_image(0, file);
    std::cout << "wrote " << images.image_bytes(0).value_or(webraft::Bytes()).size() << " bytes to " << file << "\n";
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        std::cerr << "usage: media CONFIG_JSON transcribe FILE [--stream] | speak FILE TEXT | image FILE PROMPT\n";
        return 2;
    }
    std::string_view command = argv[2];
    std::string rest = argc > 4 ? argv[4] : "";
    try {
        webraft::Client client(argv[1]);
        if (command == "transcribe") {
            transcribe(client, argv[3], rest == "--stream");
        } else if (command == "speak") {
            speak(client, argv[3], rest);
        } else if (command == "image") {
            draw(client, argv[3], rest);
        } else {
            std::cerr << "media: unknown command " << command << "\n";
            return 2;
        }
    } catch (const webraft::Error& e) {
        std::cerr << "media: " << e.status_name() << ": " << e.what() << "\n";
        return 1;
    }
}
