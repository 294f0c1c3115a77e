// SPDX-License-Identifier: MIT
// qtpyvenv-embed: start a Python venv worker with service.py, call it three ways, print results.
#include <QtPyVenv/venv.h>

#include <QCoreApplication>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstdio>

namespace {

QString readFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(path));
    return QString::fromUtf8(file.readAll());
}

QByteArray toJson(const QJsonValue &value)
{
    // QJsonDocument holds objects and arrays only: wrap, then unwrap.
    const QByteArray json = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact);
    return json.mid(1, json.size() - 2);
}

int fail(const char *what, const QtPyVenv::Error &error)
{
    std::fprintf(stderr, "%s: %s\n%s", what, qPrintable(error.toString()), qPrintable(error.traceback));
    return 1;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);

    QtPyVenv::Config config;
    config.sources = {readFile(QStringLiteral(":/py/service.py"))};
    config.sourceNames = {QStringLiteral("service.py")};
    // No requirements: no pip, no network. A real program would list them here, e.g.
    // config.requirements = {QStringLiteral("numpy")};

    QtPyVenv::Venv venv(config);
    if (QtPyVenv::Error error = venv.start(QDeadlineTimer(120000)); !error.ok())
        return fail("start", error);

    // Synchronous convenience: call and await on the same thread.
    QJsonValue out;
    QtPyVenv::Error error = venv.callAndAwait(QStringLiteral("stats"),
                                              QJsonObject{{QStringLiteral("values"), QJsonArray{1, 2, 3, 4}}},
                                              &out, QDeadlineTimer(30000));
    if (!error.ok())
        return fail("stats", error);
    std::printf("stats: %s\n", toJson(out).constData());

    // Split: call() returns an id at once, await() collects the result later.
    const QString callId = venv.call(QStringLiteral("greet"),
                                     QJsonObject{{QStringLiteral("name"), QStringLiteral("QtPyVenv")}}, &error);
    if (!error.ok())
        return fail("greet", error);
    error = venv.await(callId, &out, QDeadlineTimer(30000));
    if (!error.ok())
        return fail("greet", error);
    std::printf("greet: %s\n", toJson(out).constData());

    // A Python exception is an Error value, with the exception's type and traceback.
    error = venv.callAndAwait(QStringLiteral("divide"),
                              QJsonObject{{QStringLiteral("a"), 1}, {QStringLiteral("b"), 0}}, &out,
                              QDeadlineTimer(30000));
    if (error.code != QtPyVenv::ErrorCode::PythonError)
        return fail("divide: expected a PythonError", error);
    std::printf("divide: %s\n", qPrintable(error.toString()));

    venv.close();
    return 0;
}
