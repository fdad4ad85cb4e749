# Sourced by load.sh and soak.sh (from the repository root): build the library,
# the test server and one C program, and describe the machine the numbers
# come from.

# build_program NAME: compile tools/reliability/NAME.c to build/reliability/NAME.
build_program() {
    local name="$1"
    echo "== cargo build --release --workspace"
    nice -n 10 cargo build --release --workspace
    mkdir -p build/reliability
    echo "== ${CC:-gcc} tools/reliability/$name.c -> build/reliability/$name"
    "${CC:-gcc}" -std=c11 -Wall -Wextra -Werror -pedantic -O2 -g -Iinclude -Itools/reliability \
        -o "build/reliability/$name" "tools/reliability/$name.c" \
        -L"$PWD/target/release" -lwebraft -Wl,-rpath,"$PWD/target/release" -lpthread
}

describe_machine() {
    echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(uname -sr)"
    echo "== load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
}
