// SPDX-License-Identifier: MIT
#include "uvofferbar.h"

#include "colors.h"
#include "core/requirements.h"
#include "core/uvfetcher.h"

#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>

namespace QtPyVenvApp {

UvOfferBar::UvOfferBar(const AppPaths &paths, QWidget *parent)
    : QFrame(parent)
    , m_paths(paths)
    , m_fetcher(new UvFetcher(paths.toolsFolder(), this))
    , m_message(new QLabel(this))
    , m_lastLine(new QLabel(this))
    , m_busy(new QProgressBar(this))
    , m_details(new QPlainTextEdit(this))
    , m_fetch(new QPushButton(tr("&Fetch uv"), this))
    , m_dismiss(new QPushButton(tr("Not now"), this))
{
    setObjectName(QStringLiteral("uvOffer"));
    setFrameShape(QFrame::StyledPanel);
    m_message->setObjectName(QStringLiteral("uvOfferMessage"));
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_message->setText(tr("Installs are much faster with uv. Fetch it from the package index into %1 "
                          "(with the interpreter's pip)?")
                           .arg(displayPath(paths.toolBinDir())));
    m_lastLine->setObjectName(QStringLiteral("uvOfferProgress"));
    m_lastLine->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_busy->setRange(0, 0);
    m_busy->setMaximumWidth(120);
    m_details->setObjectName(QStringLiteral("uvOfferDetails"));
    m_details->setReadOnly(true);
    m_details->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_details->setMaximumHeight(110);
    m_details->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_fetch->setObjectName(QStringLiteral("uvOfferFetch"));
    m_dismiss->setObjectName(QStringLiteral("uvOfferDismiss"));

    auto *top = new QHBoxLayout;
    top->addWidget(m_message, 1);
    top->addWidget(m_busy);
    top->addWidget(m_fetch);
    top->addWidget(m_dismiss);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 6, 8, 6);
    layout->addLayout(top);
    layout->addWidget(m_lastLine);
    layout->addWidget(m_details);
    m_busy->hide();
    m_lastLine->hide();
    m_details->hide();

    connect(m_fetch, &QPushButton::clicked, this, &UvOfferBar::fetch);
    connect(m_dismiss, &QPushButton::clicked, this, &UvOfferBar::dismiss);
    connect(m_fetcher, &UvFetcher::outputReceived, this, &UvOfferBar::onOutput);
    connect(m_fetcher, &UvFetcher::finished, this, &UvOfferBar::onFinished);
    hide();
}

bool UvOfferBar::shouldOffer() const
{
    QtPyVenv::Config config;
    config.toolSearchPaths = {m_paths.toolBinDir()};
    return !uvOfferAnswered(m_paths) && QtPyVenv::uvExecutable(config).isEmpty();
}

void UvOfferBar::offerIfUseful()
{
    setVisible(shouldOffer());
}

QString UvOfferBar::message() const
{
    return m_message->text();
}

void UvOfferBar::fetch()
{
    m_message->setStyleSheet(QString());
    m_message->setText(tr("Fetching uv with %1's pip…").arg(m_python));
    m_details->clear();
    m_details->hide();
    m_lastLine->clear();
    m_lastLine->show();
    m_busy->show();
    m_fetch->setEnabled(false);
    m_dismiss->setEnabled(false);
    m_fetcher->fetch(m_python);
}

void UvOfferBar::dismiss()
{
    setUvOfferAnswered(m_paths);
    hide();
}

void UvOfferBar::onOutput(const QString &text)
{
    const QStringList lines = text.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    for (auto line = lines.crbegin(); line != lines.crend(); ++line) {
        if (!line->trimmed().isEmpty()) {
            m_lastLine->setText(line->trimmed());
            return;
        }
    }
}

void UvOfferBar::onFinished(bool ok, const QString &message)
{
    m_busy->hide();
    m_lastLine->hide();
    m_dismiss->setEnabled(true);
    m_message->setText(message);
    m_message->setStyleSheet(QStringLiteral("color: %1").arg((ok ? okColor(palette()) : stderrColor(palette())).name()));
    if (ok) {
        setUvOfferAnswered(m_paths);
        m_fetch->hide();
        m_dismiss->setText(tr("Close"));
        Q_EMIT uvInstalled();
        return;
    }
    m_fetch->setText(tr("&Try again"));
    m_fetch->setEnabled(true);
    m_details->setPlainText(m_fetcher->output());
    m_details->setVisible(!m_fetcher->output().trimmed().isEmpty());
    m_details->moveCursor(QTextCursor::End);
}

} // namespace QtPyVenvApp
