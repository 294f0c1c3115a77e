// SPDX-License-Identifier: MIT
// The desktop app's real flow under the offscreen platform: first launch creates and starts
// the demo, the console calls into it, output and calls show up, a killed worker raises the
// banner and Restart brings it back; definitions persist; quitting leaves no process.
#include "testutil.h"

#include "core/arguments.h"
#include "core/environment.h"
#include "core/environmentmanager.h"
#include "core/outputbuffer.h"
#include "core/tablemodel.h"
#include "core/venvreaper.h"
#include "ui/argumentsform.h"
#include "ui/banner.h"
#include "ui/callspage.h"
#include "ui/functionspage.h"
#include "ui/imageview.h"
#include "ui/mainwindow.h"
#include "ui/outputview.h"
#include "ui/requirementspage.h"
#include "ui/resultview.h"
#include "ui/sourcespage.h"
#include "ui/tablepane.h"

#include <QCborMap>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTextDocument>
#include <QTimer>
#include <QTest>
#include <QUrl>

#include <csignal>
#include <memory>

using namespace QtPyVenvApp;

class TestAppWidgets : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    AppPaths m_paths;
    std::unique_ptr<EnvironmentManager> m_manager;
    std::unique_ptr<MainWindow> m_window;

    Environment *demo() const { return m_manager->environment(QStringLiteral("demo")); }
    QPlainTextEdit *argsEditor() const
    {
        return m_window->functionsPage()->findChild<QPlainTextEdit *>(QStringLiteral("argsEditor"));
    }
    //! Types \a args in the raw JSON editor for \a function and presses Ctrl+Return; returns
    //! the call's id.
    int callFromConsole(const QString &function, const QString &args)
    {
        FunctionsPage *console = m_window->functionsPage();
        m_window->showTab(MainWindow::FunctionsTab);
        if (!console->selectFunction(function))
            return 0;
        console->setRawArguments(true);
        argsEditor()->setPlainText(args);
        argsEditor()->setFocus();
        QSignalSpy shown(console, &FunctionsPage::resultShown);
        QTest::keyClick(argsEditor(), Qt::Key_Return, Qt::ControlModifier);
        if (!shown.wait(15000))
            return 0;
        return shown.first().at(0).toInt();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_dir.isValid());
        m_paths = {m_dir.filePath(QStringLiteral("config")), m_dir.filePath(QStringLiteral("data"))};
    }

    void firstLaunchStartsDemo()
    {
        m_manager = std::make_unique<EnvironmentManager>(m_paths);
        QVERIFY(m_manager->load());
        QVERIFY(m_manager->isFirstLaunch());
        QVERIFY(demo());
        // Never started: no version to show (none is read from the venv folder).
        QVERIFY(demo()->pythonVersion().isEmpty());
        QCOMPARE(m_manager->model()->index(0, EnvironmentListModel::PythonColumn).data().toString(), QStringLiteral("–"));
        m_window = std::make_unique<MainWindow>(m_manager.get());
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));

        // What the app shows at the moment it turns Ready, and on the way there.
        QList<EnvStatus> statuses;
        QList<QtPyVenv::StartPhase> phases;
        QString versionAtReady, workerVersionAtReady, listVersionAtReady, executable;
        connect(demo(), &Environment::statusChanged, this, [&](EnvStatus status) {
            statuses << status;
            if (status == EnvStatus::Ready && demo()->venv()) {
                versionAtReady = demo()->pythonVersion();
                workerVersionAtReady = demo()->venv()->pythonVersion();
                executable = demo()->venv()->pythonExecutable();
            }
        });
        connect(demo(), &Environment::startPhaseChanged, this, [&](QtPyVenv::StartPhase phase) { phases << phase; });
        connect(demo(), &Environment::summaryChanged, this, [&] {
            if (demo()->status() == EnvStatus::Ready && listVersionAtReady.isEmpty())
                listVersionAtReady = m_manager->model()->index(0, EnvironmentListModel::PythonColumn).data().toString();
        });
        QSignalSpy packagesRead(demo(), &Environment::packagesChanged);
        m_manager->startAutoStart();
        QTRY_COMPARE_WITH_TIMEOUT(demo()->status(), EnvStatus::Ready, 30000);
        demo()->disconnect(this);
        QCOMPARE(m_window->windowTitle(), QStringLiteral("demo[*]")); // the platform adds " — QtPyVenv"
        QVERIFY(m_window->statusText().contains(QStringLiteral("ready")));
        QVERIFY(m_window->statusText().contains(QStringLiteral("PID %1").arg(demo()->pid())));
        QStringList names;
        for (const auto &f : demo()->functions())
            names << f.name;
        QCOMPARE(names, (QStringList{QStringLiteral("describe"), QStringLiteral("slow"), QStringLiteral("fit"),
                                     QStringLiteral("estimate_pi"), QStringLiteral("fail"),
                                     QStringLiteral("table"), QStringLiteral("matrix"), QStringLiteral("picture")}));

        // A cold start without requirements: the library creates the venv, then launches;
        // nothing is installed, so the app never says "installing".
        QCOMPARE(phases, (QList<QtPyVenv::StartPhase>{QtPyVenv::StartPhase::CreatingVenv, QtPyVenv::StartPhase::Launching}));
        QCOMPARE(statuses, (QList<EnvStatus>{EnvStatus::Starting, EnvStatus::Ready}));

        // The version is the worker's own (Venv::pythonVersion()), known the moment it is Ready.
        QVERIFY(!workerVersionAtReady.isEmpty());
        QCOMPARE(versionAtReady, workerVersionAtReady);
        QCOMPARE(listVersionAtReady, workerVersionAtReady);
        QCOMPARE(demo()->pythonVersion(), workerVersionAtReady);
        QCOMPARE(m_manager->model()->index(0, EnvironmentListModel::PythonColumn).data().toString(), workerVersionAtReady);
        // ... and it is what the worker's interpreter says about itself.
        QProcess python;
        python.start(executable, {QStringLiteral("-c"), QStringLiteral("import platform; print(platform.python_version())")});
        QVERIFY(python.waitForFinished(30000));
        QCOMPARE(QString::fromUtf8(python.readAllStandardOutput()).trimmed(), workerVersionAtReady);
        // It is remembered in the saved definition, for showing before the next start.
        QCOMPARE(demo()->definition().pythonVersion, workerVersionAtReady);
        const Definitions saved = loadDefinitions(m_paths.definitionsFile());
        QCOMPARE(saved.environments.size(), 1);
        QCOMPARE(saved.environments.first().pythonVersion, workerVersionAtReady);
        QTRY_VERIFY(packagesRead.size() > 0); // the packages come from the hidden helper
        QVERIFY(!QDir(demo()->baseDir()).isEmpty());
    }

    void consoleCallShowsResult()
    {
        QSignalSpy started(demo()->venv(), &QtPyVenv::Venv::callStarted);
        QSignalSpy finished(demo()->venv(), &QtPyVenv::Venv::callFinished);
        const int id = callFromConsole(QStringLiteral("describe"), QStringLiteral("[1, 2, 3, 4]"));
        QVERIFY(id > 0);
        // The record keeps the library's id of the call: the one callStarted/callFinished carry.
        QTRY_COMPARE(started.size(), 1);
        const QString libraryId = started.first().at(0).toString();
        QCOMPARE(started.first().at(1).toString(), QStringLiteral("describe"));
        QTRY_COMPARE(finished.size(), 1);
        QCOMPARE(finished.first().at(0).toString(), libraryId);
        QCOMPARE(demo()->calls()->record(id)->callId, libraryId);
        const QAbstractItemModel *table = m_window->callsPage()->view()->model();
        // The table shows the app's number of the call, and names the library's in the tooltip.
        QCOMPARE(table->index(0, CallModel::IdColumn).data().toInt(), id); // newest first
        QCOMPARE(table->index(0, CallModel::IdColumn).data(CallModel::IdRole).toInt(), id);
        QVERIFY(table->index(0, CallModel::IdColumn).data(Qt::ToolTipRole).toString().contains(libraryId));
        QCOMPARE(table->index(0, CallModel::ArgumentsColumn).data().toString(), QStringLiteral("[1, 2, 3, 4]"));
        // The short columns fit what they show; the error, last, takes what is left.
        m_window->showTab(MainWindow::CallsTab);
        QTableView *view = m_window->callsPage()->view();
        QHeaderView *columns = view->horizontalHeader();
        QCOMPARE(columns->sectionResizeMode(CallModel::StateColumn), QHeaderView::ResizeToContents);
        const QModelIndex state = view->model()->index(0, CallModel::StateColumn);
        QTRY_VERIFY(columns->sectionSize(CallModel::StateColumn) >= view->sizeHintForIndex(state).width());
        QCOMPARE(columns->sectionResizeMode(CallModel::ErrorColumn), QHeaderView::Stretch);
        QCOMPARE(columns->logicalIndex(columns->count() - 1), int(CallModel::ErrorColumn));
        m_window->showTab(MainWindow::FunctionsTab);
        QVERIFY2(m_window->callsPage()->detailsText(0).startsWith(
                     QStringLiteral("Call %1: describe([1, 2, 3, 4])\n(worker call %2)").arg(id).arg(libraryId)),
                 qPrintable(m_window->callsPage()->detailsText(0)));
        const QCborMap result = m_window->functionsPage()->resultView()->value().toMap();
        QCOMPARE(result.value(QStringLiteral("mean")).toDouble(), 2.5);
        QCOMPARE(result.value(QStringLiteral("count")).toInteger(), 4);
        QCOMPARE(result.keys().first().toString(), QStringLiteral("count")); // Python's order
        QCOMPARE(m_window->functionsPage()->resultView()->currentKind(), ResultKind::Tree);
        auto *header = m_window->functionsPage()->findChild<QLabel *>(QStringLiteral("resultHeader"));
        QVERIFY2(header->text().contains(QStringLiteral(" in ")), qPrintable(header->text())); // the duration
        QCOMPARE(demo()->history()->index(0).data(HistoryModel::FunctionRole).toString(), QStringLiteral("describe"));
        QCOMPARE(demo()->calls()->record(id)->state, CallState::Done);
    }

    void invalidJsonDisablesCall()
    {
        FunctionsPage *console = m_window->functionsPage();
        console->selectFunction(QStringLiteral("describe"));
        console->setRawArguments(true);
        argsEditor()->setPlainText(QStringLiteral("[1, 2,"));
        auto *call = console->findChild<QPushButton *>(QStringLiteral("callButton"));
        auto *status = console->findChild<QLabel *>(QStringLiteral("argsStatus"));
        QVERIFY(!call->isEnabled());
        QVERIFY2(status->text().startsWith(QStringLiteral("✗")), qPrintable(status->text()));
        argsEditor()->setPlainText(QStringLiteral("[1]"));
        QVERIFY(call->isEnabled());
        QCOMPARE(status->text(), QStringLiteral("✓ describe([1])"));

        // The form: one field per parameter, checked the same way.
        console->setRawArguments(false);
        QLineEdit *numbers = console->argumentsForm()->field(QStringLiteral("numbers"));
        QVERIFY(numbers && numbers->isVisible());
        numbers->setText(QStringLiteral("[1, 2,"));
        QVERIFY(!call->isEnabled());
        numbers->setText(QStringLiteral("[4, 5]"));
        QVERIFY(call->isEnabled());
        QCOMPARE(status->text(), QStringLiteral("✓ describe(numbers=[4, 5])"));
    }

    void pythonErrorShowsTraceback()
    {
        const int id = callFromConsole(QStringLiteral("fail"), QStringLiteral("\"boom\""));
        QVERIFY(id > 0);
        auto *errorView = m_window->functionsPage()->findChild<QPlainTextEdit *>(QStringLiteral("errorView"));
        QVERIFY(errorView->isVisible());
        QVERIFY(errorView->toPlainText().startsWith(QStringLiteral("ValueError: boom")));
        QVERIFY(errorView->toPlainText().contains(QStringLiteral("Traceback")));
        QCOMPARE(demo()->calls()->record(id)->state, CallState::Failed);
        // The Calls tab shows it, and its details carry the traceback.
        CallsPage *calls = m_window->callsPage();
        const QModelIndex newest = calls->view()->model()->index(0, CallModel::IdColumn);
        QCOMPARE(newest.data(CallModel::IdRole).toInt(), id); // newest first
        QCOMPARE(newest.data().toInt(), id);
        QVERIFY(calls->detailsText(0).contains(QStringLiteral("Traceback")));
    }

    // The demo's table, array and picture, called through the form, each in its own view.
    void demoResultsInTheirViews()
    {
        FunctionsPage *console = m_window->functionsPage();
        m_window->showTab(MainWindow::FunctionsTab);
        console->setRawArguments(false);
        auto callWithForm = [&](const QString &function, const QString &field, const QString &text) {
            if (!console->selectFunction(function))
                return 0;
            if (QLineEdit *edit = console->argumentsForm()->field(field))
                edit->setText(text);
            QSignalSpy shown(console, &FunctionsPage::resultShown);
            console->callCurrent();
            return shown.wait(60000) ? shown.first().at(0).toInt() : 0;
        };
        ResultView *view = console->resultView();

        QVERIFY(callWithForm(QStringLiteral("table"), QStringLiteral("rows"), QStringLiteral("1000000")) > 0);
        QCOMPARE(demo()->calls()->records().last().state, CallState::Done);
        QCOMPARE(view->currentKind(), ResultKind::Table);
        QCOMPARE(view->tablePane()->model()->rowCount(), 1'000'000);
        QCOMPARE(view->tablePane()->model()->columnCount(), 4);
        QCOMPARE(view->tablePane()->model()->headerData(3, Qt::Horizontal).toString(), QStringLiteral("group"));
        QCOMPARE(view->tablePane()->model()->index(999'999, 0).data().toString(), QStringLiteral("999999"));
        QCOMPARE(view->tablePane()->model()->index(5, 3).data().toString(), QStringLiteral("beta"));
        QVERIFY(view->isAvailable(ResultKind::Tree));

        QVERIFY(callWithForm(QStringLiteral("matrix"), QStringLiteral("n"), QStringLiteral("5")) > 0);
        QCOMPARE(view->currentKind(), ResultKind::Array);
        QCOMPARE(view->arrayPane()->model()->rowCount(), 5);
        QCOMPARE(view->arrayPane()->model()->columnCount(), 5);
        QCOMPARE(view->arrayPane()->model()->index(1, 2).data().toString(), QStringLiteral("0.25"));
        QVERIFY2(view->arrayPane()->summaryText().startsWith(QStringLiteral("float64 · shape (5, 5)")),
                 qPrintable(view->arrayPane()->summaryText()));

        QVERIFY(callWithForm(QStringLiteral("picture"), QStringLiteral("size"), QString()) > 0); // the default, 256
        QCOMPARE(view->currentKind(), ResultKind::Image);
        QCOMPARE(view->imageView()->image().size(), QSize(256, 256));

        // A form call is in the history with its fields, and runs again from there.
        QCOMPARE(demo()->history()->index(0).data(HistoryModel::FromFormRole).toBool(), true);
        QCOMPARE(demo()->history()->index(0).data(HistoryModel::ArgsTextRole).toString(), QString());
        QCOMPARE(demo()->history()->index(1).data(HistoryModel::ArgsTextRole).toString(), QStringLiteral("n=5"));
    }

    void printedLinesReachOutputTab()
    {
        FunctionsPage *console = m_window->functionsPage();
        console->selectFunction(QStringLiteral("slow"));
        console->setRawArguments(true);
        argsEditor()->setPlainText(QStringLiteral("1"));
        QSignalSpy shown(console, &FunctionsPage::resultShown);
        console->callCurrent();
        // In flight: counted in the list, the status bar and the Calls table.
        QCOMPARE(demo()->callsInFlight(), 1);
        QTRY_VERIFY(m_window->statusText().contains(QStringLiteral("1 call(s) in flight")));
        const QModelIndex running = m_window->callsPage()->view()->model()->index(0, CallModel::StateColumn);
        QCOMPARE(running.data().toString(), QStringLiteral("running"));
        m_window->showTab(MainWindow::OutputTab);
        QTRY_VERIFY_WITH_TIMEOUT(m_window->outputView()->text().contains(QStringLiteral("slow: tick 1 of 1")), 10000);
        QVERIFY(shown.wait(10000));
        QTRY_VERIFY(m_window->outputView()->text().contains(QStringLiteral("slow: done"))); // stderr
        QCOMPARE(demo()->callsInFlight(), 0);
        QCOMPARE(running.data().toString(), QStringLiteral("done"));
    }

    void killedWorkerRaisesBannerAndRestarts()
    {
        const qint64 pid = demo()->pid();
        QVERIFY(pid > 0);
        QVERIFY(!m_window->banner()->isVisible());
        QCOMPARE(::kill(pid_t(pid), SIGKILL), 0);
        QTRY_COMPARE_WITH_TIMEOUT(demo()->status(), EnvStatus::Died, 10000);
        QVERIFY(m_window->banner()->isVisible());
        QVERIFY2(m_window->banner()->title().contains(QStringLiteral("died")), qPrintable(m_window->banner()->title()));
        QVERIFY2(m_window->banner()->message().contains(QStringLiteral("killed")), qPrintable(m_window->banner()->message()));
        QVERIFY(m_window->banner()->details().contains(QStringLiteral("slow: done"))); // the stderr tail
        QVERIFY(m_window->statusText().contains(QStringLiteral("died")));

        auto *restart = m_window->banner()->findChild<QPushButton *>(QStringLiteral("bannerRestart"));
        QTest::mouseClick(restart, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(demo()->status(), EnvStatus::Ready, 15000);
        QVERIFY(!m_window->banner()->isVisible());
        QVERIFY(demo()->pid() != pid);
        QVERIFY(callFromConsole(QStringLiteral("describe"), QStringLiteral("[5]")) > 0);
    }

    void syntaxErrorAndReloadOnChange()
    {
        const QString path = m_dir.filePath(QStringLiteral("broken.py"));
        {
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write("def ok(args):\n    return 1\n\ndef broken(:\n    pass\n");
        }
        EnvironmentDefinition definition = demo()->definition();
        definition.id.clear();
        definition.name = QStringLiteral("second");
        definition.sources = {path};
        Environment *second = m_manager->add(definition);
        m_window->setCurrentEnvironment(second->definition().id);
        QCOMPARE(m_window->windowTitle(), QStringLiteral("second[*]"));
        m_manager->start(second->definition().id);
        QTRY_COMPARE_WITH_TIMEOUT(second->status(), EnvStatus::Failed, 15000);
        QCOMPARE(second->lastError().type, QStringLiteral("SyntaxError"));
        const QString error = m_window->banner()->message();
        QVERIFY2(error.contains(path) && error.contains(QStringLiteral("line 4")), qPrintable(error));
        QVERIFY(m_window->banner()->isVisible());

        // Fixing the file on disk reloads the worker.
        {
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
            file.write("def ok(args):\n    return 1\n");
        }
        QTRY_COMPARE_WITH_TIMEOUT(second->status(), EnvStatus::Ready, 15000);
        QCOMPARE(second->functions().size(), 1);
        QVERIFY(!m_window->banner()->isVisible());
    }

    // A reload keeps the function the user picked, by name, with its result; when the function
    // is gone, the result it showed goes too.
    void selectionSurvivesReload()
    {
        Environment *second = m_window->currentEnvironment();
        const QString path = m_dir.filePath(QStringLiteral("broken.py"));
        auto rewrite = [&](const QByteArray &source, int functionCount) {
            QFile file(path);
            if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
                return false;
            file.write(source);
            file.close();
            return QTest::qWaitFor([&] {
                return second->status() == EnvStatus::Ready && second->functions().size() == functionCount;
            }, 15000);
        };
        QVERIFY(rewrite("def a(args):\n    return 1\n\ndef b(args):\n    return 2\n", 2));
        FunctionsPage *console = m_window->functionsPage();
        QVERIFY(callFromConsole(QStringLiteral("b"), QStringLiteral("null")) > 0);
        QCOMPARE(console->resultView()->value().toInteger(), 2);

        QVERIFY(rewrite("def a(args):\n    return 1\n\ndef b(args):\n    return 2\n\ndef c(args):\n    return 3\n", 3));
        QCOMPARE(console->currentFunction(), QStringLiteral("b"));
        QCOMPARE(console->resultView()->value().toInteger(), 2);

        QVERIFY(rewrite("def a(args):\n    return 1\n\ndef c(args):\n    return 3\n", 2));
        QCOMPARE(console->currentFunction(), QStringLiteral("a"));
        QVERIFY(console->resultView()->value().isUndefined());
        QCOMPARE(console->shownCallId(), 0);
    }

    void printStormStaysBounded()
    {
        Environment *second = m_window->currentEnvironment();
        const QString path = m_dir.filePath(QStringLiteral("storm.py"));
        {
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write("import sys\n"
                       "def storm(mb):\n"
                       "    line = 'x' * 1023 + '\\n'\n"
                       "    for _ in range(mb * 1024):\n"
                       "        sys.stdout.write(line)\n"
                       "    sys.stdout.flush()\n"
                       "    print('storm over', flush=True)\n"
                       "    return mb\n");
        }
        EnvironmentDefinition definition = second->definition();
        definition.sources.append(path);
        m_manager->updateDefinition(definition);
        second->restart(); // the running worker serves until the new one is Ready
        QTRY_VERIFY_WITH_TIMEOUT(second->status() == EnvStatus::Ready && !second->isApplyingChange(), 15000);
        m_window->showTab(MainWindow::OutputTab);

        // The GUI keeps turning while 64 MB arrive: measure the longest gap between ticks.
        QElapsedTimer gap;
        qint64 longest = 0;
        QTimer ticker;
        ticker.setInterval(10);
        connect(&ticker, &QTimer::timeout, this, [&] {
            longest = qMax(longest, gap.restart());
        });
        gap.start();
        ticker.start();
        const int id = second->call(QStringLiteral("storm"), 64);
        QTRY_VERIFY_WITH_TIMEOUT(second->calls()->record(id)->state == CallState::Done, 30000);
        QTRY_VERIFY(m_window->outputView()->text().contains(QStringLiteral("storm over")));
        ticker.stop();
        qInfo() << "longest event-loop gap during the storm:" << longest << "ms";
        QVERIFY2(longest < 1000, qPrintable(QString::number(longest)));
        QVERIFY(second->output().size() <= second->output().capacity());
        QVERIFY(m_window->outputView()->editor()->document()->blockCount() <= OutputView::MaxBlocks);
        QVERIFY(m_window->outputView()->text().size() <= OutputView::MaxCharacters);
    }

    void droppedOutputIsMarked()
    {
        // The GUI thread blocks in the call, so the library keeps only the newest 1 MiB
        // (4 x outputBufferKb) of the 8 MiB storm; the Output tab says where the rest went.
        Environment *second = m_window->currentEnvironment();
        m_window->showTab(MainWindow::OutputTab);
        m_window->outputView()->clear();
        QSignalSpy dropped(second, &Environment::outputDropped);
        QVERIFY(second->venv()->callAndAwait(QStringLiteral("storm"), 8).ok());
        QTRY_VERIFY(m_window->outputView()->text().endsWith(QStringLiteral("storm over\n")));
        QCOMPARE(dropped.size(), 1);
        QCOMPARE(dropped[0][0].value<OutputStream>(), OutputStream::Stdout);
        const qint64 written = 8 * 1024 * 1024 + qsizetype(sizeof "storm over\n" - 1);
        QCOMPARE(dropped[0][1].toLongLong(), written - 1024 * 1024);
        // The view shows the newest MaxFlushBytes of the burst; its notice counts the rest.
        const QString text = m_window->outputView()->text();
        QVERIFY2(text.startsWith(droppedNotice(OutputStream::Stdout, written - OutputView::MaxFlushBytes) + QLatin1Char('\n')),
                 qPrintable(text.left(80)));
        QCOMPARE(text.size() - text.indexOf(QLatin1Char('\n')) - 1, OutputView::MaxFlushBytes);
    }

    void requirementsValidation()
    {
        RequirementsPage *page = m_window->requirementsPage();
        page->editor()->setPlainText(QStringLiteral("numpy\n--index-url https://x\n"));
        QVERIFY(page->problemsText().contains(QStringLiteral("Line 2")));
        QVERIFY(page->problemsText().contains(QStringLiteral("Index URL")));
        QVERIFY(!page->canApply());
        page->editor()->setPlainText(m_window->currentEnvironment()->definition().requirements.join(QLatin1Char('\n')));
        QVERIFY(page->problemsText().isEmpty());
    }

    void installShowsStartPhases()
    {
        // A hermetic install: one wheel in a find-links folder, an empty local index.
        const QString wheels = m_dir.filePath(QStringLiteral("wheels"));
        const QString emptyIndex = m_dir.filePath(QStringLiteral("empty-index"));
        QVERIFY(QDir().mkpath(wheels) && QDir().mkpath(emptyIndex));
        QVERIFY(!TestUtil::buildWheel(wheels, QStringLiteral("qtpyvenv_appprobe"), QStringLiteral("1.0"),
                                         QStringLiteral("VALUE = 1\n")).isEmpty());
        const QString previousId = m_window->currentEnvironment()->definition().id;
        EnvironmentDefinition definition = demo()->definition();
        definition.id.clear();
        definition.name = QStringLiteral("install");
        definition.requirements = {QStringLiteral("qtpyvenv_appprobe==1.0")};
        definition.findLinks = wheels;
        definition.indexUrl = QUrl::fromLocalFile(emptyIndex).toString();
        definition.autoStart = false;
        Environment *env = m_manager->add(definition);
        QVERIFY(env->pythonVersion().isEmpty()); // its own venv: nothing known yet
        m_window->setCurrentEnvironment(env->definition().id);
        m_window->showTab(MainWindow::RequirementsTab);
        RequirementsPage *page = m_window->requirementsPage();

        // Connected after the page: each entry sees what the page shows for that phase.
        QList<EnvStatus> statuses;
        QList<QtPyVenv::StartPhase> phases;
        QStringList labels;
        QStringList statusBar;
        connect(env, &Environment::statusChanged, this, [&](EnvStatus status) { statuses << status; });
        connect(env, &Environment::startPhaseChanged, this, [&](QtPyVenv::StartPhase phase) {
            phases << phase;
            labels << page->phaseText();
            statusBar << m_window->statusText();
        });
        m_manager->start(env->definition().id);
        QTRY_COMPARE_WITH_TIMEOUT(env->status(), EnvStatus::Ready, 60000);
        QCOMPARE(phases, (QList<QtPyVenv::StartPhase>{QtPyVenv::StartPhase::CreatingVenv, QtPyVenv::StartPhase::Installing,
                                                     QtPyVenv::StartPhase::Launching}));
        // "installing" is exactly the library's Installing phase: before and after it, starting.
        QCOMPARE(statuses, (QList<EnvStatus>{EnvStatus::Starting, EnvStatus::Installing, EnvStatus::Starting,
                                             EnvStatus::Ready}));
        QVERIFY2(labels.value(0).startsWith(QStringLiteral("Creating venv — ")), qPrintable(labels.join(QLatin1Char('|'))));
        QVERIFY2(labels.value(1).startsWith(QStringLiteral("Installing — ")), qPrintable(labels.join(QLatin1Char('|'))));
        QVERIFY2(labels.value(2).startsWith(QStringLiteral("Launching — ")), qPrintable(labels.join(QLatin1Char('|'))));
        QVERIFY2(statusBar.value(0).contains(QStringLiteral("State: starting (creating venv)")), qPrintable(statusBar.value(0)));
        QVERIFY2(statusBar.value(1).contains(QStringLiteral("State: installing")), qPrintable(statusBar.value(1)));
        QVERIFY2(statusBar.value(2).contains(QStringLiteral("State: starting (launching)")), qPrintable(statusBar.value(2)));
        QCOMPARE(page->phaseText(), QStringLiteral("Installed"));
        QCOMPARE(env->installPhase(), PipPhase::Done); // pip's own sub-phase, from its output
        QTRY_VERIFY(page->packageModel()->rowCount() > 0);
        bool probeInstalled = false;
        for (const PackageInfo &p : env->packages())
            probeInstalled |= p.name == QStringLiteral("qtpyvenv_appprobe") && p.version == QStringLiteral("1.0");
        QVERIFY(probeInstalled);
        QCOMPARE(env->pythonVersion(), env->venv()->pythonVersion());

        // A restart with nothing changed installs nothing; the running worker serves meanwhile,
        // so the status stays Ready.
        statuses.clear();
        phases.clear();
        env->restart();
        QTRY_VERIFY_WITH_TIMEOUT(!env->isApplyingChange(), 30000);
        env->disconnect(this);
        QCOMPARE(env->status(), EnvStatus::Ready);
        QCOMPARE(phases, QList<QtPyVenv::StartPhase>{QtPyVenv::StartPhase::Launching});
        QCOMPARE(statuses, QList<EnvStatus>());

        m_manager->remove(env->definition().id, true);
        m_window->setCurrentEnvironment(previousId);
        QCOMPARE(m_window->currentEnvironment()->definition().id, previousId);
    }

    void persistenceAndWarmStart()
    {
        const QString secondId = m_window->currentEnvironment()->definition().id;
        EnvironmentDefinition definition = demo()->definition();
        definition.id.clear();
        definition.name = QStringLiteral("third");
        Environment *third = m_manager->add(definition);
        m_manager->start(third->definition().id);
        QTRY_COMPARE_WITH_TIMEOUT(third->status(), EnvStatus::Ready, 30000);
        const QList<qint64> pids{demo()->pid(), m_manager->environment(secondId)->pid(), third->pid()};
        const QString demoVersion = demo()->pythonVersion();

        // Quitting with three running workers: the window closes without waiting for them, and
        // they close together off the GUI thread.
        QSignalSpy shutDown(m_manager.get(), &EnvironmentManager::shutDown);
        QElapsedTimer quit;
        quit.start();
        m_window->close();
        const qint64 blockedMs = quit.elapsed();
        QVERIFY(shutDown.wait(10000));
        const qint64 allGoneMs = quit.elapsed();
        qInfo() << "quit with three workers: the GUI thread was busy" << blockedMs << "ms, all workers were gone after"
                 << allGoneMs << "ms";
        QVERIFY2(blockedMs < 250, qPrintable(QString::number(blockedMs)));
        for (qint64 pid : pids)
            QVERIFY(!TestUtil::processAlive(pid));
        m_window.reset();
        m_manager.reset();

        m_manager = std::make_unique<EnvironmentManager>(m_paths);
        QVERIFY(m_manager->load());
        QVERIFY(!m_manager->isFirstLaunch());
        QCOMPARE(m_manager->environments().size(), 3);
        QCOMPARE(m_manager->currentId(), secondId);
        m_window = std::make_unique<MainWindow>(m_manager.get());
        QCOMPARE(m_window->windowTitle(), QStringLiteral("second[*]"));
        // Before any start, the list shows the version remembered from the last run.
        QVERIFY(!demoVersion.isEmpty());
        QCOMPARE(demo()->status(), EnvStatus::Stopped);
        QCOMPARE(demo()->pythonVersion(), demoVersion);
        // The console's history and last arguments came back (the last console call: describe [5]).
        QVERIFY(demo()->history()->rowCount() > 1);
        QCOMPARE(demo()->history()->index(0).data(HistoryModel::FunctionRole).toString(), QStringLiteral("describe"));
        QCOMPARE(demo()->history()->index(0).data(HistoryModel::ArgsTextRole).toString(), QStringLiteral("[5]"));
        QCOMPARE(demo()->typedArguments(QStringLiteral("describe")).raw, QStringLiteral("[5]"));
        QCOMPARE(m_manager->model()->index(m_manager->model()->rowOf(QStringLiteral("demo")),
                                           EnvironmentListModel::PythonColumn).data().toString(),
                 demoVersion);
        QElapsedTimer warm;
        warm.start();
        m_manager->startAutoStart();
        QTRY_COMPARE_WITH_TIMEOUT(demo()->status(), EnvStatus::Ready, 15000);
        qInfo() << "warm start took" << warm.elapsed() << "ms";

        // Remove, deleting the venv folder.
        const QString folder = m_manager->environment(secondId)->baseDir();
        QVERIFY(QFile::exists(folder));
        QSignalSpy reaped(m_manager->reaper(), &VenvReaper::reaped);
        m_manager->remove(secondId, true);
        QCOMPARE(m_manager->environments().size(), 2);
        QTRY_VERIFY_WITH_TIMEOUT(!reaped.isEmpty(), 15000); // closing and removing run off the GUI thread
        QVERIFY(!QFile::exists(folder));
    }

    void cleanupTestCase()
    {
        m_window.reset();
        m_manager.reset();
        QCOMPARE(TestUtil::liveChildren(), QList<qint64>());
    }
};

QTEST_MAIN(TestAppWidgets)
#include "tst_app_widgets.moc"
