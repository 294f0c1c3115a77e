// SPDX-License-Identifier: MIT
#pragma once

#include <QtPyVenv/venv.h>

#include <QDeadlineTimer>
#include <QJsonObject>
#include <QString>

#include <functional>

namespace QtPyVenv::Internal {

inline Error makeError(ErrorCode code, const QString &message)
{
    Error error;
    error.code = code;
    error.message = message;
    return error;
}

//! An flock(2) on a lock file that survives the file being deleted and recreated by others.
class FileLock
{
public:
    FileLock() = default;
    FileLock(const FileLock &) = delete;
    FileLock &operator=(const FileLock &) = delete;
    ~FileLock() { unlock(); }

    enum Mode { Shared, Exclusive };
    //! Waits until \a deadline, or until \a abortFd is readable, for the lock. On failure errno
    //! tells why: ENOENT when the lock file's directory is gone.
    bool lock(const QString &path, Mode mode, QDeadlineTimer deadline, int abortFd = -1);
    bool isLocked() const { return m_fd >= 0; }
    void unlock();

private:
    int m_fd = -1;
};

/*
 * The on-disk side of a Venv: baseDir/venv (the virtual environment) and baseDir/meta
 * (state.json with what was installed, the lock files and the output tails).
 */
class Environment
{
public:
    struct Context {
        QDeadlineTimer deadline;
        int abortFd = -1;
        std::function<void(const QByteArray &)> output;
        std::function<void(StartPhase)> phase;
        //! When set, prepare() takes it shared on useLockPath() before it lets go of the install
        //! lock, so a Venv closing on this baseDir cannot remove the venv in between.
        FileLock *useLock = nullptr;
    };

    explicit Environment(const Config &config) : m_config(config) {}

    QString venvDir() const;
    QString metaDir() const;
    QString venvPython() const;
    //! Held shared by every running Venv on this baseDir, so removal can tell it is in use.
    QString useLockPath() const;

    //! Creates the venv when absent or broken and pip-installs when the requirements changed.
    Error prepare(const Context &context);
    //! Removes the venv and meta files this library created; leaves anything else.
    void removeCreated();

    //! What the install state depends on: requirements, pip options and the venv's Python.
    QString requirementsKey() const;

private:
    Error prepareLocked(const Context &context);
    Error createVenv(const Context &context);
    Error installRequirements(const Context &context);
    QString resolveInterpreter(Error *error) const;
    QJsonObject readState() const;
    bool writeState(const QJsonObject &state) const;

    Config m_config;
};

//! The requirement entries that are options, not specifiers.
QString checkRequirements(const QStringList &requirements);

} // namespace QtPyVenv::Internal
