// SPDX-License-Identifier: MIT
#pragma once

#include <QLoggingCategory>

namespace QtPyVenvApp {
Q_DECLARE_LOGGING_CATEGORY(lcApp)     // qtpyvenv.app: environments, persistence
Q_DECLARE_LOGGING_CATEGORY(lcAppCall) // qtpyvenv.app.call: console calls
} // namespace QtPyVenvApp
