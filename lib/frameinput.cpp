// SPDX-License-Identifier: MIT
#include "frameinput.h"

namespace QtPyVenv::Internal {

void FrameInput::setLanes(int frameFd, int bulkFd)
{
    m_frameFd = frameFd;
    m_bulkFd = bulkFd;
    if (bulkFd >= 0)
        m_frames.acceptBulkMarkers();
}

bool FrameInput::next(Frame *frame)
{
    for (;;) {
        if (m_onBulk) {
            if (!m_bulk.next(frame))
                return false;
            m_onBulk = false;
            return true;
        }
        if (!m_frames.next(frame))
            return false;
        if (!frame->bulkMarker)
            return true;
        m_onBulk = true;
    }
}

QString FrameInput::error() const
{
    return m_frames.error().isEmpty() ? m_bulk.error() : m_frames.error();
}

qsizetype FrameInput::partialBytes() const
{
    return m_onBulk ? 4 + m_bulk.partialBytes() : m_frames.partialBytes();
}

qsizetype FrameInput::partialFrameBytes() const
{
    return m_onBulk ? 4 + m_bulk.partialFrameBytes() : m_frames.partialFrameBytes();
}

} // namespace QtPyVenv::Internal
