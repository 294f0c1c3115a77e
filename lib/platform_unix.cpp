// SPDX-License-Identifier: MIT
#include "platform_unix.h"

#include <QProcess>

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

#ifdef Q_OS_LINUX
#include <linux/close_range.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif

namespace QtPyVenv::Internal {

namespace {

// Runs in the child between fork and exec. What QProcess (Qt 6.4, qprocess_unix.cpp) does
// around it: execChild() first dup2()s its channels onto 0, 1 and 2 (none for a forwarded
// channel), then chdir()s, then calls the modifier, then execve(); so what is put on 0-2 here
// wins. The child comes from vforkfd(): with Debian's Qt 6.4.2 that is clone(CLONE_VM |
// CLONE_VFORK | CLONE_PIDFD) (strace), so it shares the parent's memory until exec and the
// starting thread waits until then: only async-signal-safe calls, no writes but to locals.
// QProcess reaps with waitid(P_PIDFD) on the descriptor the clone returned. Qt 6.4 cannot
// report a modifier's failure (failChildProcessModifier() came in 6.7): _exit(127) shows as an
// exit with code 127. Nor does it close inherited descriptors (UnixProcessParameters came in
// 6.6): this process's descriptors that are not O_CLOEXEC would reach the program.
void setUpChild(const ChildSetup &setup, pid_t parent)
{
    ::setpgid(0, 0);
#ifdef Q_OS_LINUX
    if (setup.subreaper)
        ::prctl(PR_SET_CHILD_SUBREAPER, 1); // kept across execve
    // Tied to the thread that forked, which QProcess::start() does in the thread calling it.
    ::prctl(PR_SET_PDEATHSIG, setup.parentDeathSignal);
#endif
    if (::getppid() != parent) // the parent died before the line above
        ::_exit(127);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig : {SIGPIPE, SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT})
        ::signal(sig, SIG_DFL);
    if (setup.stdinFd >= 0)
        ::dup2(setup.stdinFd, 0);
    if (setup.stdoutFd >= 0)
        ::dup2(setup.stdoutFd, 1);
    if (setup.stderrFd >= 0)
        ::dup2(setup.stderrFd, 2);
#ifdef Q_OS_LINUX
    // Qt 6.4 passes on every descriptor of this process that is not close-on-exec (see above):
    // the child gets 0-2 and what it is given. dup2() below clears the flag on what it makes.
    ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
#endif
    // In ascending order of the numbers: a descriptor held above its number (ChildModifier) can
    // only sit at the number of a later one, which is overwritten after it was copied.
    for (const PassedFd &passed : setup.passed) {
        if (passed.fd < 0)
            continue;
        if (passed.fd != passed.as)
            ::dup2(passed.fd, passed.as);
        ::fcntl(passed.as, F_SETFD, 0);
    }
}

} // namespace

// A passed descriptor waits at its number (or the first free one above) in this process, so that
// no descriptor QProcess opens for the start (its start pipe) can be at that number and be
// overwritten by the child's dup2().
ChildModifier::ChildModifier(const ChildSetup &setup)
    : m_setup(setup)
{
    for (size_t i = 0; i < setup.passed.size(); ++i) {
        const PassedFd &passed = setup.passed[i];
        if (passed.fd >= 0 && passed.fd != passed.as)
            m_held[i] = ::fcntl(passed.fd, F_DUPFD_CLOEXEC, passed.as);
        if (m_held[i] >= 0) // else the child's dup2() alone has to do
            m_setup.passed[i].fd = m_held[i];
    }
}

ChildModifier::~ChildModifier()
{
    for (int &held : m_held)
        closeFd(held);
}

void ChildModifier::install(QProcess &process) const
{
    process.setChildProcessModifier([setup = m_setup, parent = ::getpid()] { setUpChild(setup, parent); });
}

int openExitFd(qint64 pid)
{
#if defined(Q_OS_LINUX) && defined(SYS_pidfd_open)
    const int fd = int(::syscall(SYS_pidfd_open, pid_t(pid), 0));
    if (fd >= 0)
        ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    return fd;
#else
    Q_UNUSED(pid);
    return -1;
#endif
}

bool signalGroup(qint64 group, int signal)
{
    return group > 0 && ::kill(-pid_t(group), signal) == 0;
}

bool groupExists(qint64 group)
{
    return signalGroup(group, 0);
}

Waker::Waker()
{
#ifdef Q_OS_LINUX
    m_read = m_write = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
#else
    int fds[2];
    if (makePipe(fds)) {
        m_read = makeNonBlocking(fds[0]);
        m_write = makeNonBlocking(fds[1]);
    }
#endif
}

Waker::~Waker()
{
    if (m_write != m_read)
        closeFd(m_write);
    closeFd(m_read);
}

void Waker::wake()
{
#ifdef Q_OS_LINUX
    ::eventfd_write(m_write, 1);
#else
    const char byte = 0;
    [[maybe_unused]] auto written = ::write(m_write, &byte, 1); // a full pipe is readable already
#endif
}

void Waker::clear()
{
#ifdef Q_OS_LINUX
    eventfd_t value;
    ::eventfd_read(m_read, &value);
#else
    char buffer[256];
    while (::read(m_read, buffer, sizeof buffer) > 0) {
    }
#endif
}

InputGate::InputGate()
    : m_fd(::epoll_create1(EPOLL_CLOEXEC))
{
}

InputGate::~InputGate()
{
    closeFd(m_fd);
}

void InputGate::setOpen(std::array<int, 2> watched)
{
    const auto has = [](const std::array<int, 2> &set, int fd) { return fd >= 0 && (set[0] == fd || set[1] == fd); };
    for (int fd : m_watched) {
        if (fd >= 0 && !has(watched, fd))
            ::epoll_ctl(m_fd, EPOLL_CTL_DEL, fd, nullptr);
    }
    for (int fd : watched) {
        if (fd >= 0 && !has(m_watched, fd)) {
            epoll_event event{};
            event.events = EPOLLIN;
            ::epoll_ctl(m_fd, EPOLL_CTL_ADD, fd, &event);
        }
    }
    m_watched = watched;
}

QString osError(int error)
{
    return QString::fromLocal8Bit(::strerror(error));
}

int makeNonBlocking(int fd)
{
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

bool makePipe(int fds[2])
{
#ifdef Q_OS_LINUX
    if (::pipe2(fds, O_CLOEXEC) != 0)
        return false;
#else
    if (::pipe(fds) != 0)
        return false;
    for (int i = 0; i < 2; ++i)
        ::fcntl(fds[i], F_SETFD, FD_CLOEXEC); // another thread's fork may come between
#endif
    for (int i = 0; i < 2; ++i) {
        if (fds[i] < 3) {
            const int high = ::fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
            ::close(fds[i]);
            fds[i] = high;
        }
    }
    return fds[0] >= 0 && fds[1] >= 0;
}

void closeFd(int &fd)
{
    if (fd >= 0)
        ::close(fd);
    fd = -1;
}

} // namespace QtPyVenv::Internal
