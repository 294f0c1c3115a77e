// SPDX-License-Identifier: MIT
#pragma once

#include "appstatus.h"
#include "callmodel.h"
#include "definition.h"
#include "environmentlistmodel.h"
#include "listmodels.h"
#include "outputbuffer.h"
#include "requirements.h"
#include "session.h"

#include <QtPyVenv/venv.h>

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>

#include <optional>

class QFileSystemWatcher;
class QTimer;

namespace QtPyVenvApp {

class VenvReaper;

/*!
 * One environment at run time: its definition, its Venv (while started), its output,
 * calls and history. Never blocks: starts with Venv::startAsync(), calls with
 * Venv::invokeAsync(), and hands stopped Venvs to a VenvReaper to close off-thread.
 *
 * Stop and restart replace the Venv: a Venv is final once closed, and the venv folder
 * (Config::removeBaseDirOnClose = false) makes the next start warm.
 *
 * A restart of a Ready environment keeps the last good worker: the running Venv serves calls
 * while the new one starts on the same venv folder (isApplyingChange()); once that is Ready it
 * takes over, and the old one closes when its calls in flight have finished. When the new one
 * fails, the old one stays, the status stays Ready and changeFailed() says why.
 */
class Environment : public QObject
{
    Q_OBJECT
    Q_PROPERTY(QtPyVenvApp::EnvStatus status READ status NOTIFY statusChanged)

public:
    Environment(const EnvironmentDefinition &definition, const QString &defaultBaseDir, VenvReaper *reaper,
                QObject *parent = nullptr);
    //! Hands a running worker to the reaper.
    ~Environment() override;

    const EnvironmentDefinition &definition() const { return m_definition; }
    //! Takes effect at the next start; re-watches the sources.
    void setDefinition(const EnvironmentDefinition &definition);
    //! The venv folder: the definition's baseDir, or the default under AppDataLocation; through
    //! a launcher, RemoteBaseDirPrefix + id on the far side. For an adopted environment it holds
    //! only the library's meta/ folder.
    QString baseDir() const;
    //! Where an environment that runs elsewhere keeps its venv on the far side, by default.
    static inline const QString RemoteBaseDirPrefix = QStringLiteral("~/.local/share/qtpyvenv/venvs/");
    //! Folders searched for uv before PATH (Config::toolSearchPaths); takes effect at the next start.
    void setToolSearchPaths(const QStringList &paths) { m_toolSearchPaths = paths; }
    QStringList toolSearchPaths() const { return m_toolSearchPaths; }
    /*!
     * The Config a start uses but for the sources: interpreter, venv folder, requirements and
     * how to install them. resolvedInstaller() of it says which installer the next start uses.
     */
    QtPyVenv::Config installConfig() const;

    EnvStatus status() const { return m_status; }
    EnvironmentSummary summary() const;
    qint64 pid() const { return m_pid; }
    //! Milliseconds since Ready, -1 when not Ready.
    qint64 uptimeMs() const;
    int callsInFlight() const { return m_calls->runningCount(); }
    /*!
     * The worker's Python version: Venv::pythonVersion() since the last Ready, before that the
     * version remembered in the definition from an earlier run; empty when never started.
     */
    QString pythonVersion() const { return m_pythonVersion; }
    QList<QtPyVenv::FunctionInfo> functions() const { return m_functions; }
    //! A restart of the Ready environment is starting a new worker while the old one serves.
    bool isApplyingChange() const { return m_next != nullptr; }
    //! The last restart of the Ready environment failed (lastError() says why): the old worker
    //! still serves. Cleared by the next start or restart.
    bool changeFailed() const { return m_changeFailed; }
    //! functions() are those of a worker that does not run the current definition.
    bool functionsStale() const { return isApplyingChange() || changeFailed(); }
    QList<PackageInfo> packages() const { return m_packages; }
    //! Why the last start (or changeFailed() restart) failed, or why the worker died; NoError otherwise.
    QtPyVenv::Error lastError() const { return m_lastError; }
    //! The last start failed only because the user has not allowed installing the requirements
    //! into the adopted environment folder.
    bool needsInstallPermission() const;
    //! What the current start is doing (Venv::startPhaseChanged()); nullopt when not starting
    //! or before the library has said.
    std::optional<QtPyVenv::StartPhase> startPhase() const { return m_startPhase; }
    //! pip's own sub-phase, read from its output, while startPhase() is Installing.
    PipPhase installPhase() const { return m_installPhase; }
    //! Milliseconds since the current start began, -1 when not starting.
    qint64 startElapsedMs() const;

    const OutputBuffer &output() const { return m_output; }
    void clearOutput();
    CallModel *calls() const { return m_calls; }
    HistoryModel *history() const { return m_history; }
    //! The arguments last typed for \a function in the console; empty when none.
    TypedArguments typedArguments(const QString &function) const { return m_typedArguments.value(function); }
    void setTypedArguments(const QString &function, const TypedArguments &typed);
    //! The history and typed arguments, to keep across launches.
    EnvironmentSession session() const;
    void restoreSession(const EnvironmentSession &session);
    //! The current Venv, null while stopped. For tests and diagnostics.
    QtPyVenv::Venv *venv() const { return m_venv; }

    //! Starts the worker (creating the venv and installing on first use). No-op while running.
    void start();
    //! Stops the worker; running calls fail with "closed".
    void stop();
    //! stop(), then removes the venv folder (off the GUI thread, after the worker is gone). Of
    //! an adopted environment only the app's own folder goes, never the environment folder.
    void stopAndRemoveFolder();
    /*!
     * Picks up changed sources and requirements: stop() then start(), but when Ready the old
     * worker serves until the new one is Ready, and stays when it fails (class doc).
     */
    void restart();
    /*!
     * Calls \a function with \a arguments, fn(*positional, **keywords), and returns the call's
     * key in calls() (CallRecord::id); its outcome, a rich value (value.h), arrives with
     * callFinished(). The record's callId is the library's id of the call.
     */
    int invoke(const QString &function, const QtPyVenv::Arguments &arguments);
    /*!
     * Asks the worker to cancel call \a id, queued or running (Venv::cancel()); returns at once.
     * The call then finishes Cancelled, or with its result when that was already on the way.
     * An error when the call is not in flight or was never sent.
     */
    QtPyVenv::Error cancel(int id);
    //! invoke() with \a args as the one argument, fn(args); null means none, fn().
    int call(const QString &function, const QJsonValue &args);
    //! Re-reads the installed packages from the venv (when Ready).
    void refreshPackages();
    /*!
     * Uninstalls \a package from the venv in the background (the bootstrap interpreter's
     * `pip --python <venv python> uninstall`, or `uv pip uninstall` when the environment
     * installs with uv); packageUninstalled() reports. Only while Ready, so no install runs.
     * The requirements are left alone: the caller removes the line and applies, so the
     * requirement key stays the truth. Its dependencies stay installed.
     */
    void uninstallPackage(const QString &package);

    //! The hidden helper source appended to the user's sources.
    static QString helperSource();

Q_SIGNALS:
    void statusChanged(QtPyVenvApp::EnvStatus status);
    //! Something in summary() changed.
    void summaryChanged();
    void definitionChanged();
    void functionsChanged();
    void packagesChanged();
    void outputReceived(QtPyVenvApp::OutputStream stream, const QByteArray &data);
    //! The library dropped \a bytes of \a stream before the next outputReceived() of it (we lagged).
    void outputDropped(QtPyVenvApp::OutputStream stream, qint64 bytes);
    void outputCleared();
    void startPhaseChanged(QtPyVenv::StartPhase phase);
    void installPhaseChanged(QtPyVenvApp::PipPhase phase);
    //! A start found a Python version other than the remembered one; definition() holds it now
    //! (save the definitions to keep it).
    void pythonVersionChanged(const QString &version);
    void callFinished(int id);
    void died(const QtPyVenv::Error &error);
    //! A start failed; with status() still Ready when it was a restart that kept the old worker.
    void startFailed(const QtPyVenv::Error &error);
    //! isApplyingChange() or changeFailed() changed.
    void changeStateChanged();
    //! uninstallPackage() ended: \a error is empty when \a package is gone, else why not.
    void packageUninstalled(const QString &package, const QString &error);
    //! A watched source file changed on disk; a restart follows when running.
    void sourceFileChanged(const QString &path);

private:
    void setStatus(EnvStatus status);
    void releaseVenv(const QString &removeDir = {});
    //! Closes \a venv (may be null) through the reaper, or here without one.
    void reap(QtPyVenv::Venv *venv, const QString &removeDir = {});
    //! Reaps \a venv now, or once the calls sent to it have finished.
    void retire(QtPyVenv::Venv *venv);
    //! The Config of a start, sources read from disk; nullopt (lastError() says why) when one
    //! cannot be read.
    std::optional<QtPyVenv::Config> startConfig();
    void resetStartProgress();
    //! A new Venv with its signals connected to this environment.
    QtPyVenv::Venv *makeVenv(const QtPyVenv::Config &config);
    //! restart() of a Ready environment: a new Venv beside the serving one.
    void startChange();
    void setChangeFailed(const QtPyVenv::Error &error);
    void onVenvReady(QtPyVenv::Venv *venv);
    void onVenvStartFailed(QtPyVenv::Venv *venv, const QtPyVenv::Error &error);
    void onVenvDied(QtPyVenv::Venv *venv, const QtPyVenv::Error &error);
    void onStartPhase(QtPyVenv::StartPhase phase);
    void onInstallOutput(const QByteArray &data);
    void onOutputDropped(OutputStream stream, qint64 bytes);
    void onReady();
    //! The key of the running call \a venv knows as \a callId, 0 when none.
    int runningCall(const QtPyVenv::Venv *venv, const QString &callId) const;
    void watchSources();
    void onSourcesChanged();

    EnvironmentDefinition m_definition;
    QString m_defaultBaseDir;
    QStringList m_toolSearchPaths;
    VenvReaper *m_reaper;
    QtPyVenv::Venv *m_venv = nullptr;   // the one serving, or starting
    QtPyVenv::Venv *m_next = nullptr;   // starting while m_venv serves (isApplyingChange())
    QList<QtPyVenv::Venv *> m_retiring; // replaced, finishing calls sent to them
    bool m_changeFailed = false;
    EnvStatus m_status = EnvStatus::Stopped;
    qint64 m_pid = 0;
    QElapsedTimer m_readyClock;
    QElapsedTimer m_startClock;
    QString m_pythonVersion;
    QList<QtPyVenv::FunctionInfo> m_functions;
    QList<PackageInfo> m_packages;
    QtPyVenv::Error m_lastError;
    std::optional<QtPyVenv::StartPhase> m_startPhase;
    PipPhase m_installPhase = PipPhase::None;
    QByteArray m_installPartialLine;
    OutputBuffer m_output;
    CallModel *m_calls;
    // In flight, by key, with the Venv they went to: workers reuse call ids, so only these may be
    // cancelled, and a retiring Venv closes when none is left for it.
    QHash<int, QtPyVenv::Venv *> m_sentCalls;
    HistoryModel *m_history;
    QHash<QString, TypedArguments> m_typedArguments; // by function
    QFileSystemWatcher *m_watcher;
    QTimer *m_reloadTimer;
};

} // namespace QtPyVenvApp
