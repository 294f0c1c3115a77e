// SPDX-License-Identifier: MIT
#pragma once

#include <QtPyVenv/venv.h>

#include "metadir.h"

#include <QDeadlineTimer>
#include <QJsonObject>
#include <QString>

#include <functional>
#include <utility>

namespace QtPyVenv::Internal {

inline Error makeError(ErrorCode code, const QString &message)
{
    Error error;
    error.code = code;
    error.message = message;
    return error;
}

class InstallerTool;
class OutputLog;

//! An flock(2) on a lock file that survives the file being deleted and recreated by others.
class FileLock
{
public:
    FileLock() = default;
    FileLock(FileLock &&other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
    FileLock &operator=(FileLock &&other) noexcept
    {
        std::swap(m_fd, other.m_fd);
        return *this;
    }
    ~FileLock() { unlock(); }

    enum Mode { Shared, Exclusive };
    //! Waits until \a deadline, or until \a abortFd is readable, for the lock on \a name in
    //! \a dir. On failure errno tells why (ENOENT when the directory is gone) and \a problem is
    //! set when the file cannot be opened (a symbolic link, say).
    bool lock(const MetaDir &dir, const QString &name, Mode mode, QDeadlineTimer deadline, int abortFd,
              QString *problem);
    bool isLocked() const { return m_fd >= 0; }
    void unlock();

private:
    int m_fd = -1;
};

/*
 * The on-disk side of a Venv: baseDir/venv (or Config::venvDir), the environment, and
 * baseDir/meta, the library's own directory (its ownership mark, state.json with what was
 * installed, the lock files, the output tails and the worker's files). Every file in meta/ is
 * reached through MetaDir, never through a symbolic link. A meta/ the library did not make is
 * refused; an environment it did not make (Config::venvDir, or a venv/ it did not create) is
 * never deleted or recreated, and installed into only with Config::installIntoExistingVenv.
 */
class Environment
{
public:
    struct Context {
        QDeadlineTimer deadline;
        int abortFd = -1;
        std::function<void(const QByteArray &)> output;
        std::function<void(StartPhase)> phase;
    };

    explicit Environment(const Config &config) : m_config(config) {}

    QString venvDir() const;
    QString metaDir() const;
    //! bin/python, or bin/python3 in a Config::venvDir that has no bin/python.
    QString venvPython() const;

    /*!
     * Makes baseDir and meta/ when absent, creates the venv when absent or broken (and ours) and
     * installs when the requirements changed, with pip or uv (Config::installer). Then holds
     * meta/use.lock shared until release(), so a Venv closing on this baseDir sees it in use.
     */
    Error prepare(const Context &context);
    //! Makes baseDir and meta/ alone, for the output tails of a worker prepared elsewhere.
    Error prepareMetaOnly();
    //! Opens the first pair of tails no other Venv holds: stdout-a/-b with stderr-a/-b, then
    //! stdout.2-a/-b with stderr.2-a/-b, and so on.
    Error openTails(OutputLog &stdoutLog, OutputLog &stderrLog, qint64 halfBytes);
    //! Writes the worker's Python files into meta/ when they differ; \a script is the one to run.
    Error installWorker(QString *script);
    //! This Venv no longer uses the baseDir.
    void release();
    //! Removes the venv and meta files this library created, and baseDir when prepare() made
    //! it; leaves anything else, and everything while another Venv uses the baseDir.
    void removeCreated();

    //! What the install state depends on: requirements, pip options and the venv's Python; not
    //! the installer, since pip and uv install the same packages the same way.
    QString requirementsKey() const;

private:
    Error claimMeta(bool create);
    bool isEarlierMeta(QString *foreign) const;
    Error prepareLocked(const Context &context);
    Error createVenv(const Context &context, const InstallerTool &installer);
    Error installRequirements(const Context &context, const InstallerTool &installer);
    void removeTails(const QString &stem) const;
    QString resolveInterpreter(Error *error) const;
    bool usesExistingDir() const { return !m_config.venvDir.isEmpty(); }
    Error checkExistingDir() const;
    Error readState(QJsonObject *state) const;
    Error writeState(const QJsonObject &state) const;

    Config m_config;
    MetaDir m_meta;
    FileLock m_useLock; // shared while this Venv uses the baseDir
    bool m_createdBaseDir = false;
};

//! The worker's Python files by name: qtpyvenv_start.py runs and imports qtpyvenv_worker.py;
//! qtpyvenv.py is the module user code imports.
const QList<std::pair<QString, QByteArray>> &workerFiles();
//! A file of worker/ built into the library (the worker's, the launcher's loader and bootstrap).
QByteArray workerResource(const QString &name);

//! The requirement entries that are options, not specifiers.
QString checkRequirements(const QStringList &requirements);

} // namespace QtPyVenv::Internal
