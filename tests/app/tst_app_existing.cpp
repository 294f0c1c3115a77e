// SPDX-License-Identifier: MIT
// Existing environments in the app: probing interpreters (fake ones that print a version, fail
// or are missing), the Add existing dialog, an adopted venv that runs, shows its packages, is
// installed into only after the one-time question and is never removed, the New dialog's
// interpreter picker with versions, and the uv offer's tool folder shown with "~".
#include "apptestutil.h"
#include "testutil.h"

#include "core/definition.h"
#include "core/environment.h"
#include "core/environmentmanager.h"
#include "core/interpreterprobe.h"
#include "core/venvreaper.h"
#include "ui/addexistingdialog.h"
#include "ui/mainwindow.h"
#include "ui/newenvironmentdialog.h"
#include "ui/uvofferbar.h"

#include <QAbstractItemView>
#include <QApplication>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QScreen>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>
#include <QTimer>
#include <QUrl>

#include <functional>
#include <memory>

using namespace QtPyVenvApp;
using AppTestUtil::whenModal;

using TestUtil::treeSnapshot;

namespace {

//! An executable script \a name in \a dir.
QString writeScript(const QString &dir, const QString &name, const QByteArray &text)
{
    const QString path = dir + QLatin1Char('/') + name;
    QDir().mkpath(QFileInfo(path).path());
    if (!TestUtil::writeFile(path, text))
        return {};
    QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    return path;
}

//! A Python that answers the probe with 3.11.7 and counts its runs in <script>.runs.
const QByteArray GoodPython = "#!/bin/sh\necho run >> \"$0.runs\"\necho qtpyvenv-version=3.11.7\n";
//! A Python that does not run: it fails at once, saying why.
const QByteArray BrokenPython = "#!/bin/sh\necho 'error while loading shared libraries: libpython3.11.so' >&2\nexit 127\n";

InterpreterInfo infoFor(const QSignalSpy &spy, const QString &path)
{
    for (const QList<QVariant> &arguments : spy) {
        const auto info = arguments.at(0).value<InterpreterInfo>();
        if (info.path == path)
            return info;
    }
    return {};
}

} // namespace

class TestAppExisting : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    AppPaths m_paths;
    QString m_wheels; // qtpyvenv_probe 1.0
    QString m_emptyIndex;

    QString makeUserVenv(const QString &name)
    {
        const QString dir = m_dir.filePath(name);
        if (QProcess::execute(TestUtil::python(), {QStringLiteral("-m"), QStringLiteral("venv"), QStringLiteral("--without-pip"), dir}) != 0)
            return {};
        return TestUtil::writeFile(dir + QStringLiteral("/mine.txt"), "the user's") ? dir : QString();
    }
    QString writeSource(const QString &name, const QByteArray &text)
    {
        const QString path = m_dir.filePath(name);
        return TestUtil::writeFile(path, text) ? path : QString();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_dir.isValid());
        m_paths = {m_dir.filePath(QStringLiteral("config")), m_dir.filePath(QStringLiteral("data"))};
        m_wheels = m_dir.filePath(QStringLiteral("wheels"));
        m_emptyIndex = m_dir.filePath(QStringLiteral("empty-index"));
        QVERIFY(QDir().mkpath(m_wheels) && QDir().mkpath(m_emptyIndex));
        QVERIFY(!TestUtil::buildWheel(m_wheels, QStringLiteral("qtpyvenv_probe"), QStringLiteral("1.0"),
                                      QStringLiteral("VALUE = \"one\"\n"))
                     .isEmpty());
    }

    // Probing runs each interpreter in the background: the version of one that runs, why one
    // fails (its own words), a missing one; asked again, it answers from its cache.
    void probeReportsVersionsAndFailures()
    {
        QTemporaryDir dir;
        const QString good = writeScript(dir.path(), QStringLiteral("good"), GoodPython);
        const QString broken = writeScript(dir.path(), QStringLiteral("broken"), BrokenPython);
        const QString missing = dir.filePath(QStringLiteral("missing"));
        InterpreterProbe probe;
        QSignalSpy probed(&probe, &InterpreterProbe::probed);
        QSignalSpy finished(&probe, &InterpreterProbe::finished);
        probe.probe({good, broken, missing});
        QCOMPARE(probed.count(), 0); // nothing answered while the caller waits
        QVERIFY(finished.wait(10000));
        QCOMPARE(probed.count(), 3);
        QCOMPARE(infoFor(probed, good).version, QStringLiteral("3.11.7"));
        QVERIFY(infoFor(probed, good).runs());
        const InterpreterInfo failed = infoFor(probed, broken);
        QVERIFY(!failed.runs());
        QVERIFY2(failed.error.contains(QStringLiteral("127")) && failed.error.contains(QStringLiteral("libpython3.11")),
                 qPrintable(failed.error));
        QVERIFY(!infoFor(probed, missing).runs());
        QVERIFY(!infoFor(probed, missing).error.isEmpty());

        probed.clear();
        probe.probe({good});
        QVERIFY(finished.wait(10000));
        QCOMPARE(infoFor(probed, good).version, QStringLiteral("3.11.7"));
        QCOMPARE(TestUtil::readAll(good + QStringLiteral(".runs")), QByteArray("run\n")); // once
        QCOMPARE(InterpreterProbe::cached(good).version, QStringLiteral("3.11.7"));
    }

    void environmentInterpreterFollowsTheLibrary()
    {
        QTemporaryDir dir;
        QCOMPARE(InterpreterProbe::environmentInterpreter(dir.path()), QString());
        const QString python3 = writeScript(dir.path(), QStringLiteral("bin/python3"), GoodPython);
        QCOMPARE(InterpreterProbe::environmentInterpreter(dir.path()), python3);
        const QString python = writeScript(dir.path(), QStringLiteral("bin/python"), GoodPython);
        QCOMPARE(InterpreterProbe::environmentInterpreter(dir.path()), python);
    }

    void adoptionIsPersisted()
    {
        EnvironmentDefinition definition;
        definition.id = QStringLiteral("a1");
        definition.existingDir = QStringLiteral("/home/me/.venvs/work");
        definition.installIntoExisting = true;
        const EnvironmentDefinition read = EnvironmentDefinition::fromJson(definition.toJson());
        QCOMPARE(read, definition);
        QVERIFY(read.isAdopted());
        // A definition from before adoption existed: the app's own venv.
        const EnvironmentDefinition old = EnvironmentDefinition::fromJson(QJsonObject{{QStringLiteral("id"), QStringLiteral("b")}});
        QVERIFY(!old.isAdopted());
        QVERIFY(!old.installIntoExisting);
    }

    // The dialog refuses a folder without an interpreter and one whose interpreter does not run,
    // each with a clear reason; a venv shows its interpreter and version and is accepted.
    void addExistingDialogChecksTheFolder()
    {
        QTemporaryDir dir;
        const QString empty = dir.filePath(QStringLiteral("empty"));
        QVERIFY(QDir().mkpath(empty));
        const QString broken = dir.filePath(QStringLiteral("broken-env"));
        writeScript(broken, QStringLiteral("bin/python"), BrokenPython);
        const QString venv = makeUserVenv(QStringLiteral("dialog-project/.venv"));
        QVERIFY(!venv.isEmpty());

        AddExistingDialog dialog({QStringLiteral("taken")});
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        auto *problem = dialog.findChild<QLabel *>(QStringLiteral("existingProblem"));
        auto *interpreter = dialog.findChild<QLabel *>(QStringLiteral("existingInterpreter"));
        auto *name = dialog.findChild<QLineEdit *>(QStringLiteral("existingName"));
        QPushButton *ok = dialog.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
        QVERIFY(problem && interpreter && name && ok);
        QVERIFY(!ok->isEnabled());

        dialog.setFolder(empty);
        QVERIFY2(problem->text().contains(QStringLiteral("no Python interpreter")), qPrintable(problem->text()));
        QVERIFY(!ok->isEnabled());

        dialog.setFolder(broken);
        QTRY_VERIFY_WITH_TIMEOUT(problem->text().contains(QStringLiteral("does not run")), 10000);
        QVERIFY2(problem->text().contains(QStringLiteral("libpython3.11")), qPrintable(problem->text()));
        QVERIFY(!ok->isEnabled());

        dialog.setFolder(venv);
        QTRY_VERIFY_WITH_TIMEOUT(ok->isEnabled(), 10000);
        QVERIFY2(interpreter->text().startsWith(venv + QStringLiteral("/bin/python — Python 3.")), qPrintable(interpreter->text()));
        QVERIFY2(interpreter->text().contains(QStringLiteral("virtual environment")), qPrintable(interpreter->text()));
        QCOMPARE(name->text(), QStringLiteral("dialog-project"));
        QVERIFY(problem->text().isEmpty());
        if (const QString shot = qEnvironmentVariable("QTPYVENV_SHOT_DIR"); !shot.isEmpty())
            dialog.grab().save(shot + QStringLiteral("/add-existing.png"));
        const EnvironmentDefinition definition = dialog.definition();
        QCOMPARE(definition.existingDir, venv);
        QCOMPARE(definition.interpreter, venv + QStringLiteral("/bin/python"));
        QVERIFY(definition.baseDir.isEmpty());

        name->setText(QStringLiteral("taken"));
        QVERIFY(!ok->isEnabled());
    }

    /*
     * An adopted venv runs the sources (sys.prefix is it); its requirements are installed only
     * after the one-time question, which is remembered in the definitions file; its packages
     * are listed; Remove forgets it and leaves the folder byte for byte.
     */
    void adoptedVenvLifecycle()
    {
        const QString venv = makeUserVenv(QStringLiteral("adopted"));
        QVERIFY(!venv.isEmpty());
        const QString source = writeSource(QStringLiteral("prefix.py"), "import sys\n\ndef prefix():\n    return sys.prefix\n");
        EnvironmentManager manager(m_paths);
        QVERIFY(manager.load());
        MainWindow window(&manager);
        EnvironmentDefinition definition;
        definition.name = QStringLiteral("adopted");
        definition.interpreter = venv + QStringLiteral("/bin/python");
        definition.existingDir = venv;
        definition.sources = {source};
        Environment *env = manager.add(definition);
        const QString id = env->definition().id;
        window.setCurrentEnvironment(id);
        manager.start(id);
        QTRY_COMPARE_WITH_TIMEOUT(env->status(), EnvStatus::Ready, 30000);
        QSignalSpy finished(env, &Environment::callFinished);
        const int call = env->invoke(QStringLiteral("prefix"), {});
        QVERIFY(finished.wait(10000));
        QCOMPARE(env->calls()->record(call)->result.toString(), venv);
        const QStringList userFiles = treeSnapshot(venv);

        // A requirement: the start fails, the question comes once; Yes installs and is kept.
        QSignalSpy failed(env, &Environment::startFailed);
        bool asked = false;
        whenModal<QMessageBox>(this, [&asked, venv](QMessageBox *box) {
            asked = box->objectName() == QLatin1String("installPermission") && box->text().contains(venv);
            box->button(QMessageBox::Yes)->click();
        });
        EnvironmentDefinition withRequirement = env->definition();
        withRequirement.requirements = {QStringLiteral("qtpyvenv_probe==1.0")};
        withRequirement.indexUrl = QUrl::fromLocalFile(m_emptyIndex).toString();
        withRequirement.findLinks = m_wheels;
        manager.updateDefinition(withRequirement);
        manager.restart(id);
        QVERIFY(failed.wait(30000));
        QVERIFY2(failed.at(0).at(0).value<QtPyVenv::Error>().message.contains(QStringLiteral("installIntoExistingVenv")),
                 qPrintable(failed.at(0).at(0).value<QtPyVenv::Error>().message));
        QTRY_VERIFY_WITH_TIMEOUT(asked, 5000);
        QTRY_COMPARE_WITH_TIMEOUT(env->status(), EnvStatus::Ready, 60000);
        QVERIFY(env->definition().installIntoExisting);
        const QJsonArray saved = QJsonDocument::fromJson(TestUtil::readAll(m_paths.definitionsFile()))
                                     .object()
                                     .value(QStringLiteral("environments"))
                                     .toArray();
        bool allowedOnDisk = false;
        for (const QJsonValue &value : saved)
            allowedOnDisk = allowedOnDisk || (value[QStringLiteral("id")] == id && value[QStringLiteral("installIntoExisting")].toBool());
        QVERIFY(allowedOnDisk);
        QTRY_VERIFY_WITH_TIMEOUT(!env->packages().isEmpty(), 60000);
        QVERIFY(std::any_of(env->packages().cbegin(), env->packages().cend(),
                            [](const PackageInfo &p) { return p.name == QLatin1String("qtpyvenv_probe"); }));
        QVERIFY(!QDir(venv + QStringLiteral("/lib")).entryList().isEmpty());
        const QStringList installed = treeSnapshot(venv);
        QVERIFY(installed != userFiles);

        // Remove: only forgotten, the folder stays as it is; the app's own files for it go.
        const QString appFolder = env->baseDir();
        QVERIFY(QFileInfo::exists(appFolder));
        whenModal<QMessageBox>(this, [](QMessageBox *box) {
            QVERIFY(!box->checkBox()); // no "delete the folder" for an adopted one
            box->button(QMessageBox::Yes)->click();
        });
        window.removeEnvironment();
        QVERIFY(!manager.environment(id));
        QTRY_VERIFY_WITH_TIMEOUT(!QFileInfo::exists(appFolder), 10000);
        QCOMPARE(treeSnapshot(venv), installed);
        QCOMPARE(TestUtil::readAll(venv + QStringLiteral("/mine.txt")), QByteArray("the user's"));
    }

    // Whatever the dialog said, removing the folder of an adopted environment whose app folder
    // holds the adopted one keeps both.
    void removeFolderNeverTakesTheAdoptedOne()
    {
        QTemporaryDir dir;
        const QString adopted = dir.filePath(QStringLiteral("project/.venv"));
        writeScript(adopted, QStringLiteral("bin/python"), GoodPython);
        QVERIFY(TestUtil::writeFile(adopted + QStringLiteral("/mine.txt"), "the user's"));
        EnvironmentManager manager(m_paths);
        QVERIFY(manager.load());
        EnvironmentDefinition definition;
        definition.name = QStringLiteral("inside");
        definition.existingDir = adopted;
        definition.baseDir = dir.filePath(QStringLiteral("project"));
        const QString id = manager.add(definition)->definition().id;
        manager.remove(id, true);
        manager.reaper()->waitForAll();
        QCOMPARE(TestUtil::readAll(adopted + QStringLiteral("/mine.txt")), QByteArray("the user's"));
    }

    // The New dialog's picker shows each Python's version and drops the ones that do not run,
    // without waiting for them.
    void newDialogPickerShowsVersions()
    {
        QTemporaryDir dir;
        const QString good = writeScript(dir.path(), QStringLiteral("python3.42"), GoodPython);
        const QString broken = writeScript(dir.path(), QStringLiteral("python3.13"), BrokenPython);
        NewEnvironmentDialog dialog({good, broken}, {});
        auto *picker = dialog.findChild<QComboBox *>(QStringLiteral("newInterpreter"));
        QVERIFY(picker);
        QCOMPARE(picker->count(), 3); // shown at once, probed in the background
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QTRY_COMPARE_WITH_TIMEOUT(picker->findText(good + QStringLiteral(" — 3.11.7")), 1, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(picker->findText(broken, Qt::MatchStartsWith), -1, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(picker->itemText(0).startsWith(QStringLiteral("python3 — 3.")), 10000);
        QCOMPARE(picker->count(), 2);
        if (const QString shot = qEnvironmentVariable("QTPYVENV_SHOT_DIR"); !shot.isEmpty()) {
            picker->showPopup();
            QVERIFY(QTest::qWaitForWindowExposed(picker->view()->window()));
            dialog.screen()->grabWindow(0).save(shot + QStringLiteral("/new-picker.png"));
            picker->hidePopup();
        }

        picker->setCurrentIndex(1);
        QCOMPARE(dialog.definition().interpreter, good);
        picker->setCurrentIndex(0);
        QCOMPARE(dialog.definition().interpreter, QStringLiteral("python3"));
        picker->setEditText(QStringLiteral("/opt/python/bin/python3"));
        QCOMPARE(dialog.definition().interpreter, QStringLiteral("/opt/python/bin/python3"));
    }

    // The uv offer names the tool folder under the home folder with "~".
    void uvOfferShowsHomeAsTilde()
    {
        QTemporaryDir home;
        const QByteArray savedHome = qgetenv("HOME");
        qputenv("HOME", QFile::encodeName(home.path()));
        AppPaths paths = m_paths;
        paths.toolsDir = home.filePath(QStringLiteral(".local/share/qtpyvenv/tools"));
        UvOfferBar bar(paths);
        qputenv("HOME", savedHome);
        QVERIFY2(bar.message().contains(QStringLiteral("~/.local/share/qtpyvenv/tools/bin")), qPrintable(bar.message()));
        QVERIFY2(!bar.message().contains(home.path()), qPrintable(bar.message()));
    }

    void cleanupTestCase()
    {
        QTRY_COMPARE(TestUtil::liveChildren(), QList<qint64>());
    }
};

QTEST_MAIN(TestAppExisting)
#include "tst_app_existing.moc"
