// SPDX-License-Identifier: MIT
#include "metadir.h"

#include "platform_unix.h"

#include <QFile>
#include <QRandomGenerator>

#include <cerrno>
#include <cstring>
#include <utility>

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

namespace QtPyVenv::Internal {

namespace {

const QString Mark = QStringLiteral("created-by-qtpyvenv");
const QByteArray MarkText = "QtPyVenv made this directory: it creates, rewrites and removes the files in it.\n";

QByteArray encoded(const QString &name)
{
    return QFile::encodeName(name);
}

//! Why \a path, as lstat() found it, is not for the library to use; empty when it is.
QString refusal(const QString &path, const struct stat &info, mode_t wanted)
{
    if (S_ISLNK(info.st_mode))
        return QStringLiteral("%1 is a symbolic link; QtPyVenv never follows one there and leaves it alone").arg(path);
    if ((info.st_mode & S_IFMT) != wanted) {
        return QStringLiteral("%1 is not a %2; QtPyVenv leaves it alone")
            .arg(path, wanted == S_IFDIR ? QStringLiteral("directory") : QStringLiteral("regular file"));
    }
    if (info.st_uid != ::geteuid())
        return QStringLiteral("%1 belongs to another user (uid %2); QtPyVenv leaves it alone").arg(path).arg(info.st_uid);
    if (wanted == S_IFREG && info.st_nlink > 1)
        return QStringLiteral("%1 has other hard links; QtPyVenv never writes through one and leaves it alone").arg(path);
    return {};
}

} // namespace

bool writeAll(int fd, const char *data, qint64 size)
{
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size_t(size));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        data += n;
        size -= n;
    }
    return true;
}

MetaDir::MetaDir(MetaDir &&other) noexcept
    : m_fd(std::exchange(other.m_fd, -1))
    , m_path(std::move(other.m_path))
{
}

MetaDir &MetaDir::operator=(MetaDir &&other) noexcept
{
    if (this != &other) {
        close();
        m_fd = std::exchange(other.m_fd, -1);
        m_path = std::move(other.m_path);
    }
    return *this;
}

void MetaDir::close()
{
    if (m_fd >= 0)
        ::close(m_fd);
    m_fd = -1;
}

QString MetaDir::markName()
{
    return Mark;
}

bool MetaDir::openDirectory(int parentFd, const QString &name, const QString &shown, QString *problem)
{
    close();
    const int fd = ::openat(parentFd, encoded(name).constData(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    const int openErrno = errno;
    struct stat info;
    const bool stated = fd >= 0 ? ::fstat(fd, &info) == 0
                                : ::fstatat(parentFd, encoded(name).constData(), &info, AT_SYMLINK_NOFOLLOW) == 0;
    const QString refused = stated ? refusal(shown, info, S_IFDIR) : QString();
    if (fd >= 0 && stated && refused.isEmpty()) {
        m_fd = fd;
        m_path = shown;
        return true;
    }
    if (fd >= 0)
        ::close(fd);
    *problem = !refused.isEmpty() ? refused : QStringLiteral("cannot open %1: %2").arg(shown, osError(openErrno));
    errno = fd >= 0 ? EPERM : openErrno;
    return false;
}

bool MetaDir::open(const QString &path, bool create, QString *problem)
{
    if (create && ::mkdir(encoded(path).constData(), 0700) != 0 && errno != EEXIST) {
        const int mkdirErrno = errno;
        *problem = QStringLiteral("cannot create %1: %2").arg(path, osError(mkdirErrno));
        errno = mkdirErrno;
        return false;
    }
    return openDirectory(AT_FDCWD, path, path, problem);
}

bool MetaDir::isMarked() const
{
    struct stat info;
    return ::fstatat(m_fd, encoded(Mark).constData(), &info, AT_SYMLINK_NOFOLLOW) == 0
        && refusal(filePath(Mark), info, S_IFREG).isEmpty();
}

bool MetaDir::mark(QString *problem)
{
    const int fd = ::openat(m_fd, encoded(Mark).constData(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST && isMarked())
            return true; // another Venv marked it first
        *problem = QStringLiteral("cannot create %1: %2").arg(filePath(Mark), osError(errno));
        return false;
    }
    const bool written = writeAll(fd, MarkText.constData(), MarkText.size());
    ::close(fd);
    if (!written)
        *problem = QStringLiteral("cannot write %1").arg(filePath(Mark));
    return written;
}

bool MetaDir::isAtPath() const
{
    struct stat held, current;
    return m_fd >= 0 && ::fstat(m_fd, &held) == 0 && ::lstat(encoded(m_path).constData(), &current) == 0
        && held.st_ino == current.st_ino && held.st_dev == current.st_dev;
}

bool MetaDir::isCurrent() const
{
    return isAtPath() && isMarked();
}

QList<MetaDir::Entry> MetaDir::entries() const
{
    QList<Entry> result;
    const int fd = ::openat(m_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC); // its own read position
    DIR *dir = fd >= 0 ? ::fdopendir(fd) : nullptr;
    if (!dir) {
        if (fd >= 0)
            ::close(fd);
        return result;
    }
    while (const dirent *entry = ::readdir(dir)) {
        if (::strcmp(entry->d_name, ".") == 0 || ::strcmp(entry->d_name, "..") == 0)
            continue;
        Entry found;
        if (::fstatat(m_fd, entry->d_name, &found.info, AT_SYMLINK_NOFOLLOW) == 0) {
            found.name = QFile::decodeName(entry->d_name);
            result.append(found);
        }
    }
    ::closedir(dir);
    return result;
}

int MetaDir::openFile(const QString &name, int flags, QString *problem) const
{
    const QByteArray file = encoded(name);
    const int fd = ::openat(m_fd, file.constData(), flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600);
    struct stat info;
    if (fd < 0) {
        const int openErrno = errno;
        // ELOOP: a symbolic link. Say so rather than "too many levels of symbolic links".
        if (openErrno == ELOOP && ::fstatat(m_fd, file.constData(), &info, AT_SYMLINK_NOFOLLOW) == 0)
            *problem = refusal(filePath(name), info, S_IFREG);
        else
            *problem = QStringLiteral("cannot open %1: %2").arg(filePath(name), osError(openErrno));
        errno = openErrno;
        return -1;
    }
    *problem = ::fstat(fd, &info) == 0 ? refusal(filePath(name), info, S_IFREG)
                                       : QStringLiteral("cannot open %1: %2").arg(filePath(name), osError(errno));
    if (problem->isEmpty())
        return fd;
    ::close(fd);
    errno = EPERM;
    return -1;
}

bool MetaDir::readFile(const QString &name, QByteArray *content, QString *problem) const
{
    content->clear();
    const int fd = openFile(name, O_RDONLY, problem);
    if (fd < 0) {
        if (errno == ENOENT)
            problem->clear();
        return false;
    }
    char buffer[16384];
    ssize_t n;
    while ((n = ::read(fd, buffer, sizeof buffer)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        content->append(buffer, n);
    }
    ::close(fd);
    if (n < 0)
        *problem = QStringLiteral("cannot read %1: %2").arg(filePath(name), osError(errno));
    return n == 0;
}

bool MetaDir::replaceFile(const QString &name, const QByteArray &content, QString *problem) const
{
    struct stat info;
    if (::fstatat(m_fd, encoded(name).constData(), &info, AT_SYMLINK_NOFOLLOW) == 0) {
        if (*problem = refusal(filePath(name), info, S_IFREG); !problem->isEmpty())
            return false;
    }
    const QString temporary =
        QStringLiteral("%1.%2.new").arg(name).arg(QRandomGenerator::global()->generate(), 8, 16, QLatin1Char('0'));
    const int fd = ::openat(m_fd, encoded(temporary).constData(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                            0600);
    if (fd < 0) {
        *problem = QStringLiteral("cannot write %1: %2").arg(filePath(name), osError(errno));
        return false;
    }
    bool done = writeAll(fd, content.constData(), content.size()) && ::fsync(fd) == 0;
    int error = errno;
    ::close(fd);
    if (done && ::renameat(m_fd, encoded(temporary).constData(), m_fd, encoded(name).constData()) != 0) {
        done = false;
        error = errno;
    }
    if (!done) {
        ::unlinkat(m_fd, encoded(temporary).constData(), 0);
        *problem = QStringLiteral("cannot write %1: %2").arg(filePath(name), osError(error));
    }
    return done;
}

void MetaDir::removeFile(const QString &name) const
{
    struct stat info;
    if (::fstatat(m_fd, encoded(name).constData(), &info, AT_SYMLINK_NOFOLLOW) == 0
        && refusal(filePath(name), info, S_IFREG).isEmpty()) {
        ::unlinkat(m_fd, encoded(name).constData(), 0);
    }
}

bool MetaDir::makeSubdir(const QString &name, QString *problem) const
{
    if (::mkdirat(m_fd, encoded(name).constData(), 0700) != 0 && errno != EEXIST) {
        *problem = QStringLiteral("cannot create %1: %2").arg(filePath(name), osError(errno));
        return false;
    }
    MetaDir sub;
    if (!sub.openDirectory(m_fd, name, filePath(name), problem))
        return false;
    for (const Entry &entry : sub.entries()) {
        if (*problem = refusal(sub.filePath(entry.name), entry.info, S_IFREG); !problem->isEmpty())
            return false;
    }
    return true;
}

bool MetaDir::removeIfEmpty() const
{
    return isAtPath() && ::rmdir(encoded(m_path).constData()) == 0;
}

void MetaDir::removeInSubdir(const QString &name, const QRegularExpression &ours) const
{
    MetaDir sub;
    QString ignored;
    if (!sub.openDirectory(m_fd, name, filePath(name), &ignored))
        return;
    for (const Entry &entry : sub.entries()) {
        if (ours.match(entry.name).hasMatch())
            sub.removeFile(entry.name);
    }
    ::unlinkat(m_fd, encoded(name).constData(), AT_REMOVEDIR);
}

} // namespace QtPyVenv::Internal
