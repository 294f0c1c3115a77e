// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QString>

#include <mutex>

namespace QtPyVenv::Internal {

class MetaDir;

/*
 * A rolling on-disk tail of one output stream in two files, "<stem>-a" and "<stem>-b".
 * Writes go to the current file until it holds halfBytes, then the other file is truncated
 * and becomes current, so the pair always holds between halfBytes and 2 x halfBytes of the
 * most recent output. While open it holds an flock on "<stem>-a", so another Venv on the same
 * directory takes other files rather than truncating these. Thread-safe.
 */
class OutputLog
{
public:
    OutputLog() = default;
    OutputLog(const OutputLog &) = delete;
    OutputLog &operator=(const OutputLog &) = delete;
    ~OutputLog();

    enum class Opened { Yes, Busy, Failed };
    //! Takes both files in \a dir, truncates them and starts writing; Busy when another log
    //! holds them, Failed with \a problem set. A closed log drops appends.
    Opened open(const MetaDir &dir, const QString &stem, qint64 halfBytes, QString *problem);
    void close();
    bool isOpen() const;
    void append(const char *data, qint64 size);
    QByteArray tail() const;

private:
    void rotate();

    mutable std::mutex m_mutex;
    int m_fds[2] = {-1, -1};
    int m_current = 0;
    qint64 m_currentSize = 0;
    qint64 m_halfBytes = 0;
};

} // namespace QtPyVenv::Internal
