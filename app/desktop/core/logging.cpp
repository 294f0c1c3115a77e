// SPDX-License-Identifier: MIT
#include "logging.h"

namespace QtPyVenvApp {
Q_LOGGING_CATEGORY(lcApp, "qtpyvenv.app", QtInfoMsg)
Q_LOGGING_CATEGORY(lcAppCall, "qtpyvenv.app.call", QtInfoMsg)
} // namespace QtPyVenvApp
