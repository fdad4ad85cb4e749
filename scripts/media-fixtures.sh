# Shell helpers for the media examples' checks (sourced by bindings/go/run-tests.sh,
# bindings/csharp/run-tests.sh and tests/packaging/run.sh): a small WAV file, and what the test
# server answers for it and for speech (tests/server/README.md).

# write_test_wav FILE: a WAV header the library sniffs as audio/wav, then a few bytes.
write_test_wav() {
    printf 'RIFF\x24\x10\0\0WAVEfmt \x10\0\0\0\x01\0\x01\0\x80\x3e\0\0\x02\x01voice' >"$1"
}

# heard_line FILE: the test server's transcript of FILE uploaded under its own name as audio/wav:
# its size, name, type and the FNV-1a 64 hash of its bytes.
heard_line() {
    python3 -c 'import os, sys
data = open(sys.argv[1], "rb").read()
h = 0xcbf29ce484222325
for b in data:
    h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
print("heard %d bytes of %s (audio/wav) fnv1a64 %016x" % (len(data), os.path.basename(sys.argv[1]), h))' "$1"
}

# is_test_speech FILE N: FILE holds the test server's speech of N bytes (byte i is i % 251).
is_test_speech() {
    python3 -c 'import sys
sys.exit(open(sys.argv[1], "rb").read() != bytes(i % 251 for i in range(int(sys.argv[2]))))' "$1" "$2"
}
