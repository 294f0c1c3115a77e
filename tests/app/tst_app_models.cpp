// SPDX-License-Identifier: MIT
// The desktop app's models (each under QAbstractItemModelTester) and its plain logic.
#include "core/callmodel.h"
#include "core/definition.h"
#include "core/environmentlistmodel.h"
#include "core/jsontreemodel.h"
#include "core/listmodels.h"
#include "core/outputbuffer.h"
#include "core/requirements.h"

#include <QAbstractItemModelTester>
#include <QJsonArray>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace QtPyVenvApp;

class TestAppModels : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void environmentListModel()
    {
        EnvironmentListModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.upsert({QStringLiteral("a"), QStringLiteral("alpha"), EnvStatus::Stopped, {}, 0});
        model.upsert({QStringLiteral("b"), QStringLiteral("beta"), EnvStatus::Starting, {}, 0});
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.columnCount(), 3);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.upsert({QStringLiteral("b"), QStringLiteral("beta"), EnvStatus::Ready, QStringLiteral("3.11.7"), 2});
        QCOMPARE(changed.size(), 1);
        model.upsert({QStringLiteral("b"), QStringLiteral("beta"), EnvStatus::Ready, QStringLiteral("3.11.7"), 2});
        QCOMPARE(changed.size(), 1); // unchanged: no signal
        const QModelIndex b = model.index(1, EnvironmentListModel::NameColumn);
        QCOMPARE(b.data().toString(), QStringLiteral("beta"));
        QCOMPARE(b.data(EnvironmentListModel::StatusRole).value<EnvStatus>(), EnvStatus::Ready);
        QVERIFY(!b.data(Qt::DecorationRole).value<QIcon>().isNull());
        QCOMPARE(model.index(1, EnvironmentListModel::PythonColumn).data().toString(), QStringLiteral("3.11.7"));
        QCOMPARE(model.index(1, EnvironmentListModel::CallsColumn).data().toInt(), 2);
        model.remove(QStringLiteral("a"));
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.rowOf(QStringLiteral("b")), 0);
        QCOMPARE(model.rowOf(QStringLiteral("a")), -1);
    }

    void callModel()
    {
        CallModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy running(&model, &CallModel::runningCountChanged);
        const int first = model.addCall(QStringLiteral("describe"), QJsonArray{1, 2});
        const int second = model.addCall(QStringLiteral("fail"), QJsonValue());
        const int third = model.addCall(QStringLiteral("slow"), 3);
        QCOMPARE(model.runningCount(), 3);
        QCOMPARE(running.last().at(0).toInt(), 3);
        QCOMPARE(model.index(0, CallModel::StateColumn).data().toString(), QStringLiteral("running"));

        // The Id column shows the library's call id once known, not the app's key.
        QCOMPARE(model.index(0, CallModel::IdColumn).data().toString(), QStringLiteral("–"));
        QSignalSpy idChanged(&model, &QAbstractItemModel::dataChanged);
        model.setCallId(first, QStringLiteral("7"));
        model.setCallId(third, QStringLiteral("9"));
        QCOMPARE(idChanged.size(), 2);
        QCOMPARE(model.index(0, CallModel::IdColumn).data().toString(), QStringLiteral("7"));
        QCOMPARE(model.index(0, CallModel::IdColumn).data(CallModel::CallIdRole).toString(), QStringLiteral("7"));
        QCOMPARE(model.index(0, CallModel::IdColumn).data(CallModel::IdRole).toInt(), first);
        QCOMPARE(model.record(first)->callId, QStringLiteral("7"));
        QCOMPARE(model.rowOfCallId(QStringLiteral("9")), model.rowOf(third));
        QCOMPARE(model.rowOfCallId(QString()), -1);
        QCOMPARE(model.index(1, CallModel::IdColumn).data().toString(), QStringLiteral("–")); // never sent

        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.tick();
        QCOMPARE(changed.size(), 1);
        QCOMPARE(changed.last().at(0).value<QModelIndex>().column(), int(CallModel::ElapsedColumn));

        model.finishCall(first, QJsonObject{{QStringLiteral("mean"), 1.5}}, {});
        QtPyVenv::Error pythonError{QtPyVenv::ErrorCode::PythonError, QStringLiteral("ValueError"),
                                    QStringLiteral("bad"), QStringLiteral("Traceback ...")};
        model.finishCall(second, {}, pythonError);
        model.finishCall(third, {}, {QtPyVenv::ErrorCode::Died, {}, QStringLiteral("killed"), {}});
        QCOMPARE(model.runningCount(), 0);
        QCOMPARE(model.record(first)->state, CallState::Done);
        QVERIFY(model.record(first)->durationMs >= 0);
        QCOMPARE(model.record(second)->state, CallState::Failed);
        QCOMPARE(model.record(third)->state, CallState::Died);
        QCOMPARE(model.index(1, CallModel::ErrorColumn).data().toString(), QStringLiteral("ValueError: bad"));
        QCOMPARE(model.index(0, 0).data(CallModel::ResultRole).value<QJsonValue>()
                     .toObject().value(QStringLiteral("mean")).toDouble(), 1.5);
        model.finishCall(first, {}, pythonError); // a second outcome is ignored
        QCOMPARE(model.record(first)->state, CallState::Done);

        // Bounded: the oldest finished calls go first, running ones stay.
        const int keep = model.addCall(QStringLiteral("slow"), 10);
        model.setMaximumRecords(2);
        QCOMPARE(model.rowCount(), 2);
        QVERIFY(model.record(keep));
        model.clearFinished();
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.records().first().id, keep);
    }

    void jsonTreeModel()
    {
        JsonTreeModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const QJsonObject value{{QStringLiteral("count"), 3},
                                {QStringLiteral("items"), QJsonArray{1, QStringLiteral("two"), QJsonObject{{QStringLiteral("x"), true}}}},
                                {QStringLiteral("none"), QJsonValue()}};
        model.setJson(value);
        QCOMPARE(model.rowCount(), 1);
        const QModelIndex root = model.index(0, 0);
        QCOMPARE(root.data().toString(), QStringLiteral("result"));
        QCOMPARE(model.index(0, JsonTreeModel::ValueColumn).data().toString(), QStringLiteral("{3}"));
        QCOMPARE(model.rowCount(root), 3);
        const QModelIndex items = model.index(1, 0, root);
        QCOMPARE(items.data().toString(), QStringLiteral("items"));
        QCOMPARE(model.rowCount(items), 3);
        QCOMPARE(model.index(1, JsonTreeModel::ValueColumn, items).data().toString(), QStringLiteral("\"two\""));
        const QModelIndex nested = model.index(2, 0, items);
        QCOMPARE(model.index(0, 0, nested).data(JsonTreeModel::PathRole).toString(), QStringLiteral("result.items[2].x"));
        QCOMPARE(model.parent(model.index(0, 0, nested)), nested);
        QCOMPARE(model.index(2, JsonTreeModel::TypeColumn, root).data().toString(), QStringLiteral("null"));
        model.setJson(42);
        QCOMPARE(model.rowCount(model.index(0, 0)), 0);
        QCOMPARE(model.index(0, JsonTreeModel::ValueColumn).data().toString(), QStringLiteral("42"));
        model.clear();
        QCOMPARE(model.rowCount(), 0);
    }

    void listModels()
    {
        FunctionModel functions;
        QAbstractItemModelTester t1(&functions, QAbstractItemModelTester::FailureReportingMode::QtTest);
        functions.setFunctions({{QStringLiteral("describe"), QStringLiteral("(numbers)"), QStringLiteral("Stats.")},
                                {QStringLiteral("fail"), QStringLiteral("()"), QString()}});
        QCOMPARE(functions.rowCount(), 2);
        QCOMPARE(functions.index(0).data().toString(), QStringLiteral("describe(numbers)"));
        QCOMPARE(functions.rowOf(QStringLiteral("fail")), 1);

        PackageModel packages;
        QAbstractItemModelTester t2(&packages, QAbstractItemModelTester::FailureReportingMode::QtTest);
        packages.setPackages({{QStringLiteral("numpy"), QStringLiteral("1.26.4")}});
        QCOMPARE(packages.index(0, PackageModel::VersionColumn).data().toString(), QStringLiteral("1.26.4"));

        HistoryModel history;
        QAbstractItemModelTester t3(&history, QAbstractItemModelTester::FailureReportingMode::QtTest);
        history.add({QStringLiteral("describe"), QStringLiteral("[1]"), QDateTime::currentDateTime()});
        history.add({QStringLiteral("describe"), QStringLiteral("[1]"), QDateTime::currentDateTime()});
        QCOMPARE(history.rowCount(), 1); // the same call again is not repeated
        history.add({QStringLiteral("fail"), QString(), QDateTime::currentDateTime()});
        QCOMPARE(history.index(0).data(HistoryModel::FunctionRole).toString(), QStringLiteral("fail"));
        history.setMaximumEntries(1);
        QCOMPARE(history.rowCount(), 1);
    }

    void requirementLines_data()
    {
        QTest::addColumn<QString>("line");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("name") << "numpy" << true << "";
        QTest::newRow("pinned") << "requests==2.31.0" << true << "";
        QTest::newRow("range") << "pandas>=2.0,<3" << true << "";
        QTest::newRow("extras") << "requests[socks, security]>=2" << true << "";
        QTest::newRow("marker") << "tomli; python_version < \"3.11\"" << true << "";
        QTest::newRow("url") << "pkg @ https://example.invalid/pkg.whl" << true << "";
        QTest::newRow("comment") << "# a comment" << true << "";
        QTest::newRow("blank") << "   " << true << "";
        QTest::newRow("index option") << "--index-url https://x" << false << "Index URL";
        QTest::newRow("requirement file") << "-r other.txt" << false << "pip option";
        QTest::newRow("single =") << "numpy=1.2" << false << "==";
        QTest::newRow("bad spec") << "numpy 1.2" << false << "version specifier";
        QTest::newRow("bad start") << "?numpy" << false << "package name";
        QTest::newRow("open extras") << "requests[socks" << false << "]";
    }

    void requirementLines()
    {
        QFETCH(QString, line);
        QFETCH(bool, ok);
        QFETCH(QString, mentions);
        const QString problem = checkRequirementLine(line);
        QCOMPARE(problem.isEmpty(), ok);
        QVERIFY2(problem.contains(mentions), qPrintable(problem));
    }

    void requirementsText()
    {
        const QString text = QStringLiteral("numpy\n\n# c\n-e .\nscipy>=1\n");
        const auto problems = checkRequirementsText(text);
        QCOMPARE(problems.size(), 1);
        QCOMPARE(problems.first().line, 4);
        QCOMPARE(requirementsFromText(text), (QStringList{QStringLiteral("numpy"), QStringLiteral("-e ."), QStringLiteral("scipy>=1")}));
    }

    void pipPhases()
    {
        QCOMPARE(pipPhaseOfLine(QStringLiteral("Collecting numpy")), PipPhase::Resolving);
        QCOMPARE(pipPhaseOfLine(QStringLiteral("  Downloading numpy-1.26.4.whl (18 MB)")), PipPhase::Downloading);
        QCOMPARE(pipPhaseOfLine(QStringLiteral("Installing collected packages: numpy")), PipPhase::Installing);
        QCOMPARE(pipPhaseOfLine(QStringLiteral("Successfully installed numpy-1.26.4")), PipPhase::Done);
        QCOMPARE(pipPhaseOfLine(QStringLiteral("random text")), PipPhase::None);
        QCOMPARE(startPhaseText(QtPyVenv::StartPhase::CreatingVenv), QStringLiteral("creating venv"));
        QCOMPARE(startPhaseText(QtPyVenv::StartPhase::Installing), QStringLiteral("installing"));
        QCOMPARE(startPhaseText(QtPyVenv::StartPhase::Launching), QStringLiteral("launching"));
    }

    void jsonArgs()
    {
        QJsonValue value;
        QString error;
        QVERIFY(parseJsonArgs(QString(), &value, &error));
        QVERIFY(value.isNull());
        QVERIFY(parseJsonArgs(QStringLiteral("3"), &value, &error));
        QCOMPARE(value.toInt(), 3);
        QVERIFY(parseJsonArgs(QStringLiteral("\"text\""), &value, &error));
        QCOMPARE(value.toString(), QStringLiteral("text"));
        QVERIFY(parseJsonArgs(QStringLiteral("{\"a\": [1, 2]}"), &value, &error));
        QVERIFY(value.isObject());
        QVERIFY(!parseJsonArgs(QStringLiteral("[1,\n 2,"), &value, &error));
        QVERIFY2(error.startsWith(QStringLiteral("line ")), qPrintable(error));
        QVERIFY(!parseJsonArgs(QStringLiteral("1 2"), &value, &error));
        QCOMPARE(prettyJson(QJsonArray{1}), QStringLiteral("[\n    1\n]"));
    }

    void outputBufferIsBounded()
    {
        OutputBuffer buffer(4096);
        const QByteArray line(100, 'x');
        for (int i = 0; i < 10'000; ++i)
            buffer.append(i % 3 == 0 ? OutputStream::Stderr : OutputStream::Stdout, line + '\n');
        QVERIFY(buffer.size() <= 4096);
        QCOMPARE(buffer.droppedBytes() + buffer.size(), qint64(10'000) * 101);
        buffer.append(OutputStream::Stdout, QByteArray(1 << 20, 'y')); // one huge chunk
        QCOMPARE(buffer.size(), 4096);
        QCOMPARE(buffer.chunks().size(), 1);
        buffer.clear();
        buffer.append(OutputStream::Stderr, "a\nb\nc\n");
        QCOMPARE(buffer.lastLines(OutputStream::Stderr, 2), QStringLiteral("b\nc"));
    }

    void definitionsRoundTrip()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("sub/environments.json"));
        bool exists = true;
        QVERIFY(loadDefinitions(path, &exists).environments.isEmpty());
        QVERIFY(!exists);
        EnvironmentDefinition d;
        d.id = newEnvironmentId();
        d.name = QStringLiteral("science");
        d.interpreter = QStringLiteral("/usr/bin/python3");
        d.sources = {QStringLiteral("/a.py"), QStringLiteral("/b.py")};
        d.requirements = {QStringLiteral("numpy")};
        d.indexUrl = QStringLiteral("https://pypi.invalid/simple");
        d.findLinks = QStringLiteral("/wheels");
        d.autoStart = false;
        d.pythonVersion = QStringLiteral("3.11.7"); // remembered from the last start
        QVERIFY(saveDefinitions(path, {{d}, d.id}));
        const Definitions loaded = loadDefinitions(path, &exists);
        QVERIFY(exists);
        QCOMPARE(loaded.environments.size(), 1);
        QVERIFY(loaded.environments.first() == d);
        QCOMPARE(loaded.environments.first().pythonVersion, QStringLiteral("3.11.7"));
        QCOMPARE(loaded.currentId, d.id);
        QCOMPARE(d.pipOptions(), (QStringList{QStringLiteral("--index-url"), d.indexUrl,
                                              QStringLiteral("--find-links"), d.findLinks}));
    }
};

QTEST_MAIN(TestAppModels)
#include "tst_app_models.moc"
