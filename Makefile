# exprobe — plain GNU make, libraries found with pkg-config.
#
#   make            build/exprobe
#   make test       unit tests + integration tests against the local lab
#   make demo       bring the lab up, run exprobe on lab domains, take it down
#   make bench      exprobe's speed and memory vs peer tools, against the lab
#   make bench-bulk thousands of lab domains in one run (tests/bench/bulk.py)
#   make asan       build/asan/exprobe with ASan + UBSan (a report: exit 86)
#   make asan-test  unit + integration tests under ASan + UBSan
#   make fuzz       every libFuzzer harness FUZZ_SECONDS (tests/fuzz/README.md)
#   make install    PREFIX=/usr/local DESTDIR=
#   make clean

PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build

PKGS     = libcurl libcares openssl libxml-2.0 ncursesw jansson libidn2
CC      ?= cc
CFLAGS  ?= -O2 -g
WARN     = -std=c11 -Wpedantic -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wformat=2
CPPFLAGS += -D_DEFAULT_SOURCE -Iinclude
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libunbound (DNSSEC validation) has no usable .pc on Debian 12 (it requires
# libevent's, which libunbound-dev does not pull in): linked by name.
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lunbound

LIB_SRC = $(wildcard probes/*.c) $(wildcard report/*.c) ui/cli.c ui/prompt.c \
          $(wildcard ui/tui*.c)
MAIN_SRC = ui/main.c

LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
MAIN_OBJ = $(MAIN_SRC:%.c=$(BUILD)/obj/%.o)
DEPS     = $(LIB_OBJ:.o=.d) $(MAIN_OBJ:.o=.d)

UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps test unit clang integration tui demo bench bench-bulk asan asan-test fuzz fuzz-build fuzz-smoke install clean lab-start lab-stop

all: $(BUILD)/exprobe

# Installs any missing Debian build package (apt-get), then nothing more.
deps:
	@scripts/deps build

$(BUILD)/obj/%.o: %.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $(PKG_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libxp.a: $(LIB_OBJ)
	$(AR) rcs $@ $^

$(BUILD)/exprobe: $(MAIN_OBJ) $(BUILD)/libxp.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libxp.a
	@mkdir -p $(dir $@)
	$(CC) $(WARN) -Wno-missing-prototypes $(CFLAGS) $(CPPFLAGS) $(PKG_CFLAGS) \
	    -o $@ $< $(BUILD)/libxp.a $(PKG_LIBS) -lcmocka

unit: $(UNIT_BIN)

# The same sources under clang (-Werror too): the two compilers warn about
# different things (format attributes, pointer conversions). Built, not run.
clang:
	$(MAKE) --no-print-directory BUILD=build/clang CC=clang build/clang/exprobe unit

# Everything: unit tests and the lab integration tests; the last line of
# output is "N passed, N failed". The ASan build is part of it: gcc warns
# about some things only at its -O1 (format truncation), and the Ctrl-C and
# TUI tests run it too when it exists.
test: all unit clang asan fuzz-smoke
	@scripts/deps all
	@tests/run.sh $(BUILD)

integration: all
	@scripts/deps all
	@tests/run.sh $(BUILD) integration

# exprobe -i driven in tmux against the lab (one session under ASan if built).
tui: all
	@scripts/deps all
	@tests/run.sh $(BUILD) tui

demo: all
	@scripts/deps lab
	@tests/demo.sh $(BUILD)/exprobe

# Speed and memory against peer tools measured in the same run (lab started
# only if not running); table on stdout, JSON in $(BUILD)/bench.json.
bench: all $(BUILD)/delay_proxy
	@scripts/deps lab && tests/bench/bench.py $(BUILD)/exprobe

# The bulk mode: 10 / 100 / 1,000 / 10,000 distinct lab domains in one run, at
# 0 and 50 ms each way (the delay proxy on 127.0.17.x: run it in a private
# network namespace,
#   unshare -n sh -c 'ip link set lo up; make bench-bulk'),
# vs the peer toolchain (dig + openssl + curl per domain, xargs -P16).
# BULK_ARGS: extra exprobe options (e.g. --parallel 1).
bench-bulk: all $(BUILD)/delay_proxy
	@scripts/deps lab && tests/bench/bulk.py $(BUILD)/exprobe $(BULK_ARGS)

# The benches' wide-area stand-in (every byte held MS each way; no netem in
# this kernel): epoll + timerfd, no library. tests/bench/proxy_latency.py
# measures what it adds on top of MS.
$(BUILD)/delay_proxy: tests/bench/delay_proxy.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) -o $@ $<


# Sanitizer reports exit 86 (compiled-in defaults, probes/util.c); the
# harness fails any run that exits 86 or prints a report.
ASAN_FLAGS = CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    LDFLAGS="-fsanitize=address,undefined"
asan:
	$(MAKE) --no-print-directory BUILD=build/asan $(ASAN_FLAGS) build/asan/exprobe \
	    build/asan/selftest
	@for k in heap leak ubsan; do \
	    build/asan/selftest $$k >/dev/null 2>&1; rc=$$?; \
	    if [ $$rc -ne 86 ]; then echo "asan: '$$k' error exited $$rc, not 86" >&2; exit 1; fi; \
	done; echo "asan: build/asan/exprobe; a sanitizer report exits 86 (checked)"

$(BUILD)/selftest: tests/asan/selftest.c $(BUILD)/libxp.a
	$(CC) $(WARN) -Wno-missing-prototypes $(CFLAGS) $(CPPFLAGS) $(PKG_CFLAGS) $(LDFLAGS) \
	    -o $@ $< $(BUILD)/libxp.a $(PKG_LIBS)

# The unit tests and the integration suite under ASan + UBSan + LSan.
asan-test:
	$(MAKE) --no-print-directory BUILD=build/asan $(ASAN_FLAGS) build/asan/exprobe unit
	@scripts/deps all
	@tests/run.sh build/asan

# ---- fuzzing: libFuzzer harnesses tests/fuzz/fuzz_*.c (tests/fuzz/README.md) ----
# make fuzz        each harness FUZZ_SECONDS on its corpus (tests/fuzz/corpus/NAME,
#                  new inputs kept in build/fuzz/corpus/NAME)
# make fuzz-smoke  each FUZZ_SMOKE_SECONDS (part of make test: a regression fails it)
FUZZ_SECONDS ?= 120
FUZZ_SMOKE_SECONDS ?= 3
FUZZ_CC ?= clang
FUZZ_SRC  = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS = $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
FUZZ_FLAGS = CC=$(FUZZ_CC) LDFLAGS="-fsanitize=address,undefined" \
	CFLAGS="-O1 -g -fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=all -fno-omit-frame-pointer"

fuzz-build:
	@$(MAKE) --no-print-directory BUILD=build/fuzz $(FUZZ_FLAGS) $(FUZZ_BINS)

# One harness: its .c, and tests/fuzz/fuzz_NAME.ldflags if it needs link flags.
$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(BUILD)/libxp.a
	$(CC) $(WARN) -Wno-missing-prototypes $(CFLAGS) $(CPPFLAGS) $(PKG_CFLAGS) -fsanitize=fuzzer \
	    $(LDFLAGS) $(shell cat tests/fuzz/fuzz_$*.ldflags 2>/dev/null) \
	    -o $@ $< $(BUILD)/libxp.a $(PKG_LIBS)

fuzz: fuzz-build
	@tests/fuzz/run.sh build/fuzz $(FUZZ_SECONDS)

fuzz-smoke: fuzz-build
	@tests/fuzz/run.sh build/fuzz $(FUZZ_SMOKE_SECONDS)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BUILD)/exprobe $(DESTDIR)$(PREFIX)/bin/exprobe
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0644 exprobe.1 $(DESTDIR)$(PREFIX)/share/man/man1/exprobe.1
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 0644 completions/exprobe.bash \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions/exprobe
	install -d $(DESTDIR)$(PREFIX)/share/zsh/site-functions
	install -m 0644 completions/_exprobe $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_exprobe
	install -d $(DESTDIR)$(PREFIX)/share/doc/exprobe
	install -m 0644 README.md schema/exprobe.schema.json $(DESTDIR)$(PREFIX)/share/doc/exprobe/

lab-start:
	@tests/lab/lab.sh start

lab-stop:
	@tests/lab/lab.sh stop

clean:
	rm -rf build

-include $(DEPS)
