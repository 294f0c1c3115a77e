// SPDX-License-Identifier: MIT
#include "workerconnection.h"

#include "logging.h"

#include <QRandomGenerator>
#include <QtEndian>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <chrono>
#include <cstring>

#include <fcntl.h>
#include <pthread.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

namespace QtPyVenv::Internal {

namespace {

constexpr int SocketBufferBytes = 1 << 20;
constexpr int OutputChunk = 64 * 1024;
// Frame buffers kept for reuse: big enough that fresh pages cost more than the encoding, small
// enough that keeping one for the worker's lifetime costs little.
constexpr qsizetype SpareFrameMinBytes = 1 << 20;
constexpr qsizetype SpareFrameMaxBytes = 64 << 20;
// A worker that closed its end of the socket but still runs, or was told to stop, gets this long
// to exit.
constexpr int ExitGraceMs = 2000;
// A frame that stops half-way for this long while no call is running is a protocol error.
constexpr int FrameStallMs = 2000;
// How long the socket stays out of the I/O thread's poll set after a caller stopped reading, so
// that the next call's claim and release skip their two epoll_ctl() calls. Unsolicited frames
// (progress, output over stdio) that arrive meanwhile wait at most this long.
constexpr auto ReaderLinger = std::chrono::milliseconds(1);
// What of a launcher's stderr is kept for the report of a failed start or a death.
constexpr qsizetype LauncherTailBytes = 4096;
constexpr int LauncherLinesInReport = 5;
// Shows in top -H, gdb and /proc: which thread of the host serves a worker.
constexpr char IoThreadName[] = "qtpyvenv-io";

// Where the worker finds its end of the protocol socket and of its frame pipe ("SOCKET,PIPE");
// it removes the variable at once.
constexpr char ProtocolFdVariable[] = "QTPYVENV_PROTOCOL_FD";

// A number for the worker's end of the socket that user code does not hit by chance, with the
// next one free for its frame pipe: random, and above what a process opens on its own. Within
// the soft RLIMIT_NOFILE and below 1024, as a higher one would enlarge the descriptor table of
// every process in the worker's tree.
int unlikelyDescriptor()
{
    rlimit limit{};
    const rlim_t soft = ::getrlimit(RLIMIT_NOFILE, &limit) == 0 ? limit.rlim_cur : 256;
    const int high = int(std::min<rlim_t>(soft, 1024)) - 1;
    const int low = std::max(3, high / 4);
    return high - low > 1 ? int(QRandomGenerator::global()->bounded(low, high)) : low;
}

} // namespace

WorkerConnection::WorkerConnection(Handler *handler)
    : m_handler(handler)
{
}

WorkerConnection::~WorkerConnection()
{
    kill();
    join();
    closeFd(m_socket);
    closeFd(m_childEnd);
    closeFd(m_framePipe);
    closeFd(m_childFramePipe);
}

bool WorkerConnection::start(ChildProcess::Options options, Transport transport, QString *error)
{
    m_transport = transport;
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
        *error = QStringLiteral("cannot create the protocol socket: %1").arg(osError(errno));
        return false;
    }
    m_socket = makeNonBlocking(pair[0]);
    m_childEnd = pair[1] >= 3 ? pair[1] : ::fcntl(pair[1], F_DUPFD_CLOEXEC, 3);
    if (m_childEnd != pair[1])
        ::close(pair[1]);
    for (int fd : {m_socket, m_childEnd}) {
        ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &SocketBufferBytes, sizeof SocketBufferBytes);
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &SocketBufferBytes, sizeof SocketBufferBytes);
    }
    if (transport == Transport::Descriptor) {
        int pipe[2];
        if (!makePipe(pipe)) {
            *error = QStringLiteral("cannot create the frame pipe: %1").arg(osError(errno));
            return false;
        }
        m_framePipe = makeNonBlocking(pipe[0]);
        m_childFramePipe = pipe[1];
    }
    m_input.setLanes(m_framePipe >= 0 ? m_framePipe : m_socket, m_framePipe >= 0 ? m_socket : -1);
    {
        std::lock_guard lock(m_outMutex);
        watchInputLocked(true);
    }

    const QString variable = QLatin1String(ProtocolFdVariable);
    options.environment.remove(variable);
    if (transport == Transport::Stdio) {
        options.stdioFd = m_childEnd;
    } else {
        const int at = unlikelyDescriptor();
        options.passed = {PassedFd{m_childEnd, at}, PassedFd{m_childFramePipe, at + 1}};
        options.environment.insert(variable, QStringLiteral("%1,%2").arg(at).arg(at + 1));
    }
    // The worker's first process stays behind as the guard of its tree (worker/qtpyvenv_worker.py).
    options.subreaper = true;
    options.parentDeathSignal = SIGTERM;

    std::promise<QString> started;
    auto outcome = started.get_future();
    m_thread = std::thread(&WorkerConnection::run, this, std::move(options), &started);
    *error = outcome.get();
    if (!error->isEmpty()) {
        join();
        return false;
    }
    return true;
}

void WorkerConnection::run(ChildProcess::Options options, std::promise<QString> *started)
{
    ::pthread_setname_np(::pthread_self(), IoThreadName);
    ChildProcess child;
    QString error;
    const bool ok = child.start(options, &error);
    closeFd(m_childEnd);
    closeFd(m_childFramePipe);
    if (!ok) {
        std::lock_guard lock(m_outMutex);
        m_dead = true;
    } else {
        m_pid = child.pid();
    }
    started->set_value(error);
    if (!ok)
        return;

    loop(child);

    Exit exit;
    exit.process = child.exit();
    {
        std::lock_guard lock(m_outMutex);
        m_dead = true;
        m_out.clear();
        // End of input for a worker the launcher left running (a killed ssh's remote side ends
        // when its connection closes; locally, a launcher in a session of its own).
        closeFd(m_socket);
        exit.protocolError = m_protocolError;
        exit.requested = m_killRequested && m_protocolError.isEmpty();
    }
    {
        std::lock_guard lock(m_pipeMutex);
        exit.launcherMessages = lastLines(m_launcherTail, LauncherLinesInReport);
    }
    m_pid = 0;
    m_handler->onExit(exit);
}

// What the I/O thread knows of the worker between two polls.
struct WorkerConnection::LoopState {
    ChildProcess &child;
    int stdoutFd; // -1 once at EOF: no longer polled
    int stderrFd;
    bool inputOpen = true; // m_inputOpen when this thread last read
    int stallMs = -1;      // msUntilStall() when this thread last read
    std::chrono::steady_clock::time_point inputClosedAt;
    bool killed = false; // asked to end (SIGTERM to the guard)
    std::chrono::steady_clock::time_point killedAt;
    bool forced = false; // SIGKILL to its process group
};

void WorkerConnection::loop(ChildProcess &child)
{
    m_stdout = child.stdoutFd();
    m_stderr = child.stderrFd();
    LoopState state{.child = child, .stdoutFd = m_stdout, .stderrFd = m_stderr};
    while (!child.reaped()) {
        bool wantWrite;
        bool stopNow;
        bool callerReads;
        int lingerMs;
        {
            std::lock_guard lock(m_outMutex);
            wantWrite = !m_out.empty();
            stopNow = m_killRequested && !state.killed;
            callerReads = m_callerReader != std::thread::id();
            lingerMs = msUntilLingerEndsLocked(callerReads);
        }
        if (stopNow)
            stop(state);
        // The socket's input through m_inputGate, open only while this thread reads it.
        pollfd fds[6] = {
            {m_waker.fd(), POLLIN, 0},
            {m_inputGate.fd(), POLLIN, 0},
            {state.stdoutFd, POLLIN, 0},
            {state.stderrFd, POLLIN, 0},
            {child.exitFd(), POLLIN, 0},
            {wantWrite ? m_socket : -1, POLLOUT, 0},
        };
        const int ready = ::poll(fds, 6, pollTimeoutMs(state, callerReads, lingerMs));
        if (ready < 0 && errno != EINTR)
            break;
        if (fds[0].revents)
            m_waker.clear();
        if (fds[5].revents) {
            std::lock_guard lock(m_outMutex);
            flushLocked();
        }
        if (fds[2].revents && !readOutput(state.stdoutFd, 1))
            state.stdoutFd = -1;
        if (fds[3].revents && !readOutput(state.stderrFd, 2))
            state.stderrFd = -1;
        takeTurnAtReading(state, fds[1].revents != 0);
        if (!state.killed)
            ringAlarm();
        if (fds[4].revents || child.exitFd() < 0)
            child.reap(false);
        endOverdueWorker(state, ready == 0);
    }
    if (!child.reaped())
        child.reap(true);
    reclaimReading();
    drainAfterExit(state);
}

// The worker's guard tears down its whole tree on SIGTERM, sessions of their own included;
// SIGKILL to the process group only when it did not end in time (endOverdueWorker()).
void WorkerConnection::stop(LoopState &state)
{
    state.child.terminate();
    state.killed = true;
    state.killedAt = std::chrono::steady_clock::now();
}

void WorkerConnection::killFor(LoopState &state, const QString &reason)
{
    reportViolation(reason);
    stop(state);
}

// How long the I/O thread may sleep: until the next thing it has to look at.
int WorkerConnection::pollTimeoutMs(const LoopState &state, bool callerReads, int lingerMs) const
{
    int timeout = -1;
    if (state.child.exitFd() < 0)
        timeout = 20;
    else if ((!state.inputOpen || state.killed) && !state.forced)
        timeout = ExitGraceMs;
    const bool watchStall = state.inputOpen && !state.killed && !callerReads;
    for (const int due : {watchStall ? state.stallMs : -1, state.killed ? -1 : msUntilAlarm(), lingerMs}) {
        if (due >= 0)
            timeout = timeout < 0 ? due : std::min(timeout, due);
    }
    return timeout;
}

// Reads the socket when no caller does, and looks at what the reading left: a broken or stalled
// frame, the end of input.
void WorkerConnection::takeTurnAtReading(LoopState &state, bool socketReady)
{
    {
        std::lock_guard lock(m_outMutex);
        m_ioReads = m_callerReader == std::thread::id();
        if (!m_ioReads)
            return;
    }
    if (socketReady) {
        if (const QString violation = readFrames(); !violation.isEmpty() && !state.killed)
            killFor(state, violation);
    }
    if (state.inputOpen && !m_inputOpen) // here or in a caller's readUntil()
        state.inputClosedAt = std::chrono::steady_clock::now();
    state.inputOpen = m_inputOpen;
    if (state.inputOpen && !state.killed) {
        if (const QString stall = stalledFrame(); !stall.isEmpty())
            killFor(state, stall);
    }
    state.stallMs = msUntilStall();
    {
        std::lock_guard lock(m_outMutex);
        m_ioReads = false;
        if (!state.inputOpen)
            watchInputLocked(false);
        else if (m_inputWatched)
            watchInputLocked(true); // the lane to wait on may have changed
    }
    m_readingReleased.notify_all();
}

// A worker that closed the channel but runs on, or that did not end when told to, is ended.
void WorkerConnection::endOverdueWorker(LoopState &state, bool idle)
{
    const auto now = std::chrono::steady_clock::now();
    const auto grace = std::chrono::milliseconds(ExitGraceMs);
    if (idle && !state.inputOpen && !state.killed && state.child.exitFd() >= 0 && now - state.inputClosedAt >= grace)
        killFor(state, QStringLiteral("the worker closed its protocol channel but kept running"));
    if (state.killed && !state.forced && !state.child.reaped() && now - state.killedAt >= grace) {
        state.child.killGroup();
        state.forced = true;
    }
}

// What the worker wrote before it went: finished calls and its last words.
void WorkerConnection::drainAfterExit(LoopState &state)
{
    bool broken;
    {
        std::lock_guard lock(m_outMutex);
        broken = !m_protocolError.isEmpty();
    }
    if (m_inputOpen && !broken) {
        if (const QString violation = readFrames(); !violation.isEmpty())
            reportViolation(violation);
    }
    if (state.stdoutFd >= 0)
        readOutput(state.stdoutFd, 1);
    if (state.stderrFd >= 0)
        readOutput(state.stderrFd, 2);
    state.child.closeOutput();
}

// Reports a broken protocol: the first reason is kept, and the I/O thread kills the worker.
void WorkerConnection::reportViolation(const QString &violation)
{
    {
        std::lock_guard lock(m_outMutex);
        if (m_protocolError.isEmpty())
            m_protocolError = violation;
        m_killRequested = true;
    }
    wake();
}

WorkerConnection::ReadOutcome WorkerConnection::readUntil(const std::function<bool()> &done,
                                                          std::chrono::steady_clock::time_point deadline)
{
    if (!claimReading())
        return ReadOutcome::Busy;
    ReadOutcome outcome = ReadOutcome::Busy;
    while (m_inputOpen) {
        if (done()) {
            outcome = ReadOutcome::Done;
            break;
        }
        int timeout = -1;
        if (deadline != std::chrono::steady_clock::time_point::max()) {
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
            timeout = int(std::clamp<qint64>(left, 0, INT_MAX));
        }
        const std::array<int, 2> lanes = m_input.lanesToWatch();
        pollfd fds[3] = {{lanes[0], POLLIN, 0}, {m_reclaimer.fd(), POLLIN, 0}, {lanes[1], POLLIN, 0}};
        const int ready = ::poll(fds, 3, timeout);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready == 0)
            outcome = ReadOutcome::TimedOut;
        if (ready <= 0 || fds[1].revents)
            break;
        if (const QString violation = readFrames(); !violation.isEmpty()) {
            reportViolation(violation);
            break;
        }
    }
    releaseReading();
    return outcome;
}

// The calling thread may read when nobody else does and the worker has not ended; the socket then
// leaves the I/O thread's poll set without waking it.
bool WorkerConnection::claimReading()
{
    std::unique_lock lock(m_outMutex);
    // A look of the I/O thread's (a wake-up for an alarm, say) ends soon: not worth the fallback.
    m_readingReleased.wait(lock, [this] { return !m_ioReads; });
    if (m_callerReader == std::this_thread::get_id())
        return true;
    if (m_callerReader != std::thread::id() || m_reclaimed || m_dead || m_killRequested || !m_inputOpen)
        return false;
    m_callerReader = std::this_thread::get_id();
    watchInputLocked(false);
    return true;
}

// Gives the socket back to the I/O thread, which wakes only if something waits there: unread
// bytes (through the gate), or a part of a frame or the end of input that it has to keep an eye on.
void WorkerConnection::releaseReading()
{
    {
        std::lock_guard lock(m_outMutex);
        if (m_callerReader != std::this_thread::get_id())
            return;
    }
    const bool lookNow = m_input.partialBytes() > 0 || !m_inputOpen;
    // Results that other threads wait for go on being read at once.
    const bool linger = !lookNow && !m_handler->expectsFrames();
    bool wakeIo = lookNow;
    {
        std::lock_guard lock(m_outMutex);
        m_callerReader = {};
        if (!linger) {
            m_lingering = false;
            watchInputLocked(m_inputOpen);
        } else {
            // The socket stays out for ReaderLinger: the I/O thread puts it back unless another
            // claim came first. Woken once when it sleeps without a timeout for that.
            m_releasedAt = std::chrono::steady_clock::now();
            m_lingering = true;
            wakeIo = !m_ioLooksSoon;
        }
    }
    m_readingReleased.notify_all();
    if (wakeIo)
        wake();
}

// With the lock held, by the I/O thread before it sleeps: how long it may sleep before the socket
// that a caller left (releaseReading()) comes back to its poll set, or -1. Puts it back when due.
int WorkerConnection::msUntilLingerEndsLocked(bool callerReads)
{
    m_ioLooksSoon = false;
    if (!m_lingering)
        return -1;
    const auto left = ReaderLinger - (std::chrono::steady_clock::now() - m_releasedAt);
    if (left <= std::chrono::steady_clock::duration::zero()) {
        // A caller that still reads waits for a long call: its release will wake this thread.
        m_lingering = false;
        if (!callerReads)
            watchInputLocked(m_inputOpen);
        return -1;
    }
    m_ioLooksSoon = true;
    return int(std::chrono::ceil<std::chrono::milliseconds>(left).count());
}

// With the lock held: opens the gate to the lanes the reader waits on, or closes it.
void WorkerConnection::watchInputLocked(bool watch)
{
    m_inputGate.setOpen(watch ? m_input.lanesToWatch() : std::array<int, 2>{-1, -1});
    m_inputWatched = watch;
}

// The worker ended: waits for a reading caller to hand the socket back, for good.
void WorkerConnection::reclaimReading()
{
    std::unique_lock lock(m_outMutex);
    m_reclaimed = true;
    m_reclaimer.wake();
    m_readingReleased.wait(lock, [this] { return m_callerReader == std::thread::id(); });
}

// Reads what the input's lanes hold and hands on their frames; why the worker broke the
// protocol, or empty.
QString WorkerConnection::readFrames()
{
    auto fail = [this](const QString &violation) {
        if (m_transport == Transport::Stdio && !m_frameSeen)
            return violation + QStringLiteral(" (the first bytes on the launched command's stdout were no frame: does "
                                              "the launcher or a login script write to stdout?)");
        return violation;
    };
    for (;;) {
        const int fd = m_input.fd();
        qsizetype want;
        char *const into = m_input.space(&want);
        const ssize_t n = ::read(fd, into, size_t(want));
        m_input.received(std::max<ssize_t>(n, 0));
        if (n == 0) {
            m_inputOpen = false;
            break;
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN) {
                m_inputOpen = false;
                break;
            }
            if (m_input.lanesToWatch()[1] >= 0) {
                const BulkLane bulk = idleBulkLane();
                if (bulk == BulkLane::OutOfTurn)
                    return fail(QStringLiteral("the worker wrote to its protocol socket out of turn (does user code "
                                               "write to a descriptor it found open?)"));
                if (bulk == BulkLane::FrameLaneWoke)
                    continue;
            }
            break;
        }
        m_inputAt = std::chrono::steady_clock::now();
        // The worker writes what a call printed before its result, but on another channel:
        // reading the pipes after the frames arrived reports the output first.
        readPendingOutput();
        Frame frame;
        while (m_input.next(&frame)) {
            m_frameSeen = true;
            if (takeOutputFrame(frame))
                continue;
            if (const QString violation = m_handler->onFrame(frame); !violation.isEmpty())
                return fail(violation);
        }
        if (!m_input.error().isEmpty())
            return fail(m_input.error());
        if (n < want && m_input.fd() == fd)
            break;
    }
    return {};
}

// With two lanes, after the frame lane ran dry: what the bulk lane, which the reader is not on,
// holds. Bytes or its end there while the frame lane is still empty were announced by no marker
// (the end closes the input, as on one lane). But the worker may have written a marker and its
// frame since the frame lane's read, or its last frames and then exited: then the frame lane,
// written first, has them now and is read on.
WorkerConnection::BulkLane WorkerConnection::idleBulkLane()
{
    char byte;
    const ssize_t n = ::recv(m_input.bulkFd(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return BulkLane::Quiet;
    pollfd frameLane{m_input.fd(), POLLIN, 0};
    if (::poll(&frameLane, 1, 0) > 0)
        return BulkLane::FrameLaneWoke;
    if (n > 0)
        return BulkLane::OutOfTurn;
    m_inputOpen = false;
    return BulkLane::Quiet;
}

// How long poll() may wait before stalledFrame() has to look; -1 without a partial frame.
int WorkerConnection::msUntilStall() const
{
    if (m_input.partialBytes() == 0)
        return -1;
    const auto left = std::chrono::milliseconds(FrameStallMs) - (std::chrono::steady_clock::now() - m_inputAt);
    return int(std::max<qint64>(0, std::chrono::ceil<std::chrono::milliseconds>(left).count()));
}

// How long poll() may wait for the alarm; -1 without one.
int WorkerConnection::msUntilAlarm() const
{
    const auto at = m_alarmAt.load(std::memory_order_relaxed);
    if (at == NoAlarm)
        return -1;
    const auto left = std::chrono::steady_clock::duration(at) - std::chrono::steady_clock::now().time_since_epoch();
    return int(std::clamp<qint64>(std::chrono::ceil<std::chrono::milliseconds>(left).count(), 0, INT_MAX));
}

void WorkerConnection::ringAlarm()
{
    auto at = m_alarmAt.load(std::memory_order_relaxed);
    if (at == NoAlarm || at > std::chrono::steady_clock::now().time_since_epoch().count())
        return;
    // A request made meanwhile (an earlier time) fails the exchange; its wake() brings another round.
    if (m_alarmAt.compare_exchange_strong(at, NoAlarm))
        m_handler->onAlarm();
}

void WorkerConnection::requestAlarm(std::chrono::steady_clock::time_point at)
{
    const auto ticks = at.time_since_epoch().count();
    auto current = m_alarmAt.load(std::memory_order_relaxed);
    while (ticks < current) {
        if (m_alarmAt.compare_exchange_weak(current, ticks)) {
            wake(); // poll() may be sleeping past it
            return;
        }
    }
}

// Why a partial frame that made no progress for FrameStallMs is a protocol error, or empty. A
// stray write to the socket shows as such a frame: without this, it would hold up every later
// frame without a sign.
QString WorkerConnection::stalledFrame()
{
    const auto now = std::chrono::steady_clock::now();
    if (m_input.partialBytes() == 0 || now - m_inputAt < std::chrono::milliseconds(FrameStallMs))
        return {};
    if (m_handler->expectsFrames()) {
        m_inputAt = now; // a result may be half-written while another thread holds the GIL
        return {};
    }
    return QStringLiteral("the worker sent %1 of the %2 bytes of a frame and then nothing for %3 s")
        .arg(m_input.partialBytes())
        .arg(m_input.partialFrameBytes())
        .arg(FrameStallMs / 1000);
}

// Reports what pipe \a fd holds; false at its end.
bool WorkerConnection::readOutput(int fd, int stream)
{
    std::lock_guard lock(m_pipeMutex);
    return readOutputLocked(fd, stream);
}

bool WorkerConnection::readOutputLocked(int fd, int stream)
{
    char buffer[OutputChunk];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n > 0) {
            if (m_transport == Transport::Stdio) {
                keepLauncherTail(buffer, n);
                m_handler->onLauncherOutput(buffer, n);
            } else {
                m_handler->onOutput(stream, buffer, n);
            }
            if (n < ssize_t(sizeof buffer))
                return true;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        return n != 0 && errno == EAGAIN; // at EOF the I/O thread stops polling it; ChildProcess closes it
    }
}

void WorkerConnection::keepLauncherTail(const char *data, qsizetype size)
{
    m_launcherTail.append(data, size);
    if (m_launcherTail.size() > 2 * LauncherTailBytes)
        m_launcherTail.remove(0, m_launcherTail.size() - LauncherTailBytes);
}

// What the worker's fd 1 or fd 2 wrote, forwarded over stdio: its exact JSON is fixed
// (docs/protocol.md), so it is recognised without parsing.
bool WorkerConnection::takeOutputFrame(const Frame &frame)
{
    static constexpr QByteArrayView Head = R"({"type":"output","fd":)";
    static constexpr QByteArrayView Tail = R"(,"data":{"\u0000":0}})";
    const QByteArrayView json = frame.json;
    if (frame.parts.size() != 1 || !frame.tagged || json.size() != Head.size() + 1 + Tail.size()
        || !json.startsWith(Head) || !json.endsWith(Tail))
        return false;
    const char fd = json.at(Head.size());
    if (fd != '1' && fd != '2')
        return false;
    m_handler->onOutput(fd - '0', frame.parts[0].data(), frame.parts[0].size());
    return true;
}

// Under the lock, so that output the I/O thread took from a pipe but has not reported yet is
// reported before the frames that follow it.
void WorkerConnection::readPendingOutput()
{
    std::lock_guard lock(m_pipeMutex);
    pollfd fds[2] = {{m_stdout, POLLIN, 0}, {m_stderr, POLLIN, 0}};
    if (::poll(fds, 2, 0) <= 0)
        return;
    if (fds[0].revents)
        readOutputLocked(m_stdout, 1);
    if (fds[1].revents)
        readOutputLocked(m_stderr, 2);
}

qint64 WorkerConnection::frameSize(const QByteArray &json, const FrameParts &parts)
{
    if (parts.blobs.isEmpty())
        return json.size();
    qint64 size = 8 + 4 * qint64(parts.blobs.size()) + json.size();
    for (const QByteArray &blob : parts.blobs)
        size = alignPart(size) + blob.size();
    return size;
}

bool WorkerConnection::send(QByteArray json, FrameParts parts)
{
    const qint64 size = frameSize(json, parts);
    Q_ASSERT(size <= MaxFrameBytes);
    quint32 word = quint32(size) | (parts.tagged ? FrameTaggedFlag : 0) | (parts.blobs.isEmpty() ? 0 : FramePartsFlag);
    QByteArray header(4, Qt::Uninitialized);
    qToBigEndian(word, header.data());
    if (!parts.blobs.isEmpty()) {
        header.resize(12 + 4 * parts.blobs.size());
        qToBigEndian(quint32(parts.blobs.size()), header.data() + 4);
        qToBigEndian(quint32(json.size()), header.data() + 8);
        for (qsizetype i = 0; i < parts.blobs.size(); ++i)
            qToBigEndian(quint32(parts.blobs[i].size()), header.data() + 12 + 4 * i);
    }
    const qint64 jsonEnd = 8 + 4 * qint64(parts.blobs.size()) + json.size();
    std::lock_guard lock(m_outMutex);
    if (m_dead || m_killRequested)
        return false;
    if (m_lingering && m_callerReader == std::thread::id()) {
        // Nobody will read the reply on the way: the I/O thread does, at once. (The input was
        // open at the release that began the linger, and nobody read since.)
        m_lingering = false;
        watchInputLocked(true);
    }
    const bool idle = m_out.empty();
    m_out.push_back({std::move(header)});
    m_out.push_back({std::move(json)});
    // The parts go out as they are, with zero padding between them: no copy.
    qint64 offset = jsonEnd;
    for (QByteArray &blob : parts.blobs) {
        if (const qint64 pad = alignPart(offset) - offset)
            m_out.push_back({QByteArray(qsizetype(pad), '\0')});
        offset = alignPart(offset) + blob.size();
        if (!blob.isEmpty())
            m_out.push_back({std::move(blob), true});
    }
    if (idle) {
        flushLocked();
        if (!m_out.empty())
            wake(); // the rest waits for room; the I/O thread polls for it
    }
    return true;
}

bool WorkerConnection::flushLocked()
{
    while (!m_out.empty()) {
        iovec iov[64];
        int count = 0;
        for (auto it = m_out.begin(); it != m_out.end() && count < 64; ++it, ++count) {
            const qsizetype skip = count == 0 ? m_outOffset : 0;
            iov[count] = {const_cast<char *>(it->bytes.constData()) + skip, size_t(it->bytes.size() - skip)};
        }
        msghdr message{};
        message.msg_iov = iov;
        message.msg_iovlen = size_t(count);
        ssize_t n = ::sendmsg(m_socket, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN)
                return false;
            m_out.clear(); // the worker is gone; the I/O thread will see it exit
            m_outOffset = 0;
            return false;
        }
        while (n > 0) {
            const qsizetype left = m_out.front().bytes.size() - m_outOffset;
            if (n >= left) {
                n -= left;
                recycleLocked(m_out.front());
                m_out.pop_front();
                m_outOffset = 0;
            } else {
                m_outOffset += n;
                n = 0;
            }
        }
    }
    return true;
}

void WorkerConnection::recycleLocked(OutPiece &sent)
{
    QByteArray &spare = sent.blob ? m_spareBlob : m_spareFrame;
    const qsizetype capacity = sent.bytes.capacity();
    const qsizetype cap = sent.blob ? qsizetype(MaxFrameBytes) : SpareFrameMaxBytes;
    if (capacity < SpareFrameMinBytes || capacity > cap || capacity <= spare.capacity() || !sent.bytes.isDetached())
        return;
    spare = std::move(sent.bytes);
    spare.resize(0); // keeps the capacity
    if (!sent.blob)
        m_hasSpareFrame.store(true, std::memory_order_relaxed);
}

QByteArray WorkerConnection::takeBlobBuffer()
{
    std::lock_guard lock(m_outMutex);
    return std::exchange(m_spareBlob, QByteArray());
}

QByteArray WorkerConnection::takeFrameBuffer()
{
    if (!m_hasSpareFrame.load(std::memory_order_relaxed))
        return {};
    std::lock_guard lock(m_outMutex);
    m_hasSpareFrame.store(false, std::memory_order_relaxed);
    return std::exchange(m_spareFrame, QByteArray());
}

void WorkerConnection::kill()
{
    {
        std::lock_guard lock(m_outMutex);
        m_killRequested = true;
    }
    wake();
}

void WorkerConnection::wake()
{
    m_waker.wake();
}

bool WorkerConnection::mayJoinHere()
{
    // A caller that reads ends up in join() from a handler (a future's continuation that closes
    // the Venv): the I/O thread waits for it to hand the socket back, so it must not wait.
    std::lock_guard lock(m_outMutex);
    return m_callerReader != std::this_thread::get_id() && m_thread.get_id() != std::this_thread::get_id();
}

void WorkerConnection::join()
{
    if (!mayJoinHere())
        return;
    std::lock_guard lock(m_joinMutex);
    if (m_thread.joinable())
        m_thread.join();
}

} // namespace QtPyVenv::Internal
