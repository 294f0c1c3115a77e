// SPDX-License-Identifier: MIT
#pragma once

#include <QWidget>

class QLabel;
class QProgressBar;
class QPushButton;

namespace QtPyVenvApp {

struct CallRecord;

/*!
 * The progress of the console's running call: a bar (busy while the total is unknown), the
 * progress text with the count of partial results, and Cancel. Hidden while no call runs.
 */
class CallProgressPanel : public QWidget
{
    Q_OBJECT

public:
    explicit CallProgressPanel(QWidget *parent = nullptr);

    //! Shows how \a record stands while it runs; hides for a finished call or null.
    void showRecord(const CallRecord *record);

    QProgressBar *bar() const { return m_bar; }
    QPushButton *cancelButton() const { return m_cancel; }
    QString text() const;

Q_SIGNALS:
    void cancelClicked();

private:
    QProgressBar *m_bar;
    QLabel *m_text;
    QPushButton *m_cancel;
};

} // namespace QtPyVenvApp
