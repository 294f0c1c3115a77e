// SPDX-License-Identifier: MIT
// The worker's process tree: what it starts dies with it, with close() and with the host, and the
// protocol socket stays out of user code's way.
#include "testutil.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QScopeGuard>
#include <QSet>
#include <QSignalSpy>

#include <csignal>

using namespace QtPyVenv;
using namespace std::chrono_literals;

namespace {

// Children of both kinds: one in the worker's process group, one in a session of its own.
const QString SpawnSource = QStringLiteral(R"PY(
import json, os, subprocess, time

def spawn(report=None):
    plain = subprocess.Popen(["sleep", "1000"])
    own = subprocess.Popen(["sleep", "1000"], start_new_session=True)
    pids = [os.getppid(), os.getpid(), plain.pid, own.pid]
    if report is None:
        return pids
    with open(report + ".part", "w") as file:
        json.dump(pids, file)
    os.rename(report + ".part", report)
    time.sleep(3600)

def leave(code):
    os._exit(code)
)PY");

QString str(const char *text)
{
    return QString::fromUtf8(text);
}

QList<qint64> pidsOf(const QJsonValue &value)
{
    QList<qint64> pids;
    for (const QJsonValue &pid : value.toArray())
        pids.append(pid.toInteger());
    return pids;
}

QList<qint64> alive(const QList<qint64> &pids)
{
    QList<qint64> living;
    for (qint64 pid : pids) {
        if (TestUtil::processAlive(pid))
            living.append(pid);
    }
    return living;
}

// The pids that are still processes, zombies included.
QList<qint64> existing(const QList<qint64> &pids)
{
    QList<qint64> found;
    for (qint64 pid : pids) {
        if (TestUtil::processState(pid) != 0)
            found.append(pid);
    }
    return found;
}

// A failed test must not leave sleeps behind for the next one (nor kill itself: without a guard,
// the worker's parent is the test).
void killAll(const QList<qint64> &pids)
{
    for (qint64 pid : alive(pids)) {
        if (pid != ::getpid())
            ::kill(pid_t(pid), SIGKILL);
    }
}

// What a test that found processes alive says about them: pid, state, parent, name, signals.
QByteArray described(const QList<qint64> &pids)
{
    QByteArray text;
    for (qint64 pid : pids) {
        QFile status(QStringLiteral("/proc/%1/status").arg(pid));
        text += "\n" + QByteArray::number(pid) + ":";
        if (status.open(QIODevice::ReadOnly)) {
            for (const QByteArray &line : status.readAll().split('\n')) {
                if (line.startsWith("Name") || line.startsWith("State") || line.startsWith("PPid")
                    || line.startsWith("Sig") || line.startsWith("Shd") || line.startsWith("Threads"))
                    text += " " + line.simplified();
            }
        }
    }
    return text;
}

qint64 parentOf(qint64 pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return 0;
    const QByteArray line = stat.readAll();
    const QList<QByteArray> fields = line.mid(line.lastIndexOf(')') + 2).split(' ');
    return fields.size() > 1 ? fields[1].toLongLong() : 0;
}

} // namespace

class tst_Process : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void hostKilledTakesTheTreeDown();
    void closeKillsChildrenInTheirOwnSession();
    void workerEndTakesItsChildren_data();
    void workerEndTakesItsChildren();
    void closeWithStoppedGuardStillEnds();
    void protocolSocketIsHidden();
    void channelClosedByUserCodeIsNoticed_data();
    void channelClosedByUserCodeIsNoticed();
    void cleanupTestCase();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
};

void tst_Process::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void tst_Process::hostKilledTakesTheTreeDown()
{
    const QString script = m_dir->path() + str("/spawn.py");
    QFile file(script);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(SpawnSource.toUtf8());
    file.close();
    const QString report = m_dir->path() + str("/pids.json");
    QProcess host;
    host.start(str(QTPYVENV_CALL_TOOL), {str("--python"), TestUtil::python(), str("--base-dir"),
                                         m_dir->path() + str("/base"), str("--source"), script, str("spawn"),
                                         QLatin1Char('"') + report + QLatin1Char('"')});
    QVERIFY(host.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(report), 60000);
    QFile reported(report);
    QVERIFY(reported.open(QIODevice::ReadOnly));
    const QList<qint64> pids = pidsOf(QJsonDocument::fromJson(reported.readAll()).array());
    auto cleanup = qScopeGuard([&] { killAll(pids); });
    QCOMPARE(pids.size(), 4); // guard, worker, plain child, child in its own session
    QCOMPARE(alive(pids), pids);

    host.kill(); // SIGKILL: no destructor runs
    QVERIFY(host.waitForFinished());
    QTRY_VERIFY2_WITH_TIMEOUT(alive(pids).isEmpty(), described(alive(pids)).constData(), 10000);
}

void tst_Process::closeKillsChildrenInTheirOwnSession()
{
    Venv venv(TestUtil::config(m_dir->path(), {SpawnSource}));
    QVERIFY(venv.start().ok());
    QJsonValue result;
    QVERIFY(venv.callAndAwait(str("spawn"), {}, &result).ok());
    const QList<qint64> pids = pidsOf(result);
    auto cleanup = qScopeGuard([&] { killAll(pids); });
    QCOMPARE(alive(pids), pids);
    venv.close();
    // close() returns once the whole tree was reaped, not merely signalled.
    QCOMPARE(existing(pids.mid(1)), QList<qint64>());
    QCOMPARE(existing({pids[0]}), QList<qint64>()); // the guard
}

void tst_Process::workerEndTakesItsChildren_data()
{
    QTest::addColumn<bool>("killed");
    QTest::addColumn<QString>("reported");
    QTest::newRow("SIGKILL") << true << str("was killed by signal 9");
    QTest::newRow("exit code") << false << str("exited with code 3");
}

void tst_Process::workerEndTakesItsChildren()
{
    QFETCH(bool, killed);
    QFETCH(QString, reported);
    Venv venv(TestUtil::config(m_dir->path(), {SpawnSource}));
    QVERIFY(venv.start().ok());
    QSignalSpy died(&venv, &Venv::died);
    QJsonValue result;
    QVERIFY(venv.callAndAwait(str("spawn"), {}, &result).ok());
    const QList<qint64> pids = pidsOf(result);
    auto cleanup = qScopeGuard([&] { killAll(pids); });
    QCOMPARE(pids[1], venv.processId());
    QCOMPARE(alive(pids), pids);

    if (killed)
        QCOMPARE(::kill(pid_t(venv.processId()), SIGKILL), 0);
    else
        venv.call(str("leave"), 3);
    QVERIFY(died.wait(10000));
    const Error error = died.first().first().value<Error>();
    QCOMPARE(error.code, ErrorCode::Died);
    QVERIFY2(error.message.contains(reported), qPrintable(error.message));
    // The guard reaped the tree before it exited, and the host reaped the guard before died().
    QCOMPARE(existing(pids.mid(1)), QList<qint64>());
    QCOMPARE(existing({pids[0]}), QList<qint64>());
    QVERIFY(venv.start().ok());
}

void tst_Process::closeWithStoppedGuardStillEnds()
{
    // A guard that cannot act (stopped here) gets a grace period, then the process group SIGKILL.
    Venv venv(TestUtil::config(m_dir->path(), {SpawnSource}));
    QVERIFY(venv.start().ok());
    const qint64 worker = venv.processId();
    const qint64 guard = parentOf(worker);
    QVERIFY(guard != ::getpid());
    QVERIFY(guard > 0);
    QCOMPARE(::kill(pid_t(guard), SIGSTOP), 0);
    auto cleanup = qScopeGuard([&] { killAll({guard, worker}); });
    venv.close();
    QCOMPARE(TestUtil::processState(guard), '\0');
    QTRY_VERIFY(!TestUtil::processAlive(worker));
}

void tst_Process::protocolSocketIsHidden()
{
    const QString channel = str(R"PY(
import fcntl, os, subprocess, sys

def sockets(pid):
    found = []
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            if os.readlink("/proc/%d/fd/%s" % (pid, fd)).startswith("socket:"):
                found.append(int(fd))
        except OSError:
            pass
    return found

def channel():
    fd = protocol_fd()
    child = subprocess.Popen(["sleep", "1000"], close_fds=False)
    try:
        inherited = sockets(child.pid)
    finally:
        child.kill()
        child.wait()
    return {"fd": fd, "argv": sys.argv, "cloexec": bool(fcntl.fcntl(fd, fcntl.F_GETFD) & fcntl.FD_CLOEXEC),
            "variables": [name for name in os.environ if name.startswith("QTPYVENV")],
            "inherited": inherited, "guard": sockets(os.getppid())}
)PY");
    QSet<int> numbers;
    for (int run = 0; run < 3; ++run) {
        Venv venv(TestUtil::config(m_dir->path(), {TestUtil::ProtocolFdSource, channel}));
        QVERIFY(venv.start().ok());
        QJsonValue result;
        const Error error = venv.callAndAwait(str("channel"), {}, &result);
        QVERIFY2(error.ok(), qPrintable(error.toString() + error.traceback));
        const QJsonObject facts = result.toObject();
        const int fd = facts[str("fd")].toInt();
        QVERIFY(fd > 2);
        // Once it was an argument of its own; other arguments (the frame cap, a temporary path)
        // may contain its digits by chance.
        for (const QJsonValue &argument : facts[str("argv")].toArray())
            QVERIFY2(argument.toString() != QString::number(fd), qPrintable(argument.toString()));
        QCOMPARE(facts[str("variables")].toArray(), QJsonArray());
        QVERIFY(facts[str("cloexec")].toBool());
        QCOMPARE(facts[str("inherited")].toArray(), QJsonArray());
        QCOMPARE(facts[str("guard")].toArray(), QJsonArray()); // the host sees the channel close with the worker's end
        numbers.insert(fd);
        venv.close();
    }
    QVERIFY2(numbers.size() > 1, "three starts put the socket at the same descriptor");
}

void tst_Process::channelClosedByUserCodeIsNoticed_data()
{
    QTest::addColumn<double>("delay");
    QTest::newRow("at once") << 0.0;
    // By then the worker's watcher is blocked reading the socket, which keeps it open in the
    // kernel after the close: only a frame from the host (its keep-alive ping) ends that read.
    QTest::newRow("while the watcher reads") << 0.1;
}

void tst_Process::channelClosedByUserCodeIsNoticed()
{
    QFETCH(double, delay);
    const QString closer = str("import os, time\ndef close_channel():\n    time.sleep(%1)\n"
                               "    os.close(protocol_fd())\n    time.sleep(3600)\n")
                               .arg(delay);
    Venv venv(TestUtil::config(m_dir->path(), {TestUtil::ProtocolFdSource, closer}));
    QVERIFY(venv.start().ok());
    const qint64 worker = venv.processId();
    const Error error = venv.callAndAwait(str("close_channel"), {}, nullptr, QDeadlineTimer(30s));
    QCOMPARE(error.code, ErrorCode::ProtocolError);
    QVERIFY2(error.message.contains(str("closed its protocol channel")), qPrintable(error.message));
    QTRY_VERIFY(!TestUtil::processAlive(worker));
}

void tst_Process::cleanupTestCase()
{
    QCOMPARE(TestUtil::liveChildren(), QList<qint64>());
}

QTEST_GUILESS_MAIN(tst_Process)
#include "tst_process.moc"
