// SPDX-License-Identifier: MIT
// qtpyvenv-call: load Python sources into a venv worker, call one function, print its JSON result.
#include <QtPyVenv/venv.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

#include <cstdio>

namespace {

int fail(const QString &message, int code = 1)
{
    QTextStream(stderr) << "qtpyvenv-call: " << message << Qt::endl;
    return code;
}

int report(const QtPyVenv::Error &error)
{
    QTextStream err(stderr);
    err << "qtpyvenv-call: " << error.toString() << Qt::endl;
    if (!error.traceback.isEmpty())
        err << error.traceback << (error.traceback.endsWith(QLatin1Char('\n')) ? "" : "\n");
    return 1;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("qtpyvenv-call"));
    QCoreApplication::setApplicationVersion(QStringLiteral(QTPYVENV_VERSION_STRING));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Calls a Python function in a virtual environment and prints "
                                                    "its JSON result."));
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
    parser.addOptions({source, requirement, pipOption, baseDir, python});
    parser.addPositionalArgument(QStringLiteral("function"), QStringLiteral("The function to call."));
    parser.addPositionalArgument(QStringLiteral("json"), QStringLiteral("Its argument as JSON (default: null)."),
                                 QStringLiteral("[json]"));
    parser.process(app);

    const QStringList positional = parser.positionalArguments();
    if (positional.isEmpty() || positional.size() > 2)
        return fail(QStringLiteral("expected FUNCTION [JSON]; see --help"), 2);

    QJsonValue args;
    if (positional.size() == 2) {
        QJsonParseError error;
        // Wrapped in an array so that scalars parse too.
        const QJsonDocument doc = QJsonDocument::fromJson("[" + positional[1].toUtf8() + "]", &error);
        if (error.error != QJsonParseError::NoError || doc.array().size() != 1)
            return fail(QStringLiteral("the argument is not valid JSON: %1").arg(positional[1]), 2);
        args = doc.array().at(0);
    }

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

    QtPyVenv::Venv venv(config);
    QObject::connect(&venv, &QtPyVenv::Venv::installOutput, &app, [](const QByteArray &data) {
        std::fwrite(data.constData(), 1, size_t(data.size()), stderr);
    });
    // The worker's own output is passed through, so print() debugging works from the shell.
    QObject::connect(&venv, &QtPyVenv::Venv::stdoutReceived, &app, [](const QByteArray &data) {
        std::fwrite(data.constData(), 1, size_t(data.size()), stderr);
    });
    QObject::connect(&venv, &QtPyVenv::Venv::stderrReceived, &app, [](const QByteArray &data) {
        std::fwrite(data.constData(), 1, size_t(data.size()), stderr);
    });

    int exitCode = 0;
    QObject::connect(&venv, &QtPyVenv::Venv::startFailed, &app, [&](const QtPyVenv::Error &error) {
        exitCode = report(error);
        app.quit();
    });
    QObject::connect(&venv, &QtPyVenv::Venv::ready, &app, [&] {
        venv.callAsync(positional[0], args)
            .then(&app,
                  [&](const QJsonValue &result) {
                      const QByteArray json = QJsonDocument(QJsonArray{result}).toJson(QJsonDocument::Indented);
                      // Strip the wrapping array: "[\n    value\n]\n"
                      QByteArray inner = json.mid(1, json.lastIndexOf(']') - 1).trimmed();
                      QByteArray unindented;
                      for (QByteArray line : inner.split('\n'))
                          unindented += (line.startsWith("    ") ? line.mid(4) : line) + '\n';
                      std::fwrite(unindented.constData(), 1, size_t(unindented.size()), stdout);
                      app.quit();
                  })
            .onFailed(&app, [&](const QtPyVenv::CallException &exception) {
                exitCode = report(exception.error());
                app.quit();
            });
    });
    venv.startAsync();
    app.exec();
    // Whatever the worker printed and is still on its way (also from threads of its own):
    // close() drains the worker's pipes, and its last output signals are delivered here.
    venv.close();
    QCoreApplication::sendPostedEvents();
    return exitCode;
}
