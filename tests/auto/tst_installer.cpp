// SPDX-License-Identifier: MIT
// Config::installer with a fake uv the test writes (it logs its arguments and succeeds, fails or
// hangs on demand): which installer Auto picks, the command lines uv gets, its failures, the pip
// options uv does not know, and the requirement key shared by pip and uv. Real uv runs in the
// third-party tests (tests/pydata/tst_uv).
#include "testutil.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonValue>
#include <QLoggingCategory>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QStandardPaths>

using namespace QtPyVenv;

namespace {

using TestUtil::joined;
using TestUtil::readAll;
using TestUtil::str;
using TestUtil::writeFile;

using TestUtil::ProbeSource;

const QString ValueSource = QStringLiteral("def value():\n    return 1\n");

/*
 * A stand-in for uv: a Python script named uv that appends its arguments to a log, one JSON
 * array a line. "venv" makes a real venv with the --python interpreter, whose pyvenv.cfg says
 * version_info like uv's; "pip install" does nothing. The mode makes either fail with 20
 * numbered lines, or makes pip install hang.
 */
class FakeUv
{
public:
    enum Mode { Succeed, FailVenv, FailInstall, HangInstall };

    FakeUv(const QString &dir, const QString &python, Mode mode = Succeed)
        : m_dir(dir)
        , m_python(python)
    {
        QDir().mkpath(dir);
        setMode(mode);
    }

    QString dir() const { return m_dir; }
    QString path() const { return m_dir + QStringLiteral("/uv"); }
    QString logPath() const { return m_dir + QStringLiteral("/uv.log"); }

    bool setMode(Mode mode)
    {
        static const char *const names[] = {"succeed", "fail-venv", "fail-install", "hang-install"};
        const QByteArray script = "#!" + QFile::encodeName(m_python) + "\nLOG = " + quoted(logPath()) + "\nMODE = \""
            + names[mode] + "\"\n" + R"PY(
import json, os, subprocess, sys, time
args = sys.argv[1:]
with open(LOG, "a") as log:
    log.write(json.dumps(args) + "\n")

def fail(what):
    for n in range(1, 21):
        print("fake uv %s line %02d" % (what, n), file=sys.stderr)
    sys.exit(2)

if args[:1] == ["venv"]:
    if MODE == "fail-venv":
        fail("venv")
    target = args[-1]
    code = subprocess.call([args[args.index("--python") + 1], "-m", "venv", "--without-pip", target])
    cfg = os.path.join(target, "pyvenv.cfg")
    lines = open(cfg).read().splitlines()
    with open(cfg, "w") as out:
        for line in lines:
            out.write(line.replace("version =", "version_info =", 1) + "\n")
        out.write("uv = 0.0.0-fake\n")
    sys.exit(code)
if args[:2] == ["pip", "install"]:
    if MODE == "fail-install":
        fail("install")
    if MODE == "hang-install":
        print("fake uv hangs", flush=True)
        time.sleep(60)
    print("fake uv installed")
    sys.exit(0)
sys.exit(64)
)PY";
        return writeFile(path(), script)
            && QFile::setPermissions(path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    }

    //! The arguments of each run so far, oldest first.
    QList<QStringList> runs() const
    {
        QList<QStringList> runs;
        for (const QByteArray &line : readAll(logPath()).split('\n')) {
            if (line.isEmpty())
                continue;
            QStringList arguments;
            for (const QJsonValue &argument : QJsonDocument::fromJson(line).array())
                arguments << argument.toString();
            runs << arguments;
        }
        return runs;
    }

    //! How many runs began with \a command ("venv", "pip").
    qsizetype count(const QString &command) const
    {
        const QList<QStringList> all = runs();
        return std::count_if(all.begin(), all.end(), [&](const QStringList &run) { return run.value(0) == command; });
    }

private:
    static QByteArray quoted(const QString &text)
    {
        return QJsonDocument(QJsonArray{text}).toJson(QJsonDocument::Compact).mid(1).chopped(1);
    }

    QString m_dir;
    QString m_python;
};

Error errorAt(const QSignalSpy &spy, qsizetype index)
{
    return spy.at(index).at(0).value<Error>();
}

} // namespace

class tst_Installer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();

    void autoUsesUvFromToolSearchPaths();
    void toolSearchPathsComeBeforePath();
    void autoUsesPipWithoutUv();
    void uvNotFoundUnderUvIsStartFailed();
    void failingUvIsInstallFailed_data();
    void failingUvIsInstallFailed();
    void pipOptionsUnderUv_data();
    void pipOptionsUnderUv();
    void optionUnknownToUvFallsBackToPipUnderAuto();
    void sameRequirementKeyInstallsOnce();
    void pipVenvIsTakenOverByUv();
    void uvVenvPythonVersionIsInTheKey();
    void foreignVenvRulesHoldForUv();
    void hangingUvIsKilled();

    void cleanupTestCase();

private:
    //! The probe requirement from the test's wheels under Auto; uv from \a uv's folder when given.
    Config config(const QString &baseDir, const FakeUv *uv = nullptr, const QString &source = ValueSource) const;

    QTemporaryDir m_root;
    QString m_python;  // the bootstrap interpreter's real executable
    QString m_wheels;  // qtpyvenv_probe 1.0, VALUE == "one"
    QByteArray m_path; // PATH as the test found it
};

Config tst_Installer::config(const QString &baseDir, const FakeUv *uv, const QString &source) const
{
    Config config = TestUtil::config(baseDir, {source});
    if (uv)
        config.toolSearchPaths = {uv->dir()};
    config.installer = Installer::Auto;
    config.pythonInterpreter = m_python;
    config.requirements = {QStringLiteral("qtpyvenv_probe==1.0")};
    config.pipOptions = {QStringLiteral("--no-index"), QStringLiteral("--find-links"), m_wheels};
    return config;
}

void tst_Installer::initTestCase()
{
    QVERIFY(m_root.isValid());
    QProcess probe;
    probe.start(TestUtil::python(), {QStringLiteral("-c"), QStringLiteral("import sys; print(sys.executable)")});
    QVERIFY(probe.waitForFinished(60000) && probe.exitCode() == 0);
    m_python = QString::fromLocal8Bit(probe.readAllStandardOutput().trimmed());
    QVERIFY(QFileInfo(m_python).isExecutable());

    m_wheels = m_root.filePath(QStringLiteral("wheels"));
    QVERIFY(QDir().mkpath(m_wheels));
    QVERIFY(!TestUtil::buildWheel(m_wheels, QStringLiteral("qtpyvenv_probe"), QStringLiteral("1.0"),
                                  QStringLiteral("VALUE = \"one\"\n"))
                 .isEmpty());

    // Only the fakes may be found: PATH loses the folders that hold a real uv.
    m_path = qgetenv("PATH");
    QStringList path;
    for (const QString &dir : QString::fromLocal8Bit(m_path).split(QLatin1Char(':'), Qt::SkipEmptyParts)) {
        if (QStandardPaths::findExecutable(QStringLiteral("uv"), {dir}).isEmpty())
            path << dir;
    }
    qputenv("PATH", path.join(QLatin1Char(':')).toLocal8Bit());
}

void tst_Installer::cleanup()
{
    QCOMPARE(TestUtil::liveChildren(), QList<qint64>());
}

// 1. Auto runs uv from Config::toolSearchPaths, with the arguments as they are: no shell.
void tst_Installer::autoUsesUvFromToolSearchPaths()
{
    QTemporaryDir dir;
    const FakeUv uv(dir.filePath(QStringLiteral("tools")), m_python);
    const QString base = dir.filePath(QStringLiteral("base"));
    const QString pwned = dir.filePath(QStringLiteral("pwned"));
    const QString links = dir.filePath(QStringLiteral("links $(touch %1); 'q' \"d\" *").arg(pwned));
    QVERIFY(QDir().mkpath(links));
    Config config = this->config(base, &uv);
    config.pipOptions = {QStringLiteral("--no-index"), QStringLiteral("--find-links"), links};
    QCOMPARE(resolvedInstaller(config), Installer::Uv);

    Venv venv(config);
    QSignalSpy install(&venv, &Venv::installOutput);
    QSignalSpy phases(&venv, &Venv::startPhaseChanged);
    QSignalSpy ready(&venv, &Venv::ready);
    QVERIFY_OK(venv.start());
    QTRY_COMPARE(ready.count(), 1);

    const QString venvDir = base + QStringLiteral("/venv");
    const QList<QStringList> expected = {
        {QStringLiteral("venv"), QStringLiteral("--no-project"), QStringLiteral("--python"), m_python, venvDir},
        {QStringLiteral("pip"), QStringLiteral("install"), QStringLiteral("--python"), venvDir + QStringLiteral("/bin/python"),
         QStringLiteral("--no-index"), QStringLiteral("--find-links"), links, QStringLiteral("qtpyvenv_probe==1.0")},
    };
    QCOMPARE(uv.runs(), expected);
    QVERIFY(!QFileInfo::exists(pwned));
    QVERIFY2(joined(install).contains("fake uv installed"), joined(install).constData());
    QCOMPARE(phases.count(), 3);
    QCOMPARE(phases.at(0).at(0).value<StartPhase>(), StartPhase::CreatingVenv);
    QCOMPARE(phases.at(1).at(0).value<StartPhase>(), StartPhase::Installing);
    QVERIFY(!QFileInfo::exists(venvDir + QStringLiteral("/bin/pip")));
}

// 2. Config::toolSearchPaths is searched before PATH; without it, PATH's uv runs.
void tst_Installer::toolSearchPathsComeBeforePath()
{
    QTemporaryDir dir;
    const FakeUv onPath(dir.filePath(QStringLiteral("on-path")), m_python);
    const FakeUv ownTools(dir.filePath(QStringLiteral("own-tools")), m_python);
    const QByteArray path = qgetenv("PATH");
    qputenv("PATH", onPath.dir().toLocal8Bit() + ':' + path);
    const auto restore = qScopeGuard([path] { qputenv("PATH", path); });

    Config config = this->config(dir.filePath(QStringLiteral("first")));
    config.toolSearchPaths = {dir.filePath(QStringLiteral("empty")), ownTools.dir()};
    {
        Venv venv(config);
        QVERIFY_OK(venv.start());
    }
    QCOMPARE(ownTools.count(QStringLiteral("pip")), 1);
    QCOMPARE(onPath.runs(), QList<QStringList>());

    config.baseDir = dir.filePath(QStringLiteral("second"));
    config.toolSearchPaths.clear();
    {
        Venv venv(config);
        QVERIFY_OK(venv.start());
    }
    QCOMPARE(onPath.count(QStringLiteral("venv")), 1);
    QCOMPARE(onPath.count(QStringLiteral("pip")), 1);
    QCOMPARE(ownTools.count(QStringLiteral("pip")), 1);
}

// 3. Without uv, Auto is pip: python -m venv and pip's own output.
void tst_Installer::autoUsesPipWithoutUv()
{
    QTemporaryDir dir;
    const QString base = dir.filePath(QStringLiteral("base"));
    Config config = this->config(base, nullptr, ProbeSource);
    config.toolSearchPaths = {dir.filePath(QStringLiteral("no-tools-here"))};
    QCOMPARE(resolvedInstaller(config), Installer::Pip);
    Venv venv(config);
    QSignalSpy install(&venv, &Venv::installOutput);
    QVERIFY_OK(venv.start());
    QCOMPARE_VALUE(venv, QStringLiteral("one"));
    QTRY_VERIFY2(joined(install).contains("Successfully installed"), joined(install).constData());
    QVERIFY(readAll(base + QStringLiteral("/venv/pyvenv.cfg")).contains("\nversion = "));
}

// 4. Installer::Uv without a uv: StartFailed saying so; no venv is made, and none is thrown away
//    for a new one uv cannot make.
void tst_Installer::uvNotFoundUnderUvIsStartFailed()
{
    QTemporaryDir dir;
    const QString base = dir.filePath(QStringLiteral("base"));
    Config config = this->config(base);
    config.installer = Installer::Uv;
    config.toolSearchPaths = {dir.path()};
    QCOMPARE(resolvedInstaller(config), Installer::Uv);
    auto startFails = [&] {
        Venv venv(config);
        const Error error = venv.start();
        QCOMPARE(error.code, ErrorCode::StartFailed);
        QVERIFY2(error.message.contains(QStringLiteral("uv")) && error.message.contains(QStringLiteral("PATH")),
                 qPrintable(error.message));
        QCOMPARE(venv.state(), State::Idle);
    };
    startFails();
    QVERIFY(!QFileInfo::exists(base + QStringLiteral("/venv")));

    // A venv made for another interpreter would be recreated: not without a uv to do it.
    config.removeBaseDirOnClose = false;
    config.installer = Installer::Pip;
    {
        Venv venv(config);
        QVERIFY_OK(venv.start());
    }
    QVERIFY(writeFile(base + QStringLiteral("/venv/mine.txt"), "kept"));
    config.installer = Installer::Uv;
    config.pythonInterpreter = TestUtil::python(); // spelled otherwise: the venv is stale
    QVERIFY(config.pythonInterpreter != m_python);
    startFails();
    QCOMPARE(readAll(base + QStringLiteral("/venv/mine.txt")), QByteArray("kept"));
}

// 5. uv failing: InstallFailed ending with its last lines, nothing recorded as installed.
void tst_Installer::failingUvIsInstallFailed_data()
{
    QTest::addColumn<int>("mode");
    QTest::addColumn<QString>("what");
    QTest::addColumn<QString>("step");
    QTest::newRow("venv") << int(FakeUv::FailVenv) << QStringLiteral("venv") << QStringLiteral("creating the venv with ");
    QTest::newRow("pip install") << int(FakeUv::FailInstall) << QStringLiteral("install")
                                 << QStringLiteral("uv pip install failed: it exited with code 2");
}

void tst_Installer::failingUvIsInstallFailed()
{
    QFETCH(int, mode);
    QFETCH(QString, what);
    QFETCH(QString, step);
    QTemporaryDir dir;
    FakeUv uv(dir.filePath(QStringLiteral("tools")), m_python, FakeUv::Mode(mode));
    const QString base = dir.filePath(QStringLiteral("base"));
    Config config = this->config(base, &uv);
    config.installer = Installer::Uv;
    Venv venv(config);
    QSignalSpy install(&venv, &Venv::installOutput);
    QSignalSpy failed(&venv, &Venv::startFailed);

    const Error error = venv.start();
    QCOMPARE(error.code, ErrorCode::InstallFailed);
    QVERIFY2(error.message.startsWith(step), qPrintable(error.message));
    // The last 12 lines, up to the last one.
    QVERIFY2(error.message.endsWith(QStringLiteral("fake uv %1 line 20").arg(what)), qPrintable(error.message));
    QVERIFY2(error.message.contains(QStringLiteral("fake uv %1 line 09").arg(what)), qPrintable(error.message));
    QVERIFY2(!error.message.contains(QStringLiteral("fake uv %1 line 08").arg(what)), qPrintable(error.message));
    QCOMPARE(venv.state(), State::Idle);
    QCOMPARE(TestUtil::liveChildren(), QList<qint64>());
    QTRY_COMPARE(failed.count(), 1);
    QCOMPARE(errorAt(failed, 0).message, error.message);
    QTRY_VERIFY(joined(install).contains(QStringLiteral("fake uv %1 line 01").arg(what).toUtf8()));

    // Nothing was recorded as installed: once uv works, the same start installs.
    QVERIFY(uv.setMode(FakeUv::Succeed));
    QVERIFY_OK(venv.start());
    QCOMPARE(uv.count(QStringLiteral("pip")), mode == FakeUv::FailInstall ? 2 : 1);
}

// 6. Under Installer::Uv the pip options uv knows reach it as they were written, in their order;
//    one it does not know is InvalidConfig naming it, and nothing runs.
void tst_Installer::pipOptionsUnderUv_data()
{
    QTest::addColumn<QStringList>("options");
    QTest::addColumn<QString>("unknown");
    const QString dir = QStringLiteral("/nonexistent/wheels");
    QTest::newRow("-f DIR") << QStringList{QStringLiteral("--no-index"), QStringLiteral("-f"), dir} << QString();
    QTest::newRow("--find-links=DIR") << QStringList{QStringLiteral("--no-index"), QStringLiteral("--find-links=") + dir}
                                      << QString();
    QTest::newRow("-fDIR") << QStringList{QStringLiteral("-f") + dir} << QString();
    QTest::newRow("index urls") << QStringList{QStringLiteral("-i"), QStringLiteral("https://example.invalid/simple"),
                                               QStringLiteral("--extra-index-url"), QStringLiteral("https://example.invalid/x")}
                                << QString();
    QTest::newRow("flags") << QStringList{QStringLiteral("--pre"), QStringLiteral("--no-deps"), QStringLiteral("-U"),
                                          QStringLiteral("--force-reinstall"), QStringLiteral("--no-cache-dir")}
                           << QString();
    QTest::newRow("short group") << QStringList{QStringLiteral("-qq"), QStringLiteral("-Uv")} << QString();
    QTest::newRow("files") << QStringList{QStringLiteral("-c"), QStringLiteral("constraints.txt"), QStringLiteral("--requirement"),
                                          QStringLiteral("--looks-like-an-option.txt")}
                           << QString();
    QTest::newRow("binaries") << QStringList{QStringLiteral("--only-binary"), QStringLiteral(":all:"),
                                             QStringLiteral("--no-binary=:none:")}
                              << QString();

    QTest::newRow("unknown flag") << QStringList{QStringLiteral("--prefer-binary")} << QStringLiteral("--prefer-binary");
    QTest::newRow("unknown with a value") << QStringList{QStringLiteral("--no-index"), QStringLiteral("--timeout"), QStringLiteral("10")}
                                          << QStringLiteral("--timeout");
    QTest::newRow("unknown after =") << QStringList{QStringLiteral("--find-links=x"), QStringLiteral("--retries=3")}
                                     << QStringLiteral("--retries=3");
    QTest::newRow("unknown short") << QStringList{QStringLiteral("-I")} << QStringLiteral("-I");
    QTest::newRow("unknown in a short group") << QStringList{QStringLiteral("-qI")} << QStringLiteral("-qI");
    QTest::newRow("short with =") << QStringList{QStringLiteral("-i=https://example.invalid/simple")}
                                  << QStringLiteral("-i=https://example.invalid/simple");
    QTest::newRow("abbreviated") << QStringList{QStringLiteral("--no-ind")} << QStringLiteral("--no-ind");
    QTest::newRow("lone dash") << QStringList{QStringLiteral("-")} << QStringLiteral("-");
}

void tst_Installer::pipOptionsUnderUv()
{
    QFETCH(QStringList, options);
    QFETCH(QString, unknown);
    QTemporaryDir dir;
    const FakeUv uv(dir.filePath(QStringLiteral("tools")), m_python);
    const QString base = dir.filePath(QStringLiteral("base"));
    Config config = this->config(base, &uv);
    config.installer = Installer::Uv;
    config.pipOptions = options;
    Venv venv(config);
    const Error error = venv.start();
    if (unknown.isEmpty()) {
        QVERIFY_OK(error);
        QCOMPARE(uv.runs().value(1).mid(4), options + config.requirements); // after pip install --python PATH
        return;
    }
    QCOMPARE(error.code, ErrorCode::InvalidConfig);
    QVERIFY2(error.message.contains(QLatin1Char('"') + unknown + QLatin1Char('"')), qPrintable(error.message));
    QVERIFY(!QFileInfo::exists(base));
    QCOMPARE(uv.runs(), QList<QStringList>());
    // Auto takes pip instead.
    config.installer = Installer::Auto;
    QCOMPARE(resolvedInstaller(config), Installer::Pip);
}

// 7. Under Auto, a pip option uv does not know makes pip install instead, and the log says why.
void tst_Installer::optionUnknownToUvFallsBackToPipUnderAuto()
{
    QTemporaryDir dir;
    const FakeUv uv(dir.filePath(QStringLiteral("tools")), m_python);
    Config config = this->config(dir.filePath(QStringLiteral("base")), &uv, ProbeSource);
    config.pipOptions << QStringLiteral("--no-warn-script-location");
    QCOMPARE(resolvedInstaller(config), Installer::Pip);

    QLoggingCategory::setFilterRules(QStringLiteral("qtpyvenv.install.info=true"));
    const auto quiet = qScopeGuard([] { QLoggingCategory::setFilterRules(QString()); });
    QTest::ignoreMessage(QtInfoMsg, QRegularExpression(QStringLiteral("pip.*uv does not know.*--no-warn-script-location")));
    Venv venv(config);
    QSignalSpy install(&venv, &Venv::installOutput);
    QVERIFY_OK(venv.start());
    QCOMPARE_VALUE(venv, QStringLiteral("one"));
    QCOMPARE(uv.runs(), QList<QStringList>());
    QTRY_VERIFY2(joined(install).contains("Successfully installed"), joined(install).constData());
}

// 8. The requirement key does not hold the installer: an unchanged one installs nothing, with
//    either; a changed one installs again.
void tst_Installer::sameRequirementKeyInstallsOnce()
{
    QTemporaryDir dir;
    const FakeUv uv(dir.filePath(QStringLiteral("tools")), m_python);
    Config config = this->config(dir.filePath(QStringLiteral("base")), &uv);
    config.removeBaseDirOnClose = false;
    for (const Installer installer : {Installer::Auto, Installer::Uv, Installer::Pip}) {
        config.installer = installer;
        Venv venv(config);
        QSignalSpy install(&venv, &Venv::installOutput);
        QSignalSpy ready(&venv, &Venv::ready);
        QVERIFY_OK(venv.start());
        QTRY_COMPARE(ready.count(), 1);
        if (installer != Installer::Auto)
            QCOMPARE(install.count(), 0);
    }
    QCOMPARE(uv.count(QStringLiteral("venv")), 1);
    QCOMPARE(uv.count(QStringLiteral("pip")), 1);

    config.installer = Installer::Uv;
    config.requirements << QStringLiteral("qtpyvenv_other==2.0");
    {
        Venv venv(config);
        QVERIFY_OK(venv.start());
    }
    QCOMPARE(uv.count(QStringLiteral("venv")), 1);
    QCOMPARE(uv.count(QStringLiteral("pip")), 2);
}

// 9. A venv pip made and installed into is uv's too: same key, nothing to run.
void tst_Installer::pipVenvIsTakenOverByUv()
{
    QTemporaryDir dir;
    const FakeUv uv(dir.filePath(QStringLiteral("tools")), m_python);
    Config config = this->config(dir.filePath(QStringLiteral("base")), nullptr, ProbeSource);
    config.removeBaseDirOnClose = false;
    config.installer = Installer::Pip;
    {
        Venv venv(config);
        QVERIFY_OK(venv.start());
    }
    config.installer = Installer::Uv;
    config.toolSearchPaths = {uv.dir()};
    Venv venv(config);
    QVERIFY_OK(venv.start());
    QCOMPARE_VALUE(venv, QStringLiteral("one"));
    QCOMPARE(uv.runs(), QList<QStringList>());
}

// 10. uv's pyvenv.cfg names the Python version "version_info": another version installs again.
void tst_Installer::uvVenvPythonVersionIsInTheKey()
{
    QTemporaryDir dir;
    const FakeUv uv(dir.filePath(QStringLiteral("tools")), m_python);
    const QString base = dir.filePath(QStringLiteral("base"));
    Config config = this->config(base, &uv);
    config.removeBaseDirOnClose = false;
    {
        Venv venv(config);
        QVERIFY_OK(venv.start());
    }
    const QString cfg = base + QStringLiteral("/venv/pyvenv.cfg");
    QByteArray content = readAll(cfg);
    QVERIFY2(content.contains("version_info = ") && !content.contains("\nversion = "), content.constData());
    content.replace("version_info = ", "version_info = 0.");
    QVERIFY(writeFile(cfg, content));
    {
        Venv venv(config);
        QVERIFY_OK(venv.start());
    }
    QCOMPARE(uv.count(QStringLiteral("pip")), 2);
}

// 11. A venv the library did not make: uv never recreates it, and installs into it only when allowed.
void tst_Installer::foreignVenvRulesHoldForUv()
{
    QTemporaryDir dir;
    const FakeUv uv(dir.filePath(QStringLiteral("tools")), m_python);
    const QString base = dir.filePath(QStringLiteral("base"));
    const QString venvDir = base + QStringLiteral("/venv");
    QVERIFY(QProcess::execute(m_python, {QStringLiteral("-m"), QStringLiteral("venv"), QStringLiteral("--without-pip"), venvDir}) == 0);
    QVERIFY(writeFile(venvDir + QStringLiteral("/mine.txt"), "the user's"));
    Config config = this->config(base, &uv);
    config.installer = Installer::Uv;
    config.removeBaseDirOnClose = true;
    {
        Venv venv(config);
        const Error error = venv.start();
        QCOMPARE(error.code, ErrorCode::InstallFailed);
        QVERIFY2(error.message.contains(QStringLiteral("installIntoExistingVenv")), qPrintable(error.message));
    }
    QCOMPARE(uv.runs(), QList<QStringList>());

    config.installIntoExistingVenv = true;
    {
        Venv venv(config);
        QVERIFY_OK(venv.start());
    }
    QCOMPARE(uv.count(QStringLiteral("venv")), 0);
    QCOMPARE(uv.count(QStringLiteral("pip")), 1);
    QCOMPARE(uv.runs().value(0).value(3), venvDir + QStringLiteral("/bin/python"));
    QCOMPARE(readAll(venvDir + QStringLiteral("/mine.txt")), QByteArray("the user's"));
}

// 12. A uv that hangs is ended by the deadline and by close(), with what it started.
void tst_Installer::hangingUvIsKilled()
{
    QTemporaryDir dir;
    FakeUv uv(dir.filePath(QStringLiteral("tools")), m_python);
    Config config = this->config(dir.filePath(QStringLiteral("base")), &uv);
    config.installer = Installer::Uv;
    config.removeBaseDirOnClose = false;
    {
        Venv venv(config);
        QVERIFY_OK(venv.start()); // the venv exists from now: only pip install is left to hang
    }
    QVERIFY(uv.setMode(FakeUv::HangInstall));
    config.requirements << QStringLiteral("qtpyvenv_other==2.0");
    {
        Venv venv(config);
        QElapsedTimer timer;
        timer.start();
        const Error error = venv.start(QDeadlineTimer(1000));
        QCOMPARE(error.code, ErrorCode::Timeout);
        QVERIFY2(error.message.contains(QStringLiteral("uv pip install")), qPrintable(error.message));
        QVERIFY2(timer.elapsed() < 10000, qPrintable(QString::number(timer.elapsed())));
        QCOMPARE(TestUtil::liveChildren(), QList<qint64>());
        QTRY_VERIFY(TestUtil::processesMentioning(uv.path().toUtf8()).isEmpty());
    }
    TestUtil::closeWhileInstalling(config, "fake uv hangs", {uv.path().toUtf8()});
}

void tst_Installer::cleanupTestCase()
{
    qputenv("PATH", m_path);
    QCOMPARE(TestUtil::liveChildren(), QList<qint64>());
}

QTEST_GUILESS_MAIN(tst_Installer)
#include "tst_installer.moc"
