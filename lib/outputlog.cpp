// SPDX-License-Identifier: MIT
#include "outputlog.h"

#include "platform_unix.h"
#include "metadir.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace QtPyVenv::Internal {

namespace {

QByteArray readWhole(int fd)
{
    QByteArray out;
    struct stat info;
    if (::fstat(fd, &info) != 0 || info.st_size <= 0)
        return out;
    const off_t size = info.st_size;
    out.resize(qsizetype(size));
    const ssize_t n = ::pread(fd, out.data(), size_t(size), 0);
    out.resize(n > 0 ? qsizetype(n) : 0);
    return out;
}

} // namespace

OutputLog::~OutputLog()
{
    close();
}

OutputLog::Opened OutputLog::open(const MetaDir &dir, const QString &stem, qint64 halfBytes, QString *problem)
{
    std::lock_guard lock(m_mutex);
    int fds[2] = {-1, -1};
    auto fail = [&](Opened outcome) {
        for (int fd : fds) {
            if (fd >= 0)
                ::close(fd);
        }
        return outcome;
    };
    // Nothing is truncated before both files are known to be ours and free.
    for (int i = 0; i < 2; ++i) {
        fds[i] = dir.openFile(stem + (i == 0 ? QStringLiteral("-a") : QStringLiteral("-b")), O_RDWR | O_CREAT | O_APPEND,
                              problem);
        if (fds[i] < 0)
            return fail(Opened::Failed);
        if (i == 0 && ::flock(fds[0], LOCK_EX | LOCK_NB) != 0) {
            if (errno == EWOULDBLOCK)
                return fail(Opened::Busy);
            *problem = QStringLiteral("cannot lock %1: %2").arg(dir.filePath(stem + QStringLiteral("-a")),
                                                                osError(errno));
            return fail(Opened::Failed);
        }
    }
    for (int i = 0; i < 2; ++i) {
        if (m_fds[i] >= 0)
            ::close(m_fds[i]);
        m_fds[i] = fds[i];
        ::ftruncate(m_fds[i], 0);
    }
    m_halfBytes = halfBytes;
    m_current = 0;
    m_currentSize = 0;
    return Opened::Yes;
}

void OutputLog::close()
{
    std::lock_guard lock(m_mutex);
    for (int &fd : m_fds) {
        if (fd >= 0)
            ::close(fd);
        fd = -1;
    }
}

bool OutputLog::isOpen() const
{
    std::lock_guard lock(m_mutex);
    return m_fds[0] >= 0;
}

void OutputLog::rotate()
{
    m_current = 1 - m_current;
    m_currentSize = 0;
    if (m_fds[m_current] >= 0)
        ::ftruncate(m_fds[m_current], 0);
}

void OutputLog::append(const char *data, qint64 size)
{
    std::lock_guard lock(m_mutex);
    if (m_fds[m_current] < 0)
        return;
    // A storm larger than the whole tail only keeps its end.
    if (size > 2 * m_halfBytes) {
        data += size - 2 * m_halfBytes;
        size = 2 * m_halfBytes;
    }
    while (size > 0) {
        if (m_currentSize >= m_halfBytes)
            rotate();
        const qint64 chunk = std::min(size, m_halfBytes - m_currentSize);
        if (!writeAll(m_fds[m_current], data, chunk))
            return;
        m_currentSize += chunk;
        data += chunk;
        size -= chunk;
    }
}

QByteArray OutputLog::tail() const
{
    std::lock_guard lock(m_mutex);
    if (m_fds[0] < 0)
        return {};
    return readWhole(m_fds[1 - m_current]) + readWhole(m_fds[m_current]);
}

} // namespace QtPyVenv::Internal
