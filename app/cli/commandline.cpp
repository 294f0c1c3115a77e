// SPDX-License-Identifier: MIT
#include "commandline.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>

#include <optional>

namespace {

//! qtpyvenv-call's options, in the order --help lists them.
struct Options {
    const QCommandLineOption source{QStringLiteral("source"), QStringLiteral("Python source file to load (repeatable)."),
                                    QStringLiteral("file")};
    const QCommandLineOption requirement{QStringLiteral("requirement"),
                                         QStringLiteral("pip requirement specifier (repeatable)."),
                                         QStringLiteral("spec")};
    const QCommandLineOption pipOption{QStringLiteral("pip-option"),
                                       QStringLiteral("extra pip option, e.g. --pip-option=--no-index (repeatable)."),
                                       QStringLiteral("option")};
    const QCommandLineOption baseDir{QStringLiteral("base-dir"),
                                     QStringLiteral("Directory for the venv, kept for the next run "
                                                    "(default: a temporary one, removed afterwards)."),
                                     QStringLiteral("dir")};
    const QCommandLineOption python{QStringLiteral("python"),
                                    QStringLiteral("Bootstrap Python interpreter (default: python3)."),
                                    QStringLiteral("interpreter"), QStringLiteral("python3")};
    const QCommandLineOption launcher{QStringLiteral("launcher"),
                                      QStringLiteral("One argument of the command that runs the worker elsewhere, "
                                                     "e.g. --launcher ssh --launcher gpu-box (repeatable, in order; "
                                                     "default: this computer)."),
                                      QStringLiteral("arg")};
    const QCommandLineOption keyword{QStringLiteral("kw"),
                                     QStringLiteral("A keyword argument: its name and JSON value (repeatable)."),
                                     QStringLiteral("name=json")};
    const QCommandLineOption compact{QStringLiteral("compact"), QStringLiteral("Print the result on one line.")};
    const QCommandLineOption output{QStringLiteral("output"),
                                    QStringLiteral("Write the result, an image or a byte string, as it is to "
                                                   "the file (-: standard output) instead of printing JSON."),
                                    QStringLiteral("file")};
    const QCommandLineOption stream{QStringLiteral("stream"),
                                    QStringLiteral("Print each value a generator function yields, as it comes, "
                                                   "as one line of compact JSON; the result follows.")};
};

//! Sets up \a parser for the tool's --help, its \a options and its positional arguments.
void describe(QCommandLineParser &parser, const Options &options)
{
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
    parser.addOptions({options.source, options.requirement, options.pipOption, options.baseDir, options.python,
                       options.launcher, options.keyword, options.compact, options.output, options.stream});
    parser.addPositionalArgument(QStringLiteral("function"), QStringLiteral("The function to call."));
    parser.addPositionalArgument(QStringLiteral("json"), QStringLiteral("Its positional arguments as JSON."),
                                 QStringLiteral("[json...]"));
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
 * Reads the positional JSON \a values and the --kw NAME=JSON \a assignments into \a arguments.
 * Returns an error message, empty when all are valid.
 */
QString readArguments(const QStringList &values, const QStringList &assignments, QtPyVenv::Arguments *arguments)
{
    for (const QString &text : values) {
        QString message;
        const std::optional<QCborValue> value = parseJson(text, &message);
        if (!value)
            return QStringLiteral("the argument is not valid JSON: %1 (%2)").arg(text, message);
        arguments->positional.append(*value);
    }
    for (const QString &assignment : assignments) {
        const qsizetype equals = assignment.indexOf(QLatin1Char('='));
        if (equals <= 0)
            return QStringLiteral("--kw expects NAME=JSON, got: %1").arg(assignment);
        const QString name = assignment.left(equals);
        if (arguments->keywords.contains(name))
            return QStringLiteral("--kw %1 is given twice").arg(name);
        QString message;
        const std::optional<QCborValue> value = parseJson(assignment.mid(equals + 1), &message);
        if (!value)
            return QStringLiteral("the value of --kw %1 is not valid JSON: %2 (%3)")
                .arg(name, assignment.mid(equals + 1), message);
        arguments->keywords.insert(name, *value);
    }
    return {};
}

OutputOptions readOutputOptions(const QCommandLineParser &parser, const Options &options)
{
    OutputOptions output;
    output.indent = parser.isSet(options.compact) ? 0 : 2;
    output.stream = parser.isSet(options.stream);
    if (parser.isSet(options.output))
        output.rawPath = parser.value(options.output);
    return output;
}

//! Reads the venv's options and the source files into \a config; an error message, empty on success.
QString readConfig(const QCommandLineParser &parser, const Options &options, QtPyVenv::Config *config)
{
    for (const QString &path : parser.values(options.source)) {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly))
            return QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
        config->sources.append(QString::fromUtf8(file.readAll()));
        config->sourceNames.append(path);
    }
    config->requirements = parser.values(options.requirement);
    config->pipOptions = parser.values(options.pipOption);
    config->pythonInterpreter = parser.value(options.python);
    config->launcher = parser.values(options.launcher);
    if (parser.isSet(options.baseDir)) {
        config->baseDir = parser.value(options.baseDir);
        config->removeBaseDirOnClose = false;
    }
    return {};
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

} // namespace

std::variant<CallRequest, UsageError> parseCommandLine(const QCoreApplication &app)
{
    QCommandLineParser parser;
    const Options options;
    describe(parser, options);
    parser.process(app);

    QStringList positional = parser.positionalArguments();
    if (positional.isEmpty())
        return UsageError{QStringLiteral("expected FUNCTION [JSON...]; see --help")};
    CallRequest request;
    request.function = positional.takeFirst();
    const QStringList keywords = parser.values(options.keyword);
    if (const QString error = readArguments(positional, keywords, &request.arguments); !error.isEmpty())
        return UsageError{error};
    request.output = readOutputOptions(parser, options);
    if (request.output.stream && request.output.rawPath == QLatin1String("-"))
        return UsageError{QStringLiteral("--stream prints on standard output: --output - cannot write there too")};
    if (const QString error = readConfig(parser, options, &request.config); !error.isEmpty())
        return UsageError{error};
    return request;
}

QtPyVenv::Arguments callArguments(const CallRequest &request, const QList<QtPyVenv::FunctionInfo> &functions)
{
    QtPyVenv::Arguments arguments = request.arguments;
    // The one-argument form of earlier versions: fn(json), and fn() for no or a null argument
    // when fn takes none. Decided once the worker has told the functions' signatures.
    const bool oneArgumentForm = arguments.keywords.isEmpty() && arguments.positional.size() <= 1;
    const bool isNull = arguments.positional.isEmpty() || arguments.positional.at(0).isNull();
    if (oneArgumentForm && isNull)
        arguments.positional = takesNoArguments(functions, request.function) ? QCborArray() : QCborArray{nullptr};
    return arguments;
}
