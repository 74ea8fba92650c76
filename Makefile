# Copyright (c) 2026 sockmode contributors
# SPDX-License-Identifier: BSL-1.0
# Quick start: `make demo`, `make test`. Each installs what is missing first.
JOBS ?= 2
CMAKE_FLAGS ?= -DSOCKMODE_WERROR=ON
SAN_ASAN = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
# Asio's fenced blocks use atomic_thread_fence, which TSan does not model; the scheduler's
# mutex already orders handler hand-off, so the TSan build uses Asio's null fence instead.
SAN_TSAN = -fsanitize=thread -DBOOST_ASIO_DISABLE_FENCED_BLOCK
# The sanitizer passes keep Debug's -O0 but emit line tables only (-g1): their reports still
# name file and line, and there is less debug information to write and link.
SAN_DEBUG = -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-g1
# They link with lld (Debian's lld, the one the packaging test's LTO build uses): a sanitized
# test executable links in a quarter of ld.bfd's time.
SAN_LINK = -fuse-ld=lld

.PHONY: all setup demo test test-plain test-asan test-tsan build-plain build-asan build-tsan check-plain check-plain-tests check-packages check-asan check-tsan test-fuzz fuzz fuzz-build memcheck stress model bench package docs clean

all: test

setup:
	@bash .ci/setup test

# The demo installs only what it needs (.ci/setup demo) and builds without the tests, in its
# own build directory so that it never turns the tests off in build/.
demo:
	@bash .ci/setup demo
	cmake -S . -B build-demo -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSOCKMODE_TESTS=OFF $(CMAKE_FLAGS)
	cmake --build build-demo -j$(JOBS) --target demo quick_start
	./build-demo/examples/quick_start
	./build-demo/examples/demo

# The plain pass builds at full speed; then its tests, and the sanitizer passes' tests, run while
# the other passes build, and the packaging tests build their consumers, at the lowest CPU
# priority (nice 19), so the tests, which mostly wait on loopback, keep the CPU whenever they
# want it (test/passes.sh). `make test-plain`, `test-asan`
# and `test-tsan` run one pass alone.
test: setup
	@bash test/passes.sh

test-plain test-asan test-tsan: test-%:
	@$(MAKE) --no-print-directory build-$* && $(MAKE) --no-print-directory check-$*

# The tests mostly wait on loopback, so ctest runs $(JOBS) at a time; those that load the
# machine or build (stress, model, examples, packages) run alone (RUN_SERIAL).
# The plain pass also builds the benchmarks and runs their smoke mode, so they cannot rot.
# The library as Debian builds packages: shared, -O2, no debug information, prefix /usr; so the
# whole suite runs against the exported API only, and the packaging test packs this build. The
# code that tests it (tests, examples, benchmarks' smoke run) is unoptimised, which halves the
# pass's compile time. The sanitizer passes build the static library.
PLAIN = -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
  -DSOCKMODE_TEST_CXX_FLAGS=-O0 -DBUILD_SHARED_LIBS=ON -DCMAKE_INSTALL_PREFIX=/usr
build-plain:
	cmake -S . -B build $(PLAIN) $(CMAKE_FLAGS) -DSOCKMODE_BENCHMARKS=ON
	cmake --build build -j$(JOBS)
check-plain: check-plain-tests check-packages
check-plain-tests:
	cd build && ctest -j$(JOBS) --output-on-failure -LE package
# The packaging tests: consumer projects that build sockmode the ways users do (test/package/).
check-packages:
	cd build && ctest --output-on-failure -L package

# The fork tests are left out under TSan, which does not support fork() in a threaded process.
# The ASan+UBSan pass is the clang build (the plain and TSan passes are g++): the library and
# the tests compiled by both compilers users build with. Its library also carries libFuzzer's
# coverage instrumentation (-fsanitize=fuzzer-no-link, inert without libFuzzer), so the fuzz
# targets' short run links against it instead of building sockmode a fourth time.
build-asan:
	cmake -S . -B build-asan $(SAN_DEBUG) $(CMAKE_FLAGS) -DCMAKE_CXX_COMPILER=clang++-16 \
	  -DCMAKE_CXX_FLAGS="$(SAN_ASAN)" -DCMAKE_EXE_LINKER_FLAGS="$(SAN_ASAN) $(SAN_LINK)" \
	  -DSOCKMODE_EXAMPLES=OFF -DSOCKMODE_FUZZ_TARGETS=ON -DSOCKMODE_FUZZ_SECONDS=$(FUZZ_SHORT)
	cmake --build build-asan -j$(JOBS)
check-asan:
	cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest -j$(JOBS) --output-on-failure -LE package

build-tsan:
	cmake -S . -B build-tsan $(SAN_DEBUG) $(CMAKE_FLAGS) \
	  -DCMAKE_CXX_FLAGS="$(SAN_TSAN)" -DCMAKE_EXE_LINKER_FLAGS="$(SAN_TSAN) $(SAN_LINK)" -DSOCKMODE_EXAMPLES=OFF
	cmake --build build-tsan -j$(JOBS)
check-tsan:
	cd build-tsan && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
	  ctest -j$(JOBS) --output-on-failure -LE "fork|package"

# The long forms of test/stress/ (their short forms run in every `make test` pass): 60 s of
# random calls from 256 threads, then the thread lifecycle, close/cancel race and fault tests
# at full size. Prints the figures; STRESS_SEED=n replays a stress run.
STRESS_SECONDS ?= 60
STRESS_THREADS ?= 256
# How far past its deadline a call may return before the watchdog fails the run: 256 threads
# on a shared 2-core machine wait for a CPU for seconds at times.
STRESS_OVERSHOOT_MS ?= 5000
# The stress run goes once on each wait backend: io_uring (where the kernel allows it), epoll.
stress: setup
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)
	cmake --build build -j$(JOBS) --target stress lifecycle_test close_race_test fault_test fork_test
	for backend in io_uring epoll; do \
	  SOCKMODE_WAIT_BACKEND=$$backend ./build/test/stress/stress --seconds $(STRESS_SECONDS) \
	    --threads $(STRESS_THREADS) --overshoot-limit-ms $(STRESS_OVERSHOOT_MS) \
	    $(if $(STRESS_SEED),--seed $(STRESS_SEED)) || exit 1; \
	done
	SOCKMODE_LONG=1 ./build/test/stress/lifecycle_test --log_level=message
	SOCKMODE_LONG=1 ./build/test/stress/close_race_test --log_level=message
	SOCKMODE_LONG=1 ./build/test/stress/fault_test --log_level=message
	SOCKMODE_LONG=1 ./build/test/stress/fork_test --log_level=message

# The long run of the model-based differential test against CPython (test/model/).
MODEL_SECONDS ?= 60
model: setup
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)
	cmake --build build -j$(JOBS) --target model_test
	./build/test/model_test --driver test/model/driver.py --seeds 1000000 --duration $(MODEL_SECONDS)

# The fuzz targets (test/fuzz/): their own project and build directory, with clang 16 and
# libFuzzer, ASan and UBSan; .ci/setup installs clang-16 and libclang-rt-16-dev.
# `make test` runs each for FUZZ_SHORT seconds in the ASan+UBSan pass (ctest fuzz_short);
# `make test-fuzz` does the same here, and `make fuzz` runs each for FUZZ_SECONDS.
FUZZ_SHORT ?= 6
FUZZ_SECONDS ?= 60
fuzz-build:
	cmake -S test/fuzz -B build-fuzz -DCMAKE_CXX_COMPILER=clang++-16 \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)
	cmake --build build-fuzz -j$(JOBS)

test-fuzz: fuzz-build
	bash test/fuzz/run.sh build-fuzz $(FUZZ_SHORT)

fuzz: setup fuzz-build
	bash test/fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

# Every test executable under valgrind memcheck: a Debug build without sanitizers, each ctest
# command run through valgrind (CROSSCOMPILING_EMULATOR). Slow (20-50x), so not part of `make test`.
# Left out: the tests that run cmake, not a test executable (packaging, licence lines, API
# reference), and the benchmark smoke. SOCKMODE_VALGRIND=ON: the io_uring backend tells valgrind
# what the kernel writes through the ring, and waits in a way valgrind can follow.
# Fork children are not checked (--child-silent-after-fork): a child holds the memory of parent
# threads that do not exist in it, which is lost by design (docs/internals.md, "fork()").
# Silent, a child still exits with --error-exitcode for that memory: the fork cases that check
# a child's exit status fail their assertion under valgrind, which test/memcheck.sh lists.
# --max-threads: stress_lifecycle keeps 500 threads waiting at once, past valgrind's default
# 500 with the main thread.
VALGRIND = valgrind;--error-exitcode=1;--max-threads=1000;--leak-check=full;--child-silent-after-fork=yes;--show-leak-kinds=definite,indirect,possible;--errors-for-leak-kinds=definite,indirect,possible;--suppressions=$(CURDIR)/test/valgrind.supp;--gen-suppressions=all
memcheck:
	@bash .ci/setup memcheck
	cmake -S . -B build-memcheck -DCMAKE_BUILD_TYPE=Debug $(CMAKE_FLAGS) -DSOCKMODE_EXAMPLES=OFF \
	  -DSOCKMODE_VALGRIND=ON -DCMAKE_CROSSCOMPILING_EMULATOR="$(VALGRIND)"
	cmake --build build-memcheck -j$(JOBS)
	bash test/memcheck.sh build-memcheck

bench:
	@bash .ci/setup bench
	cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DSOCKMODE_BENCHMARKS=ON \
	  -DSOCKMODE_TESTS=OFF -DSOCKMODE_EXAMPLES=OFF
	cmake --build build-bench -j$(JOBS)
	bash benchmarks/run.sh build-bench

# The API reference from the public headers' comments; any doxygen warning fails it.
docs: setup
	doxygen docs/Doxyfile
	@grep -q "io_object::settimeout" build-docs/html/classsockmode_1_1basic__socket.html || { echo "basic_socket page lacks settimeout"; exit 1; }
	@echo "API reference: build-docs/html/index.html"

# A Debian package of the library, headers, CMake package and pkg-config file.
package: setup
	cmake -S . -B build-deb -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
	  -DSOCKMODE_TESTS=OFF -DSOCKMODE_EXAMPLES=OFF
	cmake --build build-deb -j$(JOBS)
	cd build-deb && cpack -G DEB

clean:
	rm -rf build build-demo build-asan build-tsan build-memcheck build-fuzz build-bench build-deb build-docs
