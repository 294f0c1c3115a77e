// SPDX-License-Identifier: MIT
#include "banner.h"

#include "colors.h"

#include <QEvent>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QToolButton>
#include <QVBoxLayout>

namespace QtPyVenvApp {

Banner::Banner(QWidget *parent)
    : QFrame(parent)
    , m_title(new QLabel(this))
    , m_message(new QLabel(this))
    , m_details(new QPlainTextEdit(this))
    , m_restart(new QPushButton(tr("&Restart"), this))
{
    setObjectName(QStringLiteral("banner"));
    setFrameShape(QFrame::StyledPanel);
    m_title->setObjectName(QStringLiteral("bannerTitle"));
    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    m_message->setObjectName(QStringLiteral("bannerMessage"));
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_details->setObjectName(QStringLiteral("bannerDetails"));
    m_details->setReadOnly(true);
    m_details->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_details->setMaximumHeight(110);
    m_details->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_restart->setObjectName(QStringLiteral("bannerRestart"));
    auto *close = new QToolButton(this);
    close->setText(QStringLiteral("✕"));
    close->setToolTip(tr("Hide"));
    close->setAutoRaise(true);

    auto *top = new QHBoxLayout;
    top->addWidget(m_title, 1);
    top->addWidget(m_restart);
    top->addWidget(close);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 6, 8, 6);
    layout->addLayout(top);
    layout->addWidget(m_message);
    layout->addWidget(m_details);

    connect(m_restart, &QPushButton::clicked, this, &Banner::restartRequested);
    connect(close, &QToolButton::clicked, this, &Banner::hide);
    updateColors();
    hide();
}

void Banner::showError(const QString &title, const QString &message, const QString &details)
{
    m_title->setText(title);
    m_message->setText(message);
    m_details->setPlainText(details);
    m_details->setVisible(!details.trimmed().isEmpty());
    m_details->moveCursor(QTextCursor::End);
    show();
}

QString Banner::title() const { return m_title->text(); }
QString Banner::message() const { return m_message->text(); }
QString Banner::details() const { return m_details->toPlainText(); }

void Banner::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange)
        updateColors();
    QFrame::changeEvent(event);
}

void Banner::updateColors()
{
    const QPalette p = palette();
    const QString sheet = QStringLiteral("QFrame#banner { background: %1; border: 1px solid %2; border-radius: 4px; }")
                              .arg(bannerBackground(p).name(), bannerBorder(p).name());
    if (sheet != styleSheet()) // setting a style sheet changes the palette: no loop
        setStyleSheet(sheet);
}

} // namespace QtPyVenvApp
