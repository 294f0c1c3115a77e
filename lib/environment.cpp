// SPDX-License-Identifier: MIT
#include "environment.h"

#include "childprocess.h"
#include "logging.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcessEnvironment>
#include <QSaveFile>
#include <QStandardPaths>

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace QtPyVenv::Internal {

namespace {

const QString StateFile = QStringLiteral("state.json");
const QString InstallLock = QStringLiteral("install.lock");
const QString UseLock = QStringLiteral("use.lock");
constexpr int ErrorTailLines = 12;

QString lastLines(const QByteArray &output, int count)
{
    QStringList lines = QString::fromUtf8(output).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    if (lines.size() > count)
        lines = lines.mid(lines.size() - count);
    return lines.join(QLatin1Char('\n'));
}

QStringList toolEnvironment()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("PYTHONUNBUFFERED"), QStringLiteral("1"));
    env.insert(QStringLiteral("PIP_DISABLE_PIP_VERSION_CHECK"), QStringLiteral("1"));
    env.insert(QStringLiteral("PIP_NO_INPUT"), QStringLiteral("1"));
    env.insert(QStringLiteral("PIP_PROGRESS_BAR"), QStringLiteral("off"));
    env.remove(QStringLiteral("PYTHONHOME"));
    return env.toStringList();
}

bool waitAborted(int abortFd, int ms)
{
    pollfd fd{abortFd, POLLIN, 0};
    return ::poll(&fd, abortFd >= 0 ? 1 : 0, ms) > 0;
}

Error toolError(const ToolRun &run, const QString &what, ErrorCode failureCode)
{
    switch (run.outcome) {
    case ToolRun::FailedToStart:
        return makeError(ErrorCode::StartFailed, QStringLiteral("%1: %2").arg(what, run.error));
    case ToolRun::TimedOut:
        return makeError(ErrorCode::Timeout, QStringLiteral("%1 did not finish before the deadline").arg(what));
    case ToolRun::Aborted:
        return makeError(ErrorCode::Closed, QStringLiteral("%1 was cancelled by close()").arg(what));
    case ToolRun::Finished:
        break;
    }
    if (run.succeeded())
        return {};
    QString message = QStringLiteral("%1 failed: it %2").arg(what, describeWaitStatus(run.waitStatus));
    const QString tail = lastLines(run.tail, ErrorTailLines);
    if (!tail.isEmpty())
        message += QStringLiteral("\n") + tail;
    return makeError(failureCode, message);
}

} // namespace

bool FileLock::lock(const QString &path, Mode mode, QDeadlineTimer deadline, int abortFd)
{
    unlock();
    const QByteArray name = QFile::encodeName(path);
    for (;;) {
        const int fd = ::open(name.constData(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
            return false;
        if (::flock(fd, (mode == Exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0) {
            // Someone may have deleted the file while we waited: then this lock guards nothing.
            struct stat held, current;
            if (::fstat(fd, &held) == 0 && ::stat(name.constData(), &current) == 0 && held.st_ino == current.st_ino
                && held.st_dev == current.st_dev) {
                m_fd = fd;
                return true;
            }
            ::close(fd);
            continue;
        }
        const int lockErrno = errno;
        ::close(fd);
        errno = lockErrno;
        if (lockErrno != EWOULDBLOCK || deadline.hasExpired())
            return false;
        if (waitAborted(abortFd, int(std::min<qint64>(deadline.remainingTime() < 0 ? 20 : deadline.remainingTime(), 20))))
            return false;
    }
}

void FileLock::unlock()
{
    if (m_fd >= 0)
        ::close(m_fd); // releases the flock
    m_fd = -1;
}

QString checkRequirements(const QStringList &requirements)
{
    for (const QString &requirement : requirements) {
        const QString trimmed = requirement.trimmed();
        if (trimmed.startsWith(QLatin1Char('-')))
            return QStringLiteral("requirement \"%1\" is a pip option; put options in Config::pipOptions").arg(trimmed);
        if (trimmed.isEmpty())
            return QStringLiteral("a requirement is empty");
    }
    return {};
}

QString Environment::venvDir() const
{
    return m_config.baseDir + QStringLiteral("/venv");
}

QString Environment::metaDir() const
{
    return m_config.baseDir + QStringLiteral("/meta");
}

QString Environment::useLockPath() const
{
    return metaDir() + QLatin1Char('/') + UseLock;
}

QString Environment::venvPython() const
{
    return venvDir() + QStringLiteral("/bin/python");
}

QJsonObject Environment::readState() const
{
    QFile file(metaDir() + QLatin1Char('/') + StateFile);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(file.readAll()).object();
}

bool Environment::writeState(const QJsonObject &state) const
{
    QSaveFile file(metaDir() + QLatin1Char('/') + StateFile);
    if (!file.open(QIODevice::WriteOnly))
        return false;
    file.write(QJsonDocument(state).toJson());
    return file.commit();
}

QString Environment::requirementsKey() const
{
    QString pythonVersion;
    QFile cfg(venvDir() + QStringLiteral("/pyvenv.cfg"));
    if (cfg.open(QIODevice::ReadOnly)) {
        for (const QByteArray &line : cfg.readAll().split('\n')) {
            const auto parts = line.split('=');
            if (parts.size() == 2 && parts[0].trimmed() == "version")
                pythonVersion = QString::fromUtf8(parts[1].trimmed());
        }
    }
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(QJsonDocument(QJsonArray{QJsonArray::fromStringList(m_config.requirements),
                                          QJsonArray::fromStringList(m_config.pipOptions), pythonVersion})
                     .toJson(QJsonDocument::Compact));
    return QString::fromLatin1(hash.result().toHex());
}

QString Environment::resolveInterpreter(Error *error) const
{
    const QString &name = m_config.pythonInterpreter;
    QString path = name.contains(QLatin1Char('/')) ? name : QStandardPaths::findExecutable(name);
    const QFileInfo info(path);
    if (path.isEmpty() || !info.isFile() || !info.isExecutable()) {
        *error = makeError(ErrorCode::StartFailed,
                           name.contains(QLatin1Char('/'))
                               ? QStringLiteral("the Python interpreter %1 does not exist or is not executable").arg(name)
                               : QStringLiteral("the Python interpreter \"%1\" was not found on PATH").arg(name));
        return {};
    }
    return path;
}

Error Environment::prepare(const Context &context)
{
    FileLock installLock;
    for (;;) {
        if (!QDir().mkpath(metaDir()))
            return makeError(ErrorCode::InstallFailed, QStringLiteral("cannot create %1").arg(metaDir()));
        if (installLock.lock(metaDir() + QLatin1Char('/') + InstallLock, FileLock::Exclusive, context.deadline,
                             context.abortFd)) {
            break;
        }
        const int lockErrno = errno;
        if (context.deadline.hasExpired())
            return makeError(ErrorCode::Timeout, QStringLiteral("another process kept %1 locked").arg(metaDir()));
        if (waitAborted(context.abortFd, 0))
            return makeError(ErrorCode::Closed, QStringLiteral("closed while waiting for the install lock"));
        // A Venv closing on this baseDir removed meta/, lock file and all, while we waited: make it again.
        if (lockErrno != ENOENT) {
            return makeError(ErrorCode::InstallFailed, QStringLiteral("cannot lock %1: %2")
                                                           .arg(metaDir() + QLatin1Char('/') + InstallLock,
                                                                QString::fromLocal8Bit(::strerror(lockErrno))));
        }
    }

    Error error = prepareLocked(context);
    // Still under the install lock: from here on a closing Venv sees this baseDir in use.
    if (error.ok() && context.useLock && !context.useLock->isLocked()
        && !context.useLock->lock(useLockPath(), FileLock::Shared, context.deadline, context.abortFd)) {
        qCWarning(lcInstall) << "cannot lock" << useLockPath();
    }
    return error;
}

Error Environment::prepareLocked(const Context &context)
{
    QJsonObject state = readState();
    const bool ours = state.value(QLatin1String("createdVenv")).toBool();
    const QFileInfo venv(venvDir());
    const bool working = QFileInfo(venvPython()).isExecutable() && QFileInfo::exists(venvDir() + QStringLiteral("/pyvenv.cfg"));
    if (venv.exists() && !ours && !working) {
        return makeError(ErrorCode::InstallFailed,
                         QStringLiteral("%1 exists but is not a virtual environment QtPyVenv made; it is left alone")
                             .arg(venvDir()));
    }
    const bool stale = ours && state.value(QLatin1String("interpreter")).toString() != m_config.pythonInterpreter;
    if (venv.exists() && ours && (!working || stale)) {
        // Never throw a venv away for an interpreter that cannot make a new one (a typo).
        Error error;
        resolveInterpreter(&error);
        if (!error.ok())
            return error;
        qCInfo(lcInstall) << "recreating" << venvDir() << (stale ? "for another interpreter" : "(its python is missing)");
        QDir(venvDir()).removeRecursively();
        state = {};
    }
    if (!QFileInfo::exists(venvDir())) {
        if (Error error = createVenv(context); !error.ok())
            return error;
        state = QJsonObject{{QLatin1String("createdVenv"), true},
                            {QLatin1String("interpreter"), m_config.pythonInterpreter}};
        if (!writeState(state))
            return makeError(ErrorCode::InstallFailed, QStringLiteral("cannot write %1").arg(metaDir()));
    }

    const QString key = requirementsKey();
    if (state.value(QLatin1String("requirementsKey")).toString() == key)
        return {};
    if (!m_config.requirements.isEmpty()) {
        if (Error error = installRequirements(context); !error.ok())
            return error;
    }
    state.insert(QLatin1String("requirementsKey"), key);
    if (!writeState(state))
        return makeError(ErrorCode::InstallFailed, QStringLiteral("cannot write %1").arg(metaDir()));
    return {};
}

Error Environment::createVenv(const Context &context)
{
    Error error;
    const QString interpreter = resolveInterpreter(&error);
    if (!error.ok())
        return error;
    qCInfo(lcInstall) << "creating" << venvDir() << "with" << interpreter;
    context.phase(StartPhase::CreatingVenv);
    ChildProcess::Options options;
    options.program = interpreter;
    // No pip: bootstrapping it costs seconds and a venv without requirements never needs it.
    options.arguments = {QStringLiteral("-m"), QStringLiteral("venv"), QStringLiteral("--without-pip"), venvDir()};
    options.environment = toolEnvironment();
    const ToolRun run = runTool(options, context.deadline, context.abortFd, context.output);
    error = toolError(run, QStringLiteral("creating the venv with %1").arg(m_config.pythonInterpreter),
                      ErrorCode::InstallFailed);
    if (!error.ok() && QFileInfo::exists(venvDir()))
        QDir(venvDir()).removeRecursively(); // ours, half made
    if (error.code == ErrorCode::StartFailed)
        error.message = QStringLiteral("cannot run the Python interpreter %1: %2").arg(interpreter, run.error);
    return error;
}

Error Environment::installRequirements(const Context &context)
{
    context.phase(StartPhase::Installing);
    ChildProcess::Options options;
    options.environment = toolEnvironment();
    const QStringList install = QStringList{QStringLiteral("install")} + m_config.pipOptions + m_config.requirements;
    const bool venvHasPip =
        !QDir(venvDir() + QStringLiteral("/lib")).entryList({QStringLiteral("python*")}, QDir::Dirs).isEmpty()
        && QFileInfo::exists(venvDir() + QStringLiteral("/bin/pip"));

    auto run = [&](const QString &program, const QStringList &arguments, const QString &what) {
        options.program = program;
        options.arguments = arguments;
        return toolError(runTool(options, context.deadline, context.abortFd, context.output), what,
                         ErrorCode::InstallFailed);
    };

    if (!venvHasPip) {
        // Prefer the bootstrap interpreter's pip driving the venv (pip >= 22.3): no pip copy
        // in every venv. Without one, bootstrap pip into the venv once.
        // The probe also names the real executable: pip must not run through a wrapper that does
        // more than start Python. A pyenv shim rehashes after every "-m pip" and fails the whole
        // command when another rehash runs at the same time (two Venvs installing at once).
        Error error;
        const QString interpreter = resolveInterpreter(&error);
        const QString marker = QStringLiteral("qtpyvenv-executable=");
        const QString probe = QStringLiteral(
            "import sys\n"
            "print('%1' + sys.executable, flush=True)\n"
            "import pip\n"
            "sys.exit(0 if tuple(int(p) for p in pip.__version__.split('.')[:2]) >= (22, 3) else 1)\n").arg(marker);
        if (!interpreter.isEmpty()) {
            options.program = interpreter;
            options.arguments = {QStringLiteral("-c"), probe};
            const ToolRun probeRun = runTool(options, context.deadline, context.abortFd, [](const QByteArray &) {});
            if (probeRun.outcome == ToolRun::TimedOut || probeRun.outcome == ToolRun::Aborted)
                return toolError(probeRun, QStringLiteral("probing pip"), ErrorCode::InstallFailed);
            if (probeRun.succeeded()) {
                QString executable = interpreter;
                for (const QString &line : QString::fromUtf8(probeRun.tail).split(QLatin1Char('\n'))) {
                    const QString path = line.trimmed();
                    if (path.startsWith(marker) && QFileInfo(path.mid(marker.size())).isExecutable())
                        executable = path.mid(marker.size());
                }
                return run(executable,
                           QStringList{QStringLiteral("-m"), QStringLiteral("pip"), QStringLiteral("--python"),
                                       venvPython()}
                               + install,
                           QStringLiteral("pip install"));
            }
        }
        error = run(venvPython(), {QStringLiteral("-m"), QStringLiteral("ensurepip"), QStringLiteral("--default-pip")},
                    QStringLiteral("bootstrapping pip with ensurepip"));
        if (!error.ok())
            return error;
    }
    return run(venvPython(), QStringList{QStringLiteral("-m"), QStringLiteral("pip")} + install,
               QStringLiteral("pip install"));
}

void Environment::removeCreated()
{
    FileLock installLock, useLock;
    const QString meta = metaDir();
    if (!QFileInfo::exists(meta))
        return; // never prepared: nothing here says what the library made
    if (!installLock.lock(meta + QLatin1Char('/') + InstallLock, FileLock::Exclusive, QDeadlineTimer(1000))
        || !useLock.lock(meta + QLatin1Char('/') + UseLock, FileLock::Exclusive, QDeadlineTimer(0))) {
        qCInfo(lcInstall) << m_config.baseDir << "is in use by another Venv; not removing it";
        return;
    }
    if (readState().value(QLatin1String("createdVenv")).toBool())
        QDir(venvDir()).removeRecursively();
    for (const QString &name : {StateFile, InstallLock, UseLock, QStringLiteral("stdout-a"), QStringLiteral("stdout-b"),
                                QStringLiteral("stderr-a"), QStringLiteral("stderr-b"),
                                QStringLiteral("qtpyvenv_worker.py"), QStringLiteral("qtpyvenv.py")}) {
        QFile::remove(meta + QLatin1Char('/') + name);
    }
    // The worker's bytecode of qtpyvenv.py, one file per Python version it ran with.
    QDir cache(meta + QStringLiteral("/__pycache__"));
    for (const QString &name : cache.entryList({QStringLiteral("qtpyvenv.*.pyc")}, QDir::Files))
        cache.remove(name);
    QDir().rmdir(cache.path());
    QDir().rmdir(meta);
}

} // namespace QtPyVenv::Internal
