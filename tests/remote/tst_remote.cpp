// SPDX-License-Identifier: MIT
// The library through Config::launcher to the `remote` fixture's services (tests/remote): ssh to
// the fixture's sshd and srun to its single-node Slurm, both on this machine. The venv is
// prepared on the far side by the library's bootstrap.
#include "testutil.h"

#include <QDir>
#include <QFile>
#include <QHash>
#include <QJsonObject>
#include <QtPyVenv/venv.h>

#include <csignal>
#include <cstdio>

using namespace QtPyVenv;
using namespace TestUtil;

namespace {

// printed() writes to Python's stdout, C-level fd 1 and fd 2, then returns: none of it may reach
// the protocol. spawn() starts a grandchild that outlives nothing: close() must end it too.
const QString Source = QStringLiteral(R"PY(
import os, subprocess, sys

def echo(args):
    return args

def printed(marker):
    print("python " + marker, flush=True)
    os.write(1, ("fd1 " + marker + "\n").encode())
    os.write(2, ("fd2 " + marker + "\n").encode())
    return "clean"

def spawn(marker):
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)", marker])
    return True
)PY");

QHash<QString, QString> readFixtureEnv(const QString &path)
{
    QHash<QString, QString> env;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text))
        return env;
    for (const QByteArray &line : file.readAll().split('\n')) {
        const qsizetype equals = line.indexOf('=');
        if (equals > 0)
            env.insert(QString::fromUtf8(line.left(equals)), QString::fromUtf8(line.mid(equals + 1)));
    }
    return env;
}

//! Python processes mentioning NEEDLE: the far side's workers and what they started, not the
//! ssh or srun client whose command line carries the same arguments.
QList<qint64> pythonProcessesMentioning(const QByteArray &needle)
{
    QList<qint64> found;
    for (const qint64 pid : processesMentioning(needle)) {
        const QByteArray argv0 = readAll(QStringLiteral("/proc/%1/cmdline").arg(pid)).split('\0').value(0);
        if (argv0.mid(argv0.lastIndexOf('/') + 1).startsWith("python"))
            found << pid;
    }
    return found;
}

//! The name of the tests' Slurm jobs, to find them in squeue.
constexpr char JobName[] = "qtpyvenv-tst-remote";

//! Whether squeue lists a job of the tests (the fixture's cluster, through SLURM_CONF).
bool slurmJobListed()
{
    QProcess squeue;
    squeue.start(str("squeue"), {str("-h"), str("-n"), QString::fromLatin1(JobName), str("-o"), str("%i")});
    return !squeue.waitForFinished(30000) || !squeue.readAllStandardOutput().trimmed().isEmpty();
}

//! Ends the tests' jobs, so that a failure leaves none for the next test.
void cancelSlurmJobs()
{
    QProcess::execute(str("scancel"), {str("-n"), QString::fromLatin1(JobName)});
    QTRY_VERIFY_WITH_TIMEOUT(!slurmJobListed(), 30000);
}

} // namespace

class TestRemote : public QObject
{
    Q_OBJECT

private:
    QHash<QString, QString> m_env;
    QTemporaryDir m_dir;

    QStringList launcher(const QString &name) const
    {
        if (name == QLatin1String("ssh"))
            return {str("ssh"), str("-F"), m_env.value(str("SSH_CONFIG")), m_env.value(str("SSH_HOST"))};
        return {str("srun"), str("-u"), str("-J"), QString::fromLatin1(JobName)};
    }

    Config remoteConfig(const QString &name, const QString &baseDir) const
    {
        Config c = config(baseDir, {Source});
        c.launcher = launcher(name);
        return c;
    }

    void launcherData()
    {
        QTest::addColumn<QString>("name");
        QTest::newRow("ssh") << str("ssh");
        QTest::newRow("srun") << str("srun");
    }

    // Kills the ssh or srun client (true) or the worker on the far side (false): died(), no worker
    // left behind on the far side, and a restart works.
    void killAndRestart(bool launcher)
    {
        QFETCH(QString, name);
        const QString baseDir = m_dir.filePath(name + (launcher ? str("-client-killed") : str("-worker-killed")));
        Venv venv(remoteConfig(name, baseDir));
        QSignalSpy died(&venv, &Venv::died);
        QVERIFY_OK(venv.start(QDeadlineTimer(120000)));
        QVERIFY(!pythonProcessesMentioning(baseDir.toLocal8Bit()).isEmpty());
        const qint64 victim = launcher ? childNamed(name) : venv.processId(); // processId(): the worker's
        QVERIFY(victim > 0);
        QCOMPARE(::kill(pid_t(victim), SIGKILL), 0);
        QVERIFY(died.wait(30000));
        QCOMPARE(died.first().first().value<Error>().code, ErrorCode::Died);
        QCOMPARE(venv.state(), State::Died);
        // srun's shepherd cancels the job once srun is gone.
        QTRY_VERIFY_WITH_TIMEOUT(!slurmJobListed(), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(pythonProcessesMentioning(baseDir.toLocal8Bit()).isEmpty(), 30000);
        QVERIFY_OK(venv.start(QDeadlineTimer(120000)));
        QJsonValue result;
        QVERIFY_OK(venv.callAndAwait(str("echo"), QJsonValue(7), &result));
        QCOMPARE(result, QJsonValue(7));
    }

    /*!
     * A Venv config whose srun job is held in the queue for an hour. Its venv is made here by a
     * local start, so that a start's deadline passes while the job waits, not while creating it.
     */
    Config heldJobConfig(const QString &baseDir)
    {
        Config local = config(baseDir, {Source});
        local.removeBaseDirOnClose = false;
        Venv(local).start(QDeadlineTimer(120000));
        Config held = remoteConfig(str("srun"), baseDir);
        held.launcher << str("--begin=now+1hour");
        return held;
    }

    //! The pid of this process's live child running PROGRAM, 0 when there is none.
    static qint64 childNamed(const QString &program)
    {
        for (const qint64 pid : liveChildren()) {
            if (readAll(QStringLiteral("/proc/%1/comm").arg(pid)).trimmed() == program.toLatin1())
                return pid;
        }
        return 0;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_env = readFixtureEnv(qEnvironmentVariable("QTPYVENV_REMOTE_ENV"));
        QVERIFY(!m_env.isEmpty());
        QVERIFY(m_dir.isValid());
        // srun finds the fixture's cluster through SLURM_CONF; the ssh sessions get it from sshd.
        qputenv("SLURM_CONF", m_env.value(str("SLURM_CONF")).toLocal8Bit());
    }

    void cleanup() { cancelSlurmJobs(); }

    void callsAndPrintSafety_data() { launcherData(); }
    void callsAndPrintSafety()
    {
        QFETCH(QString, name);
        Venv venv(remoteConfig(name, m_dir.filePath(name + str("-calls"))));
        QSignalSpy out(&venv, &Venv::stdoutReceived);
        QSignalSpy err(&venv, &Venv::stderrReceived);
        QVERIFY_OK(venv.start(QDeadlineTimer(120000)));
        QJsonValue result;
        QVERIFY_OK(venv.callAndAwait(str("echo"), QJsonObject{{str("n"), 42}}, &result));
        QCOMPARE(result, QJsonValue(QJsonObject{{str("n"), 42}}));
        for (int i = 0; i < 3; ++i) {
            QVERIFY_OK(venv.callAndAwait(str("printed"), QJsonValue(str("m%1").arg(i)), &result));
            QCOMPARE(result, QJsonValue(str("clean")));
        }
        QTRY_VERIFY(joined(out).contains("python m2") && joined(out).contains("fd1 m2"));
        QTRY_VERIFY(joined(err).contains("fd2 m2"));
        QVERIFY(venv.tailStdOut().contains("python m0\n"));
        QVERIFY(venv.tailStdOut().contains("fd1 m2\n"));
        QVERIFY(venv.tailStdErr().contains("fd2 m1\n"));
        QCOMPARE(venv.state(), State::Ready);
    }

    void killingTheLauncherIsDied_data() { launcherData(); }
    void killingTheLauncherIsDied() { killAndRestart(true); }

    void killingTheRemoteWorkerIsDied_data() { launcherData(); }
    void killingTheRemoteWorkerIsDied() { killAndRestart(false); }

    void closeLeavesNoRemoteProcess_data() { launcherData(); }
    void closeLeavesNoRemoteProcess()
    {
        QFETCH(QString, name);
        const QString baseDir = m_dir.filePath(name + str("-close"));
        const QByteArray marker = QByteArray("qtpyvenv-remote-close-") + name.toLatin1();
        Venv venv(remoteConfig(name, baseDir));
        QVERIFY_OK(venv.start(QDeadlineTimer(120000)));
        QVERIFY_OK(venv.callAndAwait(str("spawn"), QJsonValue(QString::fromLatin1(marker))));
        QTRY_VERIFY(!pythonProcessesMentioning(marker).isEmpty());
        venv.close();
        QTRY_VERIFY_WITH_TIMEOUT(pythonProcessesMentioning(marker).isEmpty(), 30000);
        QTRY_VERIFY_WITH_TIMEOUT(pythonProcessesMentioning(baseDir.toLocal8Bit()).isEmpty(), 30000);
        QTRY_VERIFY_WITH_TIMEOUT(!slurmJobListed(), 30000);
    }

    // A dead host closes its end of the launcher's stdin: the far worker sees end of input and
    // ends with what it started (and the launcher gets SIGTERM through PR_SET_PDEATHSIG).
    void hostKilledLeavesNoRemoteProcess_data() { launcherData(); }
    void hostKilledLeavesNoRemoteProcess()
    {
        QFETCH(QString, name);
        const QString baseDir = m_dir.filePath(name + str("-host-killed"));
        const QString marker = str("qtpyvenv-remote-host-killed-") + name;
        QProcess host;
        host.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        host.start(QCoreApplication::applicationDirPath() + str("/tst_remote_host"),
                   QStringList{baseDir, marker} + launcher(name));
        QByteArray said;
        QTRY_VERIFY_WITH_TIMEOUT((said += host.readAllStandardOutput()).contains("ready") || host.state() == QProcess::NotRunning,
                                 120000);
        QCOMPARE(host.state(), QProcess::Running);
        QTRY_VERIFY(!pythonProcessesMentioning(marker.toLatin1()).isEmpty());
        QCOMPARE(::kill(pid_t(host.processId()), SIGKILL), 0);
        QVERIFY(host.waitForFinished(30000));
        QTRY_VERIFY_WITH_TIMEOUT(pythonProcessesMentioning(marker.toLatin1()).isEmpty(), 30000);
        QTRY_VERIFY_WITH_TIMEOUT(pythonProcessesMentioning(baseDir.toLocal8Bit()).isEmpty(), 30000);
        QTRY_VERIFY_WITH_TIMEOUT(!slurmJobListed(), 30000);
    }

    // srun's messages while its job waits are the start's output, and close() ends srun, which
    // cancels the job.
    void heldJobIsWaitingAndCloseCancelsIt()
    {
        Venv venv(heldJobConfig(m_dir.filePath(str("srun-held-close"))));
        QSignalSpy phases(&venv, &Venv::startPhaseChanged);
        QSignalSpy install(&venv, &Venv::installOutput);
        venv.startAsync();
        QTRY_VERIFY_WITH_TIMEOUT(phaseSeen(phases, StartPhase::Waiting), 60000);
        QVERIFY(joined(install).contains("queued and waiting for resources"));
        QCOMPARE(venv.state(), State::Starting);
        QVERIFY(slurmJobListed());
        venv.close();
        QTRY_VERIFY_WITH_TIMEOUT(!slurmJobListed(), 10000);
    }

    void heldJobPastStartDeadlineIsCancelled()
    {
        Venv venv(heldJobConfig(m_dir.filePath(str("srun-held-deadline"))));
        QSignalSpy phases(&venv, &Venv::startPhaseChanged);
        QCOMPARE(venv.start(QDeadlineTimer(5000)).code, ErrorCode::Timeout);
        QCOMPARE(venv.state(), State::Idle);
        QTRY_VERIFY(phaseSeen(phases, StartPhase::Waiting));
        QTRY_VERIFY_WITH_TIMEOUT(!slurmJobListed(), 10000);
    }

    // The venv is made and the requirements installed where the launcher runs: srun's task starts
    // in --chdir, where the relative baseDir is then made; ssh's login gets an absolute one.
    void requirementsInstalledOnTheFarSide_data() { launcherData(); }
    void requirementsInstalledOnTheFarSide()
    {
        QFETCH(QString, name);
        const QString wheels = m_dir.filePath(name + str("-wheels"));
        const QString farCwd = m_dir.filePath(name + str("-far-cwd"));
        QVERIFY(QDir().mkpath(wheels) && QDir().mkpath(farCwd));
        QVERIFY(!buildWheel(wheels, str("qtpyvenv_probe"), str("2.0"), str("VALUE = 'installed far'\n")).isEmpty());
        Config c = remoteConfig(name, name == str("srun") ? str("far-base") : farCwd + str("/far-base"));
        if (name == str("srun"))
            c.launcher.insert(1, str("--chdir=") + farCwd);
        c.sources = {ProbeSource};
        c.requirements = {str("qtpyvenv_probe")};
        c.pipOptions = {str("--no-index"), str("--find-links"), wheels};
        Venv venv(c);
        QSignalSpy phases(&venv, &Venv::startPhaseChanged);
        QSignalSpy install(&venv, &Venv::installOutput);
        QVERIFY_OK(venv.start(QDeadlineTimer(180000)));
        QTRY_VERIFY(phaseSeen(phases, StartPhase::Installing));
        QVERIFY2(joined(install).contains("Successfully installed qtpyvenv_probe-2.0"), joined(install).constData());
        QCOMPARE_VALUE(venv, str("installed far"));
        QCOMPARE(venv.pythonExecutable(), farCwd + str("/far-base/venv/bin/python"));
        venv.close();
        QTRY_VERIFY_WITH_TIMEOUT(!slurmJobListed(), 30000);
    }

    void failedLoginIsStartFailed()
    {
        Config c = config(m_dir.filePath(str("ssh-refused")), {Source});
        c.launcher = {str("ssh"), str("-i"), m_env.value(str("SSH_WRONG_KEY")), str("-p"), m_env.value(str("SSH_PORT")),
                      str("-o"), str("UserKnownHostsFile=") + m_env.value(str("SSH_KNOWN_HOSTS")),
                      str("-o"), str("StrictHostKeyChecking=yes"), str("-o"), str("BatchMode=yes"),
                      str("-o"), str("IdentitiesOnly=yes"), str("root@127.0.0.1")};
        Venv venv(c);
        const Error error = venv.start(QDeadlineTimer(120000));
        QCOMPARE(error.code, ErrorCode::StartFailed);
        QVERIFY2(error.message.contains(str("Permission denied")), qPrintable(error.message));
        QCOMPARE(venv.state(), State::Idle);
    }
};

int main(int argc, char *argv[])
{
    if (!QFile::exists(qEnvironmentVariable("QTPYVENV_REMOTE_ENV"))) {
        std::puts("remote tests skipped: no fixture env file (QTPYVENV_REMOTE_ENV)");
        return 77; // CTest's SKIP_RETURN_CODE for the label
    }
    QCoreApplication app(argc, argv);
    TestRemote test;
    return QTest::qExec(&test, argc, argv);
}
#include "tst_remote.moc"
