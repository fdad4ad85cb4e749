// tool_call: a tool-calling round trip, plain and then streamed. The model may
// call get_weather(city); the program answers it and prints the final reply.
//
//   tool_call [CONFIG_JSON [MODEL]]
//
// CONFIG_JSON is the client config (see "Client config keys" in the README);
// without it the client uses WebraftAI with the key in WEBRAFT_API_KEY.
// Exit status: 0 on success, 1 when a request fails.
//
// Build: c++ -std=c++17 -O2 tool_call.cpp $(pkg-config --cflags --libs webraft)
#include <webraft.hpp>

#include <iostream>
#include <string>

const char* const tools = R"([{"type": "function", "function": {"name": "get_weather",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}])";

// The program's one tool. Its arguments are the JSON text the model wrote, read by JSON Pointer.
std::string get_weather(const webraft::ToolCall& call) {
    std::cout << call.name << " " << call.arguments << "\n";
    return "22 C and sunny in " + call.arguments.get_string("/city");
}

int main(int argc, char** argv) {
    try {
        webraft::Client client(argc > 1 ? argv[1] : "");
        auto print = [](const webraft::Chunk& chunk) { std::cout << chunk.text() << std::flush; };
        for (bool streamed : {false, true}) {
            webraft::Conversation chat;
            chat.model(argc > 2 ? argv[2] : "gpt-4o-mini").tools(tools).user("What is the weather in Paris?");
            auto ask = [&] { return streamed ? client.chat_stream(chat, print) : client.chat(chat); };
            // Answer the tool calls and ask again, until the model replies without calling a tool.
            webraft::Result reply = ask();
            while (!reply.tool_calls().empty()) {
                chat.add_assistant_turn(reply);
                for (const webraft::ToolCall& call : reply.tool_calls()) chat.tool_result(call, get_weather(call));
                reply = ask();
            }
            std::cout << (streamed ? "" : reply.text()) << "\n";  // a stream printed its text already
        }
    } catch (const webraft::Error& e) {
        std::cerr << "tool_call: " << e.status_name() << ": " << e.what() << "\n";
        return 1;
    }
}
