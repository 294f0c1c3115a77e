// SPDX-License-Identifier: MIT
#include "calldetailsdialog.h"

#include "resultview.h"

#include "core/callmodel.h"
#include "core/callsummary.h"

#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QPlainTextEdit>
#include <QSplitter>
#include <QTabWidget>
#include <QVBoxLayout>

namespace QtPyVenvApp {

CallDetailsDialog::CallDetailsDialog(CallModel *model, int id, QWidget *parent)
    : QDialog(parent)
    , m_model(model)
    , m_id(id)
    , m_summary(new QPlainTextEdit(this))
    , m_tabs(new QTabWidget(this))
{
    setObjectName(QStringLiteral("callDetails"));
    setWindowTitle(tr("Call %1").arg(id));
    m_summary->setObjectName(QStringLiteral("callSummary"));
    m_summary->setReadOnly(true);
    m_summary->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_summary->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_tabs->setDocumentMode(true);
    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(m_summary);
    splitter->addWidget(m_tabs);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({fontMetrics().height() * 4, 400});
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::close);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(splitter, 1);
    layout->addWidget(buttons);
    resize(760, 520);
    connect(model, &QAbstractItemModel::dataChanged, this, &CallDetailsDialog::onDataChanged);
    refresh();
}

void CallDetailsDialog::onDataChanged(const QModelIndex &topLeft, const QModelIndex &bottomRight)
{
    const int row = m_model ? m_model->rowOf(m_id) : -1;
    if (row >= topLeft.row() && row <= bottomRight.row())
        refresh();
}

ResultView *CallDetailsDialog::addTab(int position, const QString &name)
{
    auto *view = new ResultView(this);
    m_tabs->insertTab(position, view, name);
    return view;
}

void CallDetailsDialog::refresh()
{
    const CallRecord *record = m_model ? m_model->record(m_id) : nullptr;
    if (!record)
        return; // cleared from the table: keep what is shown
    if (const QString summary = callSummary(*record); summary != m_summary->toPlainText())
        m_summary->setPlainText(summary);
    if (record->partialCount != m_shownPartials) {
        m_shownPartials = record->partialCount;
        if (!m_partials) {
            m_partials = addTab(-1, QString());
            m_partials->setObjectName(QStringLiteral("partialsView"));
        }
        m_partials->updateValue(record->partialsValue());
        m_tabs->setTabText(m_tabs->indexOf(m_partials), tr("Partial results (%1)").arg(m_shownPartials));
    }
    if (record->state == CallState::Done && !m_result) {
        m_result = addTab(0, tr("Result")); // before the partial results
        m_result->setValue(record->result);
        m_tabs->setCurrentWidget(m_result);
    }
    m_tabs->setVisible(m_tabs->count() > 0);
}

} // namespace QtPyVenvApp
