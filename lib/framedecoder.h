// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

namespace QtPyVenv::Internal {

//! The largest frame either side accepts (256 MiB); a bigger length prefix is a protocol error.
inline constexpr quint32 MaxFrameBytes = 256u * 1024 * 1024;

// The frame word: flags above the length (docs/protocol.md).
inline constexpr quint32 FrameLengthMask = 0x1fffffff;
inline constexpr quint32 FrameTaggedFlag = 0x20000000;
inline constexpr quint32 FramePartsFlag = 0x40000000;
inline constexpr quint32 FrameReservedFlag = 0x80000000;
//! The whole word of a bulk marker: on the frame lane of two (FrameInput), it says that the next
//! frame comes on the bulk lane. Anywhere else the reserved flag is a protocol error.
inline constexpr quint32 BulkMarkerWord = FrameReservedFlag;

//! Where the part after \a offset of a body starts: 16-aligned, and at least 16 bytes (room for
//! a receiver to write a CBOR head in front of it) after what precedes it.
constexpr qsizetype alignPart(qsizetype offset)
{
    return (offset + 16 + 15) & ~qsizetype(15);
}

/*!
 * One frame as it arrived (docs/protocol.md); views into the decoder's buffer. The 16 bytes
 * before each part are padding in that buffer, which the handler may overwrite.
 */
struct Frame {
    QByteArrayView json;
    QList<QByteArrayView> parts;
    bool tagged = false;
    bool bulkMarker = false; // no frame but a bulk marker (FrameDecoder::acceptBulkMarkers())
};

/*
 * Splits the byte stream from the worker into frames. It owns the input buffer, which the
 * socket is read straight into, and hands out frames as views of it: no frame body is copied.
 *
 * A frame's word, its part table and the first byte of its JSON (always '{') are checked as
 * soon as they are in, not when the frame is complete: a stream that got out of step, e.g.
 * through a stray length prefix, fails with its next bytes instead of waiting for a bogus
 * frame of up to 256 MiB.
 */
class FrameDecoder
{
public:
    //! Lets bulk markers through, as frames with Frame::bulkMarker set.
    void acceptBulkMarkers() { m_bulkMarkers = true; }
    /*!
     * Where to write the next bytes read, and how many (\a size) to ask for: the rest of a big
     * frame in one go, else a chunk. Call received() next, whatever the read gave.
     */
    char *space(qsizetype *size);
    //! \a count bytes were written at space() (0 when the read gave nothing).
    void received(qsizetype count);
    /*!
     * The next complete frame, valid until the next space(); false when there is none yet or
     * the stream is broken (error() says why; the decoder then stays broken).
     */
    bool next(Frame *frame);
    //! Why the stream is not a sequence of frames; empty while it is.
    QString error() const { return m_error; }
    //! The bytes held of a frame that is not complete yet; 0 between frames.
    qsizetype partialBytes() const { return m_in.size() - m_start; }
    //! The size of that frame with its word; 4 while the word itself is incomplete.
    qsizetype partialFrameBytes() const;

private:
    // How far checkHead() got with the frame at m_start.
    enum class Checked { Nothing, Word, Table, Head };

    bool checkHead();
    bool fail(const QString &why);
    void compact();

    QByteArray m_in;
    qsizetype m_start = 0;  // where the first frame not yet handed out begins
    qsizetype m_spaceAt = 0; // where space() asked the bytes to go
    Checked m_checked = Checked::Nothing;
    bool m_lastFrameBig = false;
    bool m_bulkMarkers = false;
    QString m_error;
};

} // namespace QtPyVenv::Internal
