// SPDX-License-Identifier: MIT
// The Venv lifecycle, calls and their results, errors, signals, threading, output and close().
#include "testutil.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QSignalSpy>
#include <QThread>

#include <atomic>
#include <cmath>
#include <csignal>
#include <latch>
#include <thread>

using namespace QtPyVenv;
using namespace std::chrono_literals;

namespace {

// A gate the tests open from C++: calls to wait() park until release() is called.
const QString GatedSource = QStringLiteral(R"PY(
import threading
_gate = threading.Event()

def wait(args):
    _gate.wait()
    return args

def release(args=None):
    _gate.set()

def echo(args):
    """Returns its argument."""
    return args

def fail(args):
    raise ValueError("bad input: %r" % (args,))

def unserialisable(args):
    return object()

def not_a_number(args):
    return float("nan")

def circular(args):
    loop = []
    loop.append(loop)
    return loop

def no_args():
    return "called without args"

def note(args):
    import sys
    sys.stderr.write(args + "\n")
)PY");

QString str(const char *text)
{
    return QString::fromUtf8(text);
}

QString describe(const Error &error)
{
    return error.toString() + QLatin1Char('\n') + error.traceback;
}

} // namespace

class tst_Venv : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void configDefaults();
    void notReadyBeforeStart();
    void startAndCall();
    void functionsDescribeSources();
    void secondStartWhileReady();
    void pythonIdentity();
    void startPhases();
    void callAsyncTellsItsId();
    void awaitTimeoutDoesNotConsume();
    void resultPeeksAndConsumes();
    void concurrentAwaitsDeliverOnce();
    void pythonErrors();
    void noArgsCall();
    void syntaxErrorInSources();
    void exceptionWhileDefining();
    void missingInterpreter();
    void signalsInOrder();
    void callOutputPrecedesItsResult();
    void killedMidCallThenRestart();
    void printStormDoesNotCorruptProtocol();
    void rawFdWritesCapturedSeparately();
    void garbageFrameIsProtocolError();
    void oversizedFrameIsProtocolError();
    void closeWakesAwaiters();
    void closeIsFinal();
    void closeDuringStart();
    void destructorWithCallsInFlight();
    void resultsExpireAfterTtl();
    void negativeTtlNeverEvicts();
    void concurrentCallers();
    void concurrentBigAndSmallFrames();
    void blockingCallsFromThreadWithoutEventLoop();
    void callAsyncFuture();
    void awaitingCallerReadsItsResult();
    void continuationOnAwaitingThreadMayClose();
    void continuationOnIoThreadMayClose();
    void sequentialCallersLeaveTheSocketOut();
    void maxWorkersRunCallsInParallel();
    void maxWorkersBoundsConcurrency();
    void startAsyncReportsOutcome();
    void workerExitsWhenHostIsKilled();
    void callTool();
    void cleanupTestCase();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
};

void tst_Venv::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void tst_Venv::configDefaults()
{
    Config config;
    config.maxWorkers = 0;
    config.outputBufferKb = -5;
    config.resultCacheTtl = 0ms;
    Venv venv(config);
    const Config effective = venv.config();
    QCOMPARE(effective.maxWorkers, 1);
    QCOMPARE(effective.outputBufferKb, 256);
    QCOMPARE(effective.resultCacheTtl, std::chrono::milliseconds(15min));
    QVERIFY(!effective.baseDir.isEmpty());
    QVERIFY(QDir(effective.baseDir).exists());
    const QString madeByLibrary = effective.baseDir;
    venv.close();
    QVERIFY2(!QDir(madeByLibrary).exists(), "close() removes the temporary baseDir it made");
}

void tst_Venv::notReadyBeforeStart()
{
    Venv venv(TestUtil::config(m_dir->path(), {GatedSource}));
    Error error;
    QCOMPARE(venv.call(str("echo"), 1, &error), QString());
    QCOMPARE(error.code, ErrorCode::NotReady);
    QVERIFY(!error.message.isEmpty());
    QCOMPARE(venv.await(str("1")).code, ErrorCode::Unknown);
    bool done = true;
    QCOMPARE(venv.result(str("1"), &done).code, ErrorCode::Unknown);
    QVERIFY(!done);
    QCOMPARE(venv.processId(), 0);
    QVERIFY(venv.functions().isEmpty());
}

void tst_Venv::startAndCall()
{
    Venv venv(TestUtil::config(m_dir->path(), {GatedSource}));
    QCOMPARE(venv.state(), State::Idle);
    const Error started = venv.start();
    QVERIFY2(started.ok(), qPrintable(describe(started)));
    QCOMPARE(venv.state(), State::Ready);
    QVERIFY(TestUtil::processAlive(venv.processId()));
    QJsonValue out;
    const QJsonObject args{{str("text"), str("hello world")}, {str("n"), 42}};
    QVERIFY(venv.callAndAwait(str("echo"), args, &out).ok());
    QCOMPARE(out, QJsonValue(args));

    // Everything the frame encoder escapes or formats, and back.
    const QJsonArray tricky{str("grüße 🐍 \"quoted\" back\\slash \n\t\r\b\f \x01\x1f end"),
                            QJsonValue(),
                            true,
                            false,
                            1.5,
                            0.1,
                            -2.5e-300,
                            1e300,
                            qint64(1) << 60,
                            -42,
                            QJsonArray{},
                            QJsonObject{{str("key \"with\" \u00e9"), QJsonArray{1, 2}}, {str(""), str("")}}};
    QVERIFY(venv.callAndAwait(str("echo"), tricky, &out).ok());
    QCOMPARE(out, QJsonValue(tricky));
    QVERIFY(venv.callAndAwait(str("echo"), str("a top-level string"), &out).ok());
    QCOMPARE(out, QJsonValue(str("a top-level string")));

    const QString first = venv.call(str("echo"), 1);
    const QString second = venv.call(str("echo"), 2);
    QVERIFY(!first.isEmpty());
    QVERIFY(first != second);
    QVERIFY(venv.await(second, &out).ok());
    QCOMPARE(out, QJsonValue(2));
    QVERIFY(venv.await(first, &out).ok());
    QCOMPARE(out, QJsonValue(1));
}

void tst_Venv::functionsDescribeSources()
{
    const QString helpers = str("import json\n\ndef _private(args):\n    return 1\n\ndef area(w, h=2):\n"
                                "    \"\"\"Width times height.\n\n    More text.\"\"\"\n    return w * h\n");
    const QString service = str("class Model:\n    \"\"\"A model.\"\"\"\n\ndef predict(args):\n    return args\n");
    Venv venv(TestUtil::config(m_dir->path(), {helpers, service}));
    QVERIFY(venv.start().ok());
    const QList<FunctionInfo> functions = venv.functions();
    QStringList names;
    for (const FunctionInfo &f : functions)
        names << f.name;
    QCOMPARE(names, (QStringList{str("area"), str("Model"), str("predict")})); // not json.*, not _private
    QCOMPARE(functions[0].signature, str("(w, h=2)"));
    QCOMPARE(functions[0].doc, str("Width times height.\n\nMore text."));
    QCOMPARE(functions[1].doc, str("A model."));
    QCOMPARE(functions[2].doc, QString());
    QJsonValue out;
    QVERIFY(venv.callAndAwait(str("_private"), {}, &out).ok()); // hidden, still callable
    QCOMPARE(out, QJsonValue(1));
}

void tst_Venv::secondStartWhileReady()
{
    Venv venv(TestUtil::config(m_dir->path(), {GatedSource}));
    QVERIFY(venv.start().ok());
    const qint64 pid = venv.processId();
    QCoreApplication::processEvents(); // deliver the first start's signals
    QSignalSpy states(&venv, &Venv::stateChanged);
    QVERIFY(venv.start(QDeadlineTimer(0)).ok());
    QCOMPARE(venv.processId(), pid);
    QCoreApplication::processEvents();
    QCOMPARE(states.count(), 0);
}

void tst_Venv::pythonIdentity()
{
    const QString probe = str("import platform, sys\ndef identity(a):\n"
                              "    return [platform.python_version(), sys.executable]\n");
    Venv venv(TestUtil::config(m_dir->path(), {probe}));
    QVERIFY(venv.pythonVersion().isEmpty());
    QVERIFY(venv.start().ok());
    QJsonValue out;
    QVERIFY(venv.callAndAwait(str("identity"), {}, &out).ok());
    QCOMPARE(venv.pythonVersion(), out[0].toString());
    QCOMPARE(venv.pythonExecutable(), out[1].toString());
    QVERIFY(venv.pythonExecutable().startsWith(m_dir->path() + str("/venv/")));
}

void tst_Venv::startPhases()
{
    auto phasesOf = [&](Venv &venv) {
        QSignalSpy spy(&venv, &Venv::startPhaseChanged);
        const Error error = venv.start();
        QCoreApplication::processEvents();
        QList<StartPhase> phases;
        for (const QList<QVariant> &args : spy)
            phases << args.first().value<StartPhase>();
        return error.ok() ? phases : QList<StartPhase>{};
    };
    Config config = TestUtil::config(m_dir->path(), {GatedSource});
    config.removeBaseDirOnClose = false;
    {
        Venv cold(config);
        QCOMPARE(phasesOf(cold), (QList<StartPhase>{StartPhase::CreatingVenv, StartPhase::Launching}));
    }
    Venv warm(config);
    QCOMPARE(phasesOf(warm), QList<StartPhase>{StartPhase::Launching});
}

void tst_Venv::callAsyncTellsItsId()
{
    Venv venv(TestUtil::config(m_dir->path(), {GatedSource}));
    QVERIFY(venv.start().ok());
    QCoreApplication::processEvents();
    QSignalSpy started(&venv, &Venv::callStarted);
    QString id;
    QFuture<QJsonValue> future = venv.callAsync(str("echo"), 4, &id);
    QVERIFY(!id.isEmpty());
    QTRY_COMPARE(started.count(), 1);
    QCOMPARE(started.first().first().toString(), id);
    QCOMPARE(future.result(), QJsonValue(4));
    QCOMPARE(venv.await(id).code, ErrorCode::Unknown); // the future was its one delivery

    Venv idle(TestUtil::config(m_dir->path() + str("/idle")));
    id = str("stale");
    QVERIFY_THROWS_EXCEPTION(CallException, idle.callAsync(str("echo"), 1, &id).result());
    QVERIFY(id.isEmpty());
}

void tst_Venv::awaitTimeoutDoesNotConsume()
{
    Config config = TestUtil::config(m_dir->path(), {GatedSource});
    config.maxWorkers = 2;
    Venv venv(config);
    QVERIFY(venv.start().ok());
    const QString id = venv.call(str("wait"), str("payload"));
    QJsonValue out;
    QCOMPARE(venv.await(id, &out, QDeadlineTimer(50ms)).code, ErrorCode::Timeout);
    QCOMPARE(venv.await(id, &out, QDeadlineTimer(0)).code, ErrorCode::Timeout);
    bool done = true;
    QVERIFY(venv.result(id, &done).ok());
    QVERIFY(!done);
    QVERIFY(venv.callAndAwait(str("release")).ok());
    const Error delivered = venv.await(id, &out);
    QVERIFY2(delivered.ok(), qPrintable(describe(delivered)));
    QCOMPARE(out, QJsonValue(str("payload")));
    QCOMPARE(venv.await(id, &out, QDeadlineTimer(0)).code, ErrorCode::Unknown);
    QCOMPARE(venv.result(id, &done).code, ErrorCode::Unknown);
    QVERIFY(!done);
}

void tst_Venv::resultPeeksAndConsumes()
{
    Venv venv(TestUtil::config(m_dir->path(), {GatedSource}));
    QVERIFY(venv.start().ok());
    QSignalSpy finished(&venv, &Venv::callFinished);
    const QString ok = venv.call(str("echo"), 7);
    const QString failing = venv.call(str("fail"), 8);
    QTRY_COMPARE(finished.count(), 2);
    bool done = false;
    QJsonValue out;
    QVERIFY(venv.result(ok, &done, &out).ok());
    QVERIFY(done);
    QCOMPARE(out, QJsonValue(7));
    const Error error = venv.result(failing, &done, &out);
    QVERIFY(done);
    QCOMPARE(error.code, ErrorCode::PythonError);
    QCOMPARE(error.type, str("ValueError"));
    QCOMPARE(venv.result(ok, &done).code, ErrorCode::Unknown);
    QVERIFY(!done);
    QCOMPARE(venv.result(str("not-an-id"), &done).code, ErrorCode::Unknown);
}

void tst_Venv::concurrentAwaitsDeliverOnce()
{
    Config config = TestUtil::config(m_dir->path(), {GatedSource});
    config.maxWorkers = 2;
    Venv venv(config);
    QVERIFY(venv.start().ok());
    const QString id = venv.call(str("wait"), 99);
    constexpr int Waiters = 8;
    std::atomic<int> delivered = 0, unknown = 0, other = 0;
    std::latch parked(Waiters);
    std::vector<std::thread> threads;
    for (int i = 0; i < Waiters; ++i) {
        threads.emplace_back([&] {
            parked.count_down();
            QJsonValue out;
            const Error error = venv.await(id, &out);
            if (error.ok() && out == QJsonValue(99))
                ++delivered;
            else if (error.code == ErrorCode::Unknown)
                ++unknown;
            else
                ++other;
        });
    }
    parked.wait();
    QVERIFY(venv.callAndAwait(str("release")).ok());
    for (auto &t : threads)
        t.join();
    QCOMPARE(delivered.load(), 1);
    QCOMPARE(unknown.load(), Waiters - 1);
    QCOMPARE(other.load(), 0);
}

void tst_Venv::pythonErrors()
{
    Venv venv(TestUtil::config(m_dir->path(), {GatedSource}));
    QVERIFY(venv.start().ok());

    Error error = venv.callAndAwait(str("fail"), 5);
    QCOMPARE(error.code, ErrorCode::PythonError);
    QCOMPARE(error.type, str("ValueError"));
    QCOMPARE(error.message, str("bad input: 5"));
    QVERIFY2(error.traceback.contains(str("raise ValueError")), qPrintable(error.traceback));
    QVERIFY2(error.traceback.contains(str("<source 1>")), qPrintable(error.traceback));
    QVERIFY2(!error.traceback.contains(str("qtpyvenv")), "the worker's own frames are not shown");

    error = venv.callAndAwait(str("does_not_exist"), 5);
    QCOMPARE(error.code, ErrorCode::PythonError);
    QVERIFY2(error.message.contains(str("does_not_exist")), qPrintable(error.message));

    error = venv.callAndAwait(str("unserialisable"));
    QCOMPARE(error.code, ErrorCode::PythonError);
    QCOMPARE(error.type, str("TypeError"));
    QVERIFY2(error.message.contains(str("object")) && error.message.contains(str("qtpyvenv.register")),
             qPrintable(error.message));

    QJsonValue nan;
    QVERIFY(venv.callAndAwait(str("not_a_number"), {}, &nan).ok()); // NaN is a value now
    QVERIFY(std::isnan(nan.toDouble()));

    error = venv.callAndAwait(str("circular"));
    QCOMPARE(error.code, ErrorCode::PythonError);
    QVERIFY2(error.message.contains(str("circular()")), qPrintable(error.toString()));

    // The worker survives all of that.
    QJsonValue out;
    QVERIFY(venv.callAndAwait(str("echo"), 3, &out).ok());
    QCOMPARE(out, QJsonValue(3));
    QCOMPARE(venv.state(), State::Ready);
}

void tst_Venv::noArgsCall()
{
    Venv venv(TestUtil::config(m_dir->path(), {GatedSource}));
    QVERIFY(venv.start().ok());
    QJsonValue out;
    QVERIFY(venv.callAndAwait(str("no_args"), {}, &out).ok());
    QCOMPARE(out, QJsonValue(str("called without args")));
    QVERIFY(venv.callAndAwait(str("echo"), {}, &out).ok()); // a required parameter gets None
    QVERIFY(out.isNull());
    const Error error = venv.callAndAwait(str("no_args"), 1);
    QCOMPARE(error.type, str("TypeError"));
}

void tst_Venv::syntaxErrorInSources()
{
    Config config = TestUtil::config(m_dir->path(), {str("x = 1\n"), str("def ok(a):\n    return a\n\ndef broken(:\n")});
    config.sourceNames = {str("/project/first.py"), str("/project/second.py")};
    Venv venv(config);
    QSignalSpy failed(&venv, &Venv::startFailed);
    const Error error = venv.start();
    QCOMPARE(error.code, ErrorCode::PythonError);
    QCOMPARE(error.type, str("SyntaxError"));
    QVERIFY2(error.message.startsWith(str("/project/second.py, line 4")), qPrintable(error.message));
    QCOMPARE(venv.state(), State::Idle);
    QCOMPARE(venv.processId(), 0);
    QCOMPARE(TestUtil::liveChildren(), QList<qint64>());
    Error callError;
    QVERIFY(venv.call(str("ok"), 1, &callError).isEmpty());
    QCOMPARE(callError.code, ErrorCode::NotReady);
    QVERIFY(failed.wait());
    QCOMPARE(failed.first().first().value<Error>().type, str("SyntaxError"));
}

void tst_Venv::exceptionWhileDefining()
{
    Venv venv(TestUtil::config(m_dir->path(), {str("import qtpyvenv_no_such_module\n")}));
    const Error error = venv.start();
    QCOMPARE(error.code, ErrorCode::PythonError);
    QCOMPARE(error.type, str("ModuleNotFoundError"));
    QVERIFY(error.traceback.contains(str("qtpyvenv_no_such_module")));
    QCOMPARE(venv.state(), State::Idle);
}

void tst_Venv::missingInterpreter()
{
    Config config = TestUtil::config(m_dir->path(), {GatedSource});
    config.pythonInterpreter = str("/nonexistent/python3");
    Venv venv(config);
    const Error error = venv.start();
    QCOMPARE(error.code, ErrorCode::StartFailed);
    QVERIFY2(error.message.contains(str("/nonexistent/python3")), qPrintable(error.message));
    QCOMPARE(venv.state(), State::Idle);
}

void tst_Venv::signalsInOrder()
{
    Venv venv(TestUtil::config(m_dir->path(), {GatedSource + str("\ndef shout(a):\n    print('shouted', a)\n")}));
    QSignalSpy states(&venv, &Venv::stateChanged);
    QSignalSpy ready(&venv, &Venv::ready);
    QSignalSpy started(&venv, &Venv::callStarted);
    QSignalSpy finished(&venv, &Venv::callFinished);
    QSignalSpy out(&venv, &Venv::stdoutReceived);
    QSet<QThread *> emittingThreads;
    connect(&venv, &Venv::callFinished, &venv, [&] { emittingThreads.insert(QThread::currentThread()); },
            Qt::DirectConnection);
    QVERIFY(venv.start().ok());
    const QString id = venv.call(str("shout"), 1);
    QVERIFY(venv.await(id).ok());
    const Error failure = venv.callAndAwait(str("fail"), 2);
    QTRY_COMPARE(finished.count(), 2);
    QCOMPARE(states.count(), 2);
    QCOMPARE(states[0][0].value<State>(), State::Starting);
    QCOMPARE(states[1][0].value<State>(), State::Ready);
    QCOMPARE(ready.count(), 1);
    QCOMPARE(started.count(), 2);
    QCOMPARE(started[0][0].toString(), id);
    QCOMPARE(started[0][1].toString(), str("shout"));
    QCOMPARE(finished[0][0].toString(), id);
    QVERIFY(finished[0][1].value<Error>().ok());
    QCOMPARE(finished[1][1].value<Error>().type, failure.type);
    QCOMPARE(emittingThreads, QSet<QThread *>{venv.thread()});
    // Unbuffered print() writes "shouted 1" and "\n" separately: chunks follow the writes.
    auto received = [&] {
        QByteArray all;
        for (const QList<QVariant> &chunk : out)
            all += chunk.first().toByteArray();
        return all;
    };
    QTRY_COMPARE(received(), QByteArray("shouted 1\n"));
}

void tst_Venv::callOutputPrecedesItsResult()
{
    // Output and results travel on different channels; what a call printed before it returned
    // must still be reported before callFinished(), even with many calls racing.
    Config config = TestUtil::config(m_dir->path(), {str("import sys\ndef say(n):\n    sys.stdout.write('said %d\\n' % n)\n    return n\n")});
    config.maxWorkers = 4;
    Venv venv(config);
    QVERIFY(venv.start().ok());
    QByteArray printed;
    QHash<QString, int> argumentOf;
    QStringList reportedEarly;
    int finished = 0;
    connect(&venv, &Venv::stdoutReceived, this, [&](const QByteArray &chunk) { printed += chunk; });
    connect(&venv, &Venv::callFinished, this, [&](const QString &id, const Error &error) {
        ++finished;
        QVERIFY2(error.ok(), qPrintable(describe(error)));
        const QByteArray line = "said " + QByteArray::number(argumentOf.value(id)) + '\n';
        if (!printed.contains(line))
            reportedEarly.append(id);
    });
    constexpr int Calls = 2000;
    for (int n = 0; n < Calls; ++n)
        argumentOf.insert(venv.call(str("say"), n), n);
    QTRY_COMPARE_WITH_TIMEOUT(finished, Calls, 30000);
    QCOMPARE(reportedEarly, QStringList());
}

void tst_Venv::killedMidCallThenRestart()
{
    Venv venv(TestUtil::config(m_dir->path(), {GatedSource}));
    QVERIFY(venv.start().ok());
    const QFileInfo pythonBefore(m_dir->path() + str("/venv/pyvenv.cfg"));
    const QDateTime venvCreated = pythonBefore.lastModified();
    QSignalSpy died(&venv, &Venv::died);
    QSignalSpy install(&venv, &Venv::installOutput);
    const qint64 pid = venv.processId();
    QVERIFY(venv.callAndAwait(str("note"), str("last words")).ok());
    const QString id = venv.call(str("wait"), 1);
    const QFuture<QJsonValue> pending = venv.callAsync(str("wait"), 2);
    QTRY_VERIFY(venv.tailStdErr().contains("last words"));
    QCOMPARE(::kill(pid_t(pid), SIGKILL), 0);

    const Error error = venv.await(id, nullptr, QDeadlineTimer(10s));
    QCOMPARE(error.code, ErrorCode::Died);
    QVERIFY2(error.message.contains(str("signal 9")), qPrintable(error.message));
    QTRY_COMPARE(venv.state(), State::Died);
    QVERIFY(died.wait());
    QCOMPARE(died.first().first().value<Error>().code, ErrorCode::Died);
    QVERIFY(died.first().first().value<Error>().traceback.contains(str("last words"))); // the stderr tail
    QTRY_VERIFY(pending.isFinished());
    try {
        pending.result();
        QFAIL("the future of a call that died must carry its error");
    } catch (const CallException &e) {
        QCOMPARE(e.error().code, ErrorCode::Died);
    }
    Error callError;
    QVERIFY(venv.call(str("echo"), 1, &callError).isEmpty());
    QCOMPARE(callError.code, ErrorCode::Died);
    QCOMPARE(venv.processId(), 0);

    QVERIFY(venv.start().ok());
    QVERIFY(venv.processId() != pid);
    QJsonValue out;
    QVERIFY(venv.callAndAwait(str("echo"), 5, &out).ok());
    QCOMPARE(out, QJsonValue(5));
    QCOMPARE(QFileInfo(m_dir->path() + str("/venv/pyvenv.cfg")).lastModified(), venvCreated); // reused
    QVERIFY(venv.tailStdErr().contains("last words")); // the tail outlives the worker that wrote it
    QCoreApplication::processEvents();
    QCOMPARE(install.count(), 0);
}

void tst_Venv::printStormDoesNotCorruptProtocol()
{
    const QString storm = str(R"PY(
import os, sys
def storm(mb):
    line = "x" * 1023 + "\n"
    for _ in range(mb * 1024):
        print(line, end="")
    sys.stdout.flush()
    os.write(1, b"raw bytes from fd 1\n")
    print("last line")
    return "survived"
)PY");
    Config config = TestUtil::config(m_dir->path(), {GatedSource, storm});
    config.outputBufferKb = 64;
    Venv venv(config);
    QSignalSpy out(&venv, &Venv::stdoutReceived);
    QVERIFY(venv.start().ok());
    QJsonValue result;
    const Error error = venv.callAndAwait(str("storm"), 20, &result);
    QVERIFY2(error.ok(), qPrintable(describe(error)));
    QCOMPARE(result, QJsonValue(str("survived")));
    QVERIFY(venv.callAndAwait(str("echo"), 1, &result).ok());
    QCOMPARE(result, QJsonValue(1));

    QTRY_VERIFY(venv.tailStdOut().endsWith("raw bytes from fd 1\nlast line\n"));
    const QByteArray tail = venv.tailStdOut();
    QVERIFY(tail.size() <= 2 * 64 * 1024);
    QVERIFY(tail.size() >= 64 * 1024);
    QVERIFY(QFileInfo::exists(m_dir->path() + str("/meta/stdout-a")));
    QVERIFY(QFileInfo::exists(m_dir->path() + str("/meta/stdout-b")));
    // Live signals caught up with the end of the storm, their backlog bounded.
    QTRY_VERIFY(!out.isEmpty() && out.last().first().toByteArray().endsWith("last line\n"));
}

void tst_Venv::rawFdWritesCapturedSeparately()
{
    const QString writer = str("import os, sys\ndef write(a):\n    os.write(1, b'to fd one\\n')\n"
                               "    os.write(2, b'to fd two\\n')\n    sys.stderr.write('via sys.stderr\\n')\n"
                               "    return 'ok'\n");
    Venv venv(TestUtil::config(m_dir->path(), {writer}));
    QSignalSpy err(&venv, &Venv::stderrReceived);
    QVERIFY(venv.start().ok());
    QVERIFY(venv.callAndAwait(str("write")).ok());
    QTRY_COMPARE(venv.tailStdErr(), QByteArray("to fd two\nvia sys.stderr\n"));
    QCOMPARE(venv.tailStdOut(), QByteArray("to fd one\n"));
    QTRY_VERIFY(!err.isEmpty());
}

void tst_Venv::garbageFrameIsProtocolError()
{
    // User code can reach the protocol channel on purpose; the host must survive what it then
    // writes. (On the socket, bytes no marker announced fail at once: tst_frames.)
    const QString saboteur = str("import os\ndef garbage(a):\n"
                                 "    os.write(frame_lane_fd(), b'\\x00\\x00\\x00\\x05hello')\n"
                                 "    import time; time.sleep(60)\n");
    Config config = TestUtil::config(m_dir->path(), {GatedSource, TestUtil::ProtocolFdSource, saboteur});
    config.maxWorkers = 2;
    Venv venv(config);
    QVERIFY(venv.start().ok());
    QSignalSpy died(&venv, &Venv::died);
    const QString parked = venv.call(str("wait"), 1);
    const Error error = venv.callAndAwait(str("garbage"), {}, nullptr, QDeadlineTimer(20s));
    QCOMPARE(error.code, ErrorCode::ProtocolError);
    QVERIFY2(error.message.contains(str("JSON")), qPrintable(error.message));
    QCOMPARE(venv.await(parked, nullptr, QDeadlineTimer(5s)).code, ErrorCode::ProtocolError);
    QVERIFY(died.wait());
    QCOMPARE(died.first().first().value<Error>().code, ErrorCode::ProtocolError);
    QCOMPARE(venv.state(), State::Died);
    QVERIFY(venv.start().ok());
    QVERIFY(venv.callAndAwait(str("echo"), 1).ok());
}

void tst_Venv::oversizedFrameIsProtocolError()
{
    const QString saboteur = str("import os\ndef huge(a):\n"
                                 "    os.write(frame_lane_fd(), b'\\xff\\xff\\xff\\xf0')\n"
                                 "    import time; time.sleep(60)\n");
    Venv venv(TestUtil::config(m_dir->path(), {TestUtil::ProtocolFdSource, saboteur}));
    QVERIFY(venv.start().ok());
    const qint64 pid = venv.processId();
    const Error error = venv.callAndAwait(str("huge"), {}, nullptr, QDeadlineTimer(20s));
    QCOMPARE(error.code, ErrorCode::ProtocolError);
    QVERIFY2(error.message.contains(str("cap")), qPrintable(error.message));
    QTRY_VERIFY(!TestUtil::processAlive(pid));
}

void tst_Venv::closeWakesAwaiters()
{
    Venv venv(TestUtil::config(m_dir->path(), {GatedSource}));
    QVERIFY(venv.start().ok());
    const qint64 pid = venv.processId();
    const QString id = venv.call(str("wait"), 1);
    const QFuture<QJsonValue> future = venv.callAsync(str("wait"), 2);
    std::latch parked(1);
    Error awaited;
    std::thread waiter([&] {
        parked.count_down();
        awaited = venv.await(id);
    });
    parked.wait();
    QCoreApplication::processEvents(); // deliver the start's signals first
    QSignalSpy died(&venv, &Venv::died);
    QSignalSpy states(&venv, &Venv::stateChanged);
    venv.close();
    waiter.join();
    QCOMPARE(awaited.code, ErrorCode::Closed);
    QVERIFY(future.isFinished());
    QVERIFY_THROWS_EXCEPTION(CallException, future.result());
    QTRY_VERIFY_WITH_TIMEOUT(!TestUtil::processAlive(pid), 1000);
    QTRY_COMPARE(states.count(), 1);
    QCOMPARE(states.first().first().value<State>(), State::Closed);
    QCOMPARE(died.count(), 0);
}

void tst_Venv::closeIsFinal()
{
    QVERIFY(QFile(m_dir->path() + str("/keep.txt")).open(QIODevice::WriteOnly));
    Venv venv(TestUtil::config(m_dir->path(), {GatedSource}));
    QVERIFY(venv.start().ok());
    venv.close();
    venv.close();
    QCOMPARE(venv.state(), State::Closed);
    QCOMPARE(venv.start().code, ErrorCode::Closed);
    Error error;
    QVERIFY(venv.call(str("echo"), 1, &error).isEmpty());
    QCOMPARE(error.code, ErrorCode::Closed);
    QCOMPARE(venv.await(str("1")).code, ErrorCode::Closed);
    QVERIFY(QFileInfo::exists(m_dir->path() + str("/keep.txt")));
    QVERIFY(!QFileInfo::exists(m_dir->path() + str("/venv")));
    QVERIFY(!QFileInfo::exists(m_dir->path() + str("/meta")));
}

void tst_Venv::closeDuringStart()
{
    // The worker is parked while it defines the sources, so start() waits for its handshake
    // while close() runs on another thread: both end the same worker, neither may hang.
    const QString slowSource = str("import sys, time\nsys.stderr.write('defining\\n')\ntime.sleep(60)\n");
    Venv venv(TestUtil::config(m_dir->path(), {slowSource}));
    Error started;
    std::thread starter([&] { started = venv.start(); });
    QTRY_VERIFY_WITH_TIMEOUT(venv.tailStdErr().contains("defining"), 30000);
    const qint64 pid = venv.processId(); // known from the worker's first frame
    QVERIFY(TestUtil::processAlive(pid));
    venv.close();
    starter.join();
    QCOMPARE(started.code, ErrorCode::Closed);
    QCOMPARE(venv.state(), State::Closed);
    QVERIFY(!TestUtil::processAlive(pid));
    QCOMPARE(TestUtil::liveChildren(), QList<qint64>());
}

void tst_Venv::destructorWithCallsInFlight()
{
    qint64 pid = 0;
    {
        Config config = TestUtil::config(m_dir->path(), {GatedSource});
        config.maxWorkers = 3;
        Venv venv(config);
        QVERIFY(venv.start().ok());
        pid = venv.processId();
        venv.call(str("wait"), 1);
        venv.callAsync(str("wait"), 2);
    }
    QTRY_VERIFY_WITH_TIMEOUT(!TestUtil::processAlive(pid), 1000);
    QVERIFY(!QFileInfo::exists(m_dir->path() + str("/venv")));
}

void tst_Venv::resultsExpireAfterTtl()
{
    Config config = TestUtil::config(m_dir->path(), {GatedSource});
    config.resultCacheTtl = 100ms;
    Venv venv(config);
    QVERIFY(venv.start().ok());
    QSignalSpy finished(&venv, &Venv::callFinished);
    const QString unclaimed = venv.call(str("echo"), 1);
    QVERIFY(finished.wait());
    QTest::qWait(300); // the behaviour under test is the passing of time
    bool done = true;
    QCOMPARE(venv.result(unclaimed, &done).code, ErrorCode::Unknown);
    QVERIFY(!done);
}

void tst_Venv::negativeTtlNeverEvicts()
{
    Config config = TestUtil::config(m_dir->path(), {GatedSource});
    config.resultCacheTtl = -1ms;
    Venv venv(config);
    QVERIFY(venv.start().ok());
    QSignalSpy finished(&venv, &Venv::callFinished);
    const QString id = venv.call(str("echo"), 1);
    QVERIFY(finished.wait());
    QTest::qWait(300);
    QJsonValue out;
    QVERIFY(venv.await(id, &out, QDeadlineTimer(0)).ok());
    QCOMPARE(out, QJsonValue(1));
}

void tst_Venv::concurrentCallers()
{
    Config config = TestUtil::config(m_dir->path(), {GatedSource});
    config.maxWorkers = 4;
    Venv venv(config);
    QVERIFY(venv.start().ok());
    constexpr int Threads = 16, Calls = 300;
    std::atomic<int> wrong = 0;
    TestUtil::runThreads(Threads, [&](int t) {
        for (int i = 0; i < Calls; ++i) {
            const QJsonObject args{{str("thread"), t}, {str("i"), i}};
            QJsonValue out;
            if (!venv.callAndAwait(str("echo"), args, &out).ok() || out != QJsonValue(args))
                ++wrong;
        }
    });
    QCOMPARE(wrong.load(), 0);
}

void tst_Venv::concurrentBigAndSmallFrames()
{
    // Big frames overflow the socket buffer (the I/O thread writes their rest) and their buffers
    // are reused for later frames: every echo must still come back whole and as it was sent.
    Config config = TestUtil::config(m_dir->path(), {GatedSource});
    config.maxWorkers = 2;
    Venv venv(config);
    QVERIFY(venv.start().ok());
    constexpr int Threads = 4, Calls = 6;
    std::atomic<int> wrong = 0;
    TestUtil::runThreads(Threads, [&](int t) {
        for (int i = 0; i < Calls; ++i) {
            const QJsonValue args = (t + i) % 2 == 0
                ? QJsonValue(QString(3 * 1024 * 1024 - i, QLatin1Char(char('a' + t * Calls + i))))
                : QJsonValue(QJsonArray{t, i});
            QJsonValue out;
            if (!venv.callAndAwait(str("echo"), args, &out).ok() || out != args)
                ++wrong;
        }
    });
    QCOMPARE(wrong.load(), 0);
}

void tst_Venv::blockingCallsFromThreadWithoutEventLoop()
{
    // The Venv lives in this thread, which does not run its event loop while the other thread
    // starts and calls: the library must not need it.
    Venv venv(TestUtil::config(m_dir->path(), {GatedSource}));
    Error started, called;
    QJsonValue out;
    std::thread worker([&] {
        started = venv.start();
        called = venv.callAndAwait(str("echo"), str("from a plain thread"), &out);
    });
    worker.join();
    QVERIFY2(started.ok(), qPrintable(describe(started)));
    QVERIFY(called.ok());
    QCOMPARE(out, QJsonValue(str("from a plain thread")));
}

void tst_Venv::callAsyncFuture()
{
    Venv venv(TestUtil::config(m_dir->path(), {GatedSource}));
    QFuture<QJsonValue> early = venv.callAsync(str("echo"), 1);
    QVERIFY(early.isFinished());
    try {
        early.result();
        QFAIL("a call before start must fail");
    } catch (const CallException &e) {
        QCOMPARE(e.error().code, ErrorCode::NotReady);
    }
    QVERIFY(venv.start().ok());
    QFuture<QJsonValue> ok = venv.callAsync(str("echo"), QJsonArray{1, 2});
    QJsonValue viaThen;
    ok.then(this, [&](const QJsonValue &value) { viaThen = value; });
    QTRY_COMPARE(viaThen, QJsonValue(QJsonArray{1, 2}));
    QCOMPARE(ok.result(), QJsonValue(QJsonArray{1, 2}));

    Error failure;
    venv.callAsync(str("fail"), 3).onFailed(this, [&](const CallException &e) {
        failure = e.error();
        return QJsonValue();
    });
    QTRY_COMPARE(failure.code, ErrorCode::PythonError);
    QCOMPARE(failure.type, str("ValueError"));
}

// Sequential calls leave the I/O thread asleep: the caller that waits reads its result itself
// instead of being woken by that thread (one thread hand-off less a round trip).
void tst_Venv::awaitingCallerReadsItsResult()
{
    Venv venv(TestUtil::config(m_dir->path(), {GatedSource}));
    QVERIFY(venv.start().ok());
    QVERIFY(venv.callAndAwait(str("echo"), 0).ok());
    const QString ioThread = TestUtil::threadNamed("qtpyvenv-io");
    QVERIFY(!ioThread.isEmpty());
    constexpr int Calls = 200;
    const qint64 before = TestUtil::contextSwitches(ioThread);
    for (int i = 0; i < Calls; ++i)
        QVERIFY(venv.callAndAwait(str("echo"), i).ok());
    // Before, the I/O thread woke for every result. It still reads one when the worker answers
    // before the caller got to wait (a busy machine), about a third of them under load.
    QCOMPARE_LT(TestUtil::contextSwitches(ioThread) - before, Calls / 2);
}

// Between sequential awaited calls the socket stays out of the I/O thread's poll set (two
// epoll_ctl() calls a round trip less), and comes back soon after: a result that nobody awaits
// is still read.
void tst_Venv::sequentialCallersLeaveTheSocketOut()
{
    Venv venv(TestUtil::config(m_dir->path(), {GatedSource}));
    QVERIFY(venv.start().ok());
    QVERIFY(venv.callAndAwait(str("echo"), 0).ok());
    constexpr int Calls = 200;
    int watchedAfterCall = 0;
    for (int i = 0; i < Calls; ++i) {
        QVERIFY(venv.callAndAwait(str("echo"), i).ok());
        watchedAfterCall += TestUtil::epollWatchedFds() > 0;
    }
    // Before, every release put the socket back at once. A busy machine may delay this thread
    // past the linger now and then.
    QCOMPARE_LT(watchedAfterCall, Calls / 2);
    const QFuture<QJsonValue> unawaited = venv.callAsync(str("echo"), 7);
    QTRY_VERIFY(unawaited.isFinished());
    QCOMPARE(unawaited.result(), QJsonValue(7));
}

// A future's continuation runs on the thread that reads its result, here one that awaits another
// call; closing the Venv there must not wait for that thread to stop reading.
void tst_Venv::continuationOnAwaitingThreadMayClose()
{
    Config config = TestUtil::config(m_dir->path(), {str("import time\ndef later(seconds):\n    time.sleep(seconds)\n"
                                                         "    return seconds\n")});
    config.maxWorkers = 2;
    Venv venv(config);
    QVERIFY(venv.start().ok());
    std::atomic<bool> closedOnThisThread = false;
    venv.callAsync(str("later"), 0.2).then([&, awaiting = std::this_thread::get_id()](const QJsonValue &) {
        venv.close();
        closedOnThisThread = std::this_thread::get_id() == awaiting;
    });
    const Error error = venv.callAndAwait(str("later"), 60, nullptr, QDeadlineTimer(30s));
    QCOMPARE(error.code, ErrorCode::Closed);
    QTRY_VERIFY(closedOnThisThread);
}

// With nobody awaiting, the result arrives on the I/O thread and a then() without a context runs
// there: close() from it must not wait for its own thread (std::terminate before), and the
// worker still goes, with the baseDir the library made.
void tst_Venv::continuationOnIoThreadMayClose()
{
    Config config = TestUtil::config(QString(), {GatedSource});
    config.maxWorkers = 2; // release() runs beside the parked wait()
    Venv venv(config);
    QVERIFY_OK(venv.start());
    const qint64 worker = venv.processId();
    const QString baseDir = venv.config().baseDir;
    std::atomic<bool> closed = false;
    std::thread::id ranOn;
    // Parked until the continuation is attached: a future already finished runs it right here.
    venv.callAsync(str("wait"), 1).then([&](const QJsonValue &) {
        ranOn = std::this_thread::get_id();
        venv.close();
        closed = true;
    });
    QVERIFY(!venv.call(str("release")).isEmpty()); // not awaited: nobody reads but the I/O thread
    QTRY_VERIFY(closed);
    QVERIFY(ranOn != std::this_thread::get_id());
    QCOMPARE(venv.state(), State::Closed);
    QTRY_VERIFY_WITH_TIMEOUT(!TestUtil::processAlive(worker), 10000);
    QTRY_VERIFY(!QDir(baseDir).exists());
}

void tst_Venv::maxWorkersRunCallsInParallel()
{
    const QString barrier = str("import threading\n_b = threading.Barrier(3, timeout=20)\n"
                                "def meet(a):\n    return _b.wait() >= 0\n");
    Config config = TestUtil::config(m_dir->path(), {barrier});
    config.maxWorkers = 3;
    Venv venv(config);
    QVERIFY(venv.start().ok());
    const QStringList ids{venv.call(str("meet")), venv.call(str("meet")), venv.call(str("meet"))};
    for (const QString &id : ids) {
        QJsonValue out;
        const Error error = venv.await(id, &out, QDeadlineTimer(30s));
        QVERIFY2(error.ok(), qPrintable(describe(error))); // a BrokenBarrierError if they ran one by one
        QCOMPARE(out, QJsonValue(true));
    }
}

void tst_Venv::maxWorkersBoundsConcurrency()
{
    // Each call holds its thread until the test creates a file; the third must wait for a free one.
    const QString door = m_dir->path() + str("/open");
    const QString source = str(R"PY(
import os, sys, threading, time
_lock = threading.Lock()
_active = 0
_peak = 0

def enter(door):
    global _active, _peak
    with _lock:
        _active += 1
        _peak = max(_peak, _active)
    sys.stderr.write("entered\n")
    deadline = time.monotonic() + 30
    while not os.path.exists(door) and time.monotonic() < deadline:
        time.sleep(0.005)
    with _lock:
        _active -= 1
    return _peak
)PY");
    Config config = TestUtil::config(m_dir->path(), {source});
    config.maxWorkers = 2;
    Venv venv(config);
    QVERIFY(venv.start().ok());
    const QStringList ids{venv.call(str("enter"), door), venv.call(str("enter"), door), venv.call(str("enter"), door)};
    QTRY_COMPARE_WITH_TIMEOUT(venv.tailStdErr().count("entered"), 2, 10000);
    bool done = true;
    QVERIFY(venv.result(ids[2], &done).ok());
    QVERIFY(!done);
    QVERIFY(QFile(door).open(QIODevice::WriteOnly));
    for (const QString &id : ids) {
        QJsonValue peak;
        const Error error = venv.await(id, &peak, QDeadlineTimer(30s));
        QVERIFY2(error.ok(), qPrintable(describe(error)));
        QCOMPARE(peak, QJsonValue(2));
    }
    QCOMPARE(venv.tailStdErr().count("entered"), 3);
}

void tst_Venv::startAsyncReportsOutcome()
{
    Venv venv(TestUtil::config(m_dir->path(), {GatedSource}));
    QSignalSpy ready(&venv, &Venv::ready);
    venv.startAsync();
    QVERIFY(ready.wait(30000));
    QCOMPARE(venv.state(), State::Ready);

    QTemporaryDir other;
    Venv broken(TestUtil::config(other.path(), {str("def broken(:\n")}));
    QSignalSpy failed(&broken, &Venv::startFailed);
    broken.startAsync();
    QVERIFY(failed.wait(30000));
    QCOMPARE(failed.first().first().value<Error>().type, str("SyntaxError"));
    QCOMPARE(broken.state(), State::Idle);
}

void tst_Venv::workerExitsWhenHostIsKilled()
{
    const QString script = m_dir->path() + str("/hang.py");
    QFile file(script);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("import time\ndef hang(a):\n    time.sleep(3600)\n");
    file.close();
    const QString baseDir = m_dir->path() + str("/host-killed");
    QProcess host;
    host.start(str(QTPYVENV_CALL_TOOL), {str("--python"), TestUtil::python(), str("--base-dir"), baseDir,
                                         str("--source"), script, str("hang")});
    QVERIFY(host.waitForStarted());
    const QByteArray marker = QFile::encodeName(baseDir + str("/venv/bin/python"));
    QList<qint64> workers;
    QTRY_VERIFY_WITH_TIMEOUT(!(workers = TestUtil::processesMentioning(marker)).isEmpty(), 30000);
    host.kill(); // SIGKILL: no destructor runs
    QVERIFY(host.waitForFinished());
    for (qint64 pid : workers)
        QTRY_VERIFY_WITH_TIMEOUT(!TestUtil::processAlive(pid), 2000);
}

void tst_Venv::callTool()
{
    const QString script = m_dir->path() + str("/tool.py");
    QFile file(script);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("def add(args):\n    print('visible on stderr')\n    return {'sum': args['a'] + args['b']}\n"
               "def fail(args):\n    raise KeyError('missing')\n");
    file.close();
    auto run = [&](const QStringList &arguments, QByteArray *out, QByteArray *err) {
        QProcess tool;
        tool.start(str(QTPYVENV_CALL_TOOL), QStringList{str("--python"), TestUtil::python(), str("--source"), script}
                                                + arguments);
        if (!tool.waitForFinished(60000))
            return -1;
        *out = tool.readAllStandardOutput();
        *err = tool.readAllStandardError();
        return tool.exitStatus() == QProcess::NormalExit ? tool.exitCode() : -1;
    };
    QByteArray out, err;
    QCOMPARE(run({str("add"), str(R"({"a": 2, "b": 40})")}, &out, &err), 0);
    QCOMPARE(QJsonDocument::fromJson(out).object(), (QJsonObject{{str("sum"), 42}}));
    QVERIFY2(err.contains("visible on stderr"), err.constData()); // the worker's prints pass through

    QCOMPARE(run({str("fail")}, &out, &err), 1);
    QVERIFY(out.isEmpty());
    QVERIFY2(err.contains("PythonError: KeyError"), err.constData());
    QVERIFY2(err.contains("Traceback (most recent call last)"), err.constData());

    QCOMPARE(run({str("add"), str("{not json")}, &out, &err), 2);
    QVERIFY2(err.contains("not valid JSON"), err.constData());
}

void tst_Venv::cleanupTestCase()
{
    QCOMPARE(TestUtil::liveChildren(), QList<qint64>());
}

QTEST_GUILESS_MAIN(tst_Venv)
#include "tst_venv.moc"
