// SPDX-License-Identifier: MIT
#pragma once

#include "childprocess.h"
#include "frameinput.h"
#include "jsonwriter.h"

#include <QByteArray>
#include <QString>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <limits>
#include <mutex>
#include <thread>

namespace QtPyVenv::Internal {

/*
 * The worker process and the I/O thread that serves it. The thread forks the worker (so
 * PR_SET_PDEATHSIG ties the worker to it), then polls the protocol socket, the worker's
 * stdout and stderr and its exit, and reports everything to a Handler, on that thread.
 * The socket is the worker's channel either at a descriptor of its own (Transport::Descriptor),
 * with a pipe beside it for the worker's small frames (FrameInput), or as the stdin and stdout of
 * a launcher that runs it elsewhere (Transport::Stdio): the host side is the same socket either
 * way. Over stdio the worker forwards its fd 1 and fd 2 as
 * output frames, which reach Handler::onOutput() like the pipes' output, and the process's own
 * stderr pipe carries the launcher's messages.
 * The process forked is the worker's guard, a child subreaper: it forks the worker proper and,
 * when that ends or the guard gets SIGTERM (from kill(), or from the kernel when this thread
 * ends, however the host dies), kills every process below it before it exits as the worker did.
 * Frames go out from the caller's thread straight into the socket when it has room; only the
 * rest waits for the I/O thread, so a call costs no extra thread wake-up. Frames come in the same
 * way: a caller waiting for a result reads the socket itself (readUntil()) while nobody else
 * does, and the I/O thread leaves the socket alone meanwhile; one thread reads at a time, and
 * the handler's frame and output reports stay in order whoever reads.
 */
class WorkerConnection
{
public:
    struct Exit {
        ProcessExit process;
        QString protocolError; // why the host killed it, when it broke the protocol
        bool requested = false; // kill() without a protocol error: close() or a failed start
        QString launcherMessages; // Transport::Stdio: the last lines of the launcher's stderr
    };
    enum class Transport {
        Descriptor, // the socket and the frame pipe at random descriptors named in $QTPYVENV_PROTOCOL_FD
        Stdio,      // the socket as the stdin and stdout of the process started
    };
    class Handler
    {
    public:
        virtual ~Handler() = default;
        //! One frame, valid only during the call; a non-empty return is a protocol error. On the
        //! I/O thread or on a caller's in readUntil(), never on two at once.
        virtual QString onFrame(const Frame &frame) = 0;
        virtual void onOutput(int fd, const char *data, qsizetype size) = 0;
        //! Transport::Stdio: what the launcher itself wrote to stderr (the worker's own output
        //! comes in frames, to onOutput()).
        virtual void onLauncherOutput(const char *data, qsizetype size) = 0;
        /*!
         * Whether the worker owes frames: a call or the handshake is under way. A frame that
         * stops half-way while none is owed is a protocol error; while one is, it may only be
         * a big result whose writer waits for the GIL.
         */
        virtual bool expectsFrames() const = 0;
        //! The time asked for with requestAlarm() has come.
        virtual void onAlarm() = 0;
        //! The last report: the worker was reaped and its pipes drained.
        virtual void onExit(const Exit &exit) = 0;
    };

    explicit WorkerConnection(Handler *handler);
    WorkerConnection(const WorkerConnection &) = delete;
    WorkerConnection &operator=(const WorkerConnection &) = delete;
    ~WorkerConnection(); // kill() and join()

    /*!
     * Launches the worker with its end of the protocol socket where \a transport says. Returns
     * once it was forked, or false with \a error.
     */
    bool start(ChildProcess::Options options, Transport transport, QString *error);
    pid_t pid() const { return m_pid; }
    //! Queues one frame (the length prefix and part table are added here). False once the worker
    //! is gone.
    bool send(QByteArray json, FrameParts parts = {});
    //! The size of the frame that send() would make of \a json and \a parts.
    static qint64 frameSize(const QByteArray &json, const FrameParts &parts);
    /*!
     * An empty buffer to build the next frame in: the last big frame sent, once written, so that
     * a stream of big calls reuses memory that is already mapped instead of faulting in fresh
     * pages for every frame. An ordinary empty QByteArray when there is none.
     */
    QByteArray takeFrameBuffer();
    //! The same for a frame's parts: the buffer of the last big part sent, once written.
    QByteArray takeBlobBuffer();
    enum class ReadOutcome {
        Done,     // done() returned true
        TimedOut, // the deadline passed
        Busy,     // another thread reads, or the I/O thread took the socket back: wait for it
    };
    /*!
     * Reads and handles the worker's frames on the calling thread until \a done() returns true
     * (it is asked before each wait) or \a deadline passes, so that a caller waiting for a
     * result wakes once instead of after the I/O thread. Busy at once while another thread
     * reads, and as soon as the I/O thread needs the socket back (the worker ended).
     */
    ReadOutcome readUntil(const std::function<bool()> &done, std::chrono::steady_clock::time_point deadline);
    /*!
     * Claims the reading for the calling thread ahead of readUntil(), before it sends the call
     * whose result it will wait for: a quick reply then does not wake the I/O thread. False
     * while another thread reads. Ended by readUntil() or releaseReading().
     */
    bool claimReading();
    //! Ends the calling thread's claim, if it has one.
    void releaseReading();
    /*!
     * Has the I/O thread call onAlarm() at \a at or soon after, unless the worker is gone first.
     * Of several requests the earliest wins; onAlarm() asks again for what it still needs.
     */
    void requestAlarm(std::chrono::steady_clock::time_point at);
    //! Kills the worker and all it started; onExit() follows on the I/O thread.
    void kill();
    //! Waits for the I/O thread to end; safe from several threads at once (close() and a start()).
    //! Returns at once where it cannot wait (see mayJoinHere()).
    void join();
    //! Whether this thread may wait for the I/O thread: not the I/O thread itself, nor a caller
    //! that reads for it, where a future's continuation runs.
    bool mayJoinHere();

private:
    struct OutPiece {
        QByteArray bytes;
        bool blob = false; // a frame's part, recycled as the next part's buffer
    };

    struct LoopState;

    void run(ChildProcess::Options options, std::promise<QString> *started);
    void loop(ChildProcess &child);
    void stop(LoopState &state);
    void killFor(LoopState &state, const QString &reason);
    int pollTimeoutMs(const LoopState &state, bool callerReads, int lingerMs) const;
    void takeTurnAtReading(LoopState &state, bool socketReady);
    void endOverdueWorker(LoopState &state, bool idle);
    void drainAfterExit(LoopState &state);
    QString readFrames();
    enum class BulkLane { Quiet, OutOfTurn, FrameLaneWoke };
    BulkLane idleBulkLane();
    void reportViolation(const QString &violation);
    void reclaimReading();
    void watchInputLocked(bool watch);
    int msUntilLingerEndsLocked(bool callerReads);
    int msUntilStall() const;
    int msUntilAlarm() const;
    void ringAlarm();
    QString stalledFrame();
    bool readOutput(int fd, int stream);
    bool readOutputLocked(int fd, int stream);
    bool takeOutputFrame(const Frame &frame);
    void keepLauncherTail(const char *data, qsizetype size);
    void readPendingOutput();
    bool flushLocked();
    void wake();
    void recycleLocked(OutPiece &sent);

    Handler *const m_handler;
    std::thread m_thread;
    std::mutex m_joinMutex; // std::thread::join() from two threads at once is undefined
    std::atomic<pid_t> m_pid = 0;
    int m_socket = -1;   // host end, non-blocking
    int m_childEnd = -1; // worker end, closed once forked
    int m_framePipe = -1;      // Transport::Descriptor: the read end of the worker's frame lane
    int m_childFramePipe = -1; // its write end, closed once forked
    Waker m_waker;
    Waker m_reclaimer; // readable for good once the I/O thread wants the socket back from a reading caller
    InputGate m_inputGate; // the input's lanes, open while the I/O thread reads them
    int m_stdout = -1;   // the worker's pipes, open until the I/O thread ends
    int m_stderr = -1;
    Transport m_transport = Transport::Descriptor;

    // Reading the pipes and reporting what they held happen under this lock, so that output
    // reaches the handler in order when a reading caller and the I/O thread both read them.
    std::mutex m_pipeMutex;
    QByteArray m_launcherTail; // Transport::Stdio: the end of what the launcher wrote to stderr

    // The reader's: the I/O thread's, or a caller's while m_callerReader is set.
    FrameInput m_input;
    std::chrono::steady_clock::time_point m_inputAt; // last bytes read, for stalledFrame()
    bool m_inputOpen = true;
    bool m_frameSeen = false;
    static constexpr std::chrono::steady_clock::rep NoAlarm = std::numeric_limits<std::chrono::steady_clock::rep>::max();
    std::atomic<std::chrono::steady_clock::rep> m_alarmAt = NoAlarm; // steady_clock ticks

    std::mutex m_outMutex;
    QString m_protocolError; // why the worker was killed, when it broke the protocol
    std::thread::id m_callerReader; // the caller that reads the socket in readUntil(), if one does
    bool m_ioReads = false;     // the I/O thread reads or looks at the reader's state
    bool m_reclaimed = false;   // the worker ended: only the I/O thread reads from now on
    bool m_inputWatched = false; // m_inputGate is open
    bool m_lingering = false;    // the gate stays shut after a caller's release, see ReaderLinger
    bool m_ioLooksSoon = false;  // the I/O thread sleeps no longer than the linger
    std::chrono::steady_clock::time_point m_releasedAt; // of the last release that lingers
    std::condition_variable m_readingReleased; // m_callerReader or m_ioReads cleared
    std::deque<OutPiece> m_out; // frames (and a leftover) the socket had no room for
    qsizetype m_outOffset = 0;
    QByteArray m_spareFrame;
    QByteArray m_spareBlob;
    std::atomic<bool> m_hasSpareFrame = false; // lets small calls skip the lock
    bool m_dead = false;
    bool m_killRequested = false;
};

} // namespace QtPyVenv::Internal
