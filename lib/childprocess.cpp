// SPDX-License-Identifier: MIT
#include "childprocess.h"

#include <QFile>

#include <cerrno>
#include <csignal>
#include <cstring>

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace QtPyVenv::Internal {

namespace {

constexpr qsizetype ToolTailBytes = 8 * 1024;

int pidfdOpen(pid_t pid)
{
#ifdef SYS_pidfd_open
    const int fd = int(::syscall(SYS_pidfd_open, pid, 0));
    if (fd >= 0)
        ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    return fd;
#else
    Q_UNUSED(pid);
    return -1;
#endif
}

// What the child sets up before exec, all of it plain data.
struct ExecSetup {
    pid_t parent;
    int in, out, err, errorPipe;
    int passFd, passFdAs;
    int parentDeathSignal;
    bool subreaper;
};

// Only async-signal-safe calls from here on: the parent may have other threads.
[[noreturn]] void execChild(ExecSetup setup, const char *program, char *const argv[], char *const envp[])
{
    ::setpgid(0, 0);
    if (setup.subreaper)
        ::prctl(PR_SET_CHILD_SUBREAPER, 1); // kept across execve
    ::prctl(PR_SET_PDEATHSIG, setup.parentDeathSignal);
    if (::getppid() != setup.parent)
        ::_exit(127);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig : {SIGPIPE, SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT})
        ::signal(sig, SIG_DFL);
    ::dup2(setup.in, 0);
    ::dup2(setup.out, 1);
    ::dup2(setup.err, 2);
    if (setup.passFd >= 0) {
        if (setup.passFdAs == setup.errorPipe)
            setup.errorPipe = ::fcntl(setup.errorPipe, F_DUPFD_CLOEXEC, 3);
        if (setup.passFdAs != setup.passFd)
            ::dup2(setup.passFd, setup.passFdAs);
        ::fcntl(setup.passFdAs, F_SETFD, 0);
    }
    ::execve(program, argv, envp);
    const int code = errno;
    [[maybe_unused]] auto written = ::write(setup.errorPipe, &code, sizeof code);
    ::_exit(127);
}

} // namespace

int makeNonBlocking(int fd)
{
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

bool makePipe(int fds[2])
{
    if (::pipe2(fds, O_CLOEXEC) != 0)
        return false;
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

QString osError(int error)
{
    return QString::fromLocal8Bit(::strerror(error));
}

QString lastLines(const QByteArray &output, int count)
{
    QList<QByteArray> lines = output.split('\n');
    while (!lines.isEmpty() && lines.last().trimmed().isEmpty())
        lines.removeLast();
    if (lines.size() > count)
        lines = lines.mid(lines.size() - count);
    return QString::fromUtf8(lines.join('\n'));
}

QString describeWaitStatus(int status)
{
    if (WIFEXITED(status))
        return QStringLiteral("exited with code %1").arg(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) {
        const int sig = WTERMSIG(status);
        return QStringLiteral("was killed by signal %1 (%2)").arg(sig).arg(QString::fromLocal8Bit(::strsignal(sig)));
    }
    return QStringLiteral("ended with wait status %1").arg(status);
}

ChildProcess::~ChildProcess()
{
    if (m_pid > 0 && !m_reaped)
        reap(true);
    closeOutput();
    closeFd(m_pidFd);
}

bool ChildProcess::start(const Options &options, QString *error)
{
    const QByteArray program = QFile::encodeName(options.program);
    QList<QByteArray> argStore{program};
    for (const QString &arg : options.arguments)
        argStore.append(arg.toLocal8Bit());
    QList<QByteArray> envStore;
    for (const QString &entry : options.environment)
        envStore.append(entry.toLocal8Bit());
    std::vector<char *> argv, envp;
    for (QByteArray &arg : argStore)
        argv.push_back(arg.data());
    argv.push_back(nullptr);
    for (QByteArray &entry : envStore)
        envp.push_back(entry.data());
    envp.push_back(nullptr);

    int outPipe[2] = {-1, -1}, errPipe[2] = {-1, -1}, execPipe[2] = {-1, -1};
    int devNull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    auto cleanup = [&] {
        for (int *fd : {&outPipe[0], &outPipe[1], &errPipe[0], &errPipe[1], &execPipe[0], &execPipe[1], &devNull})
            closeFd(*fd);
    };
    const bool ownStdout = options.stdioFd < 0;
    if (devNull < 0 || (ownStdout && !makePipe(outPipe)) || (!options.mergeOutput && !makePipe(errPipe))
        || !makePipe(execPipe)) {
        *error = QStringLiteral("cannot create pipes: %1").arg(osError(errno));
        cleanup();
        return false;
    }

    const ExecSetup setup{.parent = ::getpid(),
                          .in = ownStdout ? devNull : options.stdioFd,
                          .out = ownStdout ? outPipe[1] : options.stdioFd,
                          .err = options.mergeOutput ? outPipe[1] : errPipe[1],
                          .errorPipe = execPipe[1],
                          .passFd = options.passFd,
                          .passFdAs = options.passFdAs,
                          .parentDeathSignal = options.parentDeathSignal,
                          .subreaper = options.subreaper};
    const pid_t pid = ::fork();
    if (pid == 0)
        execChild(setup, program.constData(), argv.data(), envp.data());
    if (pid < 0) {
        *error = QStringLiteral("cannot fork: %1").arg(osError(errno));
        cleanup();
        return false;
    }
    closeFd(execPipe[1]);
    closeFd(outPipe[1]);
    closeFd(errPipe[1]);
    closeFd(devNull);

    int execErrno = 0;
    ssize_t got;
    do {
        got = ::read(execPipe[0], &execErrno, sizeof execErrno);
    } while (got < 0 && errno == EINTR);
    closeFd(execPipe[0]);
    m_pid = pid;
    m_out = ownStdout ? makeNonBlocking(outPipe[0]) : -1;
    m_err = options.mergeOutput ? -1 : makeNonBlocking(errPipe[0]);
    if (got == ssize_t(sizeof execErrno)) {
        reap(true);
        closeOutput();
        *error = QStringLiteral("cannot run %1: %2").arg(options.program, osError(execErrno));
        return false;
    }
    m_pidFd = pidfdOpen(pid);
    m_groupGraceMs = options.groupGraceMs;
    return true;
}

void ChildProcess::terminate()
{
    if (m_pid > 0 && !m_reaped)
        ::kill(m_pid, SIGTERM);
}

void ChildProcess::killGroup()
{
    if (m_pid <= 0 || m_reaped)
        return;
    ::kill(-m_pid, SIGKILL);
    ::kill(m_pid, SIGKILL); // in case it has not made its own group yet
}

bool ChildProcess::reap(bool block)
{
    if (m_pid <= 0 || m_reaped)
        return m_reaped;
    if (block)
        killGroup();
    int status = 0;
    pid_t r;
    do {
        r = ::waitpid(m_pid, &status, block ? 0 : WNOHANG);
    } while (r < 0 && errno == EINTR);
    if (r == 0)
        return false;
    if (!block)
        endGroup();
    m_reaped = true;
    m_status = r == m_pid ? status : 0;
    closeFd(m_pidFd);
    return true;
}

// Grandchildren the code left behind go with it. The group id stays reserved while the zombie or
// any member lives; once the group is empty, kill() fails with ESRCH, and the id could only come
// back as a new group after the kernel's pids wrapped around, not within the grace.
void ChildProcess::endGroup()
{
    if (m_groupGraceMs <= 0) {
        ::kill(-m_pid, SIGKILL);
        return;
    }
    if (::kill(-m_pid, SIGTERM) != 0)
        return;
    const QDeadlineTimer grace(m_groupGraceMs);
    // No descriptor tells when a group empties: look now and then.
    while (::kill(-m_pid, 0) == 0 && !grace.hasExpired())
        ::poll(nullptr, 0, 10);
    ::kill(-m_pid, SIGKILL);
}

void ChildProcess::closeOutput()
{
    closeFd(m_out);
    closeFd(m_err);
}

bool ToolRun::succeeded() const
{
    return outcome == Finished && WIFEXITED(waitStatus) && WEXITSTATUS(waitStatus) == 0;
}

ToolRun runTool(const ChildProcess::Options &options, QDeadlineTimer deadline, int abortFd,
                const std::function<void(const QByteArray &)> &onOutput)
{
    ChildProcess::Options merged = options;
    merged.mergeOutput = true;
    ToolRun run;
    ChildProcess child;
    if (!child.start(merged, &run.error))
        return run;

    char buffer[16384];
    bool outputOpen = true;
    auto drain = [&] {
        for (;;) {
            const ssize_t n = ::read(child.stdoutFd(), buffer, sizeof buffer);
            if (n > 0) {
                const QByteArray chunk(buffer, n);
                run.tail.append(chunk);
                if (run.tail.size() > 2 * ToolTailBytes)
                    run.tail.remove(0, run.tail.size() - ToolTailBytes);
                onOutput(chunk);
                continue;
            }
            if (n == 0 || (errno != EINTR && errno != EAGAIN))
                outputOpen = false;
            if (n < 0 && errno == EINTR)
                continue;
            return;
        }
    };

    run.outcome = ToolRun::Finished;
    while (!child.reaped()) {
        pollfd fds[3] = {{child.stdoutFd(), POLLIN, 0}, {child.exitFd(), POLLIN, 0}, {abortFd, POLLIN, 0}};
        if (!outputOpen)
            fds[0].fd = -1;
        int timeout = deadline.isForever() ? -1 : int(std::min<qint64>(deadline.remainingTime(), 1 << 30));
        if (child.exitFd() < 0 && (timeout < 0 || timeout > 20))
            timeout = 20; // no pidfd: look for the exit now and then
        const int ready = ::poll(fds, 3, timeout);
        if (ready < 0 && errno != EINTR)
            break;
        if (fds[0].revents)
            drain();
        if (fds[2].revents) {
            run.outcome = ToolRun::Aborted;
            break;
        }
        if ((fds[1].revents || child.exitFd() < 0) && child.reap(false))
            break;
        if (deadline.hasExpired()) {
            run.outcome = ToolRun::TimedOut;
            break;
        }
    }
    if (!child.reaped())
        child.reap(true);
    drain();
    run.waitStatus = child.waitStatus();
    return run;
}

} // namespace QtPyVenv::Internal
