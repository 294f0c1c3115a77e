// SPDX-License-Identifier: MIT
#pragma once

#include "framedecoder.h"

#include <array>

namespace QtPyVenv::Internal {

/*
 * The worker's frames as they come in, on one lane (the socket, or a launcher's stdout) or on
 * two (a local worker): every frame under the worker's bulk size on a pipe, the frame lane, which
 * costs the kernel about half of what a socket does per message; bigger ones on the socket, the
 * bulk lane, which moves big frames faster. A bulk marker on the frame lane stands where the
 * frame it announces belongs, so the frames come out in the order the worker wrote them.
 *
 * The reader reads fd() until it runs dry. Bytes on the bulk lane while the input is not on it
 * were announced by no marker: user code wrote to the socket it found (FrameInput has no say in
 * that; WorkerConnection reports it).
 */
class FrameInput
{
public:
    //! One lane when \a bulkFd is -1.
    void setLanes(int frameFd, int bulkFd);
    int bulkFd() const { return m_bulkFd; }
    //! Where the next bytes are to come from: the only descriptor to read and wait on while it is
    //! the bulk lane (frames on the frame lane may wait behind the bulk one).
    int fd() const { return m_onBulk ? m_bulkFd : m_frameFd; }
    bool onBulkLane() const { return m_onBulk; }
    //! What a reader waits on: fd(), and beside the frame lane the bulk lane, where bytes that
    //! no marker announced would show (-1 where there is none).
    std::array<int, 2> lanesToWatch() const { return {fd(), m_onBulk ? -1 : m_bulkFd}; }

    //! As FrameDecoder::space() and received(), for the lane of fd().
    char *space(qsizetype *size) { return lane().space(size); }
    void received(qsizetype count) { lane().received(count); }
    //! The next frame in the worker's order; as FrameDecoder::next().
    bool next(Frame *frame);
    QString error() const;
    //! As FrameDecoder's, for the frame under way; a marker counts as its frame's first bytes.
    qsizetype partialBytes() const;
    qsizetype partialFrameBytes() const;

private:
    FrameDecoder &lane() { return m_onBulk ? m_bulk : m_frames; }

    FrameDecoder m_frames;
    FrameDecoder m_bulk;
    int m_frameFd = -1;
    int m_bulkFd = -1;
    bool m_onBulk = false; // a marker sent the reader to the bulk lane
};

} // namespace QtPyVenv::Internal
