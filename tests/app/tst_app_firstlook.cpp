// SPDX-License-Identifier: MIT
// What a new user sees first (issue 11): the window title, the toolbar's icons, the New
// dialog's labels and hint, the console's idle hint, and the Requirements tab's layout and
// "Changed" state. Offscreen, with the first launch's demo environment.
#include "testutil.h"

#include "core/environment.h"
#include "core/environmentmanager.h"
#include "core/listmodels.h"
#include "core/runson.h"
#include "ui/colors.h"
#include "ui/functionspage.h"
#include "ui/mainwindow.h"
#include "ui/newenvironmentdialog.h"
#include "ui/requirementspage.h"

#include <QAction>
#include <QComboBox>
#include <QFile>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QSplitter>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QToolBar>
#include <QWindow>

#include <memory>

using namespace QtPyVenvApp;

class TestAppFirstLook : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<EnvironmentManager> m_manager;
    std::unique_ptr<MainWindow> m_window;

    Environment *demo() const { return m_manager->environment(QStringLiteral("demo")); }
    QLabel *resultHeader() const
    {
        return m_window->functionsPage()->findChild<QLabel *>(QStringLiteral("resultHeader"));
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QGuiApplication::setApplicationDisplayName(QStringLiteral("QtPyVenv"));
        QVERIFY(m_dir.isValid());
        m_manager = std::make_unique<EnvironmentManager>(
            AppPaths{m_dir.filePath(QStringLiteral("config")), m_dir.filePath(QStringLiteral("data"))});
        QVERIFY(m_manager->load());
        QVERIFY(demo());
        m_window = std::make_unique<MainWindow>(m_manager.get());
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    }

    // The platform appends the display name ("demo — QtPyVenv"): the title itself must not.
    void titleIsTheEnvironmentOnly()
    {
        QCOMPARE(m_window->windowTitle(), QStringLiteral("demo[*]"));
        QCOMPARE(m_window->windowHandle()->title(), QStringLiteral("demo"));
        QVERIFY(!m_window->isWindowModified());
    }

    void toolbarActionsHaveIcons()
    {
        auto *toolbar = m_window->findChild<QToolBar *>(QStringLiteral("environmentToolbar"));
        QVERIFY(toolbar);
        QCOMPARE(toolbar->toolButtonStyle(), Qt::ToolButtonTextBesideIcon); // the words stay
        int actions = 0;
        for (QAction *action : toolbar->actions()) {
            if (action->isSeparator())
                continue;
            ++actions;
            QVERIFY2(!action->text().isEmpty(), qPrintable(action->objectName()));
            // Drawn, not only named: under a bare X server the bundled SVG is what shows.
            QVERIFY2(!action->icon().pixmap(24).isNull(), qPrintable(action->objectName()));
        }
        QCOMPARE(actions, 7);
        for (const char *name : {"document-new", "folder-open", "edit-copy", "list-remove", "media-playback-start",
                                 "media-playback-stop", "view-refresh"})
            QVERIFY2(QFile::exists(QStringLiteral(":/qtpyvenv-app/icons/%1.svg").arg(QLatin1String(name))), name);
    }

    // A label made by addRow(QString, QLayout *) has no buddy and shows its '&' as is.
    void newDialogLabelsAreMnemonics()
    {
        NewEnvironmentDialog dialog({}, {});
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QSet<QWidget *> buddies;
        for (QLabel *label : dialog.findChildren<QLabel *>()) {
            if (!label->text().contains(QLatin1Char('&')))
                continue;
            QVERIFY2(label->buddy(), qPrintable(label->text()));
            buddies.insert(label->buddy());
        }
        QVERIFY(buddies.contains(dialog.findChild<QComboBox *>(QStringLiteral("newInterpreter"))));
        QVERIFY(buddies.contains(dialog.findChild<QLineEdit *>(QStringLiteral("newFolder"))));
        QVERIFY(buddies.contains(dialog.findChild<QLineEdit *>(QStringLiteral("newName"))));
    }

    void newDialogFolderHintFits()
    {
        NewEnvironmentDialog dialog({}, {});
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        auto *folder = dialog.findChild<QLineEdit *>(QStringLiteral("newFolder"));
        QVERIFY(folder->fontMetrics().horizontalAdvance(folder->placeholderText()) < folder->contentsRect().width());
        auto *hint = dialog.findChild<QLabel *>(QStringLiteral("newFolderHint"));
        QVERIFY(hint);
        QVERIFY(hint->text().contains(QStringLiteral("venvs/")));
        QVERIFY(hint->wordWrap());
        QVERIFY(hint->isVisible());
        QVERIFY(hint->height() >= hint->heightForWidth(hint->width()));

        // Through a launcher the default folder is on the far side, and the hint says so.
        auto *kind = dialog.findChild<QComboBox *>(QStringLiteral("runsOnKind"));
        QVERIFY(kind);
        kind->setCurrentIndex(int(RunsOn::Kind::Ssh));
        dialog.findChild<QLineEdit *>(QStringLiteral("sshTarget"))->setText(QStringLiteral("gpu-box"));
        QVERIFY2(hint->text().contains(QStringLiteral("~/.local/share/qtpyvenv/venvs/")), qPrintable(hint->text()));
        QVERIFY(hint->text().contains(QStringLiteral("on that side")));
        kind->setCurrentIndex(int(RunsOn::Kind::ThisComputer));
        QVERIFY(hint->text().contains(QStringLiteral("app's data folder")));
    }

    // Before any call the console's header is a hint, in the placeholder colour; a failed
    // call's header is in the error colour.
    void consoleHintIsNeutralErrorIsRed()
    {
        QLabel *header = resultHeader();
        QVERIFY(header->text().startsWith(QStringLiteral("Pick a function")));
        QCOMPARE(header->foregroundRole(), QPalette::PlaceholderText);
        QVERIFY(header->palette().color(header->foregroundRole()) != stderrColor(header->palette()));

        m_manager->startAutoStart();
        QTRY_COMPARE_WITH_TIMEOUT(demo()->status(), EnvStatus::Ready, 30000);
        FunctionsPage *console = m_window->functionsPage();
        QVERIFY(console->selectFunction(QStringLiteral("fail")));
        console->setRawArguments(true);
        console->findChild<QPlainTextEdit *>(QStringLiteral("argsEditor"))->setPlainText(QStringLiteral("\"boom\""));
        QSignalSpy shown(console, &FunctionsPage::resultShown);
        console->callCurrent();
        QVERIFY(shown.wait(15000));
        QVERIFY2(header->text().contains(QStringLiteral("failed")), qPrintable(header->text()));
        QCOMPARE(header->palette().color(header->foregroundRole()), stderrColor(m_window->palette()));
    }

    // Requirements lists are short: the editor has less height than pip's log and the
    // packages together, and package names are not cut off.
    void requirementsLayout()
    {
        m_window->showTab(MainWindow::RequirementsTab);
        RequirementsPage *page = m_window->requirementsPage();
        auto *splitter = page->findChild<QSplitter *>(QStringLiteral("requirementsSplitter"));
        QVERIFY(splitter);
        QCOMPARE(splitter->count(), 3);
        const QList<int> sizes = splitter->sizes();
        QVERIFY2(sizes[0] < sizes[1] + sizes[2], qPrintable(QStringLiteral("%1 %2 %3").arg(sizes[0]).arg(sizes[1]).arg(sizes[2])));
        QVERIFY(sizes[2] >= sizes[0]);
        auto *packages = page->findChild<QTableView *>(QStringLiteral("packagesTable"));
        // An empty venv has no packages (venvs are made without pip): a long name of our own.
        page->packageModel()->setPackages({{QStringLiteral("a-package-with-a-rather-long-name-indeed"), QStringLiteral("1.0")}});
        const QAbstractItemView *view = packages; // QTableView hides sizeHintForColumn()
        QTRY_VERIFY(packages->columnWidth(PackageModel::NameColumn) >= view->sizeHintForColumn(PackageModel::NameColumn));
    }

    // While the text differs from what is installed, the page says so, and the window
    // title marks it ([*]).
    void requirementsChangedState()
    {
        RequirementsPage *page = m_window->requirementsPage();
        QCOMPARE(page->phaseText(), QStringLiteral("Installed"));
        QVERIFY(!page->canApply());
        QSignalSpy changed(page, &RequirementsPage::unappliedChangesChanged);
        page->editor()->setPlainText(QStringLiteral("numpy"));
        QCOMPARE(page->phaseText(), QStringLiteral("Changed — Apply to install"));
        QVERIFY(page->canApply());
        QVERIFY(page->hasUnappliedChanges());
        QCOMPARE(changed.size(), 1);
        QVERIFY(m_window->isWindowModified());
        QCOMPARE(m_window->windowHandle()->title(), QStringLiteral("demo*"));

        page->editor()->setPlainText(demo()->definition().requirements.join(QLatin1Char('\n')));
        QCOMPARE(page->phaseText(), QStringLiteral("Installed"));
        QVERIFY(!page->hasUnappliedChanges());
        QVERIFY(!m_window->isWindowModified());
    }

    void cleanupTestCase()
    {
        m_window.reset();
        m_manager.reset();
        QCOMPARE(TestUtil::liveChildren(), QList<qint64>());
    }
};

QTEST_MAIN(TestAppFirstLook)
#include "tst_app_firstlook.moc"
