// SPDX-License-Identifier: MIT
#pragma once

#include "callmodel.h"

namespace QtPyVenvApp {

/*!
 * What the call details say of \a record: the call with its arguments, then how it stands or
 * ended (its progress while running, its result's summary, or the error with its traceback) and
 * how many partial results it yielded.
 */
QString callSummary(const CallRecord &record);

} // namespace QtPyVenvApp
