// SPDX-License-Identifier: MIT
// SIGINT and SIGTERM as Qt signals, so the tool can stop its call and worker cleanly.
#pragma once

#include <QObject>
#include <QSocketNotifier>

#include <memory>

/*!
 * Catches SIGINT and SIGTERM while it lives and emits interrupted() or terminated() from the
 * event loop. The handlers only write the signal's number to a pipe (async-signal-safe), so
 * nothing runs inside them; the event loop reads the pipe. One instance at a time.
 */
class StopSignals : public QObject
{
    Q_OBJECT

public:
    explicit StopSignals(QObject *parent = nullptr);
    //! Restores the default actions.
    ~StopSignals() override;

Q_SIGNALS:
    void interrupted(); //!< SIGINT: Ctrl+C on the terminal
    void terminated();  //!< SIGTERM

private:
    void readPipe();

    int m_pipe[2] = {-1, -1};
    std::unique_ptr<QSocketNotifier> m_notifier;
};
