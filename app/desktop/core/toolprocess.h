// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QString>
#include <QStringList>

class QProcess;

namespace QtPyVenvApp {

/*!
 * One run of a tool under QProcess: pip (`python -m pip ...`, see pipArguments()), uv's pip, or
 * an interpreter asked for its version. Killed when it takes longer than a timeout; pip never
 * waits for input (PIP_NO_INPUT). Never blocks; reports finished() exactly once, unless it is
 * destroyed first (which kills the tool: none outlives it).
 *
 * \code
 * auto *pip = new ToolProcess(QStringLiteral("python3"), ToolProcess::pipArguments({QStringLiteral("--version")}), 10000, this);
 * connect(pip, &ToolProcess::finished, ...);
 * pip->start();
 * \endcode
 */
class ToolProcess : public QObject
{
    Q_OBJECT

public:
    //! Runs \a program (a name on PATH or a path) with \a arguments once start() is called.
    ToolProcess(const QString &program, const QStringList &arguments, int timeoutMs, QObject *parent = nullptr);
    ~ToolProcess() override;

    //! What a Python runs for `pip ARGUMENTS`, without pip's check for a newer pip.
    static QStringList pipArguments(const QStringList &arguments);
    void start();

Q_SIGNALS:
    /*!
     * The tool exited with \a exitCode, having printed \a output (stdout and stderr merged); or
     * it did not run to its end, and \a error says why readably (cannot start, crashed, timed out).
     */
    void finished(int exitCode, const QString &output, const QString &error);

private:
    void report(int exitCode, const QString &error);

    QString m_program;
    QStringList m_arguments;
    int m_timeoutMs;
    QProcess *m_process = nullptr;
};

} // namespace QtPyVenvApp
