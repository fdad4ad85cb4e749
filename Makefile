# Build, demo and test entry points. `make demo` and `make test` are the two
# commands the README documents; both build what they need first.

PREFIX ?= /usr/local
CARGO ?= cargo
BUILD := build
LIBDIR := $(abspath target/release)
CC ?= cc
CFLAGS_COMMON := -std=c11 -Wall -Wextra -Werror -pedantic -Iinclude
LINK := -L$(LIBDIR) -lwebraft -Wl,-rpath,$(LIBDIR)

.PHONY: all lib cli demo test clean

all: lib cli

lib:
	$(CARGO) build --release --workspace

cli: $(BUILD)/webraft-chat

$(BUILD)/webraft-chat: examples/c/webraft-chat.c include/webraft.h lib
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS_COMMON) -O2 -o $@ $< $(LINK)

demo: all
	scripts/demo.sh

test:
	scripts/test-all.sh

clean:
	$(CARGO) clean
	rm -rf $(BUILD)
include packaging.mk
include bench/bench.mk

# Reliability runs outside `make test` (see docs/RELIABILITY.md).
.PHONY: load soak tsan
load:
	tools/reliability/load.sh
soak:
	tools/reliability/soak.sh
tsan:
	tools/reliability/tsan.sh
