# xe2e — end-to-end encryption of XMPP stanzas.
#
#   make            build the library and the programs
#   make demo       Alice and Bob, from keys to sealed stanzas
#   make check      every test, then again under ASan + UBSan
#   make bench      benchmarks, each next to the limit it should approach
#   make install    PREFIX=/usr/local DESTDIR=
#
# Variables are overridable; mandatory flags are appended.

CC            ?= gcc
CFLAGS        ?= -O2 -g
PREFIX        ?= /usr/local
MBEDTLS_LIBS  ?= -lmbedtls -lmbedx509 -lmbedcrypto
EXPAT_LIBS    ?= $(shell pkg-config --libs expat 2>/dev/null || echo -lexpat)
READLINE_LIBS ?= -lreadline
IDN_LIBS      ?= $(shell pkg-config --libs libidn 2>/dev/null || echo -lidn)
CJSON_LIBS    ?= $(shell pkg-config --libs libcjson 2>/dev/null || echo -lcjson)
CJSON_CFLAGS  ?= $(shell pkg-config --cflags libcjson 2>/dev/null)
SODIUM_LIBS   ?= $(shell pkg-config --libs libsodium 2>/dev/null || echo -lsodium)
SODIUM_CFLAGS ?= $(shell pkg-config --cflags libsodium 2>/dev/null)
# GPGME (GnuPG's library, Debian's libgpgme-dev) for OpenPGP credentials.
GPGME_LIBS    ?= $(shell pkg-config --libs gpgme 2>/dev/null || echo -lgpgme)
GPGME_CFLAGS  ?= $(shell pkg-config --cflags gpgme 2>/dev/null)
VERSION       := 0.1.0

ifeq ($(SANITIZE),1)
BUILD         ?= build-san
CFLAGS        += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
                 -fno-sanitize-recover=undefined
LDFLAGS       += -fsanitize=address,undefined
else
BUILD         ?= build
endif

# The library's layers, lowest first (common/README.md): every header is
# named by its file name alone, and tests/lint/check-layers keeps each
# layer's includes to its own and those below.
LAYERS := base crypto xml protocol state engine xmpp
override CFLAGS += -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE \
                   -Wall -Wextra -Werror -Wshadow -Wvla \
                   -pthread -MMD -MP $(LAYERS:%=-Icommon/%) -DXE2E_VERSION='"$(VERSION)"' $(SODIUM_CFLAGS) \
                   $(GPGME_CFLAGS)
# The protocol library's packages; the programs add the terminal's.
LIBS    := $(MBEDTLS_LIBS) $(SODIUM_LIBS) $(EXPAT_LIBS) $(IDN_LIBS) $(GPGME_LIBS) -pthread
UI_LIBS := $(READLINE_LIBS)

# The programs (and the unit tests and benchmarks, which must measure what
# the programs run) take these packages from their static archives; only
# the C library stays shared. Each xe2e program is a short-lived process,
# and mapping and relocating nine more shared objects (with GPGME's
# libassuan and libgpg-error and readline's libtinfo) cost every start
# more CPU than a whole known-peer handshake (BENCHMARKS.md); from an
# archive the linker takes only the objects a program calls, so a program
# that never prompts carries no readline. STATIC_LIBS=0 links the shared
# libraries instead (a distribution's security updates then apply without
# a rebuild). The Profanity plugin and the fuzz targets use LIBS as is.
STATIC_LIBS   ?= 1
ifeq ($(STATIC_LIBS),1)
GPGME_STATIC_LIBS    ?= $(shell pkg-config --static --libs gpgme 2>/dev/null || \
                          echo -lgpgme -lassuan -lgpg-error)
READLINE_STATIC_LIBS ?= $(shell pkg-config --static --libs readline 2>/dev/null || \
                          echo -lreadline -ltinfo)
PROGRAM_LIBS := -Wl,-Bstatic $(MBEDTLS_LIBS) $(SODIUM_LIBS) $(EXPAT_LIBS) $(IDN_LIBS) \
                $(GPGME_STATIC_LIBS) $(READLINE_STATIC_LIBS) -Wl,-Bdynamic -pthread -lm
else
PROGRAM_LIBS := $(LIBS) $(UI_LIBS)
endif
# What counts public-key operations (tests/bench/opcount/shims.h, in the
# unit tests, the handshake benchmark and a preloaded library) stands
# between the code and mbedTLS or libsodium as a shared library's symbol:
# these link the shared libraries, and tests/bench/opcount.sh counts in
# the programs linked that way ($(BUILD)/shared-bin/).
SHARED_LIBS     := $(LIBS) $(UI_LIBS)
SHARED_PROGRAMS := $(CMD_SRC:cmd/%.c=$(BUILD)/shared-bin/xe2e-%)

ifeq ($(V),1)
Q :=
else
Q := @
endif

COMMON_SRC := $(sort $(foreach l,$(LAYERS),$(wildcard common/$(l)/*.c)))
COMMON_OBJ := $(COMMON_SRC:%.c=$(BUILD)/%.o)
CMD_SRC    := $(sort $(wildcard cmd/*.c))
UI_SRC     := $(sort $(wildcard cmd/ui/*.c))
UI_OBJ     := $(UI_SRC:%.c=$(BUILD)/%.o)
PROGRAMS   := $(CMD_SRC:cmd/%.c=$(BUILD)/bin/xe2e-%)
UNIT_SRC   := $(sort $(wildcard tests/unit/*.c))
UNIT_OBJ   := $(UNIT_SRC:%.c=$(BUILD)/%.o)
BENCH_SRC  := $(sort $(wildcard tests/bench/*.c))
BENCHES    := $(BENCH_SRC:tests/bench/%.c=$(BUILD)/bench/%)
LIBXE2E    := $(BUILD)/libxe2e.a
LIBUI      := $(BUILD)/libxe2e-ui.a
UNIT_TESTS := $(BUILD)/tests/unit-tests
MAN1       := $(sort $(wildcard man/*.1))
MAN7       := $(sort $(wildcard man/*.7))

.PHONY: all deps demo demo-xmpp valgrind check test test-unit test-cli bench install uninstall clean

# Objects reached through pattern rules only (cmd/, tests/bench/) are kept,
# so a second `make` finds everything up to date.
.SECONDARY: $(CMD_SRC:%.c=$(BUILD)/%.o) $(UI_OBJ) $(BENCH_SRC:%.c=$(BUILD)/%.o) \
	    $(BUILD)/tests/noise_vectors/main.o

all: deps $(PROGRAMS)

deps:
	$(Q)./scripts/ensure-deps

# Objects wait for the packages (order-only: installing them rebuilds
# nothing), so a parallel first build finds the headers.
$(BUILD)/%.o: %.c | deps
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) $(CPPFLAGS) -c -o $@ $<

$(BUILD)/tests/unit/%.o: override CFLAGS += $(CJSON_CFLAGS) -Icmd/ui

# The programs' side (cmd/ui/): diagnostics, prompts, the option loop and
# xe2e-trustdb's commands and shell. Only programs (and the tests of these
# parts) see its headers and link it; the protocol library never does.
$(BUILD)/cmd/%.o: override CFLAGS += -Icmd/ui

$(LIBXE2E): $(COMMON_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(LIBUI): $(UI_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/bin/xe2e-%: $(BUILD)/cmd/%.o $(LIBUI) $(LIBXE2E)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIBUI) $(LIBXE2E) $(PROGRAM_LIBS)

$(UNIT_TESTS): $(UNIT_OBJ) $(LIBUI) $(LIBXE2E)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $(UNIT_OBJ) $(LIBUI) $(LIBXE2E) $(SHARED_LIBS) $(CJSON_LIBS)

NOISE_VECTORS := $(BUILD)/tests/noise-vectors
$(NOISE_VECTORS): $(BUILD)/tests/noise_vectors/main.o $(LIBXE2E)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIBXE2E) $(MBEDTLS_LIBS) $(SODIUM_LIBS) $(CJSON_LIBS)

$(BUILD)/tests/noise_vectors/%.o: override CFLAGS += $(CJSON_CFLAGS)

# The xe2e vectors' generator and checker (tests/vectors/xe2e/): it brings
# its own rng_bytes(), so the library's generator is never linked in.
VECTORGEN_SRC := $(sort $(wildcard tests/vectorgen/*.c))
VECTORGEN_OBJ := $(VECTORGEN_SRC:%.c=$(BUILD)/%.o)
XE2E_VECTORS  := $(BUILD)/tests/xe2e-vectors
$(XE2E_VECTORS): $(VECTORGEN_OBJ) $(LIBXE2E)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $(VECTORGEN_OBJ) $(LIBXE2E) $(LIBS) $(CJSON_LIBS)

$(BUILD)/tests/vectorgen/%.o: override CFLAGS += $(CJSON_CFLAGS)

# Writes the xe2e vectors again from the library (then review the diff).
.PHONY: vectors
vectors: $(XE2E_VECTORS)
	$(Q)$(XE2E_VECTORS) generate tests/vectors/xe2e

$(BUILD)/tests/bench/%.o: override CFLAGS += -Icmd/ui

$(BUILD)/bench/%: $(BUILD)/tests/bench/%.o $(LIBUI) $(LIBXE2E)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIBUI) $(LIBXE2E) $(BENCH_LIBS)

BENCH_LIBS := $(PROGRAM_LIBS)
$(BUILD)/bench/handshake: BENCH_LIBS := $(SHARED_LIBS)

$(BUILD)/shared-bin/xe2e-%: $(BUILD)/cmd/%.o $(LIBUI) $(LIBXE2E)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIBUI) $(LIBXE2E) $(SHARED_LIBS)

# The README's test command: every test in the normal build and the same
# tests in the sanitizer build, two jobs at a time; one summary line for
# both. Everything a test calls is installed first, Prosody included, so
# that nothing is skipped for want of a package. (+: the builds it runs
# share make's -j.)
check:
	$(Q)./scripts/ensure-deps --server
	+$(Q)./tests/run-all

# One build's tests (used by tests/run-all for each build).
test: test-unit test-cli
test-unit: all $(UNIT_TESTS)
	$(Q)$(UNIT_TESTS)
test-cli: all
	$(Q)./scripts/ensure-deps --server
	$(Q)XE2E_BUILD=$(BUILD) bats tests/cli

demo: all
	$(Q)PATH="$(CURDIR)/$(BUILD)/bin:$$PATH" ./scripts/demo

# The same story through a private Prosody server on 127.0.0.1.
demo-xmpp: all
	$(Q)PATH="$(CURDIR)/$(BUILD)/bin:$$PATH" ./scripts/demo-xmpp

# One demo run with every program under valgrind's memcheck (slow).
valgrind: all
	$(Q)./tests/valgrind/run

bench: all $(BENCHES) $(SHARED_PROGRAMS)
	$(Q)PATH="$(CURDIR)/$(BUILD)/bin:$$PATH" ./scripts/bench "$(BUILD)"

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	        $(DESTDIR)$(PREFIX)/share/man/man7
	install -m 0755 $(PROGRAMS) $(DESTDIR)$(PREFIX)/bin/
	$(if $(MAN1),install -m 0644 $(MAN1) $(DESTDIR)$(PREFIX)/share/man/man1/)
	$(if $(MAN7),install -m 0644 $(MAN7) $(DESTDIR)$(PREFIX)/share/man/man7/)

uninstall:
	rm -f $(PROGRAMS:$(BUILD)/bin/%=$(DESTDIR)$(PREFIX)/bin/%) \
	      $(MAN1:man/%=$(DESTDIR)$(PREFIX)/share/man/man1/%) \
	      $(MAN7:man/%=$(DESTDIR)$(PREFIX)/share/man/man7/%)

# The Profanity plugin (cmd/profanity/, xe2e-profanity(7)): a shared
# object over the library, whose objects are built position-independent
# with hidden symbols for that (the programs link the same objects: one
# build of the library, not two), so that none of its symbols meets one of
# Profanity's. Only xe2e.c, which holds Profanity's hooks and its function
# pointers (profapi.h), keeps the default visibility. Without profapi.h (Debian's
# profanity package) the plugin is skipped with a message.
PROFAPI_H     ?= $(wildcard /usr/include/profapi.h)
PLUGIN_SRC    := $(sort $(wildcard cmd/profanity/*.c))
PLUGIN_OBJ    := $(PLUGIN_SRC:%.c=$(BUILD)/pic/%.o)
LIBXE2E_PIC   := $(LIBXE2E)
PLUGIN        := $(BUILD)/plugin/xe2e.so
PLUGIN_DIR    ?= $(PREFIX)/lib/xe2e/profanity

.PHONY: plugin install-plugin
ifneq ($(PROFAPI_H),)
all: $(PLUGIN)
plugin: $(PLUGIN)
install-plugin: $(PLUGIN)
	install -d $(DESTDIR)$(PLUGIN_DIR)
	install -m 0644 $(PLUGIN) $(DESTDIR)$(PLUGIN_DIR)/
else
# Said once as the makefile is read (not by make -n, whose output the build
# test reads), when a goal would have built the plugin.
ifneq ($(filter all plugin install install-plugin,$(or $(MAKECMDGOALS),all)),)
ifeq ($(findstring n,$(firstword -$(MAKEFLAGS))),)
$(info   SKIP    $(PLUGIN): no profapi.h (Debian's profanity package))
endif
endif
plugin install-plugin: ;
endif
install: install-plugin
uninstall: uninstall-plugin
.PHONY: uninstall-plugin
uninstall-plugin:
	rm -f $(DESTDIR)$(PLUGIN_DIR)/xe2e.so

$(BUILD)/pic/%.o: %.c | deps
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $< (PIC)")
	$(Q)$(CC) $(CFLAGS) $(CPPFLAGS) -fPIC -fvisibility=$(PIC_VISIBILITY) -c -o $@ $<

$(BUILD)/pic/%.o: PIC_VISIBILITY := hidden
$(BUILD)/pic/cmd/profanity/xe2e.o: PIC_VISIBILITY := default
# Profanity names a C plugin's commands after __FILE__ with .so for .c:
# "xe2e.so", the plugin's file name, so that unloading it removes them.
$(BUILD)/pic/cmd/profanity/xe2e.o: override CFLAGS += -fmacro-prefix-map=cmd/profanity/=

$(COMMON_OBJ): override CFLAGS += -fPIC -fvisibility=hidden

$(PLUGIN): $(PLUGIN_OBJ) $(LIBXE2E_PIC)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -shared -o $@ $(PLUGIN_OBJ) $(LIBXE2E_PIC) $(LIBS)

clean:
	rm -rf build build-san

-include $(COMMON_OBJ:.o=.d) $(UI_OBJ:.o=.d) $(UNIT_OBJ:.o=.d) $(CMD_SRC:%.c=$(BUILD)/%.d) \
	 $(BENCH_SRC:%.c=$(BUILD)/%.d) $(BUILD)/tests/noise_vectors/main.d \
	 $(VECTORGEN_OBJ:.o=.d) $(PLUGIN_OBJ:.o=.d)

# Fuzzing (clang + libFuzzer): targets, corpus and `make fuzz` live there.
-include tests/fuzz/fuzz.mk
