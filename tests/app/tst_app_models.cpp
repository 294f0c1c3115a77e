// SPDX-License-Identifier: MIT
// The desktop app's models (each under QAbstractItemModelTester) and its plain logic.
#include "core/callmodel.h"
#include "core/callsummary.h"
#include "core/definition.h"
#include "core/environmentlistmodel.h"
#include "core/arguments.h"
#include "core/delimitedtext.h"
#include "core/resultvalue.h"
#include "core/tablemodel.h"
#include "core/valuetreemodel.h"
#include "core/listmodels.h"
#include "core/outputbuffer.h"
#include "core/requirements.h"
#include "core/runson.h"
#include "core/session.h"

#include <QAbstractItemModelTester>
#include <QBuffer>
#include <QCborArray>
#include <QCborMap>
#include <QElapsedTimer>
#include <QFile>
#include <QImage>
#include <QItemSelectionModel>
#include <QJsonArray>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <numeric>

using namespace QtPyVenvApp;

Q_DECLARE_METATYPE(QtPyVenvApp::RunsOn)

namespace {
//! A small PNG file.
QByteArray pngBytes()
{
    QImage image(4, 3, QImage::Format_RGB32);
    image.fill(Qt::red);
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, "PNG");
    return buffer.data();
}
} // namespace

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
        const int first = model.addCall(QStringLiteral("describe"), {{QCborArray{1, 2}}, {}});
        const int second = model.addCall(QStringLiteral("fail"), {});
        const int third = model.addCall(QStringLiteral("slow"), {{}, {{QStringLiteral("n"), 3}}});
        QCOMPARE(model.runningCount(), 3);
        QCOMPARE(running.last().at(0).toInt(), 3);
        QCOMPARE(model.index(0, CallModel::StateColumn).data().toString(), QStringLiteral("running"));

        // The Id column shows the app's number; the library's id is kept, named in the tooltip.
        QCOMPARE(model.index(0, CallModel::IdColumn).data().toInt(), first);
        QCOMPARE(model.index(1, CallModel::IdColumn).data(Qt::ToolTipRole).toString(), QStringLiteral("Never sent to the worker"));
        QSignalSpy idChanged(&model, &QAbstractItemModel::dataChanged);
        model.setCallId(first, QStringLiteral("7"));
        model.setCallId(third, QStringLiteral("9"));
        QCOMPARE(idChanged.size(), 2);
        QCOMPARE(model.index(0, CallModel::IdColumn).data().toInt(), first);
        QCOMPARE(model.index(0, CallModel::IdColumn).data(CallModel::CallIdRole).toString(), QStringLiteral("7"));
        QVERIFY(model.index(0, CallModel::IdColumn).data(Qt::ToolTipRole).toString().contains(QStringLiteral("7")));
        QCOMPARE(model.index(0, CallModel::IdColumn).data(CallModel::IdRole).toInt(), first);
        QCOMPARE(model.record(first)->callId, QStringLiteral("7"));
        QCOMPARE(model.index(2, CallModel::ArgumentsColumn).data().toString(), QStringLiteral("n=3"));
        QCOMPARE(model.headerData(CallModel::ArgumentsColumn, Qt::Horizontal).toString(), QStringLiteral("Arguments"));

        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.tick();
        QCOMPARE(changed.size(), 1);
        QCOMPARE(changed.last().at(0).value<QModelIndex>().column(), int(CallModel::ElapsedColumn));

        model.finishCall(first, QCborMap{{QStringLiteral("mean"), 1.5}}, {});
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
        QCOMPARE(model.index(0, 0).data(CallModel::ResultRole).value<QCborValue>()
                     .toMap().value(QStringLiteral("mean")).toDouble(), 1.5);
        QCOMPARE(model.index(2, 0).data(CallModel::ArgsRole).value<QtPyVenv::Arguments>()
                     .keywords.value(QStringLiteral("n")).toInteger(), 3);
        model.finishCall(first, {}, pythonError); // a second outcome is ignored
        QCOMPARE(model.record(first)->state, CallState::Done);

        // Bounded: the oldest finished calls go first, running ones stay.
        const int keep = model.addCall(QStringLiteral("slow"), {{10}, {}});
        model.setMaximumRecords(2);
        QCOMPARE(model.rowCount(), 2);
        QVERIFY(model.record(keep));
        model.clearFinished();
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.records().first().id, keep);
    }

    // The library's call ids start again with every worker: the ids shown must not.
    void callModelIdsStayUniqueAcrossRestarts()
    {
        CallModel model;
        QSet<QString> shown;
        for (int restart = 0; restart < 3; ++restart) {
            const int id = model.addCall(QStringLiteral("describe"), {});
            model.setCallId(id, QStringLiteral("2"));
            model.finishCall(id, {}, {});
            shown.insert(model.index(model.rowOf(id), CallModel::IdColumn).data().toString());
        }
        QCOMPARE(shown.size(), 3);
    }

    void callModelArgumentsAreCompact()
    {
        CallModel model;
        const QString longText(200, QLatin1Char('x'));
        const QCborMap nested{{QStringLiteral("text"), longText}};
        model.addCall(QStringLiteral("describe"), {{QCborArray{1, 2}, nested}, {}});
        const QModelIndex cell = model.index(0, CallModel::ArgumentsColumn);
        const QString text = cell.data().toString();
        QCOMPARE(text.size(), CallModel::ArgumentsShown);
        QVERIFY2(text.startsWith(QStringLiteral("[1, 2], {\"text\"")) && text.endsWith(QChar(0x2026)), qPrintable(text));
        QVERIFY(!text.contains(QLatin1Char('\n')));
        const QString tip = cell.data(Qt::ToolTipRole).toString();
        QVERIFY2(tip.startsWith(QStringLiteral("describe([1, 2], ")) && tip.contains(longText), qPrintable(tip));
    }

    void callProgressText_data()
    {
        QTest::addColumn<bool>("reported");
        QTest::addColumn<double>("done");
        QTest::addColumn<double>("total");
        QTest::addColumn<QString>("message");
        QTest::addColumn<double>("fraction");
        QTest::addColumn<QString>("text");
        QTest::newRow("none") << false << 0.0 << -1.0 << "" << -1.0 << "";
        QTest::newRow("of total") << true << 37.0 << 100.0 << "fitting" << 0.37 << "37/100 fitting";
        QTest::newRow("unknown total") << true << 12.0 << -1.0 << "" << -1.0 << "12";
        QTest::newRow("fractional") << true << 0.5 << 2.0 << "" << 0.25 << "0.5/2";
        QTest::newRow("past the total") << true << 120.0 << 100.0 << "" << 1.0 << "120/100";
        QTest::newRow("below zero") << true << -5.0 << 100.0 << "" << 0.0 << "-5/100";
        QTest::newRow("zero total") << true << 0.0 << 0.0 << "" << 1.0 << "0/0";
        QTest::newRow("nan") << true << qQNaN() << 10.0 << "" << -1.0 << "nan/10";
        QTest::newRow("infinite total") << true << 1.0 << qInf() << "" << -1.0 << "1/inf";
    }

    void callProgressText()
    {
        QFETCH(bool, reported);
        QFETCH(double, done);
        QFETCH(double, total);
        QFETCH(QString, message);
        QFETCH(double, fraction);
        QFETCH(QString, text);
        const CallProgress progress{reported, done, total, message};
        QCOMPARE(progress.fraction(), fraction);
        QCOMPARE(progress.text(), text);
    }

    //! Progress and partial results reach the row coalesced, in the two cells they change.
    void callModelProgressIsCoalesced()
    {
        CallModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const int quiet = model.addCall(QStringLiteral("describe"), {});
        const int busy = model.addCall(QStringLiteral("fit"), {});
        model.setCallId(quiet, QStringLiteral("1"));
        model.setCallId(busy, QStringLiteral("2"));
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        for (int i = 1; i <= 1000; ++i)
            model.setProgress(busy, i, 1000, QStringLiteral("epoch %1").arg(i));
        model.addPartial(busy, 1);
        QCOMPARE(changed.size(), 0); // nothing yet: a flood of reports is one update
        QVERIFY(changed.wait(5 * CallModel::UpdateIntervalMs));
        QTest::qWait(3 * CallModel::UpdateIntervalMs); // no second update follows
        QCOMPARE(changed.size(), 1);
        const auto topLeft = changed.first().at(0).value<QModelIndex>();
        const auto bottomRight = changed.first().at(1).value<QModelIndex>();
        QCOMPARE(topLeft.row(), model.rowOf(busy));
        QCOMPARE(bottomRight.row(), model.rowOf(busy));
        QCOMPARE(topLeft.column(), int(CallModel::ProgressColumn));
        QCOMPARE(bottomRight.column(), int(CallModel::PartialsColumn));

        const int row = model.rowOf(busy);
        QCOMPARE(model.index(row, CallModel::ProgressColumn).data().toString(), QStringLiteral("1000/1000 epoch 1000"));
        QCOMPARE(model.index(row, CallModel::ProgressColumn).data(CallModel::ProgressRole).toDouble(), 1.0);
        QCOMPARE(model.index(row, CallModel::PartialsColumn).data().toString(), QStringLiteral("1"));
        // A running call that reported nothing, or no total, has a busy bar; a quiet one no text.
        QCOMPARE(model.index(model.rowOf(quiet), CallModel::ProgressColumn).data(CallModel::ProgressRole).toDouble(), -1.0);
        QCOMPARE(model.index(model.rowOf(quiet), CallModel::ProgressColumn).data().toString(), QString());
        QCOMPARE(model.index(model.rowOf(quiet), CallModel::PartialsColumn).data().toString(), QString());
        model.setProgress(busy, 5, -3, QString());
        model.flushUpdates();
        QCOMPARE(changed.size(), 2);
        QCOMPARE(model.index(row, CallModel::ProgressColumn).data(CallModel::ProgressRole).toDouble(), -1.0);
        QCOMPARE(model.index(row, CallModel::ProgressColumn).data().toString(), QStringLiteral("5"));
        QCOMPARE(model.record(busy)->progress.total, -1.0);

        // The clock moves the busy bars with the elapsed times, in one range.
        changed.clear();
        model.tick();
        QCOMPARE(changed.size(), 1);
        QCOMPARE(changed.first().at(0).value<QModelIndex>().column(), int(CallModel::ElapsedColumn));
        QCOMPARE(changed.first().at(1).value<QModelIndex>().column(), int(CallModel::ProgressColumn));

        // Finishing shows at once, and what was still pending is not sent after it.
        changed.clear();
        model.setProgress(quiet, 1, 2, QString());
        model.finishCall(quiet, 7, {});
        QCOMPARE(changed.size(), 1);
        QTest::qWait(3 * CallModel::UpdateIntervalMs);
        QCOMPARE(changed.size(), 1);
        // A finished call takes no more progress or partial results.
        model.setProgress(quiet, 2, 2, QString());
        model.addPartial(quiet, 1);
        model.flushUpdates();
        QCOMPARE(changed.size(), 1);
        QCOMPARE(model.record(quiet)->progress.done, 1.0);
        QCOMPARE(model.record(quiet)->partialCount, 0);
    }

    void callModelPartials()
    {
        CallModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const int id = model.addCall(QStringLiteral("estimate_pi"), {});
        for (int i = 0; i < 3; ++i)
            model.addPartial(id, QCborMap{{QStringLiteral("batch"), i}});
        model.flushUpdates();
        const QModelIndex cell = model.index(0, CallModel::PartialsColumn);
        QCOMPARE(cell.data().toString(), QStringLiteral("3"));
        QCOMPARE(cell.data(CallModel::PartialCountRole).toLongLong(), 3);
        const QCborArray partials = cell.data(CallModel::PartialsRole).value<QCborValue>().toArray();
        QCOMPARE(partials.size(), 3);
        QCOMPARE(partials.at(2).toMap().value(QStringLiteral("batch")).toInteger(), 2); // in order

        // Bounded: the newest are kept, all are counted.
        for (qsizetype i = 3; i < CallModel::MaxPartialsKept + 5; ++i)
            model.addPartial(id, i);
        model.flushUpdates();
        const CallRecord *record = model.record(id);
        QCOMPARE(record->partials.size(), CallModel::MaxPartialsKept);
        QCOMPARE(record->partialCount, CallModel::MaxPartialsKept + 5);
        QCOMPARE(record->partials.first().toInteger(), 5);
        QCOMPARE(record->partials.last().toInteger(), CallModel::MaxPartialsKept + 4);
        QVERIFY(cell.data(Qt::ToolTipRole).toString().contains(QString::number(CallModel::MaxPartialsKept)));
        QVERIFY(callSummary(*record).contains(QStringLiteral("the newest %1 kept").arg(CallModel::MaxPartialsKept)));
    }

    //! A cancelled call is neither running nor a failure; "cancelling" until its outcome arrives.
    void callModelCancel()
    {
        CallModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const int unsent = model.addCall(QStringLiteral("fit"), {});
        const int id = model.addCall(QStringLiteral("fit"), {{40}, {}});
        QCOMPARE(model.index(model.rowOf(unsent), 0).data(CallModel::CancellableRole).toBool(), false); // nothing to cancel
        model.setCallId(id, QStringLiteral("4"));
        const int row = model.rowOf(id);
        QCOMPARE(model.index(row, 0).data(CallModel::CancellableRole).toBool(), true);
        model.setProgress(id, 10, 40, QStringLiteral("epoch 10"));
        model.flushUpdates();
        QVERIFY2(callSummary(*model.record(id)).contains(QStringLiteral("Still running. Progress: 10/40 epoch 10")),
                 qPrintable(callSummary(*model.record(id))));

        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.setCancelRequested(id);
        model.setCancelRequested(id); // once is news
        QCOMPARE(changed.size(), 1);
        QCOMPARE(model.index(row, CallModel::StateColumn).data().toString(), QStringLiteral("cancelling"));
        QCOMPARE(model.index(row, 0).data(CallModel::CancellableRole).toBool(), false);
        QCOMPARE(model.record(id)->state, CallState::Running);
        QCOMPARE(model.runningCount(), 2);
        QVERIFY(callSummary(*model.record(id)).contains(QStringLiteral("Cancelling…")));

        const QtPyVenv::Error cancelled{QtPyVenv::ErrorCode::Cancelled, QStringLiteral("Cancelled"),
                                        QStringLiteral("the call was cancelled"),
                                        QStringLiteral("Traceback:\n  File \"demo.py\", line 9, in fit\n")};
        model.finishCall(id, {}, cancelled);
        QCOMPARE(model.record(id)->state, CallState::Cancelled);
        QCOMPARE(model.runningCount(), 1);
        QCOMPARE(model.index(row, CallModel::StateColumn).data().toString(), QStringLiteral("cancelled"));
        QCOMPARE(model.index(row, CallModel::ErrorColumn).data().toString(), QString()); // not an error
        const QIcon icon = model.index(row, CallModel::StateColumn).data(Qt::DecorationRole).value<QIcon>();
        QCOMPARE(icon.cacheKey(), statusIcon(EnvStatus::Stopped).cacheKey()); // grey, not the failure's red
        // How far it got stays on the row.
        QCOMPARE(model.index(row, CallModel::ProgressColumn).data(CallModel::ProgressRole).toDouble(), 0.25);
        QCOMPARE(model.index(row, CallModel::ProgressColumn).data().toString(), QStringLiteral("10/40 epoch 10"));
        const QString summary = callSummary(*model.record(id));
        QVERIFY2(summary.contains(QStringLiteral("Cancelled after")) && summary.contains(QStringLiteral("in fit")),
                 qPrintable(summary));
        model.clearFinished();
        QCOMPARE(model.rowCount(), 1); // a cancelled call is finished
    }

    void valueTreeModel()
    {
        ValueTreeModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCborMap value; // keys in an order no sorting gives
        value.insert(QStringLiteral("zeta"), 3);
        value.insert(QStringLiteral("alpha"), QCborArray{1, QStringLiteral("two"), QCborMap{{QStringLiteral("x"), true}}});
        value.insert(QStringLiteral("mid"), QCborValue(nullptr));
        model.setValue(value);
        QCOMPARE(model.rowCount(), 1);
        const QModelIndex root = model.index(0, 0);
        QCOMPARE(root.data().toString(), QStringLiteral("result"));
        QCOMPARE(model.index(0, ValueTreeModel::ValueColumn).data().toString(), QStringLiteral("{3}"));
        QCOMPARE(model.rowCount(root), 3);
        QStringList keys;
        for (int row = 0; row < 3; ++row)
            keys << model.index(row, 0, root).data().toString();
        QCOMPARE(keys, (QStringList{QStringLiteral("zeta"), QStringLiteral("alpha"), QStringLiteral("mid")}));
        QCOMPARE(model.index(0, ValueTreeModel::TypeColumn, root).data().toString(), QStringLiteral("int"));
        const QModelIndex items = model.index(1, 0, root);
        QCOMPARE(model.rowCount(items), 3);
        QCOMPARE(model.index(1, ValueTreeModel::ValueColumn, items).data().toString(), QStringLiteral("\"two\""));
        const QModelIndex nested = model.index(2, 0, items);
        QCOMPARE(model.index(0, 0, nested).data(ValueTreeModel::PathRole).toString(), QStringLiteral("result.alpha[2].x"));
        QCOMPARE(model.parent(model.index(0, 0, nested)), nested);
        QCOMPARE(model.index(2, ValueTreeModel::TypeColumn, root).data().toString(), QStringLiteral("null"));
        QCOMPARE(model.index(1, 0, root).data(ValueTreeModel::ValueRole).value<QCborValue>().toArray().size(), 3);

        // Typed values are leaves with a summary; a table's children are its columns.
        const QtPyVenv::NdArray matrix(std::vector<double>(3000, 0.5), {1000, 3});
        const QtPyVenv::Table table({QStringLiteral("n"), QStringLiteral("s")},
                                    {QtPyVenv::NdArray(std::vector<qint64>{1, 2}).toCbor(),
                                     QCborArray{QStringLiteral("a"), QStringLiteral("b")}});
        model.setValue(QCborMap{{QStringLiteral("m"), matrix.toCbor()}, {QStringLiteral("t"), table.toCbor()}});
        const QModelIndex top = model.index(0, 0);
        QCOMPARE(model.index(0, ValueTreeModel::ValueColumn, top).data().toString(), QStringLiteral("float64[1000×3]"));
        QCOMPARE(model.index(0, ValueTreeModel::TypeColumn, top).data().toString(), QStringLiteral("ndarray"));
        QCOMPARE(model.rowCount(model.index(0, 0, top)), 0);
        const QModelIndex t = model.index(1, 0, top);
        QCOMPARE(t.siblingAtColumn(ValueTreeModel::ValueColumn).data().toString(), QStringLiteral("table[2×2]"));
        QCOMPARE(model.rowCount(t), 2);
        QCOMPARE(model.index(1, 0, t).data().toString(), QStringLiteral("s"));
        QCOMPARE(model.rowCount(model.index(1, 0, t)), 2);

        // A long list shows in batches. (Without the tester: it fetches more itself while it
        // checks a reset, and then takes the rows that brings for an insertion during the reset.)
        ValueTreeModel lazy;
        QCborArray big;
        for (int i = 0; i < 2500; ++i)
            big.append(i);
        lazy.setValue(big);
        const QModelIndex list = lazy.index(0, 0);
        QCOMPARE(lazy.rowCount(list), ValueTreeModel::BatchSize);
        QVERIFY(lazy.canFetchMore(list));
        QSignalSpy inserted(&lazy, &QAbstractItemModel::rowsInserted);
        lazy.fetchMore(list);
        QCOMPARE(lazy.rowCount(list), 2 * ValueTreeModel::BatchSize);
        QCOMPARE(inserted.size(), 1);
        QCOMPARE(inserted.first().at(1).toInt(), ValueTreeModel::BatchSize);
        lazy.fetchMore(list);
        QCOMPARE(lazy.rowCount(list), 2500);
        QVERIFY(!lazy.canFetchMore(list));
        QCOMPARE(lazy.index(2499, ValueTreeModel::ValueColumn, list).data().toString(), QStringLiteral("2499"));
        QCOMPARE(lazy.index(2499, 0, list).data(ValueTreeModel::PathRole).toString(), QStringLiteral("result[2499]"));

        model.setValue(42);
        QCOMPARE(model.rowCount(model.index(0, 0)), 0);
        QCOMPARE(model.index(0, ValueTreeModel::ValueColumn).data().toString(), QStringLiteral("42"));
        model.clear();
        QCOMPARE(model.rowCount(), 0);
    }

    void tableModelMillionRows()
    {
        constexpr qint64 Rows = 1'000'000;
        std::vector<qint64> ids(Rows);
        std::vector<double> xs(Rows);
        for (qint64 i = 0; i < Rows; ++i) {
            ids[size_t(i)] = Rows - i;
            xs[size_t(i)] = i % 7 == 3 ? std::nan("") : double((i * 7919) % 1000);
        }
        const QtPyVenv::Table table({QStringLiteral("id"), QStringLiteral("x")},
                                    {QtPyVenv::NdArray(ids).toCbor(), QtPyVenv::NdArray(xs).toCbor()});
        QVERIFY(table.isValid());
        TableModel model;
        QElapsedTimer tested;
        tested.start();
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setTable(table);
        qInfo() << "the model tester took" << tested.elapsed() << "ms over a million rows";
        QCOMPARE(model.rowCount(), int(Rows));
        QCOMPARE(model.columnCount(), 2);
        QCOMPARE(model.headerData(1, Qt::Horizontal).toString(), QStringLiteral("x"));
        QCOMPARE(model.headerData(1, Qt::Horizontal, Qt::ToolTipRole).toString(), QStringLiteral("float64"));
        QCOMPARE(model.headerData(999'999, Qt::Vertical).toString(), QStringLiteral("999999"));
        QCOMPARE(model.index(0, 0).data().toString(), QStringLiteral("1000000"));
        QCOMPARE(model.index(999'999, 0).data().toString(), QStringLiteral("1"));
        QCOMPARE(model.index(1, 1).data().toString(), QStringLiteral("919.0"));
        QCOMPARE(model.index(3, 1).data().toString(), QStringLiteral("NaN"));
        QCOMPARE(model.index(1, 0).data(Qt::TextAlignmentRole).toInt(), int(Qt::AlignRight | Qt::AlignVCenter));

        QPersistentModelIndex followed(model.index(5, 1)); // x = 5 * 7919 % 1000 = 595
        QSignalSpy layout(&model, &QAbstractItemModel::layoutChanged);
        QElapsedTimer timer;
        timer.start();
        model.sort(1, Qt::AscendingOrder);
        qInfo() << "sorting a million float64 rows took" << timer.elapsed() << "ms (the tester checking too)";
        QCOMPARE(layout.size(), 1);
        QCOMPARE(model.index(0, 1).data().toString(), QStringLiteral("0.0"));
        double previous = -1;
        for (int row = 0; row < 857'142; row += 997) { // the NaN-free part, sampled
            const double x = model.index(row, 1).data(TableModel::ValueRole).value<QCborValue>().toDouble();
            QVERIFY2(x >= previous, qPrintable(QString::number(row)));
            previous = x;
        }
        QCOMPARE(model.index(int(Rows) - 1, 1).data().toString(), QStringLiteral("NaN")); // NaN last
        QCOMPARE(followed.data().toString(), QStringLiteral("595.0"));
        QCOMPARE(followed.data(TableModel::SourceRowRole).toLongLong(), 5);
        QCOMPARE(model.headerData(followed.row(), Qt::Vertical).toString(), QStringLiteral("5"));

        model.sort(1, Qt::DescendingOrder);
        QCOMPARE(model.index(0, 1).data().toString(), QStringLiteral("999.0"));
        QCOMPARE(model.index(int(Rows) - 1, 1).data().toString(), QStringLiteral("NaN")); // still last
        model.sort(0, Qt::AscendingOrder);
        QCOMPARE(model.index(0, 0).data().toString(), QStringLiteral("1"));
        QCOMPARE(model.sortColumn(), 0);
        model.sort(-1);
        QCOMPARE(model.index(0, 0).data().toString(), QStringLiteral("1000000"));
        QVERIFY(model.order().empty());
        QCOMPARE(followed.row(), 5);
    }

    void tableModelUnderTester()
    {
        // A list column, an int column and an index, under the model tester.
        const QtPyVenv::Table table({QStringLiteral("name"), QStringLiteral("score")},
                                    {QCborArray{QStringLiteral("b"), QStringLiteral("a"), QCborValue(nullptr), QStringLiteral("c, d")},
                                     QtPyVenv::NdArray(std::vector<std::int32_t>{3, 1, 2, 0}).toCbor()},
                                    QCborArray{QStringLiteral("r0"), QStringLiteral("r1"), QStringLiteral("r2"), QStringLiteral("r3")});
        QVERIFY(table.isValid());
        TableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setTable(table);
        QCOMPARE(model.headerData(1, Qt::Vertical).toString(), QStringLiteral("r1"));
        QCOMPARE(model.index(2, 0).data().toString(), QStringLiteral("null"));
        QVERIFY(model.index(2, 0).data(Qt::ForegroundRole).isValid()); // muted
        auto column = [&model](int c) {
            QStringList texts;
            for (int row = 0; row < model.rowCount(); ++row)
                texts << model.index(row, c).data().toString();
            return texts.join(QLatin1Char('|'));
        };
        model.sort(0, Qt::AscendingOrder);
        QCOMPARE(column(0), QStringLiteral("a|b|c, d|null"));
        QCOMPARE(model.headerData(0, Qt::Vertical).toString(), QStringLiteral("r1"));
        model.sort(0, Qt::DescendingOrder);
        QCOMPARE(column(0), QStringLiteral("c, d|b|a|null"));
        model.sort(1, Qt::AscendingOrder);
        QCOMPARE(column(1), QStringLiteral("0|1|2|3"));

        // Copy as TSV and export as CSV read the same exact text.
        QItemSelectionModel selection(&model);
        selection.select(QItemSelection(model.index(0, 0), model.index(1, 1)), QItemSelectionModel::Select);
        QCOMPARE(selectionToTsv(&model, selection.selection()), QStringLiteral("c, d\t0\na\t1\n"));
        selection.select(model.index(3, 1), QItemSelectionModel::Select); // a second range
        QCOMPARE(selectionToTsv(&model, selection.selection()), QStringLiteral("c, d\t0\na\t1\n\t3\n"));
        QBuffer buffer;
        buffer.open(QIODevice::WriteOnly);
        QVERIFY(writeTableCsv(model.table(), model.order(), &buffer));
        QCOMPARE(buffer.data(), QByteArray(",name,score\r\nr3,\"c, d\",0\r\nr1,a,1\r\nr2,null,2\r\nr0,b,3\r\n"));
        model.clear();
        QCOMPARE(model.rowCount(), 0);
    }

    void ndArrayModel()
    {
        NdArrayModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setArray(QtPyVenv::NdArray(std::vector<std::int32_t>{5, -1, 7}));
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.columnCount(), 1);
        QCOMPARE(model.index(2, 0).data().toString(), QStringLiteral("7"));
        model.setArray(QtPyVenv::NdArray(std::vector<double>{0, 1, 2, 3, 4, 5}, {2, 3}));
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.columnCount(), 3);
        QCOMPARE(model.index(1, 2).data().toString(), QStringLiteral("5.0"));
        QCOMPARE(model.headerData(2, Qt::Horizontal).toString(), QStringLiteral("2"));
        QVERIFY(!model.isSlice());
        std::vector<qint64> cube(24);
        std::iota(cube.begin(), cube.end(), 0);
        model.setArray(QtPyVenv::NdArray(cube, {2, 3, 4}));
        QVERIFY(model.isSlice());
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.columnCount(), 3);
        QCOMPARE(model.index(1, 2).data().toString(), QStringLiteral("20")); // [1, 2, 0]
        model.clear();
        QCOMPARE(model.rowCount(), 0);

        const ArrayStats stats = arrayStats(QtPyVenv::NdArray(std::vector<double>{1, std::nan(""), 3, -2}));
        QCOMPARE(stats.count, 3);
        QCOMPARE(stats.nanCount, 1);
        QCOMPARE(stats.min, -2.0);
        QCOMPARE(stats.max, 3.0);
        QCOMPARE(stats.mean, 2.0 / 3.0);
        const ArrayStats flags = arrayStats(QtPyVenv::NdArray(std::vector<std::uint8_t>{1, 0, 1, 1}));
        QCOMPARE(flags.mean, 0.75);
    }

    void chooseView_data()
    {
        QTest::addColumn<QCborValue>("value");
        QTest::addColumn<ResultKind>("kind");
        QTest::addColumn<QList<ResultKind>>("available");
        using K = ResultKind;
        const QList<K> table{K::Table, K::Tree, K::Text}, generic{K::Tree, K::Text};
        QTest::newRow("table tag") << QtPyVenv::Table({QStringLiteral("a")}, {QCborArray{1, 2}}).toCbor() << K::Table << table;
        QTest::newRow("records") << QCborValue(QCborArray{QCborMap{{QStringLiteral("a"), 1}, {QStringLiteral("b"), QStringLiteral("x")}},
                                                          QCborMap{{QStringLiteral("a"), 2}, {QStringLiteral("b"), QStringLiteral("y")}}})
                                 << K::Table << table;
        QTest::newRow("columns") << QCborValue(QCborMap{{QStringLiteral("a"), QCborArray{1, 2}},
                                                        {QStringLiteral("b"), QCborArray{QStringLiteral("x"), QStringLiteral("y")}}})
                                 << K::Table << table;
        QTest::newRow("unequal columns") << QCborValue(QCborMap{{QStringLiteral("a"), QCborArray{1, 2}}, {QStringLiteral("b"), QCborArray{1}}})
                                         << K::Tree << generic;
        QTest::newRow("image") << QtPyVenv::Image(pngBytes()).toCbor() << K::Image << QList<K>{K::Image, K::Tree, K::Text};
        QTest::newRow("png bytes") << QCborValue(pngBytes()) << K::Image << QList<K>{K::Image, K::Tree, K::Text};
        QTest::newRow("other bytes") << QCborValue(QByteArray("abc")) << K::Text << generic;
        QTest::newRow("ndarray") << QtPyVenv::NdArray(std::vector<double>{1, 2, 3, 4}, {2, 2}).toCbor() << K::Array
                                 << QList<K>{K::Array, K::Tree, K::Text};
        QTest::newRow("map") << QCborValue(QCborMap{{QStringLiteral("mean"), 2.5}, {QStringLiteral("count"), 4}}) << K::Tree << generic;
        QTest::newRow("list") << QCborValue(QCborArray{1, 2, 3}) << K::Tree << generic;
        QTest::newRow("string") << QCborValue(QStringLiteral("hi")) << K::Text << generic;
        QTest::newRow("null") << QCborValue(nullptr) << K::Text << generic;
    }

    void chooseView()
    {
        QFETCH(QCborValue, value);
        QFETCH(ResultKind, kind);
        QFETCH(QList<ResultKind>, available);
        QCOMPARE(QtPyVenvApp::chooseView(value), kind);
        QCOMPARE(applicableViews(value), available);
    }

    void valueTexts()
    {
        QCOMPARE(cellText(QCborValue(3.0)), QStringLiteral("3.0"));
        QCOMPARE(cellText(QCborValue(2.5)), QStringLiteral("2.5"));
        QCOMPARE(cellText(QCborValue(0.1 + 0.2)), QStringLiteral("0.30000000000000004")); // exact
        QCOMPARE(cellText(QCborValue(std::nan(""))), QStringLiteral("NaN"));
        QCOMPARE(cellText(QCborValue(-qInf())), QStringLiteral("-inf"));
        QCOMPARE(cellText(QCborValue(7)), QStringLiteral("7"));
        QCOMPARE(cellText(QCborValue(QStringLiteral("text"))), QStringLiteral("text"));
        QCOMPARE(cellText(QCborValue(nullptr)), QStringLiteral("null"));
        QCOMPARE(cellText(QCborValue(QCborTag(QtPyVenv::Tag::FullDate), QStringLiteral("2024-05-01"))), QStringLiteral("2024-05-01"));
        QCOMPARE(valueTypeName(QCborValue(QCborTag(QtPyVenv::Tag::FullDate), QStringLiteral("2024-05-01"))), QStringLiteral("date"));
        QCOMPARE(valueSummary(QCborValue(QCborArray{1, 2})), QStringLiteral("[2]"));
        QCOMPARE(valueSummary(QtPyVenv::NdArray(std::vector<float>(6), {2, 3}).toCbor()), QStringLiteral("float32[2×3]"));
        QCOMPARE(valueSummary(QtPyVenv::Image(pngBytes()).toCbor()).left(11), QStringLiteral("image/png, "));
        QCOMPARE(resultKindName(ResultKind::Array), QStringLiteral("Array"));
    }

    void delimitedFields()
    {
        QCOMPARE(csvField(QStringLiteral("plain")), QStringLiteral("plain"));
        QCOMPARE(csvField(QStringLiteral("a,b")), QStringLiteral("\"a,b\""));
        QCOMPARE(csvField(QStringLiteral("say \"hi\"")), QStringLiteral("\"say \"\"hi\"\"\""));
        QCOMPARE(csvField(QStringLiteral("two\nlines")), QStringLiteral("\"two\nlines\""));
        QCOMPARE(csvField(QString()), QString());
        QCOMPARE(tsvField(QStringLiteral("a,b")), QStringLiteral("a,b"));
        QCOMPARE(tsvField(QStringLiteral("a\tb")), QStringLiteral("\"a\tb\""));
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

    void pipPhases_data()
    {
        QTest::addColumn<QString>("line");
        QTest::addColumn<PipPhase>("phase");
        auto row = [](const char *line, PipPhase phase) { QTest::newRow(line) << QString::fromUtf8(line) << phase; };
        row("Collecting numpy", PipPhase::Resolving);
        row("  Downloading numpy-1.26.4.whl (18 MB)", PipPhase::Downloading);
        row("Installing collected packages: numpy", PipPhase::Installing);
        row("Successfully installed numpy-1.26.4", PipPhase::Done);
        row("random text", PipPhase::None);
        row("  - numpy==1.26 depends on python>=3.9", PipPhase::None); // pip's resolver explaining
        // uv venv, then uv pip install
        row("Using CPython 3.11.2 interpreter at: /usr/bin/python3", PipPhase::CreatingVenv);
        row("Creating virtual environment at: venv", PipPhase::CreatingVenv);
        row("Resolved 6 packages in 1.23s", PipPhase::Downloading);
        row("Downloading numpy (15.8MiB)", PipPhase::Downloading);
        row(" Downloaded numpy", PipPhase::Downloading);
        row("   Building sdistpkg==1.0", PipPhase::Building);
        row("      Built sdistpkg==1.0", PipPhase::Building);
        row("Prepared 6 packages in 2.10s", PipPhase::Installing);
        row("Uninstalled 1 package in 3ms", PipPhase::Installing);
        row(" - numpy==1.26.3", PipPhase::Installing);
        row("Installed 6 packages in 30ms", PipPhase::Done);
        row(" + numpy==1.26.4", PipPhase::Done);
        row(" + probe==1.0 (from file:///tmp/probe-1.0-py3-none-any.whl)", PipPhase::Done);
        row("Audited 1 package in 2ms", PipPhase::Done);
    }

    void pipPhases()
    {
        QFETCH(QString, line);
        QFETCH(PipPhase, phase);
        QCOMPARE(pipPhaseOfLine(line), phase);
    }

    void phaseTexts()
    {
        QCOMPARE(pipPhaseText(PipPhase::CreatingVenv), QStringLiteral("creating venv"));
        QCOMPARE(startPhaseText(QtPyVenv::StartPhase::CreatingVenv), QStringLiteral("creating venv"));
        QCOMPARE(startPhaseText(QtPyVenv::StartPhase::Installing), QStringLiteral("installing"));
        QCOMPARE(startPhaseText(QtPyVenv::StartPhase::Launching), QStringLiteral("launching"));
        QCOMPARE(startPhaseText(QtPyVenv::StartPhase::Waiting), QStringLiteral("waiting in the queue"));
    }

    void jsonArgs()
    {
        QCborValue value;
        QString error;
        QVERIFY(parseJsonText(QString(), &value, &error));
        QVERIFY(value.isUndefined());
        QVERIFY(parseJsonText(QStringLiteral("3"), &value, &error));
        QCOMPARE(value.toInteger(), 3);
        QVERIFY(parseJsonText(QStringLiteral("\"text\""), &value, &error));
        QCOMPARE(value.toString(), QStringLiteral("text"));
        QVERIFY(parseJsonText(QStringLiteral("{\"b\": [1, 2], \"a\": 1}"), &value, &error));
        QCOMPARE(value.toMap().keys().first().toString(), QStringLiteral("b")); // order kept
        QVERIFY(!parseJsonText(QStringLiteral("[1,\n 2,"), &value, &error));
        QVERIFY(!error.isEmpty());
        QVERIFY(!parseJsonText(QStringLiteral("1 2"), &value, &error));
        QVERIFY(rawArguments(QCborValue()).positional.isEmpty());
        QCOMPARE(rawArguments(QCborValue(3)).positional, QCborArray{3});
        QCOMPARE(argumentsText({{1, QStringLiteral("x")}, {{QStringLiteral("n"), 3}}}), QStringLiteral("1, \"x\", n=3"));
    }

    void formArguments_data()
    {
        using P = QtPyVenv::ParameterInfo;
        using Kind = P::Kind;
        auto param = [](const char *name, Kind kind, const char *defaultValue = nullptr) {
            P p;
            p.name = QString::fromLatin1(name);
            p.kind = kind;
            p.hasDefault = defaultValue != nullptr;
            p.defaultValue = QString::fromLatin1(defaultValue ? defaultValue : "");
            return p;
        };
        // def f(a, b=2, *args, c=None, **kw)
        const QList<P> f{param("a", Kind::PositionalOrKeyword), param("b", Kind::PositionalOrKeyword, "2"),
                         param("args", Kind::VarPositional), param("c", Kind::Keyword, "None"),
                         param("kw", Kind::VarKeyword)};
        // def g(x, y=1, /, z=3)
        const QList<P> g{param("x", Kind::Positional), param("y", Kind::Positional, "1"),
                         param("z", Kind::PositionalOrKeyword, "3")};
        // def h(x=0, y=1, /)
        const QList<P> h{param("x", Kind::Positional, "0"), param("y", Kind::Positional, "1")};
        QTest::addColumn<QList<P>>("parameters");
        QTest::addColumn<QStringList>("texts");
        QTest::addColumn<QString>("call");  // argumentsText() of the result
        QTest::addColumn<QString>("error"); // what the error contains; "" when none
        auto row = [](const char *name, const QList<P> &ps, QStringList texts, const char *call, const char *error = "") {
            QTest::newRow(name) << ps << texts << QString::fromUtf8(call) << QString::fromUtf8(error);
        };
        row("keywords", f, {QStringLiteral("1"), {}, {}, {}, {}}, "a=1");
        row("defaults left out", f, {QStringLiteral("[1, 2]"), {}, {}, QStringLiteral("\"c\""), {}}, "a=[1, 2], c=\"c\"");
        row("required", f, {{}, {}, {}, {}, {}}, "", "a is required");
        row("*args makes positionals", f, {QStringLiteral("1"), QStringLiteral("2"), QStringLiteral("[3, 4]"), {}, {}}, "1, 2, 3, 4");
        row("*args needs what comes before", f, {QStringLiteral("1"), {}, QStringLiteral("[3]"), {}, {}}, "", "b must be given");
        row("*args takes an array", f, {QStringLiteral("1"), {}, QStringLiteral("5"), {}, {}}, "", "JSON array");
        row("**kw merges", f, {QStringLiteral("1"), {}, {}, {}, QStringLiteral("{\"z\": 6, \"y\": 5}")}, "a=1, z=6, y=5");
        row("**kw takes an object", f, {QStringLiteral("1"), {}, {}, {}, QStringLiteral("[1]")}, "", "JSON object");
        row("**kw repeats", f, {QStringLiteral("1"), {}, {}, {}, QStringLiteral("{\"a\": 2}")}, "", "given twice");
        row("invalid JSON", f, {QStringLiteral("[1,"), {}, {}, {}, {}}, "", "a: ");
        row("positional only", g, {QStringLiteral("1"), {}, QStringLiteral("3")}, "1, z=3");
        row("positional only, both", g, {QStringLiteral("1"), QStringLiteral("2"), {}}, "1, 2");
        row("positional only required", g, {{}, QStringLiteral("2"), {}}, "", "x is required");
        row("positional gap", h, {{}, QStringLiteral("2")}, "", "x must be given before y");
        row("no parameters", {}, {}, "");
    }

    void formArguments()
    {
        QFETCH(QList<QtPyVenv::ParameterInfo>, parameters);
        QFETCH(QStringList, texts);
        QFETCH(QString, call);
        QFETCH(QString, error);
        const FormArguments result = QtPyVenvApp::formArguments(parameters, texts);
        QCOMPARE(result.fieldErrors.size(), parameters.size());
        if (error.isEmpty()) {
            QVERIFY2(result.ok(), qPrintable(result.error));
            QCOMPARE(argumentsText(result.arguments), call);
        } else {
            QVERIFY2(result.error.contains(error), qPrintable(result.error));
        }
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

    void outputBufferKeepsLibraryGaps()
    {
        OutputBuffer buffer(4096);
        buffer.append(OutputStream::Stdout, "before\n");
        buffer.appendDropped(OutputStream::Stdout, 5000);
        buffer.appendDropped(OutputStream::Stdout, 1000);
        buffer.append(OutputStream::Stdout, "after\n");
        QCOMPARE(buffer.chunks().size(), 2);
        QCOMPARE(buffer.chunks()[0].droppedBefore, 0);
        QCOMPARE(buffer.chunks()[1].droppedBefore, 6000);
        QCOMPARE(buffer.chunks()[1].data, QByteArray("after\n"));

        // The bound eats into the chunk after the gap: the gap widens by as much.
        buffer.append(OutputStream::Stderr, QByteArray(4095, 'e'));
        QCOMPARE(buffer.chunks().size(), 2);
        QCOMPARE(buffer.chunks()[0].data, QByteArray("\n"));
        QCOMPARE(buffer.chunks()[0].droppedBefore, 6005);
        // ... and takes the gap on to the stream's next chunk when it drops the whole chunk.
        buffer.append(OutputStream::Stdout, "next\n");
        QCOMPARE(buffer.chunks().size(), 2);
        QCOMPARE(buffer.chunks()[0].stream, OutputStream::Stderr);
        QCOMPARE(buffer.chunks()[1].data, QByteArray("next\n"));
        QCOMPARE(buffer.chunks()[1].droppedBefore, 6006);
        QVERIFY(buffer.size() <= 4096);

        QCOMPARE(droppedNotice(OutputStream::Stdout, 12'345'678), QStringLiteral("… 12.3 MB of stdout dropped …"));
        QCOMPARE(droppedNotice(OutputStream::Pip, 2'000), QStringLiteral("… 2.0 kB of pip output dropped …"));
    }

    // The console's history and typed arguments survive a relaunch, the history bounded.
    void sessionRoundTrip()
    {
        QTemporaryDir dir;
        const QString path = AppPaths{dir.path(), dir.path()}.sessionFile(QStringLiteral("env1"));
        QVERIFY(loadSession(path).history.isEmpty()); // no file yet
        EnvironmentSession session;
        const QDateTime when = QDateTime::currentDateTime();
        for (int i = 0; i < 150; ++i)
            session.history.append({QStringLiteral("f%1").arg(i), QStringLiteral("[%1]").arg(i), when.addSecs(-i), {}, false});
        session.history[1] = {QStringLiteral("fit"), QStringLiteral("n=3"), when, {QStringLiteral("3"), QString()}, true};
        session.arguments.insert(QStringLiteral("fit"), {QStringLiteral("{\"n\": 3}"), {{QStringLiteral("n"), QStringLiteral("3")}}});
        QVERIFY(saveSession(path, session));

        const EnvironmentSession loaded = loadSession(path);
        QCOMPARE(loaded.history.size(), EnvironmentSession::MaxHistoryKept);
        QCOMPARE(loaded.history.first().function, QStringLiteral("f0"));
        QCOMPARE(loaded.history.first().when, when);
        QCOMPARE(loaded.history.at(1).fieldTexts, (QStringList{QStringLiteral("3"), QString()}));
        QVERIFY(loaded.history.at(1).fromForm);
        QCOMPARE(loaded.arguments, session.arguments);

        HistoryModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setMaximumEntries(10);
        model.setEntries(loaded.history);
        QCOMPARE(model.rowCount(), 10);
        QCOMPARE(model.entries().first().function, QStringLiteral("f0"));

        QFile broken(path);
        QVERIFY(broken.open(QIODevice::WriteOnly | QIODevice::Truncate));
        broken.write("{not json");
        broken.close();
        QVERIFY(loadSession(path).history.isEmpty()); // ignored, not fatal
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
        d.installer = QtPyVenv::Installer::Uv;
        d.pythonVersion = QStringLiteral("3.11.7"); // remembered from the last start
        QVERIFY(saveDefinitions(path, {{d}, d.id}));
        const Definitions loaded = loadDefinitions(path, &exists);
        QVERIFY(exists);
        QCOMPARE(loaded.environments.size(), 1);
        QVERIFY(loaded.environments.first() == d);
        QCOMPARE(loaded.environments.first().pythonVersion, QStringLiteral("3.11.7"));
        QCOMPARE(loaded.environments.first().installer, QtPyVenv::Installer::Uv);
        // Definitions written before the installer was a choice use Auto.
        QCOMPARE(EnvironmentDefinition::fromJson(QJsonObject{{QStringLiteral("id"), QStringLiteral("x")}}).installer,
                 QtPyVenv::Installer::Auto);
        QCOMPARE(loaded.currentId, d.id);
        QCOMPARE(d.pipOptions(), (QStringList{QStringLiteral("--index-url"), d.indexUrl,
                                              QStringLiteral("--find-links"), d.findLinks}));
    }

    // Runs on: the launcher each choice stands for, and read back into the same fields.
    void runsOnLauncher_data()
    {
        QTest::addColumn<RunsOn>("runsOn");
        QTest::addColumn<QStringList>("launcher");
        QTest::addColumn<QString>("text");
        const auto list = [](const char *words) { return QString::fromUtf8(words).split(QLatin1Char(' ')); };
        QTest::newRow("this computer") << RunsOn{} << QStringList() << QStringLiteral("this computer");
        RunsOn ssh{.kind = RunsOn::Kind::Ssh, .sshTarget = QStringLiteral("me@gpu-box"), .sshOptions = QStringLiteral("-p 2222 -o 'ConnectTimeout 5'")};
        QTest::newRow("ssh") << ssh << (list("ssh -p 2222 -o") + QStringList{QStringLiteral("ConnectTimeout 5"), QStringLiteral("me@gpu-box")})
                             << QStringLiteral("ssh me@gpu-box");
        RunsOn slurm{.kind = RunsOn::Kind::Slurm, .srunOptions = QStringLiteral("-p gpu --gres=gpu:1")};
        QTest::newRow("slurm") << slurm << list("srun -p gpu --gres=gpu:1 -u") << QStringLiteral("slurm");
        RunsOn login{.kind = RunsOn::Kind::Slurm, .srunOptions = QStringLiteral("-J 'my job'"), .loginNode = QStringLiteral("login1")};
        // Through ssh the login node's shell reads the srun options: they arrive quoted for it.
        QTest::newRow("slurm via ssh") << login << (list("ssh login1 srun -J") + QStringList{QStringLiteral("'my job'"), QStringLiteral("-u")})
                                       << QStringLiteral("slurm via login1");
        RunsOn custom{.kind = RunsOn::Kind::Custom, .command = QStringLiteral("docker exec -i \"my box\"")};
        QTest::newRow("custom") << custom << (list("docker exec -i") + QStringList{QStringLiteral("my box")})
                                << QStringLiteral("custom: docker exec -i 'my b…");
        RunsOn env{.kind = RunsOn::Kind::Custom, .command = QStringLiteral("env")};
        QTest::newRow("custom env") << env << QStringList{QStringLiteral("env")} << QStringLiteral("custom: env");
    }
    void runsOnLauncher()
    {
        QFETCH(RunsOn, runsOn);
        QFETCH(QStringList, launcher);
        QFETCH(QString, text);
        QString error;
        QCOMPARE(launcherFor(runsOn, &error), launcher);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(launcherFor(runsOnFor(launcher)), launcher);
        QCOMPARE(runsOnFor(launcher).kind, runsOn.kind);
        QCOMPARE(runsOnText(launcher), text);
    }
    void runsOnProblems()
    {
        QString error;
        QCOMPARE(launcherFor({.kind = RunsOn::Kind::Ssh}, &error), QStringList());
        QVERIFY(error.contains(QStringLiteral("SSH host")));
        QCOMPARE(launcherFor({.kind = RunsOn::Kind::Custom, .command = QStringLiteral("  ")}, &error), QStringList());
        QVERIFY(!error.isEmpty());
        QCOMPARE(launcherFor({.kind = RunsOn::Kind::Custom, .command = QStringLiteral("sh -c 'exit")}, &error), QStringList());
        QVERIFY(error.contains(QStringLiteral("not closed")));
        // What no choice makes is a custom prefix, kept word for word.
        const QStringList odd{QStringLiteral("ssh"), QStringLiteral("-t")};
        QCOMPARE(runsOnFor(odd).kind, RunsOn::Kind::Custom);
        QCOMPARE(launcherFor(runsOnFor(odd)), odd);
    }

    void shellWords_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QStringList>("words");
        QTest::newRow("blanks") << QStringLiteral("  a \tb  ") << QStringList{QStringLiteral("a"), QStringLiteral("b")};
        QTest::newRow("single") << QStringLiteral("sh -c 'echo \"hi\" >&2; exit 255'")
                                << QStringList{QStringLiteral("sh"), QStringLiteral("-c"), QStringLiteral("echo \"hi\" >&2; exit 255")};
        QTest::newRow("double") << QStringLiteral("a\" b \\\"c\\\\\"d") << QStringList{QStringLiteral("a b \"c\\d")};
        QTest::newRow("backslash") << QStringLiteral("my\\ box it\\'s") << QStringList{QStringLiteral("my box"), QStringLiteral("it's")};
        QTest::newRow("empty words") << QStringLiteral("'' \"\"") << QStringList{QString(), QString()};
        QTest::newRow("nothing") << QString() << QStringList();
    }
    void shellWords()
    {
        QFETCH(QString, text);
        QFETCH(QStringList, words);
        QString error;
        QCOMPARE(splitShellWords(text, &error), words);
        QVERIFY(error.isEmpty());
        QCOMPARE(splitShellWords(joinShellWords(words)), words);
    }

    void definitionKeepsLauncher()
    {
        EnvironmentDefinition d;
        d.id = QStringLiteral("remote");
        d.name = QStringLiteral("Remote");
        d.launcher = {QStringLiteral("ssh"), QStringLiteral("-p"), QStringLiteral("2222"), QStringLiteral("gpu-box")};
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("environments.json"));
        QVERIFY(saveDefinitions(path, {{d}, d.id}));
        QCOMPARE(loadDefinitions(path).environments.value(0), d);
        // A file written before there was a launcher: the environment runs here.
        QJsonObject old = d.toJson();
        old.remove(QStringLiteral("launcher"));
        QVERIFY(writeJsonFile(path, QJsonObject{{QStringLiteral("environments"), QJsonArray{old}}}));
        const Definitions loaded = loadDefinitions(path);
        QCOMPARE(loaded.environments.size(), 1);
        QCOMPARE(loaded.environments.value(0).launcher, QStringList());
        QCOMPARE(loaded.environments.value(0).name, d.name);
    }

    void environmentListShowsWhereItRuns()
    {
        EnvironmentListModel model;
        QAbstractItemModelTester tester(&model);
        model.upsert({.id = QStringLiteral("a"), .name = QStringLiteral("A"), .runsOn = runsOnText({QStringLiteral("ssh"), QStringLiteral("gpu-box")})});
        const QModelIndex name = model.index(0, EnvironmentListModel::NameColumn);
        QCOMPARE(name.data(EnvironmentListModel::RunsOnRole).toString(), QStringLiteral("ssh gpu-box"));
        QVERIFY2(name.data(Qt::ToolTipRole).toString().contains(QStringLiteral("ssh gpu-box")), qPrintable(name.data(Qt::ToolTipRole).toString()));
    }

    void launcherErrorInPlainWords()
    {
        QtPyVenv::Error error;
        error.code = QtPyVenv::ErrorCode::StartFailed;
        error.message = QStringLiteral("the worker did not start: the worker launched by ssh exited with code 255; "
                                       "the launcher said: Warning: added key\nPermission denied (publickey).");
        QCOMPARE(launcherMessages(error), QStringLiteral("Warning: added key\nPermission denied (publickey)."));
        QCOMPARE(launcherErrorText(error), QStringLiteral("the worker did not start: the worker launched by ssh exited "
                                                          "with code 255. The launcher said:\nWarning: added key\n"
                                                          "Permission denied (publickey)."));
        error.traceback = QStringLiteral("Warning: added key\nPermission denied (publickey).\n");
        QCOMPARE(launcherErrorText(error), QStringLiteral("the worker did not start: the worker launched by ssh exited with code 255."));
        error.message = QStringLiteral("the Python worker was killed by signal 9");
        QCOMPARE(launcherMessages(error), QString());
        QCOMPARE(launcherErrorText(error), error.message);
    }
};

QTEST_MAIN(TestAppModels)
#include "tst_app_models.moc"
