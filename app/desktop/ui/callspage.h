// SPDX-License-Identifier: MIT
#pragma once

#include "core/environment.h"

#include <QPointer>
#include <QWidget>

class QSortFilterProxyModel;
class QTableView;
class QTimer;

namespace QtPyVenvApp {



/*!
 * The Calls tab: in-flight and recent calls of the current environment (a CallModel),
 * elapsed time ticking while any runs; double-click shows the result or the traceback.
 */
class CallsPage : public QWidget
{
    Q_OBJECT

public:
    explicit CallsPage(QWidget *parent = nullptr);
    void setEnvironment(Environment *environment);
    QTableView *view() const { return m_view; }
    //! The text the details dialog shows for the row at \a proxyRow.
    QString detailsText(int proxyRow) const;

public Q_SLOTS:
    void showDetails(const QModelIndex &index);

private:
    void updateTicking();

    QPointer<Environment> m_environment;
    QMetaObject::Connection m_runningConnection;
    QSortFilterProxyModel *m_proxy;
    QTableView *m_view;
    QTimer *m_tick;
};

} // namespace QtPyVenvApp
