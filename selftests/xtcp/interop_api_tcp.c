// SPDX-License-Identifier: GPL-2.0
/*
 * interop_api with the AF_INET variant only: checks every scenario against
 * stock TCP while the AF_XTCP variant (interop_api) is pending.
 */
#define INTEROP_INET_ONLY
#include "interop_api_cases.h"
