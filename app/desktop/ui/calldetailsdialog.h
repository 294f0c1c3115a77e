// SPDX-License-Identifier: MIT
#pragma once

#include "core/callmodel.h"

#include <QDialog>

class QPlainTextEdit;

namespace QtPyVenvApp {

class ResultView;

/*!
 * The details of one call, non-modal: what was called and how it ended (or its traceback),
 * and a done call's result in a ResultView, in the view that fits it.
 */
class CallDetailsDialog : public QDialog
{
    Q_OBJECT

public:
    CallDetailsDialog(const CallRecord &record, const QString &summary, QWidget *parent = nullptr);

    QPlainTextEdit *summaryView() const { return m_summary; }
    //! Null unless the call returned.
    ResultView *resultView() const { return m_result; }

private:
    QPlainTextEdit *m_summary;
    ResultView *m_result = nullptr;
};

} // namespace QtPyVenvApp
