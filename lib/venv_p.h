// SPDX-License-Identifier: MIT
#pragma once

#include <QtPyVenv/venv.h>

#include "environment.h"
#include "launcher.h"
#include "outputlog.h"
#include "signalqueue.h"
#include "valuereader.h"
#include "workerconnection.h"

#include <QCborMap>
#include <QPromise>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <list>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace QtPyVenv {

//! The future of a callAsync() or invokeAsync(): the one delivery of its call.
class FutureDelivery
{
public:
    virtual ~FutureDelivery() = default;
    virtual void start() = 0;
    //! A progress report of the call (total negative when unknown).
    virtual void progress(double done, double total, const QString &message) = 0;
    //! Whether QFuture::cancel() was called on the future.
    virtual bool canceled() const = 0;
    //! Finishes the future; continuations run here, so no lock may be held.
    virtual void deliver(const QCborValue &result, const Error &error) = 0;
};

//! One call, from call() until its result is delivered or evicted.
struct CallEntry {
    QString function;
    bool done = false;
    bool consumed = false;
    QCborValue result;
    Error error;
    QList<QCborValue> partials; // what a generator yielded, until partials() drains it
    bool cancelled = false;     // cancel() sent its frame
    std::chrono::steady_clock::time_point cancelDeadline; // then the worker is restarted to end it
    std::condition_variable cv; // parked await()s of this call only: no thundering herd
    int waiters = 0;
    std::unique_ptr<FutureDelivery> future; // callAsync()/invokeAsync(): delivered there instead
    std::list<quint64>::iterator finishedPos;    // in VenvPrivate::finished once done
    std::chrono::steady_clock::time_point finishedAt;
};

//! What a call sends: the old one-value form (fn(args)) or positional and keyword arguments.
struct CallRequest {
    QString function;
    const QJsonValue *value = nullptr;
    const Arguments *arguments = nullptr;
};

class VenvPrivate : public Internal::WorkerConnection::Handler
{
    Q_DECLARE_PUBLIC(Venv)

public:
    VenvPrivate(Venv *q, const Config &config);

    Error start(QDeadlineTimer deadline);
    Error runStart(std::unique_lock<std::mutex> &lock, QDeadlineTimer deadline);
    Error launch(QDeadlineTimer deadline);
    QString call(const CallRequest &request, Error *error, std::unique_ptr<FutureDelivery> future);
    //! The new call's number, or 0 with *error set.
    quint64 startCall(const CallRequest &request, Error *error, std::unique_ptr<FutureDelivery> future,
                      std::shared_ptr<Internal::WorkerConnection> *reader = nullptr);
    Error await(const QString &callId, QCborValue *result, QDeadlineTimer deadline);
    Error awaitCall(quint64 id, QCborValue *result, QDeadlineTimer deadline,
                    std::shared_ptr<Internal::WorkerConnection> reader = {});
    //! startCall() and awaitCall() on one thread, which claims the worker's replies before the call is sent.
    Error callAndAwait(const CallRequest &request, QCborValue *result, QDeadlineTimer deadline);
    Error result(const QString &callId, bool *done, QCborValue *result);
    QList<QCborValue> takePartials(const QString &callId);
    Error cancel(const QString &callId);
    void sendCancel(quint64 id, CallEntry &entry); // with mutex held
    void close();
    void finishClose();

    // WorkerConnection::Handler, on the I/O thread
    QString onFrame(const Internal::Frame &frame) override;
    void onOutput(int fd, const char *data, qsizetype size) override;
    void onLauncherOutput(const char *data, qsizetype size) override;
    bool expectsFrames() const override;
    void onAlarm() override;
    void onExit(const Internal::WorkerConnection::Exit &exit) override;

    // with mutex held
    Error unavailableError() const;
    static Error noResultError(const QString &callId);
    void setState(State state);
    bool encodeCall(QByteArray &frame, quint64 id, const CallRequest &request, Internal::FrameParts *parts,
                    Error *error) const;
    //! A progress or partial frame; a non-empty return is a protocol error.
    QString onCallUpdate(const QCborMap &frame, const QString &type, const QString &tooDeep);
    //! A call_done frame, and one of a call that returned; a non-empty return is a protocol error.
    QString onCallDone(const QCborMap &frame, const QString &tooDeep, std::vector<std::shared_ptr<CallEntry>> *settled);
    QString onCallReturned(qint64 id, QCborValue result, const QString &tooDeep,
                           std::vector<std::shared_ptr<CallEntry>> *settled);
    //! The call \a id while it runs, else null.
    std::shared_ptr<CallEntry> runningCall(qint64 id) const;
    void finishCall(quint64 id, std::shared_ptr<CallEntry> entry, QCborValue result, Error error,
                    std::vector<std::shared_ptr<CallEntry>> *settled);
    void failRunningCalls(const Error &error, std::vector<std::shared_ptr<CallEntry>> *settled);
    void restartForStuckCall(std::vector<std::shared_ptr<CallEntry>> *settled);
    std::shared_ptr<CallEntry> takeCall(quint64 id);
    void evictExpired();
    void handshakeFailed(const Error &error);
    bool isStarting() const;

    // without mutex held
    static void settle(const std::vector<std::shared_ptr<CallEntry>> &settled);
    void post(Internal::PendingSignal &&signal);
    void emitPending();
    bool isConnected(const QMetaMethod &signal) const;
    void postInstallOutput(const QByteArray &data);
    Error prepareHere(QDeadlineTimer deadline, Internal::ChildProcess::Options *options);
    Error prepareRemote(Internal::ChildProcess::Options *options, QByteArray *bootstrap);
    Error openTailsOnce();
    QString onBootstrapFrame(const QString &type, const QCborMap &message);

    Venv *const q_ptr;
    Config config;
    Error configError;
    bool ownsBaseDir = false;     // a temporary directory made by the library
    //! Where this machine keeps the Venv's meta/ (the output tails): baseDir, or with a launcher,
    //! whose baseDir is on the far side, a temporary directory.
    QString localBaseDir;
    Internal::Environment environment;
    Internal::Waker abort;        // woken by close() to cancel installs and lock waits

    mutable std::mutex mutex;
    std::condition_variable stateCv;
    State state = State::Idle;
    int startsRunning = 0;
    Error lastStartError;
    std::shared_ptr<Internal::WorkerConnection> connection;
    enum class Handshake { None, Preparing, WaitingReady, WaitingDefine, Done, Failed } handshake = Handshake::None;
    Error handshakeError;
    Internal::LauncherQueueWatch queueWatch; // set before the worker starts, then on its I/O thread
    QList<FunctionInfo> functions;
    QString pythonVersion;
    QString pythonExecutable;
    qint64 pid = 0;
    quint64 lastCallId = 0;
    quint64 stuckCall = 0; // a cancelled call past its grace period: the worker is being restarted
    // When the worker last sent a frame (written by whichever thread reads frames), and, on the
    // I/O thread only, when the host last pinged it.
    std::atomic<std::chrono::steady_clock::time_point> lastFrameAt;
    std::chrono::steady_clock::time_point lastPingAt;
    std::unordered_map<quint64, std::shared_ptr<CallEntry>> calls;
    std::list<quint64> finished; // done, unclaimed calls, oldest first (for the TTL)
    std::thread asyncStart;
    std::thread closer; // finishes a close() called where the worker's I/O thread cannot be waited for
    bool cleanedUp = false;

    Internal::ValueReader frameReader{true}; // the frame reader's only (WorkerConnection); Frame gives parts headroom
    Internal::OutputLog stdoutLog;
    Internal::OutputLog stderrLog;
    Internal::SignalQueue signalQueue{4 * qsizetype(config.outputBufferKb) * 1024};
};

} // namespace QtPyVenv
