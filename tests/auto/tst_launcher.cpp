// SPDX-License-Identifier: MIT
// Config::launcher: the worker runs through a command prefix and speaks the protocol over that
// command's stdin and stdout, forwarding its own fd 1 and fd 2 as output frames.
#include "testutil.h"

#include "launcher.h"

#include <QCborArray>
#include <QCborMap>
#include <QDir>
#include <QJsonArray>
#include <QJsonObject>
#include <QStandardPaths>

#include <csignal>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace QtPyVenv;
using TestUtil::str;

namespace {

const QString Source = str(R"PY(
import os, subprocess, sys, time

def echo(value):
    return value

def blob(n):
    return bytes(range(256)) * (n // 256)

def talk(tag):
    print("print", tag)
    os.write(1, b"fd1 %s\n" % tag.encode())
    subprocess.run([sys.executable, "-c", "print('child', %r)" % tag], check=True)
    sys.stderr.write("err %s\n" % tag)
    os.write(2, b"fd2 %s\n" % tag.encode())
    return tag

def quick(n):
    os.write(1, b"quick %d\n" % n)
    return n

def storm(kb):
    line = "x" * 1023 + "\n"
    for _ in range(kb):
        sys.stdout.write(line)
        os.write(1, line.encode())
    print("storm over")
    return kb

def sleep(seconds):
    time.sleep(seconds)
    return seconds

def spin():
    while True:
        pass

def hold_gil():
    import re
    return bool(re.match(r"(a*)*b", "a" * 64))  # backtracks for ages without letting go of the GIL

def leave():
    os._exit(3)

def child():
    return subprocess.Popen(["sleep", "300"]).pid

def later(text):
    import threading
    threading.Timer(0.1, lambda: os.write(1, text.encode())).start()
)PY");

//! The parent pid of PID, 0 when it is gone.
qint64 parentOf(qint64 pid)
{
    const QByteArray stat = TestUtil::readAll(QStringLiteral("/proc/%1/stat").arg(pid));
    const QList<QByteArray> fields = stat.mid(stat.lastIndexOf(')') + 2).split(' ');
    return fields.size() > 1 ? fields[1].toLongLong() : 0;
}

//! The process this test started for the worker whose pid is WORKER: the launcher.
qint64 launchedProcess(qint64 worker)
{
    for (qint64 pid = worker; pid > 1; pid = parentOf(pid)) {
        if (parentOf(pid) == ::getpid())
            return pid;
    }
    return 0;
}

} // namespace

class tst_Launcher : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void shellQuoting_data();
    void shellQuoting();
    void sshArgumentsAreQuoted();
    void queueNewsFromSrun();

    void callsAndValues_data() { launchers(); }
    void callsAndValues();
    void outputIsForwarded_data() { launchers(); }
    void outputIsForwarded();
    void outputAfterAwaitedCallsArrives();
    void printStormKeepsProtocol_data() { launchers(); }
    void printStormKeepsProtocol();
    void cancelWorks_data() { launchers(); }
    void cancelWorks();
    void killedLauncherIsDiedAndRestarts_data() { launchers(); }
    void killedLauncherIsDiedAndRestarts();
    void launcherMessagesInDied();
    void closeLeavesNoProcess_data() { launchers(); }
    void closeLeavesNoProcess();
    void workerEndsAtEndOfInput_data();
    void workerEndsAtEndOfInput();

    void failingLauncherIsStartFailed_data();
    void failingLauncherIsStartFailed();
    void launcherWritingToStdoutIsExplained();
    void throughFakeSshWithAwkwardPath();
    void preparedWhereTheLauncherRuns();
    void emptyBaseDirIsTemporaryOnTheFarSide();
    void farInstallFailureIsInstallFailed();
    void closeDuringFarInstallLeavesNoProcess();

private:
    void launchers();
    Config config(const QStringList &launcher, const QString &baseDir = {}) const;
    std::unique_ptr<QTemporaryDir> m_dir;
};

void tst_Launcher::initTestCase()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void tst_Launcher::launchers()
{
    QTest::addColumn<QStringList>("launcher");
    QTest::newRow("env") << QStringList{str("env")};
    QTest::newRow("sh exec") << QStringList{str("sh"), str("-c"), str("exec \"$@\""), str("launch")};
    // A launcher that stays, as ssh and srun do: the worker is its child.
    QTest::newRow("sh stays") << QStringList{str("sh"), str("-c"), str("\"$@\"; exit $?"), str("launch")};
    // The worker's stdin and stdout are pipes, as under sshd.
    QTest::newRow("pipes") << QStringList{str("sh"), str("-c"), str("cat | \"$@\" | cat"), str("launch")};
}

// One venv for all: the launcher does not change it.
Config tst_Launcher::config(const QStringList &launcher, const QString &baseDir) const
{
    Config config = TestUtil::config(baseDir.isEmpty() ? m_dir->path() : baseDir, {Source});
    config.removeBaseDirOnClose = false;
    config.launcher = launcher;
    config.cancelGracePeriod = std::chrono::milliseconds(-1);
    return config;
}

void tst_Launcher::shellQuoting_data()
{
    QTest::addColumn<QString>("word");
    QTest::addColumn<QString>("quoted");
    QTest::newRow("plain") << str("/usr/bin/python3.11") << str("/usr/bin/python3.11");
    QTest::newRow("empty") << QString() << str("''");
    QTest::newRow("space") << str("a b") << str("'a b'");
    QTest::newRow("quote") << str("it's") << str("'it'\\''s'");
    QTest::newRow("dollar") << str("$HOME") << str("'$HOME'");
    QTest::newRow("newline") << str("a\nb") << str("'a\nb'");
    QTest::newRow("glob and semicolon") << str("*;rm") << str("'*;rm'");
}

void tst_Launcher::shellQuoting()
{
    QFETCH(QString, word);
    QFETCH(QString, quoted);
    QCOMPARE(Internal::shellQuoted(word), quoted);
    // And a POSIX shell reads it back as that one word.
    QProcess shell;
    shell.start(str("sh"), {str("-c"), str("printf '%s' ") + Internal::shellQuoted(word)});
    QVERIFY(shell.waitForFinished());
    QCOMPARE(QString::fromUtf8(shell.readAllStandardOutput()), word);
}

void tst_Launcher::sshArgumentsAreQuoted()
{
    Internal::ChildProcess::Options options;
    QString error;
    QVERIFY(Internal::applyLauncher({str("ssh"), str("-p"), str("2222"), str("host")}, str("/a b/python"), {str("$x")},
                                    &options, &error));
    QVERIFY(options.program.endsWith(str("/ssh")) || !options.program.isEmpty());
    QCOMPARE(options.arguments, (QStringList{str("-p"), str("2222"), str("host"), str("'/a b/python'"), str("'$x'")}));
    QVERIFY(Internal::applyLauncher({str("env")}, str("/a b/python"), {str("$x")}, &options, &error));
    QCOMPARE(options.arguments, (QStringList{str("/a b/python"), str("$x")}));
}

void tst_Launcher::queueNewsFromSrun()
{
    using News = Internal::LauncherQueueWatch::News;
    Internal::LauncherQueueWatch watch;
    QCOMPARE(watch.feed("srun: warning: something\nsrun: job 12 queued and wai"), News::None);
    QCOMPARE(watch.feed("ting for resources\n"), News::Queued); // a line split across reads
    QCOMPARE(watch.feed("srun: job 12 queued and waiting for resources\n"), News::None);
    QCOMPARE(watch.feed("srun: job 12 has been allocated resources\n"), News::Allocated);
    QCOMPARE(watch.feed("srun: job 12 has been allocated resources\n"), News::None);
    QCOMPARE(watch.feed("srun: job 13 queued and waiting for resources\nsrun: job 13 has been allocated resources\n"),
             News::None);
}

void tst_Launcher::callsAndValues()
{
    QFETCH(QStringList, launcher);
    Venv venv(config(launcher));
    QVERIFY_OK(venv.start(QDeadlineTimer(120000)));
    QJsonValue out;
    const QJsonObject rich{{str("text"), str("héllo \"quoted\"\n")}, {str("list"), QJsonArray{1, 2.5, true, QJsonValue()}}};
    QVERIFY_OK(venv.callAndAwait(str("echo"), rich, &out, QDeadlineTimer(30000)));
    QCOMPARE(out, QJsonValue(rich));

    // A big blob travels as a frame part; the output pipes are not in its way.
    QCborValue blob;
    QVERIFY_OK(venv.invokeAndAwait(str("blob"), Arguments{QCborArray{8 << 20}, {}}, &blob, QDeadlineTimer(60000)));
    QVERIFY(blob.isByteArray());
    QCOMPARE(blob.toByteArray().size(), 8 << 20);
    QCOMPARE(blob.toByteArray().at(257), char(1));
    QCborValue back;
    QVERIFY_OK(venv.invokeAndAwait(str("echo"), Arguments{QCborArray{blob}, {}}, &back, QDeadlineTimer(60000)));
    QCOMPARE(back.toByteArray(), blob.toByteArray());
    venv.close();
}

void tst_Launcher::outputIsForwarded()
{
    QFETCH(QStringList, launcher);
    Venv venv(config(launcher));
    QVERIFY_OK(venv.start(QDeadlineTimer(120000)));
    QByteArray out, err;
    bool outBeforeFinished = false;
    connect(&venv, &Venv::stdoutReceived, this, [&](const QByteArray &data) { out += data; });
    connect(&venv, &Venv::stderrReceived, this, [&](const QByteArray &data) { err += data; });
    connect(&venv, &Venv::callFinished, this, [&] {
        outBeforeFinished = out.contains("child one") && out.contains("fd1 one") && err.contains("fd2 one");
    });
    QSignalSpy finished(&venv, &Venv::callFinished);
    venv.call(str("talk"), str("one"));
    QVERIFY(finished.wait(30000));
    QVERIFY2(outBeforeFinished, out.constData());
    QCOMPARE(out, QByteArray("print one\nfd1 one\nchild one\n"));
    QCOMPARE(err, QByteArray("err one\nfd2 one\n"));
    QCOMPARE(venv.tailStdOut(), out);
    QVERIFY(venv.tailStdErr().endsWith("err one\nfd2 one\n"));

    // Output written just before returning, while the forwarding thread waits for the GIL.
    QHash<QString, QByteArray> expected;
    QStringList early;
    connect(&venv, &Venv::callFinished, this, [&](const QString &id) {
        if (!out.contains(expected.value(id)))
            early << id;
    });
    for (int n = 0; n < 50; ++n)
        expected.insert(venv.call(str("quick"), n), "quick " + QByteArray::number(n) + '\n');
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 51, 30000);
    QVERIFY2(early.isEmpty(), qPrintable(early.join(str(", "))));
    venv.close();
}

// Output frames that come when no call is under way, after awaited calls whose caller read the
// socket (and left it out of the I/O thread's poll set for a moment), still arrive.
void tst_Launcher::outputAfterAwaitedCallsArrives()
{
    Venv venv(config({str("env")}));
    QVERIFY_OK(venv.start(QDeadlineTimer(120000)));
    QByteArray out;
    connect(&venv, &Venv::stdoutReceived, this, [&](const QByteArray &data) { out += data; });
    QVERIFY_OK(venv.callAndAwait(str("later"), str("after the calls\n")));
    for (int i = 0; i < 20; ++i)
        QVERIFY_OK(venv.callAndAwait(str("echo"), i));
    QTRY_COMPARE(out, QByteArray("after the calls\n"));
}

void tst_Launcher::printStormKeepsProtocol()
{
    QFETCH(QStringList, launcher);
    Config cfg = config(launcher);
    cfg.outputBufferKb = 64;
    Venv venv(cfg);
    QVERIFY_OK(venv.start(QDeadlineTimer(120000)));
    QJsonValue out;
    QVERIFY_OK(venv.callAndAwait(str("storm"), 8192, &out, QDeadlineTimer(120000))); // 16 MiB
    QCOMPARE(out.toInt(), 8192);
    QVERIFY(venv.tailStdOut().endsWith("storm over\n"));
    QVERIFY(venv.tailStdOut().size() <= 2 * 64 * 1024);
    QVERIFY_OK(venv.callAndAwait(str("echo"), str("after"), &out, QDeadlineTimer(30000)));
    QCOMPARE(out.toString(), str("after"));
    venv.close();
}

void tst_Launcher::cancelWorks()
{
    QFETCH(QStringList, launcher);
    Venv venv(config(launcher));
    QVERIFY_OK(venv.start(QDeadlineTimer(120000)));
    QSignalSpy started(&venv, &Venv::callStarted);
    QSignalSpy finished(&venv, &Venv::callFinished);
    const QString id = venv.call(str("spin"));
    QVERIFY(started.wait(30000));
    venv.cancel(id);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 30000);
    QCOMPARE(finished.first().at(1).value<Error>().code, ErrorCode::Cancelled);
    QJsonValue out;
    QVERIFY_OK(venv.callAndAwait(str("echo"), 7, &out, QDeadlineTimer(30000)));
    QCOMPARE(out.toInt(), 7);
    venv.close();
}

void tst_Launcher::killedLauncherIsDiedAndRestarts()
{
    QFETCH(QStringList, launcher);
    Venv venv(config(launcher));
    QVERIFY_OK(venv.start(QDeadlineTimer(120000)));
    const qint64 worker = venv.processId();
    const qint64 launched = launchedProcess(worker);
    QVERIFY(launched > 0);
    QSignalSpy died(&venv, &Venv::died);
    QSignalSpy finished(&venv, &Venv::callFinished);
    venv.call(str("sleep"), 300);
    ::kill(pid_t(launched), SIGKILL);
    QVERIFY(died.wait(30000));
    QCOMPARE(died.first().at(0).value<Error>().code, ErrorCode::Died);
    QVERIFY(died.first().at(0).value<Error>().message.contains(launcher.first()));
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(!TestUtil::processAlive(worker), 10000);

    QVERIFY_OK(venv.start(QDeadlineTimer(120000)));
    QJsonValue out;
    QVERIFY_OK(venv.callAndAwait(str("echo"), 3, &out, QDeadlineTimer(30000)));
    QCOMPARE(out.toInt(), 3);
    venv.close();
}

// As ssh reports a connection that broke: the launcher's last words are in died()'s message.
void tst_Launcher::launcherMessagesInDied()
{
    Venv venv(config({str("sh"), str("-c"), str("\"$@\"; echo 'Connection to gpu-box closed.' >&2; exit 255"), str("launch")}));
    QVERIFY_OK(venv.start(QDeadlineTimer(120000)));
    QSignalSpy died(&venv, &Venv::died);
    venv.call(str("leave"));
    QVERIFY(died.wait(30000));
    const Error error = died.first().at(0).value<Error>();
    QCOMPARE(error.code, ErrorCode::Died);
    QVERIFY2(error.message.contains(str("exited with code 255; the launcher said: Connection to gpu-box closed.")),
             qPrintable(error.message));
    venv.close();
}

void tst_Launcher::closeLeavesNoProcess()
{
    QFETCH(QStringList, launcher);
    Venv venv(config(launcher));
    QVERIFY_OK(venv.start(QDeadlineTimer(120000)));
    const qint64 worker = venv.processId();
    const qint64 launched = launchedProcess(worker);
    QJsonValue sleeper;
    QVERIFY_OK(venv.callAndAwait(str("child"), {}, &sleeper, QDeadlineTimer(30000)));
    venv.call(str("sleep"), 300);
    venv.close();
    for (const qint64 pid : {worker, launched, qint64(sleeper.toInteger())})
        QTRY_VERIFY_WITH_TIMEOUT(!TestUtil::processAlive(pid), 10000);
    QVERIFY(TestUtil::liveChildren().isEmpty());
}

// A launcher that leaves the worker out of reach of the host's signals (as ssh does: the worker
// runs on another machine): killing it ends the worker through end of input, its children too.
void tst_Launcher::workerEndsAtEndOfInput_data()
{
    QTest::addColumn<QString>("running");
    QTest::newRow("idle") << QString();
    // Native code holds the GIL: the worker cannot see the end; its guard does.
    QTest::newRow("GIL held") << str("hold_gil");
}

void tst_Launcher::workerEndsAtEndOfInput()
{
    QFETCH(QString, running);
    if (QStandardPaths::findExecutable(str("setsid")).isEmpty())
        QSKIP("no setsid");
    Venv venv(config({str("setsid"), str("-w")}));
    QVERIFY_OK(venv.start(QDeadlineTimer(120000)));
    const qint64 worker = venv.processId();
    QJsonValue sleeper;
    QVERIFY_OK(venv.callAndAwait(str("child"), {}, &sleeper, QDeadlineTimer(30000)));
    QSignalSpy died(&venv, &Venv::died);
    if (!running.isEmpty()) {
        QSignalSpy started(&venv, &Venv::callStarted);
        venv.call(running);
        QVERIFY(started.wait(30000));
    }
    ::kill(pid_t(launchedProcess(worker)), SIGKILL);
    QVERIFY(died.wait(30000));
    QTRY_VERIFY_WITH_TIMEOUT(!TestUtil::processAlive(worker), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(!TestUtil::processAlive(sleeper.toInteger()), 10000);
    venv.close();
}

void tst_Launcher::failingLauncherIsStartFailed_data()
{
    QTest::addColumn<QStringList>("launcher");
    QTest::addColumn<QString>("said");
    QTest::addColumn<bool>("onStderr"); // the launcher wrote it
    QTest::newRow("false") << QStringList{str("false")} << str("exited with code 1") << false;
    QTest::newRow("missing program") << QStringList{str("qtpyvenv-no-such-launcher")}
                                     << str("cannot find the launcher program \"qtpyvenv-no-such-launcher\"") << false;
    QTest::newRow("ssh refused") << QStringList{str("sh"), str("-c"), str("echo 'Permission denied (publickey).' >&2; exit 255")}
                                 << str("Permission denied (publickey).") << true;
}

void tst_Launcher::failingLauncherIsStartFailed()
{
    QFETCH(QStringList, launcher);
    QFETCH(QString, said);
    QFETCH(bool, onStderr);
    Venv venv(config(launcher));
    QSignalSpy failed(&venv, &Venv::startFailed);
    QByteArray installOutput, stderrOutput;
    connect(&venv, &Venv::installOutput, this, [&](const QByteArray &data) { installOutput += data; });
    connect(&venv, &Venv::stderrReceived, this, [&](const QByteArray &data) { stderrOutput += data; });
    const Error error = venv.start(QDeadlineTimer(120000));
    QCOMPARE(error.code, ErrorCode::StartFailed);
    QVERIFY2(error.message.contains(said), qPrintable(error.message));
    QTRY_COMPARE(failed.size(), 1);
    // Before the worker answers, what the launcher says is start output, once: not also stderr.
    if (onStderr)
        QVERIFY2(installOutput.contains(said.toUtf8()), installOutput.constData());
    QVERIFY2(!stderrOutput.contains(said.toUtf8()), stderrOutput.constData());
    QVERIFY(!venv.tailStdErr().contains(said.toUtf8()));
    QCOMPARE(venv.state(), State::Idle);
    QVERIFY(TestUtil::liveChildren().isEmpty());
}

// A login script that greets on stdout puts bytes before the first frame.
void tst_Launcher::launcherWritingToStdoutIsExplained()
{
    Venv venv(config({str("sh"), str("-c"), str("echo 'Welcome to gpu-box'; exec \"$@\""), str("launch")}));
    const Error error = venv.start(QDeadlineTimer(120000));
    QCOMPARE(error.code, ErrorCode::ProtocolError);
    QVERIFY2(error.message.contains(str("login script write to stdout")), qPrintable(error.message));
    QCOMPARE(venv.state(), State::Idle);
}

// A stand-in for ssh: it drops the host and hands the rest, joined by spaces, to a shell, as
// sshd does with the remote user's shell. The venv sits under a path that needs quoting there.
void tst_Launcher::throughFakeSshWithAwkwardPath()
{
    const QString bin = m_dir->filePath(str("bin"));
    QVERIFY(QDir().mkpath(bin));
    const QString ssh = bin + str("/ssh");
    QVERIFY(TestUtil::writeFile(ssh, "#!/bin/sh\nshift\nexec sh -c \"$*\"\n"));
    QVERIFY(QFile::setPermissions(ssh, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
    const QString awkward = m_dir->filePath(str("it's a $HOME dir"));
    Venv venv(config({ssh, str("fake-host")}, awkward));
    QVERIFY_OK(venv.start(QDeadlineTimer(120000)));
    QJsonValue out;
    QVERIFY_OK(venv.callAndAwait(str("echo"), str("through ssh"), &out, QDeadlineTimer(30000)));
    QCOMPARE(out.toString(), str("through ssh"));
    venv.close();
}

// Everything that prepares the environment happens where the launcher runs: `env --chdir` runs
// the bootstrap in another folder, where a relative baseDir is then made, venv, install and all.
void tst_Launcher::preparedWhereTheLauncherRuns()
{
    const QString farSide = m_dir->filePath(str("far-side"));
    const QString wheels = m_dir->filePath(str("wheels"));
    QVERIFY(QDir().mkpath(farSide) && QDir().mkpath(wheels));
    QVERIFY(!TestUtil::buildWheel(wheels, str("qtpyvenv_probe"), str("1.0"), str("VALUE = 'far'\n")).isEmpty());
    Config cfg = config({str("env"), str("--chdir=") + farSide}, str("relative-base"));
    cfg.baseDir = str("relative-base");
    cfg.sources = {TestUtil::ProbeSource};
    cfg.requirements = {str("qtpyvenv_probe")};
    cfg.pipOptions = {str("--no-index"), str("--find-links"), wheels};
    for (const bool first : {true, false}) {
        Venv venv(cfg);
        QSignalSpy phases(&venv, &Venv::startPhaseChanged);
        QSignalSpy install(&venv, &Venv::installOutput);
        QVERIFY_OK(venv.start(QDeadlineTimer(180000)));
        QCOMPARE(venv.config().baseDir, str("relative-base")); // a path on the far side, as given
        QTRY_VERIFY(TestUtil::phaseSeen(phases, StartPhase::Launching));
        // Installed once: the second start finds the requirement key unchanged.
        QCOMPARE(TestUtil::phaseSeen(phases, StartPhase::CreatingVenv), first);
        QCOMPARE(TestUtil::phaseSeen(phases, StartPhase::Installing), first);
        if (first)
            QVERIFY2(TestUtil::joined(install).contains("Successfully installed qtpyvenv_probe"), TestUtil::joined(install));
        QCOMPARE_VALUE(venv, str("far"));
        QCOMPARE(venv.pythonExecutable(), farSide + str("/relative-base/venv/bin/python"));
        QVERIFY(QFile::exists(farSide + str("/relative-base/meta/state.json")));
        QVERIFY(!QFile::exists(str("relative-base")));
        venv.close();
    }

    // A state.json cut short says nothing, as on this machine: the venv is then not known to be
    // the library's, and is not installed into; a plain InstallFailed, not a traceback.
    QVERIFY(TestUtil::writeFile(farSide + str("/relative-base/meta/state.json"), "{\"requirementsKey\": \"ab"));
    Venv venv(cfg);
    const Error error = venv.start(QDeadlineTimer(180000));
    QCOMPARE(error.code, ErrorCode::InstallFailed);
    QVERIFY2(error.message.contains(str("was not made by QtPyVenv")), qPrintable(error.message));
}

// An empty baseDir with a launcher is a new folder in the far side's temporary directory,
// removed when that worker ends.
void tst_Launcher::emptyBaseDirIsTemporaryOnTheFarSide()
{
    Config cfg = config({str("env")});
    cfg.baseDir.clear();
    cfg.sources = {str("import sys\n\ndef prefix():\n    return sys.prefix\n")};
    Venv venv(cfg);
    QVERIFY_OK(venv.start(QDeadlineTimer(120000)));
    QVERIFY(venv.config().baseDir.isEmpty());
    QJsonValue prefix;
    QVERIFY_OK(venv.callAndAwait(str("prefix"), {}, &prefix, QDeadlineTimer(30000)));
    const QString baseDir = QFileInfo(prefix.toString()).path();
    QVERIFY2(QFileInfo(baseDir).fileName().startsWith(str("qtpyvenv-")), qPrintable(baseDir));
    QVERIFY(QFile::exists(baseDir + str("/meta/qtpyvenv_worker.py")));
    venv.close();
    QTRY_VERIFY_WITH_TIMEOUT(!QFile::exists(baseDir), 10000);
}

void tst_Launcher::farInstallFailureIsInstallFailed()
{
    const QString empty = m_dir->filePath(str("no-wheels"));
    QVERIFY(QDir().mkpath(empty));
    Config cfg = config({str("env")}, m_dir->filePath(str("far-install-fails")));
    cfg.requirements = {str("qtpyvenv_not_there")};
    cfg.pipOptions = {str("--no-index"), str("--find-links"), empty};
    Venv venv(cfg);
    QSignalSpy failed(&venv, &Venv::startFailed);
    const Error error = venv.start(QDeadlineTimer(120000));
    QCOMPARE(error.code, ErrorCode::InstallFailed);
    QVERIFY2(error.message.contains(str("pip install failed")) && error.message.contains(str("qtpyvenv_not_there")),
             qPrintable(error.message));
    QTRY_COMPARE(failed.size(), 1);
    QCOMPARE(venv.state(), State::Idle);
    QTRY_VERIFY(TestUtil::liveChildren().isEmpty());
}

// close() while pip runs on the far side, out of reach of the host's signals as under ssh: the
// bootstrap sees the host go and ends pip with it. pip waits on an index that takes connections
// and never answers.
void tst_Launcher::closeDuringFarInstallLeavesNoProcess()
{
    if (QStandardPaths::findExecutable(str("setsid")).isEmpty())
        QSKIP("no setsid");
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    QVERIFY(listener >= 0);
    const auto closeListener = qScopeGuard([&] { ::close(listener); });
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    QCOMPARE(::bind(listener, reinterpret_cast<sockaddr *>(&address), sizeof address), 0);
    QCOMPARE(::listen(listener, 16), 0);
    QCOMPARE(::getsockname(listener, reinterpret_cast<sockaddr *>(&address), &size), 0);
    const QByteArray marker = "qtpyvenv_silent_index_package";
    Config cfg = config({str("setsid"), str("-w")}, m_dir->filePath(str("far-install-closed")));
    cfg.requirements = {QString::fromLatin1(marker)};
    cfg.pipOptions = {str("--index-url"), str("http://127.0.0.1:%1/simple").arg(ntohs(address.sin_port)),
                      str("--timeout"), str("120"), str("--retries"), str("0")};
    Venv venv(cfg);
    QSignalSpy phases(&venv, &Venv::startPhaseChanged);
    venv.startAsync();
    QTRY_VERIFY_WITH_TIMEOUT(TestUtil::phaseSeen(phases, StartPhase::Installing), 60000);
    QTRY_VERIFY_WITH_TIMEOUT(!TestUtil::processesMentioning(marker).isEmpty(), 30000);
    venv.close();
    QTRY_VERIFY_WITH_TIMEOUT(TestUtil::processesMentioning(marker).isEmpty(), 10000);
    QVERIFY(TestUtil::liveChildren().isEmpty());
}

QTEST_GUILESS_MAIN(tst_Launcher)
#include "tst_launcher.moc"
