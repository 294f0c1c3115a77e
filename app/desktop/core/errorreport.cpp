// SPDX-License-Identifier: MIT
#include "errorreport.h"

#include "runson.h"

namespace QtPyVenvApp {

QString errorHeadline(const QtPyVenv::Error &error)
{
    return error.type.isEmpty() ? error.message : QStringLiteral("%1: %2").arg(error.type, error.message);
}

ErrorReport errorReport(const QtPyVenv::Error &error)
{
    ErrorReport report;
    // A launcher's own lines (ssh's "Permission denied") go below the message, not run into it.
    report.headline = error.type.isEmpty() ? launcherErrorText(error) : errorHeadline(error);
    report.details = error.traceback;
    if (error.code == QtPyVenv::ErrorCode::InstallFailed) {
        const qsizetype newline = error.message.indexOf(QLatin1Char('\n'));
        if (newline >= 0) {
            report.headline = error.message.left(newline);
            report.details = error.message.mid(newline + 1);
        }
    }
    return report;
}

} // namespace QtPyVenvApp
