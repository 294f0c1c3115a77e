// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QString>
#include <QStringList>

class QProcess;

namespace QtPyVenvApp {

/*!
 * One run of pip (`python -m pip ...`, see pipArguments()) or uv's pip under QProcess,
 * killed when it takes longer than a timeout. Never blocks; reports finished() exactly once, unless it is destroyed first
 * (which kills pip: none outlives it).
 *
 * \code
 * auto *pip = new PipProcess(QStringLiteral("python3"), PipProcess::pipArguments({QStringLiteral("--version")}), 10000, this);
 * connect(pip, &PipProcess::finished, ...);
 * pip->start();
 * \endcode
 */
class PipProcess : public QObject
{
    Q_OBJECT

public:
    //! Runs \a program (a name on PATH or a path) with \a arguments once start() is called.
    PipProcess(const QString &program, const QStringList &arguments, int timeoutMs, QObject *parent = nullptr);
    ~PipProcess() override;

    //! What a Python runs for `pip ARGUMENTS`, without pip's check for a newer pip.
    static QStringList pipArguments(const QStringList &arguments);
    void start();

Q_SIGNALS:
    /*!
     * pip exited with \a exitCode, having printed \a output (stdout and stderr merged); or it
     * did not run to its end, and \a error says why readably (cannot start, crashed, timed out).
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
