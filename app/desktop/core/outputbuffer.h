// SPDX-License-Identifier: MIT
#pragma once

#include "appstatus.h"

#include <QByteArray>
#include <QList>
#include <QObject>

namespace QtPyVenvApp {


/*! A run of bytes from one stream. */
struct OutputChunk {
    OutputStream stream = OutputStream::Stdout;
    QByteArray data;
    qint64 droppedBefore = 0; //!< bytes of the stream the library dropped right before data
};

//! The line that stands where the library dropped \a bytes of \a stream: "… 12.3 MB of stdout dropped …".
QString droppedNotice(OutputStream stream, qint64 bytes);

/*!
 * The newest output of an environment, bounded: however much the worker prints, at most
 * capacity() bytes are kept; the oldest are dropped first. Consecutive output of one stream
 * is merged into one chunk. A gap the library left (appendDropped()) stays with the stream's
 * output after it, and grows by what the bound drops right after it.
 */
class OutputBuffer
{
public:
    explicit OutputBuffer(qsizetype capacity = 1024 * 1024);

    void append(OutputStream stream, const QByteArray &data);
    //! The library dropped \a bytes of \a stream (its receiver lagged): a gap before what comes next.
    void appendDropped(OutputStream stream, qint64 bytes);
    void clear();
    const QList<OutputChunk> &chunks() const { return m_chunks; }
    qsizetype size() const { return m_size; }
    qsizetype capacity() const { return m_capacity; }
    //! Bytes dropped because of the bound, since the last clear().
    qint64 droppedBytes() const { return m_dropped; }
    //! The last \a count lines of \a stream's kept output.
    QString lastLines(OutputStream stream, int count) const;

private:
    QList<OutputChunk> m_chunks;
    qsizetype m_size = 0;
    qsizetype m_capacity;
    qint64 m_dropped = 0;
};

} // namespace QtPyVenvApp
