// SPDX-License-Identifier: MIT
// qtpyvenv-call's one call: the venv's start, the call and what comes of it, Ctrl+C and SIGTERM.
#pragma once

#include "commandline.h"
#include "progressdisplay.h"
#include "stopsignals.h"

#include <QtPyVenv/venv.h>

#include <QObject>

/*!
 * Starts a venv worker, makes the one call a CallRequest asks for and prints what comes of it:
 * pip's and the worker's output and the call's progress on stderr, the values it yields
 * (--stream) and its result on stdout or in a file. Ctrl+C cancels the call; a second one, or
 * SIGTERM, stops the worker.
 *
 * \code
 * CallSession session(std::move(request));
 * return session.run();
 * \endcode
 */
class CallSession : public QObject
{
    Q_OBJECT

public:
    explicit CallSession(CallRequest request, QObject *parent = nullptr);

    //! Runs the application's event loop until the call has ended; returns the tool's exit status.
    int run();

private:
    void forwardOutput();
    void noteDropped(const char *stream, qint64 bytes);
    void startFailed(const QtPyVenv::Error &error);
    void call();
    void showProgress(const QString &callId, double done, double total, const QString &message);
    void printPartial(const QString &callId, const QCborValue &value);
    void printResult(const QString &callId);
    void interrupt();
    void stopWorker(int exitCode, const char *why);

    const CallRequest m_request;
    ProgressDisplay m_display;
    QtPyVenv::Venv m_venv;
    StopSignals m_stopSignals;
    QString m_callId;
    int m_exitCode = 0;
    bool m_cancelling = false;
    bool m_stopped = false; // the worker was stopped: what the Venv still reports is not the call's
};
