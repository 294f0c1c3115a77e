// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QDeadlineTimer>
#include <QString>
#include <QStringList>

#include <functional>

#include <csignal>

#include <sys/types.h>

namespace QtPyVenv::Internal {

/*
 * A child process in a process group of its own, with stdin on /dev/null and stdout/stderr on
 * non-blocking pipes, or stdin and stdout on a descriptor of the caller's (Options::stdioFd).
 * It gets Options::parentDeathSignal (SIGKILL unless set otherwise) when the thread that started
 * it exits (PR_SET_PDEATHSIG), so start it from a thread that lives as long as the child should.
 * Not thread-safe: one owner drives it.
 */
class ChildProcess
{
public:
    struct Options {
        QString program; // a path
        QStringList arguments;
        QStringList environment;  // the whole environment, "NAME=value"
        bool mergeOutput = false; // stderr goes into the stdout pipe
        int passFd = -1;          // a descriptor the child inherits...
        int passFdAs = -1;        // ...as this number (>= 3)
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

    bool start(const Options &options, QString *error);
    pid_t pid() const { return m_pid; }
    int stdoutFd() const { return m_out; } // -1 with stdioFd
    int stderrFd() const { return m_err; } // -1 with mergeOutput
    int exitFd() const { return m_pidFd; } // readable once the child exited; -1 if unsupported

    //! SIGTERM to the child alone. Safe until reaped.
    void terminate();
    //! SIGKILL to the whole process group. Safe until reaped.
    void killGroup();
    //! Kills what is left of the group and reaps the child; true when it was reaped.
    bool reap(bool block);
    bool reaped() const { return m_reaped; }
    int waitStatus() const { return m_status; }
    void closeOutput();

private:
    void endGroup();

    pid_t m_pid = -1;
    int m_out = -1;
    int m_err = -1;
    int m_pidFd = -1;
    int m_status = 0;
    int m_groupGraceMs = 0;
    bool m_reaped = false;
};

//! strerror() text of \a error, e.g. "Permission denied".
QString osError(int error);
//! "exited with code 1", "was killed by signal 9 (Killed)"
QString describeWaitStatus(int status);
//! The last \a count lines of a process's output, without the empty ones it ended with.
QString lastLines(const QByteArray &output, int count);
//! Sets O_NONBLOCK and FD_CLOEXEC; returns fd.
int makeNonBlocking(int fd);
//! pipe2() with both ends O_CLOEXEC and numbered >= 3, so they never collide with stdio.
bool makePipe(int fds[2]);
void closeFd(int &fd);

//! Runs a tool to completion, streaming its merged output.
struct ToolRun {
    enum Outcome { Finished, TimedOut, Aborted, FailedToStart } outcome = FailedToStart;
    int waitStatus = 0;
    QString error;   // for FailedToStart
    QByteArray tail; // the last few KiB of output
    bool succeeded() const;
};
ToolRun runTool(const ChildProcess::Options &options, QDeadlineTimer deadline, int abortFd,
                const std::function<void(const QByteArray &)> &onOutput);

} // namespace QtPyVenv::Internal
