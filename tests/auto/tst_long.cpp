// SPDX-License-Identifier: MIT
// Long calls from the host's side (docs/protocol.md, "Long calls"): progress and partial results
// arrive as signals, in order, before the call's callFinished().
#include "testutil.h"

#include <QCborArray>
#include <QCborMap>
#include <QFile>
#include <QThread>

using namespace QtPyVenv;
using namespace std::chrono_literals;

namespace {

const QString Sources = QStringLiteral(R"PY(
import qtpyvenv

def report(n):
    for i in range(n):
        qtpyvenv.progress(i + 1, n, "step %d" % (i + 1))
    return "reported"

def unknown_total():
    qtpyvenv.progress(3)
    return 0

def count(n):
    for i in range(n):
        yield {"i": i}

def wait_for(path):
    import os, time
    while not os.path.exists(path):
        time.sleep(0.005)
    return "waited"

def spin(path):
    qtpyvenv.progress(0, None, "spinning")
    try:
        while True:
            pass
    finally:
        open(path, "w").close()

def quick():
    return 1

def busy(n):
    total = 0
    for i in range(n):
        total += i
    return n

def silent_spin(path):
    open(path + ".started", "w").close()
    try:
        while True:
            pass
    finally:
        open(path, "w").close()

def native_sleep(path, seconds):
    import ctypes
    open(path, "w").close()
    ctypes.CDLL(None).sleep(seconds)  # in C, where no exception can reach it
    return "slept"

def ticking(path):
    import time
    i = 0
    try:
        while True:
            i += 1
            qtpyvenv.progress(i, None, "tick")
            time.sleep(0.005)
    finally:
        open(path, "w").close()
)PY");

using TestUtil::str;

} // namespace

class tst_Long : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void progressInOrderBeforeFinished();
    void progressWithUnknownTotal();
    void partialsInOrderBeforeFinished();
    void partialsWithoutEventLoop();
    void cancelQueuedCall();
    void cancelRunningLoopRunsFinally();
    void cancelRacingCompletion();
    void cancelUnknownCall();
    void futureProgress();
    void futureCancelCancelsTheCall();
    void futureCancelOfSilentCall();
    void cancelStuckInNativeCodeRestartsWorker();
    void noGracePeriodWaitsForNativeCode();

private:
    //! What the Venv emitted for calls, in order, as text.
    QStringList record();

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Venv> m_venv;
    QStringList m_events;
};

void tst_Long::initTestCase()
{
    m_dir = std::make_unique<QTemporaryDir>();
    Config config = TestUtil::config(m_dir->path(), {Sources});
    config.maxWorkers = 1; // so that calls queue behind a running one
    m_venv = std::make_unique<Venv>(config);
    const Error error = m_venv->start();
    QVERIFY2(error.ok(), qPrintable(error.toString()));
    connect(m_venv.get(), &Venv::callProgress, this,
            [this](const QString &id, double done, double total, const QString &message) {
                m_events << str("progress %1 %2/%3 %4").arg(id).arg(done).arg(total).arg(message);
            });
    connect(m_venv.get(), &Venv::callPartial, this, [this](const QString &id, const QCborValue &value) {
        m_events << str("partial %1 %2").arg(id, QString::fromUtf8(value.toCbor().toHex()));
    });
    connect(m_venv.get(), &Venv::callFinished, this, [this](const QString &id, const Error &error) {
        m_events << str("finished %1 %2").arg(id).arg(int(error.code));
    });
}

void tst_Long::cleanupTestCase()
{
    m_venv.reset();
    QCOMPARE(TestUtil::liveChildren(), QList<qint64>());
}

void tst_Long::progressInOrderBeforeFinished()
{
    m_events.clear();
    const QString id = m_venv->call(str("report"), 2000);
    QVERIFY(!id.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(m_events.contains(str("finished %1 0").arg(id)), 60000);
    QVERIFY2(m_events.size() >= 2, qPrintable(m_events.join(u'\n')));
    QCOMPARE(m_events.last(), str("finished %1 0").arg(id));
    // The first report is sent at once, the last one always; the rest at most every 50 ms.
    QCOMPARE(m_events.first(), str("progress %1 1/2000 step 1").arg(id));
    QCOMPARE(m_events[m_events.size() - 2], str("progress %1 2000/2000 step 2000").arg(id));
    double previous = 0;
    for (qsizetype i = 0; i + 1 < m_events.size(); ++i) {
        const double done = m_events[i].section(u' ', 2, 2).section(u'/', 0, 0).toDouble();
        QVERIFY2(done > previous, qPrintable(m_events.join(u'\n')));
        previous = done;
    }
    QJsonValue result;
    QVERIFY(m_venv->await(id, &result).ok());
    QCOMPARE(result.toString(), str("reported"));
}

void tst_Long::progressWithUnknownTotal()
{
    m_events.clear();
    const QString id = m_venv->call(str("unknown_total"));
    QTRY_VERIFY_WITH_TIMEOUT(m_events.contains(str("finished %1 0").arg(id)), 60000);
    QCOMPARE(m_events, QStringList({str("progress %1 3/-1 ").arg(id), str("finished %1 0").arg(id)}));
    QVERIFY(m_venv->await(id).ok());
}

void tst_Long::partialsInOrderBeforeFinished()
{
    m_events.clear();
    const QString id = m_venv->call(str("count"), 3);
    QTRY_VERIFY_WITH_TIMEOUT(m_events.contains(str("finished %1 0").arg(id)), 60000);
    QStringList expected;
    for (int i = 0; i < 3; ++i)
        expected << str("partial %1 %2").arg(id, QString::fromUtf8(QCborMap{{str("i"), i}}.toCborValue().toCbor().toHex()));
    expected << str("finished %1 0").arg(id);
    QCOMPARE(m_events, expected);
    const QList<QCborValue> partials = m_venv->partials(id);
    QCOMPARE(partials.size(), 3);
    QCOMPARE(partials[2].toMap().value(str("i")).toInteger(), 2);
    QVERIFY(m_venv->partials(id).isEmpty()); // drained
    QCborValue result;
    QVERIFY(m_venv->awaitValue(id, &result).ok());
    QCOMPARE(result.toMap().value(str("i")).toInteger(), 2); // the last value yielded
    QVERIFY(m_venv->partials(id).isEmpty()); // unknown once claimed
}

void tst_Long::partialsWithoutEventLoop()
{
    const QString id = m_venv->call(str("count"), 5);
    QList<QCborValue> taken; // the event loop does not run here
    const QDeadlineTimer deadline(60s);
    while (taken.size() < 5 && !deadline.hasExpired()) {
        taken += m_venv->partials(id);
        QThread::yieldCurrentThread();
    }
    QCOMPARE(taken.size(), 5);
    for (int i = 0; i < 5; ++i)
        QCOMPARE(taken[i].toMap().value(str("i")).toInteger(), i);
    QVERIFY(m_venv->await(id, nullptr, QDeadlineTimer(60s)).ok());
}

void tst_Long::cancelQueuedCall()
{
    m_events.clear();
    const QString release = m_dir->filePath(str("release"));
    const QString blocking = m_venv->call(str("wait_for"), release);
    const QString queued = m_venv->call(str("report"), 3);
    QVERIFY(!blocking.isEmpty() && !queued.isEmpty());
    QVERIFY(m_venv->cancel(queued).ok());
    const Error error = m_venv->await(queued, nullptr, QDeadlineTimer(60s));
    QCOMPARE(error.code, ErrorCode::Cancelled);
    QVERIFY2(error.message.contains(str("before it started")), qPrintable(error.message));
    QVERIFY(TestUtil::writeFile(release, {}));
    QJsonValue result;
    QVERIFY(m_venv->await(blocking, &result, QDeadlineTimer(60s)).ok());
    QCOMPARE(result.toString(), str("waited"));
    QCoreApplication::processEvents();
    QVERIFY2(!m_events.join(u'\n').contains(str("progress %1").arg(queued)), qPrintable(m_events.join(u'\n')));
}

void tst_Long::cancelRunningLoopRunsFinally()
{
    m_events.clear();
    const QString stopped = m_dir->filePath(str("stopped"));
    const QString spinning = m_venv->call(str("spin"), stopped);
    const QString behind = m_venv->call(str("report"), 3); // queued behind it, then unaffected
    QTRY_VERIFY_WITH_TIMEOUT(m_events.contains(str("progress %1 0/-1 spinning").arg(spinning)), 60000);
    QVERIFY(!QFile::exists(stopped));
    QVERIFY(m_venv->cancel(spinning).ok());
    const Error error = m_venv->await(spinning, nullptr, QDeadlineTimer(60s));
    QCOMPARE(error.code, ErrorCode::Cancelled);
    QCOMPARE(error.toString(), str("Cancelled: the call was cancelled"));
    QVERIFY2(error.traceback.contains(str("spin")), qPrintable(error.traceback));
    QVERIFY(QFile::exists(stopped)); // its finally ran before its call_done
    QJsonValue result;
    QVERIFY(m_venv->await(behind, &result, QDeadlineTimer(60s)).ok());
    QCOMPARE(result.toString(), str("reported"));
    QCOMPARE(m_venv->state(), State::Ready);
}

void tst_Long::cancelRacingCompletion()
{
    int cancelled = 0;
    for (int round = 0; round < 50; ++round) {
        m_events.clear();
        // From no work to some 30 ms of it (more than a cancel takes), so that either side can win.
        const int work = round * 20000;
        const QString id = m_venv->call(str("busy"), work);
        const Error sent = m_venv->cancel(id);
        QVERIFY(sent.ok() || sent.code == ErrorCode::Unknown);
        QTRY_VERIFY_WITH_TIMEOUT(m_events.filter(str("finished %1 ").arg(id)).size() == 1, 60000);
        QJsonValue result;
        const Error error = m_venv->await(id, &result, QDeadlineTimer(60s));
        if (error.code == ErrorCode::Cancelled) {
            ++cancelled;
            QVERIFY(sent.ok());
        } else {
            QVERIFY2(error.ok(), qPrintable(error.toString()));
            QCOMPARE(result.toInt(), work);
        }
        QCoreApplication::processEvents();
        QCOMPARE(m_events.filter(str("finished %1 ").arg(id)).size(), 1); // exactly one outcome
    }
    qInfo("%d of 50 calls were cancelled", cancelled);
}

void tst_Long::cancelUnknownCall()
{
    QCOMPARE(m_venv->cancel(str("nope")).code, ErrorCode::Unknown);
    QCOMPARE(m_venv->cancel(str("987654")).code, ErrorCode::Unknown);
    const QString id = m_venv->call(str("quick"));
    QVERIFY(m_venv->await(id, nullptr, QDeadlineTimer(60s)).ok());
    QCOMPARE(m_venv->cancel(id).code, ErrorCode::Unknown); // finished
    const QString release = m_dir->filePath(str("release2"));
    const QString waiting = m_venv->call(str("wait_for"), release);
    QVERIFY(m_venv->cancel(waiting).ok());
    QCOMPARE(m_venv->cancel(waiting).code, ErrorCode::Unknown); // already cancelled
    QCOMPARE(m_venv->await(waiting, nullptr, QDeadlineTimer(60s)).code, ErrorCode::Cancelled);
}

void tst_Long::futureProgress()
{
    QFuture<QJsonValue> future = m_venv->callAsync(str("report"), 2000);
    QTRY_VERIFY_WITH_TIMEOUT(future.isFinished(), 60000);
    QCOMPARE(future.result().toString(), str("reported"));
    QCOMPARE(future.progressMinimum(), 0);
    QCOMPARE(future.progressMaximum(), 1000); // per mille of a known total
    QCOMPARE(future.progressValue(), 1000);
    QCOMPARE(future.progressText(), str("step 2000"));
}

void tst_Long::futureCancelCancelsTheCall()
{
    const QString stopped = m_dir->filePath(str("ticking stopped"));
    QString id;
    QFuture<QCborValue> future = m_venv->invokeAsync(str("ticking"), {{stopped}, {}}, &id);
    QVERIFY(!id.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(future.progressValue() > 0, 60000);
    future.cancel();
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(stopped), 60000); // the Python code was stopped
    QTRY_VERIFY_WITH_TIMEOUT(future.isFinished(), 60000);
    QVERIFY(future.isCanceled());
    QCOMPARE(m_venv->cancel(id).code, ErrorCode::Unknown); // finished
    QJsonValue result;
    QVERIFY(m_venv->callAndAwait(str("quick"), {}, &result, QDeadlineTimer(60s)).ok());
    QCOMPARE(result.toInt(), 1);
}

void tst_Long::futureCancelOfSilentCall()
{
    // The call reports nothing after the cancel, so nothing it sends can make the host look.
    const QString stopped = m_dir->filePath(str("silent stopped"));
    QFuture<QJsonValue> future = m_venv->callAsync(str("silent_spin"), stopped);
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(stopped + str(".started")), 60000);
    future.cancel();
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(stopped), 60000);
    QTRY_VERIFY_WITH_TIMEOUT(future.isFinished(), 60000);
    QVERIFY(future.isCanceled());
    QCOMPARE(m_venv->state(), State::Ready);
}

void tst_Long::cancelStuckInNativeCodeRestartsWorker()
{
    QTemporaryDir dir;
    Config config = TestUtil::config(dir.path(), {Sources});
    config.maxWorkers = 2;
    config.cancelGracePeriod = 300ms;
    Venv venv(config);
    QVERIFY(venv.start().ok());
    const qint64 firstPid = venv.processId();
    QCoreApplication::processEvents(); // the start's own signals
    QStringList events;
    connect(&venv, &Venv::stateChanged, this, [&](State state) { events << str("state %1").arg(int(state)); });
    connect(&venv, &Venv::startPhaseChanged, this, [&](StartPhase phase) { events << str("phase %1").arg(int(phase)); });
    connect(&venv, &Venv::died, this, [&] { events << str("died"); });
    connect(&venv, &Venv::ready, this, [&] { events << str("ready"); });

    const QString entered = dir.filePath(str("entered"));
    const QString stuck = venv.invoke(str("native_sleep"), {{entered, 60}, {}});
    const QString bystander = venv.call(str("wait_for"), dir.filePath(str("never")));
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(entered), 60000);
    QVERIFY(venv.cancel(stuck).ok());

    const Error cancelled = venv.await(stuck, nullptr, QDeadlineTimer(60s));
    QCOMPARE(cancelled.code, ErrorCode::Cancelled);
    QVERIFY2(cancelled.message.contains(str("grace period")), qPrintable(cancelled.message));
    const Error died = venv.await(bystander, nullptr, QDeadlineTimer(60s));
    QCOMPARE(died.code, ErrorCode::Died);
    QVERIFY2(died.message.contains(str("restarted to end cancelled call %1").arg(stuck)), qPrintable(died.message));

    QTRY_COMPARE_WITH_TIMEOUT(venv.state(), State::Ready, 60000);
    QTRY_VERIFY_WITH_TIMEOUT(events.contains(str("ready")), 60000);
    // A restart, not a death; the venv is reused (no CreatingVenv or Installing phase).
    QCOMPARE(events, QStringList({str("state %1").arg(int(State::Starting)), str("phase %1").arg(int(StartPhase::Launching)),
                                  str("state %1").arg(int(State::Ready)), str("ready")}));
    QVERIFY(venv.processId() != firstPid);
    QTRY_VERIFY_WITH_TIMEOUT(!TestUtil::processAlive(firstPid), 60000);
    QJsonValue result;
    QVERIFY(venv.callAndAwait(str("quick"), {}, &result, QDeadlineTimer(60s)).ok());
    QCOMPARE(result.toInt(), 1);
}

void tst_Long::noGracePeriodWaitsForNativeCode()
{
    QTemporaryDir dir;
    Config config = TestUtil::config(dir.path(), {Sources});
    config.cancelGracePeriod = -1ms;
    Venv venv(config);
    QVERIFY(venv.start().ok());
    const qint64 pid = venv.processId();
    const QString entered = dir.filePath(str("entered"));
    const QString id = venv.invoke(str("native_sleep"), {{entered, 1}, {}});
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(entered), 60000);
    QVERIFY(venv.cancel(id).ok());
    // The cancel lands when the C call returns to Python; the worker is never restarted.
    QCOMPARE(venv.await(id, nullptr, QDeadlineTimer(60s)).code, ErrorCode::Cancelled);
    QCOMPARE(venv.processId(), pid);
    QCOMPARE(venv.state(), State::Ready);
}

QTEST_GUILESS_MAIN(tst_Long)
#include "tst_long.moc"
