# SPDX-License-Identifier: GPL-2.0
#
# Top-level build for xtcp: both kernel modules (kbuild, out of tree), the
# kselftest suite and the tools.
#
#   make                 modules + selftests + tools
#   make modules         xtcp.ko and xtcp_igb.ko only
#   make W=1 C=1         extra warnings and sparse, as for any kbuild tree
#   make check           checkpatch --strict on every C file and header
#   make clean
#
# KDIR defaults to the running kernel's build dir when it exists (a machine
# that runs the target kernel), else to the installed Debian 6.12 headers
# (the build machines, whose own kernel is not the one xtcp targets).

KVER_DEFAULT := $(shell ls -d /lib/modules/6.12.*-amd64/build 2>/dev/null | \
			sort -V | tail -n 1 | cut -d/ -f4)
ifneq ($(wildcard /lib/modules/$(shell uname -r)/build/Makefile),)
KDIR ?= /lib/modules/$(shell uname -r)/build
else
KDIR ?= /lib/modules/$(KVER_DEFAULT)/build
endif
export KDIR

XTCP_CACHE ?= /var/cache/xtcp
KSRC_CACHE := $(XTCP_CACHE)/ksrc
export XTCP_CACHE

TOP := $(CURDIR)

.PHONY: all modules module driver selftests tools check clean help

all: modules selftests tools

modules: module driver

module:
	$(MAKE) -C $(KDIR) M=$(TOP)/module modules

driver:
	$(MAKE) -C $(KDIR) M=$(TOP)/driver modules

selftests:
	$(MAKE) -C selftests KSRC_CACHE=$(KSRC_CACHE)

tools:
	$(MAKE) -C tools

check:
	tools/lint.sh

clean:
	$(MAKE) -C $(KDIR) M=$(TOP)/module clean
	$(MAKE) -C $(KDIR) M=$(TOP)/driver clean
	$(MAKE) -C selftests KSRC_CACHE=$(KSRC_CACHE) clean
	$(MAKE) -C tools clean
