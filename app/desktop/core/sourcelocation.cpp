// SPDX-License-Identifier: MIT
#include "sourcelocation.h"

#include <QRegularExpression>

namespace QtPyVenvApp {

SourceLocation tracebackLineLocation(const QString &line)
{
    // Python writes a frame as `File "<name>", line <n>` (", in <function>" after it for a call).
    static const QRegularExpression frame(QStringLiteral(R"re(^\s*File "(.+)", line (\d+)(?:,|$))re"));
    const QRegularExpressionMatch match = frame.match(line);
    if (!match.hasMatch())
        return {};
    return {match.captured(1), match.captured(2).toInt()};
}

SourceLocation errorLocation(const QtPyVenv::Error &error, const QStringList &files)
{
    const QStringList lines = error.traceback.split(QLatin1Char('\n'));
    for (auto it = lines.crbegin(); it != lines.crend(); ++it) {
        const SourceLocation location = tracebackLineLocation(*it);
        if (location.isValid() && files.contains(location.file))
            return location;
    }
    if (error.type != QLatin1String("SyntaxError"))
        return {};
    for (const QString &file : files) {
        const QString prefix = file + QStringLiteral(", line ");
        if (!error.message.startsWith(prefix))
            continue;
        const int line = error.message.mid(prefix.size()).section(QLatin1Char(':'), 0, 0).toInt();
        if (line > 0)
            return {file, line};
    }
    return {};
}

} // namespace QtPyVenvApp
