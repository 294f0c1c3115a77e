// SPDX-License-Identifier: MIT
#pragma once

#include "definition.h"

#include <QObject>
#include <QProcess>
#include <QString>

namespace QtPyVenvApp {

/*!
 * Fetches uv into the app's tool folder with a bootstrap interpreter's pip, in the background:
 * `python -m pip install --upgrade --target <tools>/uv-pkg uv`, then links <tools>/bin/uv (the
 * folder every environment searches first, Config::toolSearchPaths) to the binary the wheel
 * puts in <tools>/uv-pkg/bin. Never blocks: the process runs under QProcess and reports with
 * outputReceived() and finished().
 *
 * \code
 * UvFetcher fetcher(paths.toolsFolder());
 * connect(&fetcher, &UvFetcher::finished, ...);
 * fetcher.fetch(QStringLiteral("python3"));
 * \endcode
 */
class UvFetcher : public QObject
{
    Q_OBJECT

public:
    explicit UvFetcher(const QString &toolsFolder, QObject *parent = nullptr);
    //! Kills a fetch still running: no pip outlives the app.
    ~UvFetcher() override;

    //! Starts pip with \a python; no-op while a fetch runs.
    void fetch(const QString &python);
    bool isRunning() const { return m_process != nullptr; }
    //! Where a fetched uv is: <tools>/bin/uv.
    QString uvPath() const;
    //! Everything pip printed during the current or last fetch.
    QString output() const { return m_output; }

Q_SIGNALS:
    void outputReceived(const QString &text);
    //! The fetch ended: \a message says what uv version is where, or why it failed, readably
    //! (no network, no pip, pip's last lines).
    void finished(bool ok, const QString &message);

private:
    void onFinished(int exitCode, QProcess::ExitStatus status);
    void finish(bool ok, const QString &message);
    //! Points <tools>/bin/uv at the binary pip installed; "" or why it could not.
    QString linkUv() const;
    QString packageFolder() const;

    QString m_toolsFolder;
    QString m_python;
    QProcess *m_process = nullptr;
    QString m_output;
};

//! Why a failed `pip install uv` failed, from its exit code and \a output, in one or two lines.
QString describePipFailure(const QString &python, int exitCode, const QString &output);
//! True once the user answered the offer to fetch uv (fetched it, or declined).
bool uvOfferAnswered(const AppPaths &paths);
void setUvOfferAnswered(const AppPaths &paths);

} // namespace QtPyVenvApp
