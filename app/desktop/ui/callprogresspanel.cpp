// SPDX-License-Identifier: MIT
#include "callprogresspanel.h"

#include "core/callmodel.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>

namespace QtPyVenvApp {

namespace {
constexpr int Steps = 1000; // the bar's resolution
} // namespace

CallProgressPanel::CallProgressPanel(QWidget *parent)
    : QWidget(parent)
    , m_bar(new QProgressBar(this))
    , m_text(new QLabel(this))
    , m_cancel(new QPushButton(tr("Cancel"), this))
{
    m_bar->setObjectName(QStringLiteral("callProgressBar"));
    m_bar->setTextVisible(false); // the label says it: a message may hold QProgressBar's %-codes
    m_text->setObjectName(QStringLiteral("callProgressText"));
    m_text->setTextFormat(Qt::PlainText);
    m_cancel->setObjectName(QStringLiteral("callCancelButton"));
    m_cancel->setToolTip(tr("Cancel the running call"));
    connect(m_cancel, &QPushButton::clicked, this, &CallProgressPanel::cancelClicked);
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_bar, 1);
    layout->addWidget(m_text, 2);
    layout->addWidget(m_cancel);
    hide();
}

QString CallProgressPanel::text() const
{
    return m_text->text();
}

void CallProgressPanel::showRecord(const CallRecord *record)
{
    if (!record || record->state != CallState::Running) {
        hide();
        return;
    }
    if (const double fraction = record->progress.fraction(); fraction >= 0) {
        m_bar->setRange(0, Steps);
        m_bar->setValue(qRound(fraction * Steps));
    } else {
        m_bar->setRange(0, 0); // busy
    }
    QString text = record->progress.text();
    if (record->partialCount > 0)
        text += (text.isEmpty() ? QString() : QStringLiteral(" · ")) + tr("%1 partial results").arg(record->partialCount);
    m_text->setText(text);
    m_cancel->setText(record->cancelRequested ? tr("Cancelling…") : tr("Cancel"));
    m_cancel->setEnabled(!record->cancelRequested && !record->callId.isEmpty());
    show();
}

} // namespace QtPyVenvApp
