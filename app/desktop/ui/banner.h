// SPDX-License-Identifier: MIT
#pragma once

#include <QFrame>

class QLabel;
class QPlainTextEdit;
class QPushButton;

namespace QtPyVenvApp {

/*!
 * A non-modal banner over the tabs: a title, the error message, the last stderr lines
 * and a Restart button. Shown when the worker died or a start failed.
 */
class Banner : public QFrame
{
    Q_OBJECT

public:
    explicit Banner(QWidget *parent = nullptr);
    void showError(const QString &title, const QString &message, const QString &details);
    QString title() const;
    QString message() const;
    QString details() const;

Q_SIGNALS:
    void restartRequested();

protected:
    void changeEvent(QEvent *event) override;

private:
    void updateColors();

    QLabel *m_title;
    QLabel *m_message;
    QPlainTextEdit *m_details;
    QPushButton *m_restart;
};

} // namespace QtPyVenvApp
