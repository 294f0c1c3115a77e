// SPDX-License-Identifier: MIT
#include "callspage.h"

#include "calldetailsdialog.h"

#include "core/arguments.h"
#include "core/callmodel.h"
#include "core/environment.h"
#include "core/resultvalue.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

namespace QtPyVenvApp {

CallsPage::CallsPage(QWidget *parent)
    : QWidget(parent)
    , m_proxy(new QSortFilterProxyModel(this))
    , m_view(new QTableView(this))
    , m_tick(new QTimer(this))
{
    setUpView();
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(createBar());
    layout->addWidget(m_view);
    m_tick->setInterval(200);
    connect(m_tick, &QTimer::timeout, this, [this] {
        if (m_environment)
            m_environment->calls()->tick();
    });
}

void CallsPage::setUpView()
{
    m_proxy->setSortRole(CallModel::IdRole);
    m_view->setObjectName(QStringLiteral("callsTable"));
    m_view->setModel(m_proxy);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setAlternatingRowColors(true);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(CallModel::IdColumn, Qt::DescendingOrder);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setToolTip(tr("Double-click (or Enter) shows the result or the traceback"));
    connect(m_view, &QTableView::activated, this, &CallsPage::showDetails);
}

QHBoxLayout *CallsPage::createBar()
{
    auto *clear = new QPushButton(tr("Clear &finished"), this);
    clear->setObjectName(QStringLiteral("callsClear"));
    connect(clear, &QPushButton::clicked, this, [this] {
        if (m_environment)
            m_environment->calls()->clearFinished();
    });
    auto *bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Calls of this environment, newest first"), this), 1);
    bar->addWidget(clear);
    return bar;
}

void CallsPage::setEnvironment(Environment *environment)
{
    disconnect(m_runningConnection);
    m_environment = environment;
    m_proxy->setSourceModel(environment ? environment->calls() : nullptr);
    if (environment) {
        m_runningConnection = connect(environment->calls(), &CallModel::runningCountChanged, this, &CallsPage::updateTicking);
        m_view->resizeColumnsToContents();
    }
    updateTicking();
}

void CallsPage::updateTicking()
{
    if (m_environment && m_environment->calls()->runningCount() > 0)
        m_tick->start();
    else
        m_tick->stop();
}

const CallRecord *CallsPage::recordAt(int proxyRow) const
{
    const QModelIndex index = m_proxy->index(proxyRow, 0);
    if (!index.isValid() || !m_environment)
        return nullptr;
    return m_environment->calls()->record(index.data(CallModel::IdRole).toInt());
}

QString CallsPage::summaryText(const CallRecord &record)
{
    const QString id = record.callId.isEmpty() ? tr("(not sent)") : record.callId;
    QString text = tr("Call %1: %2(%3)\n").arg(id, record.function, argumentsText(record.arguments));
    switch (record.state) {
    case CallState::Running:
        text += tr("Still running.");
        break;
    case CallState::Done:
        text += tr("Returned in %1: %2").arg(formatDuration(record.durationMs), valueSummary(record.result));
        break;
    case CallState::Failed:
    case CallState::Died: {
        const QtPyVenv::Error &e = record.error;
        text += tr("Failed after %1: %2\n\n%3")
                    .arg(formatDuration(record.durationMs),
                         e.type.isEmpty() ? e.message : QStringLiteral("%1: %2").arg(e.type, e.message), e.traceback);
        break;
    }
    }
    return text;
}

QString CallsPage::detailsText(int proxyRow) const
{
    const CallRecord *record = recordAt(proxyRow);
    if (!record)
        return {};
    QString text = summaryText(*record);
    if (record->state == CallState::Done)
        text += QStringLiteral("\n\n") + QString::fromUtf8(QtPyVenv::toJsonText(record->result));
    return text;
}

void CallsPage::showDetails(const QModelIndex &index)
{
    const CallRecord *record = index.isValid() ? recordAt(index.row()) : nullptr;
    if (!record)
        return;
    auto *dialog = new CallDetailsDialog(*record, summaryText(*record), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show(); // non-modal
}

} // namespace QtPyVenvApp
