using System;

namespace Webraft.Tests
{
    /// <summary>
    /// webraft_chat_start's delivery argument, called directly: the library's checks prove the
    /// P/Invoke declaration passes each argument where webraft.h has it.
    /// </summary>
    static class DeliveryTests
    {
        const string Plain = "{\"model\":\"stall-headers\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        const string Streamed = "{\"model\":\"stall-headers\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

        /// <summary>Starts a request with no done callback; returns its status and whether the library says it streams, then frees it.</summary>
        static WebraftStatus Start(ClientHandle client, string body, Delivery delivery, NativeChunkCallback onChunk, out bool stream)
        {
            RequestHandle request;
            WebraftStatus status = Native.webraft_chat_start(client, Utf8.ToNative(body), null, delivery, onChunk, null, IntPtr.Zero, out request);
            using (request)
            {
                Assert.True(!request.IsInvalid, "a request handle is always written");
                stream = Native.webraft_request_is_stream(request);
                if (status != WebraftStatus.Ok)
                {
                    using (ResultHandle result = Native.webraft_request_take_result(request))
                        Assert.Equal(status, Native.webraft_result_status(result), "the finished handle holds the error");
                }
            }
            return status;
        }

        [Test]
        static void ChatStartChecksTheDelivery()
        {
            ClientHandle client;
            ResultHandle error;
            Assert.Equal(WebraftStatus.Ok, Native.webraft_client_new(Utf8.ToNative(Server.Config()), out client, out error), "client");
            using (error)
            using (client)
            {
                bool stream;
                // Nothing reaches the callback: bad arguments never call back, and the server never answers.
                NativeChunkCallback callback = PendingCall.ChunkCallback;
                Assert.Equal(WebraftStatus.NullArgument, Start(client, Plain, Delivery.Callback, null, out stream), "CALLBACK without on_chunk");
                Assert.True(!stream, "a request that failed to start does not stream");
                Assert.Equal(WebraftStatus.InvalidArgument, Start(client, Plain, Delivery.None, callback, out stream), "NONE with on_chunk");
                Assert.Equal(WebraftStatus.InvalidArgument, Start(client, Plain, Delivery.Poll, callback, out stream), "POLL with on_chunk");
                Assert.Equal(WebraftStatus.InvalidArgument, Start(client, Plain, (Delivery)3, null, out stream), "an unknown delivery");

                Assert.Equal(WebraftStatus.Ok, Start(client, Plain, Delivery.None, null, out stream), "NONE, plain body");
                Assert.True(!stream, "NONE with a plain body does not stream");
                Assert.Equal(WebraftStatus.Ok, Start(client, Streamed, Delivery.None, null, out stream), "NONE, streamed body");
                Assert.True(stream, "NONE with \"stream\": true streams");
                Assert.Equal(WebraftStatus.Ok, Start(client, Server.EscapedStreamBody.Replace("gpt-4o", "stall-headers"), Delivery.None, null, out stream), "NONE, escaped key");
                Assert.True(stream, "NONE with the escaped key streams");
                Assert.Equal(WebraftStatus.Ok, Start(client, Plain, Delivery.Poll, null, out stream), "POLL, plain body");
                Assert.True(stream, "POLL streams");
            }
        }
    }
}
