# Build and install mptcp-get-debug the way a distribution installs a helper:
#
#   make                      build the binary, its man page and shell completions
#   make install DESTDIR=...  install them (and the data file, an empty collectors.d) under DESTDIR
#   make uninstall            remove what install put there
#
# Layout variables (GNU names): PREFIX (/usr/local), LIBEXECDIR ($(PREFIX)/libexec), DATADIR
# ($(PREFIX)/share), MANDIR, SYSCONFDIR (/etc), BASHCOMPDIR, ZSHCOMPDIR, FISHCOMPDIR. The binary is
# built knowing DATADIR and SYSCONFDIR, so give the same values to `make` and `make install`.
# PROFILE=debug builds without optimisation (CI).

NAME := mptcp-get-debug

PREFIX ?= /usr/local
EXEC_PREFIX ?= $(PREFIX)
LIBEXECDIR ?= $(EXEC_PREFIX)/libexec
DATAROOTDIR ?= $(PREFIX)/share
DATADIR ?= $(DATAROOTDIR)
MANDIR ?= $(DATAROOTDIR)/man
SYSCONFDIR ?= /etc
BASHCOMPDIR ?= $(DATAROOTDIR)/bash-completion/completions
ZSHCOMPDIR ?= $(DATAROOTDIR)/zsh/site-functions
FISHCOMPDIR ?= $(DATAROOTDIR)/fish/vendor_completions.d

CARGO ?= cargo
INSTALL ?= install
PROFILE ?= release
CARGOFLAGS ?= --locked
ifeq ($(PROFILE),release)
PROFILE_FLAG := --release
else
PROFILE_FLAG := --profile $(PROFILE)
endif
# Cargo names the dev profile's directory "debug".
BIN := target/$(if $(filter dev,$(PROFILE)),debug,$(PROFILE))/$(NAME)
GEN := target/gen

# Read by the binary at build time (src/triage/kernel.rs, src/app.rs).
export MPTCP_GET_DEBUG_DATADIR := $(DATADIR)/$(NAME)
export MPTCP_GET_DEBUG_COLLECTORS_DIR := $(SYSCONFDIR)/$(NAME)/collectors.d

.PHONY: all build docs install uninstall check clean

all: build docs

build:
	$(CARGO) build $(CARGOFLAGS) $(PROFILE_FLAG) --bin $(NAME)

docs: build
	mkdir -p $(GEN)/completions
	$(BIN) generate man > $(GEN)/$(NAME).1.tmp && mv $(GEN)/$(NAME).1.tmp $(GEN)/$(NAME).1
	$(BIN) generate bash > $(GEN)/completions/$(NAME).bash
	$(BIN) generate zsh > $(GEN)/completions/_$(NAME)
	$(BIN) generate fish > $(GEN)/completions/$(NAME).fish

install: all
	$(INSTALL) -d -m 0755 $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR) \
		$(DESTDIR)$(DATADIR)/$(NAME) $(DESTDIR)$(SYSCONFDIR)/$(NAME)/collectors.d
	$(INSTALL) -m 0755 $(BIN) $(DESTDIR)$(LIBEXECDIR)/$(NAME)
	$(INSTALL) -m 0644 $(GEN)/$(NAME).1 $(DESTDIR)$(MANDIR)/man1/$(NAME).1
	$(INSTALL) -m 0644 $(GEN)/completions/$(NAME).bash $(DESTDIR)$(BASHCOMPDIR)/$(NAME)
	$(INSTALL) -m 0644 $(GEN)/completions/_$(NAME) $(DESTDIR)$(ZSHCOMPDIR)/_$(NAME)
	$(INSTALL) -m 0644 $(GEN)/completions/$(NAME).fish $(DESTDIR)$(FISHCOMPDIR)/$(NAME).fish
	$(INSTALL) -m 0644 data/kernel-series.toml $(DESTDIR)$(DATADIR)/$(NAME)/kernel-series.toml

uninstall:
	rm -f $(DESTDIR)$(LIBEXECDIR)/$(NAME) $(DESTDIR)$(MANDIR)/man1/$(NAME).1 \
		$(DESTDIR)$(BASHCOMPDIR)/$(NAME) $(DESTDIR)$(ZSHCOMPDIR)/_$(NAME) \
		$(DESTDIR)$(FISHCOMPDIR)/$(NAME).fish $(DESTDIR)$(DATADIR)/$(NAME)/kernel-series.toml
	-rmdir $(DESTDIR)$(DATADIR)/$(NAME)
	# Local collector specs are the administrator's: the directory goes only when empty.
	-rmdir $(DESTDIR)$(SYSCONFDIR)/$(NAME)/collectors.d $(DESTDIR)$(SYSCONFDIR)/$(NAME)

check:
	$(CARGO) test $(CARGOFLAGS) -- --include-ignored

clean:
	rm -rf $(GEN)
