// SPDX-License-Identifier: MIT
// Keeping the last good worker: a restart of a Ready environment with a broken source or a
// requirement pip cannot install keeps the old worker serving (its functions marked stale) and
// shows the failure once, in the banner; a good change swaps to a new worker and the old one is
// closed once the call it runs has finished.
#include "apptestutil.h"
#include "testutil.h"

#include "core/environment.h"
#include "core/environmentmanager.h"
#include "core/listmodels.h"
#include "ui/banner.h"
#include "ui/functionspage.h"
#include "ui/mainwindow.h"
#include "ui/requirementspage.h"

#include <QAbstractItemModelTester>
#include <QCborValue>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

#include <memory>

using namespace QtPyVenvApp;

namespace {

//! version() says which source runs; wait_for() blocks until a file exists.
QByteArray source(int version)
{
    return QByteArrayLiteral("import os\nimport time\n\n"
                             "def version(args=None):\n    return %1\n\n"
                             "def pid(args=None):\n    return os.getpid()\n\n"
                             "def wait_for(path):\n"
                             "    while not os.path.exists(path):\n"
                             "        time.sleep(0.01)\n"
                             "    return os.getpid()\n")
        .replace("%1", QByteArray::number(version));
}

} // namespace

class TestAppLastGood : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<EnvironmentManager> m_manager;
    std::unique_ptr<MainWindow> m_window;
    Environment *m_env = nullptr;
    QString m_source;

    QCborValue callAndWait(const QString &function, const QJsonValue &args = {})
    {
        return AppTestUtil::callAndWait(m_env, function, args);
    }
    QAbstractItemModel *functionList() const
    {
        return m_window->functionsPage()->findChild<QListView *>(QStringLiteral("functionList"))->model();
    }
    //! The texts of the labels and text boxes the window would show, the banner's left out.
    QStringList shownTextsBesideBanner() const
    {
        QStringList texts;
        for (const QLabel *label : m_window->findChildren<QLabel *>()) {
            if (!label->isHidden() && !m_window->banner()->isAncestorOf(label))
                texts << label->text();
        }
        for (const QPlainTextEdit *edit : m_window->findChildren<QPlainTextEdit *>()) {
            const bool log = edit->objectName() == QLatin1String("pipLog") || edit->objectName() == QLatin1String("outputText");
            if (!edit->isHidden() && !m_window->banner()->isAncestorOf(edit) && !log) // the logs keep pip's lines
                texts << edit->toPlainText();
        }
        return texts;
    }
    void writeSource(const QByteArray &content)
    {
        QVERIFY(TestUtil::writeFile(m_source, content));
    }
    void screenshot(const QString &name)
    {
        // For looking at the failure state: QTPYVENV_TEST_SCREENSHOTS=<folder>.
        if (const QString dir = qEnvironmentVariable("QTPYVENV_TEST_SCREENSHOTS"); !dir.isEmpty())
            m_window->grab().save(dir + QLatin1Char('/') + name + QStringLiteral(".png"));
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_dir.isValid());
        m_source = m_dir.filePath(QStringLiteral("service.py"));
        writeSource(source(1));
        m_manager = std::make_unique<EnvironmentManager>(
            AppPaths{m_dir.filePath(QStringLiteral("config")), m_dir.filePath(QStringLiteral("data"))});
        QVERIFY(m_manager->load());
        EnvironmentDefinition definition;
        definition.name = QStringLiteral("service");
        definition.interpreter = TestUtil::python();
        definition.sources = {m_source};
        m_env = m_manager->add(definition);
        m_window = std::make_unique<MainWindow>(m_manager.get());
        m_window->resize(1200, 800);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        m_window->setCurrentEnvironment(m_env->definition().id);
        new QAbstractItemModelTester(functionList(), QAbstractItemModelTester::FailureReportingMode::QtTest, this);
        m_manager->start(m_env->definition().id);
        QTRY_COMPARE_WITH_TIMEOUT(m_env->status(), EnvStatus::Ready, 30000);
        QCOMPARE(callAndWait(QStringLiteral("version")), QCborValue(1));
    }

    // (a) A SyntaxError in a saved source: the old worker answers, Ready, the error shown once
    // (file, line and caret in the banner), the functions stale until a good fix.
    void syntaxErrorKeepsOldWorker()
    {
        const qint64 pid = m_env->pid();
        QSignalSpy failed(m_env, &Environment::startFailed);
        writeSource(source(2) + "\ndef broken(:\n    pass\n"); // the watcher reloads
        QTRY_VERIFY_WITH_TIMEOUT(m_env->changeFailed(), 15000);
        QCOMPARE(failed.count(), 1);
        QCOMPARE(m_env->lastError().type, QStringLiteral("SyntaxError"));
        QCOMPARE(m_env->status(), EnvStatus::Ready);
        QCOMPARE(m_env->pid(), pid);
        QVERIFY(TestUtil::processAlive(pid));
        QCOMPARE(callAndWait(QStringLiteral("version")), QCborValue(1));
        QVERIFY(m_window->statusText().contains(QStringLiteral("last change failed")));

        // The functions listed are the old worker's, marked.
        QVERIFY(m_env->functionsStale());
        const QModelIndex first = functionList()->index(0, 0);
        QVERIFY(first.data(FunctionModel::StaleRole).toBool());
        QVERIFY2(first.data().toString().endsWith(QStringLiteral("(previous version)")), qPrintable(first.data().toString()));

        // Once: the banner, with file, line and caret; no other widget repeats it.
        QVERIFY(m_window->banner()->isVisible());
        const QString headline = m_window->banner()->message();
        QVERIFY2(headline.contains(m_source) && headline.contains(QStringLiteral("line 15")), qPrintable(headline));
        QVERIFY2(m_window->banner()->details().contains(QLatin1Char('^')), qPrintable(m_window->banner()->details()));
        QVERIFY2(m_window->banner()->details().contains(QStringLiteral("def broken(:")), qPrintable(m_window->banner()->details()));
        for (const QString &text : shownTextsBesideBanner())
            QVERIFY2(!text.contains(QStringLiteral("line 15")) && !text.contains(QStringLiteral("SyntaxError")), qPrintable(text));
        screenshot(QStringLiteral("lastgood-syntaxerror"));

        // A good fix takes over and unmarks them.
        writeSource(source(2));
        QTRY_VERIFY_WITH_TIMEOUT(!m_env->functionsStale(), 15000);
        QCOMPARE(m_env->status(), EnvStatus::Ready);
        QVERIFY(m_env->pid() != pid);
        QVERIFY(!functionList()->index(0, 0).data(FunctionModel::StaleRole).toBool());
        QVERIFY(!functionList()->index(0, 0).data().toString().contains(QStringLiteral("previous")));
        QVERIFY(!m_window->banner()->isVisible());
        QCOMPARE(callAndWait(QStringLiteral("version")), QCborValue(2));
        QTRY_VERIFY(!TestUtil::processAlive(pid));
    }

    // (b) Apply with a requirement pip cannot find: the old worker serves, the banner has pip's lines.
    void installFailureKeepsOldWorker()
    {
        const qint64 pid = m_env->pid();
        RequirementsPage *page = m_window->requirementsPage();
        const QString empty = m_dir.filePath(QStringLiteral("no-wheels"));
        QVERIFY(QDir().mkpath(empty));
        m_window->showTab(MainWindow::RequirementsTab);
        page->editor()->setPlainText(QStringLiteral("qtpyvenv-no-such-package==9.9"));
        page->findChild<QLineEdit *>(QStringLiteral("indexUrl"))->setText(QUrl::fromLocalFile(empty).toString());
        page->findChild<QLineEdit *>(QStringLiteral("findLinks"))->setText(empty);
        auto *apply = page->findChild<QPushButton *>(QStringLiteral("requirementsApply"));
        QVERIFY(apply->isEnabled());
        QTest::mouseClick(apply, Qt::LeftButton);
        // The old worker serves while pip runs.
        QVERIFY(m_env->isApplyingChange());
        QVERIFY(m_env->functionsStale());
        QCOMPARE(m_env->status(), EnvStatus::Ready);
        QCOMPARE(callAndWait(QStringLiteral("version")), QCborValue(2));

        QTRY_VERIFY_WITH_TIMEOUT(m_env->changeFailed(), 60000);
        QCOMPARE(m_env->lastError().code, QtPyVenv::ErrorCode::InstallFailed);
        QCOMPARE(m_env->status(), EnvStatus::Ready);
        QCOMPARE(m_env->pid(), pid);
        QCOMPARE(callAndWait(QStringLiteral("pid")), QCborValue(pid));
        QVERIFY(m_env->functionsStale());
        QVERIFY(m_window->banner()->isVisible());
        QVERIFY2(!m_window->banner()->message().contains(QLatin1Char('\n')), qPrintable(m_window->banner()->message()));
        QVERIFY2(m_window->banner()->details().contains(QStringLiteral("No matching distribution")),
                 qPrintable(m_window->banner()->details()));
        for (const QString &text : shownTextsBesideBanner())
            QVERIFY2(!text.contains(QStringLiteral("No matching distribution")), qPrintable(text));
        QVERIFY(apply->isEnabled()); // to try again
        screenshot(QStringLiteral("lastgood-installfailed"));

        // Back to no requirements: a new worker, nothing stale.
        page->editor()->clear();
        QTest::mouseClick(apply, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!m_env->functionsStale(), 30000);
        QVERIFY(m_env->pid() != pid);
        QVERIFY(!m_window->banner()->isVisible());
    }

    // (c) A good change: calls sent before the new worker is Ready run on the old one, which
    // closes once they have finished; later calls go to the new one.
    void goodChangeSwapsAndReapsOld()
    {
        const qint64 oldPid = m_env->pid();
        const QString flag = m_dir.filePath(QStringLiteral("go"));
        const int waiting = m_env->call(QStringLiteral("wait_for"), flag);
        QList<bool> staleSeen;
        connect(m_env, &Environment::changeStateChanged, this, [&] { staleSeen << m_env->functionsStale(); });
        m_env->restart();
        QCOMPARE(callAndWait(QStringLiteral("pid")), QCborValue(oldPid)); // sent while the new one starts
        QTRY_VERIFY_WITH_TIMEOUT(!m_env->isApplyingChange(), 15000);
        m_env->disconnect(this);
        QCOMPARE(staleSeen, (QList<bool>{true, false}));
        const qint64 newPid = m_env->pid();
        QVERIFY(newPid != oldPid);
        QCOMPARE(callAndWait(QStringLiteral("pid")), QCborValue(newPid));

        // The old worker finishes its call, then goes.
        QCOMPARE(m_env->calls()->record(waiting)->state, CallState::Running);
        QVERIFY(TestUtil::processAlive(oldPid));
        QVERIFY(TestUtil::writeFile(flag, QByteArray()));
        QTRY_COMPARE_WITH_TIMEOUT(m_env->calls()->record(waiting)->state, CallState::Done, 15000);
        QCOMPARE(m_env->calls()->record(waiting)->result.toInteger(), oldPid);
        QTRY_VERIFY_WITH_TIMEOUT(!TestUtil::processAlive(oldPid), 15000);

        // With nothing in flight the replaced worker goes at once.
        m_env->restart();
        QTRY_VERIFY_WITH_TIMEOUT(m_env->pid() != newPid, 15000);
        QTRY_VERIFY_WITH_TIMEOUT(!TestUtil::processAlive(newPid), 15000);
        // The new worker alone, once the reaper has closed the old Venv.
        QTRY_COMPARE_WITH_TIMEOUT(TestUtil::liveChildren().size(), 1, 15000);
    }

    // A start of an environment that is not Ready is as before: Failed, no old worker; its
    // error too shows in the banner alone.
    void startWhenNotReadyFails()
    {
        const QString broken = m_dir.filePath(QStringLiteral("broken.py"));
        QVERIFY(TestUtil::writeFile(broken, "def broken(:\n"));
        m_env->stop();
        EnvironmentDefinition definition = m_env->definition();
        definition.sources = {broken};
        definition.requirements.clear();
        definition.indexUrl.clear();
        definition.findLinks.clear();
        m_manager->updateDefinition(definition);
        m_env->start();
        QTRY_COMPARE_WITH_TIMEOUT(m_env->status(), EnvStatus::Failed, 15000);
        QVERIFY(!m_env->changeFailed());
        QCOMPARE(m_env->pid(), 0);
        QVERIFY(m_env->functions().isEmpty());
        QVERIFY(m_window->banner()->isVisible());
        QVERIFY(m_window->banner()->message().contains(QStringLiteral("broken.py, line 1")));
        for (const QString &text : shownTextsBesideBanner())
            QVERIFY2(!text.contains(QStringLiteral("broken.py, line 1")), qPrintable(text));
    }

    void cleanupTestCase()
    {
        m_window.reset();
        m_manager.reset();
        QTRY_COMPARE(TestUtil::liveChildren(), QList<qint64>());
    }
};

QTEST_MAIN(TestAppLastGood)
#include "tst_app_lastgood.moc"
