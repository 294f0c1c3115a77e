// SPDX-License-Identifier: MIT
#pragma once

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcWorker)  // qtpyvenv.worker: the worker process and its pipes
Q_DECLARE_LOGGING_CATEGORY(lcInstall) // qtpyvenv.install: venv creation and pip
