// SPDX-License-Identifier: MIT
#include "logging.h"

Q_LOGGING_CATEGORY(lcWorker, "qtpyvenv.worker", QtWarningMsg)
Q_LOGGING_CATEGORY(lcInstall, "qtpyvenv.install", QtWarningMsg)
