// SPDX-License-Identifier: MIT
#include "outputbuffer.h"

#include <QLocale>
#include <QStringList>

#include <algorithm>

namespace QtPyVenvApp {

QString droppedNotice(OutputStream stream, qint64 bytes)
{
    const QString name = stream == OutputStream::Stdout ? QStringLiteral("stdout")
        : stream == OutputStream::Stderr                ? QStringLiteral("stderr")
                                                        : QStringLiteral("pip output");
    return QStringLiteral("… %1 of %2 dropped …")
        .arg(QLocale::c().formattedDataSize(bytes, 1, QLocale::DataSizeSIFormat), name);
}

OutputBuffer::OutputBuffer(qsizetype capacity)
    : m_capacity(qMax<qsizetype>(capacity, 1024))
{
}

void OutputBuffer::append(OutputStream stream, const QByteArray &data)
{
    if (data.isEmpty())
        return;
    const QByteArray kept = data.right(m_capacity);
    const qsizetype cut = data.size() - kept.size();
    m_dropped += cut;
    if (!m_chunks.isEmpty() && m_chunks.last().stream == stream)
        m_chunks.last().data += kept;
    else
        m_chunks.append({stream, kept});
    if (m_chunks.last().droppedBefore)
        m_chunks.last().droppedBefore += cut;
    m_size += kept.size();
    while (m_size > m_capacity) {
        OutputChunk &first = m_chunks.first();
        const qsizetype excess = m_size - m_capacity;
        if (first.data.size() <= excess) {
            // A gap the library left goes on to the stream's next chunk, with what was before it.
            if (first.droppedBefore) {
                const auto next = std::find_if(m_chunks.begin() + 1, m_chunks.end(),
                                               [&](const OutputChunk &chunk) { return chunk.stream == first.stream; });
                if (next != m_chunks.end())
                    next->droppedBefore += first.droppedBefore + first.data.size();
            }
            m_size -= first.data.size();
            m_dropped += first.data.size();
            m_chunks.removeFirst();
        } else {
            first.data.remove(0, excess);
            if (first.droppedBefore)
                first.droppedBefore += excess; // the gap widens
            m_size -= excess;
            m_dropped += excess;
        }
    }
}

void OutputBuffer::appendDropped(OutputStream stream, qint64 bytes)
{
    if (bytes <= 0)
        return;
    if (!m_chunks.isEmpty() && m_chunks.last().stream == stream && m_chunks.last().data.isEmpty())
        m_chunks.last().droppedBefore += bytes;
    else
        m_chunks.append({stream, {}, bytes}); // what follows of this stream merges into it
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
