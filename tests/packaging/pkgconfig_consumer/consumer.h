/* What the consumer's translation units share. */
#ifndef CONSUMER_H
#define CONSUMER_H

#include <webraft.h>

#ifdef __cplusplus
extern "C" {
#endif

/* plain.c: a blocking chat through the C API. Returns the reply text
 * (the caller frees it with free) or NULL on failure. */
char *plain_chat(const webraft_client *client, const char *prompt);

#ifdef __cplusplus
}

#include <string>
#include <webraft.hpp>

/* poll.cpp: a streamed chat polled to the end through webraft.hpp. */
std::string polled_chat(const webraft::Client &client, const std::string &prompt);
#endif

#endif
