// SPDX-License-Identifier: MIT
#pragma once

#include <QtPyVenv/qtpyvenv_export.h>
#include <QtPyVenv/value.h>

#include <QDeadlineTimer>
#include <QException>
#include <QFuture>
#include <QJsonValue>
#include <QList>
#include <QMetaType>
#include <QObject>
#include <QString>
#include <QStringList>

#include <chrono>
#include <memory>

/*!
 * \namespace QtPyVenv
 * Run a Python virtual environment as a long-lived compute worker of a Qt program.
 */
namespace QtPyVenv {
Q_NAMESPACE_EXPORT(QTPYVENV_EXPORT)

/*! Lifecycle of a Venv. */
enum class State {
    Idle,     //!< Constructed, or a start failed: no worker process. start() may be called.
    Starting, //!< start() is creating the venv, installing or launching the worker.
    Ready,    //!< The worker runs and has loaded the sources: call() works.
    Died,     //!< The worker exited unexpectedly. start() launches a fresh one.
    Closed,   //!< close() was called. Final.
};
Q_ENUM_NS(State)

/*! What a start() is doing while the Venv is Starting. */
enum class StartPhase {
    CreatingVenv, //!< python -m venv or uv venv, for a new or broken venv
    Installing,   //!< pip install or uv pip install, because the requirements changed
    Launching,    //!< the worker is starting and loading the sources
    //! Config::launcher said its job waits in a batch queue (srun's "queued and waiting for
    //! resources"); its messages go to installOutput() too. Launching follows once it runs.
    Waiting,
};
Q_ENUM_NS(StartPhase)

/*! What went wrong. Every value but NoError comes with a readable Error::message. */
enum class ErrorCode {
    NoError,       //!< Success.
    InvalidConfig, //!< The Config is unusable (e.g. an option-like requirement); nothing touched disk.
    NotReady,      //!< No worker is running: start() has not succeeded yet.
    Closed,        //!< The Venv was closed.
    Unknown,       //!< No such call id, or its result was already delivered or evicted.
    Timeout,       //!< The deadline passed first. For await() the call stays claimable.
    Died,          //!< The worker exited while the call ran, or before it was made.
    PythonError,   //!< Python raised: Error::type, message and traceback say what.
    StartFailed,   //!< The interpreter, uv (Installer::Uv) or the worker could not be launched.
    //! Creating the venv or installing failed (the message ends with pip's or uv's last lines), or
    //! baseDir cannot be used: not creatable or writable (with the OS's reason), or holding a
    //! meta/ or venv/ QtPyVenv did not make, or a symbolic link where it keeps its files.
    InstallFailed,
    ProtocolError, //!< The worker broke the wire protocol (garbage, oversized frame); it was killed.
    InvalidArgument, //!< The arguments cannot be sent (too deep, over the frame cap); nothing was sent.
    //! The call was cancelled with Venv::cancel(); Error::traceback says where its code stopped.
    Cancelled,
};
Q_ENUM_NS(ErrorCode)

/*!
 * Which tool creates the venv and installs the requirements (Config::installer). Either can
 * take over a venv the other made: the installed packages are the same, and so is the
 * requirement key, so changing the installer alone installs nothing.
 */
enum class Installer {
    //! uv when an executable "uv" is found (Config::toolSearchPaths, then PATH) and it knows
    //! every Config::pipOptions entry; pip otherwise. Decided at each start().
    Auto,
    Pip, //!< python -m venv --without-pip, and pip (the bootstrap interpreter's, or ensurepip's)
    //! uv venv and uv pip install. A pip option uv does not know is InvalidConfig; no uv found
    //! is StartFailed.
    Uv,
};
Q_ENUM_NS(Installer)

/*! The outcome of an operation: a value type, cheap to copy. */
struct QTPYVENV_EXPORT Error {
    ErrorCode code = ErrorCode::NoError;
    QString type;      //!< Python exception class name for PythonError (SyntaxError for bad sources).
    QString message;   //!< One readable line; never empty when code != NoError.
    QString traceback; //!< The Python traceback, when there is one.
    bool ok() const { return code == ErrorCode::NoError; }
    //! "PythonError: ValueError: bad input" style text for logs.
    QString toString() const;
};

/*! One parameter of a FunctionInfo, as inspect.signature() describes it. */
struct QTPYVENV_EXPORT ParameterInfo {
    enum class Kind { Positional, PositionalOrKeyword, VarPositional, Keyword, VarKeyword };
    QString name;
    Kind kind = Kind::PositionalOrKeyword;
    bool hasDefault = false;
    QString defaultValue; //!< repr() of the default, when hasDefault
    QString annotation;   //!< the annotation as text, empty when there is none
};

/*! A public callable defined by the sources, as Python describes it. */
struct QTPYVENV_EXPORT FunctionInfo {
    QString name;
    QString signature; //!< e.g. "(args)" or "(n=3)"
    QString doc;       //!< the cleaned docstring, empty when there is none
    QList<ParameterInfo> parameters; //!< empty when Python cannot tell the signature
};

/*! How a Venv is built and run. Defaults are applied by Venv::config(). */
struct QTPYVENV_EXPORT Config {
    QString pythonInterpreter = QStringLiteral("python3"); //!< bootstrap interpreter: name on PATH or a path
    QStringList sources;      //!< Python source texts, run in order in one namespace
    QStringList requirements; //!< pip requirement specifiers; one starting with '-' is InvalidConfig
    //! Extra pip options, e.g. {"--no-index", "--find-links", dir}; given to uv as they are,
    //! which takes only those of its pip interface with pip's meaning (see Installer).
    QStringList pipOptions;
    int maxWorkers = 1;       //!< calls run at once in the worker; <= 0 means 1
    QString baseDir;          //!< empty: a new temporary directory, made by the library (see launcher)
    std::chrono::milliseconds resultCacheTtl = std::chrono::minutes(15); //!< 0: default; negative: never evict
    //! Size of each half of the rolling output tails; the output signals wait with up to 4 x this
    //! per stream while the receiving thread lags. <= 0 means 256.
    int outputBufferKb = 256;
    bool removeBaseDirOnClose = true; //!< close() removes what the library created under baseDir
    //! Optional names for the sources (e.g. file paths), shown in tracebacks and SyntaxErrors;
    //! a missing name is "<source N>".
    QStringList sourceNames;
    //! An environment QtPyVenv did not make (Config::venvDir, or a working venv at baseDir/venv
    //! it did not create) is used as it is, and never deleted, recreated or repaired. With
    //! requirements not yet installed into it, start() is InstallFailed unless this is set: then
    //! pip or uv installs them into that environment.
    bool installIntoExistingVenv = false;
    /*!
     * How long a cancelled call may go on before the library ends it by restarting the worker
     * (code inside a C extension does not see the cancel until it returns to Python). The other
     * calls in flight then fail with Died; see Venv::cancel(). 0: default; negative: never restart.
     */
    std::chrono::milliseconds cancelGracePeriod = std::chrono::seconds(5);
    //! Which tool creates the venv and installs the requirements.
    Installer installer = Installer::Auto;
    //! Folders searched for the uv executable before PATH, e.g. where an application keeps the
    //! tools it fetched for itself.
    QStringList toolSearchPaths;
    /*!
     * A command prefix that runs the worker elsewhere, e.g. {"srun", "-u"}, {"docker", "exec",
     * "-i", "box"} or {"ssh", "host"}; empty: this machine. The environment is then prepared
     * where the worker runs: the host runs `launcher... <pythonInterpreter> -c <loader>` and
     * sends it a bootstrap that creates the venv, installs the requirements when they changed
     * and becomes the worker, speaking the protocol over that command's stdin and stdout.
     * pythonInterpreter, baseDir and venvDir are then paths on the far side, taken as given (a
     * relative one is relative to where the launcher starts the command); an empty baseDir is
     * a new folder in the far side's temporary directory, made by each start and removed when
     * that worker ends. Only the output tails stay on this machine; close() never removes a far
     * baseDir. What the command writes to stderr (ssh's "Permission denied", srun's notes) is
     * passed on as start output, later as stderr output, and its last lines are in the message
     * of a startFailed() or died(). The first element is a program name looked up on PATH, or a
     * path.
     *
     * Every argument is passed as argv. When the launcher's program is `ssh`, which joins its
     * arguments into one line for the remote shell, the arguments appended here are quoted for a
     * POSIX shell; the launcher's own are passed as given. The worker needs no environment
     * variable from the host (ssh forwards none). close() ends the launched command, and the
     * worker, on end of input, ends with everything it started.
     */
    QStringList launcher;
    /*!
     * An existing virtual environment or conda environment folder to use instead of
     * baseDir/venv; empty: baseDir/venv. Its interpreter is bin/python, else bin/python3; a
     * folder without one is StartFailed naming it. QtPyVenv never deletes or recreates it (not
     * even close() with removeBaseDirOnClose) and installs into it only with
     * installIntoExistingVenv. baseDir still holds QtPyVenv's own meta/.
     */
    QString venvDir;
};

//! The installer a start() would use for \a config now: Pip or Uv, never Auto.
QTPYVENV_EXPORT Installer resolvedInstaller(const Config &config);
//! The uv a start with \a config would run: the first in Config::toolSearchPaths, else on PATH;
//! "" when there is none.
QTPYVENV_EXPORT QString uvExecutable(const Config &config);

/*! The exception a callAsync() future carries when the call fails. */
class QTPYVENV_EXPORT CallException : public QException
{
public:
    explicit CallException(const Error &error);
    Error error() const { return m_error; }
    const char *what() const noexcept override { return m_what.constData(); }
    void raise() const override { throw *this; }
    CallException *clone() const override { return new CallException(*this); }

private:
    Error m_error;
    QByteArray m_what;
};

class VenvPrivate;

/*!
 * \class QtPyVenv::Venv
 * One Python virtual environment and its long-lived worker process.
 *
 * \code
 * QtPyVenv::Config config;
 * config.sources = {QStringLiteral("def embed(args):\n    return {'n': len(args['text'])}\n")};
 * QtPyVenv::Venv venv(config);
 * if (auto error = venv.start(); !error.ok())
 *     qFatal("%s", qPrintable(error.message));
 * QJsonValue out;
 * venv.callAndAwait(QStringLiteral("embed"), QJsonObject{{"text", "hello"}}, &out);
 * \endcode
 *
 * \section Threading
 * Every public method is thread-safe and may be called from any thread, including threads
 * without an event loop. The worker's pipes are served by an internal I/O thread, so the
 * blocking methods (start(), await(), callAndAwait()) wait on a condition variable and never
 * need the caller's event loop: they neither spin nor nest one. On a GUI thread prefer
 * startAsync(), callAsync() and the signals.
 *
 * Signals are queued to the thread the Venv lives in and are delivered by that thread's event
 * loop, in the order things happened. callStarted() and callFinished() are only queued while
 * something is connected to them.
 *
 * \section Results
 * call() returns an id at once. Its result is delivered exactly once, to the first await() or
 * result() that finds it done; later ones get ErrorCode::Unknown. An await() whose deadline
 * passes returns ErrorCode::Timeout and leaves the result claimable. Results nobody claims
 * are dropped after Config::resultCacheTtl.
 */
class QTPYVENV_EXPORT Venv : public QObject
{
    Q_OBJECT
    Q_PROPERTY(QtPyVenv::State state READ state NOTIFY stateChanged)

public:
    //! Validates \a config; starts nothing and touches no disk until start().
    explicit Venv(const Config &config = {}, QObject *parent = nullptr);
    //! Same as close().
    ~Venv() override;

    //! The effective config: defaults applied, baseDir resolved (with a launcher, as given: a far path).
    Config config() const;
    State state() const;
    //! The worker's pid, 0 when none runs.
    qint64 processId() const;
    //! The public callables the sources define, in definition order; empty unless Ready.
    QList<FunctionInfo> functions() const;
    //! The worker's Python version ("3.11.2") and sys.executable, from its last start.
    QString pythonVersion() const;
    QString pythonExecutable() const;

    /*!
     * Creates the venv if absent, pip-installs when the requirements changed, launches the
     * worker and loads the sources; blocks until Ready or \a deadline (then Timeout, with
     * everything it spawned killed). Returns NoError at once when already Ready; waits for a
     * start already running in another thread. A failed start leaves the Venv Idle.
     */
    Error start(QDeadlineTimer deadline = QDeadlineTimer(QDeadlineTimer::Forever));
    //! Starts in the background and returns at once; the outcome is ready() or startFailed().
    void startAsync();

    //! Sends a call and returns its id at once, or "" with \a error set.
    QString call(const QString &function, const QJsonValue &args = {}, Error *error = nullptr);
    //! Blocks until the call is done or \a deadline passes; a delivery consumes the result.
    Error await(const QString &callId, QJsonValue *result = nullptr,
                QDeadlineTimer deadline = QDeadlineTimer(QDeadlineTimer::Forever));
    //! Never blocks: \a done tells whether the call finished; if so, the result is consumed.
    Error result(const QString &callId, bool *done, QJsonValue *result = nullptr);
    //! call() then await().
    Error callAndAwait(const QString &function, const QJsonValue &args = {}, QJsonValue *result = nullptr,
                       QDeadlineTimer deadline = QDeadlineTimer(QDeadlineTimer::Forever));
    /*!
     * A call whose future finishes with the result, or with a CallException. The future shows
     * the call's progress (see callProgress()): 0..1000 per mille of a known total, else a busy
     * range with progressValue() the count; progressText() is the message. QFuture::cancel()
     * cancels the call as cancel() does; the library notices it within 50 ms (no event loop
     * needed), at once when the call reports.
     */
    QFuture<QJsonValue> callAsync(const QString &function, const QJsonValue &args = {});
    //! callAsync() that also tells the call's id (as in callStarted()), "" when it failed at once.
    QFuture<QJsonValue> callAsync(const QString &function, const QJsonValue &args, QString *callId);

    /*!
     * Sends a call of fn(*arguments.positional, **arguments.keywords) with rich values (see
     * value.h) and returns its id at once, or "" with \a error set. Its result can be claimed with
     * awaitValue() or resultValue() as the rich value, or with await()/result() as its JSON
     * projection; either way exactly once. Values nested deeper than MaxValueDepth are refused.
     */
    QString invoke(const QString &function, const Arguments &arguments = {}, Error *error = nullptr);
    //! await() for the rich value: blocks until done or \a deadline; a delivery consumes it.
    Error awaitValue(const QString &callId, QCborValue *result,
                     QDeadlineTimer deadline = QDeadlineTimer(QDeadlineTimer::Forever));
    //! result() for the rich value: never blocks; consumes the result when done.
    Error resultValue(const QString &callId, bool *done, QCborValue *result);
    //! invoke() then awaitValue().
    Error invokeAndAwait(const QString &function, const Arguments &arguments, QCborValue *result,
                         QDeadlineTimer deadline = QDeadlineTimer(QDeadlineTimer::Forever));
    //! invoke() whose future finishes with the rich result, or with a CallException; progress and cancel as for callAsync().
    QFuture<QCborValue> invokeAsync(const QString &function, const Arguments &arguments = {});
    //! invokeAsync() that also tells the call's id, "" when it failed at once.
    QFuture<QCborValue> invokeAsync(const QString &function, const Arguments &arguments, QString *callId);

    /*!
     * Asks the worker to cancel a call and returns at once. A call still waiting for a worker
     * thread never runs; a running one gets qtpyvenv.Cancelled raised at its next Python line
     * (its finally blocks run). Either way it then finishes with ErrorCode::Cancelled, unless
     * its result was already on the way: then it finishes with that, as if never cancelled.
     * Unknown for a call that is unknown, finished or already cancelled.
     *
     * Code blocked in native code sees the cancel only when it returns to Python. If the call
     * has not finished within Config::cancelGracePeriod, the library restarts the worker: the
     * call finishes Cancelled, every other call in flight fails with Died (the message says
     * why), and the Venv goes Starting and then Ready again by itself with the same venv
     * (stateChanged(), startPhaseChanged(Launching), ready(); no died(); startFailed() if the
     * new worker cannot start). Calls made meanwhile get NotReady.
     */
    Error cancel(const QString &callId);

    /*!
     * Takes the values a generator call has yielded so far (its partial results, in order; see
     * callPartial()); they are kept until taken here or the call's result is claimed. Empty for an
     * unknown call. Works without an event loop.
     */
    QList<QCborValue> partials(const QString &callId);

    /*!
     * Kills the worker, fails waiting and future calls with Closed and, when
     * Config::removeBaseDirOnClose, removes what the library created under baseDir.
     * Idempotent; emits no died(). Called from a callAsync() continuation that runs on the
     * thread that delivered the result (then() without a context), it returns at once and
     * finishes in the background; the destructor waits for that. Do not destroy the Venv in
     * such a continuation: attach it with a context object instead.
     */
    void close();

    //! Up to 2 x outputBufferKb of the worker's most recent stdout (fd 1).
    QByteArray tailStdOut() const;
    //! Up to 2 x outputBufferKb of the worker's most recent stderr (fd 2).
    QByteArray tailStdErr() const;

Q_SIGNALS:
    void stateChanged(QtPyVenv::State state);
    //! The worker is up and the sources are loaded.
    void ready();
    //! The worker exited unexpectedly (crash, kill, protocol error); never emitted for close().
    void died(const QtPyVenv::Error &error);
    //! A start() or startAsync() failed; the Venv is Idle again.
    void startFailed(const QtPyVenv::Error &error);
    //! A start() entered \a phase (CreatingVenv and Installing only when needed).
    void startPhaseChanged(QtPyVenv::StartPhase phase);
    void callStarted(const QString &callId, const QString &function);
    void callFinished(const QString &callId, const QtPyVenv::Error &error);
    /*!
     * The running call reported progress (qtpyvenv.progress() or a tqdm bar): \a done of
     * \a total, \a total negative when unknown. Values are the Python code's, not necessarily
     * increasing; the last one it reported comes before the call's callFinished().
     */
    void callProgress(const QString &callId, double done, double total, const QString &message);
    //! A generator call yielded \a value; in order, all before its callFinished(). See partials().
    void callPartial(const QString &callId, const QCborValue &value);
    /*!
     * Live output of the worker's fd 1 / fd 2, in chunks as they arrive. What a call wrote
     * before it returned comes before its callFinished(). While this thread's event loop lags,
     * each stream keeps only its newest 4 x Config::outputBufferKb waiting: older output is
     * dropped, and outputDropped() says where and how much.
     */
    void stdoutReceived(const QByteArray &data);
    void stderrReceived(const QByteArray &data);
    /*!
     * \a bytes of the worker's fd \a fd (1 or 2) were dropped because the receiving thread
     * lagged: emitted right before the first stdoutReceived() / stderrReceived() after the gap.
     */
    void outputDropped(int fd, qint64 bytes);
    //! Live output of venv creation and pip; bounded like stdoutReceived().
    void installOutput(const QByteArray &data);
    //! \a bytes of install output were dropped: emitted right before the first installOutput() after the gap.
    void installOutputDropped(qint64 bytes);

private:
    Q_DECLARE_PRIVATE(Venv)
    std::unique_ptr<VenvPrivate> const d_ptr;
};

} // namespace QtPyVenv

Q_DECLARE_METATYPE(QtPyVenv::Error)
Q_DECLARE_METATYPE(QtPyVenv::FunctionInfo)
Q_DECLARE_METATYPE(QtPyVenv::ParameterInfo)
