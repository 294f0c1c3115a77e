// SPDX-License-Identifier: MIT
#pragma once

#include <QDialog>
#include <QPointer>

class QPlainTextEdit;
class QTabWidget;

namespace QtPyVenvApp {

class CallModel;
class ResultView;

/*!
 * The details of one call, non-modal and live: what was called and how it stands or ended (its
 * progress, or its traceback), a done call's result and the partial results a streaming call
 * yielded so far, each in a ResultView, in the view that fits it.
 */
class CallDetailsDialog : public QDialog
{
    Q_OBJECT

public:
    //! The details of the call \a model knows as \a id (CallRecord::id), following its changes.
    CallDetailsDialog(CallModel *model, int id, QWidget *parent = nullptr);

    QPlainTextEdit *summaryView() const { return m_summary; }
    //! Null unless the call returned.
    ResultView *resultView() const { return m_result; }
    //! Null until the call yields a partial result.
    ResultView *partialsView() const { return m_partials; }

private:
    void onDataChanged(const QModelIndex &topLeft, const QModelIndex &bottomRight);
    void refresh();
    ResultView *addTab(int position, const QString &name);

    QPointer<CallModel> m_model;
    int m_id;
    QPlainTextEdit *m_summary;
    QTabWidget *m_tabs;
    ResultView *m_result = nullptr;
    ResultView *m_partials = nullptr;
    qint64 m_shownPartials = 0;
};

} // namespace QtPyVenvApp
