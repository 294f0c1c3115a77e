// SPDX-License-Identifier: MIT
// The process layer: what QProcess starts, with what lib/platform_unix.cpp adds in the child
// (own process group, our pipes, a descriptor at its number, the parent-death signal), how its
// end is reported, and the Waker that wakes the I/O thread's poll().
#include "testutil.h"

#include "childprocess.h"

#include <QStandardPaths>

#include <memory>
#include <thread>

#include <csignal>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace QtPyVenv;
using Internal::ChildProcess;
using Internal::PassedFd;

namespace {

QString str(const char *text)
{
    return QString::fromUtf8(text);
}

ChildProcess::Options options(const QString &program, const QStringList &arguments)
{
    ChildProcess::Options options;
    options.program = QStandardPaths::findExecutable(program);
    options.arguments = arguments;
    options.environment = QProcessEnvironment::systemEnvironment();
    return options;
}

ChildProcess::Options pythonOptions(const char *code)
{
    return options(TestUtil::python(), {str("-c"), str(code)});
}

// Everything on \a fd until end of file (a blocking wait, bounded by the test's timeout).
QByteArray readToEnd(int fd)
{
    QByteArray all;
    char buffer[4096];
    for (;;) {
        pollfd ready{fd, POLLIN, 0};
        if (::poll(&ready, 1, 30000) <= 0)
            return all + "<timed out>";
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
            return all;
        if (n > 0)
            all.append(buffer, n);
    }
}

bool becomesReadable(int fd)
{
    pollfd ready{fd, POLLIN, 0};
    return ::poll(&ready, 1, 30000) == 1;
}

} // namespace

class tst_ChildProcess : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void ownProcessGroup();
    void outputOnOwnPipes();
    void mergedOutput();
    void descriptorAtItsNumber();
    void stdioOnDescriptor();
    void otherDescriptorsStayBehind();
    void parentDeathSignalWhenStartingThreadEnds();
    void exitIsDescribed_data();
    void exitIsDescribed();
    void groupEndsWithChild();
    void missingProgramFailsToStart();
    void wakerWakesPoll();
    void cleanupTestCase();
};

void tst_ChildProcess::ownProcessGroup()
{
    ChildProcess child;
    QString error;
    QVERIFY2(child.start(options(str("sleep"), {str("1000")}), &error), qPrintable(error));
    QCOMPARE(qint64(::getpgid(pid_t(child.pid()))), child.pid());
    QVERIFY(child.reap(true));
    QVERIFY(child.exit().crashed);
    QCOMPARE(child.exit().code, SIGKILL);
}

void tst_ChildProcess::outputOnOwnPipes()
{
    ChildProcess child;
    QString error;
    QVERIFY2(child.start(options(str("sh"), {str("-c"), str("echo out; echo err >&2; read x || echo no-input")}), &error),
             qPrintable(error));
    QCOMPARE(readToEnd(child.stdoutFd()), QByteArray("out\nno-input\n")); // stdin is /dev/null
    QCOMPARE(readToEnd(child.stderrFd()), QByteArray("err\n"));
    QVERIFY(becomesReadable(child.exitFd()));
    QVERIFY(child.reap(false));
    QVERIFY(child.exit().succeeded());
}

void tst_ChildProcess::mergedOutput()
{
    ChildProcess::Options merged = options(str("sh"), {str("-c"), str("echo out; echo err >&2")});
    merged.mergeOutput = true;
    ChildProcess child;
    QString error;
    QVERIFY2(child.start(merged, &error), qPrintable(error));
    QCOMPARE(child.stderrFd(), -1);
    QCOMPARE(readToEnd(child.stdoutFd()), QByteArray("out\nerr\n"));
}

void tst_ChildProcess::descriptorAtItsNumber()
{
    int pair[2];
    QCOMPARE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
    int pipe[2];
    QVERIFY(Internal::makePipe(pipe));
    // 302 is taken here: the second descriptor is held at 303 and moved down in the child.
    const int taken = ::fcntl(pipe[0], F_DUPFD_CLOEXEC, 302);
    QCOMPARE(taken, 302);
    ChildProcess::Options passing = pythonOptions(
        "import os; os.write(301, b'at 301'); os.close(301); os.write(302, b'at 302'); os.close(302)");
    passing.passed = {PassedFd{pair[1], 301}, PassedFd{pipe[1], 302}};
    ChildProcess child;
    QString error;
    QVERIFY2(child.start(passing, &error), qPrintable(error));
    ::close(pair[1]);
    ::close(pipe[1]);
    QCOMPARE(readToEnd(pair[0]), QByteArray("at 301"));
    QCOMPARE(readToEnd(pipe[0]), QByteArray("at 302"));
    ::close(pair[0]);
    ::close(pipe[0]);
    ::close(taken);
    for (int fd : {301, 303}) // this process held them at those numbers only for the start
        QCOMPARE(::fcntl(fd, F_GETFD), -1);
    QVERIFY(becomesReadable(child.exitFd()));
    QVERIFY(child.reap(false));
    QVERIFY(child.exit().succeeded());
}

void tst_ChildProcess::stdioOnDescriptor()
{
    int pair[2];
    QCOMPARE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
    ChildProcess::Options stdio = pythonOptions("import sys; sys.stdout.write(sys.stdin.readline().upper())");
    stdio.stdioFd = pair[1];
    ChildProcess child;
    QString error;
    QVERIFY2(child.start(stdio, &error), qPrintable(error));
    ::close(pair[1]);
    QCOMPARE(child.stdoutFd(), -1);
    QCOMPARE(::send(pair[0], "hello\n", 6, MSG_NOSIGNAL), ssize_t(6));
    QCOMPARE(readToEnd(pair[0]), QByteArray("HELLO\n"));
    ::close(pair[0]);
}

void tst_ChildProcess::otherDescriptorsStayBehind()
{
    int leaky[2];
    QCOMPARE(::pipe(leaky), 0); // not close-on-exec, as an application may have some
    const int at = ::fcntl(leaky[1], F_DUPFD, 303);
    QVERIFY(at >= 303);
    ::close(leaky[1]);
    ChildProcess::Options options = pythonOptions("import os; print(sorted(int(fd) for fd in os.listdir('/proc/self/fd') if int(fd) > 2))");
    ChildProcess child;
    QString error;
    QVERIFY2(child.start(options, &error), qPrintable(error));
    ::close(at);
    // The child lists only the descriptor of its listing; the pipe's reader sees its end.
    const QByteArray listed = readToEnd(child.stdoutFd()).trimmed();
    QVERIFY2(!listed.contains(QByteArray::number(at)), listed.constData());
    QCOMPARE(readToEnd(leaky[0]), QByteArray());
    ::close(leaky[0]);
    QVERIFY(becomesReadable(child.exitFd()));
    QVERIFY(child.reap(false));
    QVERIFY(child.exit().succeeded());
}

// The child is tied to the thread that started it, not to the process: the I/O thread's end
// takes the worker with it.
void tst_ChildProcess::parentDeathSignalWhenStartingThreadEnds()
{
    ChildProcess::Options sleeper = options(str("sleep"), {str("1000")});
    sleeper.parentDeathSignal = SIGUSR1;
    std::unique_ptr<ChildProcess> child;
    QString error;
    std::thread([&] {
        child = std::make_unique<ChildProcess>();
        if (!child->start(sleeper, &error))
            child.reset();
    }).join();
    QVERIFY2(child, qPrintable(error));
    QVERIFY(becomesReadable(child->exitFd()));
    QVERIFY(child->reap(true));
    QVERIFY(child->exit().crashed);
    QCOMPARE(child->exit().code, SIGUSR1);
}

void tst_ChildProcess::exitIsDescribed_data()
{
    QTest::addColumn<QString>("script");
    QTest::addColumn<QString>("described");
    QTest::newRow("code") << str("exit 3") << str("exited with code 3");
    QTest::newRow("signal") << str("kill -TERM $$") << str("was killed by signal 15 (Terminated)");
}

void tst_ChildProcess::exitIsDescribed()
{
    QFETCH(QString, script);
    QFETCH(QString, described);
    ChildProcess child;
    QString error;
    QVERIFY2(child.start(options(str("sh"), {str("-c"), script}), &error), qPrintable(error));
    QVERIFY(becomesReadable(child.exitFd()));
    QVERIFY(child.reap(false));
    QCOMPARE(child.exit().describe(), described);
}

// What the child left in its group goes when it is reaped.
void tst_ChildProcess::groupEndsWithChild()
{
    ChildProcess child;
    QString error;
    QVERIFY2(child.start(options(str("sh"), {str("-c"), str("sleep 1000 >/dev/null 2>&1 & echo $!")}), &error), qPrintable(error));
    const qint64 left = readToEnd(child.stdoutFd()).trimmed().toLongLong(); // EOF: sh exited
    QVERIFY(left > 0);
    QVERIFY(becomesReadable(child.exitFd()));
    QVERIFY(child.reap(false));
    QTRY_VERIFY_WITH_TIMEOUT(!TestUtil::processAlive(left), 10000);
}

void tst_ChildProcess::missingProgramFailsToStart()
{
    ChildProcess::Options missing = options(str("sh"), {});
    missing.program = str("/nonexistent/bin/python3");
    ChildProcess child;
    QString error;
    QVERIFY(!child.start(missing, &error));
    QVERIFY2(error.startsWith(str("cannot run /nonexistent/bin/python3: ")), qPrintable(error));
    QVERIFY2(error.contains(str("No such file or directory")), qPrintable(error));
    QCOMPARE(child.pid(), 0);
}

void tst_ChildProcess::wakerWakesPoll()
{
    Internal::Waker waker;
    QVERIFY(waker.fd() >= 3);
    pollfd ready{waker.fd(), POLLIN, 0};
    QCOMPARE(::poll(&ready, 1, 0), 0);
    std::thread([&] { waker.wake(); }).join();
    waker.wake(); // twice before the reader looks: one readable descriptor
    QCOMPARE(::poll(&ready, 1, 0), 1);
    waker.clear();
    QCOMPARE(::poll(&ready, 1, 0), 0);
}

void tst_ChildProcess::cleanupTestCase()
{
    QTRY_COMPARE_WITH_TIMEOUT(TestUtil::liveChildren(), QList<qint64>(), 10000);
}

QTEST_GUILESS_MAIN(tst_ChildProcess)
#include "tst_childprocess.moc"
