// SPDX-License-Identifier: MIT
// qtpyvenv-call: load Python sources into a venv worker, call one function, print its result as JSON.
#include "progressdisplay.h"
#include "stopsignals.h"

#include <QtPyVenv/venv.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QLocale>
#include <QSaveFile>
#include <QTextStream>

#include <cstdio>
#include <optional>

namespace {

int fail(const QString &message, int code = 1)
{
    QTextStream(stderr) << "qtpyvenv-call: " << message << Qt::endl;
    return code;
}

// Beside 0, 1 (the call or the venv failed) and 2 (usage): what a shell reports for a process
// ended by the signal (128 + its number).
constexpr int ExitInterrupted = 130; // Ctrl+C: the call was cancelled, or the worker stopped
constexpr int ExitTerminated = 143;  // SIGTERM: the worker was stopped

/*!
 * Prints \a error, Python's way round (the traceback, then what went wrong), without what is on
 * the terminal already: pip's and the worker's output were passed through as they came, so the
 * last lines of them that an install or death report carries are left out, and so is the
 * traceback's last line, which the error line says. Returns the exit code for it.
 */
int report(QtPyVenv::Error error)
{
    using QtPyVenv::ErrorCode;
    QTextStream err(stderr);
    if (error.code == ErrorCode::PythonError || error.code == ErrorCode::Cancelled) {
        QString traceback = error.traceback.trimmed();
        if (const QString last = error.type + QStringLiteral(": ") + error.message; traceback.endsWith(last))
            traceback.chop(last.size());
        if (!traceback.trimmed().isEmpty())
            err << traceback.trimmed() << '\n';
    } else if (error.code == ErrorCode::InstallFailed) {
        error.message = error.message.section(QLatin1Char('\n'), 0, 0);
    }
    err << "qtpyvenv-call: " << error.toString() << Qt::endl;
    return error.code == ErrorCode::Cancelled ? ExitInterrupted : 1;
}

//! Parses one JSON value from the command line, or sets \a message and returns nothing.
std::optional<QCborValue> parseJson(const QString &text, QString *message)
{
    QString error;
    const QCborValue value = QtPyVenv::fromJsonText(text.toUtf8(), &error);
    if (value.isUndefined()) {
        *message = error;
        return std::nullopt;
    }
    return value;
}

/*!
 * Whether the worker would call \a function without arguments for a null argument, as the
 * one-argument form fn(args) does: every parameter has a default or is *args/**kwargs.
 * False when the sources do not define it or Python cannot tell its signature.
 */
bool takesNoArguments(const QList<QtPyVenv::FunctionInfo> &functions, const QString &function)
{
    using Kind = QtPyVenv::ParameterInfo::Kind;
    for (const QtPyVenv::FunctionInfo &info : functions) {
        if (info.name != function)
            continue;
        if (info.parameters.isEmpty())
            return info.signature == QLatin1String("()");
        for (const QtPyVenv::ParameterInfo &parameter : info.parameters) {
            if (!parameter.hasDefault && parameter.kind != Kind::VarPositional && parameter.kind != Kind::VarKeyword)
                return false;
        }
        return true;
    }
    return false;
}

bool writeAll(FILE *stream, const QByteArray &data)
{
    return std::fwrite(data.constData(), 1, size_t(data.size()), stream) == size_t(data.size())
        && std::fflush(stream) == 0;
}

/*!
 * Writes the result of \a function, an Image's data or a byte string, as it is to \a path
 * ("-": standard output). A file is replaced only once everything was written. Returns an error
 * message, empty on success.
 */
QString writeRaw(const QString &function, const QCborValue &result, const QString &path)
{
    QByteArray data;
    if (const QtPyVenv::Image image = QtPyVenv::Image::fromCbor(result); image.isValid()) {
        data = image.data();
    } else if (result.isByteArray()) {
        data = result.toByteArray();
    } else {
        QByteArray shown = QtPyVenv::toJsonText(result, 0);
        if (shown.size() > 80)
            shown = shown.left(77) + "...";
        return QStringLiteral("--output needs an image or a byte string, but %1() returned %2")
            .arg(function, QString::fromUtf8(shown));
    }

    if (path == QLatin1String("-"))
        return writeAll(stdout, data) ? QString() : QStringLiteral("cannot write to standard output");
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(data) != data.size() || !file.commit())
        return QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
    return {};
}

//! Prints \a result as JSON on standard output; an error message, empty on success.
QString writeJson(const QCborValue &result, int indent)
{
    QByteArray json = QtPyVenv::toJsonText(result, indent);
    if (!json.endsWith('\n'))
        json += '\n';
    return writeAll(stdout, json) ? QString() : QStringLiteral("cannot write to standard output");
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("qtpyvenv-call"));
    QCoreApplication::setApplicationVersion(QStringLiteral(QTPYVENV_VERSION_STRING));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Calls a Python function in a virtual environment and prints its result as JSON.\n"
        "With at most one JSON argument and no --kw it is called as fn(json), or as fn()\n"
        "when json is missing or null and fn takes no arguments; otherwise as fn(*json, **kw).\n"
        "\n"
        "The progress the function reports (qtpyvenv.progress(), tqdm) is shown on stderr:\n"
        "a bar on a terminal, else lines \"progress: done/total message\", a few a second\n"
        "and always the last. Ctrl+C cancels the call (its finally blocks run); a second\n"
        "Ctrl+C, or SIGTERM, stops the worker at once.\n"
        "\n"
        "Exit status: 0 done, 1 the call or the venv failed, 2 usage error, 130 cancelled\n"
        "or stopped by Ctrl+C, 143 stopped by SIGTERM."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption source(QStringLiteral("source"), QStringLiteral("Python source file to load (repeatable)."),
                                    QStringLiteral("file"));
    const QCommandLineOption requirement(QStringLiteral("requirement"),
                                         QStringLiteral("pip requirement specifier (repeatable)."),
                                         QStringLiteral("spec"));
    const QCommandLineOption pipOption(QStringLiteral("pip-option"),
                                       QStringLiteral("extra pip option, e.g. --pip-option=--no-index (repeatable)."),
                                       QStringLiteral("option"));
    const QCommandLineOption baseDir(QStringLiteral("base-dir"),
                                     QStringLiteral("Directory for the venv, kept for the next run "
                                                    "(default: a temporary one, removed afterwards)."),
                                     QStringLiteral("dir"));
    const QCommandLineOption python(QStringLiteral("python"),
                                    QStringLiteral("Bootstrap Python interpreter (default: python3)."),
                                    QStringLiteral("interpreter"), QStringLiteral("python3"));
    const QCommandLineOption keyword(QStringLiteral("kw"),
                                     QStringLiteral("A keyword argument: its name and JSON value (repeatable)."),
                                     QStringLiteral("name=json"));
    const QCommandLineOption compact(QStringLiteral("compact"), QStringLiteral("Print the result on one line."));
    const QCommandLineOption output(QStringLiteral("output"),
                                    QStringLiteral("Write the result, an image or a byte string, as it is to "
                                                   "the file (-: standard output) instead of printing JSON."),
                                    QStringLiteral("file"));
    const QCommandLineOption streamOption(QStringLiteral("stream"),
                                          QStringLiteral("Print each value a generator function yields, as it comes, "
                                                         "as one line of compact JSON; the result follows."));
    parser.addOptions({source, requirement, pipOption, baseDir, python, keyword, compact, output, streamOption});
    parser.addPositionalArgument(QStringLiteral("function"), QStringLiteral("The function to call."));
    parser.addPositionalArgument(QStringLiteral("json"), QStringLiteral("Its positional arguments as JSON."),
                                 QStringLiteral("[json...]"));
    parser.process(app);

    QStringList positional = parser.positionalArguments();
    if (positional.isEmpty())
        return fail(QStringLiteral("expected FUNCTION [JSON...]; see --help"), 2);
    const QString function = positional.takeFirst();

    QtPyVenv::Arguments arguments;
    for (const QString &text : std::as_const(positional)) {
        QString message;
        const std::optional<QCborValue> value = parseJson(text, &message);
        if (!value)
            return fail(QStringLiteral("the argument is not valid JSON: %1 (%2)").arg(text, message), 2);
        arguments.positional.append(*value);
    }
    for (const QString &assignment : parser.values(keyword)) {
        const qsizetype equals = assignment.indexOf(QLatin1Char('='));
        if (equals <= 0)
            return fail(QStringLiteral("--kw expects NAME=JSON, got: %1").arg(assignment), 2);
        const QString name = assignment.left(equals);
        if (arguments.keywords.contains(name))
            return fail(QStringLiteral("--kw %1 is given twice").arg(name), 2);
        QString message;
        const std::optional<QCborValue> value = parseJson(assignment.mid(equals + 1), &message);
        if (!value)
            return fail(QStringLiteral("the value of --kw %1 is not valid JSON: %2 (%3)")
                            .arg(name, assignment.mid(equals + 1), message), 2);
        arguments.keywords.insert(name, *value);
    }
    // The one-argument form of earlier versions: fn(json), and fn() for no or a null argument
    // when fn takes none. Decided once the worker has told the functions' signatures.
    const bool oneArgumentForm = arguments.keywords.isEmpty() && arguments.positional.size() <= 1;

    const bool rawOutput = parser.isSet(output);
    const QString outputPath = parser.value(output);
    const int indent = parser.isSet(compact) ? 0 : 2;
    const bool stream = parser.isSet(streamOption);
    if (stream && rawOutput && outputPath == QLatin1String("-"))
        return fail(QStringLiteral("--stream prints on standard output: --output - cannot write there too"), 2);

    QtPyVenv::Config config;
    for (const QString &path : parser.values(source)) {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly))
            return fail(QStringLiteral("cannot read %1: %2").arg(path, file.errorString()), 2);
        config.sources.append(QString::fromUtf8(file.readAll()));
        config.sourceNames.append(path);
    }
    config.requirements = parser.values(requirement);
    config.pipOptions = parser.values(pipOption);
    config.pythonInterpreter = parser.value(python);
    if (parser.isSet(baseDir)) {
        config.baseDir = parser.value(baseDir);
        config.removeBaseDirOnClose = false;
    }

    ProgressDisplay display;
    QtPyVenv::Venv venv(config);
    // pip's and the worker's own output are passed through, so print() debugging works from the
    // shell. Where the library dropped some (a slow stderr held this thread up), a line says so.
    auto forward = [&display](const QByteArray &data) { display.write(stderr, data); };
    auto noteDropped = [&display](const char *stream, qint64 bytes) {
        const QByteArray size = QLocale::c().formattedDataSize(bytes, 1, QLocale::DataSizeSIFormat).toUtf8();
        display.writeLine("qtpyvenv-call: … " + size + " of " + stream + " dropped …");
    };
    QObject::connect(&venv, &QtPyVenv::Venv::installOutput, &app, forward);
    QObject::connect(&venv, &QtPyVenv::Venv::stdoutReceived, &app, forward);
    QObject::connect(&venv, &QtPyVenv::Venv::stderrReceived, &app, forward);
    QObject::connect(&venv, &QtPyVenv::Venv::installOutputDropped, &app,
                     [noteDropped](qint64 bytes) { noteDropped("pip output", bytes); });
    QObject::connect(&venv, &QtPyVenv::Venv::outputDropped, &app, [noteDropped](int fd, qint64 bytes) {
        noteDropped(fd == 1 ? "stdout" : "stderr", bytes);
    });

    int exitCode = 0;
    QString callId;
    bool stopped = false; // the worker was stopped: what the Venv still reports is not the call's
    QObject::connect(&venv, &QtPyVenv::Venv::startFailed, &app, [&](const QtPyVenv::Error &error) {
        display.finish();
        exitCode = report(error);
        app.quit();
    });
    QObject::connect(&venv, &QtPyVenv::Venv::ready, &app, [&] {
        if (oneArgumentForm) {
            const bool isNull = arguments.positional.isEmpty() || arguments.positional.at(0).isNull();
            if (isNull && takesNoArguments(venv.functions(), function))
                arguments.positional = QCborArray();
            else if (isNull)
                arguments.positional = QCborArray{nullptr};
        }
        QtPyVenv::Error error;
        callId = venv.invoke(function, arguments, &error);
        if (callId.isEmpty()) {
            exitCode = report(error);
            app.quit();
        }
    });
    QObject::connect(&venv, &QtPyVenv::Venv::callProgress, &app,
                     [&](const QString &id, double done, double total, const QString &message) {
                         if (id == callId)
                             display.show(done, total, message);
                     });
    if (stream) {
        QObject::connect(&venv, &QtPyVenv::Venv::callPartial, &app, [&](const QString &id, const QCborValue &value) {
            if (id == callId && !stopped)
                display.write(stdout, QtPyVenv::toJsonText(value, 0) + '\n');
        });
    }
    // Partial results come before this, so the result is printed after the last of them.
    QObject::connect(&venv, &QtPyVenv::Venv::callFinished, &app, [&](const QString &id) {
        if (id != callId || stopped)
            return;
        display.finish();
        bool done = false;
        QCborValue result;
        if (const QtPyVenv::Error error = venv.resultValue(callId, &done, &result); !error.ok()) {
            exitCode = report(error);
        } else {
            const QString problem = rawOutput ? writeRaw(function, result, outputPath) : writeJson(result, indent);
            if (!problem.isEmpty())
                exitCode = fail(problem);
        }
        app.quit();
    });

    // Ctrl+C asks the call to stop, so its finally blocks run; code stuck in C does not notice,
    // so a second one, like SIGTERM, stops the worker. Before the call there is nothing to ask.
    StopSignals stopSignals;
    bool cancelling = false;
    auto stopWorker = [&](int code, const char *why) {
        if (stopped)
            return;
        stopped = true;
        display.finish();
        exitCode = fail(QStringLiteral("%1: the worker was stopped").arg(QLatin1String(why)), code);
        venv.close();
        app.quit();
    };
    QObject::connect(&stopSignals, &StopSignals::interrupted, &app, [&] {
        if (callId.isEmpty() || cancelling) {
            stopWorker(ExitInterrupted, "interrupted");
        } else {
            cancelling = true;
            venv.cancel(callId); // when the call already finished, its result is on the way
            display.writeLine("qtpyvenv-call: cancelling the call (Ctrl+C again stops the worker)");
        }
    });
    QObject::connect(&stopSignals, &StopSignals::terminated, &app, [&] { stopWorker(ExitTerminated, "terminated"); });

    venv.startAsync();
    app.exec();
    // Whatever the worker printed and is still on its way (also from threads of its own):
    // close() drains the worker's pipes, and its last output signals are delivered here.
    venv.close();
    QCoreApplication::sendPostedEvents();
    return exitCode;
}
