// SPDX-License-Identifier: MIT
#include "framedecoder.h"

#include <QtEndian>

#include <algorithm>

#include <sys/mman.h>

namespace QtPyVenv::Internal {

namespace {

constexpr qsizetype ReadChunk = 256 * 1024;
// A buffer bigger than this is given back after the first small frame; while big frames keep
// coming it is kept, as fresh pages cost more than copying into them.
constexpr qsizetype KeptBufferMaxBytes = 64 << 20;
constexpr quint32 BigFrameBytes = 1 << 20;

// Asks for transparent huge pages over the whole 2 MiB pages inside [data, data + size): a big
// frame then costs a few hundred page faults instead of one per 4 KiB. Advice only: where the
// kernel has them off, nothing changes.
void adviseHugePages(void *data, qsizetype size)
{
    constexpr quintptr HugePage = 2 * 1024 * 1024;
    const quintptr begin = (quintptr(data) + HugePage - 1) & ~(HugePage - 1);
    const quintptr end = (quintptr(data) + quintptr(size)) & ~(HugePage - 1);
    if (end > begin)
        ::madvise(reinterpret_cast<void *>(begin), end - begin, MADV_HUGEPAGE);
}

quint32 wordAt(const char *data)
{
    return qFromBigEndian<quint32>(data);
}

} // namespace

qsizetype FrameDecoder::partialFrameBytes() const
{
    if (partialBytes() < 4)
        return 4;
    return 4 + qsizetype(wordAt(m_in.constData() + m_start) & FrameLengthMask);
}

char *FrameDecoder::space(qsizetype *size)
{
    compact();
    const qsizetype used = m_in.size();
    qsizetype want = ReadChunk;
    // The rest of a frame in one go, into a buffer that has room for all of it; but only once its
    // head proved it a frame, so that a bogus length reserves nothing.
    if (m_checked == Checked::Head)
        want = std::max(want, partialFrameBytes() - used);
    // A chunk goes into the room that is left while there is a fair amount of it: a frame that
    // trickles in is not copied to a bigger buffer for every piece.
    if (want == ReadChunk && m_in.capacity() - used >= ReadChunk / 4)
        want = std::min(want, m_in.capacity() - used);
    if (used + want > m_in.capacity()) {
        m_in.reserve(used + want);
        adviseHugePages(m_in.data(), m_in.capacity());
    }
    m_in.resize(used + want);
    m_spaceAt = used;
    *size = want;
    return m_in.data() + used;
}

void FrameDecoder::received(qsizetype count)
{
    m_in.resize(m_spaceAt + count);
}

void FrameDecoder::compact()
{
    if (m_start == m_in.size()) {
        m_in.resize(0);
        m_start = 0;
    } else if (m_start > 0) {
        m_in.remove(0, m_start);
        m_start = 0;
    }
    if (m_in.isEmpty() && m_in.capacity() > KeptBufferMaxBytes && !m_lastFrameBig)
        m_in = QByteArray();
}

bool FrameDecoder::next(Frame *frame)
{
    if (!m_error.isEmpty() || !checkHead() || m_checked != Checked::Head)
        return false;
    const char *const start = m_in.constData() + m_start;
    const quint32 word = wordAt(start);
    const quint32 size = word & FrameLengthMask;
    if (partialBytes() < 4 + qsizetype(size))
        return false;
    // No copy: the frame is read before the buffer changes again. checkHead() made sure that
    // the part table adds up.
    const QByteArrayView body(start + 4, size);
    frame->tagged = word & FrameTaggedFlag;
    frame->bulkMarker = word == BulkMarkerWord;
    frame->parts.clear();
    if (frame->bulkMarker) {
        frame->json = {};
    } else if (word & FramePartsFlag) {
        const quint32 count = qFromBigEndian<quint32>(body.data());
        const qsizetype tableEnd = 8 + 4 * qsizetype(count);
        frame->json = body.sliced(tableEnd, qFromBigEndian<quint32>(body.data() + 4));
        qsizetype at = tableEnd + frame->json.size();
        frame->parts.reserve(count);
        for (quint32 i = 0; i < count; ++i) {
            const quint32 partSize = qFromBigEndian<quint32>(body.data() + 8 + 4 * i);
            at = alignPart(at);
            frame->parts.append(body.sliced(at, partSize));
            at += partSize;
        }
    } else {
        frame->json = body;
    }
    m_lastFrameBig = size >= BigFrameBytes;
    m_start += 4 + size;
    m_checked = Checked::Nothing;
    return true;
}

// Checks as much of the frame at m_start as is in, each field as soon as its bytes are: the word,
// the part table, the JSON's first byte. False when the frame is broken.
bool FrameDecoder::checkHead()
{
    const qsizetype have = partialBytes();
    if (m_checked == Checked::Head || have < 4)
        return true;
    const char *const start = m_in.constData() + m_start;
    const quint32 word = wordAt(start);
    const quint32 size = word & FrameLengthMask;
    if (size > MaxFrameBytes)
        return fail(QStringLiteral("the worker sent a frame of %1 bytes, over the cap of %2").arg(size).arg(MaxFrameBytes));
    if (word == BulkMarkerWord && m_bulkMarkers) {
        m_checked = Checked::Head;
        return true;
    }
    if (word & FrameReservedFlag)
        return fail(QStringLiteral("the worker sent a frame with a reserved flag set"));
    m_checked = std::max(m_checked, Checked::Word);

    const char *const body = start + 4;
    const qsizetype bodyHave = have - 4;
    qsizetype jsonAt = 0;
    quint32 jsonSize = size;
    if (word & FramePartsFlag) {
        const QString bad = QStringLiteral("the worker sent a frame whose part table does not add up");
        if (size < 8)
            return fail(bad);
        if (bodyHave < 8)
            return true;
        const quint32 count = qFromBigEndian<quint32>(body);
        jsonSize = qFromBigEndian<quint32>(body + 4);
        if (count > (size - 8) / 4)
            return fail(bad);
        jsonAt = 8 + 4 * qsizetype(count);
        if (jsonSize > size - jsonAt)
            return fail(bad);
        if (bodyHave < jsonAt)
            return true;
        if (m_checked < Checked::Table) {
            qsizetype end = jsonAt + jsonSize;
            for (quint32 i = 0; i < count && end <= size; ++i)
                end = alignPart(end) + qFromBigEndian<quint32>(body + 8 + 4 * i);
            if (end != size)
                return fail(bad);
            m_checked = Checked::Table;
        }
    }
    // The JSON is an object, and both sides write it with no space in front: any other first
    // byte means that the stream is out of step.
    if (jsonSize == 0)
        return fail(QStringLiteral("the worker sent a frame without JSON"));
    if (bodyHave <= jsonAt)
        return true;
    if (body[jsonAt] != '{') {
        return fail(QStringLiteral("the worker sent a frame whose JSON starts with byte 0x%1, not '{': the stream is "
                                   "out of step (did something else write to the protocol channel?)")
                        .arg(uchar(body[jsonAt]), 2, 16, QLatin1Char('0')));
    }
    m_checked = Checked::Head;
    return true;
}

bool FrameDecoder::fail(const QString &why)
{
    m_error = why;
    return false;
}

} // namespace QtPyVenv::Internal
