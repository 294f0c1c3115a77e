// SPDX-License-Identifier: MIT
#include "environment.h"

#include "platform_unix.h"
#include "installer.h"
#include "logging.h"
#include "outputlog.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QStandardPaths>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

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
const QString WorkerStart = QStringLiteral("qtpyvenv_start.py"); // what Python runs
const QString WorkerScript = QStringLiteral("qtpyvenv_worker.py"); // the worker, imported by it
const QString WorkerModule = QStringLiteral("qtpyvenv.py");        // what user code imports
const QString BytecodeDir = QStringLiteral("__pycache__");
constexpr int MaxTailPairs = 256;

//! A tail's first file, "stdout-a" or "stderr.2-a", and the stem before "-a".
const QRegularExpression TailFile(QStringLiteral("^((?:stdout|stderr)(?:\\.[0-9]+)?)-a$"));
//! What MetaDir::replaceFile() leaves when the process dies between writing and renaming.
const QRegularExpression Unrenamed(
    QStringLiteral("^(?:state\\.json|qtpyvenv_start\\.py|qtpyvenv_worker\\.py|qtpyvenv\\.py)\\.[0-9a-f]{8}\\.new$"));

//! mkdir -p \a path; on failure why, with the OS's reason. \a created: this call made \a path.
QString makePath(const QString &path, bool *created)
{
    *created = false;
    const QByteArray name = QFile::encodeName(path);
    struct stat info;
    if (::stat(name.constData(), &info) == 0)
        return S_ISDIR(info.st_mode) ? QString() : QStringLiteral("cannot use %1: %2").arg(path, osError(ENOTDIR));
    const int statErrno = errno;
    if (statErrno == ENOENT && ::lstat(name.constData(), &info) == 0) {
        return QStringLiteral("cannot use %1: it is a symbolic link to %2, which does not exist (%3)")
            .arg(path, QFile::symLinkTarget(path), osError(ENOENT));
    }
    if (statErrno != ENOENT)
        return QStringLiteral("cannot use %1: %2").arg(path, osError(statErrno));
    const QString parent = QFileInfo(path).path();
    bool madeParent = false;
    if (parent != path) {
        if (const QString problem = makePath(parent, &madeParent); !problem.isEmpty())
            return problem;
    }
    if (::mkdir(name.constData(), 0777) == 0) {
        *created = true;
        return {};
    }
    return errno == EEXIST ? QString() : QStringLiteral("cannot create %1: %2").arg(path, osError(errno));
}

bool waitAborted(int abortFd, int ms)
{
    pollfd fd{abortFd, POLLIN, 0};
    return ::poll(&fd, abortFd >= 0 ? 1 : 0, ms) > 0;
}

} // namespace

QByteArray workerResource(const QString &name)
{
    QFile file(QStringLiteral(":/qtpyvenv/") + name);
    file.open(QIODevice::ReadOnly);
    return file.readAll();
}

const QList<std::pair<QString, QByteArray>> &workerFiles()
{
    static const QList<std::pair<QString, QByteArray>> files = [] {
        QList<std::pair<QString, QByteArray>> result;
        for (const QString &name : {WorkerStart, WorkerScript, WorkerModule})
            result.append({name, workerResource(name)});
        return result;
    }();
    return files;
}

bool FileLock::lock(const MetaDir &dir, const QString &name, Mode mode, QDeadlineTimer deadline, int abortFd,
                    QString *problem)
{
    unlock();
    for (;;) {
        const int fd = dir.openFile(name, O_RDWR | O_CREAT, problem);
        if (fd < 0)
            return false;
        if (::flock(fd, (mode == Exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0) {
            // Someone may have deleted the file while we waited: then this lock guards nothing.
            struct stat held, current;
            if (::fstat(fd, &held) == 0
                && ::fstatat(dir.fd(), QFile::encodeName(name).constData(), &current, AT_SYMLINK_NOFOLLOW) == 0
                && held.st_ino == current.st_ino && held.st_dev == current.st_dev) {
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
    return usesExistingDir() ? m_config.venvDir : m_config.baseDir + QStringLiteral("/venv");
}

QString Environment::metaDir() const
{
    return m_config.baseDir + QStringLiteral("/meta");
}

QString Environment::venvPython() const
{
    const QString python = venvDir() + QStringLiteral("/bin/python");
    if (usesExistingDir() && !QFileInfo(python).isExecutable()
        && QFileInfo(python + QLatin1Char('3')).isExecutable()) {
        return python + QLatin1Char('3');
    }
    return python;
}

Error Environment::checkExistingDir() const
{
    const QFileInfo dir(venvDir());
    if (!dir.isDir()) {
        return makeError(ErrorCode::StartFailed,
                         QStringLiteral("the environment folder %1 (Config::venvDir) %2")
                             .arg(venvDir(), dir.exists() ? QStringLiteral("is not a folder")
                                                          : QStringLiteral("does not exist")));
    }
    if (!QFileInfo(venvPython()).isExecutable()) {
        return makeError(ErrorCode::StartFailed,
                         QStringLiteral("the environment folder %1 (Config::venvDir) has no Python interpreter: "
                                        "neither bin/python nor bin/python3 is an executable file")
                             .arg(venvDir()));
    }
    return {};
}

Error Environment::readState(QJsonObject *state) const
{
    QByteArray content;
    QString problem;
    if (!m_meta.readFile(StateFile, &content, &problem) && !problem.isEmpty())
        return makeError(ErrorCode::InstallFailed, problem);
    *state = QJsonDocument::fromJson(content).object();
    return {};
}

Error Environment::writeState(const QJsonObject &state) const
{
    QString problem;
    if (!m_meta.replaceFile(StateFile, QJsonDocument(state).toJson(), &problem))
        return makeError(ErrorCode::InstallFailed, problem);
    return {};
}

QString Environment::requirementsKey() const
{
    // python -m venv writes "version", uv venv "version_info" alone.
    QString pythonVersion, uvPythonVersion;
    QFile cfg(venvDir() + QStringLiteral("/pyvenv.cfg"));
    if (cfg.open(QIODevice::ReadOnly)) {
        for (const QByteArray &line : cfg.readAll().split('\n')) {
            const auto parts = line.split('=');
            if (parts.size() == 2 && parts[0].trimmed() == "version")
                pythonVersion = QString::fromUtf8(parts[1].trimmed());
            else if (parts.size() == 2 && parts[0].trimmed() == "version_info")
                uvPythonVersion = QString::fromUtf8(parts[1].trimmed());
        }
    }
    if (pythonVersion.isEmpty())
        pythonVersion = uvPythonVersion;
    QJsonArray key{QJsonArray::fromStringList(m_config.requirements), QJsonArray::fromStringList(m_config.pipOptions),
                   pythonVersion};
    if (usesExistingDir()) // another folder has other packages; baseDir/venv keeps its earlier key
        key.append(venvDir());
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(QJsonDocument(key).toJson(QJsonDocument::Compact));
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

Error Environment::claimMeta(bool create)
{
    QString problem;
    if (!m_meta.open(metaDir(), create, &problem))
        return makeError(ErrorCode::InstallFailed, problem);
    if (m_meta.isMarked())
        return {};
    QString foreign;
    if (!isEarlierMeta(&foreign)) {
        m_meta.close();
        return makeError(ErrorCode::InstallFailed,
                         QStringLiteral("%1 was not made by QtPyVenv (it holds \"%2\" and no %3 mark); QtPyVenv "
                                        "leaves it alone: remove it or choose another baseDir")
                             .arg(metaDir(), foreign, MetaDir::markName()));
    }
    if (create && !m_meta.mark(&problem))
        return makeError(ErrorCode::InstallFailed, problem);
    return {};
}

/*
 * What versions before the ownership mark left in meta/, taken as the library's so that their
 * installs keep working: their state.json with their own files beside it, or nothing but empty
 * lock files (a first start that failed). An empty meta/ is taken too: it holds nothing to lose.
 */
bool Environment::isEarlierMeta(QString *foreign) const
{
    const QStringList earlierFiles = {StateFile,           InstallLock,         UseLock,
                                      QStringLiteral("stdout-a"), QStringLiteral("stdout-b"), QStringLiteral("stderr-a"),
                                      QStringLiteral("stderr-b"), WorkerScript, WorkerModule};
    bool onlyLocks = true;
    bool hasState = false;
    QString firstFile;
    for (const MetaDir::Entry &entry : m_meta.entries()) {
        *foreign = entry.name;
        if (entry.name == MetaDir::markName())
            return m_meta.isMarked(); // another Venv marked it meanwhile
        const bool lock = entry.name == InstallLock || entry.name == UseLock;
        const bool earlier = entry.name == BytecodeDir ? S_ISDIR(entry.info.st_mode)
                                                       : earlierFiles.contains(entry.name) && S_ISREG(entry.info.st_mode);
        if (!earlier || (lock && entry.info.st_size != 0))
            return false;
        if (!lock && onlyLocks)
            firstFile = entry.name;
        onlyLocks = onlyLocks && lock;
        hasState = hasState || entry.name == StateFile;
    }
    if (onlyLocks)
        return true;
    *foreign = hasState ? StateFile : firstFile;
    QJsonObject state;
    if (!hasState || !readState(&state).ok())
        return false;
    const QStringList earlierKeys = {QStringLiteral("createdVenv"), QStringLiteral("interpreter"),
                                     QStringLiteral("requirementsKey")};
    const QStringList keys = state.keys();
    return (state.contains(earlierKeys[0]) || state.contains(earlierKeys[2]))
        && std::all_of(keys.begin(), keys.end(), [&](const QString &key) { return earlierKeys.contains(key); });
}

Error Environment::prepare(const Context &context)
{
    bool created = false;
    if (const QString problem = makePath(m_config.baseDir, &created); !problem.isEmpty())
        return makeError(ErrorCode::InstallFailed, problem);
    m_createdBaseDir = m_createdBaseDir || created;

    FileLock installLock;
    for (;;) {
        if (Error error = claimMeta(true); !error.ok())
            return error;
        QString problem;
        if (installLock.lock(m_meta, InstallLock, FileLock::Exclusive, context.deadline, context.abortFd, &problem)) {
            if (m_meta.isCurrent())
                break;
            installLock.unlock(); // a Venv closing on this baseDir took meta/ apart meanwhile
            continue;
        }
        const int lockErrno = errno;
        if (context.deadline.hasExpired())
            return makeError(ErrorCode::Timeout, QStringLiteral("another process kept %1 locked").arg(metaDir()));
        if (waitAborted(context.abortFd, 0))
            return makeError(ErrorCode::Closed, QStringLiteral("closed while waiting for the install lock"));
        // A Venv closing on this baseDir removed meta/, lock file and all, while we waited: make it again.
        if (lockErrno != ENOENT) {
            return makeError(ErrorCode::InstallFailed,
                             !problem.isEmpty() ? problem
                                                : QStringLiteral("cannot lock %1: %2")
                                                      .arg(m_meta.filePath(InstallLock), osError(lockErrno)));
        }
    }

    Error error = prepareLocked(context);
    // Still under the install lock: from here on a closing Venv sees this baseDir in use.
    QString problem;
    if (error.ok() && !m_useLock.isLocked()
        && !m_useLock.lock(m_meta, UseLock, FileLock::Shared, context.deadline, context.abortFd, &problem)) {
        if (!problem.isEmpty())
            return makeError(ErrorCode::InstallFailed, problem);
        qCWarning(lcInstall) << "cannot lock" << m_meta.filePath(UseLock);
    }
    return error;
}

Error Environment::prepareMetaOnly()
{
    bool created = false;
    if (const QString problem = makePath(m_config.baseDir, &created); !problem.isEmpty())
        return makeError(ErrorCode::InstallFailed, problem);
    m_createdBaseDir = m_createdBaseDir || created;
    if (Error error = claimMeta(true); !error.ok())
        return error;
    QString problem;
    if (!m_useLock.isLocked()
        && !m_useLock.lock(m_meta, UseLock, FileLock::Shared, QDeadlineTimer(0), -1, &problem) && !problem.isEmpty())
        return makeError(ErrorCode::InstallFailed, problem);
    return {};
}

Error Environment::prepareLocked(const Context &context)
{
    QJsonObject state;
    if (Error error = readState(&state); !error.ok())
        return error;
    if (usesExistingDir()) {
        if (Error error = checkExistingDir(); !error.ok())
            return error;
    }
    struct stat venv;
    const bool exists = ::lstat(QFile::encodeName(venvDir()).constData(), &venv) == 0;
    // The library makes venv/ a directory: a symbolic link there is someone else's. state.json
    // speaks of baseDir/venv only.
    bool ours = !usesExistingDir() && state.value(QLatin1String("createdVenv")).toBool()
        && (!exists || S_ISDIR(venv.st_mode));
    // A conda environment has no pyvenv.cfg.
    const bool working = QFileInfo(venvPython()).isExecutable()
        && (usesExistingDir() || QFileInfo::exists(venvDir() + QStringLiteral("/pyvenv.cfg")));
    if (exists && !ours && !working) {
        return makeError(ErrorCode::InstallFailed,
                         QStringLiteral("%1 exists but is not a virtual environment QtPyVenv made; it is left alone")
                             .arg(venvDir()));
    }
    const bool stale = ours && state.value(QLatin1String("interpreter")).toString() != m_config.pythonInterpreter;
    std::optional<InstallerTool> chosen; // only when something is to be made or installed
    auto installer = [&]() -> const InstallerTool & {
        if (!chosen)
            chosen.emplace(m_config);
        return *chosen;
    };
    bool present = exists;
    if (exists && ours && (!working || stale)) {
        // Never throw a venv away for an interpreter, or a uv, that cannot make a new one (a typo).
        Error error;
        resolveInterpreter(&error);
        if (!error.ok())
            return error;
        if (error = installer().check(); !error.ok())
            return error;
        qCInfo(lcInstall) << "recreating" << venvDir() << (stale ? "for another interpreter" : "(its python is missing)");
        QDir(venvDir()).removeRecursively();
        present = false;
    }
    if (!present) {
        if (Error error = createVenv(context, installer()); !error.ok())
            return error;
        ours = true;
        state = QJsonObject{{QLatin1String("createdVenv"), true},
                            {QLatin1String("interpreter"), m_config.pythonInterpreter}};
        if (Error error = writeState(state); !error.ok())
            return error;
    }

    const QString key = requirementsKey();
    if (state.value(QLatin1String("requirementsKey")).toString() == key)
        return {};
    if (!m_config.requirements.isEmpty()) {
        if (!ours && !m_config.installIntoExistingVenv) {
            return makeError(ErrorCode::InstallFailed,
                             QStringLiteral("%1 is an environment that was not made by QtPyVenv, so the "
                                            "requirements are not installed into it; set "
                                            "Config::installIntoExistingVenv to let pip or uv install into it")
                                 .arg(venvDir()));
        }
        if (Error error = installRequirements(context, installer()); !error.ok())
            return error;
    }
    state.insert(QLatin1String("requirementsKey"), key);
    return writeState(state);
}

Error Environment::createVenv(const Context &context, const InstallerTool &installer)
{
    Error error;
    const QString interpreter = resolveInterpreter(&error);
    if (!error.ok())
        return error;
    qCInfo(lcInstall) << "creating" << venvDir() << "with" << interpreter;
    context.phase(StartPhase::CreatingVenv);
    error = installer.createVenv(interpreter, venvDir(), context);
    if (!error.ok() && QFileInfo::exists(venvDir()))
        QDir(venvDir()).removeRecursively(); // ours, half made
    return error;
}

Error Environment::installRequirements(const Context &context, const InstallerTool &installer)
{
    context.phase(StartPhase::Installing);
    Error unresolved; // pip then bootstraps itself into the venv
    return installer.install(resolveInterpreter(&unresolved), venvDir(), venvPython(), context);
}

Error Environment::openTails(OutputLog &stdoutLog, OutputLog &stderrLog, qint64 halfBytes)
{
    for (int pair = 1; pair <= MaxTailPairs; ++pair) {
        const QString suffix = pair == 1 ? QString() : QStringLiteral(".%1").arg(pair);
        QString problem;
        const OutputLog::Opened out = stdoutLog.open(m_meta, QStringLiteral("stdout") + suffix, halfBytes, &problem);
        if (out == OutputLog::Opened::Busy)
            continue;
        const OutputLog::Opened err = out == OutputLog::Opened::Yes
            ? stderrLog.open(m_meta, QStringLiteral("stderr") + suffix, halfBytes, &problem)
            : out;
        if (err == OutputLog::Opened::Yes)
            return {};
        stdoutLog.close();
        if (err == OutputLog::Opened::Failed)
            return makeError(ErrorCode::InstallFailed, problem);
    }
    return makeError(ErrorCode::InstallFailed,
                     QStringLiteral("all %1 output tail files in %2 are in use").arg(MaxTailPairs).arg(metaDir()));
}

Error Environment::installWorker(QString *script)
{
    QString problem;
    // Made here rather than by Python, so the bytecode cache is never a link to elsewhere.
    if (!m_meta.makeSubdir(BytecodeDir, &problem))
        return makeError(ErrorCode::InstallFailed, problem);
    for (const auto &[name, content] : workerFiles()) {
        if (QByteArray installed; m_meta.readFile(name, &installed, &problem) && installed == content)
            continue;
        if (!m_meta.replaceFile(name, content, &problem))
            return makeError(ErrorCode::InstallFailed, problem);
    }
    *script = m_meta.filePath(WorkerStart);
    return {};
}

void Environment::release()
{
    m_useLock.unlock();
}

void Environment::removeTails(const QString &stem) const
{
    // A tail another Venv writes is flocked: it stays.
    QString problem;
    const int fd = m_meta.openFile(stem + QStringLiteral("-a"), O_RDWR, &problem);
    if (fd < 0)
        return;
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
        m_meta.removeFile(stem + QStringLiteral("-a"));
        m_meta.removeFile(stem + QStringLiteral("-b"));
    }
    ::close(fd);
}

void Environment::removeCreated()
{
    // Without a start here, only a meta/ that is the library's is opened.
    if (!m_meta.isCurrent() && !claimMeta(false).ok()) {
        if (m_createdBaseDir)
            ::rmdir(QFile::encodeName(m_config.baseDir).constData());
        return;
    }
    FileLock installLock, useLock;
    QString problem;
    if (!installLock.lock(m_meta, InstallLock, FileLock::Exclusive, QDeadlineTimer(1000), -1, &problem)
        || !useLock.lock(m_meta, UseLock, FileLock::Exclusive, QDeadlineTimer(0), -1, &problem)) {
        qCInfo(lcInstall) << "not removing" << m_config.baseDir << ":"
                          << (problem.isEmpty() ? QStringLiteral("another Venv uses it") : problem);
        return;
    }
    QJsonObject state;
    struct stat venv;
    // An existing environment is never removed, whatever state.json says of baseDir/venv.
    if (!usesExistingDir() && readState(&state).ok() && state.value(QLatin1String("createdVenv")).toBool()
        && ::lstat(QFile::encodeName(venvDir()).constData(), &venv) == 0 && S_ISDIR(venv.st_mode)) {
        QDir(venvDir()).removeRecursively();
    }
    for (const QString &name : {StateFile, UseLock, WorkerStart, WorkerScript, WorkerModule})
        m_meta.removeFile(name);
    for (const MetaDir::Entry &entry : m_meta.entries()) {
        if (const auto tail = TailFile.match(entry.name); tail.hasMatch())
            removeTails(tail.captured(1));
        else if (Unrenamed.match(entry.name).hasMatch())
            m_meta.removeFile(entry.name);
    }
    // The bytecode of qtpyvenv_worker.py and qtpyvenv.py, one file per Python version it ran with.
    m_meta.removeInSubdir(BytecodeDir, QRegularExpression(QStringLiteral("^qtpyvenv(?:_worker)?\\..*\\.pyc$")));
    // The mark goes last, and only with nothing else left: a meta/ that keeps something stays
    // marked as the library's.
    const QList<MetaDir::Entry> left = m_meta.entries();
    if (std::all_of(left.begin(), left.end(), [](const MetaDir::Entry &entry) {
            return entry.name == MetaDir::markName() || entry.name == InstallLock;
        })) {
        m_meta.removeFile(MetaDir::markName());
        m_meta.removeFile(InstallLock);
        m_meta.removeIfEmpty();
    }
    m_meta.close();
    if (m_createdBaseDir)
        ::rmdir(QFile::encodeName(m_config.baseDir).constData());
}

} // namespace QtPyVenv::Internal
