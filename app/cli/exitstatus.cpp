// SPDX-License-Identifier: MIT
#include "exitstatus.h"

#include <QTextStream>

int fail(const QString &message, int code)
{
    QTextStream(stderr) << "qtpyvenv-call: " << message << Qt::endl;
    return code;
}

int report(QtPyVenv::Error error)
{
    using QtPyVenv::ErrorCode;
    QTextStream err(stderr);
    if (error.code == ErrorCode::PythonError || error.code == ErrorCode::Cancelled) {
        QString traceback = error.traceback.trimmed();
        if (const QString last = error.type + QStringLiteral(": ") + error.message; traceback.endsWith(last))
            traceback.chop(last.size());
        if (!traceback.trimmed().isEmpty())
            err << traceback.trimmed() << '\n';
    } else if (error.code == ErrorCode::InstallFailed) {
        error.message = error.message.section(QLatin1Char('\n'), 0, 0);
    }
    err << "qtpyvenv-call: " << error.toString() << Qt::endl;
    return error.code == ErrorCode::Cancelled ? ExitInterrupted : ExitFailed;
}
