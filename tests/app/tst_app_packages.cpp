// SPDX-License-Identifier: MIT
// The Requirements tab's packages: requirement lines edited one package at a time, versions
// looked up with `pip index versions` (a local find-links folder, a fake python for the
// failures), and Upgrade, Remove and Add package… applying through the Apply path.
#include "testutil.h"

#include "core/environment.h"
#include "core/environmentmanager.h"
#include "core/listmodels.h"
#include "core/packageindex.h"
#include "core/requirements.h"
#include "ui/addpackagedialog.h"
#include "ui/mainwindow.h"
#include "ui/requirementspage.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QDir>
#include <QFont>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPointer>
#include <QProcess>
#include <QDialogButtonBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

#include <memory>

using namespace QtPyVenvApp;
using TestUtil::str;

class TestAppPackages : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_wheels;
    QString m_emptyIndex;
    std::unique_ptr<EnvironmentManager> m_manager;
    std::unique_ptr<MainWindow> m_window;
    Environment *m_env = nullptr;

    QStringList hermeticOptions() const
    {
        return {QStringLiteral("--index-url"), QUrl::fromLocalFile(m_emptyIndex).toString(),
                QStringLiteral("--find-links"), m_wheels};
    }
    //! A python that prints \a output and exits with \a exitCode (or runs \a body).
    QString fakePython(const QString &name, const QString &body)
    {
        const QString path = m_dir.filePath(name);
        if (!TestUtil::writeFile(path, (QStringLiteral("#!/bin/sh\n") + body + QLatin1Char('\n')).toUtf8()))
            return {};
        QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        return path;
    }
    QString installedVersion(const QString &name) const
    {
        for (const PackageInfo &package : m_env->packages()) {
            if (normalizedPackageName(package.name) == normalizedPackageName(name))
                return package.version;
        }
        return {};
    }
    RequirementsPage *page() const { return m_window->requirementsPage(); }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_dir.isValid());
        m_wheels = m_dir.filePath(QStringLiteral("wheels"));
        m_emptyIndex = m_dir.filePath(QStringLiteral("empty-index"));
        QVERIFY(QDir().mkpath(m_wheels) && QDir().mkpath(m_emptyIndex));
        const QString module = QStringLiteral("VALUE = 1\n");
        for (const auto &[name, version] : {std::pair{"tinypkg", "1.0"}, {"tinypkg", "1.2"}, {"tinydep", "1.0"},
                                            {"tinyextra", "0.1"}, {"tinyextra", "0.2"}})
            QVERIFY(!TestUtil::buildWheel(m_wheels, str(name), str(version), module).isEmpty());
        QVERIFY(!TestUtil::buildWheel(m_wheels, QStringLiteral("tinyapp"), QStringLiteral("1.0"), module,
                                      {QStringLiteral("tinydep>=1.0")})
                     .isEmpty());
    }

    // --- requirement text, one package at a time ---

    void normalizedNames()
    {
        QCOMPARE(normalizedPackageName(QStringLiteral("Foo._-Bar")), QStringLiteral("foo-bar"));
        QCOMPARE(normalizedPackageName(QStringLiteral("zope.interface")), QStringLiteral("zope-interface"));
        QCOMPARE(requirementName(QStringLiteral("  Foo_Bar[x] >= 1 ; python_version>'3'")), QStringLiteral("Foo_Bar"));
        QCOMPARE(requirementName(QStringLiteral("# numpy")), QString());
        QCOMPARE(requirementName(QStringLiteral("--find-links x")), QString());
    }

    void findLine()
    {
        const QString text = QStringLiteral("# scientific\nnumpy>=1.26\n\nscikit_learn==1.4 # pinned\n");
        QCOMPARE(findRequirementLine(text, QStringLiteral("Scikit-Learn")), 3);
        QCOMPARE(findRequirementLine(text, QStringLiteral("scikit.learn")), 3);
        QCOMPARE(findRequirementLine(text, QStringLiteral("numpy")), 1);
        QCOMPARE(findRequirementLine(text, QStringLiteral("scientific")), -1); // a comment is no requirement
        QCOMPARE(findRequirementLine(text, QStringLiteral("num")), -1);
    }

    void upgradeLine_data()
    {
        QTest::addColumn<QString>("line");
        QTest::addColumn<QString>("upgraded");
        QTest::newRow("pinned") << str("numpy==1.26.0") << str("numpy==2.0");
        QTest::newRow("pinned, spaced") << str("numpy == 1.26.0") << str("numpy==2.0");
        QTest::newRow("minimum") << str("numpy>=1.26") << str("numpy>=2.0");
        QTest::newRow("range") << str("numpy>=1.26,<2") << str("numpy>=2.0");
        QTest::newRow("wildcard") << str("numpy==1.*") << str("numpy>=2.0");
        QTest::newRow("bare") << str("numpy") << str("numpy>=2.0");
        QTest::newRow("extras, marker, comment")
            << str("requests[socks] ==2.31 ; python_version >= \"3.8\"  # http")
            << str("requests[socks]==2.0 ; python_version >= \"3.8\"  # http");
        QTest::newRow("comment only") << str("numpy  # the arrays") << str("numpy>=2.0  # the arrays");
        QTest::newRow("url") << str("numpy @ file:///w/numpy-1.whl") << str("numpy>=2.0");
        QTest::newRow("indented") << str("  numpy<2") << str("  numpy>=2.0");
    }

    void upgradeLine()
    {
        QFETCH(QString, line);
        QFETCH(QString, upgraded);
        QCOMPARE(replaceSpecifier(line, upgradeSpecifier(line, QStringLiteral("2.0"))), upgraded);
        QCOMPARE(checkRequirementLine(upgraded), QString());
    }

    void editText()
    {
        const QString text = QStringLiteral("# data\nnumpy==1.26.0\npandas  # frames\n\nNumPy[x]>1 ; sys_platform == 'linux'");
        // Only the package's first line changes; everything else stays, byte for byte.
        QCOMPARE(withRequirementSpecifier(text, QStringLiteral("numpy"), QStringLiteral("==2.0")),
                 QStringLiteral("# data\nnumpy==2.0\npandas  # frames\n\nNumPy[x]>1 ; sys_platform == 'linux'"));
        QCOMPARE(withRequirementSpecifier(text, QStringLiteral("Pandas"), QStringLiteral(">=2.2")),
                 QStringLiteral("# data\nnumpy==1.26.0\npandas>=2.2  # frames\n\nNumPy[x]>1 ; sys_platform == 'linux'"));
        QCOMPARE(withRequirementSpecifier(text, QStringLiteral("scipy"), QStringLiteral(">=1.13")),
                 text + QStringLiteral("\nscipy>=1.13"));
        QCOMPARE(withRequirementSpecifier(QStringLiteral("numpy\n"), QStringLiteral("scipy"), QStringLiteral(">=1")),
                 QStringLiteral("numpy\nscipy>=1"));
        QCOMPARE(withRequirementSpecifier(QString(), QStringLiteral("scipy"), QStringLiteral(">=1")), QStringLiteral("scipy>=1"));
        // Every line of the package goes (markers may split one package over lines).
        QCOMPARE(withoutRequirement(text, QStringLiteral("NUMPY")), QStringLiteral("# data\npandas  # frames\n"));
        QCOMPARE(withoutRequirement(text, QStringLiteral("data")), text);
    }

    void inlineCommentsNeverReachPip()
    {
        QCOMPARE(requirementsFromText(QStringLiteral("# data\nnumpy>=1.26  # arrays\n  pandas\t# frames\nx @ file:///w/x.whl#egg=x")),
                 (QStringList{QStringLiteral("numpy>=1.26"), QStringLiteral("pandas"), QStringLiteral("x @ file:///w/x.whl#egg=x")}));
    }

    // --- versions from pip index ---

    void parseVersions_data()
    {
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("output");
        QTest::addColumn<QString>("name");
        QTest::addColumn<QStringList>("versions");
        QTest::addColumn<QString>("error");
        QTest::newRow("found") << 0
                               << str("WARNING: pip index is currently an experimental command.\n"
                                      "Tiny.Pkg (1.2)\nAvailable versions: 1.2, 1.0rc1, 1.0\n  INSTALLED: 1.0\n  LATEST:    1.2\n")
                               << str("Tiny.Pkg") << QStringList{str("1.2"), str("1.0rc1"), str("1.0")} << QString();
        QTest::newRow("not found") << 1 << str("ERROR: No matching distribution found for nopkg\n")
                                   << str("nopkg") << QStringList() << str("No package \"nopkg\" on the package index");
        QTest::newRow("no pip") << 1 << str("/usr/bin/python3: No module named pip\n")
                                << str("nopkg") << QStringList() << str("python3 has no pip");
        QTest::newRow("old pip") << 1 << str("ERROR: unknown command \"index\"\n")
                                 << str("nopkg") << QStringList() << str("too old");
        QTest::newRow("offline") << 1 << str("WARNING: Retrying ... NewConnectionError(...)\nERROR: No matching distribution found for nopkg\n")
                                 << str("nopkg") << QStringList() << str("No package"); // pip's own verdict comes first
        QTest::newRow("dns") << 1 << str("Temporary failure in name resolution\nERROR: Could not fetch\n")
                             << str("nopkg") << QStringList() << str("No network");
        QTest::newRow("other") << 2 << str("Traceback\nKeyError: 'x'\n")
                               << str("nopkg") << QStringList() << str("failed (exit code 2):\nTraceback\nKeyError: 'x'");
        QTest::newRow("no versions line") << 0 << str("something else\n")
                                          << str("nopkg") << QStringList() << str("failed (exit code 0)");
    }

    void parseVersions()
    {
        QFETCH(int, exitCode);
        QFETCH(QString, output);
        QFETCH(QString, name);
        QFETCH(QStringList, versions);
        QFETCH(QString, error);
        const IndexVersions result = parseIndexVersions(QStringLiteral("python3"), name.toLower(), exitCode, output);
        QCOMPARE(result.name, name);
        QCOMPARE(result.versions, versions);
        QVERIFY2(error.isEmpty() ? result.ok() : result.error.contains(error), qPrintable(result.error));
    }

    void findingOptionsOnly()
    {
        QCOMPARE(findingOptions({QStringLiteral("--no-cache-dir"), QStringLiteral("--index-url"), QStringLiteral("https://i"),
                                 QStringLiteral("--extra-index-url=https://e"), QStringLiteral("--no-index"),
                                 QStringLiteral("--timeout"), QStringLiteral("5"), QStringLiteral("-f"), QStringLiteral("/w")}),
                 (QStringList{QStringLiteral("--index-url"), QStringLiteral("https://i"),
                              QStringLiteral("--extra-index-url=https://e"), QStringLiteral("--no-index"),
                              QStringLiteral("-f"), QStringLiteral("/w")}));
    }

    void newerVersions_data()
    {
        QTest::addColumn<QString>("candidate");
        QTest::addColumn<QString>("installed");
        QTest::addColumn<bool>("newer");
        QTest::newRow("minor") << str("1.2") << str("1.0") << true;
        QTest::newRow("same") << str("1.0") << str("1.0") << false;
        QTest::newRow("trailing zero") << str("1.0.0") << str("1.0") << false;
        QTest::newRow("older") << str("1.0") << str("1.10") << false;
        QTest::newRow("numeric, not text") << str("1.10") << str("1.9") << true;
        QTest::newRow("final after rc") << str("2.0") << str("2.0rc1") << true;
        QTest::newRow("rc before final") << str("2.0rc1") << str("2.0") << false;
        QTest::newRow("post after final") << str("2.0.post1") << str("2.0") << true;
        QTest::newRow("final before post") << str("2.0") << str("2.0.post1") << false;
    }

    void newerVersions()
    {
        QFETCH(QString, candidate);
        QFETCH(QString, installed);
        QFETCH(bool, newer);
        QCOMPARE(isNewerVersion(candidate, installed), newer);
    }

    void packageModelLatest()
    {
        PackageModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setPackages({{QStringLiteral("tinyapp"), QStringLiteral("1.0"), {QStringLiteral("Tiny_Dep")}},
                           {QStringLiteral("tinydep"), QStringLiteral("1.0"), {}},
                           {QStringLiteral("tinypkg"), QStringLiteral("1.0"), {}}});
        QCOMPARE(model.columnCount(), 3);
        QCOMPARE(model.headerData(PackageModel::LatestColumn, Qt::Horizontal).toString(), QStringLiteral("Latest"));
        QCOMPARE(model.requiredBy(QStringLiteral("TinyDep")), QStringList());
        QCOMPARE(model.requiredBy(QStringLiteral("tiny.dep")), QStringList{QStringLiteral("tinyapp")});
        const QModelIndex latest = model.index(2, PackageModel::LatestColumn);
        QCOMPARE(latest.data().toString(), QString()); // not looked up: nothing claimed

        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.setChecking(QStringLiteral("TinyPkg"));
        QCOMPARE(latest.data().toString(), QStringLiteral("checking…"));
        model.setLatestVersion(QStringLiteral("tinypkg"), QStringLiteral("1.2"));
        QCOMPARE(changed.size(), 2);
        QVERIFY(model.hasUpdate(QStringLiteral("tinypkg")));
        QVERIFY(latest.data(PackageModel::UpdateAvailableRole).toBool());
        QCOMPARE(latest.data().toString(), QStringLiteral("1.2 ↑"));
        QVERIFY(latest.data(Qt::FontRole).value<QFont>().bold());
        model.setLatestVersion(QStringLiteral("tinydep"), QStringLiteral("1.0"));
        QVERIFY(!model.hasUpdate(QStringLiteral("tinydep")));
        QCOMPARE(model.index(1, PackageModel::LatestColumn).data().toString(), QStringLiteral("1.0"));
        QVERIFY(!model.index(1, PackageModel::LatestColumn).data(Qt::FontRole).isValid());
        model.setLatestError(QStringLiteral("tinyapp"), QStringLiteral("No network"));
        QCOMPARE(model.index(0, PackageModel::LatestColumn).data(Qt::ToolTipRole).toString(), QStringLiteral("No network"));

        // A refresh of the installed packages keeps what was looked up; the upgrade shows.
        model.setPackages({{QStringLiteral("tinypkg"), QStringLiteral("1.2"), {}}});
        QCOMPARE(model.latestVersion(QStringLiteral("tinypkg")), QStringLiteral("1.2"));
        QVERIFY(!model.hasUpdate(QStringLiteral("tinypkg")));
        model.clearLatestVersions();
        QCOMPARE(model.latestVersion(QStringLiteral("tinypkg")), QString());
    }

    void indexLooksUpFindLinks()
    {
        // pip index versions honours --find-links with an empty local index: no network.
        PackageIndex index;
        index.setInterpreter(TestUtil::python());
        index.setPipOptions(hermeticOptions() + QStringList{QStringLiteral("--no-cache-dir")});
        QVERIFY(!index.arguments(QStringLiteral("x")).contains(QStringLiteral("--no-cache-dir")));
        QSignalSpy found(&index, &PackageIndex::found);
        QSignalSpy failed(&index, &PackageIndex::failed);
        QSignalSpy idle(&index, &PackageIndex::idle);
        index.lookUp(QStringLiteral("TinyPkg"));
        index.lookUp(QStringLiteral("nosuchpkg"));
        QVERIFY(index.isBusy());
        QVERIFY(idle.wait(60000));
        QCOMPARE(found.size(), 1);
        QCOMPARE(found.first().at(0).toString(), QStringLiteral("TinyPkg"));
        QCOMPARE(found.first().at(1).toString(), QStringLiteral("TinyPkg")); // pip says the name asked
        QCOMPARE(found.first().at(2).toStringList(), (QStringList{QStringLiteral("1.2"), QStringLiteral("1.0")}));
        QCOMPARE(failed.size(), 1);
        QCOMPARE(failed.first().at(0).toString(), QStringLiteral("nosuchpkg"));
        QVERIFY2(failed.first().at(1).toString().contains(QStringLiteral("No package \"nosuchpkg\"")),
                 qPrintable(failed.first().at(1).toString()));
        QVERIFY(!index.isBusy());
    }

    void indexFailures()
    {
        PackageIndex index;
        QSignalSpy failed(&index, &PackageIndex::failed);
        index.setInterpreter(fakePython(QStringLiteral("python-nopip"),
                                        QStringLiteral("echo \"$0: No module named pip\" >&2; exit 1")));
        index.lookUp(QStringLiteral("numpy"));
        QVERIFY(failed.wait(10000));
        QVERIFY2(failed.last().at(1).toString().contains(QStringLiteral("has no pip")), qPrintable(failed.last().at(1).toString()));

        index.setInterpreter(m_dir.filePath(QStringLiteral("no-such-python")));
        index.lookUp(QStringLiteral("numpy"));
        QVERIFY(failed.wait(10000));
        QVERIFY2(failed.last().at(1).toString().contains(QStringLiteral(": Cannot run ")), qPrintable(failed.last().at(1).toString()));

        // A pip that never answers is killed at the timeout and says so; nothing is left running.
        // It writes its pid (exec keeps it) where the test reads it.
        const QString hanging = fakePython(QStringLiteral("python-hangs"),
                                           QStringLiteral("echo $$ > \"$0.pid\"; exec sleep 300"));
        const QString pidFile = hanging + QStringLiteral(".pid");
        auto hangingPid = [&pidFile] { return TestUtil::readAll(pidFile).trimmed().toLongLong(); };
        index.setInterpreter(hanging);
        index.setTimeout(1000); // long enough for the fake to write its pid on a busy machine
        index.lookUp(QStringLiteral("numpy"));
        QVERIFY(failed.wait(10000));
        QVERIFY2(failed.last().at(1).toString().contains(QStringLiteral("took longer than 1 s")),
                 qPrintable(failed.last().at(1).toString()));
        QCOMPARE(failed.size(), 3);
        QVERIFY(!index.isBusy());
        QVERIFY(hangingPid() > 0);
        QVERIFY(!TestUtil::processAlive(hangingPid()));

        // Cancelled lookups report nothing and leave no process.
        QVERIFY(QFile::remove(pidFile));
        index.setTimeout(60000);
        index.lookUp(QStringLiteral("numpy"));
        QTRY_VERIFY(hangingPid() > 0);
        QVERIFY(TestUtil::processAlive(hangingPid()));
        index.cancel();
        QVERIFY(!index.isBusy());
        QVERIFY(!TestUtil::processAlive(hangingPid()));
        QCOMPARE(failed.size(), 3);
    }

    // --- the Requirements tab, end to end ---

    void startEnvironment()
    {
        const AppPaths paths{m_dir.filePath(QStringLiteral("config")), m_dir.filePath(QStringLiteral("data"))};
        m_manager = std::make_unique<EnvironmentManager>(paths);
        QVERIFY(m_manager->load());
        EnvironmentDefinition definition;
        definition.name = QStringLiteral("packages");
        definition.interpreter = TestUtil::python();
        definition.requirements = {QStringLiteral("tinypkg==1.0"), QStringLiteral("tinyapp")};
        definition.findLinks = m_wheels;
        definition.indexUrl = QUrl::fromLocalFile(m_emptyIndex).toString();
        definition.installer = QtPyVenv::Installer::Pip; // the machine's uv must not change what is tested
        definition.autoStart = false;
        m_env = m_manager->add(definition);
        m_window = std::make_unique<MainWindow>(m_manager.get());
        m_window->setCurrentEnvironment(m_env->definition().id);
        m_window->showTab(MainWindow::RequirementsTab);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        m_manager->start(m_env->definition().id);
        QTRY_COMPARE_WITH_TIMEOUT(m_env->status(), EnvStatus::Ready, 60000);
        QTRY_COMPARE(installedVersion(QStringLiteral("tinypkg")), QStringLiteral("1.0"));
        QCOMPARE(installedVersion(QStringLiteral("tinydep")), QStringLiteral("1.0"));
        QCOMPARE(page()->packageModel()->requiredBy(QStringLiteral("tinydep")), QStringList{QStringLiteral("tinyapp")});
    }

    void checkForUpdatesMarksNewer()
    {
        auto *check = page()->findChild<QPushButton *>(QStringLiteral("checkUpdates"));
        auto *upgrade = page()->findChild<QPushButton *>(QStringLiteral("upgradePackage"));
        QVERIFY(check && upgrade);
        PackageModel *model = page()->packageModel();
        QCOMPARE(model->latestVersion(QStringLiteral("tinypkg")), QString()); // only on demand
        QVERIFY(check->isEnabled());
        check->click();
        QTRY_COMPARE_WITH_TIMEOUT(model->latestVersion(QStringLiteral("tinypkg")), QStringLiteral("1.2"), 60000);
        QTRY_VERIFY_WITH_TIMEOUT(check->isEnabled(), 60000); // every lookup answered
        QVERIFY(model->hasUpdate(QStringLiteral("tinypkg")));
        QVERIFY(!model->hasUpdate(QStringLiteral("tinydep")));
        QVERIFY2(page()->packageStatusText().contains(QStringLiteral("1 package has a newer version")),
                 qPrintable(page()->packageStatusText()));

        auto *table = page()->findChild<QTableView *>(QStringLiteral("packagesTable"));
        table->setCurrentIndex(model->index(model->rowOf(QStringLiteral("tinydep")), 0));
        QVERIFY(!upgrade->isEnabled());
        table->setCurrentIndex(model->index(model->rowOf(QStringLiteral("tinypkg")), 0));
        QVERIFY(upgrade->isEnabled());
    }

    void upgradeRaisesPinAndInstalls()
    {
        auto *upgrade = page()->findChild<QPushButton *>(QStringLiteral("upgradePackage"));
        upgrade->click();
        QCOMPARE(m_env->definition().requirements, (QStringList{QStringLiteral("tinypkg==1.2"), QStringLiteral("tinyapp")}));
        QCOMPARE(page()->editor()->toPlainText(), QStringLiteral("tinypkg==1.2\ntinyapp"));
        QTRY_COMPARE_WITH_TIMEOUT(installedVersion(QStringLiteral("tinypkg")), QStringLiteral("1.2"), 60000);
        QCOMPARE(m_env->status(), EnvStatus::Ready);
        QVERIFY(!page()->packageModel()->hasUpdate(QStringLiteral("tinypkg")));
        QVERIFY(!page()->hasUnappliedChanges());
    }

    void removeDependencySaysSo()
    {
        const QStringList before = m_env->definition().requirements;
        page()->removePackage(QStringLiteral("tinydep"));
        QVERIFY(!page()->findChild<QMessageBox *>());
        QVERIFY2(page()->packageStatusText().contains(QStringLiteral("dependency of tinyapp")),
                 qPrintable(page()->packageStatusText()));
        QCOMPARE(m_env->definition().requirements, before);
        QCOMPARE(m_env->status(), EnvStatus::Ready);
    }

    void removeNeededRequirementKeepsIt()
    {
        page()->editor()->setPlainText(page()->editor()->toPlainText() + QStringLiteral("\ntinydep>=1.0  # tinyapp's"));
        page()->apply();
        QTRY_COMPARE_WITH_TIMEOUT(m_env->definition().requirements.size(), 3, 60000);
        QTRY_COMPARE_WITH_TIMEOUT(m_env->status(), EnvStatus::Ready, 60000);
        QSignalSpy applied(page(), &RequirementsPage::applyRequested);
        page()->removePackage(QStringLiteral("tinydep"));
        auto *box = page()->findChild<QMessageBox *>();
        QVERIFY(box);
        QVERIFY2(box->text().contains(QStringLiteral("It stays installed: tinyapp requires it")), qPrintable(box->text()));
        box->button(QMessageBox::Yes)->click();
        QCOMPARE(applied.size(), 1);
        QCOMPARE(m_env->definition().requirements, (QStringList{QStringLiteral("tinypkg==1.2"), QStringLiteral("tinyapp")}));
        QVERIFY2(page()->packageStatusText().contains(QStringLiteral("stays installed: tinyapp requires it")),
                 qPrintable(page()->packageStatusText()));
        QTRY_COMPARE_WITH_TIMEOUT(m_env->status(), EnvStatus::Ready, 60000);
        QCOMPARE(installedVersion(QStringLiteral("tinydep")), QStringLiteral("1.0"));
    }

    void removeAsksUninstallsThenApplies()
    {
        QSignalSpy applied(page(), &RequirementsPage::applyRequested);
        page()->removePackage(QStringLiteral("TinyApp"));
        QPointer<QMessageBox> box = page()->findChild<QMessageBox *>();
        QVERIFY(box);
        box->button(QMessageBox::Cancel)->click();
        QCOMPARE(applied.size(), 0);
        QCOMPARE(m_env->definition().requirements.size(), 2);
        QTRY_VERIFY(!box); // closed and gone

        page()->removePackage(QStringLiteral("TinyApp"));
        box = page()->findChild<QMessageBox *>();
        QVERIFY(box);
        QCOMPARE(box->text(), QStringLiteral("Remove TinyApp from the requirements, uninstall it and apply?"));
        box->button(QMessageBox::Yes)->click();
        // pip uninstalls it first (installing never removes a package), then the line goes.
        QTRY_COMPARE_WITH_TIMEOUT(applied.size(), 1, 60000);
        QCOMPARE(m_env->definition().requirements, QStringList{QStringLiteral("tinypkg==1.2")});
        QTRY_COMPARE_WITH_TIMEOUT(m_env->status(), EnvStatus::Ready, 60000);
        QTRY_COMPARE(page()->packageModel()->rowOf(QStringLiteral("tinyapp")), -1);
        QCOMPARE(installedVersion(QStringLiteral("tinydep")), QStringLiteral("1.0")); // its dependency stays
        QVERIFY2(page()->packageStatusText().contains(QStringLiteral("TinyApp is uninstalled")),
                 qPrintable(page()->packageStatusText()));
    }

    void addPackageLooksUpAndInstalls()
    {
        page()->findChild<QPushButton *>(QStringLiteral("addPackage"))->click();
        auto *dialog = page()->findChild<AddPackageDialog *>();
        QVERIFY(dialog);
        QVERIFY(dialog->isVisible());
        auto *name = dialog->findChild<QLineEdit *>(QStringLiteral("addPackageName"));
        auto *versions = dialog->findChild<QComboBox *>(QStringLiteral("addPackageVersions"));
        auto *buttons = dialog->findChild<QDialogButtonBox *>();
        QVERIFY(name && versions && buttons);
        QVERIFY(!buttons->button(QDialogButtonBox::Ok)->isEnabled());
        for (const QLabel *label : dialog->findChildren<QLabel *>()) // a mnemonic, not a literal '&'
            QVERIFY2(!label->text().contains(QLatin1Char('&')) || label->buddy(), qPrintable(label->text()));

        name->setText(QStringLiteral("nosuchpkg"));
        dialog->findVersions();
        QTRY_VERIFY_WITH_TIMEOUT(dialog->statusText().contains(QStringLiteral("No package \"nosuchpkg\"")), 60000);
        QVERIFY(!buttons->button(QDialogButtonBox::Ok)->isEnabled());

        QTest::keyClicks(name, QStringLiteral("x")); // an edit: what was said is for the old name
        name->setText(QStringLiteral("TinyExtra"));
        QTest::keyClick(name, Qt::Key_Return);
        QTRY_VERIFY_WITH_TIMEOUT(buttons->button(QDialogButtonBox::Ok)->isEnabled(), 60000);
        QCOMPARE(versions->count(), 2);
        QCOMPARE(versions->currentText(), QStringLiteral("0.2")); // the latest preselected
        QCOMPARE(dialog->packageName(), QStringLiteral("TinyExtra"));
        QCOMPARE(dialog->specifier(), QStringLiteral(">=0.2"));
        versions->setCurrentIndex(1);
        QCOMPARE(dialog->specifier(), QStringLiteral("==0.1")); // an older pick is pinned
        buttons->button(QDialogButtonBox::Ok)->click();
        QCOMPARE(m_env->definition().requirements,
                 (QStringList{QStringLiteral("tinypkg==1.2"), QStringLiteral("TinyExtra==0.1")}));
        QTRY_COMPARE_WITH_TIMEOUT(installedVersion(QStringLiteral("tinyextra")), QStringLiteral("0.1"), 60000);
    }

    void removeWhileStoppedLosesNothing()
    {
        QTRY_COMPARE_WITH_TIMEOUT(m_env->status(), EnvStatus::Ready, 60000);
        m_manager->stop(m_env->definition().id);
        QTRY_COMPARE(m_env->status(), EnvStatus::Stopped);
        const QStringList before = m_env->definition().requirements;
        page()->removePackage(QStringLiteral("tinypkg"));
        auto *box = page()->findChild<QMessageBox *>();
        QVERIFY(box);
        box->button(QMessageBox::Yes)->click();
        QVERIFY2(page()->packageStatusText().contains(QStringLiteral("is not running")), qPrintable(page()->packageStatusText()));
        QCOMPARE(m_env->definition().requirements, before);
        QCOMPARE(page()->editor()->toPlainText(), before.join(QLatin1Char('\n')));
    }

    // An adopted folder is the user's: Remove does not uninstall from it before they allowed
    // installing into it.
    void adoptedFolderNeedsPermissionToUninstall()
    {
        const QString folder = m_dir.filePath(QStringLiteral("adopted"));
        QCOMPARE(QProcess::execute(TestUtil::python(), {QStringLiteral("-m"), QStringLiteral("venv"), folder}), 0);
        EnvironmentDefinition definition;
        definition.name = QStringLiteral("adopted");
        definition.interpreter = TestUtil::python();
        definition.existingDir = folder;
        definition.autoStart = false;
        Environment *adopted = m_manager->add(definition);
        m_manager->start(adopted->definition().id);
        QTRY_COMPARE_WITH_TIMEOUT(adopted->status(), EnvStatus::Ready, 60000);

        QSignalSpy uninstalled(adopted, &Environment::packageUninstalled);
        adopted->uninstallPackage(QStringLiteral("pip"));
        QTRY_COMPARE(uninstalled.size(), 1);
        QVERIFY2(uninstalled.at(0).at(1).toString().contains(QStringLiteral("not allowed")),
                 qPrintable(uninstalled.at(0).at(1).toString()));
        const QStringList pythonDirs = QDir(folder + QStringLiteral("/lib")).entryList({QStringLiteral("python3*")}, QDir::Dirs);
        QCOMPARE(pythonDirs.size(), 1);
        const QDir sitePackages(QStringLiteral("%1/lib/%2/site-packages").arg(folder, pythonDirs.constFirst()));
        QVERIFY(!sitePackages.entryList({QStringLiteral("pip-*")}, QDir::Dirs).isEmpty()); // still installed
        m_manager->stop(adopted->definition().id);
    }

    void cleanupTestCase()
    {
        m_window.reset();
        m_manager.reset();
        QCOMPARE(TestUtil::liveChildren(), QList<qint64>());
    }
};

QTEST_MAIN(TestAppPackages)
#include "tst_app_packages.moc"
