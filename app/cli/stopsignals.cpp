// SPDX-License-Identifier: MIT
#include "stopsignals.h"

#include <cerrno>
#include <csignal>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

namespace {

constexpr int Caught[] = {SIGINT, SIGTERM};

// The handler's pipe; set before the handlers are installed, reset after they are removed.
volatile sig_atomic_t signalPipe = -1;

void onSignal(int signal)
{
    const int savedErrno = errno;
    const char number = char(signal);
    // A full pipe (64 KiB of unread signals) loses this one; the event loop has enough to act on.
    [[maybe_unused]] const ssize_t written = ::write(signalPipe, &number, 1);
    errno = savedErrno;
}

void setAction(void (*handler)(int))
{
    struct sigaction action = {};
    action.sa_handler = handler;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART; // the tool's own reads and writes go on undisturbed
    for (const int signal : Caught)
        ::sigaction(signal, &action, nullptr);
}

} // namespace

StopSignals::StopSignals(QObject *parent)
    : QObject(parent)
{
    if (::pipe2(m_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        qWarning("qtpyvenv-call: cannot catch Ctrl+C (pipe: %s)", std::strerror(errno));
        return;
    }
    m_notifier = std::make_unique<QSocketNotifier>(m_pipe[0], QSocketNotifier::Read);
    connect(m_notifier.get(), &QSocketNotifier::activated, this, &StopSignals::readPipe);
    signalPipe = m_pipe[1];
    setAction(onSignal);
}

StopSignals::~StopSignals()
{
    if (m_pipe[0] < 0)
        return;
    setAction(SIG_DFL);
    signalPipe = -1;
    m_notifier.reset();
    ::close(m_pipe[0]);
    ::close(m_pipe[1]);
}

void StopSignals::readPipe()
{
    char numbers[64];
    const ssize_t count = ::read(m_pipe[0], numbers, sizeof numbers);
    for (ssize_t i = 0; i < count; ++i) {
        if (numbers[i] == SIGINT)
            Q_EMIT interrupted();
        else
            Q_EMIT terminated();
    }
}
