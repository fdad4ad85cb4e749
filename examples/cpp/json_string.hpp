// Shared by the C++ examples: request bodies are built as text, so strings
// taken from the command line need JSON quoting.
#pragma once

#include <cstdio>
#include <string>

// `text` as a JSON string literal, quotes included.
inline std::string json_string(const std::string& text) {
    std::string out = "\"";
    for (unsigned char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
            out += escaped;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out + "\"";
}
