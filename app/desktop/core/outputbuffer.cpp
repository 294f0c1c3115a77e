// SPDX-License-Identifier: MIT
#include "outputbuffer.h"

#include <QStringList>

namespace QtPyVenvApp {

OutputBuffer::OutputBuffer(qsizetype capacity)
    : m_capacity(qMax<qsizetype>(capacity, 1024))
{
}

void OutputBuffer::append(OutputStream stream, const QByteArray &data)
{
    if (data.isEmpty())
        return;
    const QByteArray kept = data.size() > m_capacity ? data.right(m_capacity) : data;
    m_dropped += data.size() - kept.size();
    if (!m_chunks.isEmpty() && m_chunks.last().stream == stream)
        m_chunks.last().data += kept;
    else
        m_chunks.append({stream, kept});
    m_size += kept.size();
    while (m_size > m_capacity) {
        OutputChunk &first = m_chunks.first();
        const qsizetype excess = m_size - m_capacity;
        if (first.data.size() <= excess) {
            m_size -= first.data.size();
            m_dropped += first.data.size();
            m_chunks.removeFirst();
        } else {
            first.data.remove(0, excess);
            m_size -= excess;
            m_dropped += excess;
        }
    }
}

void OutputBuffer::clear()
{
    m_chunks.clear();
    m_size = 0;
    m_dropped = 0;
}

QString OutputBuffer::lastLines(OutputStream stream, int count) const
{
    QByteArray text;
    for (const OutputChunk &chunk : m_chunks) {
        if (chunk.stream == stream)
            text += chunk.data;
    }
    QStringList lines = QString::fromUtf8(text).split(QLatin1Char('\n'));
    while (!lines.isEmpty() && lines.last().trimmed().isEmpty())
        lines.removeLast();
    if (lines.size() > count)
        lines = lines.mid(lines.size() - count);
    return lines.join(QLatin1Char('\n'));
}

} // namespace QtPyVenvApp
