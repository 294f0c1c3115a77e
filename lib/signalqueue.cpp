// SPDX-License-Identifier: MIT
#include "signalqueue.h"

#include <algorithm>
#include <iterator>

namespace QtPyVenv::Internal {

SignalQueue::SignalQueue(qsizetype outputCap)
    : m_outputCap(std::max<qsizetype>(outputCap, 1))
{
}

bool SignalQueue::post(PendingSignal &&signal)
{
    std::lock_guard lock(m_mutex);
    const bool first = m_queue.empty();
    if (signal.kind != PendingSignal::Stdout && signal.kind != PendingSignal::Stderr
        && signal.kind != PendingSignal::Install) {
        m_queue.push_back(std::move(signal));
        return first;
    }
    Stream &stream = m_streams[signal.kind - PendingSignal::Stdout];
    stream.bytes += signal.data.size();
    if (!first && m_queue.back().kind == signal.kind) {
        m_queue.back().data += signal.data;
    } else {
        m_queue.push_back(std::move(signal));
        stream.chunks.push_back(std::prev(m_queue.end()));
    }
    dropOldest(stream);
    return first;
}

void SignalQueue::dropOldest(Stream &stream)
{
    while (stream.bytes > m_outputCap) {
        const qsizetype excess = stream.bytes - m_outputCap;
        const auto oldest = stream.chunks.front();
        // A lone chunk is bigger than the excess: the newest bytes always stay.
        if (oldest->data.size() <= excess) {
            const qint64 gap = oldest->droppedBefore + oldest->data.size();
            stream.bytes -= oldest->data.size();
            m_queue.erase(oldest);
            stream.chunks.pop_front();
            stream.chunks.front()->droppedBefore += gap;
        } else {
            oldest->data.remove(0, excess);
            oldest->droppedBefore += excess;
            stream.bytes -= excess;
        }
    }
}

std::list<PendingSignal> SignalQueue::take()
{
    std::list<PendingSignal> batch;
    std::lock_guard lock(m_mutex);
    batch.swap(m_queue);
    m_streams = {};
    return batch;
}

} // namespace QtPyVenv::Internal
