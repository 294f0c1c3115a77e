// SPDX-License-Identifier: MIT
#pragma once

#include <QtPyVenv/venv.h>

#include "environment.h"

#include <QString>
#include <QStringList>

namespace QtPyVenv::Internal {

//! The first entry of \a pipOptions that uv's pip interface does not take with pip's meaning,
//! or "" when it takes them all.
QString optionUnknownToUv(const QStringList &pipOptions);

//! Why \a config cannot be used with its installer, or "": a pip option uv does not know under Installer::Uv.
QString checkInstaller(const Config &config);

/*
 * The tool that creates a venv and installs the requirements, with Config::installer resolved:
 * the command lines of pip and of uv. Each runs with the start's deadline, close()'s abort
 * descriptor and live output, and fails with its last lines.
 */
class InstallerTool
{
public:
    //! Resolves Installer::Auto, logging why it is not uv when uv was found.
    explicit InstallerTool(const Config &config);

    Installer kind() const { return m_kind; }
    //! StartFailed when Installer::Uv has no uv to run: known before anything on disk changes.
    Error check() const;
    //! Creates a venv without pip at \a venvDir with \a interpreter (a path).
    Error createVenv(const QString &interpreter, const QString &venvDir, const Environment::Context &context) const;
    /*!
     * Installs Config::requirements with Config::pipOptions into the venv at \a venvDir, whose
     * interpreter is \a venvPython. \a interpreter is the bootstrap interpreter's path, "" when
     * it cannot be run: pip prefers its pip to one bootstrapped into the venv.
     */
    Error install(const QString &interpreter, const QString &venvDir, const QString &venvPython,
                  const Environment::Context &context) const;

private:
    Error installWithPip(const QString &interpreter, const QString &venvDir, const QString &venvPython,
                         const Environment::Context &context) const;

    Installer m_kind = Installer::Pip;
    QString m_uv; // uv's path, "" when none was found
    QString m_interpreterName; // Config::pythonInterpreter, as the user wrote it
    QStringList m_installArguments; // after "install": pip options, then requirements
};

} // namespace QtPyVenv::Internal
