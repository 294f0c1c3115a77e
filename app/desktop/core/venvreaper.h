// SPDX-License-Identifier: MIT
#pragma once

#include <QHash>
#include <QObject>

namespace QtPyVenv {
class Venv;
}

namespace QtPyVenvApp {

/*!
 * Closes Venvs off the GUI thread. Venv::close() kills the worker and joins the library's
 * threads (and, during an install, waits for pip to be killed): short, but blocking, so
 * the GUI thread hands the Venv over here instead. A helper thread runs close() (and
 * optionally removes a folder), then the Venv is deleted in the reaper's thread.
 *
 * waitForAll() blocks until every handed-over Venv is closed: for quitting, so no worker
 * outlives the app.
 */
class VenvReaper : public QObject
{
    Q_OBJECT

public:
    explicit VenvReaper(QObject *parent = nullptr);
    //! Same as waitForAll().
    ~VenvReaper() override;

    //! Takes ownership of \a venv (may be null): disconnects it, closes it, deletes it; then
    //! removes \a removeDir recursively when it is not empty.
    void reap(QtPyVenv::Venv *venv, const QString &removeDir = {});
    //! Blocks the calling thread until every reap has finished.
    void waitForAll();
    int pendingCount() const { return int(m_jobs.size()); }

Q_SIGNALS:
    //! A reap finished: its worker is gone and \a removedDir (if any) removed.
    void reaped(const QString &removedDir);
    //! The last pending reap finished: no handed-over worker is left.
    void allReaped();

private:
    struct Job;
    void finish(quint64 id);

    QHash<quint64, Job *> m_jobs;
    quint64 m_lastId = 0;
};

} // namespace QtPyVenvApp
