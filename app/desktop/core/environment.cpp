// SPDX-License-Identifier: MIT
#include "environment.h"

#include "arguments.h"
#include "logging.h"
#include "toolprocess.h"
#include "runson.h"
#include "venvreaper.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QFutureWatcher>
#include <QJsonArray>
#include <QJsonObject>
#include <QTimer>

namespace QtPyVenvApp {

namespace {

constexpr auto HelperFunction = "_qtpyvenv_info";
constexpr int ReloadDebounceMs = 300;
constexpr int UninstallTimeoutMs = 120 * 1000;

//! The outcome of a finished callAsync() or invokeAsync() future, without ever letting an
//! exception out.
template<typename T> QtPyVenv::Error futureOutcome(QFuture<T> future, T *result)
{
    try {
        future.waitForFinished(); // finished already: rethrows a CallException
        if (future.resultCount() > 0) {
            *result = future.result();
            return {};
        }
    } catch (const QtPyVenv::CallException &e) {
        return e.error();
    } catch (const std::exception &e) {
        return {QtPyVenv::ErrorCode::Unknown, QString(), QString::fromLocal8Bit(e.what()), QString()};
    }
    return {QtPyVenv::ErrorCode::Unknown, QString(), QStringLiteral("the call was cancelled"), QString()};
}

} // namespace

QString Environment::helperSource()
{
    static const QString source = [] {
        QFile file(QStringLiteral(":/qtpyvenv-app/helper.py"));
        file.open(QIODevice::ReadOnly);
        return QString::fromUtf8(file.readAll());
    }();
    return source;
}

Environment::Environment(const EnvironmentDefinition &definition, const QString &defaultBaseDir,
                         VenvReaper *reaper, QObject *parent)
    : QObject(parent)
    , m_definition(definition)
    , m_defaultBaseDir(defaultBaseDir)
    , m_reaper(reaper)
    , m_calls(new CallModel(this))
    , m_history(new HistoryModel(this))
    , m_watcher(new QFileSystemWatcher(this))
    , m_reloadTimer(new QTimer(this))
{
    // Until a worker reports its version, show the one remembered from the last run.
    m_pythonVersion = m_definition.pythonVersion;
    connect(m_calls, &CallModel::runningCountChanged, this, &Environment::summaryChanged);
    m_reloadTimer->setSingleShot(true);
    m_reloadTimer->setInterval(ReloadDebounceMs);
    connect(m_reloadTimer, &QTimer::timeout, this, &Environment::onSourcesChanged);
    connect(m_watcher, &QFileSystemWatcher::fileChanged, this, [this](const QString &path) {
        // Editors often save by replacing the file, which drops the watch: watch it again.
        if (QFileInfo::exists(path) && !m_watcher->files().contains(path))
            m_watcher->addPath(path);
        Q_EMIT sourceFileChanged(path);
        m_reloadTimer->start();
    });
    watchSources();
}

Environment::~Environment()
{
    releaseVenv();
}

void Environment::setDefinition(const EnvironmentDefinition &newDefinition)
{
    EnvironmentDefinition definition = newDefinition;
    // The remembered version is ours: a copy edited elsewhere may carry a stale one. Another
    // interpreter or venv folder makes it unknown until the next start.
    const bool otherPython = definition.interpreter != m_definition.interpreter || definition.baseDir != m_definition.baseDir
        || definition.existingDir != m_definition.existingDir;
    definition.pythonVersion = otherPython ? QString() : m_definition.pythonVersion;
    if (definition == m_definition)
        return;
    // The list shows the name and where the worker runs.
    const bool listed = definition.name != m_definition.name || definition.launcher != m_definition.launcher;
    m_definition = definition;
    bool versionChanged = false;
    if (otherPython && m_status != EnvStatus::Ready && !m_pythonVersion.isEmpty()) {
        m_pythonVersion.clear();
        versionChanged = true;
    }
    watchSources();
    Q_EMIT definitionChanged();
    if (listed || versionChanged)
        Q_EMIT summaryChanged();
}

QString Environment::baseDir() const
{
    if (!m_definition.baseDir.isEmpty())
        return m_definition.baseDir;
    // Through a launcher the folder is on the far side, where this computer's data folder means
    // nothing: the same place under the far user's home (the library's bootstrap expands "~").
    return m_definition.launcher.isEmpty() ? m_defaultBaseDir : RemoteBaseDirPrefix + m_definition.id;
}

bool Environment::needsInstallPermission() const
{
    return m_definition.isAdopted() && !m_definition.installIntoExisting && !m_definition.requirements.isEmpty()
        && m_lastError.code == QtPyVenv::ErrorCode::InstallFailed
        && m_lastError.message.contains(QLatin1String("installIntoExistingVenv"));
}

QtPyVenv::Config Environment::installConfig() const
{
    QtPyVenv::Config config;
    config.pythonInterpreter = m_definition.interpreter;
    config.requirements = m_definition.requirements;
    config.pipOptions = m_definition.pipOptions();
    config.installer = m_definition.installer;
    config.toolSearchPaths = m_toolSearchPaths;
    config.baseDir = baseDir();
    config.venvDir = m_definition.existingDir;
    config.installIntoExistingVenv = m_definition.installIntoExisting;
    config.removeBaseDirOnClose = false;
    config.launcher = m_definition.launcher;
    return config;
}

EnvironmentSummary Environment::summary() const
{
    return {m_definition.id, m_definition.name, m_status, m_pythonVersion, callsInFlight(),
            runsOnText(m_definition.launcher)};
}

qint64 Environment::uptimeMs() const
{
    return m_status == EnvStatus::Ready && m_readyClock.isValid() ? m_readyClock.elapsed() : -1;
}

qint64 Environment::startElapsedMs() const
{
    return (m_status == EnvStatus::Starting || m_status == EnvStatus::Installing || m_next) ? m_startClock.elapsed() : -1;
}

void Environment::clearOutput()
{
    m_output.clear();
    Q_EMIT outputCleared();
}

void Environment::setTypedArguments(const QString &function, const TypedArguments &typed)
{
    if (!function.isEmpty())
        m_typedArguments.insert(function, typed);
}

EnvironmentSession Environment::session() const
{
    return {m_history->entries(), m_typedArguments};
}

void Environment::restoreSession(const EnvironmentSession &session)
{
    m_history->setEntries(session.history);
    m_typedArguments = session.arguments;
}

void Environment::setStatus(EnvStatus status)
{
    if (status == m_status)
        return;
    m_status = status;
    qCInfo(lcApp) << m_definition.name << "is" << statusText(status);
    Q_EMIT statusChanged(status);
    Q_EMIT summaryChanged();
}

void Environment::releaseVenv(const QString &removeDir)
{
    QtPyVenv::Venv *venv = std::exchange(m_venv, nullptr);
    const bool changing = functionsStale();
    reap(std::exchange(m_next, nullptr));
    for (QtPyVenv::Venv *retiring : std::exchange(m_retiring, {}))
        reap(retiring);
    m_changeFailed = false;
    m_sentCalls.clear();
    m_pid = 0;
    m_startPhase.reset();
    reap(venv, removeDir);
    if (changing)
        Q_EMIT changeStateChanged();
}

void Environment::reap(QtPyVenv::Venv *venv, const QString &removeDir)
{
    if (!venv && removeDir.isEmpty())
        return;
    if (m_reaper) {
        m_reaper->reap(venv, removeDir);
        return;
    }
    if (venv) {
        venv->disconnect(this);
        delete venv; // closes synchronously
    }
    if (!removeDir.isEmpty())
        QDir(removeDir).removeRecursively();
}

void Environment::retire(QtPyVenv::Venv *venv)
{
    const QList<QtPyVenv::Venv *> busy = m_sentCalls.values();
    if (busy.contains(venv)) {
        qCInfo(lcApp) << m_definition.name << "keeps its previous worker until its calls have finished";
        m_retiring.append(venv);
    } else {
        reap(venv);
    }
}

std::optional<QtPyVenv::Config> Environment::startConfig()
{
    QtPyVenv::Config config = installConfig();
    for (const QString &path : std::as_const(m_definition.sources)) {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly)) {
            m_lastError = {QtPyVenv::ErrorCode::StartFailed, QString(),
                           QStringLiteral("cannot read the source %1: %2").arg(path, file.errorString()), QString()};
            return std::nullopt;
        }
        config.sources.append(QString::fromUtf8(file.readAll()));
        config.sourceNames.append(path);
    }
    config.sources.append(helperSource());
    config.sourceNames.append(QStringLiteral("<qtpyvenv helper>"));
    config.maxWorkers = 4;
    return config;
}

void Environment::resetStartProgress()
{
    m_lastError = {};
    m_startPhase.reset();
    m_installPhase = PipPhase::None;
    m_installPartialLine.clear();
    m_startClock.start();
}

void Environment::start()
{
    if (m_venv && (m_status == EnvStatus::Starting || m_status == EnvStatus::Installing || m_status == EnvStatus::Ready))
        return;
    releaseVenv(); // a Died or Failed one: its config may be stale anyway

    const std::optional<QtPyVenv::Config> config = startConfig();
    if (!config) {
        setStatus(EnvStatus::Failed);
        Q_EMIT startFailed(m_lastError);
        return;
    }
    resetStartProgress();
    m_functions.clear();
    Q_EMIT functionsChanged();
    m_venv = makeVenv(*config);
    setStatus(EnvStatus::Starting);
    m_venv->startAsync();
}

QtPyVenv::Venv *Environment::makeVenv(const QtPyVenv::Config &config)
{
    using QtPyVenv::Venv;
    auto *venv = new Venv(config);
    connect(venv, &Venv::ready, this, [this, venv] { onVenvReady(venv); });
    connect(venv, &Venv::startFailed, this, [this, venv](const QtPyVenv::Error &error) { onVenvStartFailed(venv, error); });
    connect(venv, &Venv::died, this, [this, venv](const QtPyVenv::Error &error) { onVenvDied(venv, error); });
    // Output of every worker, a retiring one's included: its calls still print.
    connect(venv, &Venv::stdoutReceived, this, [this](const QByteArray &data) {
        m_output.append(OutputStream::Stdout, data);
        Q_EMIT outputReceived(OutputStream::Stdout, data);
    });
    connect(venv, &Venv::stderrReceived, this, [this](const QByteArray &data) {
        m_output.append(OutputStream::Stderr, data);
        Q_EMIT outputReceived(OutputStream::Stderr, data);
    });
    connect(venv, &Venv::outputDropped, this, [this](int fd, qint64 bytes) {
        onOutputDropped(fd == 1 ? OutputStream::Stdout : OutputStream::Stderr, bytes);
    });
    connect(venv, &Venv::callProgress, this,
            [this, venv](const QString &callId, double done, double total, const QString &message) {
                m_calls->setProgress(runningCall(venv, callId), done, total, message);
            });
    connect(venv, &Venv::callPartial, this, [this, venv](const QString &callId, const QCborValue &value) {
        m_calls->addPartial(runningCall(venv, callId), value);
    });
    connect(venv, &Venv::startPhaseChanged, this, &Environment::onStartPhase);
    connect(venv, &Venv::installOutput, this, &Environment::onInstallOutput);
    connect(venv, &Venv::installOutputDropped, this, [this](qint64 bytes) { onOutputDropped(OutputStream::Pip, bytes); });
    return venv;
}

void Environment::stop()
{
    releaseVenv();
    setStatus(EnvStatus::Stopped);
}

void Environment::stopAndRemoveFolder()
{
    if (!m_definition.launcher.isEmpty()) { // its folder is on the far side: left there
        stop();
        return;
    }
    // An adopted folder is the user's: where baseDir() holds it, baseDir() stays too.
    const QString base = QDir(baseDir()).absolutePath() + QLatin1Char('/');
    const QString adopted = QDir(m_definition.existingDir).absolutePath() + QLatin1Char('/');
    const bool holdsAdopted = m_definition.isAdopted() && (adopted.startsWith(base) || base.startsWith(adopted));
    releaseVenv(holdsAdopted ? QString() : baseDir());
    setStatus(EnvStatus::Stopped);
}

void Environment::restart()
{
    // Another interpreter makes the library replace the venv folder: not under a running worker.
    if (m_status == EnvStatus::Ready && m_venv && m_venv->config().pythonInterpreter == m_definition.interpreter) {
        startChange();
        return;
    }
    releaseVenv();
    m_status = EnvStatus::Stopped; // no "idle" blink in between
    start();
}

void Environment::startChange()
{
    reap(std::exchange(m_next, nullptr)); // a change still starting: this one supersedes it
    m_changeFailed = false;
    resetStartProgress();
    const std::optional<QtPyVenv::Config> config = startConfig();
    if (!config) {
        setChangeFailed(m_lastError);
        return;
    }
    qCInfo(lcApp) << m_definition.name << "starts a new worker; the running one serves until it is ready";
    m_next = makeVenv(*config);
    Q_EMIT changeStateChanged();
    Q_EMIT summaryChanged();
    m_next->startAsync();
}

void Environment::setChangeFailed(const QtPyVenv::Error &error)
{
    m_lastError = error;
    m_changeFailed = true;
    m_startPhase.reset();
    qCWarning(lcApp) << m_definition.name << "keeps its running worker; the change failed:" << error.toString();
    Q_EMIT changeStateChanged();
    Q_EMIT summaryChanged();
    Q_EMIT startFailed(error);
}

void Environment::onVenvReady(QtPyVenv::Venv *venv)
{
    if (venv == m_next) {
        QtPyVenv::Venv *previous = std::exchange(m_venv, std::exchange(m_next, nullptr));
        qCInfo(lcApp) << m_definition.name << "switches to its new worker";
        retire(previous);
        onReady();
        Q_EMIT changeStateChanged();
    } else if (venv == m_venv) {
        onReady();
    }
}

void Environment::onVenvStartFailed(QtPyVenv::Venv *venv, const QtPyVenv::Error &error)
{
    if (venv == m_next) {
        reap(std::exchange(m_next, nullptr));
        setChangeFailed(error);
        return;
    }
    if (venv != m_venv)
        return;
    m_lastError = error;
    m_startPhase.reset();
    qCWarning(lcApp) << m_definition.name << "failed to start:" << error.toString();
    setStatus(EnvStatus::Failed);
    Q_EMIT startFailed(error);
}

void Environment::onVenvDied(QtPyVenv::Venv *venv, const QtPyVenv::Error &error)
{
    if (venv != m_venv)
        return; // a retiring one: its calls fail on their own
    m_lastError = error;
    m_pid = 0;
    qCWarning(lcApp) << m_definition.name << "died:" << error.toString();
    if (m_next) {
        // The change being applied becomes a plain start.
        reap(std::exchange(m_venv, std::exchange(m_next, nullptr)));
        m_functions.clear();
        Q_EMIT functionsChanged();
        Q_EMIT changeStateChanged();
        setStatus(m_startPhase == QtPyVenv::StartPhase::Installing ? EnvStatus::Installing : EnvStatus::Starting);
        return;
    }
    setStatus(EnvStatus::Died);
    Q_EMIT died(error);
}

void Environment::onStartPhase(QtPyVenv::StartPhase phase)
{
    if (!m_next && m_status != EnvStatus::Starting && m_status != EnvStatus::Installing)
        return;
    m_startPhase = phase;
    if (phase == QtPyVenv::StartPhase::Installing) {
        m_installPhase = PipPhase::None;
        m_installPartialLine.clear();
    }
    qCDebug(lcApp) << m_definition.name << "start phase:" << startPhaseText(phase);
    // Status first: a startPhaseChanged() receiver sees the matching status. While a change
    // starts, the old worker serves: Ready stays.
    if (!m_next)
        setStatus(phase == QtPyVenv::StartPhase::Installing ? EnvStatus::Installing : EnvStatus::Starting);
    Q_EMIT startPhaseChanged(phase);
}

void Environment::onInstallOutput(const QByteArray &data)
{
    m_output.append(OutputStream::Pip, data);
    Q_EMIT outputReceived(OutputStream::Pip, data);

    m_installPartialLine += data;
    const qsizetype lastNewline = m_installPartialLine.lastIndexOf('\n');
    if (lastNewline < 0) {
        if (m_installPartialLine.size() > 64 * 1024)
            m_installPartialLine.clear();
        return;
    }
    const QList<QByteArray> lines = m_installPartialLine.left(lastNewline).split('\n');
    m_installPartialLine.remove(0, lastNewline + 1);
    for (const QByteArray &line : lines) {
        const PipPhase phase = pipPhaseOfLine(QString::fromUtf8(line));
        if (phase != PipPhase::None && phase != m_installPhase) {
            m_installPhase = phase;
            Q_EMIT installPhaseChanged(phase);
        }
    }
}

void Environment::onOutputDropped(OutputStream stream, qint64 bytes)
{
    m_output.appendDropped(stream, bytes);
    if (stream == OutputStream::Pip)
        m_installPartialLine.clear(); // its end is in the gap
    Q_EMIT outputDropped(stream, bytes);
}

void Environment::onReady()
{
    m_pid = m_venv ? m_venv->processId() : 0;
    m_functions = m_venv ? m_venv->functions() : QList<QtPyVenv::FunctionInfo>();
    m_startPhase.reset();
    if (const QString version = m_venv ? m_venv->pythonVersion() : QString(); !version.isEmpty()) {
        m_pythonVersion = version;
        if (version != m_definition.pythonVersion) {
            m_definition.pythonVersion = version;
            Q_EMIT pythonVersionChanged(version);
        }
    }
    m_readyClock.start();
    setStatus(EnvStatus::Ready);
    Q_EMIT summaryChanged(); // a new worker of a Ready environment: another pid
    Q_EMIT functionsChanged();
    refreshPackages();
}

void Environment::refreshPackages()
{
    if (!m_venv || m_status != EnvStatus::Ready)
        return;
    auto *watcher = new QFutureWatcher<QJsonValue>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher] {
        watcher->deleteLater();
        QJsonValue value;
        if (const QtPyVenv::Error error = futureOutcome(watcher->future(), &value); !error.ok()) {
            if (error.code != QtPyVenv::ErrorCode::Closed)
                qCWarning(lcApp) << "reading the packages failed:" << error.toString();
            return;
        }
        const QJsonObject info = value.toObject();
        QList<PackageInfo> packages;
        for (const QJsonValue &value : info.value(QLatin1String("packages")).toArray()) {
            const QJsonObject p = value.toObject();
            QStringList dependencies;
            for (const QJsonValue &name : p.value(QLatin1String("requires")).toArray())
                dependencies.append(name.toString());
            packages.append({p.value(QLatin1String("name")).toString(), p.value(QLatin1String("version")).toString(),
                             dependencies});
        }
        m_packages = packages;
        Q_EMIT packagesChanged();
    });
    watcher->setFuture(m_venv->callAsync(QString::fromLatin1(HelperFunction)));
}

void Environment::uninstallPackage(const QString &package)
{
    if (!m_venv || m_status != EnvStatus::Ready) {
        Q_EMIT packageUninstalled(package, tr("%1 is not running: start it to uninstall from its venv").arg(m_definition.name));
        return;
    }
    if (m_definition.isAdopted() && !m_definition.installIntoExisting) {
        // The folder is the user's: changing it needs the same permission as installing into it.
        Q_EMIT packageUninstalled(package, tr("%1 was not made by QtPyVenv and installing into it is not allowed yet: "
                                              "apply a requirement change to be asked")
                                               .arg(m_definition.existingDir));
        return;
    }
    const QString venvPython = m_venv->pythonExecutable();
    const QtPyVenv::Config config = installConfig();
    const QString uv = QtPyVenv::resolvedInstaller(config) == QtPyVenv::Installer::Uv ? QtPyVenv::uvExecutable(config)
                                                                                      : QString();
    auto *pip = uv.isEmpty()
        ? new ToolProcess(m_definition.interpreter,
                         ToolProcess::pipArguments({QStringLiteral("--python"), venvPython, QStringLiteral("uninstall"),
                                                   QStringLiteral("--yes"), package}),
                         UninstallTimeoutMs, this)
        : new ToolProcess(uv, {QStringLiteral("pip"), QStringLiteral("uninstall"), QStringLiteral("--python"), venvPython, package},
                         UninstallTimeoutMs, this);
    connect(pip, &ToolProcess::finished, this, [this, pip, package](int exitCode, const QString &output, const QString &error) {
        pip->deleteLater();
        QString why = error;
        if (why.isEmpty() && exitCode != 0)
            why = tr("exit code %1:\n%2").arg(exitCode).arg(lastLines(output, 3));
        qCInfo(lcApp) << "uninstalling" << package << "from" << m_definition.name << (why.isEmpty() ? "succeeded" : "failed:")
                      << why;
        Q_EMIT packageUninstalled(package, why.isEmpty() ? QString() : tr("Uninstalling %1 failed: %2").arg(package, why));
    });
    pip->start();
}

int Environment::call(const QString &function, const QJsonValue &args)
{
    return invoke(function, rawArguments(args.isNull() || args.isUndefined() ? QCborValue() : QCborValue::fromJsonValue(args)));
}

int Environment::invoke(const QString &function, const QtPyVenv::Arguments &arguments)
{
    const int id = m_calls->addCall(function, arguments);
    qCDebug(lcAppCall) << m_definition.name << "call" << id << function;
    if (!m_venv || m_status != EnvStatus::Ready) {
        const QtPyVenv::Error error{QtPyVenv::ErrorCode::NotReady, QString(),
                                    QStringLiteral("the environment is %1, not ready").arg(statusText(m_status)),
                                    QString()};
        QTimer::singleShot(0, this, [this, id, error] {
            m_calls->finishCall(id, {}, error);
            Q_EMIT callFinished(id);
        });
        return id;
    }
    QString callId;
    const QFuture<QCborValue> future = m_venv->invokeAsync(function, arguments, &callId);
    m_calls->setCallId(id, callId); // the id Venv::callStarted()/callFinished() carry
    if (!callId.isEmpty())
        m_sentCalls.insert(id, m_venv);
    auto *watcher = new QFutureWatcher<QCborValue>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, id] {
        watcher->deleteLater();
        QtPyVenv::Venv *venv = m_sentCalls.take(id);
        if (m_retiring.contains(venv) && !m_sentCalls.values().contains(venv)) {
            m_retiring.removeOne(venv);
            reap(venv); // its last call is over
        }
        QCborValue result;
        const QtPyVenv::Error error = futureOutcome(watcher->future(), &result);
        m_calls->finishCall(id, result, error);
        Q_EMIT callFinished(id);
    });
    watcher->setFuture(future);
    return id;
}

int Environment::runningCall(const QtPyVenv::Venv *venv, const QString &callId) const
{
    for (auto it = m_sentCalls.cbegin(); it != m_sentCalls.cend(); ++it) {
        const CallRecord *record = m_calls->record(it.key());
        if (it.value() == venv && record && record->callId == callId && record->state == CallState::Running)
            return it.key();
    }
    return 0;
}

QtPyVenv::Error Environment::cancel(int id)
{
    const CallRecord *record = m_calls->record(id);
    QtPyVenv::Venv *venv = m_sentCalls.value(id);
    if (!record || !venv)
        return {QtPyVenv::ErrorCode::Unknown, QString(), QStringLiteral("call %1 is not in flight").arg(id), QString()};
    const QtPyVenv::Error error = venv->cancel(record->callId);
    qCDebug(lcAppCall) << m_definition.name << "cancel" << id << record->callId << error.toString();
    if (error.ok())
        m_calls->setCancelRequested(id);
    return error;
}

void Environment::watchSources()
{
    if (!m_watcher->files().isEmpty())
        m_watcher->removePaths(m_watcher->files());
    QStringList existing;
    for (const QString &path : std::as_const(m_definition.sources)) {
        if (QFileInfo::exists(path))
            existing.append(path);
    }
    if (!existing.isEmpty())
        m_watcher->addPaths(existing);
}

void Environment::onSourcesChanged()
{
    if (m_status == EnvStatus::Stopped)
        return;
    qCInfo(lcApp) << m_definition.name << "sources changed on disk: reloading";
    restart();
}

} // namespace QtPyVenvApp
