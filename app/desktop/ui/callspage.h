// SPDX-License-Identifier: MIT
#pragma once

#include "core/environment.h"

#include <QPointer>
#include <QWidget>

class QAction;
class QHBoxLayout;
class QMenu;
class QSortFilterProxyModel;
class QTableView;
class QTimer;

namespace QtPyVenvApp {

/*!
 * The Calls tab: in-flight and recent calls of the current environment (a CallModel), elapsed
 * time and busy bars ticking while any runs, each call's progress bar and partial result count;
 * Cancel (the button, the context menu or Delete) for a call in flight; double-click shows the
 * call's details, live (CallDetailsDialog).
 */
class CallsPage : public QWidget
{
    Q_OBJECT

public:
    explicit CallsPage(QWidget *parent = nullptr);
    void setEnvironment(Environment *environment);
    QTableView *view() const { return m_view; }
    //! Cancels the current call; enabled while it is in flight and not being cancelled.
    QAction *cancelAction() const { return m_cancel; }
    //! The call at \a proxyRow as text: what the details dialog says, then the result as JSON.
    QString detailsText(int proxyRow) const;

public Q_SLOTS:
    void showDetails(const QModelIndex &index);
    //! Asks to cancel the current call (Environment::cancel()).
    void cancelCurrent();

private:
    void setUpView();
    void createActions();
    QHBoxLayout *createBar();
    void sizeColumns();
    void showContextMenu(const QPoint &position);
    void updateTicking();
    void updateActions();
    const CallRecord *recordAt(int proxyRow) const;

    QPointer<Environment> m_environment;
    QMetaObject::Connection m_runningConnection;
    QSortFilterProxyModel *m_proxy;
    QTableView *m_view;
    QTimer *m_tick;
    QAction *m_cancel;
    QAction *m_details;
};

} // namespace QtPyVenvApp
