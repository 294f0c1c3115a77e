// SPDX-License-Identifier: MIT
// qtpyvenv-call: load Python sources into a venv worker, call one function, print its result as JSON.
#include "commandline.h"
#include "exitstatus.h"
#include "progressdisplay.h"
#include "stopsignals.h"

#include <QtPyVenv/venv.h>

#include <QCoreApplication>
#include <QLocale>

#include <cstdio>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("qtpyvenv-call"));
    QCoreApplication::setApplicationVersion(QStringLiteral(QTPYVENV_VERSION_STRING));

    std::variant<CallRequest, UsageError> parsed = parseCommandLine(app);
    if (const UsageError *error = std::get_if<UsageError>(&parsed))
        return fail(error->message, ExitUsage);
    const CallRequest request = std::get<CallRequest>(std::move(parsed));

    ProgressDisplay display;
    QtPyVenv::Venv venv(request.config);
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
        QtPyVenv::Error error;
        callId = venv.invoke(request.function, callArguments(request, venv.functions()), &error);
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
    if (request.output.stream) {
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
            const QString problem = writeResult(request.function, result, request.output);
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
