// SPDX-License-Identifier: MIT
#include "calldetailsdialog.h"

#include "resultview.h"

#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QPlainTextEdit>
#include <QSplitter>
#include <QVBoxLayout>

namespace QtPyVenvApp {

CallDetailsDialog::CallDetailsDialog(const CallRecord &record, const QString &summary, QWidget *parent)
    : QDialog(parent)
    , m_summary(new QPlainTextEdit(summary, this))
{
    setObjectName(QStringLiteral("callDetails"));
    setWindowTitle(tr("Call %1").arg(record.callId.isEmpty() ? tr("(not sent)") : record.callId));
    m_summary->setObjectName(QStringLiteral("callSummary"));
    m_summary->setReadOnly(true);
    m_summary->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_summary->setLineWrapMode(QPlainTextEdit::NoWrap);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::close);
    auto *layout = new QVBoxLayout(this);
    if (record.state == CallState::Done) {
        m_result = new ResultView(this);
        m_result->setValue(record.result);
        auto *splitter = new QSplitter(Qt::Vertical, this);
        splitter->addWidget(m_summary);
        splitter->addWidget(m_result);
        splitter->setStretchFactor(1, 1);
        splitter->setSizes({fontMetrics().height() * 3, 400});
        layout->addWidget(splitter, 1);
    } else {
        layout->addWidget(m_summary, 1);
    }
    layout->addWidget(buttons);
    resize(760, 520);
}

} // namespace QtPyVenvApp
