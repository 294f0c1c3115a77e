// SPDX-License-Identifier: MIT
// Helpers shared by the desktop app's tests.
#pragma once

#include <QDir>
#include <QFile>
#include <QList>

#include <unistd.h>

namespace AppTestUtil {

//! Pids of the live (not zombie) processes whose parent is this process.
inline QList<qint64> liveChildren()
{
    QList<qint64> children;
    const QByteArray self = QByteArray::number(qint64(::getpid()));
    for (const QString &entry : QDir(QStringLiteral("/proc")).entryList(QDir::Dirs)) {
        bool isPid = false;
        const qint64 pid = entry.toLongLong(&isPid);
        if (!isPid)
            continue;
        QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
        if (!stat.open(QIODevice::ReadOnly))
            continue;
        const QByteArray line = stat.readAll();
        const QList<QByteArray> fields = line.mid(line.lastIndexOf(')') + 2).split(' ');
        if (fields.size() > 1 && fields[1] == self && fields[0] != "Z")
            children.append(pid);
    }
    return children;
}

//! True while \a pid is a live (not zombie) process.
inline bool processAlive(qint64 pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return false;
    const QByteArray line = stat.readAll();
    const qsizetype close = line.lastIndexOf(')');
    const char state = close > 0 && close + 2 < line.size() ? line.at(close + 2) : 0;
    return state != 0 && state != 'Z' && state != 'X';
}

} // namespace AppTestUtil
