// SPDX-License-Identifier: MIT
// Config::installer with the real uv, installed from the package index with pip into a folder
// kept per build tree (QTPYVENV_UV_DIR): uv makes a venv and installs a wheel the test builds,
// pip takes that venv over, and uv's own failure reaches InstallFailed.
#include "testutil.h"

#include <QFileInfo>
#include <QSignalSpy>

using namespace QtPyVenv;
using namespace std::chrono_literals;

namespace {

using TestUtil::joined;
using TestUtil::readAll;
using TestUtil::str;

QString describe(const Error &error)
{
    return error.toString() + QLatin1Char('\n') + error.traceback;
}

} // namespace

class tst_Uv : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void uvMakesTheVenvAndInstalls();
    void pipTakesOverTheUvVenv();
    void uvFailureIsInstallFailed();

private:
    Config config(const QString &baseDir, const QString &requirement) const;

    QTemporaryDir m_root;
    QString m_uvDir; // holds the uv executable
    QString m_wheels;
    QString m_base; // the venv the first tests share
};

Config tst_Uv::config(const QString &baseDir, const QString &requirement) const
{
    Config config = TestUtil::config(baseDir, {TestUtil::ProbeSource});
    config.installer = Installer::Uv;
    config.toolSearchPaths = {m_uvDir};
    config.requirements = {requirement};
    config.pipOptions = {str("--no-index"), str("--find-links"), m_wheels};
    config.removeBaseDirOnClose = false;
    return config;
}

void tst_Uv::initTestCase()
{
    QVERIFY(m_root.isValid());
    const QString target = str(QTPYVENV_UV_DIR);
    m_uvDir = target + str("/bin");
    if (!QFileInfo(m_uvDir + str("/uv")).isExecutable()) {
        QProcess pip;
        pip.setProcessChannelMode(QProcess::MergedChannels);
        pip.start(TestUtil::python(), {str("-m"), str("pip"), str("install"), str("--disable-pip-version-check"),
                                       str("--target"), target, str("uv")});
        QVERIFY(pip.waitForFinished(10 * 60 * 1000));
        const QString output = QString::fromUtf8(pip.readAll());
        if (pip.exitCode() != 0 && TestUtil::indexUnreachable(output))
            QSKIP(qPrintable(str("pip cannot fetch uv from the package index: ") + output));
        QVERIFY2(pip.exitCode() == 0, qPrintable(output));
    }
    QVERIFY(QFileInfo(m_uvDir + str("/uv")).isExecutable());
    // uv's cache beside it, not in the home directory.
    qputenv("UV_CACHE_DIR", QFile::encodeName(target + str("/cache")));

    m_wheels = m_root.filePath(str("wheels"));
    QVERIFY(QDir().mkpath(m_wheels));
    for (const auto &[version, value] : {std::pair{"1.0", "one"}, std::pair{"2.0", "two"}}) {
        QVERIFY(!TestUtil::buildWheel(m_wheels, str("qtpyvenv_probe"), str(version),
                                      str("VALUE = \"%1\"\n").arg(str(value)))
                     .isEmpty());
    }
    m_base = m_root.filePath(str("base"));
}

void tst_Uv::cleanup()
{
    QCOMPARE(TestUtil::liveChildren(), QList<qint64>());
}

// uv venv and uv pip install: a venv without pip, made by uv, with the wheel installed.
void tst_Uv::uvMakesTheVenvAndInstalls()
{
    const Config config = this->config(m_base, str("qtpyvenv_probe==1.0"));
    Config automatic = config;
    automatic.installer = Installer::Auto;
    QCOMPARE(resolvedInstaller(automatic), Installer::Uv);

    Venv venv(config);
    QSignalSpy install(&venv, &Venv::installOutput);
    QSignalSpy ready(&venv, &Venv::ready);
    const Error error = venv.start(QDeadlineTimer(5min));
    QVERIFY2(error.ok(), qPrintable(describe(error)));
    QCOMPARE_VALUE(venv, str("one"));
    QTRY_COMPARE(ready.count(), 1);
    QVERIFY2(joined(install).contains("+ qtpyvenv-probe==1.0"), joined(install).constData());
    const QByteArray cfg = readAll(m_base + str("/venv/pyvenv.cfg"));
    QVERIFY2(cfg.contains("\nuv = "), cfg.constData());
    QVERIFY(!QFileInfo::exists(m_base + str("/venv/bin/pip")));
}

// pip installs into the venv uv made (which has no pip) when asked to, and not before: the
// requirement key is the same for both.
void tst_Uv::pipTakesOverTheUvVenv()
{
    Config config = this->config(m_base, str("qtpyvenv_probe==1.0"));
    config.installer = Installer::Pip;
    {
        Venv venv(config);
        QSignalSpy install(&venv, &Venv::installOutput);
        QSignalSpy ready(&venv, &Venv::ready);
        QVERIFY_OK(venv.start(QDeadlineTimer(5min)));
        QTRY_COMPARE(ready.count(), 1);
        QCOMPARE(install.count(), 0);
    }
    config.requirements = {str("qtpyvenv_probe==2.0")};
    Venv venv(config);
    QSignalSpy install(&venv, &Venv::installOutput);
    const Error error = venv.start(QDeadlineTimer(5min));
    QVERIFY2(error.ok(), qPrintable(describe(error)));
    QCOMPARE_VALUE(venv, str("two"));
    QTRY_VERIFY2(joined(install).contains("Successfully installed"), joined(install).constData());
}

// uv cannot resolve: InstallFailed ending with uv's own lines.
void tst_Uv::uvFailureIsInstallFailed()
{
    QTemporaryDir dir;
    Venv venv(config(dir.filePath(str("base")), str("qtpyvenv_missing==1.0")));
    const Error error = venv.start(QDeadlineTimer(5min));
    QCOMPARE(error.code, ErrorCode::InstallFailed);
    QVERIFY2(error.message.startsWith(str("uv pip install failed")), qPrintable(error.message));
    QVERIFY2(error.message.contains(str("qtpyvenv-missing")), qPrintable(error.message));
    QCOMPARE(venv.state(), State::Idle);
}

QTEST_GUILESS_MAIN(tst_Uv)
#include "tst_uv.moc"
