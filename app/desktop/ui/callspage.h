// SPDX-License-Identifier: MIT
#pragma once

#include "core/environment.h"

#include <QPointer>
#include <QWidget>

class QHBoxLayout;
class QSortFilterProxyModel;
class QTableView;
class QTimer;

namespace QtPyVenvApp {

/*!
 * The Calls tab: in-flight and recent calls of the current environment (a CallModel),
 * elapsed time ticking while any runs; double-click shows the result (in a ResultView) or the
 * traceback.
 */
class CallsPage : public QWidget
{
    Q_OBJECT

public:
    explicit CallsPage(QWidget *parent = nullptr);
    void setEnvironment(Environment *environment);
    QTableView *view() const { return m_view; }
    //! The call at \a proxyRow as text: what the details dialog says, then the result as JSON.
    QString detailsText(int proxyRow) const;
    //! What the details dialog says above the result: the call, its outcome or its traceback.
    static QString summaryText(const CallRecord &record);

public Q_SLOTS:
    void showDetails(const QModelIndex &index);

private:
    void setUpView();
    QHBoxLayout *createBar();
    void updateTicking();
    const CallRecord *recordAt(int proxyRow) const;

    QPointer<Environment> m_environment;
    QMetaObject::Connection m_runningConnection;
    QSortFilterProxyModel *m_proxy;
    QTableView *m_view;
    QTimer *m_tick;
};

} // namespace QtPyVenvApp
