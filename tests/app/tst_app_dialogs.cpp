// SPDX-License-Identifier: MIT
// The desktop app's tabs and dialogs under the offscreen platform: the Sources list's order,
// the Output tab's find / follow / clear, the Calls tab's details, the console's history,
// requirements import / export / a failing install, the palette-derived colours, and the
// New / Remove environment dialogs (driven without blocking).
#include "apptestutil.h"
#include "testutil.h"

#include "core/arguments.h"
#include "core/callmodel.h"
#include "core/environment.h"
#include "core/environmentmanager.h"
#include "core/listmodels.h"
#include "core/runson.h"
#include "core/venvreaper.h"
#include "ui/banner.h"
#include "ui/calldetailsdialog.h"
#include "ui/callspage.h"
#include "ui/colors.h"
#include "ui/functionspage.h"
#include "ui/mainwindow.h"
#include "ui/newenvironmentdialog.h"
#include "ui/outputview.h"
#include "ui/requirementspage.h"
#include "ui/resultview.h"
#include "ui/sourcespage.h"

#include <QAction>
#include <QCborArray>
#include <QCborMap>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTextBlock>
#include <QTextDocument>
#include <QTimer>
#include <QTreeView>
#include <QTest>
#include <QUrl>

#include <cmath>
#include <functional>
#include <memory>

using namespace QtPyVenvApp;
using AppTestUtil::whenModal;

namespace {

//! WCAG contrast ratio between two colours (1 to 21).
double contrast(const QColor &a, const QColor &b)
{
    auto luminance = [](const QColor &c) {
        auto channel = [](double v) { return v <= 0.03928 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4); };
        return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF());
    };
    const double la = luminance(a), lb = luminance(b);
    return (qMax(la, lb) + 0.05) / (qMin(la, lb) + 0.05);
}

QPalette darkPalette()
{
    QPalette p;
    p.setColor(QPalette::Window, QColor(0x2b, 0x2b, 0x2b));
    p.setColor(QPalette::WindowText, QColor(0xe8, 0xe8, 0xe8));
    p.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
    p.setColor(QPalette::AlternateBase, QColor(0x26, 0x26, 0x26));
    p.setColor(QPalette::Text, QColor(0xe8, 0xe8, 0xe8));
    p.setColor(QPalette::Button, QColor(0x33, 0x33, 0x33));
    p.setColor(QPalette::ButtonText, QColor(0xe8, 0xe8, 0xe8));
    return p;
}

QPalette lightPalette()
{
    QPalette p;
    p.setColor(QPalette::Window, QColor(0xef, 0xef, 0xef));
    p.setColor(QPalette::WindowText, Qt::black);
    p.setColor(QPalette::Base, Qt::white);
    p.setColor(QPalette::AlternateBase, QColor(0xf7, 0xf7, 0xf7));
    p.setColor(QPalette::Text, Qt::black);
    p.setColor(QPalette::Button, QColor(0xef, 0xef, 0xef));
    p.setColor(QPalette::ButtonText, Qt::black);
    return p;
}

} // namespace

class TestAppDialogs : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    AppPaths m_paths;
    std::unique_ptr<EnvironmentManager> m_manager;
    std::unique_ptr<MainWindow> m_window;
    QString m_alphaPath; // defines alpha and emit
    QString m_betaPath;  // defines beta (raises)

    Environment *demo() const { return m_manager->environment(QStringLiteral("demo")); }
    //! What resources/demo.py defines, in order.
    static QStringList demoFunctions()
    {
        return {QStringLiteral("describe"), QStringLiteral("slow"), QStringLiteral("fit"),
                QStringLiteral("estimate_pi"), QStringLiteral("fail"),
                QStringLiteral("table"), QStringLiteral("matrix"), QStringLiteral("picture")};
    }
    QStringList functionNames() const
    {
        QStringList names;
        for (const auto &f : demo()->functions())
            names << f.name;
        return names;
    }
    QPushButton *button(QWidget *parent, const QString &text) const
    {
        for (QPushButton *b : parent->findChildren<QPushButton *>()) {
            if (b->text() == text)
                return b;
        }
        return nullptr;
    }
    bool writeFile(const QString &path, const QByteArray &content)
    {
        QFile file(path);
        return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(content) == content.size();
    }
    //! Calls emit(n) (n stdout lines, "mark-<i>" every 100th, then one stderr line) and waits
    //! until the Output tab shows the last line.
    void emitLines(int n, const QString &tag)
    {
        const int id = demo()->call(QStringLiteral("emit"), QJsonObject{{QStringLiteral("n"), n}, {QStringLiteral("tag"), tag}});
        const QString last = QStringLiteral("%1 err line").arg(tag);
        QTRY_VERIFY_WITH_TIMEOUT(demo()->calls()->record(id)->state == CallState::Done, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(m_window->outputView()->text().contains(last), 10000);
    }
    //! Removes environment \a id with its folder and waits until the reaper is done with it,
    //! so that the next test sees only its own removals.
    void removeAndWait(const QString &id)
    {
        QSignalSpy reaped(m_manager->reaper(), &VenvReaper::reaped);
        m_manager->remove(id, true);
        QTRY_COMPARE_WITH_TIMEOUT(reaped.size(), 1, 10000);
    }
    //! Double-clicks \a index in \a view (the way a user opens it).
    void doubleClick(QAbstractItemView *view, const QModelIndex &index)
    {
        view->scrollTo(index);
        const QPoint center = view->visualRect(index).center();
        QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, center);
        QTest::mouseDClick(view->viewport(), Qt::LeftButton, {}, center);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_dir.isValid());
        m_paths = {m_dir.filePath(QStringLiteral("config")), m_dir.filePath(QStringLiteral("data"))};
        m_alphaPath = m_dir.filePath(QStringLiteral("alpha.py"));
        m_betaPath = m_dir.filePath(QStringLiteral("beta.py"));
        QVERIFY(writeFile(m_alphaPath, "import sys\n"
                                       "def alpha(args):\n"
                                       "    return {'echo': args}\n"
                                       "\n"
                                       "def emit(args):\n"
                                       "    tag = args['tag']\n"
                                       "    for i in range(args['n']):\n"
                                       "        print(f'{tag} mark-{i}' if i % 100 == 50 else f'{tag} row {i}')\n"
                                       "    sys.stdout.flush()\n"
                                       "    print(f'{tag} err line', file=sys.stderr, flush=True)\n"
                                       "    return args['n']\n"));
        QVERIFY(writeFile(m_betaPath, "def beta(args):\n"
                                      "    raise ValueError('bad ' + str(args))\n"));
        m_manager = std::make_unique<EnvironmentManager>(m_paths);
        QVERIFY(m_manager->load());
        QVERIFY(demo());
        m_window = std::make_unique<MainWindow>(m_manager.get());
        m_window->resize(900, 600);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        m_manager->startAutoStart();
        QTRY_COMPARE_WITH_TIMEOUT(demo()->status(), EnvStatus::Ready, 30000);
        QCOMPARE(functionNames(), demoFunctions());
    }

    // 4. Sources: add, move up/down, remove change the saved order and what the worker loads.
    void sourcesAddMoveRemove()
    {
        SourcesPage *page = m_window->sourcesPage();
        m_window->showTab(MainWindow::SourcesTab);
        auto *list = page->findChild<QListView *>(QStringLiteral("sourcesList"));
        QVERIFY(list);
        const QString demoPy = demo()->definition().sources.value(0);
        QVERIFY(!demoPy.isEmpty());
        auto waitReload = [&](const QStringList &sources) {
            QTRY_COMPARE_WITH_TIMEOUT(demo()->definition().sources, sources, 5000);
            QCOMPARE(loadDefinitions(m_paths.definitionsFile()).environments.value(0).sources, sources);
            QTRY_COMPARE_WITH_TIMEOUT(demo()->status(), EnvStatus::Ready, 15000);
        };

        // Add (the slot behind the file dialog).
        page->addFiles({m_alphaPath, m_betaPath});
        QCOMPARE(page->sources(), (QStringList{demoPy, m_alphaPath, m_betaPath}));
        waitReload({demoPy, m_alphaPath, m_betaPath});
        if (QTest::currentTestFailed())
            return;
        QTRY_COMPARE_WITH_TIMEOUT(functionNames(), (demoFunctions() + QStringList{QStringLiteral("alpha"), QStringLiteral("emit"),
                                                                                  QStringLiteral("beta")}),
                                  15000);
        // Adding one already there changes nothing.
        page->addFiles({m_alphaPath});
        QCOMPARE(page->sources().size(), 3);

        // Move beta.py up (the button), past alpha.py.
        list->setCurrentIndex(list->model()->index(2, 0));
        QPushButton *up = button(page, QStringLiteral("Move &up"));
        QPushButton *down = button(page, QStringLiteral("Move &down"));
        QPushButton *remove = button(page, QStringLiteral("&Remove"));
        QVERIFY(up && down && remove);
        QTest::mouseClick(up, Qt::LeftButton);
        QCOMPARE(page->sources(), (QStringList{demoPy, m_betaPath, m_alphaPath}));
        QCOMPARE(list->currentIndex().row(), 1); // the moved file stays selected
        waitReload({demoPy, m_betaPath, m_alphaPath});
        if (QTest::currentTestFailed())
            return;
        QTRY_COMPARE_WITH_TIMEOUT(functionNames(), (demoFunctions() + QStringList{QStringLiteral("beta"), QStringLiteral("alpha"),
                                                                                  QStringLiteral("emit")}),
                                  15000);

        // Move demo.py down; moving the last one further down does nothing.
        list->setCurrentIndex(list->model()->index(0, 0));
        QTest::mouseClick(down, Qt::LeftButton);
        QCOMPARE(page->sources(), (QStringList{m_betaPath, demoPy, m_alphaPath}));
        waitReload({m_betaPath, demoPy, m_alphaPath});
        if (QTest::currentTestFailed())
            return;
        QTRY_COMPARE_WITH_TIMEOUT(functionNames(), (QStringList{QStringLiteral("beta")} + demoFunctions()
                                                    + QStringList{QStringLiteral("alpha"), QStringLiteral("emit")}),
                                  15000);
        list->setCurrentIndex(list->model()->index(2, 0));
        QTest::mouseClick(down, Qt::LeftButton);
        QCOMPARE(page->sources(), (QStringList{m_betaPath, demoPy, m_alphaPath}));

        // Remove demo.py.
        list->setCurrentIndex(list->model()->index(1, 0));
        QTest::mouseClick(remove, Qt::LeftButton);
        QCOMPARE(page->sources(), (QStringList{m_betaPath, m_alphaPath}));
        waitReload({m_betaPath, m_alphaPath});
        if (QTest::currentTestFailed())
            return;
        QTRY_COMPARE_WITH_TIMEOUT(functionNames(), (QStringList{QStringLiteral("beta"), QStringLiteral("alpha"),
                                                                QStringLiteral("emit")}),
                                  15000);
    }

    // 1. Output: Ctrl+F focuses the find field; Enter selects the next match, wrapping around.
    void outputFind()
    {
        m_window->showTab(MainWindow::OutputTab);
        OutputView *view = m_window->outputView();
        emitLines(300, QStringLiteral("F"));
        if (QTest::currentTestFailed())
            return;
        auto *find = view->findChild<QLineEdit *>(QStringLiteral("outputFind"));
        auto *follow = view->findChild<QCheckBox *>(QStringLiteral("outputFollow"));
        QVERIFY(find && follow);
        QVERIFY(follow->isChecked());

        m_window->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
        QTest::keyClick(m_window.get(), Qt::Key_F, Qt::ControlModifier);
        QTRY_COMPARE(QApplication::focusWidget(), find);

        QTest::keyClicks(find, QStringLiteral("mark-"));
        QStringList found;
        for (int i = 0; i < 4; ++i) {
            QTest::keyClick(find, Qt::Key_Return);
            const QTextCursor cursor = view->editor()->textCursor();
            QCOMPARE(cursor.selectedText(), QStringLiteral("mark-"));
            found << cursor.block().text();
        }
        // From the top (or wrapped from the end), in order, then wrapped around.
        QCOMPARE(found, (QStringList{QStringLiteral("F mark-50"), QStringLiteral("F mark-150"),
                                     QStringLiteral("F mark-250"), QStringLiteral("F mark-50")}));
        // Shift+Enter: the previous one (wraps to the last).
        QTest::keyClick(find, Qt::Key_Return, Qt::ShiftModifier);
        QCOMPARE(view->editor()->textCursor().block().text(), QStringLiteral("F mark-250"));
        QVERIFY(!follow->isChecked()); // finding stops following, so the match stays in view
    }

    // 1. Output: follow on keeps the newest line in view; off keeps the scroll position.
    void outputFollow()
    {
        OutputView *view = m_window->outputView();
        auto *follow = view->findChild<QCheckBox *>(QStringLiteral("outputFollow"));
        QScrollBar *bar = view->editor()->verticalScrollBar();

        follow->setChecked(true);
        QCOMPARE(bar->value(), bar->maximum()); // turning it on jumps to the end
        bar->setValue(0);
        emitLines(200, QStringLiteral("On"));
        if (QTest::currentTestFailed())
            return;
        QVERIFY(bar->maximum() > 0);
        QTRY_COMPARE(bar->value(), bar->maximum());

        QTest::mouseClick(follow, Qt::LeftButton); // off
        QVERIFY(!follow->isChecked());
        bar->setValue(3);
        const int oldMaximum = bar->maximum();
        emitLines(200, QStringLiteral("Off"));
        if (QTest::currentTestFailed())
            return;
        QTRY_VERIFY(bar->maximum() > oldMaximum);
        QCOMPARE(bar->value(), 3);
        follow->setChecked(true);
    }

    // 1. Output: Clear empties the view and the environment's bounded buffer.
    void outputClear()
    {
        OutputView *view = m_window->outputView();
        QVERIFY(demo()->output().size() > 0);
        QVERIFY(!view->text().isEmpty());
        auto *clear = view->findChild<QPushButton *>(QStringLiteral("outputClear"));
        QVERIFY(clear);
        QTest::mouseClick(clear, Qt::LeftButton);
        QCOMPARE(view->text(), QString());
        QCOMPARE(demo()->output().size(), 0);
        QVERIFY(demo()->output().chunks().isEmpty());
        // New output shows alone: nothing from before the clear comes back.
        emitLines(3, QStringLiteral("After"));
        if (QTest::currentTestFailed())
            return;
        QVERIFY(!view->text().contains(QStringLiteral("mark-")));
        QVERIFY(view->text().startsWith(QStringLiteral("After row 0")));
        // Switching environments reloads from the buffer: still only what came after.
        m_window->outputView()->setEnvironment(nullptr);
        QCOMPARE(view->text(), QString());
        m_window->outputView()->setEnvironment(demo());
        QVERIFY(view->text().startsWith(QStringLiteral("After row 0")));
        QVERIFY(!view->text().contains(QStringLiteral("mark-")));
    }

    // 2. Calls: double-click shows the result of a done call, the traceback of a failed one.
    void callsDoubleClickShowsDetails()
    {
        const int done = demo()->call(QStringLiteral("alpha"), QJsonArray{7, 8});
        const int failed = demo()->call(QStringLiteral("beta"), QStringLiteral("x"));
        QTRY_VERIFY_WITH_TIMEOUT(demo()->calls()->record(done)->state == CallState::Done, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(demo()->calls()->record(failed)->state == CallState::Failed, 10000);
        m_window->showTab(MainWindow::CallsTab);
        CallsPage *page = m_window->callsPage();
        QTableView *table = page->view();
        auto rowOf = [&](int id) {
            for (int row = 0; row < table->model()->rowCount(); ++row) {
                if (table->model()->index(row, 0).data(CallModel::IdRole).toInt() == id)
                    return row;
            }
            return -1;
        };
        QCborValue shownResult; // what the dialog's ResultView shows
        auto openDetails = [&](int id) -> QString {
            const int row = rowOf(id);
            if (row < 0)
                return {};
            doubleClick(table, table->model()->index(row, CallModel::FunctionColumn));
            const QList<CallDetailsDialog *> dialogs = page->findChildren<CallDetailsDialog *>(QStringLiteral("callDetails"));
            if (dialogs.size() != 1)
                return QStringLiteral("%1 dialogs").arg(dialogs.size());
            CallDetailsDialog *dialog = dialogs.first();
            const bool visible = dialog->isVisible() && !dialog->isModal(); // never blocks
            const QString text = dialog->summaryView()->toPlainText();
            shownResult = dialog->resultView() ? dialog->resultView()->value() : QCborValue();
            dialog->close(); // deletes on close
            return visible ? text : QStringLiteral("not shown");
        };

        const QString doneText = openDetails(done);
        QVERIFY2(page->detailsText(rowOf(done)).startsWith(doneText), qPrintable(doneText));
        QVERIFY2(doneText.contains(QStringLiteral(": alpha([7, 8])")) && doneText.contains(QStringLiteral("Returned in")),
                 qPrintable(doneText));
        QCOMPARE(shownResult.toMap().value(QStringLiteral("echo")).toArray(), (QCborArray{7, 8}));
        QVERIFY(page->detailsText(rowOf(done)).contains(QStringLiteral("\"echo\"")));
        QTRY_VERIFY(page->findChildren<QDialog *>(QStringLiteral("callDetails")).isEmpty());

        const QString failedText = openDetails(failed);
        QCOMPARE(failedText, page->detailsText(rowOf(failed)));
        QVERIFY(shownResult.isUndefined()); // no result view for a failed call
        QVERIFY2(failedText.contains(QStringLiteral("ValueError: bad x")), qPrintable(failedText));
        QVERIFY2(failedText.contains(QStringLiteral("Traceback")), qPrintable(failedText));
        QVERIFY2(failedText.contains(m_betaPath), qPrintable(failedText));
        QTRY_VERIFY(page->findChildren<QDialog *>(QStringLiteral("callDetails")).isEmpty());
    }

    // 7. Functions: activating a history entry calls again with that entry's arguments.
    void historyEntryReruns()
    {
        m_window->showTab(MainWindow::FunctionsTab);
        FunctionsPage *console = m_window->functionsPage();
        // A console call, so it is in the history with its typed arguments.
        QVERIFY(console->selectFunction(QStringLiteral("alpha")));
        console->setRawArguments(true);
        auto *args = console->findChild<QPlainTextEdit *>(QStringLiteral("argsEditor"));
        args->setPlainText(QStringLiteral("{\"k\": [1, 2, 3]}"));
        QSignalSpy shown(console, &FunctionsPage::resultShown);
        console->callCurrent();
        QVERIFY(shown.wait(10000));
        const int first = shown.takeFirst().at(0).toInt();
        // Something else selected and typed meanwhile.
        QVERIFY(console->selectFunction(QStringLiteral("emit")));
        args->setPlainText(QStringLiteral("{\"n\": 1, \"tag\": \"h\"}"));
        console->callCurrent();
        QVERIFY(shown.wait(10000));
        shown.clear();

        HistoryModel *history = demo()->history();
        int row = -1;
        for (int r = 0; r < history->rowCount(); ++r) {
            if (history->index(r).data(HistoryModel::FunctionRole).toString() == QStringLiteral("alpha")) {
                row = r;
                break;
            }
        }
        QVERIFY(row >= 0);
        const int callsBefore = demo()->calls()->rowCount();
        auto *list = console->findChild<QListView *>(QStringLiteral("historyList"));
        QVERIFY(list);
        doubleClick(list, list->model()->index(row, 0));
        QVERIFY(shown.wait(10000));
        const int again = shown.first().at(0).toInt();
        QVERIFY(again != first);
        QCOMPARE(demo()->calls()->rowCount(), callsBefore + 1);
        const CallRecord *a = demo()->calls()->record(first);
        const CallRecord *b = demo()->calls()->record(again);
        QVERIFY(a && b);
        QCOMPARE(b->function, QStringLiteral("alpha"));
        QCOMPARE(argumentsText(b->arguments), argumentsText(a->arguments));
        QCOMPARE(b->state, CallState::Done);
        QCOMPARE(console->currentFunction(), QStringLiteral("alpha"));
        QCOMPARE(QJsonDocument::fromJson(args->toPlainText().toUtf8()).object(),
                 QJsonDocument::fromJson("{\"k\": [1, 2, 3]}").object());
    }

    // 3. Requirements: import fills the editor (comments and blank lines kept out of what is
    // applied, pip options into their fields); export writes the editor's requirements.
    void requirementsImportExport()
    {
        m_window->showTab(MainWindow::RequirementsTab);
        RequirementsPage *page = m_window->requirementsPage();
        auto *indexUrl = page->findChild<QLineEdit *>(QStringLiteral("indexUrl"));
        auto *findLinks = page->findChild<QLineEdit *>(QStringLiteral("findLinks"));
        const QString in = m_dir.filePath(QStringLiteral("in-requirements.txt"));
        QVERIFY(writeFile(in, "# tools\n"
                              "numpy>=1.26\n"
                              "\n"
                              "   requests[socks]==2.31.0   \n"
                              "--find-links /opt/wheels\n"
                              "# the end\n"
                              "\n\n"));
        page->importFile(in);
        QCOMPARE(page->editor()->toPlainText(), QStringLiteral("# tools\nnumpy>=1.26\n\n   requests[socks]==2.31.0   \n# the end"));
        QCOMPARE(findLinks->text(), QStringLiteral("/opt/wheels"));
        QVERIFY2(page->problemsText().isEmpty(), qPrintable(page->problemsText())); // comments are fine
        QVERIFY(page->canApply()); // differs from the saved definition

        const QString out = m_dir.filePath(QStringLiteral("out-requirements.txt"));
        page->exportFile(out);
        QFile file(out);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(QString::fromUtf8(file.readAll()),
                 QStringLiteral("--find-links /opt/wheels\nnumpy>=1.26\nrequests[socks]==2.31.0\n"));
        file.close();

        // Unreadable file: said, editor untouched.
        page->importFile(m_dir.filePath(QStringLiteral("missing.txt")));
        QVERIFY(page->problemsText().contains(QStringLiteral("Cannot read")));
        QVERIFY(page->editor()->toPlainText().startsWith(QStringLiteral("# tools")));

        // Back to what is saved.
        page->editor()->setPlainText(QString());
        findLinks->clear();
        indexUrl->clear();
        QVERIFY(!page->canApply());
    }

    // 3. Requirements: Apply with a requirement pip cannot find shows pip's last lines, in the
    //    banner (the log keeps them too); the running worker stays (tst_app_lastgood).
    void requirementsApplyFailureShowsPip()
    {
        RequirementsPage *page = m_window->requirementsPage();
        auto *indexUrl = page->findChild<QLineEdit *>(QStringLiteral("indexUrl"));
        auto *findLinks = page->findChild<QLineEdit *>(QStringLiteral("findLinks"));
        auto *apply = page->findChild<QPushButton *>(QStringLiteral("requirementsApply"));
        QVERIFY(indexUrl && findLinks && apply);
        const QString empty = m_dir.filePath(QStringLiteral("no-wheels"));
        QVERIFY(QDir().mkpath(empty));
        page->editor()->setPlainText(QStringLiteral("qtpyvenv-no-such-package==9.9"));
        indexUrl->setText(QUrl::fromLocalFile(empty).toString());
        findLinks->setText(empty);
        QVERIFY(apply->isEnabled());
        QTest::mouseClick(apply, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(demo()->definition().requirements, QStringList{QStringLiteral("qtpyvenv-no-such-package==9.9")}, 5000);
        QTRY_VERIFY_WITH_TIMEOUT(demo()->changeFailed(), 60000);
        QCOMPARE(demo()->status(), EnvStatus::Ready);
        QCOMPARE(demo()->lastError().code, QtPyVenv::ErrorCode::InstallFailed);
        QVERIFY(m_window->banner()->isVisible());
        QVERIFY2(m_window->banner()->details().contains(QStringLiteral("No matching distribution")),
                 qPrintable(m_window->banner()->details()));
        QVERIFY(apply->isEnabled()); // failed: can apply again
        auto *pipLog = page->findChild<QPlainTextEdit *>(QStringLiteral("pipLog"));
        QVERIFY2(pipLog->toPlainText().contains(QStringLiteral("qtpyvenv-no-such-package")), qPrintable(pipLog->toPlainText()));
    }

    // 6. Colours follow the palette: stderr (and pip, banner) differ between light and dark
    // palettes and keep a readable contrast with the base colour; the Output tab recolours.
    void darkPaletteColours()
    {
        const QPalette light = lightPalette(), dark = darkPalette();
        QVERIFY(!isDarkPalette(light));
        QVERIFY(isDarkPalette(dark));
        QVERIFY(stderrColor(light) != stderrColor(dark));
        QVERIFY(pipColor(light) != pipColor(dark));
        QVERIFY(bannerBackground(light) != bannerBackground(dark));
        for (const QPalette &p : {light, dark}) {
            const QColor base = p.color(QPalette::Base);
            QVERIFY2(contrast(stderrColor(p), base) >= 4.5, qPrintable(QString::number(contrast(stderrColor(p), base))));
            QVERIFY2(contrast(pipColor(p), base) >= 4.5, qPrintable(QString::number(contrast(pipColor(p), base))));
            QVERIFY(contrast(p.color(QPalette::WindowText), bannerBackground(p)) >= 4.5);
        }

        // The Output tab: stderr text takes the palette's colour, and changes with it.
        const QPalette before = QApplication::palette();
        m_window->showTab(MainWindow::OutputTab);
        OutputView *view = m_window->outputView();
        auto stderrShown = [view]() -> QColor {
            const QTextCursor found = view->editor()->document()->find(QStringLiteral("After err line"));
            return found.isNull() ? QColor() : found.charFormat().foreground().color();
        };
        auto stdoutShown = [view]() -> QColor {
            const QTextCursor found = view->editor()->document()->find(QStringLiteral("After row 0"));
            return found.isNull() ? QColor() : found.charFormat().foreground().color();
        };
        QApplication::setPalette(light);
        QTRY_COMPARE(stderrShown(), stderrColor(light));
        QApplication::setPalette(dark);
        QTRY_COMPARE(stderrShown(), stderrColor(dark));
        QTRY_COMPARE(stdoutShown(), dark.color(QPalette::Text));
        QVERIFY(contrast(stderrShown(), view->editor()->palette().color(QPalette::Base)) >= 4.5);
        QApplication::setPalette(before);
    }

    // 5. New environment: name / interpreter / folder; empty name keeps OK disabled;
    // accepting adds (and starts) it.
    void newEnvironmentDialog()
    {
        const QString python3 = QStandardPaths::findExecutable(QStringLiteral("python3"));
        QVERIFY(!python3.isEmpty());
        const QStringList pythons = EnvironmentManager::findPythons();
        QStringList canonical;
        for (const QString &p : pythons)
            canonical << QFileInfo(p).canonicalFilePath();
        QVERIFY2(canonical.contains(QFileInfo(python3).canonicalFilePath()), qPrintable(pythons.join(QLatin1Char(' '))));

        const QString folder = m_dir.filePath(QStringLiteral("venv-fresh"));
        const int before = m_manager->environments().size();
        bool okWhenEmpty = true, okWhenTaken = true, okWhenNamed = false;
        QStringList items;
        whenModal<QDialog>(this, [&](QDialog *dialog) {
            auto *name = dialog->findChild<QLineEdit *>(QStringLiteral("newName"));
            auto *interpreter = dialog->findChild<QComboBox *>(QStringLiteral("newInterpreter"));
            auto *folderEdit = dialog->findChild<QLineEdit *>(QStringLiteral("newFolder"));
            auto *buttons = dialog->findChild<QDialogButtonBox *>();
            if (!name || !interpreter || !folderEdit || !buttons) {
                dialog->reject();
                return;
            }
            QPushButton *ok = buttons->button(QDialogButtonBox::Ok);
            for (int i = 0; i < interpreter->count(); ++i)
                items << interpreter->itemText(i);
            okWhenEmpty = ok->isEnabled();
            QTest::keyClicks(name, QStringLiteral("demo")); // taken
            okWhenTaken = ok->isEnabled();
            name->clear();
            QTest::keyClicks(name, QStringLiteral("fresh"));
            okWhenNamed = ok->isEnabled();
            interpreter->setCurrentText(python3);
            folderEdit->setText(folder);
            if (okWhenNamed)
                QTest::mouseClick(ok, Qt::LeftButton);
            else
                dialog->reject();
        });
        m_window->findChild<QAction *>(QStringLiteral("actionNew"))->trigger(); // runs the dialog
        QVERIFY(!okWhenEmpty);
        QVERIFY(!okWhenTaken);
        QVERIFY(okWhenNamed);
        for (const QString &p : pythons)
            QVERIFY2(items.contains(p), qPrintable(items.join(QLatin1Char(' '))));
        QCOMPARE(m_manager->environments().size(), before + 1);
        Environment *fresh = m_window->currentEnvironment();
        QCOMPARE(fresh->definition().name, QStringLiteral("fresh"));
        QCOMPARE(fresh->definition().interpreter, python3);
        QCOMPARE(fresh->baseDir(), folder);
        QCOMPARE(loadDefinitions(m_paths.definitionsFile()).environments.size(), before + 1);
        QTRY_COMPARE_WITH_TIMEOUT(fresh->status(), EnvStatus::Ready, 60000);
        QVERIFY(!QDir(folder).isEmpty()); // the venv is in the chosen folder

        // Cancel adds nothing.
        whenModal<QDialog>(this, [](QDialog *dialog) { dialog->reject(); });
        m_window->newEnvironment();
        QCOMPARE(m_manager->environments().size(), before + 1);
    }

    // Runs on: each choice of the New environment dialog makes its launcher; a missing host
    // keeps OK disabled.
    void newEnvironmentRunsOn_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<QStringList>("fields"); // objectName=text
        QTest::addColumn<QStringList>("launcher");
        QTest::newRow("this computer") << int(RunsOn::Kind::ThisComputer) << QStringList() << QStringList();
        QTest::newRow("ssh") << int(RunsOn::Kind::Ssh)
                             << QStringList{QStringLiteral("sshTarget=me@gpu-box"), QStringLiteral("sshOptions=-p 2222")}
                             << QStringList{QStringLiteral("ssh"), QStringLiteral("-p"), QStringLiteral("2222"), QStringLiteral("me@gpu-box")};
        QTest::newRow("ssh without host") << int(RunsOn::Kind::Ssh) << QStringList{QStringLiteral("sshOptions=-p 2222")} << QStringList();
        QTest::newRow("slurm") << int(RunsOn::Kind::Slurm) << QStringList{QStringLiteral("srunOptions=-p gpu")}
                               << QStringList{QStringLiteral("srun"), QStringLiteral("-p"), QStringLiteral("gpu"), QStringLiteral("-u")};
        QTest::newRow("slurm via ssh") << int(RunsOn::Kind::Slurm)
                                       << QStringList{QStringLiteral("srunOptions=-p gpu"), QStringLiteral("loginNode=login1")}
                                       << QStringList{QStringLiteral("ssh"), QStringLiteral("login1"), QStringLiteral("srun"),
                                                      QStringLiteral("-p"), QStringLiteral("gpu"), QStringLiteral("-u")};
        QTest::newRow("custom") << int(RunsOn::Kind::Custom) << QStringList{QStringLiteral("customCommand=docker exec -i 'my box'")}
                                << QStringList{QStringLiteral("docker"), QStringLiteral("exec"), QStringLiteral("-i"), QStringLiteral("my box")};
    }
    void newEnvironmentRunsOn()
    {
        QFETCH(int, kind);
        QFETCH(QStringList, fields);
        QFETCH(QStringList, launcher);
        NewEnvironmentDialog dialog({}, {});
        dialog.setName(QStringLiteral("remote"));
        auto *choice = dialog.findChild<QComboBox *>(QStringLiteral("runsOnKind"));
        QVERIFY(choice);
        choice->setCurrentIndex(kind);
        for (const QString &field : fields) {
            auto *edit = dialog.findChild<QLineEdit *>(field.section(QLatin1Char('='), 0, 0));
            QVERIFY2(edit, qPrintable(field));
            edit->setText(field.section(QLatin1Char('='), 1));
        }
        const bool complete = kind == int(RunsOn::Kind::ThisComputer) || !launcher.isEmpty();
        QCOMPARE(dialog.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->isEnabled(), complete);
        QCOMPARE(dialog.definition().launcher, launcher);
        // The venv is made on the far side: the dialog says where.
        auto *hint = dialog.findChild<QLabel *>(QStringLiteral("runsOnHint"));
        QVERIFY(hint);
        QCOMPARE(hint->isVisibleTo(&dialog), kind != int(RunsOn::Kind::ThisComputer));
    }

    // An environment whose worker runs through the custom prefix "env" gets Ready and runs a call;
    // the list says where it runs.
    void customLauncherRunsACall()
    {
        EnvironmentDefinition definition;
        definition.id = newEnvironmentId();
        definition.name = QStringLiteral("through env");
        definition.baseDir = m_dir.filePath(QStringLiteral("venv-env"));
        const QString through = m_dir.filePath(QStringLiteral("through.py"));
        QVERIFY(writeFile(through, "import os\n"
                                   "def through(args):\n"
                                   "    return os.environ.get('QTPYVENV_THROUGH')\n"));
        definition.sources = {through};
        definition.launcher = {QStringLiteral("env"), QStringLiteral("QTPYVENV_THROUGH=env")};
        Environment *env = m_manager->add(definition);
        m_manager->start(definition.id);
        QTRY_COMPARE_WITH_TIMEOUT(env->status(), EnvStatus::Ready, 60000);
        const int id = env->call(QStringLiteral("through"), QJsonObject());
        QTRY_VERIFY_WITH_TIMEOUT(env->calls()->record(id)->state == CallState::Done, 10000);
        QCOMPARE(env->calls()->record(id)->result, QCborValue(QStringLiteral("env"))); // the worker ran through env
        const int row = m_manager->model()->rowOf(definition.id);
        QCOMPARE(m_manager->model()->index(row, 0).data(EnvironmentListModel::RunsOnRole).toString(),
                 QStringLiteral("custom: env QTPYVENV_THROUGH…"));
        QCOMPARE(loadDefinitions(m_paths.definitionsFile()).environments.last().launcher, definition.launcher);
        // The list shows it on a second line under the name.
        auto *list = m_window->findChild<QTreeView *>(QStringLiteral("environmentList"));
        const QModelIndex name = m_manager->model()->index(row, EnvironmentListModel::NameColumn);
        QStyleOptionViewItem option;
        option.initFrom(list);
        const int height = list->itemDelegateForIndex(name)->sizeHint(option, name).height();
        QVERIFY2(height >= 2 * list->fontMetrics().height(), qPrintable(QString::number(height)));
        removeAndWait(definition.id);
    }

    // A launcher that fails as ssh does on a refused key: the banner shows its line, and so
    // does the status bar.
    void failingLauncherShownInBanner()
    {
        EnvironmentDefinition definition;
        definition.id = newEnvironmentId();
        definition.name = QStringLiteral("refused");
        definition.baseDir = m_dir.filePath(QStringLiteral("venv-refused"));
        definition.launcher = {QStringLiteral("sh"), QStringLiteral("-c"),
                               QStringLiteral("echo 'Warning: Permanently added the host key.' >&2; "
                                              "echo 'Permission denied (publickey).' >&2; exit 255")};
        definition.autoStart = false;
        Environment *env = m_manager->add(definition);
        const QString previous = m_window->currentEnvironment()->definition().id; // the next test's
        m_window->setCurrentEnvironment(definition.id);
        m_manager->start(definition.id);
        QTRY_COMPARE_WITH_TIMEOUT(env->status(), EnvStatus::Failed, 60000);
        auto *banner = m_window->findChild<Banner *>();
        QTRY_VERIFY(banner->isVisible());
        // Both lines, not only the first, and once: on lines of their own below the message (before
        // the worker answers, the launcher's words are start output, not the worker's stderr).
        const QString lines = QStringLiteral("Warning: Permanently added the host key.\nPermission denied (publickey).");
        QVERIFY2(banner->message().endsWith(QStringLiteral("exited with code 255. The launcher said:\n") + lines),
                 qPrintable(banner->message()));
        QVERIFY2(!banner->details().contains(QStringLiteral("Permission denied")), qPrintable(banner->details()));
        QTRY_VERIFY2(m_window->statusText().contains(QStringLiteral("Permission denied (publickey).")),
                     qPrintable(m_window->statusText()));
        removeAndWait(definition.id);
        m_window->setCurrentEnvironment(previous);
    }

    // 5. Remove: the confirmation's checkbox decides whether the venv folder goes too.
    void removeConfirmation()
    {
        Environment *fresh = m_window->currentEnvironment();
        QCOMPARE(fresh->definition().name, QStringLiteral("fresh"));
        const QString freshId = fresh->definition().id;
        const QString folder = fresh->baseDir();
        const qint64 pid = fresh->pid();
        QVERIFY(pid > 0);

        // Cancel: nothing happens.
        whenModal<QMessageBox>(this, [](QMessageBox *box) { box->button(QMessageBox::Cancel)->click(); });
        m_window->removeEnvironment();
        QVERIFY(m_manager->environment(freshId));

        // Unticked: removed, worker stopped, folder kept.
        bool wasTicked = true;
        QSignalSpy reaped(m_manager->reaper(), &VenvReaper::reaped);
        whenModal<QMessageBox>(this, [&](QMessageBox *box) {
            wasTicked = box->checkBox() && box->checkBox()->isChecked();
            box->button(QMessageBox::Yes)->click();
        });
        m_window->removeEnvironment();
        QVERIFY(!wasTicked); // off by default
        QVERIFY(!m_manager->environment(freshId));
        QTRY_VERIFY_WITH_TIMEOUT(!TestUtil::processAlive(pid), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(reaped.size(), 1, 10000); // the reaper is done with it
        QCOMPARE(reaped.first().at(0).toString(), QString()); // no folder removed
        QVERIFY(!QDir(folder).isEmpty());

        // Ticked: the folder goes too (one never started, pointing at that kept folder).
        EnvironmentDefinition definition = demo()->definition();
        definition.id.clear();
        definition.name = QStringLiteral("kept-folder");
        definition.baseDir = folder;
        definition.autoStart = false;
        Environment *kept = m_manager->add(definition);
        m_window->setCurrentEnvironment(kept->definition().id);
        whenModal<QMessageBox>(this, [](QMessageBox *box) {
            box->checkBox()->setChecked(true);
            box->button(QMessageBox::Yes)->click();
        });
        m_window->removeEnvironment();
        QVERIFY(!m_manager->environment(definition.id));
        QCOMPARE(m_manager->environments().size(), 1);
        QTRY_VERIFY_WITH_TIMEOUT(!QFileInfo::exists(folder), 10000);
    }

    void duplicateCopiesTheDefinition()
    {
        const EnvironmentDefinition original = demo()->definition();
        Environment *copy = m_manager->duplicate(original.id);
        QVERIFY(copy);
        const EnvironmentDefinition made = copy->definition();
        QVERIFY(made.id != original.id);
        QCOMPARE(made.name, original.name + QStringLiteral(" copy"));
        QCOMPARE(made.sources, original.sources);
        QCOMPARE(made.requirements, original.requirements);
        QCOMPARE(made.interpreter, original.interpreter);
        QVERIFY(copy->baseDir() != demo()->baseDir()); // a venv of its own
        QCOMPARE(m_manager->duplicate(original.id)->definition().name, original.name + QStringLiteral(" copy 2"));
        const QString copyId = made.id;
        m_manager->remove(copyId, true);
        QVERIFY(!m_manager->environment(copyId));
    }

    void cleanupTestCase()
    {
        if (m_window)
            m_window->close(); // stops every worker
        m_window.reset();
        m_manager.reset();
        QCOMPARE(TestUtil::liveChildren(), QList<qint64>());
    }
};

QTEST_MAIN(TestAppDialogs)
#include "tst_app_dialogs.moc"
