// SPDX-License-Identifier: MIT
#pragma once

// What the library needs of the operating system beyond QProcess, in one place: the rest of lib/
// calls these and no Unix-only function of its own (POSIX read/poll on descriptors aside).

#include <QString>

#include <array>
#include <csignal>

class QProcess;

namespace QtPyVenv::Internal {

//! A descriptor a child inherits, at the number \a as (>= 3).
struct PassedFd {
    int fd = -1;
    int as = -1;
};

/*
 * What a child gets before exec that QProcess has no setting for, applied by
 * QProcess::setChildProcessModifier().
 */
struct ChildSetup {
    //! Descriptors put at 0, 1 and 2 (-1: leave what QProcess set up there).
    int stdinFd = -1;
    int stdoutFd = -1;
    int stderrFd = -1;
    //! Unused entries have fd -1; the numbers (as) of the used ones ascend.
    std::array<PassedFd, 2> passed{};
    //! Sent to the child when the thread that started it ends (Linux: PR_SET_PDEATHSIG).
    int parentDeathSignal = SIGKILL;
    //! Orphans below the child are reparented to it (Linux: PR_SET_CHILD_SUBREAPER).
    bool subreaper = false;
};

/*
 * Applies a ChildSetup to QProcess's child, and holds what that needs until QProcess::start()
 * returned: keep it alive until then. The child also makes a process group of its own and gets
 * the default signal mask and dispositions.
 */
class ChildModifier
{
public:
    explicit ChildModifier(const ChildSetup &setup);
    ChildModifier(const ChildModifier &) = delete;
    ChildModifier &operator=(const ChildModifier &) = delete;
    ~ChildModifier();

    void install(QProcess &process) const;

private:
    ChildSetup m_setup;
    std::array<int, 2> m_held{-1, -1}; // the passed descriptors, each at its number or the first free one above
};

//! A descriptor readable once process \a pid exited (Linux: a pidfd); -1 where there is none.
int openExitFd(qint64 pid);
//! Sends \a signal to the process group \a group; false when the group is gone.
bool signalGroup(qint64 group, int signal);
//! Whether the process group \a group still has a member.
bool groupExists(qint64 group);

/*!
 * A descriptor that poll() sees readable after wake() (Linux: an eventfd; a pipe elsewhere).
 * wake() is safe from any thread and never blocks.
 */
class Waker
{
public:
    Waker();
    Waker(const Waker &) = delete;
    Waker &operator=(const Waker &) = delete;
    ~Waker();

    int fd() const { return m_read; }
    void wake();
    //! Makes fd() unreadable again.
    void clear();

private:
    int m_read = -1;
    int m_write = -1; // the same as m_read for an eventfd
};

/*!
 * A descriptor that poll() sees readable while a descriptor it lets through is (Linux only: an
 * epoll set of at most two). Letting none through keeps the poller asleep however much input
 * waits, without the poller being woken to change its poll set.
 */
class InputGate
{
public:
    InputGate();
    InputGate(const InputGate &) = delete;
    InputGate &operator=(const InputGate &) = delete;
    ~InputGate();

    int fd() const { return m_fd; }
    //! Lets the input of \a watched through (-1 entries: none); {-1, -1} closes the gate.
    void setOpen(std::array<int, 2> watched);

private:
    int m_fd = -1;
    std::array<int, 2> m_watched{-1, -1};
};

//! strerror() text of \a error, e.g. "Permission denied".
QString osError(int error);
//! Sets O_NONBLOCK and FD_CLOEXEC; returns fd.
int makeNonBlocking(int fd);
//! pipe2() with both ends O_CLOEXEC and numbered >= 3, so they never collide with stdio.
bool makePipe(int fds[2]);
void closeFd(int &fd);

} // namespace QtPyVenv::Internal
