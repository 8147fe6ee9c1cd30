# SPDX-License-Identifier: GPL-3.0-or-later
#
# knockknock: one Makefile for the three programs, their tests, benchmarks
# and fuzzers.  `make V=1` shows the commands.  No other build system.

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR    ?= $(PREFIX)/lib/systemd/system
DESTDIR    ?=

CC      ?= cc
CLANG   ?= clang
CFLAGS  ?= -O2 -g
# Project flags live apart from CFLAGS so that `make CFLAGS=...` keeps them.
KK_CFLAGS := -std=c11 -D_GNU_SOURCE -I. -MMD -MP \
	-Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
	-Wformat=2 -Wpointer-arith -Wvla \
	-fPIE -fstack-protector-strong -D_FORTIFY_SOURCE=2
KK_LDFLAGS := -pie -Wl,-z,relro -Wl,-z,now
SAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all

PKGS_CFLAGS := $(shell pkg-config --cflags libcrypto libcap-ng libnftables 2>/dev/null)
LIBCRYPTO   := $(shell pkg-config --libs libcrypto 2>/dev/null || echo -lcrypto)
LIBCAPNG    := $(shell pkg-config --libs libcap-ng 2>/dev/null || echo -lcap-ng)
LIBNFT      := $(shell pkg-config --libs libnftables 2>/dev/null || echo -lnftables)
LIBCRITERION:= $(shell pkg-config --libs criterion 2>/dev/null || echo -lcriterion)
# Debian's libnet ships libnet-config, not a .pc file; _GNU_SOURCE
# already gives what its deprecated _BSD_SOURCE asks for.
LIBNET      := $(shell pkg-config --libs libnet 2>/dev/null || libnet-config --libs 2>/dev/null || echo -lnet)
LIBNET_DEFS := $(filter-out -D_BSD_SOURCE -D__BSD_SOURCE,$(shell pkg-config --cflags libnet 2>/dev/null || libnet-config --defines 2>/dev/null))

ifeq ($(V),1)
Q :=
else
Q := @
endif

# ---- sources, one block per program (a new file is a one-line diff) ----

PROFILE_SRCS := \
	profiles/codec.c \
	profiles/profile.c \
	profiles/counter.c \
	profiles/ini.c

GENPROFILE_SRCS := \
	profiles/genprofile.c

CLIENT_SRCS := \
	knockknock/main.c

CLIENT_LIB_SRCS := \
	knockknock/args.c \
	knockknock/packet.c \
	knockknock/relay.c \
	knockknock/target.c

HELPER_SRCS := \
	privsep/msg.c \
	privsep/helper.c \
	privsep/nft.c \
	privsep/iptables.c \
	privsep/iptrule.c

DAEMON_SRCS := \
	daemon/main.c

DAEMON_LIB_SRCS := \
	daemon/log.c \
	daemon/config.c \
	daemon/verify.c \
	daemon/watcher.c \
	daemon/privdrop.c \
	daemon/logparse.c \
	daemon/logsrc.c \
	daemon/kmsg.c \
	daemon/kmsgbell.c \
	daemon/kernlog.c \
	daemon/fwprint.c

UNIT_SRCS := \
	tests/unit/test_args.c \
	tests/unit/test_packet.c \
	tests/unit/test_relay.c \
	tests/unit/test_target.c \
	tests/unit/test_codec.c \
	tests/unit/test_profile.c \
	tests/unit/test_counter.c \
	tests/unit/test_ini.c \
	tests/unit/test_config.c \
	tests/unit/test_verify.c \
	tests/unit/test_logparse.c \
	tests/unit/test_kernlog.c \
	tests/unit/test_kmsgbell.c \
	tests/unit/test_msg.c \
	tests/unit/test_fwcmd.c

# ---- derived lists ----

PROGRAMS := bin/knockknock bin/knockknock-daemon bin/knockknock-genprofile
LIB_SRCS := $(PROFILE_SRCS) $(CLIENT_LIB_SRCS) $(HELPER_SRCS) $(DAEMON_LIB_SRCS)
LIBS     := $(LIBCRYPTO) $(LIBNET) $(LIBCAPNG) $(LIBNFT)

obj      = $(patsubst %.c,build/%.o,$(1))
asanobj  = $(patsubst %.c,build/asan/%.o,$(1))

ALL_SRCS := $(LIB_SRCS) $(GENPROFILE_SRCS) $(CLIENT_SRCS) $(DAEMON_SRCS) $(UNIT_SRCS)

.PHONY: all test check unit unit-asan integration valgrind bench fuzz fuzz-quick \
	install uninstall clean

all: $(PROGRAMS)

build/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) $(KK_CFLAGS) $(PKGS_CFLAGS) $(LIBNET_DEFS) -c -o $@ $<

build/asan/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC asan $<")
	$(Q)$(CC) $(SAN_FLAGS) $(filter-out -D_FORTIFY_SOURCE=2,$(KK_CFLAGS)) \
		$(PKGS_CFLAGS) $(LIBNET_DEFS) -c -o $@ $<

bin/knockknock: $(call obj,$(CLIENT_SRCS) $(CLIENT_LIB_SRCS) $(PROFILE_SRCS))
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(KK_LDFLAGS) $(LDFLAGS) -o $@ $^ $(LIBCRYPTO) $(LIBNET) $(LIBCAPNG)

bin/knockknock-genprofile: $(call obj,$(GENPROFILE_SRCS) $(PROFILE_SRCS))
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(KK_LDFLAGS) $(LDFLAGS) -o $@ $^ $(LIBCRYPTO)

bin/knockknock-daemon: $(call obj,$(DAEMON_SRCS) $(DAEMON_LIB_SRCS) $(HELPER_SRCS) $(PROFILE_SRCS))
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(KK_LDFLAGS) $(LDFLAGS) -o $@ $^ $(LIBCRYPTO) $(LIBCAPNG) $(LIBNFT)

# The unit tests link every module except the three main()s.
build/unit-tests: $(call obj,$(UNIT_SRCS) $(LIB_SRCS))
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(KK_LDFLAGS) $(LDFLAGS) -o $@ $^ $(LIBCRITERION) $(LIBS)

build/asan/unit-tests: $(call asanobj,$(UNIT_SRCS) $(LIB_SRCS))
	@$(if $(Q),echo "  LD asan $@")
	$(Q)$(CC) $(SAN_FLAGS) -o $@ $^ $(LIBCRITERION) $(LIBS)

# ---- tests ----

check: test
test: unit unit-asan fuzz-quick integration

unit: build/unit-tests
	./build/unit-tests --jobs=2

unit-asan: build/asan/unit-tests
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		./build/asan/unit-tests --jobs=2

integration: all
	sh tests/integration/run.sh

# The live demo (root): two network namespaces, one knock; tests/demo.sh.
.PHONY: demo
demo: all
	sh tests/demo.sh

valgrind: build/unit-tests
	valgrind --quiet --error-exitcode=1 --leak-check=full --trace-children=yes \
		--errors-for-leak-kinds=definite ./build/unit-tests --jobs=1

# ---- install ----

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR)
	install -m 0755 bin/knockknock $(DESTDIR)$(BINDIR)/knockknock
	install -m 0755 bin/knockknock-daemon $(DESTDIR)$(SBINDIR)/knockknock-daemon
	install -m 0755 bin/knockknock-genprofile $(DESTDIR)$(SBINDIR)/knockknock-genprofile
	@if [ "$$(id -u)" = 0 ] && command -v setcap >/dev/null; then \
		setcap cap_net_raw+ep $(DESTDIR)$(BINDIR)/knockknock && \
		echo "set cap_net_raw+ep on $(DESTDIR)$(BINDIR)/knockknock"; \
	else \
		echo "note: run 'setcap cap_net_raw+ep $(DESTDIR)$(BINDIR)/knockknock' as root so users can knock without sudo"; \
	fi
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR)
	install -m 0644 knockknock/knockknock.1 $(DESTDIR)$(MANDIR)/man1/knockknock.1
	install -m 0644 daemon/knockknock-daemon.8 $(DESTDIR)$(MANDIR)/man8/knockknock-daemon.8
	install -m 0644 profiles/knockknock-genprofile.8 $(DESTDIR)$(MANDIR)/man8/knockknock-genprofile.8
	sed -e 's|/usr/local/sbin/|$(SBINDIR)/|g' -e 's|/etc/knockknock.d|$(SYSCONFDIR)/knockknock.d|g' \
		daemon/knockknock-daemon.service >$(DESTDIR)$(UNITDIR)/knockknock-daemon.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/knockknock-daemon.service
	install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/knockknock.d
	install -d -m 0700 $(DESTDIR)$(SYSCONFDIR)/knockknock.d/profiles
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/knockknock.d/config ]; then \
		echo "kept the existing $(DESTDIR)$(SYSCONFDIR)/knockknock.d/config"; \
	else \
		echo "install -m 0644 daemon/config.example $(DESTDIR)$(SYSCONFDIR)/knockknock.d/config"; \
		install -m 0644 daemon/config.example $(DESTDIR)$(SYSCONFDIR)/knockknock.d/config; \
	fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/knockknock $(DESTDIR)$(SBINDIR)/knockknock-daemon \
		$(DESTDIR)$(SBINDIR)/knockknock-genprofile
	rm -f $(DESTDIR)$(MANDIR)/man1/knockknock.1 $(DESTDIR)$(MANDIR)/man8/knockknock-daemon.8 \
		$(DESTDIR)$(MANDIR)/man8/knockknock-genprofile.8 \
		$(DESTDIR)$(UNITDIR)/knockknock-daemon.service

clean:
	rm -rf build bin

# ---- fuzzing: libFuzzer harnesses in tests/fuzz/, built by run.sh ----

fuzz:
	CLANG="$(CLANG)" FUZZ_SECONDS=$${FUZZ_SECONDS:-300} sh tests/fuzz/run.sh

fuzz-quick:
	CLANG="$(CLANG)" FUZZ_SECONDS=30 sh tests/fuzz/run.sh

# ---- benchmarks (issue 6): method and figures in tests/bench/RESULTS.md;
# the latency part needs root and says so when skipped ----

bench: all $(call obj,tests/bench/gen.c tests/bench/latency.c tests/bench/counterwrite.c tests/bench/kmsgwake.c daemon/kmsgbell.c $(PROFILE_SRCS))
	@mkdir -p build/bench
	$(Q)$(CC) $(CFLAGS) $(KK_LDFLAGS) $(LDFLAGS) -o build/bench/gen \
		build/tests/bench/gen.o $(call obj,$(PROFILE_SRCS)) $(LIBCRYPTO)
	$(Q)$(CC) $(CFLAGS) $(KK_LDFLAGS) $(LDFLAGS) -pthread -o build/bench/latency \
		build/tests/bench/latency.o $(call obj,$(PROFILE_SRCS)) $(LIBCRYPTO)
	$(Q)$(CC) $(CFLAGS) $(KK_LDFLAGS) $(LDFLAGS) -o build/bench/counterwrite \
		build/tests/bench/counterwrite.o build/profiles/counter.o
	$(Q)$(CC) $(CFLAGS) $(KK_LDFLAGS) $(LDFLAGS) -o build/bench/kmsgwake \
		build/tests/bench/kmsgwake.o build/daemon/kmsgbell.o
	bash tests/bench/run.sh

# ---- soak: the long variants of tests/integration/reliability.sh ----

.PHONY: soak
soak: all
	sh tests/soak/run.sh

-include $(patsubst %.c,build/%.d,$(ALL_SRCS)) $(patsubst %.c,build/asan/%.d,$(UNIT_SRCS) $(LIB_SRCS))
