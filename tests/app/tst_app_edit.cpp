// SPDX-License-Identifier: MIT
// The Edit environment dialog: it changes an environment's name and where it runs. The edit is
// saved and read back by the next launch, the list says where it runs now, a Ready environment
// restarts with the new launcher (keeping its worker when that fails, the launcher's words shown
// in the banner and the status bar), Cancel changes nothing, and an adopted folder stays.
#include "apptestutil.h"
#include "testutil.h"

#include "core/environment.h"
#include "core/environmentmanager.h"
#include "core/runson.h"
#include "core/venvreaper.h"
#include "ui/banner.h"
#include "ui/editenvironmentdialog.h"
#include "ui/mainwindow.h"

#include <QAction>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QTreeView>

#include <memory>

using namespace QtPyVenvApp;
using AppTestUtil::whenModal;

namespace {

const QByteArray Source = "import os\n\n"
                          "def through(args=None):\n"
                          "    return os.environ.get('QTPYVENV_THROUGH', 'here')\n\n"
                          "def pid(args=None):\n"
                          "    return os.getpid()\n";

//! The edits a test makes in the dialog: an empty field is left as it is.
struct Edit {
    QString name;
    RunsOn::Kind kind = RunsOn::Kind::ThisComputer;
    QString command; //!< for Custom
};

void fill(EditEnvironmentDialog *dialog, const Edit &edit)
{
    if (!edit.name.isEmpty())
        dialog->findChild<QLineEdit *>(QStringLiteral("editName"))->setText(edit.name);
    dialog->findChild<QComboBox *>(QStringLiteral("runsOnKind"))->setCurrentIndex(int(edit.kind));
    if (!edit.command.isEmpty())
        dialog->findChild<QLineEdit *>(QStringLiteral("customCommand"))->setText(edit.command);
}

QPushButton *okButton(QDialog *dialog)
{
    return dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
}

void screenshot(QWidget *widget, const QString &name)
{
    // For looking at the dialog: QTPYVENV_TEST_SCREENSHOTS=<folder>.
    if (const QString dir = qEnvironmentVariable("QTPYVENV_TEST_SCREENSHOTS"); !dir.isEmpty()) {
        QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest); // as it is painted next
        widget->grab().save(dir + QLatin1Char('/') + name + QStringLiteral(".png"));
    }
}

} // namespace

class TestAppEdit : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    AppPaths m_paths;
    std::unique_ptr<EnvironmentManager> m_manager;
    std::unique_ptr<MainWindow> m_window;
    Environment *m_env = nullptr;

    QCborValue callAndWait(const QString &function) { return AppTestUtil::callAndWait(m_env, function); }
    //! Runs the Edit action, making \a edit in its dialog and pressing OK (false: Cancel).
    void editThroughDialog(const Edit &edit, bool accept = true)
    {
        whenModal<EditEnvironmentDialog>(this, [edit, accept](EditEnvironmentDialog *dialog) {
            fill(dialog, edit);
            screenshot(dialog, QStringLiteral("edit-dialog-%1").arg(int(edit.kind)));
            if (accept)
                QTest::mouseClick(okButton(dialog), Qt::LeftButton);
            else
                dialog->reject();
        });
        m_window->findChild<QAction *>(QStringLiteral("actionEdit"))->trigger(); // runs the dialog
    }
    QString listedRunsOn() const
    {
        const int row = m_manager->model()->rowOf(m_env->definition().id);
        return m_manager->model()->index(row, 0).data(EnvironmentListModel::RunsOnRole).toString();
    }
    EnvironmentDefinition saved() const
    {
        const QList<EnvironmentDefinition> all = loadDefinitions(m_paths.definitionsFile()).environments;
        for (const EnvironmentDefinition &definition : all) {
            if (definition.id == m_env->definition().id)
                return definition;
        }
        return {};
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_dir.isValid());
        // An environment edited to run through a launcher keeps its venv under the far side's
        // home, which a local launcher takes from this process: a home of the test's own.
        QVERIFY(QDir().mkpath(m_dir.filePath(QStringLiteral("home"))));
        qputenv("HOME", QFile::encodeName(m_dir.filePath(QStringLiteral("home"))));
        const QString source = m_dir.filePath(QStringLiteral("service.py"));
        QVERIFY(TestUtil::writeFile(source, Source));
        m_paths = {m_dir.filePath(QStringLiteral("config")), m_dir.filePath(QStringLiteral("data"))};
        m_manager = std::make_unique<EnvironmentManager>(m_paths);
        QVERIFY(m_manager->load());
        EnvironmentDefinition definition;
        definition.name = QStringLiteral("service");
        definition.interpreter = TestUtil::python();
        definition.sources = {source};
        m_env = m_manager->add(definition);
        m_window = std::make_unique<MainWindow>(m_manager.get());
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        m_window->setCurrentEnvironment(m_env->definition().id);
        m_manager->start(m_env->definition().id);
        QTRY_COMPARE_WITH_TIMEOUT(m_env->status(), EnvStatus::Ready, 30000);
    }

    // The action sits in the Environment menu with F2, and is there only with an environment.
    void editActionNeedsAnEnvironment()
    {
        auto *edit = m_window->findChild<QAction *>(QStringLiteral("actionEdit"));
        QVERIFY(edit);
        QCOMPARE(edit->shortcut(), QKeySequence(Qt::Key_F2));
        QVERIFY(edit->isEnabled());

        QTemporaryDir empty;
        const AppPaths paths{empty.filePath(QStringLiteral("config")), empty.filePath(QStringLiteral("data"))};
        QVERIFY(saveDefinitions(paths.definitionsFile(), {})); // not a first launch: no demo
        EnvironmentManager none(paths);
        QVERIFY(none.load());
        MainWindow window(&none);
        QVERIFY(!window.findChild<QAction *>(QStringLiteral("actionEdit"))->isEnabled());
    }

    // The list's context menu offers Edit for the row clicked, New where there is no row.
    void contextMenuOffersEdit()
    {
        auto *list = m_window->environmentView();
        QStringList offered;
        auto readMenu = [&] {
            QTRY_VERIFY(qobject_cast<QMenu *>(QApplication::activePopupWidget()));
            auto *menu = qobject_cast<QMenu *>(QApplication::activePopupWidget());
            offered.clear();
            for (const QAction *action : menu->actions())
                offered << action->objectName();
            menu->close();
        };
        const QModelIndex row = m_manager->model()->index(m_manager->model()->rowOf(m_env->definition().id), 0);
        QTimer::singleShot(0, this, readMenu);
        Q_EMIT list->customContextMenuRequested(list->visualRect(row).center());
        QVERIFY2(offered.contains(QStringLiteral("actionEdit")), qPrintable(offered.join(QLatin1Char(' '))));

        QTimer::singleShot(0, this, readMenu);
        Q_EMIT list->customContextMenuRequested(QPoint(2, list->viewport()->height() - 2)); // below the rows
        QVERIFY2(!offered.contains(QStringLiteral("actionEdit")) && offered.contains(QStringLiteral("actionNew")),
                 qPrintable(offered.join(QLatin1Char(' '))));
    }

    // The dialog shows what is there; Cancel leaves it all as it was, the worker too.
    void cancelChangesNothing()
    {
        const EnvironmentDefinition before = m_env->definition();
        const qint64 pid = m_env->pid();
        QString shownName;
        int shownKind = -1;
        whenModal<EditEnvironmentDialog>(this, [&](EditEnvironmentDialog *dialog) {
            shownName = dialog->findChild<QLineEdit *>(QStringLiteral("editName"))->text();
            shownKind = dialog->findChild<QComboBox *>(QStringLiteral("runsOnKind"))->currentIndex();
            fill(dialog, {QStringLiteral("renamed"), RunsOn::Kind::Custom, QStringLiteral("env QTPYVENV_THROUGH=x")});
            dialog->reject();
        });
        m_window->editEnvironment();
        QCOMPARE(shownName, QStringLiteral("service"));
        QCOMPARE(shownKind, int(RunsOn::Kind::ThisComputer));
        QCOMPARE(m_env->definition(), before);
        QCOMPARE(saved(), before);
        QVERIFY(!m_env->isApplyingChange());
        QCOMPARE(m_env->pid(), pid);
        QCOMPARE(listedRunsOn(), QStringLiteral("this computer"));
    }

    // A name another environment has, or an SSH host left empty, keeps OK disabled and says why.
    void dialogRefusesWhatCannotRun()
    {
        EnvironmentDefinition definition = m_env->definition();
        EditEnvironmentDialog dialog(definition, m_env->baseDir(), {QStringLiteral("other")});
        QVERIFY(okButton(&dialog)->isEnabled());
        fill(&dialog, {QStringLiteral("other")});
        QVERIFY(!okButton(&dialog)->isEnabled());
        QVERIFY(dialog.findChild<QLabel *>(QStringLiteral("editProblem"))->text().contains(QStringLiteral("exists already")));
        fill(&dialog, {QStringLiteral("fine"), RunsOn::Kind::Ssh});
        QVERIFY(!okButton(&dialog)->isEnabled());
        QVERIFY(dialog.findChild<QLabel *>(QStringLiteral("editProblem"))->text().contains(QStringLiteral("SSH host")));
        dialog.findChild<QLineEdit *>(QStringLiteral("sshTarget"))->setText(QStringLiteral("gpu-box"));
        QVERIFY(okButton(&dialog)->isEnabled());
        dialog.show();
        screenshot(&dialog, QStringLiteral("edit-dialog-ssh"));
        QCOMPARE(dialog.definition().launcher, (QStringList{QStringLiteral("ssh"), QStringLiteral("gpu-box")}));
    }

    // Renaming alone keeps the worker: nothing it runs changed.
    void renameKeepsTheWorker()
    {
        const qint64 pid = m_env->pid();
        editThroughDialog({QStringLiteral("renamed")});
        QCOMPARE(m_env->definition().name, QStringLiteral("renamed"));
        QCOMPARE(saved().name, QStringLiteral("renamed"));
        QVERIFY(!m_env->isApplyingChange());
        QCOMPARE(m_env->pid(), pid);
        QVERIFY(m_window->windowTitle().startsWith(QStringLiteral("renamed")));
    }

    // A new launcher: saved, listed, and the Ready environment restarts through it; the next
    // launch reads it back.
    void editedLauncherRestartsTheWorker()
    {
        const qint64 oldPid = m_env->pid();
        QCOMPARE(callAndWait(QStringLiteral("through")), QCborValue(QStringLiteral("here")));
        const QStringList launcher{QStringLiteral("/usr/bin/env"), QStringLiteral("QTPYVENV_THROUGH=edited")};
        QSignalSpy listChanged(m_manager->model(), &QAbstractItemModel::dataChanged);
        editThroughDialog({QStringLiteral("service"), RunsOn::Kind::Custom, joinShellWords(launcher)});
        QCOMPARE(m_env->definition().launcher, launcher);
        QCOMPARE(saved().launcher, launcher);
        QCOMPARE(saved().name, QStringLiteral("service"));
        QVERIFY(!listChanged.isEmpty());
        QCOMPARE(listedRunsOn(), runsOnText(launcher)); // "custom: /usr/bin/env QTPYVEN…"
        // The old worker serves while the new one starts, then goes.
        QVERIFY(m_env->isApplyingChange());
        QCOMPARE(m_env->status(), EnvStatus::Ready);
        QTRY_VERIFY_WITH_TIMEOUT(!m_env->isApplyingChange(), 30000);
        QVERIFY(!m_env->changeFailed());
        QVERIFY(m_env->pid() != oldPid);
        QCOMPARE(m_env->venv()->config().launcher, launcher);
        QCOMPARE(callAndWait(QStringLiteral("through")), QCborValue(QStringLiteral("edited")));
        QTRY_VERIFY_WITH_TIMEOUT(!TestUtil::processAlive(oldPid), 15000);

        // The next launch: the same name and launcher, listed the same.
        m_manager->saveSessions();
        EnvironmentManager reloaded(m_paths);
        QVERIFY(reloaded.load());
        const Environment *again = reloaded.environment(m_env->definition().id);
        QVERIFY(again);
        QCOMPARE(again->definition().name, QStringLiteral("service"));
        QCOMPARE(again->definition().launcher, launcher);
        const int row = reloaded.model()->rowOf(m_env->definition().id);
        QCOMPARE(reloaded.model()->index(row, 0).data(EnvironmentListModel::RunsOnRole).toString(), listedRunsOn());
    }

    // A launcher that fails keeps the worker that runs, and says why in plain words: the banner
    // once, the status bar's last launcher line.
    void failingLauncherKeepsTheWorker_data()
    {
        QTest::addColumn<QString>("command");
        QTest::addColumn<QString>("said");
        QTest::newRow("refused") << QStringLiteral("sh -c 'echo \"ssh: connect to host gpu-box port 22: Connection refused\" >&2; exit 255'")
                                 << QStringLiteral("Connection refused");
        QTest::newRow("no such program") << QStringLiteral("/nonexistent/qtpyvenv-launcher") << QStringLiteral("qtpyvenv-launcher");
    }
    void failingLauncherKeepsTheWorker()
    {
        QFETCH(QString, command);
        QFETCH(QString, said);
        const qint64 pid = m_env->pid();
        QVERIFY(pid > 0);
        QSignalSpy failed(m_env, &Environment::startFailed);
        editThroughDialog({QString(), RunsOn::Kind::Custom, command});
        QCOMPARE(m_env->definition().launcher, splitShellWords(command)); // the edit stands, to be fixed
        QTRY_VERIFY_WITH_TIMEOUT(m_env->changeFailed(), 30000);
        QCOMPARE(failed.size(), 1);
        QCOMPARE(m_env->status(), EnvStatus::Ready);
        QCOMPARE(m_env->pid(), pid);
        QCOMPARE(callAndWait(QStringLiteral("through")), QCborValue(QStringLiteral("edited"))); // the old one answers
        Banner *banner = m_window->banner();
        QVERIFY(banner->isVisible());
        QVERIFY2(banner->message().contains(said), qPrintable(banner->message()));
        QVERIFY2(!banner->details().contains(said), qPrintable(banner->details())); // once
        if (!launcherMessages(m_env->lastError()).isEmpty())
            QVERIFY2(m_window->statusText().contains(said), qPrintable(m_window->statusText()));
        QVERIFY(m_window->statusText().contains(QStringLiteral("last change failed")));
    }

    // Back to this computer: the failure is gone, a new worker runs here.
    void editBackToThisComputer()
    {
        const qint64 pid = m_env->pid();
        editThroughDialog({QString(), RunsOn::Kind::ThisComputer});
        QCOMPARE(m_env->definition().launcher, QStringList());
        QTRY_VERIFY_WITH_TIMEOUT(!m_env->isApplyingChange() && m_env->pid() != pid, 30000);
        QVERIFY(!m_env->changeFailed());
        QVERIFY(!m_window->banner()->isVisible());
        QCOMPARE(callAndWait(QStringLiteral("through")), QCborValue(QStringLiteral("here")));
        QCOMPARE(listedRunsOn(), QStringLiteral("this computer"));
    }

    // An environment that did not start because of its launcher starts once that is fixed.
    void fixedLauncherStartsAFailedEnvironment()
    {
        const QString serving = m_env->definition().id;
        EnvironmentDefinition definition = m_env->definition();
        definition.id.clear();
        definition.name = QStringLiteral("far");
        definition.launcher = {QStringLiteral("/nonexistent/qtpyvenv-launcher")};
        Environment *far = m_manager->add(definition);
        const QString id = far->definition().id;
        m_window->setCurrentEnvironment(id);
        m_manager->start(id);
        QTRY_COMPARE_WITH_TIMEOUT(far->status(), EnvStatus::Failed, 30000);
        QVERIFY(m_window->banner()->isVisible());
        QVERIFY2(m_window->banner()->message().contains(QStringLiteral("qtpyvenv-launcher")), qPrintable(m_window->banner()->message()));

        editThroughDialog({QString(), RunsOn::Kind::ThisComputer});
        QTRY_COMPARE_WITH_TIMEOUT(far->status(), EnvStatus::Ready, 30000);
        QVERIFY(!m_window->banner()->isVisible());
        QCOMPARE(AppTestUtil::callAndWait(far, QStringLiteral("through")), QCborValue(QStringLiteral("here")));
        const qint64 pid = far->pid();
        m_manager->remove(id, false);
        QTRY_VERIFY_WITH_TIMEOUT(!TestUtil::processAlive(pid), 15000);
        m_window->setCurrentEnvironment(serving);
    }

    // An adopted environment keeps its folder and interpreter; a stopped one is not started, and
    // the list shows its new launcher all the same.
    void adoptedKeepsItsFolder()
    {
        EnvironmentDefinition definition;
        definition.name = QStringLiteral("adopted");
        definition.existingDir = m_dir.filePath(QStringLiteral("their-venv"));
        definition.interpreter = definition.existingDir + QStringLiteral("/bin/python");
        definition.autoStart = false;
        Environment *adopted = m_manager->add(definition);
        EditEnvironmentDialog dialog(adopted->definition(), adopted->baseDir(), {});
        QStringList labels;
        for (const QLabel *label : dialog.findChildren<QLabel *>())
            labels << label->text();
        QVERIFY2(labels.contains(displayPath(definition.existingDir)), qPrintable(labels.join(QLatin1Char('|'))));
        fill(&dialog, {QString(), RunsOn::Kind::Custom, QStringLiteral("env")});
        QVERIFY(dialog.findChild<QLabel *>(QStringLiteral("editRestartHint"))->isVisibleTo(&dialog));
        const EnvironmentDefinition edited = dialog.definition();
        QCOMPARE(edited.existingDir, definition.existingDir);
        QCOMPARE(edited.interpreter, definition.interpreter);
        m_manager->applyDefinition(edited);
        QCOMPARE(adopted->definition().existingDir, definition.existingDir);
        QCOMPARE(adopted->definition().launcher, QStringList{QStringLiteral("env")});
        QCOMPARE(adopted->status(), EnvStatus::Stopped);
        // Listed where it will run, though nothing started.
        const int row = m_manager->model()->rowOf(adopted->definition().id);
        QCOMPARE(m_manager->model()->index(row, 0).data(EnvironmentListModel::RunsOnRole).toString(), QStringLiteral("custom: env"));
        m_manager->remove(adopted->definition().id, false);
    }

    // Through a launcher the venv folder is on the far side: under the far home by default, and
    // removing the environment leaves it there and touches nothing here.
    void remoteFolderIsOnTheFarSide()
    {
        EnvironmentManager manager(m_paths);
        EnvironmentDefinition definition;
        definition.name = QStringLiteral("far");
        definition.launcher = {QStringLiteral("ssh"), QStringLiteral("gpu-box")};
        Environment *env = manager.add(definition);
        const QString id = env->definition().id;
        QCOMPARE(env->installConfig().baseDir, Environment::RemoteBaseDirPrefix + id);
        // Here that path is relative, under a folder named "~" in the working directory.
        const QString savedCwd = QDir::currentPath();
        QVERIFY(QDir::setCurrent(m_dir.path()));
        const auto restoreCwd = qScopeGuard([&] { QDir::setCurrent(savedCwd); });
        const QString here = m_dir.filePath(env->installConfig().baseDir);
        QVERIFY(QDir().mkpath(here));
        QVERIFY(TestUtil::writeFile(here + QStringLiteral("/keep"), "mine"));
        env->stopAndRemoveFolder();
        manager.reaper()->waitForAll();
        QVERIFY(QFile::exists(here + QStringLiteral("/keep")));
        const QString local = m_paths.defaultBaseDir(id);

        definition = env->definition();
        definition.launcher.clear();
        env->setDefinition(definition);
        QCOMPARE(env->installConfig().baseDir, local);
    }

    void cleanupTestCase()
    {
        m_window.reset();
        m_manager.reset();
        QTRY_COMPARE(TestUtil::liveChildren(), QList<qint64>());
    }
};

QTEST_MAIN(TestAppEdit)
#include "tst_app_edit.moc"
