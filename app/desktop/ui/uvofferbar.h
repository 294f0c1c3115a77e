// SPDX-License-Identifier: MIT
#pragma once

#include "core/definition.h"

#include <QFrame>

class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;

namespace QtPyVenvApp {

class UvFetcher;

/*!
 * A dismissible bar that offers, once, to fetch uv into the app's tool folder (UvFetcher),
 * then shows pip's progress and the outcome. "Not now" and a successful fetch are remembered
 * in the app's settings, so the offer does not come back; a failed fetch can be retried.
 */
class UvOfferBar : public QFrame
{
    Q_OBJECT

public:
    explicit UvOfferBar(const AppPaths &paths, QWidget *parent = nullptr);
    //! True while the offer has not been answered and no uv is found (tool folder, PATH).
    bool shouldOffer() const;
    //! Shows the bar when shouldOffer().
    void offerIfUseful();
    //! The bootstrap interpreter whose pip fetches uv.
    void setPython(const QString &python) { m_python = python; }
    //! The offer, or what the fetch does or did.
    QString message() const;
    UvFetcher *fetcher() const { return m_fetcher; }

public Q_SLOTS:
    void fetch();
    //! "Not now": hides the bar and remembers the answer.
    void dismiss();

Q_SIGNALS:
    //! uv is in the tool folder now: what an environment on Auto uses changed.
    void uvInstalled();

private:
    void onOutput(const QString &text);
    void onFinished(bool ok, const QString &message);

    AppPaths m_paths;
    QString m_python = QStringLiteral("python3");
    UvFetcher *m_fetcher;
    QLabel *m_message;
    QLabel *m_lastLine;
    QProgressBar *m_busy;
    QPlainTextEdit *m_details;
    QPushButton *m_fetch;
    QPushButton *m_dismiss;
};

} // namespace QtPyVenvApp
