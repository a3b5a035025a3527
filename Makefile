# quikedge — the two commands a newcomer needs: `make run` and `make test`.
# Everything installs itself: scripts/install-deps.sh apt-installs what is missing.

BUILD_DIR ?= build
ASAN_DIR ?= build-asan
JOBS ?= $(shell nproc)
GENERATOR := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")
CTEST_FLAGS ?= --output-on-failure --timeout 600
TSAN_DIR ?= build-tsan
# The io_uring build of the proxy alone (Asio's reactor is chosen at compile
# time); its binary lands in $(BUILD_DIR)/bin as quikedge-io_uring.
URING_DIR ?= build-uring
# The concurrency tests: snapshot swaps and reloads under load, drains, rollouts,
# failover, shutdown, the binary upgrade (one process handing sockets to another) and
# fleet replicas applying changes from etcd.
TSAN_TESTS ?= admin_security|split|websocket|lifecycle|rollout_control|resilience|upgrade|sticky_cookie|Fleet|tls_|upstream_tls
FUZZ_DIR ?= build-fuzz
FUZZ_CXX ?= clang++-14
FUZZ_SECONDS ?= 60

.PHONY: all deps deps-build build build-asan build-tsan build-fuzz run test test-release test-asan \
	test-tsan fuzz fuzz-ci \
	bench format lint clean

all: build

# Build-only packages for `make run`; the full list (nginx, HAProxy, Prometheus,
# chromium, ...) for tests and benchmarks.
deps-build:
	@bash scripts/install-deps.sh build

deps:
	@bash scripts/install-deps.sh

$(BUILD_DIR)/CMakeCache.txt: | deps-build
	cmake -S . -B $(BUILD_DIR) $(GENERATOR) -DCMAKE_BUILD_TYPE=Release

$(URING_DIR)/CMakeCache.txt: | deps-build
	cmake -S . -B $(URING_DIR) $(GENERATOR) -DCMAKE_BUILD_TYPE=Release -DQUIKEDGE_IO_URING=ON \
	  -DQUIKEDGE_BUILD_TESTS=OFF -DQUIKEDGE_IO_URING_BIN_DIR=$(abspath $(BUILD_DIR))/bin

build: deps-build $(BUILD_DIR)/CMakeCache.txt $(URING_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS)
	cmake --build $(URING_DIR) -j $(JOBS) --target quikedge

# The sanitizer builds compile at -O1 with line tables only (-g1): stack traces keep
# file:line, and these builds take half the time of -O2 -g, which CI's budget needs
# (the ASan build was 19 of CI's 48 minutes at -O2 -g).
SANITIZER_BUILD_FLAGS := -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG"

$(ASAN_DIR)/CMakeCache.txt: | deps
	cmake -S . -B $(ASAN_DIR) $(GENERATOR) $(SANITIZER_BUILD_FLAGS) -DQUIKEDGE_SANITIZE=ON

# ASan+UBSan: the proxy and the unit tests; the Release integration tests drive
# the sanitized proxy (QUIKEDGE_TEST_PROXY), so the test tools are built once.
build-asan: deps $(ASAN_DIR)/CMakeCache.txt
	cmake --build $(ASAN_DIR) -j $(JOBS) --target quikedge unit_tests config_unit_tests

SANITIZER_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# The demo: two built-in upstreams, the proxy on 127.0.0.1:8080, admin on :9901.
# Builds only what the tour uses (the proxy and quikctl), not the test binaries.
run: deps-build $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS) --target quikedge quikctl
	./$(BUILD_DIR)/bin/quikedge --demo

# The TSan suite and the fuzz smoke run come last, after both suites, whatever -j says.
test: test-release test-asan
	$(MAKE) --no-print-directory test-tsan
	$(MAKE) --no-print-directory fuzz-ci

# Both I/O backends run the whole integration suite on the Release build: the
# default (auto: io_uring here) with every test, then epoll forced.
# Integration tests that drive quikedge's etcd client inside the test process,
# with no proxy binary: neither the backend nor an ASan proxy changes them, so
# they run once, in the first pass (the fleet tests run the binary every pass).
IN_PROCESS_TESTS = ^(EtcdClientTest|EtcdSecureTest)\.

test-release: deps build
	cd $(BUILD_DIR) && ctest $(CTEST_FLAGS)
	cd $(BUILD_DIR) && QUIKEDGE_IO_BACKEND=epoll ctest $(CTEST_FLAGS) -L integration \
	  -E '$(IN_PROCESS_TESTS)'

test-asan: build build-asan
	cd $(ASAN_DIR) && $(SANITIZER_ENV) ctest $(CTEST_FLAGS) -L unit
	cd $(BUILD_DIR) && QUIKEDGE_TEST_PROXY=$(abspath $(ASAN_DIR))/bin/quikedge $(SANITIZER_ENV) \
	  ctest $(CTEST_FLAGS) -L integration -E '$(IN_PROCESS_TESTS)'

# ThreadSanitizer: the proxy alone built with -fsanitize=thread, driven by the
# Release test binaries and tools (QUIKEDGE_TEST_PROXY); a race halts the proxy,
# so the test that drove it fails.
$(TSAN_DIR)/CMakeCache.txt: | deps
	cmake -S . -B $(TSAN_DIR) $(GENERATOR) $(SANITIZER_BUILD_FLAGS) \
	  -DQUIKEDGE_BUILD_TESTS=OFF -DCMAKE_CXX_FLAGS="-fsanitize=thread -fno-omit-frame-pointer" \
	  -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread

build-tsan: deps $(TSAN_DIR)/CMakeCache.txt
	cmake --build $(TSAN_DIR) -j $(JOBS) --target quikedge

test-tsan: build build-tsan
	cd $(BUILD_DIR) && QUIKEDGE_TEST_PROXY=$(abspath $(TSAN_DIR))/bin/quikedge \
	  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	  ctest $(CTEST_FLAGS) -L integration -R '$(TSAN_TESTS)'

# libFuzzer targets (tests/fuzz): clang, ASan+UBSan, only the fuzz targets built.
$(FUZZ_DIR)/CMakeCache.txt: | deps
	cmake -S . -B $(FUZZ_DIR) $(GENERATOR) -DCMAKE_CXX_COMPILER=$(FUZZ_CXX) -DQUIKEDGE_FUZZ=ON \
	  -DQUIKEDGE_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo

build-fuzz: deps $(FUZZ_DIR)/CMakeCache.txt
	cmake --build $(FUZZ_DIR) -j $(JOBS) --target fuzz_targets

# Every target for FUZZ_SECONDS; prints each one's "Done N runs" count.
# FUZZ_FLAGS adds libFuzzer flags, e.g. FUZZ_FLAGS=-max_len=8192.
fuzz: build-fuzz
	bash tests/fuzz/run.sh $(FUZZ_DIR) $(FUZZ_SECONDS)

# The CI smoke run: saved reproducers, then 10 s per target; fails on any crash.
fuzz-ci: build-fuzz
	bash tests/fuzz/run.sh $(FUZZ_DIR) 10

# The peer comparisons of requests and of the WebSocket relay, each proxy on its
# default backend and quikedge on epoll beside it (README, Benchmarks).
bench: deps build
	bash bench/compare.sh
	bash bench/websocket_compare.sh

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp' '*.ipp')

lint:
	clang-tidy -p $(BUILD_DIR) $$(git ls-files 'proxy/*.cpp')

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(TSAN_DIR) $(FUZZ_DIR) $(URING_DIR)
