// SPDX-License-Identifier: MIT
#pragma once

#include "core/definition.h"
#include "core/interpreterprobe.h"

#include <QDialog>

class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;

namespace QtPyVenvApp {
class LauncherEditor;
}

namespace QtPyVenvApp {

/*!
 * Asks for a new environment: name, interpreter (picked from the Pythons on PATH, typed
 * or browsed), venv folder (default: AppDataLocation/venvs/<id>) and where it runs. The Pythons
 * offered are run in the background (InterpreterProbe): each shows its version, and one that
 * does not run leaves the list.
 */
class NewEnvironmentDialog : public QDialog
{
    Q_OBJECT

public:
    NewEnvironmentDialog(const QStringList &pythons, const QStringList &takenNames, QWidget *parent = nullptr);
    //! The definition entered: a fresh id, no sources or requirements yet.
    EnvironmentDefinition definition() const;
    void setName(const QString &name);

private:
    void updateFolderHint();
    void validate();
    void onProbed(const InterpreterInfo &info);
    //! The interpreter the combo box stands for: an item's path, or what was typed.
    QString interpreter() const;

    QStringList m_takenNames;
    QString m_id;
    QLineEdit *m_name;
    InterpreterProbe *m_probe;
    QComboBox *m_interpreter;
    QLineEdit *m_folder;
    QLabel *m_folderHint;
    LauncherEditor *m_runsOn;
    QLabel *m_problem;
    QDialogButtonBox *m_buttons;
};

} // namespace QtPyVenvApp
