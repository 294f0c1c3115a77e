// SPDX-License-Identifier: MIT
// Helpers shared by the QtPyVenv tests.
#pragma once

#include <QtPyVenv/venv.h>

#include <QCborMap>
#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonValue>
#include <QProcess>
#include <QSignalSpy>
#include <QString>
#include <QTemporaryDir>
#include <QTest>

#include <thread>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

//! Fails the test with the error's text unless EXPRESSION (an Error) is ok.
#define QVERIFY_OK(expression)                                                                                         \
    do {                                                                                                               \
        const QtPyVenv::Error error_ = (expression);                                                                   \
        QVERIFY2(error_.ok(), qPrintable(error_.toString()));                                                          \
    } while (false)

//! Calls value() in VENV and compares its result with EXPECTED.
#define QCOMPARE_VALUE(venv, expected)                                                                                 \
    do {                                                                                                               \
        QJsonValue out_;                                                                                               \
        QVERIFY_OK((venv).callAndAwait(QStringLiteral("value"), {}, &out_, QDeadlineTimer(60000)));                    \
        QCOMPARE(out_, QJsonValue(expected));                                                                          \
    } while (false)

namespace TestUtil {

//! Sources whose value() returns VALUE of the module qtpyvenv_probe (a wheel buildWheel() makes).
inline const QString ProbeSource = QStringLiteral("import qtpyvenv_probe\n\n"
                                                  "def value():\n"
                                                  "    return qtpyvenv_probe.VALUE\n");

//! The content of PATH, empty when it cannot be read.
inline QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

inline bool writeFile(const QString &path, const QByteArray &data)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(data) == data.size();
}

//! The byte arrays a spy on a signal like Venv::installOutput saw, joined.
inline QByteArray joined(const QSignalSpy &spy)
{
    QByteArray all;
    for (const QList<QVariant> &arguments : spy)
        all += arguments.at(0).toByteArray();
    return all;
}

//! Whether a spy on Venv::startPhaseChanged saw PHASE.
inline bool phaseSeen(const QSignalSpy &phases, QtPyVenv::StartPhase phase)
{
    return std::any_of(phases.begin(), phases.end(),
                       [&](const QList<QVariant> &args) { return args.first().value<QtPyVenv::StartPhase>() == phase; });
}

//! Runs body(0) ... body(count - 1) on COUNT threads at once and returns when all are done.
template<typename Body>
void runThreads(int count, Body body)
{
    std::vector<std::thread> threads;
    for (int index = 0; index < count; ++index)
        threads.emplace_back(body, index);
    for (auto &thread : threads)
        thread.join();
}

//! UTF-8 text as a QString, for tests built with QT_NO_CAST_FROM_ASCII.
inline QString str(const char *text)
{
    return QString::fromUtf8(text);
}

//! The keys of MAP in its order, as text.
inline QStringList mapKeys(const QCborMap &map)
{
    QStringList keys;
    for (auto it = map.constBegin(); it != map.constEnd(); ++it)
        keys << it.key().toString();
    return keys;
}

//! The bootstrap interpreter the tests use: $QTPYVENV_TEST_PYTHON or python3 on PATH.
inline QString python()
{
    const QString fromEnv = qEnvironmentVariable("QTPYVENV_TEST_PYTHON");
    return fromEnv.isEmpty() ? QStringLiteral("python3") : fromEnv;
}

//! A config in a directory of the test's, so no test touches another's venv.
inline QtPyVenv::Config config(const QString &baseDir, const QStringList &sources = {})
{
    QtPyVenv::Config config;
    config.pythonInterpreter = python();
    // pip's own output is what the tests read; whether uv is on the machine must not change it
    // (tst_installer tests the choice).
    config.installer = QtPyVenv::Installer::Pip;
    config.baseDir = baseDir;
    config.sources = sources;
    return config;
}

/*!
 * Python source defining protocol_fd(): the worker's end of the protocol socket, which user code
 * can still find on purpose as the only socket in /proc/self/fd (for tests that write to it); and
 * frame_lane_fd(): the pipe for the worker's small frames, the next number (docs/protocol.md).
 */
inline const QString ProtocolFdSource = QStringLiteral(R"PY(
import os
def protocol_fd():
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink("/proc/self/fd/" + fd).startswith("socket:"):
                return int(fd)
        except OSError:
            pass

def frame_lane_fd():
    fd = protocol_fd() + 1
    assert os.readlink("/proc/self/fd/%d" % fd).startswith("pipe:")
    return fd
)PY");

//! Every entry under DIR with its type, size, mode, mtime and content (or link target): equal
//! lists mean nothing under DIR changed.
inline QStringList treeSnapshot(const QString &dir)
{
    QStringList entries;
    QDirIterator it(dir, QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        struct stat st;
        if (::lstat(QFile::encodeName(path).constData(), &st) != 0)
            continue;
        QByteArray content = S_ISLNK(st.st_mode) ? QFile::encodeName(QFile::symLinkTarget(path)) : QByteArray();
        if (S_ISREG(st.st_mode))
            content = QCryptographicHash::hash(readAll(path), QCryptographicHash::Sha256).toHex();
        entries.append(QStringLiteral("%1 %2 %3 %4.%5 %6")
                           .arg(path.mid(dir.size()))
                           .arg(st.st_mode, 0, 8)
                           .arg(qlonglong(st.st_size))
                           .arg(qlonglong(st.st_mtim.tv_sec))
                           .arg(qlonglong(st.st_mtim.tv_nsec))
                           .arg(QString::fromUtf8(content)));
    }
    entries.sort();
    return entries;
}

//! State letter of /proc/PID/stat ('Z' zombie), or 0 when there is no such process.
inline char processState(qint64 pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return 0;
    const QByteArray line = stat.readAll();
    const qsizetype close = line.lastIndexOf(')');
    return close > 0 && close + 2 < line.size() ? line.at(close + 2) : 0;
}

//! True while PID is a live (not zombie) process.
inline bool processAlive(qint64 pid)
{
    const char state = processState(pid);
    return state != 0 && state != 'Z' && state != 'X';
}

//! Pids of the live processes whose parent is this process (the tests' orphan check).
inline QList<qint64> liveChildren()
{
    QList<qint64> children;
    const QString self = QString::number(::getpid());
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
        if (fields.size() > 1 && fields[1] == self.toLatin1() && fields[0] != "Z")
            children.append(pid);
    }
    return children;
}

//! Processes whose command line mentions NEEDLE (to find workers left behind by a dead host).
inline QList<qint64> processesMentioning(const QByteArray &needle)
{
    QList<qint64> found;
    for (const QString &entry : QDir(QStringLiteral("/proc")).entryList(QDir::Dirs)) {
        bool isPid = false;
        const qint64 pid = entry.toLongLong(&isPid);
        if (!isPid || pid == ::getpid())
            continue;
        QFile cmdline(QStringLiteral("/proc/%1/cmdline").arg(pid));
        if (cmdline.open(QIODevice::ReadOnly) && cmdline.readAll().contains(needle) && processAlive(pid))
            found.append(pid);
    }
    return found;
}

//! The /proc/self/task entry of this process's thread called NAME, or empty.
inline QString threadNamed(const QByteArray &name)
{
    const QString tasks = QStringLiteral("/proc/self/task/");
    for (const QString &tid : QDir(tasks).entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile comm(tasks + tid + QStringLiteral("/comm"));
        if (comm.open(QIODevice::ReadOnly) && comm.readAll().trimmed() == name)
            return tasks + tid;
    }
    return {};
}

//! How often the thread at TASK (from threadNamed()) was switched out, waiting or preempted.
inline qint64 contextSwitches(const QString &task)
{
    QFile status(task + QStringLiteral("/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    qint64 count = 0;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("voluntary_ctxt_switches:") || line.startsWith("nonvoluntary_ctxt_switches:"))
            count += line.mid(line.indexOf(':') + 1).trimmed().toLongLong();
    }
    return count;
}

//! How many descriptors this process's epoll instances watch (the tfd lines of their fdinfo).
inline int epollWatchedFds()
{
    const QString fds = QStringLiteral("/proc/self/fd/");
    int watched = 0;
    for (const QString &fd : QDir(fds).entryList(QDir::Files | QDir::System | QDir::NoDotAndDotDot)) {
        char target[64] = {};
        const QByteArray link = QFile::encodeName(fds + fd);
        if (::readlink(link.constData(), target, sizeof target - 1) <= 0 || QByteArrayView(target) != "anon_inode:[eventpoll]")
            continue;
        QFile info(QStringLiteral("/proc/self/fdinfo/") + fd);
        if (info.open(QIODevice::ReadOnly))
            watched += int(info.readAll().count("tfd:"));
    }
    return watched;
}

//! Whether pip's failure says it could not reach the package index (the one reason for the
//! third-party tests to skip).
inline bool indexUnreachable(const QString &message)
{
    static const char *const signs[] = {
        "Failed to establish a new connection", "Temporary failure in name resolution",
        "Name or service not known", "Network is unreachable", "Max retries exceeded",
        "ConnectTimeoutError", "ReadTimeoutError", "ProxyError", "No matching distribution found",
    };
    for (const char *sign : signs) {
        if (message.contains(QLatin1String(sign)))
            return true;
    }
    return false;
}

/*!
 * Starts a Venv on CONFIG in the background, waits until its install output holds STARTED and
 * closes it: close() must be quick and leave no process mentioning any of NEEDLES.
 */
inline void closeWhileInstalling(const QtPyVenv::Config &config, const QByteArray &started,
                                 const QList<QByteArray> &needles)
{
    QtPyVenv::Venv venv(config);
    QSignalSpy install(&venv, &QtPyVenv::Venv::installOutput);
    venv.startAsync();
    QTRY_VERIFY_WITH_TIMEOUT(joined(install).contains(started), 30000);
    for (const QByteArray &needle : needles) // the tool runs, and what it started
        QTRY_VERIFY_WITH_TIMEOUT(!processesMentioning(needle).isEmpty(), 30000);
    QElapsedTimer timer;
    timer.start();
    venv.close();
    QVERIFY2(timer.elapsed() < 5000, qPrintable(QString::number(timer.elapsed())));
    QCOMPARE(venv.state(), QtPyVenv::State::Closed);
    QCOMPARE(liveChildren(), QList<qint64>());
    for (const QByteArray &needle : needles)
        QTRY_VERIFY(processesMentioning(needle).isEmpty());
}

/*!
 * Writes a minimal pure-Python wheel NAME-VERSION-py3-none-any.whl into DIR whose module
 * NAME holds MODULESOURCE, using only Python's zipfile: pip installs it with --no-index.
 * DEPENDENCIES become its Requires-Dist lines.
 */
inline QString buildWheel(const QString &dir, const QString &name, const QString &version,
                          const QString &moduleSource, const QStringList &dependencies = {})
{
    const QString script = QStringLiteral(R"PY(
import base64, hashlib, sys, zipfile
out, name, version, source = sys.argv[1:5]
dist = "%s-%s.dist-info" % (name, version)
requires = "".join("Requires-Dist: %s\n" % d for d in sys.argv[5:])
files = {
    name + ".py": source.encode(),
    dist + "/METADATA": ("Metadata-Version: 2.1\nName: %s\nVersion: %s\n%s" % (name, version, requires)).encode(),
    dist + "/WHEEL": b"Wheel-Version: 1.0\nGenerator: qtpyvenv-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
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
    process.start(python(), QStringList{QStringLiteral("-c"), script, wheel, name, version, moduleSource} + dependencies);
    if (!process.waitForFinished(60000) || process.exitCode() != 0)
        return {};
    return wheel;
}

} // namespace TestUtil
