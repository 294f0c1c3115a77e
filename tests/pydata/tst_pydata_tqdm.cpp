// SPDX-License-Identifier: MIT
// tqdm bars in calls, with the real tqdm from the package index (in the venv the pydata tests
// share, pydatavenv.h): they report as their call's progress and draw nothing on the worker's
// stderr, while a bar outside any call still draws there.
#include "pydatavenv.h"

#include <QCborArray>

using namespace QtPyVenv;
using namespace std::chrono_literals;

namespace {

const QString TqdmSource = QStringLiteral(R"PY(
import sys, time
from tqdm import tqdm

for _ in tqdm(range(3), desc="outside"):  # at load time: no call, so it draws
    pass
print("loaded", file=sys.stderr)

def items(n):  # an iterable without len(): tqdm's total is unknown
    yield from range(n)

def counting(n, known_total):
    for _ in tqdm(range(n) if known_total else items(n)):
        time.sleep(0.01)
    print("counting done", file=sys.stderr)
    return n

def fitting(n):
    bar = tqdm(range(n), desc="fitting")
    for i in bar:
        time.sleep(0.01)
        bar.set_postfix(step=i + 1)
    print("fitting done", file=sys.stderr)
    return n
)PY");

QString str(const char *text)
{
    return QString::fromUtf8(text);
}

//! One callProgress() signal.
struct Report
{
    double done = 0;
    double total = 0;
    QString message;
};

} // namespace

class tst_PydataTqdm : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void barOverRangeReportsItsProgress();
    void barWithUnknownTotal();
    void barDescriptionAndPostfixAreTheMessage();
    void cleanupTestCase();

private:
    //! Calls \a function(*\a positional), which returns its first argument, and waits for its
    //! callFinished(); m_reports, m_stdout and m_stderr are then the call's.
    void run(const QString &function, const QCborArray &positional);
    //! Fails unless the call's done values rise from 0 to \a last, with one report on the way.
    void verifyDoneRisesTo(double last);

    std::unique_ptr<Venv> m_venv;
    QString m_callId;
    QList<Report> m_reports;
    bool m_finished = false;
    bool m_reportAfterFinished = false;
    QByteArray m_stdout;
    QByteArray m_stderr;
};

void tst_PydataTqdm::initTestCase()
{
    m_venv = std::make_unique<Venv>(Pydata::config({TqdmSource}));
    connect(m_venv.get(), &Venv::callProgress, this,
            [this](const QString &id, double done, double total, const QString &message) {
                if (id != m_callId)
                    return;
                m_reportAfterFinished |= m_finished;
                m_reports.append({done, total, message});
            });
    connect(m_venv.get(), &Venv::callFinished, this, [this](const QString &id) {
        if (id == m_callId)
            m_finished = true;
    });
    connect(m_venv.get(), &Venv::stdoutReceived, this, [this](const QByteArray &data) { m_stdout += data; });
    connect(m_venv.get(), &Venv::stderrReceived, this, [this](const QByteArray &data) { m_stderr += data; });
    const Error error = m_venv->start(QDeadlineTimer(15min));
    if (error.code == ErrorCode::InstallFailed && TestUtil::indexUnreachable(error.message))
        QSKIP(qPrintable(Pydata::skipReason(error.message)));
    QVERIFY2(error.ok(), qPrintable(error.toString() + QLatin1Char('\n') + error.traceback));
    // The control: where no call runs, tqdm draws on the worker's stderr as always.
    QTRY_VERIFY_WITH_TIMEOUT(m_stderr.contains("loaded\n"), 60000);
    QVERIFY2(m_stderr.contains("outside: 100%|"), m_stderr.constData());
}

void tst_PydataTqdm::run(const QString &function, const QCborArray &positional)
{
    m_reports.clear();
    m_finished = m_reportAfterFinished = false;
    m_stdout.clear();
    m_stderr.clear();
    m_callId = m_venv->invoke(function, {positional, {}});
    QTRY_VERIFY_WITH_TIMEOUT(m_finished, 60000);
    QCborValue result;
    const Error error = m_venv->awaitValue(m_callId, &result);
    QVERIFY2(error.ok(), qPrintable(error.toString() + QLatin1Char('\n') + error.traceback));
    QCOMPARE(result, positional.first());
    QVERIFY(!m_reportAfterFinished);
    // What a call writes arrives before its callFinished(): here only the line it prints at its
    // end, no bar.
    QCOMPARE(m_stderr, function.toUtf8() + " done\n");
    QCOMPARE(m_stdout, QByteArray());
}

void tst_PydataTqdm::verifyDoneRisesTo(double last)
{
    // The first report at once, some while the loop runs (tqdm counts and refreshes every 0.1 s,
    // the loops take longer), the last when the bar closes.
    QVERIFY(!m_reports.isEmpty());
    QCOMPARE(m_reports.first().done, 0.0);
    QCOMPARE(m_reports.last().done, last);
    bool onTheWay = false;
    for (qsizetype i = 1; i < m_reports.size(); ++i) {
        QVERIFY2(m_reports[i].done >= m_reports[i - 1].done, qPrintable(QString::number(m_reports[i].done)));
        onTheWay |= m_reports[i].done > 0 && m_reports[i].done < last;
    }
    QVERIFY(onTheWay);
}

void tst_PydataTqdm::barOverRangeReportsItsProgress()
{
    run(str("counting"), {40, true});
    if (QTest::currentTestFailed())
        return;
    verifyDoneRisesTo(40);
    for (const Report &report : std::as_const(m_reports)) {
        QCOMPARE(report.total, 40.0);
        QCOMPARE(report.message, QString());
    }
    // The worker never sends the same report twice: with total and message fixed, done rises at every one.
    for (qsizetype i = 1; i < m_reports.size(); ++i)
        QVERIFY(m_reports[i].done > m_reports[i - 1].done);
}

void tst_PydataTqdm::barWithUnknownTotal()
{
    run(str("counting"), {30, false});
    if (QTest::currentTestFailed())
        return;
    verifyDoneRisesTo(30);
    for (const Report &report : std::as_const(m_reports))
        QVERIFY2(report.total < 0, qPrintable(QString::number(report.total)));
}

void tst_PydataTqdm::barDescriptionAndPostfixAreTheMessage()
{
    run(str("fitting"), {30});
    if (QTest::currentTestFailed())
        return;
    verifyDoneRisesTo(30);
    QCOMPARE(m_reports.first().message, str("fitting"));
    for (const Report &report : std::as_const(m_reports))
        QVERIFY2(report.message.startsWith(str("fitting")), qPrintable(report.message));
    QCOMPARE(m_reports.last().message, str("fitting, step=30"));
}

void tst_PydataTqdm::cleanupTestCase()
{
    m_venv.reset();
    QCOMPARE(TestUtil::liveChildren(), QList<qint64>());
}

QTEST_GUILESS_MAIN(tst_PydataTqdm)
#include "tst_pydata_tqdm.moc"
