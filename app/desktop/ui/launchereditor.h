// SPDX-License-Identifier: MIT
#pragma once

#include "core/runson.h"

#include <QWidget>

class QComboBox;
class QLineEdit;
class QStackedWidget;

namespace QtPyVenvApp {

/*!
 * The "Runs on" part of the environment dialog: this computer, an SSH host, Slurm or a custom
 * command prefix, with the fields of the one chosen. Edits a Config::launcher (launcherFor()).
 */
class LauncherEditor : public QWidget
{
    Q_OBJECT

public:
    explicit LauncherEditor(QWidget *parent = nullptr);
    //! The launcher the fields stand for; {} while problem() is not empty.
    QStringList launcher() const;
    //! What keeps the fields from making a launcher, in a sentence; "" when they make one.
    QString problem() const;
    //! Shows \a launcher: the choice and fields runsOnFor() reads from it.
    void setLauncher(const QStringList &launcher);

Q_SIGNALS:
    void changed();

private:
    //! A page of the fields of one choice, each with its label.
    QWidget *page(const QList<std::pair<QString, QLineEdit *>> &rows);
    QLineEdit *field(const char *objectName, const QString &placeholder);
    RunsOn runsOn() const;

    QComboBox *m_kind;
    QStackedWidget *m_pages;
    QLineEdit *m_sshTarget;
    QLineEdit *m_sshOptions;
    QLineEdit *m_srunOptions;
    QLineEdit *m_loginNode;
    QLineEdit *m_command;
};

} // namespace QtPyVenvApp
