// SPDX-License-Identifier: MIT
#include "launcher.h"

#include <QFileInfo>
#include <QStandardPaths>

#include <algorithm>

namespace QtPyVenv::Internal {

namespace {

// srun's shepherd took 1.3 s here to cancel the job of a killed srun (it blocks SIGTERM).
constexpr int LauncherGroupGraceMs = 3000;
// A longer "line" is no message of the launcher's; it is dropped rather than kept growing.
constexpr qsizetype LongestQueueLine = 4096;

// ssh joins the words after the host with spaces into one line for the user's login shell.
bool joinsForRemoteShell(const QString &launcherProgram)
{
    return QFileInfo(launcherProgram).fileName() == QLatin1String("ssh");
}

bool needsNoQuoting(QChar c)
{
    return (c >= QLatin1Char('a') && c <= QLatin1Char('z')) || (c >= QLatin1Char('A') && c <= QLatin1Char('Z'))
        || (c >= QLatin1Char('0') && c <= QLatin1Char('9')) || QStringView(u"_@%+=:,./-").contains(c);
}

} // namespace

QString shellQuoted(const QString &text)
{
    if (!text.isEmpty() && std::all_of(text.begin(), text.end(), needsNoQuoting))
        return text;
    // Inside single quotes everything is literal (newlines too); a quote ends them, is escaped, and
    // they start again.
    QString quoted = text;
    quoted.replace(QLatin1Char('\''), QLatin1String("'\\''"));
    return QLatin1Char('\'') + quoted + QLatin1Char('\'');
}

LauncherQueueWatch::News LauncherQueueWatch::feed(QByteArrayView data)
{
    News news = News::None;
    m_line.append(data);
    qsizetype end;
    while ((end = m_line.indexOf('\n')) >= 0) {
        const QByteArrayView line = QByteArrayView(m_line).first(end);
        if (!m_queued && line.contains("queued and waiting for resources")) {
            m_queued = true;
            news = News::Queued;
        } else if (m_queued && line.contains("has been allocated resources")) {
            m_queued = false;
            news = news == News::Queued ? News::None : News::Allocated;
        }
        m_line.remove(0, end + 1);
    }
    if (m_line.size() > LongestQueueLine)
        m_line.clear();
    return news;
}

bool applyLauncher(const QStringList &launcher, const QString &program, const QStringList &arguments,
                   ChildProcess::Options *options, QString *error)
{
    const QString name = launcher.value(0);
    const QString found = name.contains(QLatin1Char('/')) ? name : QStandardPaths::findExecutable(name);
    if (name.isEmpty() || found.isEmpty()) {
        *error = QStringLiteral("cannot find the launcher program \"%1\" on PATH").arg(name);
        return false;
    }
    options->program = found;
    options->groupGraceMs = LauncherGroupGraceMs;
    options->arguments = launcher.mid(1);
    const bool quote = joinsForRemoteShell(name);
    for (const QString &word : QStringList{program} + arguments)
        options->arguments.append(quote ? shellQuoted(word) : word);
    return true;
}

} // namespace QtPyVenv::Internal
