// SPDX-License-Identifier: MIT
#pragma once

#include <QtPyVenv/venv.h>

#include <QString>

namespace QtPyVenvApp {

/*!
 * An error as the banner shows it, in one place: a headline and the lines that explain it
 * (pip's last lines for an install, the traceback with file, line and caret for Python's).
 */
struct ErrorReport {
    QString headline;
    QString details;
};

//! "Type: message", the one line \a error shows as (just the message when it has no type).
QString errorHeadline(const QtPyVenv::Error &error);

//! Splits \a error: an InstallFailed message's first line heads pip's lines that follow it.
ErrorReport errorReport(const QtPyVenv::Error &error);

} // namespace QtPyVenvApp
