// SPDX-License-Identifier: MIT
// qtpyvenv-bench: measures start-up, call latency, throughput, payload bandwidth and host memory of
// a QtPyVenv worker, next to the floor of a bare Python loop on two pipes, the transfer of numpy
// arrays and pandas DataFrames in a second venv that has them, the cost of cancelling a running
// call and of reporting progress, and how long pip and uv take to install numpy and pandas into a
// fresh venv; prints one JSON line.
#include <QtPyVenv/venv.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimer>
#include <QtEndian>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <functional>
#include <latch>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace {

using Clock = std::chrono::steady_clock;

const QString Echo = QStringLiteral("echo");
const QString Noop = QStringLiteral("noop");
const QJsonValue EchoArgs(QJsonObject{{QStringLiteral("text"), QStringLiteral("hello world")}, {QStringLiteral("n"), 42}});
constexpr qsizetype BlobChars = 8 * 1024 * 1024;
constexpr int RssThreads = 4;

// The floor: one JSON echo through the same interpreter with no library around it. Same framing
// and the same encoder settings as the worker. Run directly on two pipes (floor_rtt_p50_us) and
// through ssh and srun (ssh_floor_rtt_p50_us, srun_floor_rtt_p50_us), so that each rtt is set
// beside a floor that pays for the same interpreter loop and the same transport.
constexpr char FloorScript[] = R"(
import json, os, struct
encode = json.JSONEncoder(ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode
def read_exact(n):
    data = b""
    while len(data) < n:
        chunk = os.read(0, n - len(data))
        if not chunk:
            raise SystemExit(0)
        data += chunk
    return data
while True:
    (size,) = struct.unpack(">I", read_exact(4))
    body = encode(json.loads(read_exact(size))).encode("utf-8")
    reply = struct.pack(">I", len(body)) + body
    while reply:
        reply = reply[os.write(1, reply):]
)";

// The second venv's workload: an array echo and a DataFrame of TableRows rows made once.
constexpr qint64 ArrayBytes = 64 * 1024 * 1024;
constexpr qint64 TableRows = 1000000;
constexpr int TableColumns = 4;
const QString EchoArray = QStringLiteral("echo_array");
const QString MakeTable = QStringLiteral("make_table");
const QString Table1M = QStringLiteral("table_1m");
const QString PydataSource = QStringLiteral(R"PY(
import numpy as np
import pandas as pd

def echo_array(array):
    if not isinstance(array, np.ndarray):
        raise TypeError("expected a numpy array, got %s" % type(array).__name__)
    return array

_TABLE = None

def make_table(rows):
    global _TABLE
    _TABLE = pd.DataFrame({
        "x": np.linspace(0.0, 1.0, rows),
        "y": np.arange(rows, dtype=np.float64) * 0.5,
        "n": np.arange(rows, dtype=np.int64),
        "k": (np.arange(rows) % 1000).astype(np.int32),
    })
    return len(_TABLE)

def table_1m():
    return _TABLE
)PY");

// Long calls, in a venv of their own with one worker thread (the default, and the case where no
// other thread is free to read a cancel). spin() is a pure-Python busy loop that reports once it
// runs. work() times, inside the worker, n items of a small realistic unit of work, with or
// without a progress() call per item: a feature of the item from five math calls and a few float
// operations, folded into a running mean and variance (Welford); about 0.3 µs an item on the
// reference machine (progress_item_ns). An empty loop would be the wrong yardstick: at ~15 ns an
// iteration any Python call costs several times it. Both loops test `report`, so that they
// differ by the call alone.
const QString Spin = QStringLiteral("spin");
const QString Work = QStringLiteral("work");
const QString LongSource = QStringLiteral(R"PY(
import math, time, qtpyvenv

def spin():
    qtpyvenv.progress(0, None, "spinning")
    n = 0
    while True:
        n += 1

def work(n, report):
    progress = qtpyvenv.progress
    sqrt, sin, cos, exp, log1p = math.sqrt, math.sin, math.cos, math.exp, math.log1p
    mean = m2 = 0.0
    begin = time.perf_counter()
    for i in range(n):
        x = i * 1e-3
        y = sqrt(x) * sin(x) + cos(x) * exp(-x) + log1p(x) - x * x / (1.0 + x)
        delta = y - mean
        mean += delta / (i + 1)
        m2 += delta * (y - mean)
        if report:
            progress(i + 1, n)
    return time.perf_counter() - begin
)PY");

struct Counts {
    int warmUp = 2000;
    int roundTrips = 20000;
    int remoteWarmUp = 200; //!< round trips of each launcher key (ssh, srun)
    int remoteRoundTrips = 3000;
    int turns = 20;       //!< of the local round trips (measureInTurns())
    int remoteTurns = 10; //!< of each launcher's
    int threads = 64;
    int callsPerThread = 625;
    int payloadEchoes = 10;
    qint64 rssCalls = 1000000;
    int arrayWarmUp = 3;
    int arrayEchoes = 10;
    int tableRuns = 9;
    int cancels = 50;
    int progressItems = 1000000;
    int progressRuns = 3; //!< of each loop, alternating; the fastest of each counts
};

//! Where and how the second venv, with numpy and pandas, is made; disabled with --no-pydata.
struct PydataOptions {
    bool enabled = true;
    QString baseDir;
    QString wheels; //!< a local wheel directory for pip --no-index --find-links, or empty: the index
};

struct Results {
    double coldStartMs = 0;
    double warmStartMs = 0;
    double rttP50Us = 0;
    double rttP99Us = 0;
    double throughputCallsS = 0;
    double payloadMBps = 0;
    double floorRttP50Us = 0;
    double launcherRttP50Us = 0; // through the launcher {"env"}
    qint64 rssGrowthKb = 0;
    qint64 callsForRss = 0;
    std::optional<double> arrayPayloadMBps;
    std::optional<double> table1mRowsMs;
    QString pydataSkipped; //!< why the two keys above are null
    double cancelLatencyP50Ms = 0;
    double cancelLatencyP90Ms = 0;
    double progressOverheadPct = 0;
    double progressCallNs = 0;
    double progressItemNs = 0;
    std::optional<double> installPipS;
    std::optional<double> installUvS;
    QString installSkipped; //!< why one of the two keys above is null
    std::optional<double> sshRttP50Us;
    std::optional<double> sshFloorRttP50Us;
    std::optional<double> sshCatRttP50Us;
    std::optional<double> srunRttP50Us;
    std::optional<double> srunFloorRttP50Us;
    std::optional<double> srunCatRttP50Us;
    QString remoteSkipped; //!< why the four keys above are null
};

std::runtime_error failure(const QString &message)
{
    return std::runtime_error(message.toStdString());
}

void check(const QtPyVenv::Error &error, const QString &what)
{
    if (!error.ok())
        throw failure(QStringLiteral("%1: %2").arg(what, error.toString()));
}

double seconds(Clock::duration d)
{
    return std::chrono::duration<double>(d).count();
}

// Nearest-rank percentile, in microseconds.
double percentileUs(std::vector<Clock::duration> samples, double fraction)
{
    const auto rank = std::max<size_t>(size_t(std::ceil(fraction * double(samples.size()))), 1);
    const auto nth = samples.begin() + std::ptrdiff_t(rank - 1);
    std::nth_element(samples.begin(), nth, samples.end());
    return std::chrono::duration<double, std::micro>(*nth).count();
}

/*!
 * Latencies of several round trips measured in turns: after warmUp untimed round trips of each,
 * \a turns turns of roundTrips / turns timed round trips of each path, one path after the other.
 * On this VM a round trip's speed depends on whether its two processes share a vCPU, which the
 * scheduler changes now and then: paths timed in turns of some milliseconds share the periods in
 * between, rather than seconds each of their own (the README says what is left). Returns each
 * path's latencies, turn after turn.
 */
std::vector<std::vector<Clock::duration>> measureInTurns(int warmUp, int roundTrips, int turns,
                                                         const std::vector<std::function<void()>> &paths)
{
    for (const auto &roundTrip : paths) {
        for (int i = 0; i < warmUp; ++i)
            roundTrip();
    }
    const int perTurn = std::max(1, roundTrips / turns);
    std::vector<std::vector<Clock::duration>> samples(paths.size());
    for (int turn = 0; turn < turns; ++turn) {
        for (size_t path = 0; path < paths.size(); ++path) {
            for (int i = 0; i < perTurn; ++i) {
                const auto begin = Clock::now();
                paths[path]();
                samples[path].push_back(Clock::now() - begin);
            }
        }
    }
    return samples;
}

// Runs body(i) on count threads released together by a latch and returns the seconds from the
// release until the last one finished; thread creation is not timed. The first exception a
// thread throws is rethrown here once all have finished.
double runTogether(int count, const std::function<void(int)> &body)
{
    std::latch release(count + 1);
    std::mutex failureMutex;
    std::exception_ptr firstFailure;
    std::vector<std::thread> threads;
    threads.reserve(size_t(count));
    for (int i = 0; i < count; ++i) {
        threads.emplace_back([&, i] {
            release.arrive_and_wait();
            try {
                body(i);
            } catch (...) {
                std::lock_guard lock(failureMutex);
                if (!firstFailure)
                    firstFailure = std::current_exception();
            }
        });
    }
    release.arrive_and_wait();
    const auto begin = Clock::now();
    for (auto &thread : threads)
        thread.join();
    const double elapsed = seconds(Clock::now() - begin);
    if (firstFailure)
        std::rethrow_exception(firstFailure);
    return elapsed;
}

qint64 vmRssKb()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (status.open(QIODevice::ReadOnly)) {
        for (const QByteArray &line : status.readAll().split('\n')) {
            if (line.startsWith("VmRSS:"))
                return line.mid(6).trimmed().split(' ').value(0).toLongLong();
        }
    }
    throw failure(QStringLiteral("cannot read VmRSS from /proc/self/status"));
}

QByteArray frame(const QJsonObject &message)
{
    const QByteArray body = QJsonDocument(message).toJson(QJsonDocument::Compact);
    char prefix[4];
    qToBigEndian(quint32(body.size()), prefix);
    return QByteArray(prefix, 4) + body;
}

// A child process on a pipe for its stdin and one for its stdout, driven with plain blocking
// reads and writes from the calling thread: the transport of the floors.
class PipedChild
{
public:
    explicit PipedChild(const QStringList &argv)
        : m_name(argv.value(0))
    {
        int request[2], reply[2];
        if (::pipe2(request, O_CLOEXEC) != 0 || ::pipe2(reply, O_CLOEXEC) != 0)
            throw failure(QStringLiteral("%1: cannot create pipes: %2").arg(m_name, QString::fromLocal8Bit(::strerror(errno))));
        posix_spawn_file_actions_t actions;
        ::posix_spawn_file_actions_init(&actions);
        ::posix_spawn_file_actions_adddup2(&actions, request[0], 0);
        ::posix_spawn_file_actions_adddup2(&actions, reply[1], 1);
        CStrings arguments(argv);
        const int spawnError = ::posix_spawnp(&m_pid, arguments.pointers[0], &actions, nullptr,
                                              arguments.pointers.data(), environ);
        ::posix_spawn_file_actions_destroy(&actions);
        ::close(request[0]);
        ::close(reply[1]);
        m_toChild = request[1];
        m_fromChild = reply[0];
        if (spawnError != 0) {
            m_pid = -1;
            throw failure(QStringLiteral("cannot run %1: %2").arg(m_name, QString::fromLocal8Bit(::strerror(spawnError))));
        }
    }

    ~PipedChild()
    {
        ::close(m_toChild); // end of input: the child exits
        ::close(m_fromChild);
        if (m_pid > 0)
            ::waitpid(m_pid, nullptr, 0);
    }

    PipedChild(const PipedChild &) = delete;
    PipedChild &operator=(const PipedChild &) = delete;

    void writeAll(const char *data, size_t size)
    {
        while (size > 0) {
            const ssize_t n = ::write(m_toChild, data, size);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                throw failure(QStringLiteral("%1: write: %2").arg(m_name, QString::fromLocal8Bit(::strerror(errno))));
            data += n;
            size -= size_t(n);
        }
    }

    void readExact(char *data, size_t size)
    {
        while (size > 0) {
            const ssize_t n = ::read(m_fromChild, data, size);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                throw failure(QStringLiteral("%1 closed its output or failed to read").arg(m_name));
            data += n;
            size -= size_t(n);
        }
    }

private:
    //! NUL-terminated copies of \a strings and a null-terminated array of pointers to them.
    struct CStrings {
        explicit CStrings(const QStringList &strings)
        {
            for (const QString &string : strings)
                bytes.push_back(QFile::encodeName(string));
            for (QByteArray &b : bytes)
                pointers.push_back(b.data());
            pointers.push_back(nullptr);
        }
        std::vector<QByteArray> bytes;
        std::vector<char *> pointers;
    };

    QString m_name;
    pid_t m_pid = -1;
    int m_toChild = -1;
    int m_fromChild = -1;
};

//! \a text as one word for a POSIX shell, in single quotes.
QString shellQuoted(const QString &text)
{
    QString quoted = text;
    quoted.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
    return QLatin1Char('\'') + quoted + QLatin1Char('\'');
}

// The floor's Python loop, one framed JSON echo a round trip, run by \a python directly or at the
// far end of \a launcher (ssh hands the command to a remote shell: it is quoted for one).
class FloorProcess
{
public:
    explicit FloorProcess(const QString &python, const QStringList &launcher = {})
        : m_child(launcher + floorCommand(python, launcher.value(0) == QLatin1String("ssh")))
    {
    }

    //! Writes one pre-encoded frame and reads the reply's body into \a body.
    void roundTrip(const QByteArray &request, QByteArray *body)
    {
        m_child.writeAll(request.constData(), size_t(request.size()));
        char prefix[4];
        m_child.readExact(prefix, sizeof prefix);
        body->resize(qsizetype(qFromBigEndian<quint32>(prefix)));
        m_child.readExact(body->data(), size_t(body->size()));
    }

private:
    static QStringList floorCommand(const QString &python, bool remoteShell)
    {
        const QString script = QString::fromLatin1(FloorScript);
        if (remoteShell)
            return {shellQuoted(python), QStringLiteral("-c"), shellQuoted(script)};
        return {python, QStringLiteral("-c"), script};
    }

    PipedChild m_child;
};

// The bytes the library sends for an echo call, which the floors echo.
QByteArray echoCallFrame()
{
    return frame({{QStringLiteral("type"), QStringLiteral("call")},
                  {QStringLiteral("callID"), 1},
                  {QStringLiteral("func"), Echo},
                  {QStringLiteral("args"), EchoArgs}});
}

// The floor's echo as a round trip to time, run as FloorProcess(python, launcher) says; checked once.
class FloorEcho
{
public:
    FloorEcho(const QString &python, const QStringList &launcher)
        : m_process(python, launcher)
    {
        (*this)();
        if (QJsonDocument::fromJson(m_reply) != QJsonDocument::fromJson(m_request.mid(4)))
            throw failure(QStringLiteral("the floor loop replied %1").arg(QString::fromUtf8(m_reply)));
    }
    void operator()() { m_process.roundTrip(m_request, &m_reply); }

private:
    FloorProcess m_process;
    QByteArray m_request = echoCallFrame();
    QByteArray m_reply;
};

double timedStartMs(QtPyVenv::Venv &venv)
{
    const auto begin = Clock::now();
    check(venv.start(), QStringLiteral("start()"));
    return seconds(Clock::now() - begin) * 1000;
}

// The echo call as a round trip to time, with the worker run through \a launcher: the protocol
// over its stdin and stdout, its output forwarded as frames.
class LauncherEcho
{
public:
    LauncherEcho(const QtPyVenv::Config &config, const QStringList &launcher)
        : m_venv(withLauncher(config, launcher))
    {
        check(m_venv.start(), QStringLiteral("start() through %1").arg(launcher.join(QLatin1Char(' '))));
    }
    void operator()() { check(m_venv.callAndAwait(Echo, EchoArgs), Echo); }

private:
    static QtPyVenv::Config withLauncher(QtPyVenv::Config config, const QStringList &launcher)
    {
        config.launcher = launcher;
        return config;
    }

    QtPyVenv::Venv m_venv;
};

// The bench's worker: echo() and noop(), in a venv under \a baseDir.
QtPyVenv::Config echoConfig(const QString &python, const QString &baseDir)
{
    QtPyVenv::Config config;
    config.pythonInterpreter = python;
    config.sources = {QStringLiteral("def echo(args):\n    return args\n"),
                      QStringLiteral("def noop(args):\n    return None\n")};
    config.baseDir = baseDir;
    return config;
}

Results run(const QString &python, const Counts &counts)
{
    Results results;

    QTemporaryDir temp;
    if (!temp.isValid())
        throw failure(QStringLiteral("cannot create a temporary directory: %1").arg(temp.errorString()));
    // baseDir does not exist yet: a cold start.
    QtPyVenv::Config config = echoConfig(python, temp.filePath(QStringLiteral("base")));
    config.maxWorkers = 4;
    config.removeBaseDirOnClose = false; // kept for the warm start; temp removes it at the end

    {
        QtPyVenv::Venv cold(config);
        results.coldStartMs = timedStartMs(cold);
    }
    QtPyVenv::Venv venv(config);
    results.warmStartMs = timedStartMs(venv);

    QJsonValue echoed;
    check(venv.callAndAwait(Echo, EchoArgs, &echoed), Echo);
    if (echoed != EchoArgs)
        throw failure(QStringLiteral("echo did not return its arguments"));

    {
        FloorEcho floor(python, {});
        LauncherEcho viaEnv(config, {QStringLiteral("env")});
        const auto samples = measureInTurns(counts.warmUp, counts.roundTrips, counts.turns,
                                            {[&] { check(venv.callAndAwait(Echo, EchoArgs), Echo); }, std::ref(floor),
                                             std::ref(viaEnv)});
        results.rttP50Us = percentileUs(samples[0], 0.50);
        results.rttP99Us = percentileUs(samples[0], 0.99);
        results.floorRttP50Us = percentileUs(samples[1], 0.50);
        results.launcherRttP50Us = percentileUs(samples[2], 0.50);
    }

    const double throughputSeconds = runTogether(counts.threads, [&](int) {
        for (int i = 0; i < counts.callsPerThread; ++i)
            check(venv.callAndAwait(Noop, EchoArgs), Noop);
    });
    results.throughputCallsS = counts.threads * counts.callsPerThread / throughputSeconds;

    const QJsonValue blobArgs(QJsonObject{{QStringLiteral("blob"), QString(BlobChars, QLatin1Char('x'))}});
    Clock::duration payloadTime{};
    for (int i = 0; i < counts.payloadEchoes; ++i) {
        QJsonValue blob;
        const auto begin = Clock::now();
        check(venv.callAndAwait(Echo, blobArgs, &blob), Echo);
        payloadTime += Clock::now() - begin;
        // Untimed: turning the result into a QString is the caller's cost, not the transport's.
        if (blob.toObject().value(QStringLiteral("blob")).toString().size() != BlobChars)
            throw failure(QStringLiteral("echo returned a truncated blob"));
    }
    const double payloadMiB = 2.0 * counts.payloadEchoes * BlobChars / (1024 * 1024); // there and back
    results.payloadMBps = payloadMiB / seconds(payloadTime);


    // Host memory over many calls: sampled once the first 10% are done, so that allocator and
    // cache warm-up are not counted as growth, and again at the end.
    const qint64 mark = counts.rssCalls / 10;
    std::atomic<qint64> done = 0;
    std::atomic<qint64> rssAtMark = 0;
    runTogether(RssThreads, [&](int index) {
        const qint64 share = counts.rssCalls / RssThreads + (index < counts.rssCalls % RssThreads ? 1 : 0);
        for (qint64 i = 0; i < share; ++i) {
            check(venv.callAndAwait(Noop, EchoArgs), Noop);
            if (++done == mark)
                rssAtMark = vmRssKb();
        }
    });
    results.rssGrowthKb = vmRssKb() - rssAtMark;
    results.callsForRss = counts.rssCalls;
    return results;
}

// Calls spin() and returns the call's id once its loop runs (it reported so).
QString startSpinning(QtPyVenv::Venv &venv)
{
    QEventLoop loop;
    QString callId;
    // Connected before the call: the Venv queues callProgress() only while something is.
    QObject::connect(&venv, &QtPyVenv::Venv::callProgress, &loop,
                     [&](const QString &id) { if (id == callId) loop.quit(); });
    QtPyVenv::Error error;
    callId = venv.call(Spin, {}, &error);
    check(error, Spin);
    QTimer::singleShot(std::chrono::minutes(1), &loop, [&] { loop.exit(1); });
    if (loop.exec() != 0)
        throw failure(QStringLiteral("%1 did not report progress within a minute").arg(Spin));
    return callId;
}

// The seconds work(n, report) took inside the worker.
double workSeconds(QtPyVenv::Venv &venv, int items, bool report)
{
    QCborValue seconds;
    check(venv.invokeAndAwait(Work, {{items, report}, {}}, &seconds), Work);
    if (!seconds.isDouble() || seconds.toDouble() <= 0)
        throw failure(QStringLiteral("work returned %1").arg(QString::fromUtf8(QtPyVenv::toJsonText(seconds, 0))));
    return seconds.toDouble();
}

/*!
 * cancel_latency_ms: from cancel() until await() returns Cancelled, for a busy loop cancelled as
 * soon as it reported that it runs (the worker's watcher has to notice the call first; a loop
 * that has run for longer is cancelled no slower); progress_overhead_pct and progress_call_ns:
 * work() with a progress() call per item against work() without, progress_item_ns the item
 * without.
 */
void runLong(const QString &python, const Counts &counts, Results *results)
{
    QTemporaryDir temp;
    if (!temp.isValid())
        throw failure(QStringLiteral("cannot create a temporary directory: %1").arg(temp.errorString()));
    QtPyVenv::Config config;
    config.pythonInterpreter = python;
    config.sources = {LongSource};
    config.maxWorkers = 1;
    config.baseDir = temp.filePath(QStringLiteral("base"));
    QtPyVenv::Venv venv(config);
    check(venv.start(), QStringLiteral("start()"));

    std::vector<Clock::duration> latencies;
    for (int i = 0; i < counts.cancels; ++i) {
        const QString callId = startSpinning(venv);
        const auto begin = Clock::now();
        check(venv.cancel(callId), QStringLiteral("cancel()"));
        const QtPyVenv::Error error = venv.await(callId);
        latencies.push_back(Clock::now() - begin);
        if (error.code != QtPyVenv::ErrorCode::Cancelled)
            throw failure(QStringLiteral("a cancelled %1 ended with: %2").arg(Spin, error.toString()));
    }
    results->cancelLatencyP50Ms = percentileUs(latencies, 0.50) / 1000;
    results->cancelLatencyP90Ms = percentileUs(latencies, 0.90) / 1000;

    double plain = HUGE_VAL, reporting = HUGE_VAL;
    for (int i = 0; i < counts.progressRuns; ++i) {
        plain = std::min(plain, workSeconds(venv, counts.progressItems, false));
        reporting = std::min(reporting, workSeconds(venv, counts.progressItems, true));
    }
    results->progressOverheadPct = (reporting - plain) / plain * 100;
    results->progressCallNs = (reporting - plain) / counts.progressItems * 1e9;
    results->progressItemNs = plain / counts.progressItems * 1e9;
}

// Median of a sample, in milliseconds.
double medianMs(std::vector<Clock::duration> samples)
{
    const auto middle = samples.begin() + std::ptrdiff_t(samples.size() / 2);
    std::nth_element(samples.begin(), middle, samples.end());
    double median = std::chrono::duration<double, std::milli>(*middle).count();
    if (samples.size() % 2 == 0) {
        const auto below = std::max_element(samples.begin(), middle);
        median = (median + std::chrono::duration<double, std::milli>(*below).count()) / 2;
    }
    return median;
}

/*!
 * array_payload_MBps and table_1m_rows_ms, in a venv with numpy and pandas. A venv that cannot
 * be made (no index, no wheels) leaves both unset with the reason in pydataSkipped; a failure
 * once it runs is an error of the benchmark.
 */
void runPydata(const QString &python, const Counts &counts, const PydataOptions &options, Results *results)
{
    if (!options.enabled) {
        results->pydataSkipped = QStringLiteral("--no-pydata");
        return;
    }
    QtPyVenv::Config config;
    config.pythonInterpreter = python;
    config.sources = {PydataSource};
    config.requirements = {QStringLiteral("numpy"), QStringLiteral("pandas")};
    if (!options.wheels.isEmpty())
        config.pipOptions = {QStringLiteral("--no-index"), QStringLiteral("--find-links"), options.wheels};
    config.baseDir = options.baseDir; // kept, so that the next run skips pip
    config.removeBaseDirOnClose = false;
    QtPyVenv::Venv venv(config);
    std::fprintf(stderr, "qtpyvenv-bench: numpy and pandas venv in %s\n", qPrintable(config.baseDir));
    if (const QtPyVenv::Error error = venv.start(QDeadlineTimer(std::chrono::minutes(15))); !error.ok()) {
        // The message of InstallFailed ends with pip's last lines: its first line is enough here.
        results->pydataSkipped = QStringLiteral("cannot make a venv with numpy and pandas: ")
                                 + error.toString().section(QLatin1Char('\n'), 0, 0);
        return;
    }

    // A 64 MiB float64 array there and back, counted like payload_MBps: bytes moved both ways
    // over the time of the calls. Like the blob there, the argument is made once and reading the
    // result as an NdArray is not timed (the caller's cost, not the transport's).
    std::vector<double> values(size_t(ArrayBytes) / sizeof(double));
    for (size_t i = 0; i < values.size(); ++i)
        values[i] = double(i) * 0.25;
    const QtPyVenv::NdArray array(values);
    const QtPyVenv::Arguments arrayArgs{{array.toCbor()}, {}};
    QCborValue echoed;
    check(venv.invokeAndAwait(EchoArray, arrayArgs, &echoed), EchoArray); // untimed: checks the echo
    const QtPyVenv::NdArray first = QtPyVenv::NdArray::fromCbor(echoed);
    if (first.dtype() != QtPyVenv::DType::Float64 || first.shape() != array.shape() || first.data() != array.data())
        throw failure(QStringLiteral("echo_array did not return its array"));
    echoed = {};
    // Like the rtt's warm-up: both sides keep the buffers of big frames for the next ones, which
    // takes a few calls to settle (the worker alternates two).
    for (int i = 0; i < counts.arrayWarmUp; ++i)
        check(venv.invokeAndAwait(EchoArray, arrayArgs, &echoed), EchoArray);
    echoed = {};
    Clock::duration arrayTime{};
    for (int i = 0; i < counts.arrayEchoes; ++i) {
        QCborValue result;
        const auto begin = Clock::now();
        check(venv.invokeAndAwait(EchoArray, arrayArgs, &result), EchoArray);
        arrayTime += Clock::now() - begin;
        const QtPyVenv::NdArray back = QtPyVenv::NdArray::fromCbor(result);
        if (back.count() != array.count())
            throw failure(QStringLiteral("echo_array returned %1 elements").arg(back.count()));
    }
    const double arrayMiB = 2.0 * counts.arrayEchoes * double(ArrayBytes) / (1024 * 1024); // there and back
    results->arrayPayloadMBps = arrayMiB / seconds(arrayTime);

    // A DataFrame made once in the worker, returned and read as a Table: the median of the runs.
    QCborValue rows;
    check(venv.invokeAndAwait(MakeTable, {{TableRows}, {}}, &rows), MakeTable);
    if (rows.toInteger() != TableRows)
        throw failure(QStringLiteral("make_table made %1 rows").arg(rows.toInteger()));
    std::vector<Clock::duration> tableTimes;
    for (int i = 0; i < counts.tableRuns + 1; ++i) { // the first one is a warm-up
        QCborValue result;
        const auto begin = Clock::now();
        check(venv.invokeAndAwait(Table1M, {}, &result), Table1M);
        const QtPyVenv::Table table = QtPyVenv::Table::fromCbor(result);
        const auto elapsed = Clock::now() - begin;
        bool numeric = table.isValid() && table.rowCount() == TableRows && table.columnCount() == TableColumns;
        for (int column = 0; numeric && column < TableColumns; ++column)
            numeric = table.numericColumn(column).isValid();
        if (!numeric)
            throw failure(QStringLiteral("table_1m did not return a table of %1 rows and %2 numeric columns")
                              .arg(TableRows).arg(TableColumns));
        if (i > 0)
            tableTimes.push_back(elapsed);
    }
    results->table1mRowsMs = medianMs(tableTimes);
}

//! Where install_pip_s and install_uv_s get their wheels and uv; disabled with --no-install.
struct InstallOptions {
    bool enabled = true;
    QString cacheDir; //!< wheels/ (pip download) and uv/ (pip install --target), kept between runs
    QString wheels;   //!< a wheel directory given instead of downloading into cacheDir/wheels
};

const QStringList InstallRequirements = {QStringLiteral("numpy"), QStringLiteral("pandas")};

//! Runs pip of \a python with \a arguments to completion; "" when it succeeded, else its last line.
QString runPip(const QString &python, const QStringList &arguments)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(python, QStringList{QStringLiteral("-m"), QStringLiteral("pip"), arguments.first(),
                                      QStringLiteral("--disable-pip-version-check")}
                              + arguments.mid(1));
    const QString what = QStringLiteral("pip ") + arguments.first();
    if (!process.waitForFinished(15 * 60 * 1000))
        return QStringLiteral("%1 did not finish: %2").arg(what, process.errorString());
    if (process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0)
        return {};
    const QStringList lines = QString::fromUtf8(process.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    return QStringLiteral("%1 failed: %2").arg(what, lines.isEmpty() ? QStringLiteral("no output") : lines.last().trimmed());
}

//! The folder of wheels for numpy and pandas: pip downloads them once per run, so that the
//! installs timed below read local files only. "" with \a problem set when it cannot.
QString prepareWheels(const QString &python, const InstallOptions &options, QString *problem)
{
    if (!options.wheels.isEmpty())
        return options.wheels;
    const QString wheels = options.cacheDir + QStringLiteral("/wheels");
    *problem = runPip(python, QStringList{QStringLiteral("download"), QStringLiteral("--only-binary"), QStringLiteral(":all:"),
                                          QStringLiteral("--dest"), wheels}
                                  + InstallRequirements);
    return problem->isEmpty() ? wheels : QString();
}

//! The folder holding uv: PATH's, else the one pip installed into the cache folder (from the
//! package index on the first run). "" with \a problem set when there is none.
QString findUv(const QString &python, const InstallOptions &options, QString *problem)
{
    if (const QString onPath = QStandardPaths::findExecutable(QStringLiteral("uv")); !onPath.isEmpty())
        return QFileInfo(onPath).absolutePath();
    const QString target = options.cacheDir + QStringLiteral("/uv");
    if (!QFileInfo(target + QStringLiteral("/bin/uv")).isExecutable()) {
        *problem = runPip(python, {QStringLiteral("install"), QStringLiteral("--target"), target, QStringLiteral("uv")});
        if (!problem->isEmpty())
            return {};
    }
    return target + QStringLiteral("/bin");
}

//! Seconds from start() to Ready of a fresh venv that \a installer fills with numpy and pandas
//! from \a wheels; then checks, untimed, that both import.
double timedInstall(const QString &python, const QString &wheels, QtPyVenv::Installer installer, const QString &uvDir)
{
    QTemporaryDir temp;
    if (!temp.isValid())
        throw failure(QStringLiteral("cannot create a temporary directory: %1").arg(temp.errorString()));
    QtPyVenv::Config config;
    config.pythonInterpreter = python;
    config.baseDir = temp.filePath(QStringLiteral("base"));
    config.sources = {QStringLiteral("def versions():\n"
                                     "    import numpy, pandas\n"
                                     "    return [numpy.__version__, pandas.__version__]\n")};
    config.requirements = InstallRequirements;
    config.pipOptions = {QStringLiteral("--no-index"), QStringLiteral("--find-links"), wheels};
    config.installer = installer;
    config.toolSearchPaths = {uvDir};
    QtPyVenv::Venv venv(config);
    const auto begin = Clock::now();
    check(venv.start(QDeadlineTimer(std::chrono::minutes(15))), QStringLiteral("installing numpy and pandas"));
    const double elapsed = seconds(Clock::now() - begin);
    QJsonValue versions;
    check(venv.callAndAwait(QStringLiteral("versions"), {}, &versions), QStringLiteral("versions"));
    std::fprintf(stderr, "qtpyvenv-bench: %s installed numpy %s and pandas %s in %.2f s\n",
                 installer == QtPyVenv::Installer::Uv ? "uv" : "pip",
                 qPrintable(versions.toArray().at(0).toString()), qPrintable(versions.toArray().at(1).toString()), elapsed);
    return elapsed;
}

/*!
 * install_pip_s and install_uv_s: numpy and pandas into a fresh venv by each installer in turn,
 * from one local wheel folder, so that the network does not count. uv's cache is warmed by an
 * untimed install first: the one-off unpacking into it is not what a user waits for again.
 */
void runInstallSpeed(const QString &python, const InstallOptions &options, Results *results)
{
    if (!options.enabled) {
        results->installSkipped = QStringLiteral("--no-install");
        return;
    }
    QString problem;
    const QString wheels = prepareWheels(python, options, &problem);
    if (wheels.isEmpty()) {
        results->installSkipped = QStringLiteral("cannot download numpy and pandas: ") + problem;
        return;
    }
    results->installPipS = timedInstall(python, wheels, QtPyVenv::Installer::Pip, {});
    const QString uvDir = findUv(python, options, &problem);
    if (uvDir.isEmpty()) {
        results->installSkipped = QStringLiteral("cannot fetch uv: ") + problem;
        return;
    }
    std::fprintf(stderr, "qtpyvenv-bench: uv in %s\n", qPrintable(uvDir));
    timedInstall(python, wheels, QtPyVenv::Installer::Uv, uvDir); // warms uv's cache
    results->installUvS = timedInstall(python, wheels, QtPyVenv::Installer::Uv, uvDir);
}

//! The env file of the remote test fixture (tests/remote/remote_fixture.py): KEY=VALUE lines.
QHash<QString, QString> readFixtureEnv(const QString &path, QString *problem)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) {
        *problem = QStringLiteral("cannot read the fixture env file %1: %2").arg(path, file.errorString());
        return {};
    }
    QHash<QString, QString> env;
    for (const QByteArray &line : file.readAll().split('\n')) {
        const qsizetype equals = line.indexOf('=');
        if (equals > 0)
            env.insert(QString::fromUtf8(line.left(equals)), QString::fromUtf8(line.mid(equals + 1)));
    }
    for (const char *key : {"SSH_CONFIG", "SSH_HOST", "SLURM_CONF"}) {
        if (env.value(QLatin1String(key)).isEmpty()) {
            *problem = QStringLiteral("the fixture env file %1 has no %2").arg(path, QLatin1String(key));
            return {};
        }
    }
    return env;
}

// One line echoed by `cat` at the far end of \a launcher, as a round trip to time; checked once.
class LineEcho
{
public:
    explicit LineEcho(const QStringList &launcher)
        : m_child(launcher + QStringList{QStringLiteral("cat")})
    {
        (*this)();
        if (m_echoed != m_line)
            throw failure(QStringLiteral("%1 cat echoed %2").arg(launcher.join(QLatin1Char(' ')), QString::fromUtf8(m_echoed)));
    }
    void operator()()
    {
        m_child.writeAll(m_line.constData(), size_t(m_line.size()));
        m_child.readExact(m_echoed.data(), size_t(m_echoed.size()));
    }

private:
    PipedChild m_child;
    const QByteArray m_line = "hello world\n";
    QByteArray m_echoed = QByteArray(m_line.size(), '\0');
};

// The echo call through \a launcher, its floor and cat's line echo, in turns.
void measureLauncher(const QString &python, const QtPyVenv::Config &config, const QStringList &launcher,
                     const Counts &counts, std::optional<double> *rttP50Us, std::optional<double> *floorP50Us,
                     std::optional<double> *catP50Us)
{
    LauncherEcho call(config, launcher);
    FloorEcho floor(python, launcher);
    LineEcho cat(launcher);
    const auto samples = measureInTurns(counts.remoteWarmUp, counts.remoteRoundTrips, counts.remoteTurns,
                                        {std::ref(call), std::ref(floor), std::ref(cat)});
    *rttP50Us = percentileUs(samples[0], 0.50);
    *floorP50Us = percentileUs(samples[1], 0.50);
    *catP50Us = percentileUs(samples[2], 0.50);
}

/*!
 * ssh_rtt_p50_us and srun_rtt_p50_us: the echo call through the launchers `ssh HOST` and
 * `srun -u` to the services of the remote test fixture, beside ssh_floor_rtt_p50_us and
 * srun_floor_rtt_p50_us, the floor's Python echo loop (FloorScript, the same as
 * floor_rtt_p50_us) run through the same launcher, and ssh_cat_rtt_p50_us and
 * srun_cat_rtt_p50_us, a line echoed by `cat` through it: the transport alone, without an
 * interpreter. Both sides are this machine, so the venv made here serves the far side. Null,
 * with the reason, without the fixture's env file.
 */
void runRemote(const QString &python, const QString &envFile, const Counts &counts, Results *results)
{
    if (envFile.isEmpty()) {
        results->remoteSkipped = QStringLiteral("no remote fixture (--remote-env or QTPYVENV_REMOTE_ENV)");
        return;
    }
    const QHash<QString, QString> env = readFixtureEnv(envFile, &results->remoteSkipped);
    if (env.isEmpty())
        return;
    // srun finds the fixture's cluster through SLURM_CONF; ssh sessions get it from its sshd.
    qputenv("SLURM_CONF", QFile::encodeName(env.value(QStringLiteral("SLURM_CONF"))));
    const QStringList ssh{QStringLiteral("ssh"), QStringLiteral("-F"), env.value(QStringLiteral("SSH_CONFIG")),
                          env.value(QStringLiteral("SSH_HOST"))};
    const QStringList srun{QStringLiteral("srun"), QStringLiteral("-u")};
    QTemporaryDir temp;
    if (!temp.isValid())
        throw failure(QStringLiteral("cannot create a temporary directory: %1").arg(temp.errorString()));
    const QtPyVenv::Config config = echoConfig(python, temp.filePath(QStringLiteral("base")));
    measureLauncher(python, config, ssh, counts, &results->sshRttP50Us, &results->sshFloorRttP50Us,
                    &results->sshCatRttP50Us);
    measureLauncher(python, config, srun, counts, &results->srunRttP50Us, &results->srunFloorRttP50Us,
                    &results->srunCatRttP50Us);
}

QString optionalNumber(const std::optional<double> &value, int decimals)
{
    return value ? QString::number(*value, 'f', decimals) : QStringLiteral("null");
}

QString toJsonLine(const Results &r)
{
    const std::pair<const char *, QString> fields[] = {
        {"cold_start_ms", QString::number(r.coldStartMs, 'f', 1)},
        {"warm_start_ms", QString::number(r.warmStartMs, 'f', 1)},
        {"rtt_p50_us", QString::number(r.rttP50Us, 'f', 1)},
        {"launcher_rtt_p50_us", QString::number(r.launcherRttP50Us, 'f', 1)},
        {"rtt_p99_us", QString::number(r.rttP99Us, 'f', 1)},
        {"throughput_calls_s", QString::number(qRound64(r.throughputCallsS))},
        {"payload_MBps", QString::number(r.payloadMBps, 'f', 1)},
        {"floor_rtt_p50_us", QString::number(r.floorRttP50Us, 'f', 1)},
        {"rss_growth_kb", QString::number(r.rssGrowthKb)},
        {"calls_for_rss", QString::number(r.callsForRss)},
        {"array_payload_MBps", optionalNumber(r.arrayPayloadMBps, 1)},
        {"table_1m_rows_ms", optionalNumber(r.table1mRowsMs, 1)},
        {"cancel_latency_ms", QString::number(r.cancelLatencyP50Ms, 'f', 2)},
        {"cancel_latency_p90_ms", QString::number(r.cancelLatencyP90Ms, 'f', 2)},
        {"progress_overhead_pct", QString::number(r.progressOverheadPct, 'f', 1)},
        {"progress_call_ns", QString::number(r.progressCallNs, 'f', 0)},
        {"progress_item_ns", QString::number(r.progressItemNs, 'f', 0)},
        {"install_pip_s", optionalNumber(r.installPipS, 2)},
        {"install_uv_s", optionalNumber(r.installUvS, 2)},
        {"ssh_rtt_p50_us", optionalNumber(r.sshRttP50Us, 1)},
        {"ssh_floor_rtt_p50_us", optionalNumber(r.sshFloorRttP50Us, 1)},
        {"ssh_cat_rtt_p50_us", optionalNumber(r.sshCatRttP50Us, 1)},
        {"srun_rtt_p50_us", optionalNumber(r.srunRttP50Us, 1)},
        {"srun_floor_rtt_p50_us", optionalNumber(r.srunFloorRttP50Us, 1)},
        {"srun_cat_rtt_p50_us", optionalNumber(r.srunCatRttP50Us, 1)},
    };
    QStringList parts;
    for (const auto &[key, value] : fields)
        parts << QStringLiteral("\"%1\":%2").arg(QLatin1String(key), value);
    if (!r.pydataSkipped.isEmpty())
        parts << QStringLiteral("\"pydata_skipped\":") + QString::fromUtf8(QtPyVenv::toJsonText(r.pydataSkipped, 0));
    if (!r.installSkipped.isEmpty())
        parts << QStringLiteral("\"install_skipped\":") + QString::fromUtf8(QtPyVenv::toJsonText(r.installSkipped, 0));
    if (!r.remoteSkipped.isEmpty())
        parts << QStringLiteral("\"remote_skipped\":") + QString::fromUtf8(QtPyVenv::toJsonText(r.remoteSkipped, 0));
    return QLatin1Char('{') + parts.join(QLatin1Char(',')) + QLatin1Char('}');
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("qtpyvenv-bench"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Benchmarks a QtPyVenv worker and prints one JSON line."));
    parser.addHelpOption();
    const QCommandLineOption python(QStringLiteral("python"), QStringLiteral("Python interpreter (default: python3)."),
                                    QStringLiteral("interpreter"), QStringLiteral("python3"));
    const QCommandLineOption rssCalls(QStringLiteral("rss-calls"),
                                      QStringLiteral("Calls of the host memory check (default: 1000000)."),
                                      QStringLiteral("n"), QStringLiteral("1000000"));
    const QCommandLineOption quick(QStringLiteral("quick"),
                                   QStringLiteral("Smoke run: every count, --rss-calls included, divided by 10."));
    const QCommandLineOption noPydata(QStringLiteral("no-pydata"),
                                      QStringLiteral("Skip the numpy and pandas keys (printed as null)."));
    const QCommandLineOption pydataWheels(QStringLiteral("pydata-wheels"),
                                          QStringLiteral("Install numpy and pandas from the wheels in DIR "
                                                         "(pip --no-index --find-links) instead of the index."),
                                          QStringLiteral("dir"));
    const QString defaultPydataDir = QStandardPaths::writableLocation(QStandardPaths::GenericCacheLocation)
                                     + QStringLiteral("/qtpyvenv-bench/pydata");
    const QCommandLineOption pydataDir(QStringLiteral("pydata-dir"),
                                       QStringLiteral("baseDir of the venv with numpy and pandas, kept so that the "
                                                      "next run skips pip (default: %1).").arg(defaultPydataDir),
                                       QStringLiteral("dir"), defaultPydataDir);
    const QCommandLineOption noInstall(QStringLiteral("no-install"),
                                       QStringLiteral("Skip install_pip_s and install_uv_s (printed as null)."));
    const QString defaultInstallDir = QStandardPaths::writableLocation(QStandardPaths::GenericCacheLocation)
                                      + QStringLiteral("/qtpyvenv-bench/install");
    const QCommandLineOption installDir(QStringLiteral("install-dir"),
                                        QStringLiteral("Where the numpy and pandas wheels and uv for install_pip_s and "
                                                       "install_uv_s are kept (default: %1); --pydata-wheels, when "
                                                       "given, are used instead of downloading.").arg(defaultInstallDir),
                                        QStringLiteral("dir"), defaultInstallDir);
    const QCommandLineOption remoteEnv(QStringLiteral("remote-env"),
                                       QStringLiteral("The env file of the remote test fixture (tests/remote/remote_fixture.py "
                                                      "up DIR writes DIR/env), for the ssh and srun keys (default: "
                                                      "$QTPYVENV_REMOTE_ENV; without one they are null)."),
                                       QStringLiteral("file"), qEnvironmentVariable("QTPYVENV_REMOTE_ENV"));
    parser.addOptions({python, rssCalls, quick, noPydata, pydataWheels, pydataDir, noInstall, installDir, remoteEnv});
    parser.process(app);

    PydataOptions pydata;
    pydata.enabled = !parser.isSet(noPydata);
    pydata.baseDir = parser.value(pydataDir);
    pydata.wheels = parser.isSet(pydataWheels) ? QDir(parser.value(pydataWheels)).absolutePath() : QString();

    InstallOptions install;
    install.enabled = !parser.isSet(noInstall);
    install.cacheDir = parser.value(installDir);
    install.wheels = pydata.wheels;

    Counts counts;
    bool numeric = false;
    counts.rssCalls = parser.value(rssCalls).toLongLong(&numeric);
    if (parser.isSet(quick)) {
        counts.warmUp /= 10;
        counts.roundTrips /= 10;
        counts.remoteWarmUp /= 10;
        counts.remoteRoundTrips /= 10;
        counts.callsPerThread /= 10;
        counts.payloadEchoes /= 10;
        counts.rssCalls /= 10;
        counts.arrayEchoes /= 10;
        counts.tableRuns /= 3;
        counts.cancels /= 10;
        counts.progressItems /= 10;
    }
    if (!numeric || counts.rssCalls < 10) {
        std::fprintf(stderr, "qtpyvenv-bench: --rss-calls must be a number of at least 10 (100 with --quick)\n");
        return 2;
    }

    // A floor loop that dies must show as a failed write, not kill the benchmark with SIGPIPE.
    std::signal(SIGPIPE, SIG_IGN);
    try {
        Results results = run(parser.value(python), counts);
        runRemote(parser.value(python), parser.value(remoteEnv), counts, &results);
        if (!results.remoteSkipped.isEmpty())
            std::fprintf(stderr, "qtpyvenv-bench: the ssh and srun keys are null: %s\n", qPrintable(results.remoteSkipped));
        runLong(parser.value(python), counts, &results);
        // After the others, so that its large buffers are not in the host memory check.
        runPydata(parser.value(python), counts, pydata, &results);
        if (!results.pydataSkipped.isEmpty())
            std::fprintf(stderr, "qtpyvenv-bench: array_payload_MBps and table_1m_rows_ms are null: %s\n",
                         qPrintable(results.pydataSkipped));
        runInstallSpeed(parser.value(python), install, &results);
        if (!results.installSkipped.isEmpty())
            std::fprintf(stderr, "qtpyvenv-bench: install_pip_s or install_uv_s is null: %s\n",
                         qPrintable(results.installSkipped));
        std::puts(toJsonLine(results).toUtf8().constData());
        return 0;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "qtpyvenv-bench: %s\n", e.what());
        return 1;
    }
}
