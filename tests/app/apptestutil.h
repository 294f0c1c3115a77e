// SPDX-License-Identifier: MIT
// Helpers shared by the desktop app's tests.
#pragma once

#include <QDir>
#include <QFile>
#include <QList>
#include <QProcess>
#include <QString>

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

//! Writes a pure-Python wheel \a name-\a version with one module into \a dir (for hermetic
//! installs with a find-links folder); returns its path, "" on failure.
inline QString buildWheel(const QString &dir, const QString &name, const QString &version,
                          const QString &moduleSource)
{
    const QString script = QStringLiteral(R"PY(
import base64, hashlib, sys, zipfile
out, name, version, source = sys.argv[1:5]
dist = "%s-%s.dist-info" % (name, version)
files = {
    name + ".py": source.encode(),
    dist + "/METADATA": ("Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (name, version)).encode(),
    dist + "/WHEEL": b"Wheel-Version: 1.0\nGenerator: qtpyvenv-app-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
}
record = []
for path, data in files.items():
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    record.append("%s,sha256=%s,%d" % (path, digest, len(data)))
record.append(dist + "/RECORD,,")
files[dist + "/RECORD"] = ("\n".join(record) + "\n").encode()
with zipfile.ZipFile(out, "w") as wheel:
    for path, data in files.items():
        wheel.writestr(path, data)
)PY");
    const QString wheel = QStringLiteral("%1/%2-%3-py3-none-any.whl").arg(dir, name, version);
    QProcess process;
    process.start(QStringLiteral("python3"), {QStringLiteral("-c"), script, wheel, name, version, moduleSource});
    if (!process.waitForFinished(60000) || process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0)
        return {};
    return wheel;
}

} // namespace AppTestUtil
