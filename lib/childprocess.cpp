// SPDX-License-Identifier: MIT
#include "childprocess.h"

#include <cerrno>
#include <cstring>

#include <poll.h>

namespace QtPyVenv::Internal {

namespace {

constexpr qsizetype ToolTailBytes = 8 * 1024;

} // namespace

QString ProcessExit::describe() const
{
    if (!crashed)
        return QStringLiteral("exited with code %1").arg(code);
    return QStringLiteral("was killed by signal %1 (%2)").arg(code).arg(QString::fromLocal8Bit(::strsignal(code)));
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

ChildProcess::~ChildProcess()
{
    if (m_pid > 0 && !m_reaped)
        reap(true);
    closeOutput();
    closeFd(m_exitFd);
}

bool ChildProcess::start(const Options &options, QString *error)
{
    int outPipe[2] = {-1, -1}, errPipe[2] = {-1, -1};
    auto cleanup = [&] {
        for (int *fd : {&outPipe[0], &outPipe[1], &errPipe[0], &errPipe[1]})
            closeFd(*fd);
    };
    const bool ownStdout = options.stdioFd < 0;
    if ((ownStdout && !makePipe(outPipe)) || (!options.mergeOutput && !makePipe(errPipe))) {
        *error = QStringLiteral("cannot create pipes: %1").arg(osError(errno));
        cleanup();
        return false;
    }

    // QProcess opens no channel of its own: stdin is /dev/null (a file it opens) or forwarded
    // for the modifier to replace, stdout and stderr are forwarded for it to replace.
    m_process.setProgram(options.program);
    m_process.setArguments(options.arguments);
    m_process.setProcessEnvironment(options.environment);
    m_process.setProcessChannelMode(QProcess::ForwardedChannels);
    if (ownStdout)
        m_process.setStandardInputFile(QProcess::nullDevice());
    else
        m_process.setInputChannelMode(QProcess::ForwardedInputChannel);
    const ChildModifier modifier({.stdinFd = options.stdioFd,
                                  .stdoutFd = ownStdout ? outPipe[1] : options.stdioFd,
                                  .stderrFd = options.mergeOutput ? outPipe[1] : errPipe[1],
                                  .passed = options.passed,
                                  .parentDeathSignal = options.parentDeathSignal,
                                  .subreaper = options.subreaper});
    modifier.install(m_process);
    m_process.start(QIODevice::ReadOnly);
    // Reads QProcess's start pipe: true once the exec succeeded, false with its errno.
    const bool started = m_process.waitForStarted(-1);
    closeFd(outPipe[1]);
    closeFd(errPipe[1]);
    m_out = ownStdout ? makeNonBlocking(outPipe[0]) : -1;
    m_err = options.mergeOutput ? -1 : makeNonBlocking(errPipe[0]);
    if (!started) {
        closeOutput();
        *error = QStringLiteral("cannot run %1: %2").arg(options.program, m_process.errorString());
        return false;
    }
    m_pid = m_process.processId();
    m_exitFd = openExitFd(m_pid);
    m_groupGraceMs = options.groupGraceMs;
    return true;
}

void ChildProcess::terminate()
{
    if (m_pid > 0 && !m_reaped)
        m_process.terminate();
}

void ChildProcess::killGroup()
{
    if (m_pid <= 0 || m_reaped)
        return;
    signalGroup(m_pid, SIGKILL);
    m_process.kill(); // in case it has not made its own group yet
}

bool ChildProcess::reap(bool block)
{
    if (m_pid <= 0 || m_reaped)
        return m_reaped;
    if (block)
        killGroup();
    else if (!exited())
        return false;
    // The child is gone or going: QProcess collects it from its forkfd (waitid() on a pidfd
    // here), so this waits no longer than the kernel takes to report the death.
    m_process.waitForFinished(-1);
    if (!block)
        endGroup();
    m_reaped = true;
    m_exit = {.crashed = m_process.exitStatus() == QProcess::CrashExit, .code = m_process.exitCode()};
    closeFd(m_exitFd);
    return true;
}

// Without an exit descriptor, QProcess's own non-blocking look.
bool ChildProcess::exited()
{
    if (m_exitFd < 0)
        return m_process.waitForFinished(0) || m_process.state() == QProcess::NotRunning;
    pollfd fd{m_exitFd, POLLIN, 0};
    return ::poll(&fd, 1, 0) > 0;
}

// Grandchildren the code left behind go with it. The group id stays reserved while the zombie or
// any member lives; once the group is empty, kill() fails with ESRCH, and the id could only come
// back as a new group after the kernel's pids wrapped around, not within the grace.
void ChildProcess::endGroup()
{
    if (m_groupGraceMs <= 0) {
        signalGroup(m_pid, SIGKILL);
        return;
    }
    if (!signalGroup(m_pid, SIGTERM))
        return;
    const QDeadlineTimer grace(m_groupGraceMs);
    // No descriptor tells when a group empties: look now and then.
    while (groupExists(m_pid) && !grace.hasExpired())
        ::poll(nullptr, 0, 10);
    signalGroup(m_pid, SIGKILL);
}

void ChildProcess::closeOutput()
{
    closeFd(m_out);
    closeFd(m_err);
}

bool ToolRun::succeeded() const
{
    return outcome == Finished && exit.succeeded();
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
            timeout = 20; // no exit descriptor: look for the exit now and then
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
    run.exit = child.exit();
    return run;
}

} // namespace QtPyVenv::Internal
