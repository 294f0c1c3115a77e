// SPDX-License-Identifier: MIT
// Long calls in the desktop app, against the demo environment's fit() (progress) and
// estimate_pi() (a generator): the Calls tab's progress, partial results and Cancel (Delete,
// context menu, button), the live call details, and the console's progress, Cancel and partials.
#include "testutil.h"

#include "core/callmodel.h"
#include "core/environment.h"
#include "core/environmentmanager.h"
#include "ui/calldetailsdialog.h"
#include "ui/callprogresspanel.h"
#include "ui/callspage.h"
#include "ui/functionspage.h"
#include "ui/mainwindow.h"
#include "ui/resultview.h"

#include <QAction>
#include <QCborArray>
#include <QCborMap>
#include <QLabel>
#include <QMenu>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

#include <memory>

using namespace QtPyVenvApp;

class TestAppLongCalls : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<EnvironmentManager> m_manager;
    std::unique_ptr<MainWindow> m_window;

    Environment *demo() const { return m_manager->environment(QStringLiteral("demo")); }
    CallsPage *callsPage() const { return m_window->callsPage(); }
    const CallRecord *record(int id) const { return demo()->calls()->record(id); }

    //! The Calls table's index of call \a id in \a column (the table sorts through a proxy).
    QModelIndex tableIndex(int id, int column) const
    {
        const QAbstractItemModel *table = callsPage()->view()->model();
        for (int row = 0; row < table->rowCount(); ++row) {
            if (table->index(row, 0).data(CallModel::IdRole).toInt() == id)
                return table->index(row, column);
        }
        return {};
    }
    //! Calls fit() for long enough to be cancelled, and waits until its progress shows.
    int startFit()
    {
        const int id = demo()->call(QStringLiteral("fit"), 500);
        if (!QTest::qWaitFor([&] { return tableIndex(id, CallModel::ProgressColumn).data().toString().contains(QStringLiteral("epoch")); }, 15000))
            return 0;
        return id;
    }
    //! Makes call \a id the Calls table's current row.
    void select(int id)
    {
        m_window->showTab(MainWindow::CallsTab);
        callsPage()->view()->setCurrentIndex(tableIndex(id, CallModel::FunctionColumn));
    }
    //! Shows the console with \a function selected and \a args typed as raw JSON.
    bool prepareConsole(const QString &function, const QString &args)
    {
        FunctionsPage *console = m_window->functionsPage();
        m_window->showTab(MainWindow::FunctionsTab);
        if (!console->selectFunction(function))
            return false;
        console->setRawArguments(true);
        console->findChild<QPlainTextEdit *>(QStringLiteral("argsEditor"))->setPlainText(args);
        return true;
    }
    bool finallyRan() const
    {
        return demo()->output().lastLines(OutputStream::Stdout, 20).contains(QStringLiteral("fit: stopped after epoch"));
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_dir.isValid());
        m_manager = std::make_unique<EnvironmentManager>(AppPaths{m_dir.filePath(QStringLiteral("config")),
                                                                  m_dir.filePath(QStringLiteral("data"))});
        QVERIFY(m_manager->load());
        QVERIFY(demo()); // the first launch's demo environment
        m_window = std::make_unique<MainWindow>(m_manager.get());
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        m_manager->startAutoStart();
        QTRY_COMPARE_WITH_TIMEOUT(demo()->status(), EnvStatus::Ready, 60000);
    }

    void deleteCancelsRunningCall()
    {
        const int id = startFit();
        QVERIFY(id);
        const QModelIndex progress = tableIndex(id, CallModel::ProgressColumn);
        QVERIFY(progress.data(CallModel::ProgressRole).toDouble() > 0);
        QVERIFY(progress.data(CallModel::ProgressRole).toDouble() < 1);
        QVERIFY2(progress.data().toString().contains(QStringLiteral("/500 epoch")), qPrintable(progress.data().toString()));
        select(id);
        QVERIFY(callsPage()->cancelAction()->isEnabled());
        m_window->activateWindow();
        callsPage()->view()->setFocus();
        QTRY_VERIFY(callsPage()->view()->hasFocus());
        QTest::keyClick(callsPage()->view(), Qt::Key_Delete);
        QVERIFY(!callsPage()->cancelAction()->isEnabled()); // asked once
        QTRY_COMPARE_WITH_TIMEOUT(record(id)->state, CallState::Cancelled, 10000);
        QCOMPARE(tableIndex(id, CallModel::StateColumn).data().toString(), QStringLiteral("cancelled"));
        QCOMPARE(tableIndex(id, CallModel::ErrorColumn).data().toString(), QString());
        QVERIFY(record(id)->durationMs < 25000); // stopped, not finished: 500 epochs take 50 s
        QVERIFY(!callsPage()->cancelAction()->isEnabled());
        QTRY_VERIFY(finallyRan());
    }

    void contextMenuCancelsRunningCall()
    {
        const int id = startFit();
        QVERIFY(id);
        m_window->showTab(MainWindow::CallsTab);
        QTableView *view = callsPage()->view();
        const QPoint at = view->visualRect(tableIndex(id, CallModel::FunctionColumn)).center();
        Q_EMIT view->customContextMenuRequested(at);
        auto *menu = callsPage()->findChild<QMenu *>(QStringLiteral("callsMenu"));
        QVERIFY(menu);
        QTRY_VERIFY(menu->isVisible());
        QCOMPARE(view->currentIndex().data(CallModel::IdRole).toInt(), id); // the row clicked
        QAction *shown = nullptr;
        for (QAction *action : menu->actions()) {
            if (action->objectName() == QLatin1String("cancelCallAction"))
                shown = action;
        }
        QVERIFY(shown && shown->isEnabled());
        menu->close();
        shown->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(record(id)->state, CallState::Cancelled, 10000);
    }

    //! A call waiting for a worker thread is dropped: it never runs and ends Cancelled.
    void buttonCancelsQueuedCall()
    {
        QList<int> busy; // the demo's Venv runs 4 calls at a time
        for (int i = 0; i < 4; ++i)
            busy << demo()->call(QStringLiteral("fit"), 500);
        for (const int id : std::as_const(busy))
            QTRY_VERIFY_WITH_TIMEOUT(record(id)->progress.reported, 15000);
        const int queued = demo()->call(QStringLiteral("fit"), 500);
        select(queued);
        auto *button = callsPage()->findChild<QToolButton *>(QStringLiteral("callsCancel"));
        QVERIFY(button && button->isEnabled());
        QTest::mouseClick(button, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(record(queued)->state, CallState::Cancelled, 10000);
        QVERIFY(!record(queued)->progress.reported); // it never ran
        QVERIFY(!button->isEnabled());
        for (const int id : std::as_const(busy)) {
            QCOMPARE(record(id)->state, CallState::Running); // the others run on
            QVERIFY(demo()->cancel(id).ok());
        }
        for (const int id : std::as_const(busy))
            QTRY_COMPARE_WITH_TIMEOUT(record(id)->state, CallState::Cancelled, 10000);
        QVERIFY(!demo()->cancel(queued).ok()); // finished: nothing to cancel
    }

    void partialResultsShowLive()
    {
        const int id = demo()->call(QStringLiteral("estimate_pi"), 20);
        const QModelIndex partials = tableIndex(id, CallModel::PartialsColumn);
        QTRY_VERIFY_WITH_TIMEOUT(partials.data().toInt() >= 2, 15000);
        QCOMPARE(record(id)->state, CallState::Running);
        // The details follow the call: the partial results so far, then the result.
        callsPage()->showDetails(partials);
        auto *dialog = callsPage()->findChild<CallDetailsDialog *>(QStringLiteral("callDetails"));
        QVERIFY(dialog);
        QVERIFY(dialog->partialsView());
        QVERIFY(!dialog->resultView());
        const qsizetype first = dialog->partialsView()->value().toArray().size();
        QVERIFY(first >= 2);
        QTRY_VERIFY_WITH_TIMEOUT(dialog->partialsView()->value().toArray().size() > first, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(record(id)->state, CallState::Done, 15000);
        QCOMPARE(partials.data().toInt(), 20);
        QVERIFY(dialog->resultView());
        const QCborArray all = dialog->partialsView()->value().toArray();
        QCOMPARE(all.size(), 20);
        QCOMPARE(all.at(0).toMap().value(QStringLiteral("batch")).toInteger(), 1); // in order
        QCOMPARE(dialog->resultView()->value(), all.last()); // a generator's result: its last value
        auto *tabs = dialog->findChild<QTabWidget *>();
        QCOMPARE(tabs->currentWidget(), dialog->resultView());
        QCOMPARE(tabs->tabText(1), QStringLiteral("Partial results (20)"));
        QVERIFY2(dialog->summaryView()->toPlainText().contains(QStringLiteral("20 partial results")),
                 qPrintable(dialog->summaryView()->toPlainText()));
        dialog->close();
    }

    void consoleShowsProgressAndCancels()
    {
        FunctionsPage *console = m_window->functionsPage();
        QVERIFY(prepareConsole(QStringLiteral("fit"), QStringLiteral("500")));
        QSignalSpy shown(console, &FunctionsPage::resultShown);
        console->callCurrent();
        CallProgressPanel *panel = console->progressPanel();
        QVERIFY(panel->isVisible());
        QTRY_VERIFY_WITH_TIMEOUT(panel->text().contains(QStringLiteral("/500 epoch")), 15000);
        QCOMPARE(panel->bar()->maximum(), 1000); // a known total: not busy
        QTRY_VERIFY(panel->bar()->value() > 0);
        QVERIFY(panel->cancelButton()->isEnabled());
        QTest::mouseClick(panel->cancelButton(), Qt::LeftButton);
        QVERIFY(shown.wait(10000));
        const int id = shown.first().at(0).toInt();
        QCOMPARE(record(id)->state, CallState::Cancelled);
        QVERIFY(!panel->isVisible());
        auto *header = console->findChild<QLabel *>(QStringLiteral("resultHeader"));
        QVERIFY2(header->text().startsWith(QStringLiteral("fit cancelled after")), qPrintable(header->text()));
        QCOMPARE(header->palette().color(header->foregroundRole()), console->palette().color(QPalette::WindowText)); // not in the error colour
    }

    void consoleShowsPartialsLive()
    {
        FunctionsPage *console = m_window->functionsPage();
        QVERIFY(prepareConsole(QStringLiteral("estimate_pi"), QStringLiteral("15")));
        QSignalSpy shown(console, &FunctionsPage::resultShown);
        console->callCurrent();
        // While it runs, the result view holds the partial results so far.
        QTRY_VERIFY_WITH_TIMEOUT(console->resultView()->value().toArray().size() >= 2, 15000);
        QVERIFY(shown.isEmpty());
        QVERIFY2(console->progressPanel()->text().contains(QStringLiteral("partial results")),
                 qPrintable(console->progressPanel()->text()));
        QVERIFY(shown.wait(15000));
        QCOMPARE(console->resultView()->value().toMap().value(QStringLiteral("batch")).toInteger(), 15);
        auto *header = console->findChild<QLabel *>(QStringLiteral("resultHeader"));
        QVERIFY2(header->text().contains(QStringLiteral("after 15 partial results")), qPrintable(header->text()));
    }

    void cleanupTestCase()
    {
        m_window.reset();
        m_manager.reset();
        QCOMPARE(TestUtil::liveChildren(), QList<qint64>());
    }
};

QTEST_MAIN(TestAppLongCalls)
#include "tst_app_longcalls.moc"
