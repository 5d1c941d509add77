# awscredsfs - GNU Make build.
#
#   make                      build everything into $(O)
#   make check                build and run every test suite
#   make check SANITIZE=address,undefined   the same under ASan+UBSan
#   make check-all            check, check under ASan+UBSan, a clang build,
#                             and a CHECK_FUZZ_SECONDS fuzz run per target
#   make fuzz                 build the libFuzzer targets and run each for
#                             FUZZ_SECONDS (default 60)
#   make bench                run the benchmark scripts
#   make install / uninstall  PREFIX, DESTDIR, BINDIR, LIBDIR, MANDIR, DATADIR
#   make deps                 apt-install what the build and tests need

VERSION := 0.1.0

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
LIBDIR  ?= $(PREFIX)/lib
MANDIR  ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share
DESTDIR ?=

CC       ?= cc
SANITIZE ?=
# Each configuration builds into its own directory, so a sanitizer or
# clang build never mixes objects with the normal one.
ifeq ($(SANITIZE),)
O ?= build
else
O ?= build-san
endif

PKG_CONFIG ?= pkg-config
ENGINE_PKGS := json-c expat libcurl gnutls
TEST_PKGS    = check $(ENGINE_PKGS)
DAEMON_PKGS := fuse3

WARN     := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wno-unused-parameter
CPPFLAGS += -D_GNU_SOURCE -DACFS_VERSION='"$(VERSION)"' -Icommon
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 $(WARN) -fPIC -fstack-protector-strong
# Quiet when pkg-config or a package is missing: `make deps` installs
# them, and the targets that build after it run in a fresh make.
CFLAGS   += $(shell $(PKG_CONFIG) --cflags $(ENGINE_PKGS) 2>/dev/null)
LDLIBS_ENGINE := $(shell $(PKG_CONFIG) --libs $(ENGINE_PKGS) 2>/dev/null)
LDLIBS_TEST   := $(shell $(PKG_CONFIG) --libs $(TEST_PKGS) 2>/dev/null)
CFLAGS_DAEMON := $(shell $(PKG_CONFIG) --cflags $(DAEMON_PKGS) 2>/dev/null)
LDLIBS_DAEMON := $(shell $(PKG_CONFIG) --libs $(DAEMON_PKGS) 2>/dev/null)

ifneq ($(SANITIZE),)
CFLAGS  += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer \
           -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SANITIZE)
else
CPPFLAGS += -D_FORTIFY_SOURCE=2
endif

COMMON_SRCS := $(sort $(wildcard common/*.c))
COMMON_OBJS := $(COMMON_SRCS:%.c=$(O)/%.o)
LIB         := $(O)/libacfs.a
DAEMON      := $(O)/awscredsfs
PAM_MODULE  := $(O)/plugin/pam_awscreds.so
PAM_LDFLAGS := -shared -Wl,--version-script=plugin/pam_awscreds.map \
               -Wl,-z,relro -Wl,-z,now
ifeq ($(SANITIZE),)
# (A sanitizer runtime comes from the executable that loads the module.)
PAM_LDFLAGS += -Wl,--no-undefined
endif

UNIT_SRCS   := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS   := $(UNIT_SRCS:%.c=$(O)/%)
CONF_SRCS   := $(sort $(wildcard tests/conformance/run_*.c))
CONF_BINS   := $(CONF_SRCS:%.c=$(O)/%)
TESTLIB_OBJ := $(O)/tests/lib/testlib.o
BENCH_BINS  := $(O)/tests/bench/genconfig $(O)/tests/bench/readloop \
               $(O)/tests/bench/bench_resolve

FUZZ_SRCS   := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_DIR    := build-fuzz
FUZZ_BINS   := $(FUZZ_SRCS:tests/fuzz/%.c=$(FUZZ_DIR)/%)
FUZZ_SECONDS ?= 60
FUZZ_CC     ?= clang

MAN_SRCS    := $(wildcard man/*.rst)
MAN_PAGES   := $(MAN_SRCS:man/%.rst=$(O)/man/%)

.PHONY: all check check-all tests fuzz fuzz-build bench install uninstall \
        clean deps demo man

all: $(DAEMON) $(PAM_MODULE) man

$(O)/%.o: %.c $(wildcard common/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIB): $(COMMON_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

# The daemon: every fusefs/*.c, on libfuse3's low-level API.
DAEMON_SRCS := $(sort $(wildcard fusefs/*.c))
DAEMON_OBJS := $(DAEMON_SRCS:%.c=$(O)/%.o)

$(O)/fusefs/%.o: fusefs/%.c $(wildcard fusefs/*.h) $(wildcard common/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(CFLAGS_DAEMON) -c -o $@ $<

$(DAEMON): $(DAEMON_OBJS) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_DAEMON) $(LDLIBS_ENGINE)

# The PAM session module.  The static linker takes from libacfs.a (built
# -fPIC) only the members it needs, so the module needs libpam and libc
# and nothing else; the version script exports only pam_sm_*.
$(PAM_MODULE): $(O)/plugin/pam_awscreds.o $(LIB) plugin/pam_awscreds.map
	$(CC) $(LDFLAGS) $(PAM_LDFLAGS) -o $@ $(O)/plugin/pam_awscreds.o $(LIB) -lpam

# Debian's pam_wrapper.pc names the library itself in Libs.
PAM_WRAPPER_LIB := $(strip $(shell $(PKG_CONFIG) --libs pam_wrapper 2>/dev/null))
# The PAM tests load that module (dlopen, then libpamtest under pam_wrapper
# and valgrind); test_pam.c says what it needs at run time.
$(O)/tests/unit/test_pam: tests/unit/test_pam.c $(TESTLIB_OBJ) $(PAM_MODULE) $(LIB) tests/lib/testlib.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/lib $(CFLAGS) $(shell $(PKG_CONFIG) --cflags check 2>/dev/null) \
	  -DACFS_PAM_MODULE='"$(abspath $(PAM_MODULE))"' -DACFS_SRCDIR='"$(CURDIR)"' \
	  -DACFS_DAEMON='"$(abspath $(DAEMON))"' \
	  $(if $(PAM_WRAPPER_LIB),-DACFS_PAM_WRAPPER_LIB='"$(PAM_WRAPPER_LIB)"') \
	  $(LDFLAGS) -o $@ $< $(TESTLIB_OBJ) $(LIB) $(LDLIBS_TEST) -lpamtest -lpam -ldl

$(O)/tests/lib/%.o: tests/lib/%.c tests/lib/testlib.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/lib $(CFLAGS) $(shell $(PKG_CONFIG) --cflags check 2>/dev/null) -c -o $@ $<

$(O)/tests/unit/%: tests/unit/%.c $(TESTLIB_OBJ) $(LIB) tests/lib/testlib.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/lib $(CFLAGS) $(shell $(PKG_CONFIG) --cflags check 2>/dev/null) \
	  $(LDFLAGS) -o $@ $< $(TESTLIB_OBJ) $(LIB) $(LDLIBS_TEST)

$(O)/tests/conformance/%: tests/conformance/%.c $(TESTLIB_OBJ) $(LIB) tests/lib/testlib.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/lib $(CFLAGS) $(LDFLAGS) -o $@ $< \
	  $(TESTLIB_OBJ) $(LIB) $(LDLIBS_TEST)

$(O)/tests/bench/genconfig $(O)/tests/bench/readloop: $(O)/tests/bench/%: tests/bench/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $<

$(O)/tests/bench/%: tests/bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS_ENGINE)

# Keep the shared test object: make would delete it as an intermediate.
.SECONDARY: $(TESTLIB_OBJ)

tests: all $(UNIT_BINS) $(CONF_BINS) $(BENCH_BINS)

# One summary line at the end: "N passed, N failed, N skipped".
check:
	$(MAKE) tests
	ACFS_VERSION=$(VERSION) tests/run-checks.sh $(O)

CHECK_FUZZ_SECONDS ?= 30

check-all:
	$(MAKE) tests
	$(MAKE) tests SANITIZE=address,undefined
	$(MAKE) tests CC=clang O=build-clang
	$(MAKE) fuzz-build
	ACFS_VERSION=$(VERSION) ACFS_FUZZ_DIR=$(FUZZ_DIR) \
	  ACFS_FUZZ_SECONDS=$(CHECK_FUZZ_SECONDS) tests/run-checks.sh build build-san

# --- fuzzing (clang + libFuzzer, always with ASan+UBSan) ---
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -DACFS_VERSION='"$(VERSION)"' \
               -fno-sanitize-recover=all -D_GNU_SOURCE -Icommon \
               $(shell $(PKG_CONFIG) --cflags $(ENGINE_PKGS) 2>/dev/null)

$(FUZZ_DIR)/%: tests/fuzz/%.c $(COMMON_SRCS) $(wildcard common/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(COMMON_SRCS) $(LDLIBS_ENGINE)

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	tests/fuzz/run-fuzz.sh $(FUZZ_DIR) $(FUZZ_SECONDS)

bench:
	$(MAKE) tests
	tests/bench/bench-plan.sh $(O)
	tests/bench/bench-resolve.sh $(O)

# --- man pages: reStructuredText sources built with rst2man ---
man: $(MAN_PAGES)

$(O)/man/%: man/%.rst
	@mkdir -p $(dir $@)
	rst2man --exit-status=2 $< $@

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(DAEMON) $(DESTDIR)$(BINDIR)/awscredsfs
	install -d $(DESTDIR)$(LIBDIR)/security
	install -m 0644 $(PAM_MODULE) $(DESTDIR)$(LIBDIR)/security/pam_awscreds.so
	install -d $(DESTDIR)$(DATADIR)/awscredsfs
	install -m 0644 plugin/awscreds.sh $(DESTDIR)$(DATADIR)/awscredsfs/awscreds.sh
	for p in $(MAN_PAGES); do \
	  install -d $(DESTDIR)$(MANDIR)/man$${p##*.}; \
	  install -m 0644 $$p $(DESTDIR)$(MANDIR)/man$${p##*.}/$$(basename $$p); done

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/awscredsfs
	rm -f $(DESTDIR)$(LIBDIR)/security/pam_awscreds.so
	rm -f $(DESTDIR)$(DATADIR)/awscredsfs/awscreds.sh
	rmdir $(DESTDIR)$(DATADIR)/awscredsfs 2>/dev/null || true
	for p in $(MAN_SRCS:man/%.rst=%); do \
	  rm -f $(DESTDIR)$(MANDIR)/man$${p##*.}/$$p; done

deps:
	scripts/install-deps

# Builds in a fresh make, after scripts/demo has installed what is missing.
demo:
	scripts/demo $(O)

clean:
	rm -rf build build-san build-clang build-fuzz
