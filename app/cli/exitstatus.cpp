// SPDX-License-Identifier: MIT
#include "exitstatus.h"

#include <QTextStream>

int fail(const QString &message, int code)
{
    QTextStream(stderr) << "qtpyvenv-call: " << message << Qt::endl;
    return code;
}

namespace {

/*!
 * \a message without the launcher's last stderr lines the library appends to it: they were
 * passed through as the launcher wrote them, so ssh's "Permission denied" is printed once.
 */
QString withoutLauncherLines(const QString &message)
{
    const qsizetype said = message.indexOf(QLatin1String("; the launcher said: "));
    return said < 0 ? message : message.left(said);
}

} // namespace

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
    } else if (error.code == ErrorCode::StartFailed || error.code == ErrorCode::Died) {
        error.message = withoutLauncherLines(error.message);
    }
    err << "qtpyvenv-call: " << error.toString() << Qt::endl;
    return error.code == ErrorCode::Cancelled ? ExitInterrupted : ExitFailed;
}
