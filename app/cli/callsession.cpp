// SPDX-License-Identifier: MIT
#include "callsession.h"

#include "exitstatus.h"

#include <QCoreApplication>
#include <QLocale>

#include <cstdio>

using QtPyVenv::Venv;

CallSession::CallSession(CallRequest request, QObject *parent)
    : QObject(parent)
    , m_request(std::move(request))
    , m_venv(m_request.config)
{
    forwardOutput();
    connect(&m_venv, &Venv::startFailed, this, &CallSession::startFailed);
    connect(&m_venv, &Venv::ready, this, &CallSession::call);
    connect(&m_venv, &Venv::callProgress, this, &CallSession::showProgress);
    if (m_request.output.stream)
        connect(&m_venv, &Venv::callPartial, this, &CallSession::printPartial);
    connect(&m_venv, &Venv::callFinished, this, &CallSession::printResult);
    connect(&m_stopSignals, &StopSignals::interrupted, this, &CallSession::interrupt);
    connect(&m_stopSignals, &StopSignals::terminated, this, [this] { stopWorker(ExitTerminated, "terminated"); });
}

int CallSession::run()
{
    m_venv.startAsync();
    QCoreApplication::exec();
    // Whatever the worker printed and is still on its way (also from threads of its own):
    // close() drains the worker's pipes, and its last output signals are delivered here.
    m_venv.close();
    QCoreApplication::sendPostedEvents();
    return m_exitCode;
}

// pip's and the worker's own output are passed through, so print() debugging works from the
// shell. Where the library dropped some (a slow stderr held this thread up), a line says so.
void CallSession::forwardOutput()
{
    const auto forward = [this](const QByteArray &data) { m_display.write(stderr, data); };
    connect(&m_venv, &Venv::installOutput, this, forward);
    connect(&m_venv, &Venv::stdoutReceived, this, forward);
    connect(&m_venv, &Venv::stderrReceived, this, forward);
    connect(&m_venv, &Venv::installOutputDropped, this, [this](qint64 bytes) { noteDropped("pip output", bytes); });
    connect(&m_venv, &Venv::outputDropped, this,
            [this](int fd, qint64 bytes) { noteDropped(fd == 1 ? "stdout" : "stderr", bytes); });
}

void CallSession::noteDropped(const char *stream, qint64 bytes)
{
    const QByteArray size = QLocale::c().formattedDataSize(bytes, 1, QLocale::DataSizeSIFormat).toUtf8();
    m_display.writeLine("qtpyvenv-call: … " + size + " of " + stream + " dropped …");
}

void CallSession::startFailed(const QtPyVenv::Error &error)
{
    m_display.finish();
    m_exitCode = report(error);
    QCoreApplication::quit();
}

void CallSession::call()
{
    // ready() comes again when the library restarts a worker stuck past a cancel's grace period.
    if (!m_callId.isEmpty())
        return;
    QtPyVenv::Error error;
    m_callId = m_venv.invoke(m_request.function, callArguments(m_request, m_venv.functions()), &error);
    if (m_callId.isEmpty()) {
        m_exitCode = report(error);
        QCoreApplication::quit();
    }
}

void CallSession::showProgress(const QString &callId, double done, double total, const QString &message)
{
    if (callId == m_callId)
        m_display.show(done, total, message);
}

void CallSession::printPartial(const QString &callId, const QCborValue &value)
{
    if (callId == m_callId && !m_stopped)
        m_display.write(stdout, QtPyVenv::toJsonText(value, 0) + '\n');
}

// Partial results come before the call's end, so the result is printed after the last of them.
void CallSession::printResult(const QString &callId)
{
    if (callId != m_callId || m_stopped)
        return;
    m_display.finish();
    bool done = false;
    QCborValue result;
    if (const QtPyVenv::Error error = m_venv.resultValue(m_callId, &done, &result); !error.ok()) {
        m_exitCode = report(error);
    } else if (const QString problem = writeResult(m_request.function, result, m_request.output); !problem.isEmpty()) {
        m_exitCode = fail(problem);
    }
    QCoreApplication::quit();
}

// Ctrl+C asks the call to stop, so its finally blocks run; code stuck in C does not notice,
// so a second one, like SIGTERM, stops the worker. Before the call there is nothing to ask.
void CallSession::interrupt()
{
    if (m_callId.isEmpty() || m_cancelling) {
        stopWorker(ExitInterrupted, "interrupted");
        return;
    }
    m_cancelling = true;
    m_venv.cancel(m_callId); // when the call already finished, its result is on the way
    m_display.writeLine("qtpyvenv-call: cancelling the call (Ctrl+C again stops the worker)");
}

void CallSession::stopWorker(int exitCode, const char *why)
{
    if (m_stopped)
        return;
    m_stopped = true;
    m_display.finish();
    m_exitCode = fail(QStringLiteral("%1: the worker was stopped").arg(QLatin1String(why)), exitCode);
    m_venv.close();
    QCoreApplication::quit();
}
