// SPDX-License-Identifier: MIT
// uv in the desktop app, without a network: fetching uv into the app's tool folder with a fake
// python whose "pip" writes a fake uv (and its failures: offline, no pip, no interpreter), the
// one-time offer bar and its remembered answer, the environments searching the tool folder,
// and the Requirements tab's installer choice and the installer it says a start uses.
#include "testutil.h"

#include "core/definition.h"
#include "core/environment.h"
#include "core/environmentmanager.h"
#include "core/requirements.h"
#include "core/uvfetcher.h"
#include "ui/mainwindow.h"
#include "ui/requirementspage.h"
#include "ui/uvofferbar.h"

#include <QComboBox>
#include <QFileInfo>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace QtPyVenvApp;

namespace {

/*!
 * A fake bootstrap python: "-m pip install … --target DIR uv" records its arguments in
 * args.txt, prints pip-like lines, waits for a file "go" when told to (so a test sees it run),
 * then writes DIR/bin/uv, a script that prints a version.
 */
const char FakePython[] = R"SH(#!/bin/sh
here=$(dirname "$0")
echo "$@" > "$here/args.txt"
while [ $# -gt 0 ]; do
    if [ "$1" = --target ]; then shift; target=$1; fi
    shift
done
echo "Collecting uv"
if [ -f "$here/wait" ]; then
    while [ ! -f "$here/go" ]; do sleep 0.02; done
fi
echo "  Downloading uv-0.5.1-py3-none-manylinux_2_17_x86_64.whl (15.2 MB)"
mkdir -p "$target/bin"
printf '#!/bin/sh\necho "uv 0.5.1"\n' > "$target/bin/uv"
chmod +x "$target/bin/uv"
echo "Successfully installed uv-0.5.1"
)SH";

//! A fake python whose pip prints \a lines and exits 1.
QByteArray failingPython(const QByteArray &lines)
{
    return "#!/bin/sh\ncat <<'EOF'\n" + lines + "\nEOF\nexit 1\n";
}

QString writeScript(const QTemporaryDir &dir, const QString &name, const QByteArray &text)
{
    const QString path = dir.filePath(name);
    TestUtil::writeFile(path, text);
    QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    return path;
}

AppPaths pathsIn(const QTemporaryDir &dir)
{
    return {dir.filePath(QStringLiteral("config")), dir.filePath(QStringLiteral("data"))};
}

} // namespace

class TestAppUv : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void fetchWithFakePip()
    {
        QTemporaryDir dir;
        const AppPaths paths = pathsIn(dir);
        const QString python = writeScript(dir, QStringLiteral("python"), FakePython);
        UvFetcher fetcher(paths.toolsFolder());
        QSignalSpy output(&fetcher, &UvFetcher::outputReceived);
        QSignalSpy finished(&fetcher, &UvFetcher::finished);
        fetcher.fetch(python);
        QVERIFY(fetcher.isRunning()); // fetch() returned before pip finished
        QVERIFY(finished.wait(10000));
        QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(1).toString()));
        QVERIFY(finished.at(0).at(1).toString().startsWith(QStringLiteral("uv 0.5.1 is in ") + fetcher.uvPath()));
        QVERIFY(!fetcher.isRunning());
        QVERIFY(!output.isEmpty());
        QVERIFY(fetcher.output().contains(QStringLiteral("Collecting uv")));

        const QString args = QString::fromUtf8(TestUtil::readAll(dir.filePath(QStringLiteral("args.txt")))).trimmed();
        QVERIFY2(args.startsWith(QStringLiteral("-m pip install --upgrade")), qPrintable(args));
        QVERIFY2(args.endsWith(QStringLiteral("--target %1/uv-pkg uv").arg(paths.toolsFolder())), qPrintable(args));

        // bin/uv points at the binary inside the package folder, and environments find it there.
        QCOMPARE(fetcher.uvPath(), paths.toolBinDir() + QStringLiteral("/uv"));
        QVERIFY(QFileInfo(fetcher.uvPath()).isExecutable());
        QCOMPARE(QFileInfo(fetcher.uvPath()).canonicalFilePath(),
                 QFileInfo(paths.toolsFolder() + QStringLiteral("/uv-pkg/bin/uv")).canonicalFilePath());
        QtPyVenv::Config config;
        config.toolSearchPaths = {paths.toolBinDir()};
        QCOMPARE(QtPyVenv::uvExecutable(config), fetcher.uvPath());
        QCOMPARE(QtPyVenv::resolvedInstaller(config), QtPyVenv::Installer::Uv);

        // Fetching again replaces the link.
        fetcher.fetch(python);
        QVERIFY(finished.wait(10000));
        QVERIFY2(finished.at(1).at(0).toBool(), qPrintable(finished.at(1).at(1).toString()));
    }

    void fetchFailures_data()
    {
        QTest::addColumn<QByteArray>("pipOutput");
        QTest::addColumn<QString>("message");
        QTest::newRow("offline")
            << QByteArray("WARNING: Retrying (Retry(total=0, connect=None, read=None, redirect=None, status=None)) "
                          "after connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection."
                          "HTTPSConnection object at 0x7f>: Failed to establish a new connection: [Errno -3] "
                          "Temporary failure in name resolution')': /simple/uv/\n"
                          "ERROR: Could not find a version that satisfies the requirement uv (from versions: none)\n"
                          "ERROR: No matching distribution found for uv")
            << QStringLiteral("No network: pip cannot reach the package index to fetch uv. Connect and try again.");
        QTest::newRow("no pip") << QByteArray("/usr/bin/python3: No module named pip")
                                << QStringLiteral("%1 has no pip: install it");
        QTest::newRow("other") << QByteArray("ERROR: uv-0.5.1 is not a supported wheel on this platform.")
                               << QStringLiteral("pip install uv failed (exit code 1):\nERROR: uv-0.5.1 is not a "
                                                 "supported wheel on this platform.");
    }

    void fetchFailures()
    {
        QFETCH(QByteArray, pipOutput);
        QFETCH(QString, message);
        QTemporaryDir dir;
        const QString python = writeScript(dir, QStringLiteral("python"), failingPython(pipOutput));
        UvFetcher fetcher(pathsIn(dir).toolsFolder());
        QSignalSpy finished(&fetcher, &UvFetcher::finished);
        fetcher.fetch(python);
        QVERIFY(finished.wait(10000));
        QCOMPARE(finished.at(0).at(0).toBool(), false);
        const QString expected = message.contains(QStringLiteral("%1")) ? message.arg(python) : message;
        QVERIFY2(finished.at(0).at(1).toString().startsWith(expected), qPrintable(finished.at(0).at(1).toString()));
        QVERIFY(!QFileInfo::exists(fetcher.uvPath()));
    }

    void fetchWithoutInterpreter()
    {
        QTemporaryDir dir;
        UvFetcher fetcher(pathsIn(dir).toolsFolder());
        QSignalSpy finished(&fetcher, &UvFetcher::finished);
        const QString python = dir.filePath(QStringLiteral("no-such-python"));
        fetcher.fetch(python);
        QVERIFY(finished.wait(10000));
        QCOMPARE(finished.size(), 1);
        QCOMPARE(finished.at(0).at(0).toBool(), false);
        QVERIFY2(finished.at(0).at(1).toString().startsWith(QStringLiteral("Cannot run %1: ").arg(python)),
                 qPrintable(finished.at(0).at(1).toString()));
        QVERIFY(!fetcher.isRunning());
    }

    void offerIsRememberedWhenDismissed()
    {
        QTemporaryDir dir;
        const AppPaths paths = pathsIn(dir);
        UvOfferBar bar(paths);
        QVERIFY(bar.shouldOffer());
        bar.offerIfUseful();
        QVERIFY(!bar.isHidden());
        QTest::mouseClick(bar.findChild<QPushButton *>(QStringLiteral("uvOfferDismiss")), Qt::LeftButton);
        QVERIFY(bar.isHidden());
        UvOfferBar nextLaunch(paths);
        QVERIFY(!nextLaunch.shouldOffer());
        nextLaunch.offerIfUseful();
        QVERIFY(nextLaunch.isHidden());
    }

    void offerFetchesWithProgress()
    {
        QTemporaryDir dir;
        const AppPaths paths = pathsIn(dir);
        const QString python = writeScript(dir, QStringLiteral("python"), FakePython);
        TestUtil::writeFile(dir.filePath(QStringLiteral("wait")), {}); // pip waits for "go"
        UvOfferBar bar(paths);
        bar.setPython(python);
        bar.offerIfUseful();
        QSignalSpy installed(&bar, &UvOfferBar::uvInstalled);
        auto *fetch = bar.findChild<QPushButton *>(QStringLiteral("uvOfferFetch"));
        auto *progress = bar.findChild<QLabel *>(QStringLiteral("uvOfferProgress"));
        QTest::mouseClick(fetch, Qt::LeftButton);
        QTRY_COMPARE(progress->text(), QStringLiteral("Collecting uv"));
        QVERIFY(!fetch->isEnabled());
        QVERIFY(bar.message().startsWith(QStringLiteral("Fetching uv with %1's pip").arg(python)));
        QVERIFY(!uvOfferAnswered(paths));

        TestUtil::writeFile(dir.filePath(QStringLiteral("go")), {});
        QVERIFY(installed.wait(10000));
        QVERIFY2(bar.message().startsWith(QStringLiteral("uv 0.5.1 is in")), qPrintable(bar.message()));
        QVERIFY(fetch->isHidden());
        QVERIFY(uvOfferAnswered(paths));
        QVERIFY(!UvOfferBar(paths).shouldOffer());
    }

    void offerCanBeRetriedAfterFailure()
    {
        QTemporaryDir dir;
        const AppPaths paths = pathsIn(dir);
        UvOfferBar bar(paths);
        bar.setPython(writeScript(dir, QStringLiteral("python"),
                                  failingPython("ERROR: ... NewConnectionError ... Network is unreachable")));
        QSignalSpy finished(bar.fetcher(), &UvFetcher::finished);
        bar.fetch();
        QVERIFY(finished.wait(10000));
        QVERIFY2(bar.message().startsWith(QStringLiteral("No network")), qPrintable(bar.message()));
        auto *fetch = bar.findChild<QPushButton *>(QStringLiteral("uvOfferFetch"));
        QVERIFY(fetch->isEnabled());
        QCOMPARE(fetch->text(), QStringLiteral("&Try again"));
        QVERIFY(!uvOfferAnswered(paths)); // still offered next launch
    }

    void environmentsSearchTheToolFolder()
    {
        QTemporaryDir dir;
        const AppPaths paths = pathsIn(dir);
        EnvironmentManager manager(paths);
        EnvironmentDefinition definition;
        definition.name = QStringLiteral("fast");
        definition.installer = QtPyVenv::Installer::Uv;
        Environment *env = manager.add(definition);
        QCOMPARE(env->toolSearchPaths(), QStringList{paths.toolBinDir()});
        const QtPyVenv::Config config = env->installConfig();
        QCOMPARE(config.toolSearchPaths, QStringList{paths.toolBinDir()});
        QCOMPARE(config.installer, QtPyVenv::Installer::Uv);
        QCOMPARE(config.baseDir, paths.defaultBaseDir(env->definition().id));
    }

    void installerDescriptions()
    {
        QTemporaryDir home;
        const QByteArray savedHome = qgetenv("HOME");
        qputenv("HOME", QFile::encodeName(home.path()));
        const QString bin = home.filePath(QStringLiteral("tools/bin"));
        QtPyVenv::Config config;
        config.toolSearchPaths = {bin};
        config.installer = QtPyVenv::Installer::Pip;
        QCOMPARE(installerDescription(config), QStringLiteral("pip"));
        config.installer = QtPyVenv::Installer::Uv;
        if (QStandardPaths::findExecutable(QStringLiteral("uv")).isEmpty())
            QCOMPARE(installerDescription(config), QStringLiteral("uv (not found: fetch it or put it on PATH)"));
        QDir().mkpath(bin);
        writeScript(home, QStringLiteral("tools/bin/uv"), "#!/bin/sh\n");
        QCOMPARE(installerDescription(config), QStringLiteral("uv (~/tools/bin/uv)"));
        config.installer = QtPyVenv::Installer::Auto;
        QCOMPARE(installerDescription(config), QStringLiteral("uv (~/tools/bin/uv)"));
        qputenv("HOME", savedHome);
    }

    void requirementsTabShowsAndSetsTheInstaller()
    {
        QTemporaryDir dir;
        const QString bin = dir.filePath(QStringLiteral("bin"));
        EnvironmentDefinition definition;
        definition.id = QStringLiteral("e1");
        definition.name = QStringLiteral("e1");
        Environment env(definition, dir.filePath(QStringLiteral("venv")), nullptr);
        env.setToolSearchPaths({bin});
        RequirementsPage page;
        page.setEnvironment(&env);
        QCOMPARE(page.installerChoice()->currentData().value<QtPyVenv::Installer>(), QtPyVenv::Installer::Auto);
        if (QStandardPaths::findExecutable(QStringLiteral("uv")).isEmpty())
            QCOMPARE(page.installerText(), QStringLiteral("uses pip")); // Auto, and no uv anywhere

        // uv appears in the tool folder (a fetch): the page says so once told.
        QDir().mkpath(bin);
        const QString uv = writeScript(dir, QStringLiteral("bin/uv"), "#!/bin/sh\n");
        page.updateInstaller();
        QCOMPARE(page.installerText(), QStringLiteral("uses uv (%1)").arg(uv));

        // Choosing pip: the page says what it would use, and Apply saves the choice.
        page.installerChoice()->setCurrentIndex(page.installerChoice()->findData(QVariant::fromValue(QtPyVenv::Installer::Pip)));
        QCOMPARE(page.installerText(), QStringLiteral("uses pip"));
        QSignalSpy applied(&page, &RequirementsPage::applyRequested);
        page.apply();
        QCOMPARE(applied.size(), 1);
        QCOMPARE(applied.at(0).at(0).value<EnvironmentDefinition>().installer, QtPyVenv::Installer::Pip);

        // The definition's choice is shown when the page loads it.
        definition.installer = QtPyVenv::Installer::Uv;
        env.setDefinition(definition);
        QCOMPARE(page.installerChoice()->currentData().value<QtPyVenv::Installer>(), QtPyVenv::Installer::Uv);
    }

    void windowOffersUvAndShowsItOnceFetched()
    {
        QTemporaryDir dir;
        const AppPaths paths = pathsIn(dir);
        const QString python = writeScript(dir, QStringLiteral("python"), FakePython);
        EnvironmentManager manager(paths);
        QVERIFY(manager.load());
        EnvironmentDefinition definition = manager.environments().first()->definition();
        definition.interpreter = python; // its pip fetches uv
        manager.updateDefinition(definition);
        MainWindow window(&manager);
        QVERIFY(!window.uvOffer()->isHidden());
        if (QStandardPaths::findExecutable(QStringLiteral("uv")).isEmpty())
            QCOMPARE(window.requirementsPage()->installerText(), QStringLiteral("uses pip"));
        QSignalSpy installed(window.uvOffer(), &UvOfferBar::uvInstalled);
        QTest::mouseClick(window.uvOffer()->findChild<QPushButton *>(QStringLiteral("uvOfferFetch")), Qt::LeftButton);
        QVERIFY(installed.wait(10000));
        QCOMPARE(window.requirementsPage()->installerText(),
                 QStringLiteral("uses uv (%1/uv)").arg(paths.toolBinDir()));
        manager.shutdown();
    }
};

QTEST_MAIN(TestAppUv)
#include "tst_app_uv.moc"
