// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QList>
#include <QRegularExpression>
#include <QString>

#include <sys/stat.h>

namespace QtPyVenv::Internal {

/*
 * baseDir/meta, the library's own directory, held open as a descriptor once it is opened: every
 * file in it is reached with openat() and O_NOFOLLOW, so a symbolic link planted in it, or in
 * meta/'s own place, is never followed, and nothing is written to a file with other hard links.
 * The library makes meta/ with mkdir and marks it with a file it creates exclusively; whose an
 * unmarked meta/ is, the caller decides (Environment recognises what earlier versions left).
 * Not thread-safe.
 */
class MetaDir
{
public:
    struct Entry {
        QString name;
        struct stat info; // as lstat() tells it: a symbolic link is not followed
    };

    MetaDir() = default;
    MetaDir(MetaDir &&other) noexcept;
    MetaDir &operator=(MetaDir &&other) noexcept;
    MetaDir(const MetaDir &) = delete;
    MetaDir &operator=(const MetaDir &) = delete;
    ~MetaDir() { close(); }

    /*!
     * Opens \a path, made with mkdir first when absent and \a create is set. Refuses a symbolic
     * link, anything but a directory and a directory of another user, with a message naming
     * \a path. errno is ENOENT when it is absent and not created.
     */
    bool open(const QString &path, bool create, QString *problem);
    void close();
    bool isOpen() const { return m_fd >= 0; }
    int fd() const { return m_fd; }
    QString path() const { return m_path; }
    QString filePath(const QString &name) const { return m_path + QLatin1Char('/') + name; }

    //! True when the ownership mark is there.
    bool isMarked() const;
    //! Marks the directory as the library's; an existing mark is kept.
    bool mark(QString *problem);
    //! True while the open directory is still the one at path() and still marked.
    bool isCurrent() const;
    static QString markName();

    //! The entries, as lstat() describes them (symbolic links not followed).
    QList<Entry> entries() const;
    //! openat() with O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK; refuses anything but a regular file with a
    //! single link. -1 with \a problem set (and errno, ENOENT when the directory was removed).
    int openFile(const QString &name, int flags, QString *problem) const;
    //! The whole content of \a name; false when it cannot be read, with \a problem set unless absent.
    bool readFile(const QString &name, QByteArray *content, QString *problem) const;
    //! Writes a new file and renames it over \a name: never through what is there, and refused
    //! when what is there is not a regular file.
    bool replaceFile(const QString &name, const QByteArray &content, QString *problem) const;
    //! Unlinks \a name when it is a regular file of this user with a single link; anything else
    //! is left.
    void removeFile(const QString &name) const;
    //! Makes the subdirectory \a name when absent; refused when it, or anything in it, is not
    //! a regular file or directory of ours.
    bool makeSubdir(const QString &name, QString *problem) const;
    //! Removes the directory itself when it is still the one at path() and is empty.
    bool removeIfEmpty() const;
    //! Unlinks the regular files in subdirectory \a name whose names match \a ours, then the
    //! subdirectory when that left it empty.
    void removeInSubdir(const QString &name, const QRegularExpression &ours) const;

private:
    bool openDirectory(int parentFd, const QString &name, const QString &shown, QString *problem);
    bool isAtPath() const;

    int m_fd = -1;
    QString m_path;
};

//! write() until all of \a data is written; false on an error.
bool writeAll(int fd, const char *data, qint64 size);

} // namespace QtPyVenv::Internal
