// SPDX-License-Identifier: GPL-2.0
/* Socket API semantics, AF_XTCP vs AF_INET: see interop_api_cases.h. */
#include "interop_api_cases.h"
