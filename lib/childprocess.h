// SPDX-License-Identifier: MIT
#pragma once

#include "platform_unix.h"

#include <QByteArray>
#include <QDeadlineTimer>
#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

#include <functional>

#include <csignal>

namespace QtPyVenv::Internal {

//! How a process ended: QProcess's exit status and code, the signal's number for a crash.
struct ProcessExit {
    bool crashed = false;
    int code = 0; // the exit code, or the signal that ended it
    bool succeeded() const { return !crashed && code == 0; }
    //! "exited with code 1", "was killed by signal 9 (Killed)"
    QString describe() const;
};

/*
 * A child process, started and reaped by QProcess, in a process group of its own, with stdin on
 * /dev/null and stdout/stderr on non-blocking pipes of ours, or stdin and stdout on a
 * descriptor of the caller's (Options::stdioFd). It gets Options::parentDeathSignal (SIGKILL
 * unless set otherwise) when the thread that started it exits, so start it from a thread that
 * lives as long as the child should. Not thread-safe: one owner drives it.
 *
 * QProcess needs no event loop here: without an event dispatcher in the starting thread (the
 * I/O thread is a std::thread) it makes no socket notifiers, and waitForStarted() and
 * waitForFinished() poll its descriptors themselves. The pipes are ours rather than QProcess's
 * channels so that the I/O thread's one poll() covers them with the protocol socket; exitFd()
 * tells that poll() of the exit; QProcess reaps.
 */
class ChildProcess
{
public:
    struct Options {
        QString program; // a path
        QStringList arguments;
        QProcessEnvironment environment; // the whole environment; a default-constructed one is this process's
        bool mergeOutput = false; // stderr goes into the stdout pipe
        std::array<PassedFd, 2> passed{}; // descriptors the child inherits (see ChildSetup)
        //! A descriptor the child gets as its stdin and stdout (no stdout pipe then).
        int stdioFd = -1;
        //! A catchable signal lets a child that guards processes of its own clean up first.
        int parentDeathSignal = SIGKILL;
        //! Orphans below the child are reparented to it (PR_SET_CHILD_SUBREAPER).
        bool subreaper = false;
        /*!
         * When the child exits on its own, what is left of its group gets SIGTERM and this long
         * to end before SIGKILL; 0 kills it at once. For a launcher, whose helpers clean up after
         * it (srun's shepherd cancels the job).
         */
        int groupGraceMs = 0;
    };

    ChildProcess() = default;
    ChildProcess(const ChildProcess &) = delete;
    ChildProcess &operator=(const ChildProcess &) = delete;
    ~ChildProcess(); // kills and reaps a child still running

    //! Returns once the program was executed, or false with \a error.
    bool start(const Options &options, QString *error);
    qint64 pid() const { return m_pid; }
    int stdoutFd() const { return m_out; } // -1 with stdioFd
    int stderrFd() const { return m_err; } // -1 with mergeOutput
    int exitFd() const { return m_exitFd; } // readable once the child exited; -1 if unsupported

    //! SIGTERM to the child alone. Safe until reaped.
    void terminate();
    //! SIGKILL to the whole process group. Safe until reaped.
    void killGroup();
    //! Kills what is left of the group and reaps the child; true when it was reaped.
    bool reap(bool block);
    bool reaped() const { return m_reaped; }
    ProcessExit exit() const { return m_exit; }
    void closeOutput();

private:
    bool exited();
    void endGroup();

    QProcess m_process;
    qint64 m_pid = 0;
    int m_out = -1;
    int m_err = -1;
    int m_exitFd = -1;
    ProcessExit m_exit;
    int m_groupGraceMs = 0;
    bool m_reaped = false;
};

//! The last \a count lines of a process's output, without the empty ones it ended with.
QString lastLines(const QByteArray &output, int count);

//! Runs a tool to completion, streaming its merged output.
struct ToolRun {
    enum Outcome { Finished, TimedOut, Aborted, FailedToStart } outcome = FailedToStart;
    ProcessExit exit;
    QString error;   // for FailedToStart
    QByteArray tail; // the last few KiB of output
    bool succeeded() const;
};
ToolRun runTool(const ChildProcess::Options &options, QDeadlineTimer deadline, int abortFd,
                const std::function<void(const QByteArray &)> &onOutput);

} // namespace QtPyVenv::Internal
