// SPDX-License-Identifier: MIT
#pragma once

#include "childprocess.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace QtPyVenv::Internal {

//! \a text as one word for a POSIX shell: as it is when it needs no quoting, else in single quotes.
QString shellQuoted(const QString &text);

/*!
 * Sets \a options' program and arguments to run \a program with \a arguments through
 * \a launcher (Config::launcher): the launcher's program found on PATH, its own arguments as
 * given, then \a program and \a arguments, quoted for the remote shell when the launcher is ssh;
 * what the launcher leaves in its group gets a grace to end once it exited.
 * False with \a error when the launcher's program cannot be found.
 */
/*!
 * Reads a launcher's stderr for news of a batch queue: srun writes "srun: job 123 queued and
 * waiting for resources" while its job waits and "srun: job 123 has been allocated resources"
 * when it may run.
 */
class LauncherQueueWatch
{
public:
    enum class News { None, Queued, Allocated };
    //! What changed with \a data, the next bytes of stderr: Queued when the job began to wait,
    //! Allocated when a job that waited may run.
    News feed(QByteArrayView data);

private:
    QByteArray m_line; // the unfinished last line
    bool m_queued = false;
};

bool applyLauncher(const QStringList &launcher, const QString &program, const QStringList &arguments,
                   ChildProcess::Options *options, QString *error);

} // namespace QtPyVenv::Internal
