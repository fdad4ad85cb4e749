# Benchmarks: `make bench` (about 15 min on 2 cores) and `make bench-quick`
# (a smoke run). Not part of `make test`. See BENCHMARKS.md.
.PHONY: bench bench-quick

bench:
	bench/run.sh

bench-quick:
	bench/run.sh --quick
