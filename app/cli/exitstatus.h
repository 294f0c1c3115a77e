// SPDX-License-Identifier: MIT
// qtpyvenv-call's exit status, and the lines on stderr that say why it is not 0.
#pragma once

#include <QtPyVenv/venv.h>

#include <QString>

// 0 done, 1 the call or the venv failed, 2 usage; beside them what a shell reports for a
// process ended by the signal (128 + its number).
constexpr int ExitFailed = 1;
constexpr int ExitUsage = 2;
constexpr int ExitInterrupted = 130; // Ctrl+C: the call was cancelled, or the worker stopped
constexpr int ExitTerminated = 143;  // SIGTERM: the worker was stopped

//! Prints "qtpyvenv-call: \a message" on stderr; returns \a code.
int fail(const QString &message, int code = ExitFailed);

/*!
 * Prints \a error, Python's way round (the traceback, then what went wrong), without what is on
 * the terminal already: pip's and the worker's output were passed through as they came, so the
 * last lines of them that an install or death report carries are left out, and so is the
 * traceback's last line, which the error line says, and the launcher's last stderr lines.
 * Returns the exit code for it.
 */
int report(QtPyVenv::Error error);
