// SPDX-License-Identifier: MIT
#pragma once

#include "childprocess.h"

#include <QString>
#include <QStringList>

namespace QtPyVenv::Internal {

//! \a text as one word for a POSIX shell: as it is when it needs no quoting, else in single quotes.
QString shellQuoted(const QString &text);

/*!
 * Sets \a options' program and arguments to run \a program with \a arguments through
 * \a launcher (Config::launcher): the launcher's program found on PATH, its own arguments as
 * given, then \a program and \a arguments, quoted for the remote shell when the launcher is ssh.
 * False with \a error when the launcher's program cannot be found.
 */
bool applyLauncher(const QStringList &launcher, const QString &program, const QStringList &arguments,
                   ChildProcess::Options *options, QString *error);

} // namespace QtPyVenv::Internal
