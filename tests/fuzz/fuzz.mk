# Fuzzing with clang and libFuzzer (included from the top Makefile).
#
#   make fuzz                  build every target, run each FUZZ_SECONDS
#                              (first installing clang and libFuzzer when
#                              missing: scripts/ensure-deps --fuzz)
#   make fuzz FUZZ_TARGETS='xml handshake' FUZZ_SECONDS=600
#   make fuzz-build            build the fuzzers only: build-fuzz/fuzz/NAME
#   make fuzz-seeds            remake the seed corpus from the library
#   make fuzz-clean
#
# A target is tests/fuzz/fuzz_NAME.c, defining fuzz_NAME(data, size);
# tests/fuzz/driver.c wraps it into LLVMFuzzerTestOneInput. The library
# is compiled again with clang, coverage and ASan + UBSan, into
# $(FUZZ_BUILD), apart from build/ and build-san/. Each fuzzer starts from
# tests/fuzz/corpus/NAME and writes what it finds to $(FUZZ_BUILD)/corpus/
# NAME (scratch: the repository keeps only the seeds). `make fuzz` fails
# when any fuzzer crashes; the input is left in $(FUZZ_BUILD)/crashes/.
# The unit runner replays the seeds and tests/fuzz/regress/ in `make check`.

FUZZ_CC      ?= clang
FUZZ_CFLAGS  ?= -O1 -g
FUZZ_SECONDS ?= 60
FUZZ_BUILD   ?= build-fuzz
FUZZ_ARGS    ?=

FUZZ_ALL     := $(sort $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_TARGETS ?= $(FUZZ_ALL)
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
                -fno-omit-frame-pointer
FUZZ_FLAGS   := $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -std=c11 \
                -D_DEFAULT_SOURCE -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wvla \
                -MMD -MP $(LAYERS:%=-Icommon/%) -Icmd/ui -DXE2E_VERSION='"$(VERSION)"' $(GPGME_CFLAGS)
FUZZ_LIB_OBJ := $(COMMON_SRC:%.c=$(FUZZ_BUILD)/%.o) $(UI_SRC:%.c=$(FUZZ_BUILD)/%.o)
FUZZ_LIB     := $(FUZZ_BUILD)/libxe2e.a
FUZZ_UTIL    := $(FUZZ_BUILD)/tests/fuzz/util.o
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz/%)
FUZZ_CHECKED := $(FUZZ_BUILD)/.toolchain

.PHONY: fuzz fuzz-build fuzz-seeds fuzz-clean fuzz-deps

fuzz: fuzz-build
	$(Q)./tests/fuzz/run "$(FUZZ_BUILD)" "$(FUZZ_SECONDS)" "$(FUZZ_ARGS)" $(FUZZ_TARGETS)

fuzz-build: $(FUZZ_BINS)

# clang and libFuzzer from Debian, installed when missing as `make deps`
# installs the rest; not part of what `make check` needs.
fuzz-deps:
	$(Q)./scripts/ensure-deps --fuzz

# clang, ASan, UBSan and libFuzzer, tried once on a one-line fuzzer.
$(FUZZ_CHECKED): | fuzz-deps
	@mkdir -p $(@D)
	@echo '*' > $(@D)/.gitignore
	@echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n);' \
	      'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)' \
	      '{ (void)d; (void)n; return 0; }' > $(@D)/toolchain.c
	@if ! $(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $(@D)/toolchain \
	      $(@D)/toolchain.c >$(@D)/toolchain.log 2>&1; then \
		echo "make fuzz needs clang with libFuzzer and the sanitizers:" \
		     "'$(FUZZ_CC) -fsanitize=fuzzer,address,undefined' failed" \
		     "(see $(@D)/toolchain.log)." >&2; \
		echo "On Debian: scripts/ensure-deps --fuzz installs clang and" \
		     "libclang-rt-14-dev (or set FUZZ_CC to another clang)." >&2; \
		exit 1; \
	fi
	@touch $@

$(FUZZ_BUILD)/common/%.o: common/%.c | $(FUZZ_CHECKED)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -c -o $@ $<

$(FUZZ_BUILD)/cmd/ui/%.o: cmd/ui/%.c | $(FUZZ_CHECKED)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -c -o $@ $<

$(FUZZ_BUILD)/tests/fuzz/%.o: tests/fuzz/%.c | $(FUZZ_CHECKED)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -c -o $@ $<

# A static pattern: with a plain one, make would chain it to its built-in
# link rule to "remake" the included .d files.
$(FUZZ_ALL:%=$(FUZZ_BUILD)/tests/fuzz/driver-%.o): $(FUZZ_BUILD)/tests/fuzz/driver-%.o: \
		tests/fuzz/driver.c | $(FUZZ_CHECKED)
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -DFUZZ_TARGET=fuzz_$* -c -o $@ $<

$(FUZZ_LIB): $(FUZZ_LIB_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(FUZZ_ALL:%=$(FUZZ_BUILD)/fuzz/%): $(FUZZ_BUILD)/fuzz/%: $(FUZZ_BUILD)/tests/fuzz/driver-%.o \
		$(FUZZ_BUILD)/tests/fuzz/fuzz_%.o $(FUZZ_UTIL) $(FUZZ_LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^ $(LIBS) $(UI_LIBS)

# The seed generator: tests/fuzz/seeds.c, an ordinary program over the
# same objects. Fixtures (identities, ratchet states) are made only when
# missing, since seeds and kept regression inputs are made against them.
FUZZ_SEEDS := $(FUZZ_BUILD)/fuzz-seeds
$(FUZZ_SEEDS): $(FUZZ_BUILD)/tests/fuzz/seeds.o $(FUZZ_UTIL) $(FUZZ_LIB)
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) -fsanitize=fuzzer-no-link $(FUZZ_SAN) -o $@ $^ $(LIBS) $(UI_LIBS)

fuzz-seeds: $(FUZZ_SEEDS)
	$(Q)$(FUZZ_SEEDS) tests/fuzz

fuzz-clean:
	rm -rf $(FUZZ_BUILD)

clean: fuzz-clean

.SECONDARY: $(FUZZ_LIB_OBJ) $(FUZZ_BUILD)/tests/fuzz/seeds.o \
	    $(FUZZ_ALL:%=$(FUZZ_BUILD)/tests/fuzz/driver-%.o) \
	    $(FUZZ_ALL:%=$(FUZZ_BUILD)/tests/fuzz/fuzz_%.o)

-include $(wildcard $(FUZZ_BUILD)/common/*/*.d $(FUZZ_BUILD)/cmd/ui/*.d $(FUZZ_BUILD)/tests/fuzz/*.d)
