// SPDX-License-Identifier: MIT
// The on-disk side of a Venv: venv creation, pip installs from locally built wheels (hermetic:
// --no-index --find-links), skipping pip when nothing changed, install failures, invalid
// configs, broken and foreign venvs, removal on close, concurrent starts and deadlines.
#include "testutil.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonValue>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QStandardPaths>

#include <thread>
#include <utility>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace QtPyVenv;

namespace {

using TestUtil::joined;
using TestUtil::readAll;
using TestUtil::treeSnapshot;
using TestUtil::writeFile;

using TestUtil::ProbeSource;

const QString ProbeName = QStringLiteral("qtpyvenv_probe");

Error notReturned()
{
    Error error;
    error.code = ErrorCode::Unknown;
    error.message = QStringLiteral("start() did not return");
    return error;
}

Error errorAt(const QSignalSpy &spy, qsizetype index)
{
    return spy.at(index).at(0).value<Error>();
}

//! Inode and nanosecond mtime: a rewrite (QSaveFile renames a new file in) changes both.
QByteArray fileIdentity(const QString &path)
{
    struct stat st;
    if (::stat(QFile::encodeName(path).constData(), &st) != 0)
        return {};
    return QByteArray::number(qulonglong(st.st_ino)) + ':' + QByteArray::number(qlonglong(st.st_mtim.tv_sec)) + '.'
        + QByteArray::number(qlonglong(st.st_mtim.tv_nsec));
}

//! The module file pip put into the site-packages of the environment at DIR, or "" when there is none.
QString moduleIn(const QString &dir, const QString &module)
{
    const QString lib = dir + QStringLiteral("/lib");
    for (const QString &python : QDir(lib).entryList({QStringLiteral("python*")}, QDir::Dirs)) {
        const QString path = QStringLiteral("%1/%2/site-packages/%3.py").arg(lib, python, module);
        if (QFileInfo::exists(path))
            return path;
    }
    return {};
}

//! The module file pip put into baseDir/venv, or "" when there is none.
QString installedModule(const QString &baseDir, const QString &module)
{
    return moduleIn(baseDir + QStringLiteral("/venv"), module);
}

//! A config whose sources define value(), returning VALUE.
Config valueConfig(const QString &baseDir, int value = 1)
{
    return TestUtil::config(baseDir, {QStringLiteral("def value():\n    return %1\n").arg(value)});
}

//! A venv made as a user would, with python -m venv, holding a file of the user's.
bool makeUserVenv(const QString &dir)
{
    return QProcess::execute(TestUtil::python(), {QStringLiteral("-m"), QStringLiteral("venv"),
                                                  QStringLiteral("--without-pip"), dir}) == 0
        && writeFile(dir + QStringLiteral("/mine.txt"), "the user's");
}

Config probeConfig(const QString &baseDir, const QString &requirement, const QString &findLinks)
{
    Config config = TestUtil::config(baseDir, {ProbeSource});
    config.requirements = {requirement};
    config.pipOptions = {QStringLiteral("--no-index"), QStringLiteral("--find-links"), findLinks};
    return config;
}

} // namespace

class tst_Install : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();

    void installFromLocalWheel();
    void pipSkippedUnlessRequirementsChange();
    void failingPipIsInstallFailed();
    void optionLikeRequirementIsInvalidConfig_data();
    void optionLikeRequirementIsInvalidConfig();
    void missingInterpreter_data();
    void missingInterpreter();
    void missingInterpreterKeepsExistingVenv();
    void brokenVenvIsRecreated();
    void foreignVenvIsLeftAlone();
    void foreignVenvIsNotInstalledInto();
    void foreignVenvInstalledIntoOnlyWhenAllowed();
    void existingVenvElsewhereIsUsed();
    void existingVenvInstalledIntoOnlyWhenAllowed();
    void existingDirWithoutInterpreter_data();
    void existingDirWithoutInterpreter();
    void existingCondaLayoutIsAccepted();
    void closeRemovesOnlyWhatWasCreated();
    void closeRemovesTemporaryBaseDir();
    void closeRemovesCreatedBaseDir();
    void closeKeepsVenvWhenNotRemoving();
    void concurrentStartsShareOneVenv();
    void deadlineDuringStart();
    void metaRemovedWhileWaitingForInstallLock();
    void slowInstallToolIsKilled();
    void pipRunsWithoutInterpreterWrapper();
    void installWhileAnotherServes();

    void cleanupTestCase();

private:
    QString makeWheelDir(const QString &name, const QString &version, const QString &value);

    QTemporaryDir m_root;
    QString m_wheelsV1; // qtpyvenv_probe 1.0, VALUE == "one"
    QString m_wheelsV2; // qtpyvenv_probe 2.0, VALUE == "two"
};

QString tst_Install::makeWheelDir(const QString &name, const QString &version, const QString &value)
{
    const QString dir = m_root.filePath(QStringLiteral("wheels-%1-%2").arg(name, version));
    if (!QDir().mkpath(dir))
        return {};
    const QString wheel =
        TestUtil::buildWheel(dir, name, version, QStringLiteral("VALUE = \"%1\"\n").arg(value));
    return wheel.isEmpty() ? QString() : dir;
}

void tst_Install::initTestCase()
{
    QVERIFY(m_root.isValid());
    m_wheelsV1 = makeWheelDir(ProbeName, QStringLiteral("1.0"), QStringLiteral("one"));
    m_wheelsV2 = makeWheelDir(ProbeName, QStringLiteral("2.0"), QStringLiteral("two"));
    QVERIFY2(!m_wheelsV1.isEmpty() && !m_wheelsV2.isEmpty(), "cannot build the test wheels");
}

void tst_Install::cleanup()
{
    // Every Venv of the test function is destroyed by now: nothing it spawned may be left.
    QCOMPARE(TestUtil::liveChildren(), QList<qint64>());
}

// 1. A requirement installed from a wheel the test built, with pip's output on installOutput.
void tst_Install::installFromLocalWheel()
{
    QTemporaryDir dir;
    const QString base = dir.filePath(QStringLiteral("base"));
    Venv venv(probeConfig(base, QStringLiteral("qtpyvenv_probe==1.0"), m_wheelsV1));
    QSignalSpy install(&venv, &Venv::installOutput);
    QSignalSpy ready(&venv, &Venv::ready);

    QVERIFY_OK(venv.start());
    QCOMPARE(venv.state(), State::Ready);
    QCOMPARE_VALUE(venv, QStringLiteral("one"));

    // Signals are queued to this thread; install output is queued before ready().
    QTRY_COMPARE(ready.count(), 1);
    QVERIFY(install.count() > 0);
    const QByteArray output = joined(install);
    QVERIFY2(output.contains("Successfully installed"), output.constData());
    QVERIFY2(output.toLower().contains("qtpyvenv"), output.constData());

    // Into the venv, not the bootstrap interpreter.
    QVERIFY(!installedModule(base, ProbeName).isEmpty());
    QVERIFY(QFileInfo::exists(base + QStringLiteral("/meta/state.json")));
}

// 2. A warm start runs no pip; a changed requirement or changed pip options run it again.
void tst_Install::pipSkippedUnlessRequirementsChange()
{
    QTemporaryDir dir;
    const QString base = dir.filePath(QStringLiteral("base"));
    const QString links = dir.filePath(QStringLiteral("links"));
    QVERIFY(QDir().mkpath(links));
    const QString wheelName = QStringLiteral("/qtpyvenv_probe-1.0-py3-none-any.whl");
    QVERIFY(QFile::copy(m_wheelsV1 + wheelName, links + wheelName));
    const QString stateFile = base + QStringLiteral("/meta/state.json");

    Config config = probeConfig(base, QStringLiteral("qtpyvenv_probe==1.0"), links);
    config.removeBaseDirOnClose = false;
    {
        Venv first(config);
        QSignalSpy install(&first, &Venv::installOutput);
        QVERIFY_OK(first.start());
        QCOMPARE_VALUE(first, QStringLiteral("one"));
        QTRY_VERIFY(joined(install).contains("Successfully installed"));
        first.close();
    }
    QVERIFY(QFileInfo::exists(base + QStringLiteral("/venv/pyvenv.cfg")));
    const QByteArray stateBefore = readAll(stateFile);
    const QByteArray identityBefore = fileIdentity(stateFile);
    QVERIFY(!stateBefore.isEmpty());
    QVERIFY(!identityBefore.isEmpty());

    // Nothing to install from now: a pip run would fail.
    QVERIFY(QFile::remove(links + wheelName));
    {
        Venv second(config);
        QSignalSpy install(&second, &Venv::installOutput);
        QSignalSpy ready(&second, &Venv::ready);
        QVERIFY_OK(second.start());
        QCOMPARE_VALUE(second, QStringLiteral("one"));
        QTRY_COMPARE(ready.count(), 1);
        QCOMPARE(install.count(), 0);
        QCOMPARE(readAll(stateFile), stateBefore);
        QCOMPARE(fileIdentity(stateFile), identityBefore);
        second.close();
    }

    // A new requirement reinstalls.
    QVERIFY(QFile::copy(m_wheelsV2 + QStringLiteral("/qtpyvenv_probe-2.0-py3-none-any.whl"),
                        links + QStringLiteral("/qtpyvenv_probe-2.0-py3-none-any.whl")));
    config.requirements = {QStringLiteral("qtpyvenv_probe==2.0")};
    {
        Venv third(config);
        QSignalSpy install(&third, &Venv::installOutput);
        QSignalSpy ready(&third, &Venv::ready);
        QVERIFY_OK(third.start());
        QCOMPARE_VALUE(third, QStringLiteral("two"));
        QTRY_COMPARE(ready.count(), 1);
        const QByteArray output = joined(install);
        QVERIFY2(output.contains("Successfully installed"), output.constData());
        QVERIFY2(output.contains("2.0"), output.constData());
        QVERIFY(readAll(stateFile) != stateBefore);
        third.close();
    }
    const QByteArray stateV2 = readAll(stateFile);

    // Changed pip options alone re-run pip (which finds the requirement satisfied).
    config.pipOptions = {QStringLiteral("--no-index"), QStringLiteral("--no-cache-dir"), QStringLiteral("--find-links"),
                         links};
    {
        Venv fourth(config);
        QSignalSpy install(&fourth, &Venv::installOutput);
        QSignalSpy ready(&fourth, &Venv::ready);
        QVERIFY_OK(fourth.start());
        QCOMPARE_VALUE(fourth, QStringLiteral("two"));
        QTRY_COMPARE(ready.count(), 1);
        const QByteArray output = joined(install);
        QVERIFY2(output.contains("Requirement already satisfied"), output.constData());
        QVERIFY(readAll(stateFile) != stateV2);
        fourth.close();
    }

    // And the same options once more: skipped again.
    {
        Venv fifth(config);
        QSignalSpy install(&fifth, &Venv::installOutput);
        QSignalSpy ready(&fifth, &Venv::ready);
        QVERIFY_OK(fifth.start());
        QTRY_COMPARE(ready.count(), 1);
        QCOMPARE(install.count(), 0);
    }
}

// 3. pip fails: InstallFailed with pip's last lines, Idle, nothing left running, and the
//    requirements are not recorded as installed.
void tst_Install::failingPipIsInstallFailed()
{
    QTemporaryDir dir;
    const QString base = dir.filePath(QStringLiteral("base"));
    const QString links = dir.filePath(QStringLiteral("links"));
    QVERIFY(QDir().mkpath(links));

    Config config = TestUtil::config(base, {QStringLiteral("import qtpyvenv_missing\n\n"
                                                           "def value():\n"
                                                           "    return qtpyvenv_missing.VALUE\n")});
    config.requirements = {QStringLiteral("qtpyvenv_missing==1.0")};
    config.pipOptions = {QStringLiteral("--no-index"), QStringLiteral("--find-links"), links};
    Venv venv(config);
    QSignalSpy install(&venv, &Venv::installOutput);
    QSignalSpy failed(&venv, &Venv::startFailed);
    QSignalSpy ready(&venv, &Venv::ready);

    const Error error = venv.start();
    QCOMPARE(error.code, ErrorCode::InstallFailed);
    QVERIFY2(error.message.contains(QStringLiteral("No matching distribution")), qPrintable(error.message));
    QVERIFY2(error.message.contains(QStringLiteral("qtpyvenv_missing")), qPrintable(error.message));
    QCOMPARE(venv.state(), State::Idle);
    QCOMPARE(venv.processId(), 0);
    QVERIFY(venv.functions().isEmpty());
    QCOMPARE(TestUtil::liveChildren(), QList<qint64>());
    QTRY_COMPARE(failed.count(), 1);
    QCOMPARE(errorAt(failed, 0).code, ErrorCode::InstallFailed);
    QCOMPARE(errorAt(failed, 0).message, error.message);
    QVERIFY(joined(install).contains("No matching distribution"));
    QCOMPARE(ready.count(), 0);
    Error notReady;
    QVERIFY(venv.call(QStringLiteral("value"), {}, &notReady).isEmpty());
    QCOMPARE(notReady.code, ErrorCode::NotReady);

    // The same config once the package exists: pip must run again (the failed install was not
    // recorded), and the same Venv starts from Idle.
    QVERIFY(!TestUtil::buildWheel(links, QStringLiteral("qtpyvenv_missing"), QStringLiteral("1.0"),
                                  QStringLiteral("VALUE = \"found\"\n"))
                 .isEmpty());
    install.clear();
    QVERIFY_OK(venv.start());
    QCOMPARE(venv.state(), State::Ready);
    QCOMPARE_VALUE(venv, QStringLiteral("found"));
    QTRY_COMPARE(ready.count(), 1);
    QVERIFY2(joined(install).contains("Successfully installed"), joined(install).constData());
    QCOMPARE(failed.count(), 1);
}

// 4. An option-like requirement is InvalidConfig, and nothing touches disk.
void tst_Install::optionLikeRequirementIsInvalidConfig_data()
{
    QTest::addColumn<QStringList>("requirements");
    QTest::addColumn<bool>("defaultBaseDir");
    QTest::newRow("-r") << QStringList{QStringLiteral("-r reqs.txt")} << false;
    QTest::newRow("--index-url") << QStringList{QStringLiteral("--index-url=x")} << false;
    QTest::newRow("after a good one") << QStringList{QStringLiteral("numpy"), QStringLiteral("-e .")} << false;
    QTest::newRow("leading blank") << QStringList{QStringLiteral("  --pre")} << false;
    QTest::newRow("empty") << QStringList{QString()} << false;
    QTest::newRow("temporary baseDir") << QStringList{QStringLiteral("-r reqs.txt")} << true;
}

void tst_Install::optionLikeRequirementIsInvalidConfig()
{
    QFETCH(QStringList, requirements);
    QFETCH(bool, defaultBaseDir);
    QTemporaryDir dir;
    const QString base = defaultBaseDir ? QString() : dir.filePath(QStringLiteral("not-yet"));
    Config config = valueConfig(base);
    config.requirements = requirements;
    Venv venv(config);
    QSignalSpy failed(&venv, &Venv::startFailed);

    const Error error = venv.start();
    QCOMPARE(error.code, ErrorCode::InvalidConfig);
    QVERIFY(!error.message.isEmpty());
    QCOMPARE(venv.state(), State::Idle);
    QTRY_COMPARE(failed.count(), 1);
    QCOMPARE(errorAt(failed, 0).code, ErrorCode::InvalidConfig);

    const QString effective = venv.config().baseDir;
    QVERIFY2(effective.isEmpty() || !QFileInfo::exists(effective), qPrintable(effective));
    if (!defaultBaseDir)
        QVERIFY(!QFileInfo::exists(base));
    QCOMPARE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot), QStringList());
    venv.close();
    QVERIFY(effective.isEmpty() || !QFileInfo::exists(effective));
    QCOMPARE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot), QStringList());
}

// 5. An interpreter that does not exist: StartFailed naming it, and the Venv stays usable (Idle).
void tst_Install::missingInterpreter_data()
{
    QTest::addColumn<QString>("interpreter");
    QTest::newRow("path") << QStringLiteral("/nonexistent/python3");
    QTest::newRow("name") << QStringLiteral("no-such-python-xyz");
}

void tst_Install::missingInterpreter()
{
    QFETCH(QString, interpreter);
    QTemporaryDir dir;
    const QString base = dir.filePath(QStringLiteral("base"));
    Config config = valueConfig(base);
    config.pythonInterpreter = interpreter;
    Venv venv(config);
    QSignalSpy failed(&venv, &Venv::startFailed);

    for (int attempt = 0; attempt < 2; ++attempt) {
        const Error error = venv.start();
        QCOMPARE(error.code, ErrorCode::StartFailed);
        QVERIFY2(error.message.contains(interpreter), qPrintable(error.message));
        QCOMPARE(venv.state(), State::Idle);
        QCOMPARE(venv.processId(), 0);
        QTRY_COMPARE(failed.count(), attempt + 1);
        QCOMPARE(errorAt(failed, attempt).code, ErrorCode::StartFailed);
    }
    QVERIFY(!QFileInfo::exists(base + QStringLiteral("/venv")));
    venv.close();
    QVERIFY(!QFileInfo::exists(base)); // the library made it, so close() removed it
}

// 5b. Pointing a Venv at a missing interpreter must not destroy the venv another one made.
void tst_Install::missingInterpreterKeepsExistingVenv()
{
    QTemporaryDir dir;
    const QString base = dir.filePath(QStringLiteral("base"));
    Config config = valueConfig(base);
    config.removeBaseDirOnClose = false;
    {
        Venv venv(config);
        QVERIFY_OK(venv.start());
    }
    const QString marker = base + QStringLiteral("/venv/marker");
    QVERIFY(writeFile(marker, "still the same venv"));

    Config typo = config;
    typo.pythonInterpreter = QStringLiteral("/nonexistent/python3");
    {
        Venv venv(typo);
        const Error error = venv.start();
        QCOMPARE(error.code, ErrorCode::StartFailed);
        QVERIFY2(error.message.contains(typo.pythonInterpreter), qPrintable(error.message));
    }
    QVERIFY(QFileInfo::exists(marker));
    QVERIFY(QFileInfo(base + QStringLiteral("/venv/bin/python")).isExecutable());

    Venv venv(config);
    QVERIFY_OK(venv.start());
    QCOMPARE_VALUE(venv, 1);
    QVERIFY(QFileInfo::exists(marker)); // used as it was, not recreated
}

// 6. A venv whose python was deleted is recreated, requirements included.
void tst_Install::brokenVenvIsRecreated()
{
    QTemporaryDir dir;
    const QString base = dir.filePath(QStringLiteral("base"));
    Config config = probeConfig(base, QStringLiteral("qtpyvenv_probe==1.0"), m_wheelsV1);
    config.removeBaseDirOnClose = false;
    {
        Venv venv(config);
        QVERIFY_OK(venv.start());
        QCOMPARE_VALUE(venv, QStringLiteral("one"));
    }
    const QString bin = base + QStringLiteral("/venv/bin");
    const QStringList pythons = QDir(bin).entryList({QStringLiteral("python*")}, QDir::Files | QDir::System);
    QVERIFY2(pythons.contains(QStringLiteral("python")), qPrintable(pythons.join(u' ')));
    for (const QString &python : pythons)
        QVERIFY(QFile::remove(bin + QLatin1Char('/') + python));
    const QString marker = base + QStringLiteral("/venv/stale-marker");
    QVERIFY(writeFile(marker, "from the broken venv"));

    Venv venv(config);
    QSignalSpy install(&venv, &Venv::installOutput);
    QSignalSpy ready(&venv, &Venv::ready);
    QVERIFY_OK(venv.start());
    QCOMPARE_VALUE(venv, QStringLiteral("one"));
    QVERIFY(QFileInfo(bin + QStringLiteral("/python")).isExecutable());
    QVERIFY(!QFileInfo::exists(marker)); // recreated, not patched
    QTRY_COMPARE(ready.count(), 1);
    QVERIFY2(joined(install).contains("Successfully installed"), joined(install).constData());
}

// 7. baseDir/venv that the library did not make is neither used nor deleted.
void tst_Install::foreignVenvIsLeftAlone()
{
    QTemporaryDir dir;
    const QString base = dir.filePath(QStringLiteral("base"));
    const QString userFile = base + QStringLiteral("/venv/notes.txt");
    QVERIFY(QDir().mkpath(base + QStringLiteral("/venv")));
    QVERIFY(writeFile(userFile, "mine"));

    Config config = valueConfig(base);
    config.removeBaseDirOnClose = true;
    Venv venv(config);
    QSignalSpy failed(&venv, &Venv::startFailed);
    const Error error = venv.start();
    QCOMPARE(error.code, ErrorCode::InstallFailed);
    QVERIFY2(error.message.contains(base + QStringLiteral("/venv")), qPrintable(error.message));
    QCOMPARE(venv.state(), State::Idle);
    QTRY_COMPARE(failed.count(), 1);
    QCOMPARE(readAll(userFile), QByteArray("mine"));
    QCOMPARE(QDir(base + QStringLiteral("/venv")).entryList(QDir::AllEntries | QDir::NoDotAndDotDot),
             QStringList{QStringLiteral("notes.txt")});

    venv.close();
    QCOMPARE(readAll(userFile), QByteArray("mine"));
    QVERIFY(!QFileInfo::exists(base + QStringLiteral("/meta"))); // that one was ours
}

// 7b. A working venv the user made is not installed into: start() says why and names the Config
//     field that allows it. Without requirements it is used as it is. Never deleted.
void tst_Install::foreignVenvIsNotInstalledInto()
{
    QTemporaryDir dir;
    const QString base = dir.filePath(QStringLiteral("base"));
    const QString venvDir = base + QStringLiteral("/venv");
    QVERIFY(makeUserVenv(venvDir));

    {
        Venv venv(probeConfig(base, QStringLiteral("qtpyvenv_probe==1.0"), m_wheelsV1));
        QSignalSpy install(&venv, &Venv::installOutput);
        const Error error = venv.start();
        QCOMPARE(error.code, ErrorCode::InstallFailed);
        QVERIFY2(error.message.contains(venvDir), qPrintable(error.message));
        QVERIFY2(error.message.contains(QStringLiteral("not made by QtPyVenv")), qPrintable(error.message));
        QVERIFY2(error.message.contains(QStringLiteral("installIntoExistingVenv")), qPrintable(error.message));
        QCOMPARE(venv.state(), State::Idle);
        QVERIFY(installedModule(base, ProbeName).isEmpty());
        QCOMPARE(install.count(), 0);
    } // closed, removeBaseDirOnClose
    QCOMPARE(readAll(venvDir + QStringLiteral("/mine.txt")), QByteArray("the user's"));
    QVERIFY(QFileInfo(venvDir + QStringLiteral("/bin/python")).isExecutable());

    {
        Venv venv(valueConfig(base, 5));
        QVERIFY_OK(venv.start());
        QCOMPARE_VALUE(venv, 5);
        QVERIFY2(venv.pythonExecutable().startsWith(venvDir), qPrintable(venv.pythonExecutable()));
    }
    QCOMPARE(readAll(venvDir + QStringLiteral("/mine.txt")), QByteArray("the user's"));
    QVERIFY(QFileInfo(venvDir + QStringLiteral("/bin/python")).isExecutable());
    QVERIFY(!QFileInfo::exists(base + QStringLiteral("/meta")));
}

// 7c. Config::installIntoExistingVenv lets pip install into the user's venv; it is still never
//     deleted or recreated, also not for another interpreter.
void tst_Install::foreignVenvInstalledIntoOnlyWhenAllowed()
{
    QTemporaryDir dir;
    const QString base = dir.filePath(QStringLiteral("base"));
    const QString venvDir = base + QStringLiteral("/venv");
    QVERIFY(makeUserVenv(venvDir));

    Config config = probeConfig(base, QStringLiteral("qtpyvenv_probe==1.0"), m_wheelsV1);
    config.installIntoExistingVenv = true;
    {
        Venv venv(config);
        QVERIFY_OK(venv.start());
        QCOMPARE_VALUE(venv, QStringLiteral("one"));
        QVERIFY(!installedModule(base, ProbeName).isEmpty());
    }
    QCOMPARE(readAll(venvDir + QStringLiteral("/mine.txt")), QByteArray("the user's"));
    QVERIFY(!installedModule(base, ProbeName).isEmpty());
    QVERIFY(!QFileInfo::exists(base + QStringLiteral("/meta")));

    // The interpreter a venv of the library's would be recreated for.
    config.pythonInterpreter = QFileInfo(QStandardPaths::findExecutable(TestUtil::python())).canonicalFilePath();
    config.removeBaseDirOnClose = false;
    {
        Venv venv(config);
        QVERIFY_OK(venv.start());
        QCOMPARE_VALUE(venv, QStringLiteral("one"));
    }
    QCOMPARE(readAll(venvDir + QStringLiteral("/mine.txt")), QByteArray("the user's"));
}

// 7d. Config::venvDir: a venv made elsewhere with python -m venv is used (sys.prefix is it) and
//     close() with removeBaseDirOnClose leaves it byte for byte, also when baseDir/venv was the
//     library's before; meta/ stays under baseDir.
void tst_Install::existingVenvElsewhereIsUsed()
{
    QTemporaryDir dir;
    const QString base = dir.filePath(QStringLiteral("base"));
    const QString existing = dir.filePath(QStringLiteral("elsewhere"));
    QVERIFY(makeUserVenv(existing));
    const QStringList before = treeSnapshot(existing);

    Config config = TestUtil::config(base, {QStringLiteral("import sys\n\ndef value():\n    return sys.prefix\n")});
    config.removeBaseDirOnClose = false;
    {
        Venv venv(config); // state.json now says the library created a venv
        QVERIFY_OK(venv.start());
    }
    config.venvDir = existing;
    config.removeBaseDirOnClose = true;
    {
        Venv venv(config);
        QVERIFY_OK(venv.start());
        QCOMPARE_VALUE(venv, existing);
        QVERIFY2(venv.pythonExecutable().startsWith(existing), qPrintable(venv.pythonExecutable()));
        QVERIFY(QFileInfo::exists(base + QStringLiteral("/meta")));
    }
    QCOMPARE(treeSnapshot(existing), before);
}

// 7e. Requirements go into a Config::venvDir only with installIntoExistingVenv.
void tst_Install::existingVenvInstalledIntoOnlyWhenAllowed()
{
    QTemporaryDir dir;
    const QString existing = dir.filePath(QStringLiteral("elsewhere"));
    QVERIFY(makeUserVenv(existing));
    Config config = probeConfig(dir.filePath(QStringLiteral("base")), QStringLiteral("qtpyvenv_probe==1.0"), m_wheelsV1);
    config.venvDir = existing;
    {
        Venv venv(config);
        const Error error = venv.start();
        QCOMPARE(error.code, ErrorCode::InstallFailed);
        QVERIFY2(error.message.contains(existing), qPrintable(error.message));
        QVERIFY2(error.message.contains(QStringLiteral("installIntoExistingVenv")), qPrintable(error.message));
        QVERIFY(moduleIn(existing, ProbeName).isEmpty());
    }
    config.installIntoExistingVenv = true;
    {
        Venv venv(config);
        QVERIFY_OK(venv.start());
        QCOMPARE_VALUE(venv, QStringLiteral("one"));
    }
    QVERIFY(!moduleIn(existing, ProbeName).isEmpty()); // installed there, and kept
    QCOMPARE(readAll(existing + QStringLiteral("/mine.txt")), QByteArray("the user's"));
}

void tst_Install::existingDirWithoutInterpreter_data()
{
    QTest::addColumn<QString>("binEntry"); // what bin/ holds; "-" for no folder at all
    QTest::newRow("missing folder") << QStringLiteral("-");
    QTest::newRow("empty folder") << QString();
    QTest::newRow("bin without python") << QStringLiteral("pip");
    QTest::newRow("python not executable") << QStringLiteral("python");
}

// 7f. A Config::venvDir without a runnable interpreter is StartFailed naming the folder; nothing
//     is made in it.
void tst_Install::existingDirWithoutInterpreter()
{
    QFETCH(QString, binEntry);
    QTemporaryDir dir;
    const QString existing = dir.filePath(QStringLiteral("env"));
    if (binEntry != QLatin1String("-"))
        QVERIFY(QDir().mkpath(existing + QStringLiteral("/bin")));
    if (binEntry != QLatin1String("-") && !binEntry.isEmpty())
        QVERIFY(writeFile(existing + QStringLiteral("/bin/") + binEntry, "not a program"));
    const QStringList before = treeSnapshot(existing);

    Config config = valueConfig(dir.filePath(QStringLiteral("base")));
    config.venvDir = existing;
    Venv venv(config);
    const Error error = venv.start();
    QCOMPARE(error.code, ErrorCode::StartFailed);
    QVERIFY2(error.message.contains(existing), qPrintable(error.message));
    QVERIFY2(error.message.contains(QStringLiteral("Config::venvDir")), qPrintable(error.message));
    QCOMPARE(venv.state(), State::Idle);
    venv.close();
    QCOMPARE(treeSnapshot(existing), before);
    QCOMPARE(QFileInfo::exists(existing), binEntry != QLatin1String("-"));
}

// 7g. A conda environment: bin/python and conda-meta/, no pyvenv.cfg.
void tst_Install::existingCondaLayoutIsAccepted()
{
    QTemporaryDir dir;
    const QString conda = dir.filePath(QStringLiteral("conda/envs/work"));
    QVERIFY(QDir().mkpath(conda + QStringLiteral("/bin")));
    QVERIFY(QDir().mkpath(conda + QStringLiteral("/conda-meta")));
    QVERIFY(writeFile(conda + QStringLiteral("/conda-meta/history"), "==> 2024-01-01 <==\n"));
    const QString python = QFileInfo(QStandardPaths::findExecutable(TestUtil::python())).canonicalFilePath();
    QVERIFY(QFile::link(python, conda + QStringLiteral("/bin/python")));
    const QStringList before = treeSnapshot(conda);

    Config config = valueConfig(dir.filePath(QStringLiteral("base")), 7);
    config.venvDir = conda;
    {
        Venv venv(config);
        QVERIFY_OK(venv.start());
        QCOMPARE_VALUE(venv, 7);
    }
    QCOMPARE(treeSnapshot(conda), before);
}

// 8a. A user's existing baseDir: close() removes venv/ and meta/ and keeps everything else.
void tst_Install::closeRemovesOnlyWhatWasCreated()
{
    QTemporaryDir dir;
    const QString base = dir.path();
    QVERIFY(writeFile(base + QStringLiteral("/user.txt"), "mine"));
    QVERIFY(QDir().mkpath(base + QStringLiteral("/data")));
    QVERIFY(writeFile(base + QStringLiteral("/data/more.txt"), "also mine"));

    Venv venv(TestUtil::config(base, {QStringLiteral("print('hello')\n\ndef value():\n    return 1\n")}));
    QVERIFY_OK(venv.start());
    QCOMPARE_VALUE(venv, 1);
    QVERIFY(QFileInfo::exists(base + QStringLiteral("/venv/pyvenv.cfg")));
    QVERIFY(QFileInfo::exists(base + QStringLiteral("/meta")));
    venv.close();

    QVERIFY(!QFileInfo::exists(base + QStringLiteral("/venv")));
    QVERIFY(!QFileInfo::exists(base + QStringLiteral("/meta")));
    QVERIFY(QFileInfo::exists(base));
    QCOMPARE(readAll(base + QStringLiteral("/user.txt")), QByteArray("mine"));
    QCOMPARE(readAll(base + QStringLiteral("/data/more.txt")), QByteArray("also mine"));
    QCOMPARE(QDir(base).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden),
             (QStringList{QStringLiteral("data"), QStringLiteral("user.txt")}));
}

// 8b. No baseDir configured: the library's temporary directory goes entirely.
void tst_Install::closeRemovesTemporaryBaseDir()
{
    Venv venv(valueConfig(QString()));
    const QString base = venv.config().baseDir;
    QVERIFY(!base.isEmpty());
    QVERIFY(base.startsWith(QDir::tempPath()));
    QVERIFY_OK(venv.start());
    QCOMPARE_VALUE(venv, 1);
    QVERIFY(QFileInfo::exists(base + QStringLiteral("/venv/pyvenv.cfg")));
    venv.close();
    QVERIFY(!QFileInfo::exists(base));
}

// 8c. A configured baseDir that did not exist: the library made it, so close() removes it.
void tst_Install::closeRemovesCreatedBaseDir()
{
    QTemporaryDir dir;
    const QString base = dir.filePath(QStringLiteral("new/base"));
    Venv venv(valueConfig(base));
    QVERIFY_OK(venv.start());
    QCOMPARE_VALUE(venv, 1);
    venv.close();
    QVERIFY(!QFileInfo::exists(base));
}

// 8d. removeBaseDirOnClose == false keeps the venv for the next run.
void tst_Install::closeKeepsVenvWhenNotRemoving()
{
    QTemporaryDir dir;
    const QString base = dir.filePath(QStringLiteral("base"));
    Config config = valueConfig(base);
    config.removeBaseDirOnClose = false;
    Venv venv(config);
    QVERIFY_OK(venv.start());
    venv.close();
    QVERIFY(QFileInfo(base + QStringLiteral("/venv/bin/python")).isExecutable());
    QVERIFY(QFileInfo::exists(base + QStringLiteral("/meta/state.json")));

    Config keep = valueConfig(QString());
    keep.removeBaseDirOnClose = false;
    Venv kept(keep);
    const QString keptBase = kept.config().baseDir;
    QVERIFY_OK(kept.start());
    kept.close();
    QVERIFY(QFileInfo::exists(keptBase + QStringLiteral("/venv/pyvenv.cfg")));
    QVERIFY(QDir(keptBase).removeRecursively());
}

// 9. Two Venvs starting at once on one new baseDir share one venv; closing one with
//    removeBaseDirOnClose leaves the venv the other one uses.
void tst_Install::concurrentStartsShareOneVenv()
{
    QTemporaryDir dir;
    const QString base = dir.filePath(QStringLiteral("shared"));
    // value() reloads the module from disk, so it fails if the venv was removed underneath.
    Config config = probeConfig(base, QStringLiteral("qtpyvenv_probe==1.0"), m_wheelsV1);
    config.sources = {QStringLiteral("import importlib\nimport qtpyvenv_probe\n\n"
                                     "def value():\n"
                                     "    return importlib.reload(qtpyvenv_probe).VALUE\n")};
    config.removeBaseDirOnClose = true;

    Venv a(config);
    Venv b(config);
    QSignalSpy installA(&a, &Venv::installOutput);
    QSignalSpy installB(&b, &Venv::installOutput);
    QSignalSpy readyA(&a, &Venv::ready);
    QSignalSpy readyB(&b, &Venv::ready);
    Error errorA, errorB;
    std::thread threadA([&] { errorA = a.start(); });
    std::thread threadB([&] { errorB = b.start(); });
    threadA.join();
    threadB.join();
    QVERIFY_OK(errorA);
    QVERIFY_OK(errorB);
    QCOMPARE(a.state(), State::Ready);
    QCOMPARE(b.state(), State::Ready);
    QCOMPARE_VALUE(a, QStringLiteral("one"));
    QCOMPARE_VALUE(b, QStringLiteral("one"));
    QVERIFY(a.processId() != b.processId());

    // The install lock serialised them: one installed, the other found it done.
    QTRY_COMPARE(readyA.count(), 1);
    QTRY_COMPARE(readyB.count(), 1);
    const bool aInstalled = joined(installA).contains("Successfully installed");
    const bool bInstalled = joined(installB).contains("Successfully installed");
    QVERIFY2(aInstalled != bInstalled, (joined(installA) + "\n----\n" + joined(installB)).constData());
    QCOMPARE((aInstalled ? installB : installA).count(), 0);

    a.close();
    QCOMPARE(a.state(), State::Closed);
    QVERIFY(QFileInfo(base + QStringLiteral("/venv/bin/python")).isExecutable());
    QVERIFY(!installedModule(base, ProbeName).isEmpty());
    QVERIFY(QFileInfo::exists(base + QStringLiteral("/meta/state.json")));
    QCOMPARE_VALUE(b, QStringLiteral("one"));

    // Still warm: a third Venv starts on it without pip.
    {
        Venv c(config);
        QSignalSpy install(&c, &Venv::installOutput);
        QSignalSpy ready(&c, &Venv::ready);
        QVERIFY_OK(c.start());
        QCOMPARE_VALUE(c, QStringLiteral("one"));
        QTRY_COMPARE(ready.count(), 1);
        QCOMPARE(install.count(), 0);
    } // closed while b still runs: nothing removed
    QVERIFY(!installedModule(base, ProbeName).isEmpty());
    QCOMPARE_VALUE(b, QStringLiteral("one"));

    // The last one out removes it.
    b.close();
    QVERIFY(!QFileInfo::exists(base + QStringLiteral("/venv")));
    QVERIFY(!QFileInfo::exists(base + QStringLiteral("/meta")));
}

// 10. A deadline that passes during start() is Timeout and leaves nothing running.
void tst_Install::deadlineDuringStart()
{
    QTemporaryDir dir;
    const QString base = dir.filePath(QStringLiteral("slow"));
    // The worker cannot load these sources before the deadline.
    Config slowConfig = TestUtil::config(base, {QStringLiteral("import time\ntime.sleep(5)\n\n"
                                                               "def value():\n    return 0\n")});
    slowConfig.removeBaseDirOnClose = false;
    {
        Venv slow(slowConfig);
        QSignalSpy failed(&slow, &Venv::startFailed);
        QElapsedTimer timer;
        timer.start();
        const Error error = slow.start(QDeadlineTimer(300));
        QCOMPARE(error.code, ErrorCode::Timeout);
        QVERIFY2(timer.elapsed() < 4000, qPrintable(QString::number(timer.elapsed())));
        QVERIFY(!error.message.isEmpty());
        QCOMPARE(slow.state(), State::Idle);
        QCOMPARE(slow.processId(), 0);
        QCOMPARE(TestUtil::liveChildren(), QList<qint64>());
        QTRY_COMPARE(failed.count(), 1);
        QCOMPARE(errorAt(failed, 0).code, ErrorCode::Timeout);
    }

    // A 1 ms deadline expires while the venv is being created.
    const QString coldBase = dir.filePath(QStringLiteral("cold"));
    Venv quick(valueConfig(coldBase, 2));
    const Error error = quick.start(QDeadlineTimer(1));
    QCOMPARE(error.code, ErrorCode::Timeout);
    QCOMPARE(quick.state(), State::Idle);
    QCOMPARE(TestUtil::liveChildren(), QList<qint64>());
    // Whatever the timeout left half done, the next start (same Venv, no deadline) works.
    QVERIFY_OK(quick.start());
    QCOMPARE_VALUE(quick, 2);

    // So does another Venv on the baseDir the slow one gave up on.
    Venv fast(valueConfig(base, 3));
    QVERIFY_OK(fast.start(QDeadlineTimer(60000)));
    QCOMPARE_VALUE(fast, 3);
}

// 10b. A Venv closing on the same baseDir removes meta/ (lock files included) while another
//      waits for the install lock: the waiting one makes it again and starts.
void tst_Install::metaRemovedWhileWaitingForInstallLock()
{
    QTemporaryDir dir;
    const QString base = dir.filePath(QStringLiteral("base"));
    const QString meta = base + QStringLiteral("/meta");
    QVERIFY(QDir().mkpath(meta));
    // Hold the install lock as another Venv (or process) would.
    int lockFd = ::open(QFile::encodeName(meta + QStringLiteral("/install.lock")).constData(),
                        O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    Venv venv(valueConfig(base, 4));
    Error error = notReturned();
    std::thread starter; // joined before venv and error go
    const auto cleanUp = qScopeGuard([&] {
        if (lockFd >= 0)
            ::close(lockFd);
        if (starter.joinable())
            starter.join();
    });
    QVERIFY(lockFd >= 0);
    QCOMPARE(::flock(lockFd, LOCK_EX | LOCK_NB), 0);

    starter = std::thread([&] { error = venv.start(QDeadlineTimer(60000)); });
    QTRY_COMPARE(venv.state(), State::Starting);
    QVERIFY(!QFileInfo::exists(base + QStringLiteral("/venv"))); // held up by the lock
    // Taken away in one step: the waiting Venv opens meta/'s lock file again now and then, which
    // could refill the folder between a recursive removal's unlinks and its rmdir().
    QVERIFY(QDir().rename(meta, base + QStringLiteral("/meta.removed")));
    ::close(std::exchange(lockFd, -1));
    starter.join();
    QVERIFY_OK(error);
    QCOMPARE_VALUE(venv, 4);
}

// 10c. A deadline or close() stops a venv creation that hangs, and kills what it spawned.
void tst_Install::slowInstallToolIsKilled()
{
    QTemporaryDir dir;
    // A bootstrap "interpreter" that says hello and then hangs, with a child of its own.
    const QString script = dir.filePath(QStringLiteral("hanging-python"));
    // A sleep only this process runs (other test processes may run this test at the same time);
    // /proc/PID/cmdline ends each argument with a NUL, so the needle matches it exactly.
    const QByteArray sleepSeconds = "31." + QByteArray::number(qint64(::getpid()));
    const QByteArray sleepNeedle = "sleep" + QByteArray(1, '\0') + sleepSeconds + QByteArray(1, '\0');
    QVERIFY(writeFile(script, "#!/bin/sh\necho hanging-python started\nsleep " + sleepSeconds + "\n"));
    QVERIFY(QFile::setPermissions(script, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
    Config config = valueConfig(dir.filePath(QStringLiteral("base")));
    config.pythonInterpreter = script;

    {
        Venv venv(config);
        QElapsedTimer timer;
        timer.start();
        const Error error = venv.start(QDeadlineTimer(500));
        QCOMPARE(error.code, ErrorCode::Timeout);
        QVERIFY2(timer.elapsed() < 5000, qPrintable(QString::number(timer.elapsed())));
        QCOMPARE(venv.state(), State::Idle);
        QCOMPARE(TestUtil::liveChildren(), QList<qint64>());
        QTRY_VERIFY(TestUtil::processesMentioning(script.toUtf8()).isEmpty());
        QTRY_VERIFY(TestUtil::processesMentioning(sleepNeedle).isEmpty());
    }
    TestUtil::closeWhileInstalling(config, "hanging-python started", {script.toUtf8(), sleepNeedle});
    if (QTest::currentTestFailed())
        return;
    QVERIFY(!QFileInfo::exists(config.baseDir)); // made by start(), removed by close()
}

// 10d. pip runs with the interpreter's real executable, not through a wrapper script such as a
//      pyenv shim (which rehashes after "-m pip" and fails when two rehash at once).
void tst_Install::pipRunsWithoutInterpreterWrapper()
{
    QTemporaryDir dir;
    const QString wrapper = dir.filePath(QStringLiteral("python-wrapper"));
    QVERIFY(writeFile(wrapper, "#!/bin/sh\n"
                               "case \" $* \" in *\" -m pip \"*) echo 'wrapper: no pip through me'; exit 3;; esac\n"
                               "exec " + TestUtil::python().toUtf8() + " \"$@\"\n"));
    QVERIFY(QFile::setPermissions(wrapper, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
    Config config = probeConfig(dir.filePath(QStringLiteral("base")), QStringLiteral("qtpyvenv_probe==1.0"), m_wheelsV1);
    config.pythonInterpreter = wrapper;
    Venv venv(config);
    QSignalSpy install(&venv, &Venv::installOutput);
    QSignalSpy ready(&venv, &Venv::ready);
    QVERIFY_OK(venv.start());
    QCOMPARE_VALUE(venv, QStringLiteral("one"));
    QTRY_COMPARE(ready.count(), 1);
    QVERIFY2(joined(install).contains("Successfully installed"), joined(install).constData());
}

// 10e. A second Venv on the baseDir another one's worker runs from installs other requirements
//      into the venv meanwhile (what the app does to keep its last good worker): a failed
//      install and a good one both leave the running worker serving, with the modules it loaded.
void tst_Install::installWhileAnotherServes()
{
    QTemporaryDir dir;
    const QString base = dir.filePath(QStringLiteral("base"));
    const QString links = dir.filePath(QStringLiteral("links"));
    QVERIFY(QDir().mkpath(links));
    for (const QString &wheel : {m_wheelsV1 + QStringLiteral("/qtpyvenv_probe-1.0-py3-none-any.whl"),
                                 m_wheelsV2 + QStringLiteral("/qtpyvenv_probe-2.0-py3-none-any.whl")})
        QVERIFY(QFile::copy(wheel, links + QLatin1Char('/') + QFileInfo(wheel).fileName()));
    Config config = probeConfig(base, QStringLiteral("qtpyvenv_probe==1.0"), links);
    config.removeBaseDirOnClose = false;
    Venv serving(config);
    QVERIFY_OK(serving.start());
    QCOMPARE_VALUE(serving, QStringLiteral("one"));

    config.requirements = {QStringLiteral("qtpyvenv_probe==2.0"), QStringLiteral("qtpyvenv_missing==1.0")};
    {
        Venv failing(config);
        const Error error = failing.start();
        QCOMPARE(error.code, ErrorCode::InstallFailed);
        QVERIFY2(error.message.contains(QStringLiteral("qtpyvenv_missing")), qPrintable(error.message));
    }
    QCOMPARE_VALUE(serving, QStringLiteral("one"));

    config.requirements = {QStringLiteral("qtpyvenv_probe==2.0")};
    Venv next(config);
    QSignalSpy install(&next, &Venv::installOutput);
    QVERIFY_OK(next.start());
    QCOMPARE_VALUE(next, QStringLiteral("two"));
    QCOMPARE_VALUE(serving, QStringLiteral("one"));
    QTRY_VERIFY2(joined(install).contains("Successfully installed"), joined(install).constData());
    serving.close();
    QCOMPARE_VALUE(next, QStringLiteral("two"));
}

// 11.
void tst_Install::cleanupTestCase()
{
    QCOMPARE(TestUtil::liveChildren(), QList<qint64>());
}

QTEST_GUILESS_MAIN(tst_Install)
#include "tst_install.moc"
