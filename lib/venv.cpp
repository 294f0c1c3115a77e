// SPDX-License-Identifier: MIT
#include "venv_p.h"

#include "installer.h"
#include "jsonwriter.h"
#include "launcher.h"
#include "logging.h"
#include "remotebootstrap.h"
#include "returnedcall.h"
#include "valuereader.h"

#include <QCborArray>
#include <QDir>
#include <QMetaMethod>
#include <QProcessEnvironment>
#include <QScopeGuard>
#include <QTemporaryDir>

#include <algorithm>
#include <cmath>

namespace QtPyVenv {

using Internal::makeError;
using Internal::PendingSignal;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int StderrLinesInDeathReport = 20;
// QFuture::cancel() has no callback: a future's running call is looked at this often.
constexpr std::chrono::milliseconds FutureCancelCheck{50};
// While calls run and the worker has sent nothing for this long, the host pings it. A worker
// thread blocked reading the socket keeps it open even after user code closed the worker's
// descriptor; the ping ends that read, the socket closes, and the closed channel is seen.
constexpr std::chrono::seconds KeepAlive{2};
// A call's frame without big arguments fits, so encoding it does not grow the buffer step by step.
constexpr qsizetype UsualCallFrameBytes = 256;

//! The delivery of a future of T: the rich value itself, or its JSON projection.
template<typename T>
class PromiseDelivery : public FutureDelivery
{
public:
    QFuture<T> future() { return m_promise.future(); }
    void start() override { m_promise.start(); }
    void progress(double done, double total, const QString &message) override
    {
        // QFuture's progress is an int: a known total as per mille, an unknown one as a busy range.
        const bool known = total > 0;
        m_promise.setProgressRange(0, known ? 1000 : 0);
        const double value = known ? done / total * 1000 : done;
        m_promise.setProgressValueAndText(int(std::clamp(std::isfinite(value) ? value : 0.0, 0.0, 1e9)), message);
    }
    bool canceled() const override { return const_cast<QPromise<T> &>(m_promise).isCanceled(); }
    void deliver(const QCborValue &result, const Error &error) override
    {
        if (error.ok()) {
            if constexpr (std::is_same_v<T, QJsonValue>)
                m_promise.addResult(toJson(result));
            else
                m_promise.addResult(result);
        } else {
            m_promise.setException(CallException(error));
        }
        m_promise.finish();
    }

private:
    QPromise<T> m_promise;
};

Config effectiveConfig(Config config)
{
    if (config.maxWorkers <= 0)
        config.maxWorkers = 1;
    if (config.outputBufferKb <= 0)
        config.outputBufferKb = 256;
    if (config.resultCacheTtl == std::chrono::milliseconds::zero())
        config.resultCacheTtl = std::chrono::minutes(15);
    if (config.cancelGracePeriod == std::chrono::milliseconds::zero())
        config.cancelGracePeriod = std::chrono::seconds(5);
    if (config.pythonInterpreter.isEmpty())
        config.pythonInterpreter = QStringLiteral("python3");
    if (!config.venvDir.isEmpty() && config.launcher.isEmpty()) // with a launcher, a path on the far side
        config.venvDir = QDir(config.venvDir).absolutePath();
    return config;
}

Error pythonError(const QCborMap &frame)
{
    Error error;
    error.code = ErrorCode::PythonError;
    error.type = frame.value(QLatin1String("errorType")).toString();
    error.message = frame.value(QLatin1String("errorMessage")).toString();
    error.traceback = frame.value(QLatin1String("traceback")).toString();
    if (error.message.isEmpty())
        error.message = error.type.isEmpty() ? QStringLiteral("Python raised an exception") : error.type;
    return error;
}

template<typename Predicate>
bool waitUntil(std::condition_variable &cv, std::unique_lock<std::mutex> &lock, QDeadlineTimer deadline,
               Predicate predicate)
{
    if (deadline.isForever()) {
        cv.wait(lock, predicate);
        return true;
    }
    return cv.wait_until(lock, deadline.deadline<Clock>(), predicate);
}

ParameterInfo::Kind parameterKind(const QString &name)
{
    if (name == QLatin1String("POSITIONAL_ONLY"))
        return ParameterInfo::Kind::Positional;
    if (name == QLatin1String("VAR_POSITIONAL"))
        return ParameterInfo::Kind::VarPositional;
    if (name == QLatin1String("KEYWORD_ONLY"))
        return ParameterInfo::Kind::Keyword;
    if (name == QLatin1String("VAR_KEYWORD"))
        return ParameterInfo::Kind::VarKeyword;
    return ParameterInfo::Kind::PositionalOrKeyword;
}

FunctionInfo functionInfo(const QCborMap &info)
{
    FunctionInfo function{info.value(QLatin1String("name")).toString(),
                          info.value(QLatin1String("signature")).toString(),
                          info.value(QLatin1String("doc")).toString(),
                          {}};
    const QCborArray params = info.value(QLatin1String("params")).toArray();
    for (const QCborValue &value : params) {
        const QCborMap param = value.toMap();
        ParameterInfo parameter;
        parameter.name = param.value(QLatin1String("name")).toString();
        parameter.kind = parameterKind(param.value(QLatin1String("kind")).toString());
        parameter.hasDefault = param.contains(QLatin1String("default"));
        parameter.defaultValue = param.value(QLatin1String("default")).toString();
        parameter.annotation = param.value(QLatin1String("annotation")).toString();
        function.parameters.append(parameter);
    }
    return function;
}

} // namespace

QString Error::toString() const
{
    if (ok())
        return QStringLiteral("NoError");
    const QString codeName = QString::fromLatin1(QMetaEnum::fromType<ErrorCode>().valueToKey(int(code)));
    // A cancelled call's Python type is "Cancelled" too: say it once.
    return type.isEmpty() || type == codeName ? QStringLiteral("%1: %2").arg(codeName, message)
                                              : QStringLiteral("%1: %2: %3").arg(codeName, type, message);
}

CallException::CallException(const Error &error)
    : m_error(error)
    , m_what(error.toString().toUtf8())
{
}

// ---------------------------------------------------------------------------------------------

VenvPrivate::VenvPrivate(Venv *q, const Config &cfg)
    : q_ptr(q)
    , config(effectiveConfig(cfg))
    , environment(config)
{
    for (const QString &problem : {Internal::checkRequirements(config.requirements), Internal::checkInstaller(config)}) {
        if (!problem.isEmpty()) {
            configError = makeError(ErrorCode::InvalidConfig, problem);
            return;
        }
    }
    // With a launcher baseDir is a path on the far side, as it is given (empty: a temporary one
    // there); the tails stay on this machine.
    const bool remote = !config.launcher.isEmpty();
    if (config.baseDir.isEmpty() || remote) {
        QTemporaryDir dir(QDir::tempPath() + QStringLiteral("/qtpyvenv-XXXXXX"));
        if (dir.isValid()) {
            dir.setAutoRemove(false);
            localBaseDir = dir.path();
            ownsBaseDir = true;
        } else {
            configError = makeError(ErrorCode::InvalidConfig, QStringLiteral("cannot create a temporary baseDir"));
        }
    } else {
        localBaseDir = QDir(config.baseDir).absolutePath();
    }
    if (!remote)
        config.baseDir = localBaseDir;
    Config local = config;
    local.baseDir = localBaseDir;
    if (remote)
        local.venvDir.clear();
    environment = Internal::Environment(local);
}

bool VenvPrivate::isConnected(const QMetaMethod &signal) const
{
    return q_ptr->isSignalConnected(signal);
}

void VenvPrivate::postInstallOutput(const QByteArray &data)
{
    if (isConnected(QMetaMethod::fromSignal(&Venv::installOutput)))
        post({.kind = PendingSignal::Install, .data = data});
}

void VenvPrivate::post(PendingSignal &&signal)
{
    if (signalQueue.post(std::move(signal)))
        QMetaObject::invokeMethod(q_ptr, [this] { emitPending(); }, Qt::QueuedConnection);
}

void VenvPrivate::emitPending()
{
    Q_Q(Venv);
    for (const PendingSignal &s : signalQueue.take()) {
        switch (s.kind) {
        case PendingSignal::StateChanged: Q_EMIT q->stateChanged(s.state); break;
        case PendingSignal::Ready: Q_EMIT q->ready(); break;
        case PendingSignal::Died: Q_EMIT q->died(s.error); break;
        case PendingSignal::StartFailed: Q_EMIT q->startFailed(s.error); break;
        case PendingSignal::StartPhase: Q_EMIT q->startPhaseChanged(s.phase); break;
        case PendingSignal::CallStarted: Q_EMIT q->callStarted(s.callId, s.function); break;
        case PendingSignal::CallFinished: Q_EMIT q->callFinished(s.callId, s.error); break;
        case PendingSignal::CallProgress: Q_EMIT q->callProgress(s.callId, s.done, s.total, s.text); break;
        case PendingSignal::CallPartial: Q_EMIT q->callPartial(s.callId, s.value); break;
        case PendingSignal::Stdout:
            if (s.droppedBefore)
                Q_EMIT q->outputDropped(1, s.droppedBefore);
            Q_EMIT q->stdoutReceived(s.data);
            break;
        case PendingSignal::Stderr:
            if (s.droppedBefore)
                Q_EMIT q->outputDropped(2, s.droppedBefore);
            Q_EMIT q->stderrReceived(s.data);
            break;
        case PendingSignal::Install:
            if (s.droppedBefore)
                Q_EMIT q->installOutputDropped(s.droppedBefore);
            Q_EMIT q->installOutput(s.data);
            break;
        }
    }
}

void VenvPrivate::setState(State newState)
{
    if (state == newState)
        return;
    state = newState;
    post({.kind = PendingSignal::StateChanged, .state = newState});
    stateCv.notify_all();
}

Error VenvPrivate::unavailableError() const
{
    switch (state) {
    case State::Closed: return makeError(ErrorCode::Closed, QStringLiteral("the Venv is closed"));
    case State::Died: return makeError(ErrorCode::Died, QStringLiteral("the worker died; start() launches a new one"));
    default: return makeError(ErrorCode::NotReady, QStringLiteral("the Venv is not started"));
    }
}

// --- start -----------------------------------------------------------------------------------

Error VenvPrivate::start(QDeadlineTimer deadline)
{
    std::unique_lock lock(mutex);
    if (state == State::Starting) {
        if (!waitUntil(stateCv, lock, deadline, [this] { return state != State::Starting; }))
            return makeError(ErrorCode::Timeout, QStringLiteral("another start() did not finish before the deadline"));
        if (state == State::Idle)
            return lastStartError;
    }
    if (state == State::Closed || state == State::Ready)
        return state == State::Ready ? Error() : unavailableError();
    if (!configError.ok()) {
        post({.kind = PendingSignal::StartFailed, .error = configError});
        return configError;
    }

    setState(State::Starting);
    ++startsRunning;
    return runStart(lock, deadline);
}

// The part of start() after the state became Starting, with mutex held.
Error VenvPrivate::runStart(std::unique_lock<std::mutex> &lock, QDeadlineTimer deadline)
{
    auto previous = std::move(connection); // a dead worker's: its thread has ended or is ending
    lock.unlock();
    previous.reset();

    Error error = launch(deadline);

    lock.lock();
    --startsRunning;
    if (state == State::Closed) {
        error = unavailableError();
    } else if (!error.ok()) {
        lastStartError = error;
        setState(State::Idle);
        post({.kind = PendingSignal::StartFailed, .error = error});
    }
    stateCv.notify_all();
    return error;
}

Error VenvPrivate::launch(QDeadlineTimer deadline)
{
    Internal::ChildProcess::Options options;
    QByteArray bootstrap; // with a launcher: the frame that prepares the far side
    if (Error error = config.launcher.isEmpty() ? prepareHere(deadline, &options) : prepareRemote(&options, &bootstrap);
        !error.ok())
        return error;
    const auto transport = config.launcher.isEmpty() ? Internal::WorkerConnection::Transport::Descriptor
                                                     : Internal::WorkerConnection::Transport::Stdio;

    auto worker = std::make_shared<Internal::WorkerConnection>(this);
    {
        std::lock_guard lock(mutex);
        if (state == State::Closed)
            return unavailableError();
        connection = worker;
        handshake = bootstrap.isEmpty() ? Handshake::WaitingReady : Handshake::Preparing;
        handshakeError = {};
        queueWatch = {};
    }
    QString spawnError;
    if (!worker->start(options, transport, &spawnError)) {
        std::lock_guard lock(mutex);
        connection.reset();
        return makeError(ErrorCode::StartFailed, spawnError);
    }
    if (!bootstrap.isEmpty())
        worker->send(std::move(bootstrap));

    std::unique_lock lock(mutex);
    const bool settled = waitUntil(stateCv, lock, deadline, [this] {
        return handshake == Handshake::Done || handshake == Handshake::Failed || state == State::Closed;
    });
    if (handshake == Handshake::Done)
        return {};
    Error error = !settled ? makeError(ErrorCode::Timeout, QStringLiteral("the worker was not ready before the deadline"))
                           : handshakeError;
    lock.unlock();
    worker->kill();
    worker->join();
    lock.lock();
    if (connection == worker)
        connection.reset();
    return error;
}

// Prepares the venv on this machine; \a options then run its worker.
Error VenvPrivate::prepareHere(QDeadlineTimer deadline, Internal::ChildProcess::Options *options)
{
    Internal::Environment::Context context;
    context.deadline = deadline;
    context.abortFd = abort.fd();
    context.phase = [this](StartPhase phase) { post({.kind = PendingSignal::StartPhase, .phase = phase}); };
    context.output = [this](const QByteArray &data) { postInstallOutput(data); };
    if (Error error = environment.prepare(context); !error.ok())
        return error;

    context.phase(StartPhase::Launching);
    if (Error error = openTailsOnce(); !error.ok())
        return error;
    // The worker runs from a file, so ps and tracebacks show a path rather than the script.
    QString script;
    if (Error error = environment.installWorker(&script); !error.ok())
        return error;
    options->program = environment.venvPython();
    options->arguments = {script, QString::number(config.maxWorkers), QString::number(Internal::MaxFrameBytes)};
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    if (!env.contains(QStringLiteral("PYTHONUNBUFFERED")))
        env.insert(QStringLiteral("PYTHONUNBUFFERED"), QStringLiteral("1"));
    env.insert(QStringLiteral("VIRTUAL_ENV"), environment.venvDir());
    env.insert(QStringLiteral("PATH"), environment.venvDir() + QStringLiteral("/bin:") + env.value(QStringLiteral("PATH")));
    env.remove(QStringLiteral("PYTHONHOME"));
    options->environment = env;
    return {};
}

// The output tails, opened at the first start: a restart keeps what the dead worker wrote.
Error VenvPrivate::openTailsOnce()
{
    if (stdoutLog.isOpen())
        return {};
    return environment.openTails(stdoutLog, stderrLog, qint64(config.outputBufferKb) * 1024);
}

// The far side prepares itself (lib/remotebootstrap.h): \a options run the bootstrap through the
// launcher, and \a bootstrap is the frame to send it. Only the tails are kept here.
Error VenvPrivate::prepareRemote(Internal::ChildProcess::Options *options, QByteArray *bootstrap)
{
    post({.kind = PendingSignal::StartPhase, .phase = StartPhase::Launching});
    if (!stdoutLog.isOpen()) {
        if (Error error = environment.prepareMetaOnly(); !error.ok())
            return error;
    }
    if (Error error = openTailsOnce(); !error.ok())
        return error;
    QString launcherError;
    if (!Internal::bootstrapCommand(config, options, &launcherError))
        return makeError(ErrorCode::StartFailed, launcherError);
    *bootstrap = Internal::bootstrapFrame(config, {QString::number(config.maxWorkers), QString::number(Internal::MaxFrameBytes),
                                                   QStringLiteral("stdio")});
    return {};
}

// What the bootstrap says while it prepares the far side, until the worker it became is ready.
QString VenvPrivate::onBootstrapFrame(const QString &type, const QCborMap &message)
{
    const std::optional<Internal::BootstrapNews> news = Internal::readBootstrapFrame(type, message);
    if (!news)
        return QStringLiteral("the bootstrap sent an unexpected \"%1\" frame").arg(type);
    switch (news->kind) {
    case Internal::BootstrapNews::Kind::Output:
        postInstallOutput(news->output);
        break;
    case Internal::BootstrapNews::Kind::Phase:
        post({.kind = PendingSignal::StartPhase, .phase = news->phase});
        break;
    case Internal::BootstrapNews::Kind::Failed: {
        std::lock_guard lock(mutex);
        handshakeFailed(news->error);
        break;
    }
    case Internal::BootstrapNews::Kind::Prepared: {
        std::lock_guard lock(mutex);
        if (handshake == Handshake::Preparing)
            handshake = Handshake::WaitingReady;
        post({.kind = PendingSignal::StartPhase, .phase = StartPhase::Launching});
        break;
    }
    }
    return {};
}

bool VenvPrivate::isStarting() const
{
    return handshake == Handshake::Preparing || handshake == Handshake::WaitingReady || handshake == Handshake::WaitingDefine;
}

void VenvPrivate::handshakeFailed(const Error &error)
{
    if (handshake == Handshake::Done || handshake == Handshake::Failed)
        return;
    handshake = Handshake::Failed;
    handshakeError = error;
    stateCv.notify_all();
}

// --- wire ------------------------------------------------------------------------------------

QString VenvPrivate::onFrame(const Internal::Frame &frame)
{
    Internal::ValueReader &reader = frameReader;
    if (Internal::ReturnedCall returned; Internal::readReturnedCall(reader, frame, &returned)) {
        lastFrameAt.store(Clock::now(), std::memory_order_relaxed);
        std::vector<std::shared_ptr<CallEntry>> settled;
        QString violation;
        {
            std::lock_guard lock(mutex);
            violation = onCallReturned(qint64(returned.id), std::move(returned.result), returned.tooDeep, &settled);
        }
        settle(settled);
        return violation;
    }
    QCborValue document = reader.read(frame.json, frame.tagged ? &frame.parts : nullptr);
    if (!document.isMap()) {
        return QStringLiteral("the worker sent a frame that is not a JSON object (%1)")
            .arg(reader.error().isEmpty() ? QStringLiteral("not an object") : reader.error());
    }
    QCborMap message = document.toMap();
    const QString type = message.value(QLatin1String("type")).toString();
    lastFrameAt.store(Clock::now(), std::memory_order_relaxed);

    if (type == QLatin1String("call_done")) {
        std::vector<std::shared_ptr<CallEntry>> settled;
        QString violation;
        {
            std::lock_guard lock(mutex);
            violation = onCallDone(message, reader.tooDeep(), &settled);
        }
        // Let go of the frame before the waiter wakes: the result is then the receiver's alone,
        // not shared with what this thread still holds (no copy when it is changed there).
        message = QCborMap();
        document = QCborValue();
        settle(settled);
        return violation;
    }
    if (type == QLatin1String("progress") || type == QLatin1String("partial")) {
        std::lock_guard lock(mutex);
        return onCallUpdate(message, type, reader.tooDeep());
    }
    if (!reader.tooDeep().isEmpty())
        return QStringLiteral("the worker sent a %1 frame nested too deep").arg(type);
    bool preparing;
    {
        std::lock_guard lock(mutex);
        preparing = handshake == Handshake::Preparing;
    }
    if (preparing)
        return onBootstrapFrame(type, message);

    std::lock_guard lock(mutex);
    if (type == QLatin1String("ready") && handshake == Handshake::WaitingReady && connection) {
        pid = message.value(QLatin1String("pid")).toInteger();
        pythonVersion = message.value(QLatin1String("python")).toString();
        pythonExecutable = message.value(QLatin1String("executable")).toString();
        QByteArray define = "{\"type\":\"define\",\"opID\":1,\"sources\":[";
        for (qsizetype i = 0; i < config.sources.size(); ++i) {
            const QString name = i < config.sourceNames.size() && !config.sourceNames[i].isEmpty()
                ? config.sourceNames[i]
                : QStringLiteral("<source %1>").arg(i + 1);
            define += i ? ",{\"name\":" : "{\"name\":";
            Internal::appendJsonString(define, name);
            define += ",\"code\":";
            Internal::appendJsonString(define, config.sources[i]);
            define += '}';
        }
        define += "]}";
        handshake = Handshake::WaitingDefine;
        connection->send(std::move(define));
        return {};
    }
    if (type == QLatin1String("op_done") && handshake == Handshake::WaitingDefine) {
        if (!message.value(QLatin1String("ok")).toBool()) {
            handshakeFailed(pythonError(message));
            return {};
        }
        functions.clear();
        const QCborArray described = message.value(QLatin1String("functions")).toArray();
        for (const QCborValue &value : described)
            functions.append(functionInfo(value.toMap()));
        handshake = Handshake::Done;
        if (state == State::Starting) {
            setState(State::Ready);
            post({.kind = PendingSignal::Ready});
        }
        stateCv.notify_all();
        return {};
    }
    if (type == QLatin1String("pong"))
        return {};
    return QStringLiteral("the worker sent an unexpected \"%1\" frame").arg(type);
}

void VenvPrivate::onOutput(int fd, const char *data, qsizetype size)
{
    (fd == 1 ? stdoutLog : stderrLog).append(data, size);
    const auto signal = fd == 1 ? &Venv::stdoutReceived : &Venv::stderrReceived;
    if (isConnected(QMetaMethod::fromSignal(signal)))
        post({.kind = fd == 1 ? PendingSignal::Stdout : PendingSignal::Stderr, .data = QByteArray(data, size)});
}

void VenvPrivate::onLauncherOutput(const char *data, qsizetype size)
{
    bool starting;
    {
        std::lock_guard lock(mutex);
        starting = isStarting();
    }
    // Before the worker answers, the launcher's words belong to the start (srun's queue news);
    // after, to the worker's stderr. Once, so that nobody shows them twice.
    if (!starting) {
        onOutput(2, data, size);
        return;
    }
    postInstallOutput(QByteArray(data, size));
    switch (queueWatch.feed(QByteArrayView(data, size))) {
    case Internal::LauncherQueueWatch::News::Queued:
        post({.kind = PendingSignal::StartPhase, .phase = StartPhase::Waiting});
        break;
    case Internal::LauncherQueueWatch::News::Allocated:
        post({.kind = PendingSignal::StartPhase, .phase = StartPhase::Launching});
        break;
    case Internal::LauncherQueueWatch::News::None: break;
    }
}

bool VenvPrivate::expectsFrames() const
{
    std::lock_guard lock(mutex);
    if (isStarting())
        return true;
    return std::any_of(calls.begin(), calls.end(), [](const auto &call) { return !call.second->done; });
}

void VenvPrivate::onExit(const Internal::WorkerConnection::Exit &exit)
{
    Error error;
    if (!exit.protocolError.isEmpty()) {
        error = makeError(ErrorCode::ProtocolError, exit.protocolError + QStringLiteral("; the worker was killed"));
    } else {
        const QString worker = config.launcher.isEmpty() ? QStringLiteral("the Python worker")
                                                         : QStringLiteral("the worker launched by %1").arg(config.launcher.first());
        error = makeError(ErrorCode::Died, QStringLiteral("%1 %2").arg(worker, exit.process.describe()));
    }
    if (!exit.launcherMessages.isEmpty())
        error.message += QStringLiteral("; the launcher said: ") + exit.launcherMessages;
    error.traceback = Internal::lastLines(stderrLog.tail(), StderrLinesInDeathReport);

    std::vector<std::shared_ptr<CallEntry>> settled;
    {
        std::lock_guard lock(mutex);
        pid = 0;
        if (handshake != Handshake::Done) {
            error.code = error.code == ErrorCode::Died ? ErrorCode::StartFailed : error.code;
            error.message = QStringLiteral("the worker did not start: ") + error.message;
            handshakeFailed(error);
            return;
        }
        if (state == State::Closed)
            return;
        if (stuckCall && exit.protocolError.isEmpty()) {
            restartForStuckCall(&settled);
        } else {
            stuckCall = 0;
            if (exit.requested)
                return;
            failRunningCalls(error, &settled);
            setState(State::Died);
            post({.kind = PendingSignal::Died, .error = error});
            qCWarning(lcWorker) << error.message;
        }
    }
    settle(settled);
}

void VenvPrivate::onAlarm()
{
    std::lock_guard lock(mutex);
    if (state != State::Ready || stuckCall)
        return;
    const auto now = Clock::now();
    auto next = Clock::time_point::max();
    for (auto &[id, entry] : calls) {
        if (entry->done)
            continue;
        next = std::min(next, now + KeepAlive);
        if (entry->future && !entry->cancelled) {
            if (!entry->future->canceled()) {
                next = std::min(next, now + FutureCancelCheck);
                continue;
            }
            sendCancel(id, *entry);
        }
        if (entry->cancelled && config.cancelGracePeriod > std::chrono::milliseconds::zero()) {
            if (entry->cancelDeadline <= now) {
                qCWarning(lcWorker) << "cancelled call" << id << "did not stop within" << config.cancelGracePeriod.count()
                                    << "ms; restarting the worker";
                stuckCall = id;
                connection->kill();
                return;
            }
            next = std::min(next, entry->cancelDeadline);
        }
    }
    if (next == Clock::time_point::max())
        return;
    // One ping at a time: a worker whose GIL is held by native code answers none meanwhile.
    const Clock::time_point frameAt = lastFrameAt.load(std::memory_order_relaxed);
    if (now - frameAt >= KeepAlive && lastPingAt <= frameAt) {
        connection->send("{\"type\":\"ping\",\"opID\":0}");
        lastPingAt = now;
    }
    connection->requestAlarm(next);
}

// The worker was killed to end a cancelled call stuck in native code: that call is Cancelled,
// the others Died, and a new worker starts on its own thread (the venv is reused).
void VenvPrivate::restartForStuckCall(std::vector<std::shared_ptr<CallEntry>> *settled)
{
    const quint64 stuck = std::exchange(stuckCall, 0);
    if (const auto it = calls.find(stuck); it != calls.end() && !it->second->done) {
        finishCall(stuck, it->second, {},
                   makeError(ErrorCode::Cancelled, QStringLiteral("call %1 (%2) did not stop within the cancel grace period "
                                                                  "of %3 ms; the worker was restarted to end it")
                                                       .arg(stuck)
                                                       .arg(it->second->function)
                                                       .arg(config.cancelGracePeriod.count())),
                   settled);
    }
    failRunningCalls(makeError(ErrorCode::Died, QStringLiteral("the worker was restarted to end cancelled call %1, "
                                                               "which did not stop within the cancel grace period")
                                                    .arg(stuck)),
                     settled);
    setState(State::Starting);
    ++startsRunning;
    // The previous start thread may still be on its way out, waiting for the mutex held here.
    asyncStart = std::thread([this, previous = std::move(asyncStart)]() mutable {
        if (previous.joinable())
            previous.join();
        std::unique_lock lock(mutex);
        runStart(lock, QDeadlineTimer(QDeadlineTimer::Forever));
    });
}

// --- calls -----------------------------------------------------------------------------------

std::shared_ptr<CallEntry> VenvPrivate::runningCall(qint64 id) const
{
    const auto it = calls.find(quint64(id));
    return it == calls.end() || it->second->done ? nullptr : it->second;
}

static QString notRunning(qint64 id)
{
    return QStringLiteral("the worker finished call %1, which is not running").arg(id);
}

QString VenvPrivate::onCallDone(const QCborMap &frame, const QString &tooDeep,
                                std::vector<std::shared_ptr<CallEntry>> *settled)
{
    const qint64 id = frame.value(QLatin1String("callID")).toInteger(-1);
    if (frame.value(QLatin1String("ok")).toBool())
        return onCallReturned(id, frame.value(QLatin1String("result")), tooDeep, settled);
    const std::shared_ptr<CallEntry> entry = runningCall(id);
    if (!entry)
        return notRunning(id);
    Error error = pythonError(frame);
    if (frame.value(QLatin1String("cancelled")).toBool())
        error.code = ErrorCode::Cancelled;
    finishCall(quint64(id), entry, {}, error, settled);
    return {};
}

QString VenvPrivate::onCallReturned(qint64 id, QCborValue result, const QString &tooDeep,
                                    std::vector<std::shared_ptr<CallEntry>> *settled)
{
    const std::shared_ptr<CallEntry> entry = runningCall(id);
    if (!entry)
        return notRunning(id);
    if (!tooDeep.isEmpty()) {
        // The frame is sound; only this result cannot be represented.
        Error error = makeError(ErrorCode::PythonError,
                                QStringLiteral("the result of %1() cannot be received: %2").arg(entry->function, tooDeep));
        error.type = QStringLiteral("ValueError");
        finishCall(quint64(id), entry, {}, error, settled);
    } else {
        finishCall(quint64(id), entry, std::move(result), {}, settled);
    }
    return {};
}

QString VenvPrivate::onCallUpdate(const QCborMap &frame, const QString &type, const QString &tooDeep)
{
    const qint64 id = frame.value(QLatin1String("callID")).toInteger(-1);
    const std::shared_ptr<CallEntry> running = runningCall(id);
    if (!running) // the worker sends nothing of a call after its call_done
        return QStringLiteral("the worker sent a %1 frame for call %2, which is not running").arg(type).arg(id);
    const QString callId = QString::number(id);
    CallEntry &entry = *running;
    // A QFuture's cancel() has no callback: it is looked for whenever the call reports.
    if (entry.future && !entry.cancelled && entry.future->canceled())
        sendCancel(quint64(id), entry);
    if (type == QLatin1String("progress")) {
        const double done = frame.value(QLatin1String("done")).toDouble();
        const QCborValue totalValue = frame.value(QLatin1String("total"));
        const double total = totalValue.isDouble() || totalValue.isInteger() ? totalValue.toDouble() : -1;
        const QString message = frame.value(QLatin1String("message")).toString();
        if (entry.future)
            entry.future->progress(done, total, message);
        if (isConnected(QMetaMethod::fromSignal(&Venv::callProgress)))
            post({.kind = PendingSignal::CallProgress, .callId = callId, .done = done, .total = total, .text = message});
        return {};
    }
    if (!tooDeep.isEmpty()) {
        // Only this value cannot be represented; the call and its result are unharmed.
        qCWarning(lcWorker) << "a partial result of call" << id << "was dropped:" << tooDeep;
        return {};
    }
    const QCborValue value = frame.value(QLatin1String("value"));
    entry.partials.append(value);
    if (isConnected(QMetaMethod::fromSignal(&Venv::callPartial)))
        post({.kind = PendingSignal::CallPartial, .callId = callId, .value = value});
    return {};
}

void VenvPrivate::finishCall(quint64 id, std::shared_ptr<CallEntry> entry, QCborValue result, Error error,
                             std::vector<std::shared_ptr<CallEntry>> *settled)
{
    entry->done = true;
    entry->result = std::move(result);
    entry->error = std::move(error);
    if (isConnected(QMetaMethod::fromSignal(&Venv::callFinished)))
        post({.kind = PendingSignal::CallFinished, .error = entry->error, .callId = QString::number(id)});
    if (entry->future) {
        calls.erase(id); // the future is the one delivery
        entry->consumed = true;
    } else {
        entry->finishedAt = Clock::now();
        entry->finishedPos = finished.insert(finished.end(), id);
    }
    settled->push_back(entry);
}

void VenvPrivate::settle(const std::vector<std::shared_ptr<CallEntry>> &settled)
{
    for (const auto &entry : settled) {
        if (entry->future)
            entry->future->deliver(entry->result, entry->error);
        else
            entry->cv.notify_all();
    }
}

void VenvPrivate::failRunningCalls(const Error &error, std::vector<std::shared_ptr<CallEntry>> *settled)
{
    std::vector<quint64> running;
    for (const auto &[id, entry] : calls) {
        if (!entry->done)
            running.push_back(id);
    }
    std::sort(running.begin(), running.end());
    for (quint64 id : running)
        finishCall(id, calls.at(id), {}, error, settled);
}

std::shared_ptr<CallEntry> VenvPrivate::takeCall(quint64 id)
{
    auto it = calls.find(id);
    auto entry = std::move(it->second);
    calls.erase(it);
    finished.erase(entry->finishedPos);
    entry->consumed = true;
    return entry;
}

void VenvPrivate::evictExpired()
{
    if (config.resultCacheTtl < std::chrono::milliseconds::zero())
        return;
    const auto now = Clock::now();
    while (!finished.empty()) {
        const auto it = calls.find(finished.front());
        if (now - it->second->finishedAt < config.resultCacheTtl)
            break;
        it->second->consumed = true;
        calls.erase(it);
        finished.pop_front();
    }
}

bool VenvPrivate::encodeCall(QByteArray &frame, quint64 id, const CallRequest &request, Internal::FrameParts *parts,
                             Error *error) const
{
    if (frame.capacity() < UsualCallFrameBytes)
        frame.reserve(UsualCallFrameBytes);
    frame += "{\"type\":\"call\",\"callID\":";
    frame += QByteArray::number(id);
    frame += ",\"func\":";
    Internal::appendJsonString(frame, request.function);
    QString problem;
    bool encoded;
    if (request.value) {
        frame += ",\"args\":";
        encoded = Internal::appendJson(frame, *request.value, &problem);
    } else {
        frame += ",\"argv\":";
        encoded = Internal::appendValue(frame, request.arguments->positional, parts, &problem);
        if (encoded && !request.arguments->keywords.isEmpty()) {
            frame += ",\"kwargs\":";
            encoded = Internal::appendValue(frame, request.arguments->keywords, parts, &problem);
        }
    }
    frame += '}';
    if (encoded && Internal::WorkerConnection::frameSize(frame, *parts) > qint64(Internal::MaxFrameBytes)) {
        problem = QStringLiteral("the arguments encode to %1 bytes, over the frame cap of %2")
                      .arg(Internal::WorkerConnection::frameSize(frame, *parts))
                      .arg(Internal::MaxFrameBytes);
        encoded = false;
    }
    if (!encoded)
        *error = makeError(ErrorCode::InvalidArgument, QStringLiteral("cannot call %1(): %2").arg(request.function, problem));
    return encoded;
}

QString VenvPrivate::call(const CallRequest &request, Error *error, std::unique_ptr<FutureDelivery> future)
{
    const quint64 id = startCall(request, error, std::move(future));
    return id ? QString::number(id) : QString();
}

// With \a reader, the calling thread claims the worker's replies before the call goes out (when
// nobody else reads them), so that the I/O thread does not wake for a quick result: *reader is
// then the claimed connection, for awaitCall().
quint64 VenvPrivate::startCall(const CallRequest &request, Error *error, std::unique_ptr<FutureDelivery> future,
                               std::shared_ptr<Internal::WorkerConnection> *reader)
{
    auto entry = std::make_shared<CallEntry>();
    entry->function = request.function;
    entry->future = std::move(future);
    if (entry->future)
        entry->future->start();
    auto fail = [&](const Error &e) {
        if (error)
            *error = e;
        if (entry->future)
            entry->future->deliver({}, e);
        return quint64(0);
    };
    if (request.function.isEmpty())
        return fail(makeError(ErrorCode::PythonError, QStringLiteral("no function name given")));
    std::shared_ptr<Internal::WorkerConnection> worker;
    quint64 id;
    {
        std::lock_guard lock(mutex);
        if (state != State::Ready)
            return fail(unavailableError());
        evictExpired();
        id = ++lastCallId;
        calls.emplace(id, entry);
        worker = connection;
    }
    QByteArray frame = worker->takeFrameBuffer();
    Internal::FrameParts parts;
    if (request.arguments)
        parts.spareBlob = worker->takeBlobBuffer();
    if (Error refused; !encodeCall(frame, id, request, &parts, &refused)) {
        std::lock_guard lock(mutex);
        calls.erase(id); // nothing was sent: the id was never seen
        entry->consumed = true;
        return fail(refused);
    }
    if (isConnected(QMetaMethod::fromSignal(&Venv::callStarted)))
        post({.kind = PendingSignal::CallStarted, .callId = QString::number(id), .function = request.function});
    if (reader && worker->claimReading())
        *reader = worker;
    // If the worker just died, its exit report fails this call with Died.
    worker->send(std::move(frame), std::move(parts));
    worker->requestAlarm(Clock::now() + (entry->future ? std::chrono::milliseconds(FutureCancelCheck) : KeepAlive));
    if (error)
        *error = {};
    return id;
}

Error VenvPrivate::await(const QString &callId, QCborValue *result, QDeadlineTimer deadline)
{
    bool valid = false;
    if (const quint64 id = callId.toULongLong(&valid); valid)
        return awaitCall(id, result, deadline);
    std::lock_guard lock(mutex);
    return state == State::Closed ? unavailableError() : noResultError(callId);
}

Error VenvPrivate::noResultError(const QString &callId)
{
    return makeError(ErrorCode::Unknown, QStringLiteral("no result for call \"%1\"").arg(callId));
}

// \a reader: the connection whose replies startCall() claimed for this thread, given back however
// the wait ends (without the lock: this may be its last owner, which joins its I/O thread).
Error VenvPrivate::awaitCall(quint64 id, QCborValue *result, QDeadlineTimer deadline,
                             std::shared_ptr<Internal::WorkerConnection> reader)
{
    const auto giveBack = qScopeGuard([&] {
        if (reader)
            reader->releaseReading();
        reader.reset();
    });
    std::unique_lock lock(mutex);
    if (state == State::Closed)
        return unavailableError();
    evictExpired();
    const auto it = calls.find(id);
    if (it == calls.end())
        return noResultError(QString::number(id));
    const std::shared_ptr<CallEntry> entry = it->second;
    if (!entry->done) {
        ++entry->waiters;
        const auto settled = [&] { return entry->done || state == State::Closed; };
        // Reading the result here when no other thread reads saves the I/O thread's hand-off.
        if (!reader && state == State::Ready)
            reader = connection;
        if (reader) {
            lock.unlock();
            reader->readUntil([&] { std::lock_guard relock(mutex); return settled(); },
                              deadline.isForever() ? Clock::time_point::max() : deadline.deadline<Clock>());
            // Its last owner, if close() ran meanwhile: it joins the I/O thread, which may need the lock.
            reader.reset();
            lock.lock();
        }
        const bool done = waitUntil(entry->cv, lock, deadline, settled);
        --entry->waiters;
        if (state == State::Closed)
            return unavailableError();
        if (!done)
            return makeError(ErrorCode::Timeout, QStringLiteral("call %1 is still running").arg(id));
    }
    if (entry->consumed)
        return makeError(ErrorCode::Unknown, QStringLiteral("the result of call %1 was already delivered").arg(id));
    takeCall(id);
    if (result)
        *result = std::move(entry->result);
    return entry->error;
}

Error VenvPrivate::callAndAwait(const CallRequest &request, QCborValue *result, QDeadlineTimer deadline)
{
    Error error;
    std::shared_ptr<Internal::WorkerConnection> reader;
    const quint64 id = startCall(request, &error, nullptr, &reader);
    if (!id)
        return error;
    return awaitCall(id, result, deadline, std::move(reader));
}

Error VenvPrivate::result(const QString &callId, bool *done, QCborValue *result)
{
    if (done)
        *done = false;
    bool valid = false;
    const quint64 id = callId.toULongLong(&valid);
    std::lock_guard lock(mutex);
    if (state == State::Closed)
        return unavailableError();
    evictExpired();
    const auto it = calls.find(id);
    if (!valid || it == calls.end())
        return noResultError(callId);
    if (!it->second->done)
        return {};
    const auto entry = takeCall(id);
    if (done)
        *done = true;
    if (result)
        *result = std::move(entry->result);
    return entry->error;
}

Error VenvPrivate::cancel(const QString &callId)
{
    bool valid = false;
    const quint64 id = callId.toULongLong(&valid);
    {
        std::lock_guard lock(mutex);
        if (state == State::Closed)
            return unavailableError();
        const auto it = calls.find(id);
        if (!valid || it == calls.end() || it->second->done || !connection)
            return makeError(ErrorCode::Unknown, QStringLiteral("no running call \"%1\" to cancel").arg(callId));
        if (it->second->cancelled)
            return makeError(ErrorCode::Unknown, QStringLiteral("call \"%1\" is already cancelled").arg(callId));
        sendCancel(id, *it->second);
    }
    return {};
}

void VenvPrivate::sendCancel(quint64 id, CallEntry &entry)
{
    entry.cancelled = true;
    // If the worker just died, its exit report fails the call with Died.
    connection->send("{\"type\":\"cancel\",\"callID\":" + QByteArray::number(id) + '}');
    if (config.cancelGracePeriod > std::chrono::milliseconds::zero()) {
        entry.cancelDeadline = Clock::now() + config.cancelGracePeriod;
        connection->requestAlarm(entry.cancelDeadline);
    }
}

QList<QCborValue> VenvPrivate::takePartials(const QString &callId)
{
    bool valid = false;
    const quint64 id = callId.toULongLong(&valid);
    std::lock_guard lock(mutex);
    const auto it = calls.find(id);
    if (!valid || it == calls.end())
        return {};
    return std::exchange(it->second->partials, {});
}

// --- close -----------------------------------------------------------------------------------

void VenvPrivate::close()
{
    std::shared_ptr<Internal::WorkerConnection> worker;
    std::vector<std::shared_ptr<CallEntry>> settled;
    {
        std::unique_lock lock(mutex);
        if (cleanedUp)
            return;
        cleanedUp = true;
        setState(State::Closed);
        abort.wake();
        worker = std::move(connection);
        std::vector<quint64> futures;
        for (const auto &[id, entry] : calls) {
            if (!entry->done && entry->future)
                futures.push_back(id);
            entry->cv.notify_all(); // parked await()s see Closed
        }
        for (quint64 id : futures)
            finishCall(id, calls.at(id), {}, unavailableError(), &settled);
        handshakeFailed(unavailableError());
    }
    settle(settled);
    if (worker) {
        worker->kill();
        if (!worker->mayJoinHere()) {
            // A future's continuation on the thread that reads the worker's frames: that thread
            // cannot wait for itself, so another finishes once it has ended.
            closer = std::thread([this, worker = std::move(worker)] {
                worker->join();
                finishClose();
            });
            return;
        }
        worker->join();
    }
    finishClose();
}

// What close() does once the worker's I/O thread has ended.
void VenvPrivate::finishClose()
{
    {
        std::unique_lock lock(mutex);
        stateCv.wait(lock, [this] { return startsRunning == 0; });
    }
    if (asyncStart.joinable() && asyncStart.get_id() != std::this_thread::get_id())
        asyncStart.join();

    stdoutLog.close();
    stderrLog.close();
    environment.release();
    if (!config.removeBaseDirOnClose || !configError.ok())
        return;
    if (ownsBaseDir)
        QDir(localBaseDir).removeRecursively();
    else
        environment.removeCreated();
}

// --- Venv ------------------------------------------------------------------------------------

Venv::Venv(const Config &config, QObject *parent)
    : QObject(parent)
    , d_ptr(std::make_unique<VenvPrivate>(this, config))
{
    qRegisterMetaType<QtPyVenv::Error>();
    qRegisterMetaType<QtPyVenv::FunctionInfo>();
    qRegisterMetaType<QtPyVenv::ParameterInfo>();
    qRegisterMetaType<QtPyVenv::State>();
    qRegisterMetaType<QtPyVenv::StartPhase>();
}

Venv::~Venv()
{
    close();
    if (d_ptr->closer.joinable())
        d_ptr->closer.join();
    if (d_ptr->asyncStart.joinable())
        d_ptr->asyncStart.detach(); // only when the destructor ran on that very thread
}

Config Venv::config() const
{
    Q_D(const Venv);
    return d->config;
}

State Venv::state() const
{
    Q_D(const Venv);
    std::lock_guard lock(d->mutex);
    return d->state;
}

qint64 Venv::processId() const
{
    Q_D(const Venv);
    std::lock_guard lock(d->mutex);
    return d->pid;
}

QString Venv::pythonVersion() const
{
    Q_D(const Venv);
    std::lock_guard lock(d->mutex);
    return d->pythonVersion;
}

QString Venv::pythonExecutable() const
{
    Q_D(const Venv);
    std::lock_guard lock(d->mutex);
    return d->pythonExecutable;
}

QList<FunctionInfo> Venv::functions() const
{
    Q_D(const Venv);
    std::lock_guard lock(d->mutex);
    return d->state == State::Ready ? d->functions : QList<FunctionInfo>();
}

Error Venv::start(QDeadlineTimer deadline)
{
    Q_D(Venv);
    return d->start(deadline);
}

void Venv::startAsync()
{
    Q_D(Venv);
    std::lock_guard lock(d->mutex);
    if (d->state == State::Closed || d->state == State::Starting || d->state == State::Ready)
        return;
    if (d->asyncStart.joinable())
        d->asyncStart.join(); // the previous one has returned: its start() left the Starting state
    d->asyncStart = std::thread([d] { d->start(QDeadlineTimer(QDeadlineTimer::Forever)); });
}

QString Venv::call(const QString &function, const QJsonValue &args, Error *error)
{
    Q_D(Venv);
    return d->call({function, &args, nullptr}, error, nullptr);
}

Error Venv::await(const QString &callId, QJsonValue *result, QDeadlineTimer deadline)
{
    Q_D(Venv);
    QCborValue value;
    const Error error = d->await(callId, result ? &value : nullptr, deadline);
    if (result)
        *result = toJson(value);
    return error;
}

Error Venv::result(const QString &callId, bool *done, QJsonValue *result)
{
    Q_D(Venv);
    QCborValue value;
    const Error error = d->result(callId, done, result ? &value : nullptr);
    if (result)
        *result = toJson(value);
    return error;
}

Error Venv::callAndAwait(const QString &function, const QJsonValue &args, QJsonValue *result,
                         QDeadlineTimer deadline)
{
    Q_D(Venv);
    QCborValue value;
    const Error error = d->callAndAwait({function, &args, nullptr}, result ? &value : nullptr, deadline);
    if (result)
        *result = toJson(value);
    return error;
}

QFuture<QJsonValue> Venv::callAsync(const QString &function, const QJsonValue &args)
{
    return callAsync(function, args, nullptr);
}

QFuture<QJsonValue> Venv::callAsync(const QString &function, const QJsonValue &args, QString *callId)
{
    Q_D(Venv);
    auto delivery = std::make_unique<PromiseDelivery<QJsonValue>>();
    QFuture<QJsonValue> future = delivery->future();
    const QString id = d->call({function, &args, nullptr}, nullptr, std::move(delivery));
    if (callId)
        *callId = id;
    return future;
}

QString Venv::invoke(const QString &function, const Arguments &arguments, Error *error)
{
    Q_D(Venv);
    return d->call({function, nullptr, &arguments}, error, nullptr);
}

Error Venv::awaitValue(const QString &callId, QCborValue *result, QDeadlineTimer deadline)
{
    Q_D(Venv);
    return d->await(callId, result, deadline);
}

Error Venv::resultValue(const QString &callId, bool *done, QCborValue *result)
{
    Q_D(Venv);
    return d->result(callId, done, result);
}

Error Venv::cancel(const QString &callId)
{
    Q_D(Venv);
    return d->cancel(callId);
}

QList<QCborValue> Venv::partials(const QString &callId)
{
    Q_D(Venv);
    return d->takePartials(callId);
}

Error Venv::invokeAndAwait(const QString &function, const Arguments &arguments, QCborValue *result,
                           QDeadlineTimer deadline)
{
    Q_D(Venv);
    return d->callAndAwait({function, nullptr, &arguments}, result, deadline);
}

QFuture<QCborValue> Venv::invokeAsync(const QString &function, const Arguments &arguments)
{
    return invokeAsync(function, arguments, nullptr);
}

QFuture<QCborValue> Venv::invokeAsync(const QString &function, const Arguments &arguments, QString *callId)
{
    Q_D(Venv);
    auto delivery = std::make_unique<PromiseDelivery<QCborValue>>();
    QFuture<QCborValue> future = delivery->future();
    const QString id = d->call({function, nullptr, &arguments}, nullptr, std::move(delivery));
    if (callId)
        *callId = id;
    return future;
}

void Venv::close()
{
    Q_D(Venv);
    d->close();
}

QByteArray Venv::tailStdOut() const
{
    Q_D(const Venv);
    return d->stdoutLog.tail();
}

QByteArray Venv::tailStdErr() const
{
    Q_D(const Venv);
    return d->stderrLog.tail();
}

} // namespace QtPyVenv
