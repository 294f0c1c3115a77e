// SPDX-License-Identifier: MIT
#include "venvreaper.h"

#include "logging.h"

#include <QtPyVenv/venv.h>

#include <QDir>
#include <QThread>

namespace QtPyVenvApp {

struct VenvReaper::Job {
    QtPyVenv::Venv *venv = nullptr;
    QThread *thread = nullptr;
    QString removeDir;
};

VenvReaper::VenvReaper(QObject *parent)
    : QObject(parent)
{
}

VenvReaper::~VenvReaper()
{
    waitForAll();
}

void VenvReaper::reap(QtPyVenv::Venv *venv, const QString &removeDir)
{
    if (!venv && removeDir.isEmpty())
        return;
    if (venv) {
        venv->disconnect();
        venv->setParent(nullptr);
    }
    const quint64 id = ++m_lastId;
    auto *job = new Job{venv, nullptr, removeDir};
    job->thread = QThread::create([venv, removeDir] {
        if (venv)
            venv->close();
        if (!removeDir.isEmpty()) {
            qCInfo(lcApp) << "removing" << removeDir;
            QDir(removeDir).removeRecursively();
        }
    });
    m_jobs.insert(id, job);
    connect(job->thread, &QThread::finished, this, [this, id] { finish(id); });
    job->thread->start();
}

void VenvReaper::finish(quint64 id)
{
    Job *job = m_jobs.take(id);
    if (!job)
        return; // waitForAll() got there first
    job->thread->wait();
    delete job->thread;
    delete job->venv; // close() already ran: returns at once
    const QString removed = job->removeDir;
    delete job;
    Q_EMIT reaped(removed);
    if (m_jobs.isEmpty())
        Q_EMIT allReaped();
}

void VenvReaper::waitForAll()
{
    const QList<quint64> ids = m_jobs.keys();
    for (quint64 id : ids)
        finish(id);
}

} // namespace QtPyVenvApp
