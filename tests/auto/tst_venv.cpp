// SPDX-License-Identifier: MIT
// The Venv lifecycle, calls and their results, errors, signals, threading and close().
#include "testutil.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QSignalSpy>

using namespace QtPyVenv;

class tst_Venv : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void startAndCall();
    void cleanupTestCase();
};

void tst_Venv::startAndCall()
{
    QTemporaryDir dir;
    Venv venv(TestUtil::config(dir.path(), {QStringLiteral("def echo(args):\n    \"\"\"Returns args.\"\"\"\n    return args\n")}));
    QCOMPARE(venv.state(), State::Idle);
    const Error started = venv.start();
    QVERIFY2(started.ok(), qPrintable(started.toString()));
    QCOMPARE(venv.state(), State::Ready);
    QVERIFY(TestUtil::processAlive(venv.processId()));
    QJsonValue out;
    const QJsonObject args{{QStringLiteral("text"), QStringLiteral("hello")}, {QStringLiteral("n"), 42}};
    QVERIFY(venv.callAndAwait(QStringLiteral("echo"), args, &out).ok());
    QCOMPARE(out, QJsonValue(args));
}

void tst_Venv::cleanupTestCase()
{
    QCOMPARE(TestUtil::liveChildren(), QList<qint64>());
}

QTEST_GUILESS_MAIN(tst_Venv)
#include "tst_venv.moc"
