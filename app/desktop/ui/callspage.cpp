// SPDX-License-Identifier: MIT
#include "callspage.h"

#include "calldetailsdialog.h"
#include "callprogressdelegate.h"

#include "core/callmodel.h"
#include "core/callsummary.h"
#include "core/environment.h"
#include "core/logging.h"
#include "core/resultvalue.h"

#include <QAction>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

namespace QtPyVenvApp {

CallsPage::CallsPage(QWidget *parent)
    : QWidget(parent)
    , m_proxy(new QSortFilterProxyModel(this))
    , m_view(new QTableView(this))
    , m_tick(new QTimer(this))
    , m_cancel(new QAction(tr("&Cancel call"), this))
    , m_details(new QAction(tr("Show &details"), this))
{
    createActions();
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
    m_view->horizontalHeader()->setStretchLastSection(true); // the Error column
    m_view->setWordWrap(false); // one line per call: long arguments are elided, whole in the tooltip
    m_view->setTextElideMode(Qt::ElideRight);
    m_view->setToolTip(tr("Double-click (or Enter) shows the details; Delete cancels a call in flight"));
    m_view->setItemDelegateForColumn(CallModel::ProgressColumn, new CallProgressDelegate(m_view));
    m_view->setContextMenuPolicy(Qt::CustomContextMenu);
    m_view->addAction(m_cancel); // Delete, while the table has the focus
    connect(m_view, &QTableView::activated, this, &CallsPage::showDetails);
    connect(m_view, &QWidget::customContextMenuRequested, this, &CallsPage::showContextMenu);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentChanged, this, &CallsPage::updateActions);
    // A call starting, finishing or being cancelled changes what the actions can do.
    connect(m_proxy, &QAbstractItemModel::dataChanged, this, &CallsPage::updateActions);
    connect(m_proxy, &QAbstractItemModel::rowsRemoved, this, &CallsPage::updateActions);
    connect(m_proxy, &QAbstractItemModel::modelReset, this, &CallsPage::updateActions);
}

void CallsPage::createActions()
{
    m_cancel->setObjectName(QStringLiteral("cancelCallAction"));
    m_cancel->setShortcut(QKeySequence::Delete);
    m_cancel->setShortcutContext(Qt::WidgetShortcut);
    m_cancel->setToolTip(tr("Cancel the selected call, queued or running (Delete)"));
    m_cancel->setEnabled(false);
    connect(m_cancel, &QAction::triggered, this, &CallsPage::cancelCurrent);
    m_details->setObjectName(QStringLiteral("callDetailsAction"));
    connect(m_details, &QAction::triggered, this, [this] { showDetails(m_view->currentIndex()); });
}

QHBoxLayout *CallsPage::createBar()
{
    auto *clear = new QPushButton(tr("Clear &finished"), this);
    clear->setObjectName(QStringLiteral("callsClear"));
    connect(clear, &QPushButton::clicked, this, [this] {
        if (m_environment)
            m_environment->calls()->clearFinished();
    });
    auto *cancel = new QToolButton(this);
    cancel->setObjectName(QStringLiteral("callsCancel"));
    cancel->setDefaultAction(m_cancel);
    auto *bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Calls of this environment, newest first"), this), 1);
    bar->addWidget(cancel);
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
        sizeColumns(); // a new model resets the sections
    }
    updateTicking();
    updateActions();
}

void CallsPage::sizeColumns()
{
    // The short columns fit what they show as it changes (a state turning "cancelling", a
    // longer elapsed time); the arguments get a bounded width; the error takes what is left.
    QHeaderView *header = m_view->horizontalHeader();
    header->setSectionResizeMode(QHeaderView::ResizeToContents);
    header->setSectionResizeMode(CallModel::ArgumentsColumn, QHeaderView::Interactive);
    header->resizeSection(CallModel::ArgumentsColumn, fontMetrics().averageCharWidth() * 24);
    // Room for what running calls will show, however few rows are there now.
    header->setSectionResizeMode(CallModel::ProgressColumn, QHeaderView::Interactive);
    header->resizeSection(CallModel::ProgressColumn, fontMetrics().averageCharWidth() * 36);
    header->setSectionResizeMode(CallModel::ErrorColumn, QHeaderView::Stretch);
}

void CallsPage::updateActions()
{
    const QModelIndex current = m_view->currentIndex();
    m_cancel->setEnabled(m_environment && current.data(CallModel::CancellableRole).toBool());
    m_details->setEnabled(current.isValid());
}

void CallsPage::cancelCurrent()
{
    const QModelIndex current = m_view->currentIndex();
    if (!m_environment || !current.data(CallModel::CancellableRole).toBool())
        return;
    // Failing is no news: the call finished meanwhile, and shows how.
    if (const QtPyVenv::Error error = m_environment->cancel(current.data(CallModel::IdRole).toInt()); !error.ok())
        qCInfo(lcAppCall) << "cancel:" << error.toString();
}

void CallsPage::showContextMenu(const QPoint &position)
{
    const QModelIndex index = m_view->indexAt(position);
    if (!index.isValid())
        return;
    m_view->setCurrentIndex(index);
    auto *menu = new QMenu(this);
    menu->setObjectName(QStringLiteral("callsMenu"));
    menu->setAttribute(Qt::WA_DeleteOnClose);
    menu->addAction(m_cancel);
    menu->addAction(m_details);
    menu->popup(m_view->viewport()->mapToGlobal(position));
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

QString CallsPage::detailsText(int proxyRow) const
{
    const CallRecord *record = recordAt(proxyRow);
    if (!record)
        return {};
    QString text = callSummary(*record);
    if (record->state == CallState::Done)
        text += QStringLiteral("\n\n") + QString::fromUtf8(QtPyVenv::toJsonText(record->result));
    return text;
}

void CallsPage::showDetails(const QModelIndex &index)
{
    const CallRecord *record = index.isValid() ? recordAt(index.row()) : nullptr;
    if (!record)
        return;
    auto *dialog = new CallDetailsDialog(m_environment->calls(), record->id, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show(); // non-modal
}

} // namespace QtPyVenvApp
