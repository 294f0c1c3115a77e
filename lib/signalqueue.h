// SPDX-License-Identifier: MIT
#pragma once

#include <QtPyVenv/venv.h>

#include <QByteArray>
#include <QCborValue>
#include <QString>

#include <array>
#include <deque>
#include <list>
#include <mutex>

namespace QtPyVenv::Internal {

//! A signal waiting to be emitted in the Venv's thread.
struct PendingSignal {
    enum Kind { StateChanged, Ready, Died, StartFailed, StartPhase, CallStarted, CallFinished, CallProgress, CallPartial, Stdout, Stderr, Install };
    Kind kind;
    State state = State::Idle;
    QtPyVenv::StartPhase phase = QtPyVenv::StartPhase::Launching;
    Error error;
    QString callId;
    QString function;
    QByteArray data;
    qint64 droppedBefore = 0; //!< output: bytes of this stream dropped right before data
    double done = 0;          //!< progress
    double total = -1;        //!< progress; negative when unknown
    QString text;             //!< progress message
    QCborValue value;         //!< partial
};

/*
 * The signals a Venv has yet to emit, in the order they happened: posted from any thread,
 * taken as a whole by the Venv's thread. A print storm must not queue without bound while that
 * thread lags, so each output stream (stdout, stderr, install) keeps only its newest outputCap
 * bytes. What goes is that stream's oldest output, never another stream's, and it is counted
 * in the droppedBefore of the stream's first chunk after the gap. Consecutive chunks of one
 * stream are merged. Thread-safe.
 */
class SignalQueue
{
public:
    explicit SignalQueue(qsizetype outputCap);
    SignalQueue(const SignalQueue &) = delete;
    SignalQueue &operator=(const SignalQueue &) = delete;

    //! Queues \a signal; true when the queue was empty, so that the caller schedules a take().
    bool post(PendingSignal &&signal);
    //! Everything queued, oldest first; the queue is empty after.
    std::list<PendingSignal> take();

private:
    struct Stream {
        qsizetype bytes = 0;
        std::deque<std::list<PendingSignal>::iterator> chunks; // oldest first
    };
    void dropOldest(Stream &stream);

    const qsizetype m_outputCap;
    std::mutex m_mutex;
    std::list<PendingSignal> m_queue; // a chunk dropped whole leaves from the middle
    std::array<Stream, 3> m_streams;  // Stdout, Stderr, Install
};

} // namespace QtPyVenv::Internal
